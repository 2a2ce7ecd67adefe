"""The mean-field checks (E1, E4) on synthetic tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from vanishing.claims import checks_meanfield as cm
from vanishing.claims.registry import Results
from vanishing.machinery.pipeline import results_at

from .tables import write


def _comparison(n_pairs: int = 40, wrong: int = 0, noise: float = 0.0) -> tuple[list, list]:
    rng = np.random.default_rng(0)
    preds = np.linspace(-1.5, 1.5, n_pairs)
    rows, chi = [], []
    for k, p in enumerate(preds):
        a, i = f"act{k}", "init"
        chi.append(
            {
                "activation": a,
                "init": i,
                "sigma_w2": 1.0,
                "q_star": 1.0,
                "chi1": math.exp(2 * p),
                "chi1_fine_grid": math.exp(2 * p),
                "chi1_gauss_hermite": math.exp(2 * p),
                "half_ln_chi1": p,
            }
        )
        for seed in (0, 1):
            m = -p - 0.3 * np.sign(p) if k < wrong else p + noise * rng.normal()
            rows.append(
                {
                    "activation": a,
                    "init": i,
                    "depth": 50,
                    "seed": seed,
                    "measured_slope": m,
                    "pred_slope_qstar": p,
                    "pred_slope_trajectory": p,
                    "chi1": math.exp(2 * p),
                    "sigma_w2": 1.0,
                }
            )
    return rows, chi


def _orth(orth_sv: float = 1e-9) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "activation": act,
                "init": init,
                "depth": depth,
                "seed": seed,
                "log10_grad_first": 0.2 + (0.0 if init == "orthogonal" else 0.3 * seed),
                "log10_ratio": 0.0 if init == "orthogonal" else 0.1 * seed,
                "jac_ln_sv_sd": orth_sv if init == "orthogonal" else 5.0 * depth / 32,
                "jac_log10_cond": 0.0,
                "jac_ln_sv_mean": 0.0,
            }
            for act in ("linear", "tanh")
            for init in ("orthogonal", "lecun")
            for depth in (2, 32)
            for seed in (0, 1, 2)
        ]
    )


def _write(root: Path, cmp=None, orth=None) -> Results:
    c, x = cmp if cmp is not None else _comparison()
    write(root, "meanfield.comparison", c)
    write(root, "meanfield.chi1", x)
    write(root, "meanfield.orthogonal", orth if orth is not None else _orth())
    return results_at(root)


def test_e1_states(tmp_path: Path) -> None:
    f = cm.check_e1_chi1
    assert f(_write(tmp_path / "a")).verdict == "supported"
    assert f(_write(tmp_path / "b", _comparison(wrong=40))).verdict == "refuted"
    res = f(_write(tmp_path / "c", _comparison(n_pairs=10)))
    assert res.verdict == "inconclusive"  # ten pairs cannot show ≥ 90 % agreement
    assert res.more_runs_needed is None  # more seeds add no pairs


def test_e4_by_construction(tmp_path: Path) -> None:
    f = cm.check_e4_orthogonal
    res = f(_write(tmp_path / "a"))
    assert res.verdict == "supported" and "construction" in res.note
    assert f(_write(tmp_path / "b", orth=_orth(orth_sv=0.3))).verdict == "refuted"
