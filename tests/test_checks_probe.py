"""The probe-grid checks (A2, A12, C9, D1) driven to each verdict by small synthetic
probe summaries (and the real theory tables)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vanishing.claims import checks_probe as cp
from vanishing.claims import stats
from vanishing.claims.registry import Results
from vanishing.machinery.pipeline import results_at, run_stage

from .tables import write

SEEDS = range(5)
JITTER = (-0.1, -0.05, 0.0, 0.05, 0.1)


@pytest.fixture(scope="module")
def theory_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("theory")
    run_stage("theory", {"tanh_ns": [0.5, 2.0, 3.0]}, root)
    return root


def _summary(
    root: Path,
    cells: dict,
    theory: Path | None = None,
    noise: float = 1.0,
    overflowed: set = frozenset(),
    depth: int = 16,
    weight: dict | None = None,
) -> Results:
    """A probe summary: per (activation, init) the median log10 ratio (seeds jittered by
    ``noise`` × JITTER around it); cells in ``overflowed`` are non-finite networks."""
    rows = []
    for k, ((act, init), r) in enumerate(cells.items()):
        for seed in SEEDS:
            bad = (act, init) in overflowed
            # shifted per cell, so that paired differences vary from seed to seed
            v = r + noise * JITTER[(seed + 2 * k) % len(JITTER)]
            rows.append(
                {
                    "activation": act,
                    "init": init,
                    "depth": depth,
                    "seed": seed,
                    "log10_delta_ratio": np.nan if bad else v,
                    # the weight-gradient ratio: the δ ratio unless ``weight`` sets it
                    "log10_ratio": np.nan if bad else (weight or {}).get((act, init), v),
                    "slope_ln_delta": np.nan if bad else v / depth * np.log(10),
                    "status": "overflowed" if bad else "finite",
                }
            )
    write(root, "probe.summary", pd.DataFrame(rows))
    if theory is not None and not (root / "theory").exists():
        shutil.copytree(theory / "theory", root / "theory")
    return results_at(root)


def test_a2_states(theory_dir: Path, tmp_path: Path) -> None:
    def cells(lecun_lecun: float, lecun_xavier: float) -> dict:
        return {
            ("lecun_tanh", "lecun"): lecun_lecun,
            ("tanh", "lecun"): -1.5,
            ("lecun_tanh", "xavier"): lecun_xavier,
            ("tanh", "xavier"): -1.5,
        }

    def v(name: str, *args: float) -> str:
        return cp.check_a2_lecun_tanh(_summary(tmp_path / name, cells(*args), theory_dir)).verdict

    assert v("a", 0.1, 0.1) == "supported"
    assert v("b", -4.0, -4.0) == "refuted"
    assert v("c", 0.1, -4.0) == "qualified"
    # paired differences that straddle 0
    r = _summary(tmp_path / "d", cells(1.5, 1.5), theory_dir, noise=20.0)
    assert cp.check_a2_lecun_tanh(r).verdict == "inconclusive"
    # no LeCun tanh in the grid: only the constants are tested (partly tested)
    r = _summary(tmp_path / "e", {("tanh", "lecun"): -1.0}, theory_dir)
    res = cp.check_a2_lecun_tanh(r)
    assert res.verdict == "supported" and len(res.untested_parts) == 1


def test_a12_states(theory_dir: Path, tmp_path: Path) -> None:
    def v(name: str, cells: dict, **kw) -> str:
        return cp.check_a12_tanh_n_width(_summary(tmp_path / name, cells, theory_dir, **kw)).verdict

    assert v("a", {("tanh", "xavier"): -3, ("tanh_n2", "xavier"): 5}) == "supported"
    assert v("b", {("tanh", "xavier"): -3, ("tanh_n2", "xavier"): -0.5}) == "refuted"
    both = {
        ("tanh", "xavier"): -3,
        ("tanh_n2", "xavier"): -0.5,
        ("tanh", "he"): -1,
        ("tanh_n2", "he"): 3,
    }
    assert v("c", both) == "qualified"
    assert v("d", {("tanh", "xavier"): -3, ("tanh_n2", "xavier"): -2}, noise=20) == "inconclusive"


def test_c9_states(tmp_path: Path) -> None:
    base = {("sigmoid", "he"): -5, ("sigmoid", "xavier"): -6, ("relu", "he"): 0.2}

    def v(name: str, relu_xavier: float, **kw) -> str:
        cells = {**base, ("relu", "xavier"): relu_xavier}
        return cp.check_c9_relu_mitigates(_summary(tmp_path / name, cells, **kw)).verdict

    assert v("a", -3) == "supported"
    assert v("b", 0.0) == "refuted"  # never vanishes: more than a mitigation
    assert v("c", -8) == "qualified"  # worse than sigmoid under xavier, still vanishes there
    assert v("d", -1.0, noise=10) == "inconclusive"


def test_c9_an_overflowed_relu_probe_counts_as_exploded(tmp_path: Path) -> None:
    cells = {
        ("sigmoid", "he"): -5,
        ("relu", "he"): -3,
        ("sigmoid", "normal"): -2,
        ("relu", "normal"): 9,
    }
    with stats.collecting_run_tables() as tables:
        res = cp.check_c9_relu_mitigates(_summary(tmp_path, cells, overflowed={("relu", "normal")}))
    assert res.diverged == {"runs": 5, "of": 20}
    # the five overflowed nets are listed in the claim's appendix table, not in the cell
    assert "5 overflowed of 20 networks, listed in the appendix table" in res.evidence
    assert ["ReLU", "N(0, 1)", 16, 0, "overflowed"] in tables[0]["rows"]
    assert "n/a" not in res.measured
    # exploded under N(0, 1): farther from level than sigmoid there (|ratio| is the
    # distance), closer under He, where it still vanishes: qualified, naming both sides
    assert res.verdict == "qualified"
    assert res.fails_under == ["ReLU's δ is closer to level than sigmoid's: N(0, 1), depth 16"]
    assert "N(0, 1)" in res.evidence.split("explodes instead")[1]


def test_c9_says_where_the_weight_gradient_disagrees_with_delta(tmp_path: Path) -> None:
    cells = {("sigmoid", "he"): -5, ("relu", "he"): -3}
    res = cp.check_c9_relu_mitigates(
        _summary(tmp_path, cells, weight={("relu", "he"): 0.1, ("sigmoid", "he"): -5})
    )
    assert "∂L/∂W ratio 0.1" in res.note and "δ ratio −3" in res.note.replace("-", "−")


def test_d1_is_checked_by_construction(tmp_path: Path) -> None:
    grid = {("relu", "he"): -3, ("relu", "normal"): 4, ("tanh", "he"): -5, ("tanh", "xavier"): 6}
    res = cp.check_d1_jacobian_product(_summary(tmp_path / "a", grid))
    assert res.verdict == "supported" and "construction" in res.note and "zero" in res.note
    s = pd.read_csv(tmp_path / "a/probe/summary.csv")
    s["slope_ln_delta"] *= -1  # factors and end-to-end ratio disagree
    write(tmp_path / "b", "probe.summary", s)
    assert cp.check_d1_jacobian_product(results_at(tmp_path / "b")).verdict == "refuted"
