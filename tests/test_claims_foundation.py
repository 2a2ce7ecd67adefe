"""The theory/probe claim checks on real theory tables and synthetic probe summaries."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vanishing.claims import checks_foundation as cf
from vanishing.claims.evaluate import load_catalogue, load_checks
from vanishing.claims.registry import ClaimResult, Results, spread
from vanishing.pipeline import results_at, run_stage

from .conftest import ROOT


@pytest.fixture(scope="module")
def theory_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    run_stage("theory", {"tanh_ns": [0.5, 2.0, 3.0]}, root)
    return root


def _summary(root: Path, ratios: dict[tuple[str, str], float], depth: int = 16) -> Results:
    """A probe summary with the given median log10 ratio per (activation, init)."""
    rows = []
    for (act, init), r in ratios.items():
        for seed, jitter in zip(range(3), (-0.3, 0.0, 0.3), strict=True):
            rows.append(
                {
                    "activation": act,
                    "init": init,
                    "depth": depth,
                    "seed": seed,
                    "log10_ratio": r + jitter,
                    "log10_delta_ratio": r + jitter,
                    "slope_ln_delta": r / depth * np.log(10),
                    "nonfinite": False,
                }
            )
    (root / "probe").mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(root / "probe/summary.csv", index=False)
    return results_at(root)


def test_theory_checks_pass_on_the_real_tables(theory_dir: Path) -> None:
    r = results_at(theory_dir)
    for fn in (
        cf.check_a4_tanh_n_derivative,
        cf.check_a5_t1_threshold,
        cf.check_a6_widest_band,
        cf.check_c3_sigmoid_derivative,
    ):
        res = fn(r)
        assert res.verdict == "supported", (fn.__name__, res.measured)
    assert cf.check_a5_t1_threshold(r).values["t1_2"] == pytest.approx(0.6585, abs=1e-4)


def test_a5_refutes_a_wrong_threshold_table(theory_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "theory").mkdir()
    t = pd.read_csv(theory_dir / "theory/thresholds.csv")
    t.loc[t["n"] == 2, "t1"] += 0.01
    t.to_csv(tmp_path / "theory/thresholds.csv", index=False)
    assert cf.check_a5_t1_threshold(results_at(tmp_path)).verdict == "refuted"


def test_d5_verdict_follows_the_grid(theory_dir: Path, tmp_path: Path) -> None:
    good = {
        ("sigmoid", "normal"): -6,
        ("relu", "normal"): 5,
        ("sigmoid", "xavier"): -3,
        ("relu", "he"): 0.1,
    }
    assert cf.check_d5_remedies(_summary(tmp_path, good)).verdict == "qualified"
    good[("relu", "normal")] = 0.2
    assert cf.check_d5_remedies(_summary(tmp_path, good)).verdict == "supported"
    good[("relu", "he")] = -4
    assert cf.check_d5_remedies(_summary(tmp_path, good)).verdict == "refuted"


def test_c9_relu_mitigates_but_not_everywhere(tmp_path: Path) -> None:
    grid = {
        ("relu", "he"): 0.2,
        ("sigmoid", "he"): -5,
        ("relu", "xavier"): -3,
        ("sigmoid", "xavier"): -6,
    }
    assert cf.check_c9_relu_mitigates(_summary(tmp_path, grid)).verdict == "supported"
    grid[("relu", "xavier")] = -8
    assert cf.check_c9_relu_mitigates(_summary(tmp_path, grid)).verdict == "refuted"


def test_d1_sign_agreement(tmp_path: Path) -> None:
    grid = {
        (a, i): r
        for (a, i), r in zip(
            itertools.product(["relu", "tanh"], ["he", "normal"]), [-3, 4, -5, 6], strict=True
        )
    }
    res = cf.check_d1_jacobian_product(_summary(tmp_path, grid))
    assert res.verdict == "supported"
    assert "zero" in res.note


def test_a12_verdict_depends_on_whether_some_n_helps(theory_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "theory").mkdir()
    for f in (theory_dir / "theory").iterdir():
        (tmp_path / "theory" / f.name).write_bytes(f.read_bytes())
    grid = {("tanh", "xavier"): -3, ("tanh_n0.5", "xavier"): -8, ("tanh_n2", "xavier"): 5}
    assert cf.check_a12_tanh_n_width(_summary(tmp_path, grid)).verdict == "supported"
    grid[("tanh_n2", "xavier")] = -0.5
    assert cf.check_a12_tanh_n_width(_summary(tmp_path, grid)).verdict == "qualified"


def test_spread_formats_mean_sd_or_median_range() -> None:
    assert spread([1.0, 2.0, 3.0]) == "2 ± 1 (n = 3)"
    assert spread([1e-8, 1e-2, 1.0]).startswith("median 0.01")


def test_claim_result_rejects_unknown_verdicts() -> None:
    with pytest.raises(ValueError):
        ClaimResult("probably", "x", "y", "z")


def test_catalogue_holds_every_claim_id_of_the_spec() -> None:
    ids = [c["id"] for c in load_catalogue()]
    assert len(ids) == len(set(ids)) == 51
    spec = ROOT.parent / "shared" / "claims.md"
    if spec.exists():  # CI and development have shared/ beside the repo
        import re

        want = re.findall(r"^\| ([A-E]\d+) \|", spec.read_text(), flags=re.M)
        assert sorted(ids) == sorted(want)


def test_every_check_belongs_to_a_catalogued_claim() -> None:
    ids = {c["id"] for c in load_catalogue()}
    assert set(load_checks()) <= ids


def test_claims_json_is_plain_json(theory_dir: Path) -> None:
    res = cf.check_a6_widest_band(results_at(theory_dir))
    json.dumps(res.to_dict(), allow_nan=False)


def _copy_theory(theory_dir: Path, root: Path) -> None:
    (root / "theory").mkdir(parents=True, exist_ok=True)
    for f in (theory_dir / "theory").iterdir():
        (root / "theory" / f.name).write_bytes(f.read_bytes())


def test_a2_compares_the_scaled_tanh_with_plain_tanh(theory_dir: Path, tmp_path: Path) -> None:
    _copy_theory(theory_dir, tmp_path)
    grid = {("lecun_tanh", "lecun"): 0.1, ("tanh", "lecun"): -1.5}
    res = cf.check_a2_lecun_tanh(_summary(tmp_path, grid))
    assert res.verdict == "supported"
    assert res.values["f_at_1"] == pytest.approx(1.0, abs=1e-3)
    grid[("lecun_tanh", "lecun")] = -4.0  # the variant no better than tanh
    assert cf.check_a2_lecun_tanh(_summary(tmp_path, grid)).verdict == "qualified"


def test_a16_needs_seed_to_seed_variation(tmp_path: Path) -> None:
    grid = {("relu", "he"): -1.0, ("tanh", "xavier"): -2.0}
    assert cf.check_a16_seed_spread(_summary(tmp_path, grid)).verdict == "supported"
    rows = pd.read_csv(tmp_path / "probe/summary.csv")
    rows["log10_delta_ratio"] = rows.groupby(["activation", "init"])["log10_delta_ratio"].transform(
        "mean"
    )  # identical seeds: no spread at all
    rows.to_csv(tmp_path / "probe/summary.csv", index=False)
    assert cf.check_a16_seed_spread(results_at(tmp_path)).verdict == "qualified"
