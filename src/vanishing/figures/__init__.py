"""One module per figure; each has ``main(inputs, outputs, params)``.

The module docstring's first paragraph is the figure's caption in the report.
"""

import sys

# seaborn imports scipy.stats (1.2 s, half a figure job's start-up) for its kernel
# density estimates alone, which no figure draws; without it, seaborn uses its own
# bundled copy of the estimator. Hide it while seaborn loads, unless already loaded.
if "seaborn" not in sys.modules and "scipy.stats" not in sys.modules:
    sys.modules["scipy.stats"] = None  # type: ignore[assignment]  # import → ImportError
    try:
        import seaborn  # noqa: F401
    finally:
        del sys.modules["scipy.stats"]
