"""E6 and E1 against width: the phase_width stage (consistency with the phase grid, the
quick config), the critical-σ_w² interpolation, and the readings and verdict parts of the
width evidence on synthetic tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from vanishing.claims import checks_phase as C
from vanishing.claims import phase_width as W
from vanishing.claims.verdict import Part, Statistic
from vanishing.machinery import pipeline
from vanishing.machinery.pipeline import results_at, run_stage

from .test_phase import TINY

ROOT = Path(__file__).resolve().parents[1]
# test_phase's tiny grid, at the two activations the width stage is compared on
PHASE = {**TINY, "activations": ["tanh", "relu"]}


def test_width_stage_slopes_equal_the_phase_grid_at_its_width(tmp_path: Path) -> None:
    """ReLU's line is σ_w² = 2 at every σ_b², so offsets k·ln 2 put the width grid's cells on
    the phase grid's (0.5, 1, 2, 4): at the phase width and batch the slopes must agree."""
    run_stage("phase", PHASE, tmp_path)
    params = {
        "activations": ["relu"],
        "sigma_b2": [0.0, 0.3],
        "offset_min": -2 * math.log(2),
        "offset_max": math.log(2),
        "points": 4,
        "widths": [8, 16],
        "job": "w8",
        "depths": PHASE["depths"],
        "seeds": PHASE["seeds"],
        "reference_width": 8,
        "batch_size": 3,
        "leaky_slope": 0.01,
        "trapezoid_points": 2001,
    }
    out = run_stage("phase_width", params, tmp_path, "w8")
    w = pd.read_csv(out["grid"])
    g = pd.read_csv(tmp_path / "studies/phase/grid.csv")
    g = g[g["activation"] == "relu"]
    assert set(w["batch_size"]) == {3} and set(w["width"]) == {8}
    w = w.assign(sigma_w2=w["sigma_w2"].round(9))
    g = g.assign(sigma_w2=g["sigma_w2"].round(9))
    keys = ["depth", "sigma_b2", "sigma_w2", "seed"]
    m = w.merge(g, on=keys, suffixes=("_w", "_p"))
    assert len(m) == len(g) == len(w) == 2 * 4 * 2 * 3
    np.testing.assert_allclose(m["slope_w"], m["slope_p"], rtol=0, atol=1e-9)


def test_batch_shrinks_with_width_down_to_one() -> None:
    from vanishing.machinery.params.phase_width import Params

    p = Params(batch_size=8, reference_width=64)
    assert [p.batch_at(w) for w in (16, 64, 256, 1024)] == [32, 8, 2, 1]


def test_rising_crossing_of_a_linear_surface_is_exact() -> None:
    x = np.linspace(-1.0, 2.0, 13)
    x0 = np.array([-0.37, 0.0, 0.81, 1.93])
    v = 0.7 * (x[None, :] - x0[:, None])
    np.testing.assert_allclose(W.rising_crossing(x, v), x0, atol=1e-12)
    # off the grid: below it (already positive) and above it (never positive)
    assert W.rising_crossing(x, x + 5.0) == -np.inf
    assert W.rising_crossing(x, x - 5.0) == np.inf


def _synthetic_grid(
    shift: dict[tuple[str, float, int, int], float], seeds: int = 8
) -> pd.DataFrame:
    """Slopes 0.5·(ln σ_w² − ln line − shift) plus a small per-seed offset of mean 0: the
    measured critical ln σ_w² is ln line + shift exactly (median of symmetric offsets)."""
    frames = []
    offs = np.linspace(-0.5, 2.0, 21)
    noise = np.linspace(-0.01, 0.01, seeds)
    for (a, b, depth, width), s in shift.items():
        line = 2.0 if a == "relu" else 1.0 + b
        for k, seed in enumerate(range(seeds)):
            frames.append(
                pd.DataFrame(
                    {
                        "activation": a,
                        "family": "x",
                        "width": width,
                        "depth": depth,
                        "sigma_b2": b,
                        "sigma_w2_line": line,
                        "offset": offs,
                        "sigma_w2": line * np.exp(offs),
                        "seed": seed,
                        "batch_size": 1,
                        "slope": 0.5 * (offs - s) + noise[k],
                        "status": "finite",
                        "pred_slope": 0.5 * offs,
                        "pred_slope_trajectory": 0.5 * (offs - s / 2),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def test_critical_table_recovers_the_deviation_and_the_trajectory_crossing() -> None:
    grid = _synthetic_grid({("tanh", 0.0, 8, 16): 0.4, ("tanh", 0.0, 8, 64): 0.1})
    t = W.critical_table(grid).set_index("width")
    np.testing.assert_allclose(t["deviation"], [0.4, 0.1], atol=1e-9)
    np.testing.assert_allclose(t["deviation_trajectory"], [0.2, 0.05], atol=1e-9)
    assert (t["deviation_lo"] <= t["deviation"]).all()
    assert (t["deviation"] <= t["deviation_hi"]).all()


def test_e1_table_against_an_independent_median() -> None:
    grid = _synthetic_grid({("relu", 0.0, 8, 16): 0.3})
    t = W.e1_table(grid, 0.05, 0.1)
    # measured median (noise symmetric) − ½·offset = −0.15 everywhere; vs trajectory −0.075
    assert t["median_abs_qstar"].iloc[0] == pytest.approx(0.15)
    assert t["median_abs_trajectory"].iloc[0] == pytest.approx(0.075)
    traj = 0.5 * (np.linspace(-0.5, 2.0, 21) - 0.15)
    assert t["within"].iloc[0] == pytest.approx(np.mean(0.075 <= 0.05 + 0.1 * np.abs(traj)))


@pytest.mark.parametrize(
    ("shifts", "reading"),
    [
        ({(8, 16): 0.05, (8, 1024): 0.0, (4, 1024): 0.0}, C.WITHIN),
        ({(8, 16): 0.6, (8, 1024): 0.02, (4, 1024): 0.02}, C.FINITE_WIDTH),
        ({(8, 16): 0.6, (8, 1024): 0.5, (4, 1024): 0.8}, C.FINITE_DEPTH),
        ({(8, 16): 0.6, (8, 1024): 0.5, (4, 1024): 0.4}, C.STANDS),
        ({(8, 16): 0.6, (8, 1024): C.GAP, (4, 1024): 0.8}, C.OPEN),
    ],
)
def test_every_reading_is_reachable(shifts: dict[tuple[int, int], float], reading: str) -> None:
    grid = _synthetic_grid({("tanh", 0.0, d, w): s for (d, w), s in shifts.items()})
    crit, draws = W.critical_rows(grid)
    r = C.width_readings(crit)
    assert list(r["reading"]) == [reading]
    parts = C.width_parts(crit, draws)
    want = {C.WITHIN: "supported", C.FINITE_WIDTH: "supported", C.OPEN: "inconclusive"}
    assert parts["tanh"].verdict == want.get(reading, "refuted")


def _part(verdict: str) -> Part:
    stat = Statistic("gap", 0.3, 0.2, 0.4, "boot", C.GAP, "below")
    return Part("tanh", verdict, stat)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reading", "wide", "want"),
    [
        (C.FINITE_WIDTH, "supported", "supported"),  # re-read at the widest width
        (C.FINITE_DEPTH, "refuted", "refuted"),  # a finite-depth miss stays a miss
        (C.STANDS, "refuted", "refuted"),
        (C.FINITE_WIDTH, "inconclusive", "refuted"),  # needs the widest part to hold
    ],
)
def test_reread_replaces_only_finite_width_misses(reading: str, wide: str, want: str) -> None:
    readings = pd.DataFrame({"activation": ["tanh"], "sigma_b2": [0.0], "reading": [reading]})
    main = {"tanh": _part("refuted")}
    out, changed = C.reread(main, {"tanh": [0.0]}, readings, {"tanh": _part(wide)})
    assert out["tanh"].verdict == want
    assert changed == (["tanh"] if want == "supported" else [])
    # a miss on a row the width grid does not have is never re-read
    out, changed = C.reread(main, {"tanh": [0.0, 0.1]}, readings, {"tanh": _part(wide)})
    assert out["tanh"].verdict == "refuted" and changed == []


def test_quick_config_stage_and_check(tmp_path: Path) -> None:
    cfg = yaml.safe_load((ROOT / "config/quick.yaml").read_text())
    cfg = {**cfg, "studies": {**cfg["studies"]}}
    phase = pipeline.stage("phase")
    run_stage("phase", phase.job_params(cfg, ""), tmp_path)
    stage = pipeline.stage("phase_width")
    assert stage.job_names(cfg) == [f"w{w}" for w in cfg["widths"]]
    for job in stage.job_names(cfg):
        run_stage("phase_width", stage.job_params(cfg, job), tmp_path, job)
    r = results_at(tmp_path)
    grid = r.table("phase_width.grid")
    pw = cfg["studies"]["phase_width"]
    ph = cfg["studies"]["phase"]
    n = len(pw["activations"]) * 2 * pw["points"] * len(ph["depths"]) * len(ph["seeds"])
    assert len(grid) == n * len(cfg["widths"])
    assert sorted(grid["width"].unique()) == cfg["widths"]
    res = C.check_e6_phase(r)
    assert "Against width" in res.note and C.WIDTH_GRID in res.tables
    assert any(p["name"].startswith("at width") for p in _flat(res.parts))


def _flat(parts: list[dict]) -> list[dict]:
    out = []
    for p in parts:
        out.append(p)
        out += _flat(p.get("children", []))
    return out
