"""The width study (E9): β, δ₁ against autograd, the pooled variance and the fits against numpy,
every verdict of the trend form, and a quick-config run of the stage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from vanishing.claims import checks_width as cw
from vanishing.claims.registry import ClaimResult
from vanishing.claims.verdict import REACHABLE
from vanishing.machinery import pipeline
from vanishing.machinery.config_check import merge
from vanishing.machinery.params.width import Params
from vanishing.machinery.pipeline import results_at
from vanishing.studies import width as ws

from .conftest import ROOT
from .tables import write


def test_beta_sums_the_reciprocal_hidden_widths() -> None:
    assert ws.beta([16, 64, 32]) == pytest.approx(1 / 16 + 1 / 64 + 1 / 32)
    assert ws.beta([64] * 100) == pytest.approx(100 / 64)
    assert ws.beta([]) == 0.0


def test_first_layer_delta_and_jacobian_match_autograd() -> None:
    seeds, width, depths, n_in = [0, 3, 5], 6, [1, 2, 4], 5
    x = torch.randn(7, n_in, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    w, r = ws.draw(seeds, width, max(depths), n_in, torch.float64, "cpu")
    got = ws.first_layer_deltas(w, r, x, depths)
    res = ws.measure(w, r, x, depths)
    for d in depths:
        for i in range(len(seeds)):
            xi = x.clone().requires_grad_(True)
            z1 = xi @ w[0][i].T
            h = torch.relu(z1)
            for layer in range(1, d):
                h = torch.relu(h @ w[layer][i].T)
            loss = (h @ r[i]).sum()  # examples do not interact: one sum, per-example grads
            delta1, jac = torch.autograd.grad(loss, [z1, xi])
            torch.testing.assert_close(got[d][i], delta1)
            torch.testing.assert_close(res[d]["ln_delta2"][i], torch.log((delta1**2).sum(-1)))
            torch.testing.assert_close(res[d]["z2"][i], (jac**2).mean(-1))
            torch.testing.assert_close(res[d]["z4"][i], (jac**4).mean(-1))


def test_draws_are_core_he_and_do_not_depend_on_the_chunk() -> None:
    from vanishing.core.inits import init_weights
    from vanishing.core.models import seed_generator

    w, r = ws.draw([4, 9], 8, 2, 5, torch.float32, "cpu")
    g = seed_generator(9, ws.WEIGHT_SALT + 8)
    ref = [init_weights("he", (1, 8, 5), g), init_weights("he", (1, 8, 8), g)]
    assert all(torch.equal(a[1:], b) for a, b in zip(w, ref, strict=True))
    assert torch.equal(r[1:], init_weights("he", (1, 1, 8), g)[:, 0])
    # one seed a chunk against every seed in one chunk: the same table, bit for bit
    one = Params(width=8, depths=[2, 3], seeds=[0, 1, 2], examples=3, chunk_mb=1)
    assert len(ws.chunks(one.seeds, 8, 3, 64, one)) == 1
    apart = Params(width=8, depths=[2, 3], seeds=[0, 1, 2], examples=3, chunk_mb=0)
    assert len(ws.chunks(apart.seeds, 8, 3, 64, apart)) == 3  # below a seed: one a chunk
    pd.testing.assert_frame_equal(ws.run_width(one), ws.run_width(apart))


def test_pooled_variance_and_fit_against_numpy() -> None:
    rng = np.random.default_rng(3)
    ln = rng.normal(size=(9, 4, 3)) * np.array([0.5, 1.0, 2.0, 3.0])[None, :, None]
    want = np.array([np.mean([np.var(ln[:, p, e], ddof=1) for e in range(3)]) for p in range(4)])
    np.testing.assert_allclose(cw.pooled_variance(ln), want)
    beta = np.array([0.1, 0.5, 1.0, 2.0])
    slope, intercept, r2 = cw.fit(beta, want)
    b, a = np.polyfit(beta, want, 1)
    pred = a + b * beta
    np.testing.assert_allclose([slope, intercept], [b, a])
    np.testing.assert_allclose(
        r2, 1 - ((want - pred) ** 2).sum() / ((want - want.mean()) ** 2).sum()
    )


def _table(variance, widths=(16, 64, 256), depths=(5, 25, 100), seeds=60, examples=2):
    """width.hanin rows with ln‖δ₁‖² ~ N(0, variance(width, depth)) per seed and input."""
    rng = np.random.default_rng(0)
    rows = []
    for w in widths:
        for d in depths:
            v = variance(w, d)
            for s in range(seeds):
                for e in range(examples):
                    ln = float(np.sqrt(v) * rng.normal())
                    rows.append(
                        {
                            "width": w,
                            "depth": d,
                            "beta": d / w,
                            "seed": s,
                            "example": e,
                            "ln_delta2": ln,
                            "z2": np.exp(ln),
                            "z4": 3 * np.exp(2 * ln),
                            "status": "finite",
                        }
                    )
    return pd.DataFrame(rows)


def _e9(tmp_path: Path, name: str, table: pd.DataFrame) -> ClaimResult:
    write(tmp_path / name, "width.hanin", table)
    return cw.check_e9_width(results_at(tmp_path / name))


def test_e9_reaches_every_verdict_of_a_trend_claim(tmp_path: Path) -> None:
    seen: set[str] = set()
    ok = _e9(tmp_path, "a", _table(lambda w, d: 5 * d / w))
    assert ok.verdict == "supported", ok.parts
    assert ok.values["slope"] == pytest.approx(5, rel=0.3)
    seen.add(ok.verdict)
    # the variance shrinks as β grows: refuted
    down = _e9(tmp_path, "b", _table(lambda w, d: 5 / (d / w)))
    assert down.verdict == "refuted"
    seen.add(down.verdict)
    # grows with β overall, but falls with depth at the widest width (small values, so the
    # line in β still explains the points): qualified
    mixed = _e9(
        tmp_path, "c", _table(lambda w, d: 5 * d / w if w < 256 else 0.05 * (125 - d) / 100)
    )
    assert mixed.verdict == "qualified", mixed.parts
    assert any("256" in c for c in mixed.fails_under)
    seen.add(mixed.verdict)
    # the claim's own shape, but three seeds and one input: no interval clears its threshold
    weak = _e9(tmp_path, "d", _table(lambda w, d: 5 * d / w, seeds=3, examples=1))
    assert weak.verdict == "inconclusive"
    seen.add(weak.verdict)
    # depth alone drives the variance: it grows with β, but no line in β explains it
    depth_only = _e9(tmp_path, "e", _table(lambda w, d: d / 5, depths=(5, 25, 100)))
    assert depth_only.values["r2"] < cw.R2_MIN
    assert depth_only.verdict == "refuted"
    two = _e9(tmp_path, "f", _table(lambda w, d: d / w, seeds=2))
    assert two.verdict == "not tested"
    seen.add(two.verdict)
    assert seen == set(REACHABLE["trend"])


def test_a_vanished_point_is_counted_and_left_out(tmp_path: Path) -> None:
    t = _table(lambda w, d: 5 * d / w)
    hit = (t["width"] == 16) & (t["depth"] == 100) & (t["seed"] == 0) & (t["example"] == 0)
    t.loc[hit, "ln_delta2"] = -np.inf
    t.loc[hit, "status"] = "vanished"
    res = _e9(tmp_path, "a", t)
    assert res.values["n_vanished_points"] == 1
    assert res.values["n_points"] == 8
    assert res.diverged == {"runs": 1, "of": 9}
    assert "depth 100, width 16" in res.note


def test_quick_config_runs_the_stage(tmp_path: Path) -> None:
    def load(name: str) -> dict:
        return yaml.safe_load((ROOT / "config" / name).read_text())

    config = merge(load("config.yaml"), load("quick.yaml"))
    stage = pipeline.stage("width")
    assert stage.job_names(config) == [f"w{n}" for n in config["widths"]]
    job = stage.job_names(config)[0]
    params = stage.job_params(config, job)
    out = pipeline.run_stage("width", params, tmp_path / "a", job)
    again = pipeline.run_stage("width", params, tmp_path / "b", job)
    assert out["hanin"].read_bytes() == again["hanin"].read_bytes()
    df = pd.read_csv(out["hanin"])
    q = config["studies"]["width"]
    assert list(df.columns) == ws.COLUMNS
    assert len(df) == len(q["depths"]) * len(q["seeds"]) * q["examples"]
    assert set(df["width"]) == {config["widths"][0]}
    np.testing.assert_allclose(df["beta"], df["depth"] / df["width"])
