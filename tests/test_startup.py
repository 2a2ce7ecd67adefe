"""What a job's start-up imports: each second here is paid by every job of a run."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout


def test_setup_makes_torch_deterministic_without_loading_the_compiler() -> None:
    # torch.use_deterministic_algorithms imports torch._dynamo (1.5 s per job).
    out = _run(
        "import sys, torch; from vanishing.core.runtime import setup; setup(1);"
        "print(torch.are_deterministic_algorithms_enabled(), 'torch._dynamo' in sys.modules)"
    )
    assert out.split() == ["True", "False"]


def test_setup_keeps_a_loaded_compiler_deterministic() -> None:
    out = _run(
        "import torch._inductor.config as c; from vanishing.core.runtime import setup; setup(1);"
        "print(c.deterministic)"
    )
    assert out.split() == ["True"]


def test_digits_jobs_do_not_import_scikit_learn() -> None:
    out = _run(
        "import sys; from vanishing.core.data import digits; digits(); "
        "print('sklearn' in sys.modules)"
    )
    assert out.split() == ["False"]


def test_figure_modules_load_seaborn_without_scipy_stats_or_cluster() -> None:
    out = _run(
        "import sys; import vanishing.figures.thresholds, seaborn;"
        "print('scipy.stats' in sys.modules, 'scipy.cluster' in sys.modules);"
        "import scipy.stats, scipy.cluster; print('ok')"
    )
    assert out.split() == ["False", "False", "ok"]
