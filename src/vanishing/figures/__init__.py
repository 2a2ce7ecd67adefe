"""One module per figure; each has ``main(inputs, outputs, params)``.

The module docstring's first paragraph is the figure's caption in the report.
"""

import sys

# seaborn imports scipy.stats (1.2 s, half a figure job's start-up) for its kernel
# density estimates alone, which no figure draws (without it, seaborn uses its own
# bundled copy of the estimator), and scipy.cluster (0.2–0.4 s) for clustermap's
# dendrograms alone, which no figure draws either. Hide both while seaborn loads,
# unless already loaded.
_HIDDEN = ("scipy.stats", "scipy.cluster")
if "seaborn" not in sys.modules and not any(m in sys.modules for m in _HIDDEN):
    for _m in _HIDDEN:
        sys.modules[_m] = None  # type: ignore[assignment]  # import → ImportError
    try:
        import seaborn  # noqa: F401
    finally:
        for _m in _HIDDEN:
            del sys.modules[_m]
