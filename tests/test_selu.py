"""Self-normalisation (E8): the check driven to each verdict its form can reach on
synthetic probe layers, the selu_self_normalisation figure against its table, and the
phenomenon itself on freshly built ensembles."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing.claims import checks_selu as cs
from vanishing.claims.checks_probe import LEVEL_DECADES
from vanishing.claims.registry import ClaimResult
from vanishing.claims.stats import collecting_run_tables
from vanishing.claims.verdict import REACHABLE
from vanishing.core.activations import get_activation
from vanishing.core.gradients import layer_stats
from vanishing.core.models import EnsembleMLP
from vanishing.figures import selu_self_normalisation as fig
from vanishing.machinery.labels import num
from vanishing.machinery.pipeline import figure, results_at
from vanishing.machinery.tables import Tables
from vanishing.report.render import caption

from .tables import write

SEEDS = range(5)
JITTER = (-0.1, -0.05, 0.0, 0.05, 0.1)
# A claim-conforming cell: |mean|, variance and log10 ‖δ₁‖/‖δ_L‖ of the last hidden layer.
GOOD = (0.02, 1.0, 0.3)


def _layers(
    cells: dict[tuple[str, str], dict[int, tuple[float, float, float]]],
    noise: float = 1.0,
    overflowed: frozenset[tuple[str, str, int]] = frozenset(),
) -> pd.DataFrame:
    """probe.layers rows: per (activation, init) and depth → (|mean|, variance, log10
    δ₁/δ_L) at the last hidden layer, each seed jittered by ``noise`` × JITTER (the
    variance by a factor 1 + jitter); the moments of earlier layers run linearly from
    the input's (0, 1) towards the last layer's, δ is geometric over the hidden layers
    with the last one 1, and the output layer is off that line (another shape)."""
    rows = []
    for k, ((act, init), by_depth) in enumerate(cells.items()):
        for depth, (m, v, r) in by_depth.items():
            for seed in SEEDS:
                j = noise * JITTER[(seed + 2 * k) % len(JITTER)]
                bad = (act, init, depth) in overflowed
                for layer in range(1, depth + 2):
                    out = layer == depth + 1
                    t = (layer - 1) / (depth - 1) if depth > 1 else 1.0  # 0 first, 1 last
                    s = (depth - layer) / (depth - 1) if depth > 1 else 0.0  # 1 first, 0 last
                    rows.append(
                        {
                            "activation": act,
                            "init": init,
                            "depth": depth,
                            "seed": seed,
                            "layer": layer,
                            "hidden": not out,
                            "grad_norm": 1.0,
                            "delta_norm": math.nan if bad else 7.0 if out else 10 ** ((r + j) * s),
                            "act_mean": math.nan if out else t * (m + j / 10),
                            "act_var": math.nan if out else 1 + t * (v * (1 + j) - 1),
                            "status": "overflowed" if bad else "finite",
                        }
                    )
    return pd.DataFrame(rows)


def _e8(tmp_path: Path, name: str, table: pd.DataFrame) -> ClaimResult:
    write(tmp_path / name, "probe.layers", table)
    return cs.check_e8_selu(results_at(tmp_path / name))


def _selu(by_depth: dict[int, tuple[float, float, float]], others: dict | None = None) -> dict:
    # comparison settings are reported, never tested: wild values must not move the verdict
    wild = {d: (9.0, 1e6, 30.0) for d in by_depth}
    return {
        ("selu", "lecun"): by_depth,
        ("tanh", "xavier"): wild,
        ("selu", "he"): wild,
        **(others or {}),
    }


def test_per_seed_reads_the_last_hidden_layer() -> None:
    t = cs.per_seed(
        _layers({("selu", "lecun"): {10: (0.05, 1.2, 0.4)}}, noise=0), "selu", "lecun", 10
    )
    np.testing.assert_allclose(t["abs_mean"], 0.05)
    np.testing.assert_allclose(t["var"], 1.2)
    np.testing.assert_allclose(t["delta"], 0.4)
    assert list(t.index) == list(SEEDS) and (t["status"] == "finite").all()


def test_e8_reaches_every_verdict_of_a_general_claim(tmp_path: Path) -> None:
    seen = set()
    # supported: every depth ≥ 8 holds both parts; shallower depths and others do not count
    res = _e8(
        tmp_path,
        "a",
        _layers(_selu({4: (5.0, 0.01, 9.0), 8: GOOD, 16: GOOD}, {("relu", "he"): {16: GOOD}})),
    )
    seen.add(res.verdict)
    assert res.verdict == "supported"
    assert [p["name"] for p in res.parts if ":" not in p["name"]] == [
        "SELU, LeCun, depth 8",
        "SELU, LeCun, depth 16",
    ]
    names = {p["name"].rsplit(": ", 1)[-1] for p in res.parts}
    assert {cs.PART_MOMENTS, cs.PART_LEVEL} <= names
    assert res.values["abs_mean_selu_lecun_d16"] == pytest.approx(0.02)
    assert res.values["var_selu_lecun_d16"] == pytest.approx(1.0)
    assert res.values["delta_selu_lecun_d8"] == pytest.approx(0.3)
    assert res.values["var_tanh_xavier_d16"] == pytest.approx(1e6)
    assert res.values["depth"] == 16 and res.values["min_depth"] == 8 and res.values["n_seeds"] == 5
    assert "abs_mean_selu_lecun_d4" not in res.values  # below MIN_DEPTH: not a condition
    assert "tanh, Xavier" in res.measured and "ReLU, He" in res.measured
    assert res.figures == ["selu_self_normalisation"] and res.diverged == {"runs": 0, "of": 10}
    assert res.condition == "SELU, LeCun, depth 16: gradients stay level with depth"
    # refuted: the variance has collapsed at every depth
    res = _e8(tmp_path, "b", _layers(_selu({8: (0.02, 0.3, 0.3), 16: (0.02, 0.2, 0.3)})))
    seen.add(res.verdict)
    assert res.verdict == "refuted"
    # qualified: holds at depth 8, δ explodes at depth 16
    res = _e8(tmp_path, "c", _layers(_selu({8: GOOD, 16: (0.02, 1.0, 3.0)})))
    seen.add(res.verdict)
    assert res.verdict == "qualified"
    assert res.holds_under == ["SELU, LeCun, depth 8"]
    assert res.fails_under == ["SELU, LeCun, depth 16"]
    assert res.condition == "SELU, LeCun, depth 16: gradients stay level with depth"
    # inconclusive: the seeds straddle the variance's lower end
    res = _e8(tmp_path, "d", _layers(_selu({8: (0.02, cs.VAR_LO, 0.3)}), noise=2))
    seen.add(res.verdict)
    assert res.verdict == "inconclusive"
    # not tested: no SELU at LeCun init at a depth of at least MIN_DEPTH
    res = _e8(tmp_path, "e", _layers(_selu({2: GOOD, 4: GOOD})))
    seen.add(res.verdict)
    assert res.verdict == "not tested" and num(cs.MIN_DEPTH) in res.evidence
    assert seen == set(REACHABLE["general"])


def test_e8_is_not_tested_without_selu_lecun_or_the_moments(tmp_path: Path) -> None:
    no_selu = _e8(tmp_path, "a", _layers({("tanh", "lecun"): {8: GOOD}}))
    assert no_selu.verdict == "not tested" and "SELU is not in" in no_selu.evidence
    no_lecun = _e8(tmp_path, "b", _layers({("selu", "he"): {8: GOOD}}))
    assert no_lecun.verdict == "not tested" and "LeCun init is not in" in no_lecun.evidence
    neither = _e8(tmp_path, "c", _layers({("tanh", "he"): {8: GOOD}}))
    assert neither.verdict == "not tested" and "neither" in neither.evidence
    # both in the grid, never paired (a hand-made table)
    apart = _e8(tmp_path, "d", _layers({("selu", "he"): {8: GOOD}, ("tanh", "lecun"): {8: GOOD}}))
    assert apart.verdict == "not tested"
    old = _layers(_selu({8: GOOD})).drop(columns=["act_mean", "act_var"])
    assert _e8(tmp_path, "e", old).verdict == "not tested"


def test_an_overflowed_network_counts_against_never_dropped(tmp_path: Path) -> None:
    res = _e8(
        tmp_path,
        "a",
        _layers(_selu({8: GOOD, 16: GOOD}), overflowed=frozenset({("selu", "lecun", 16)})),
    )
    assert res.diverged == {"runs": 5, "of": 10}
    assert "5 overflowed of 10 networks" in res.evidence
    deep = {p["name"]: p for p in res.parts}
    assert deep["SELU, LeCun, depth 16"]["verdict"] == "refuted"
    moments = f"SELU, LeCun, depth 16: {cs.PART_MOMENTS}: "
    # every statistic fails: |mean| and the δ ratio are ∞, the variance is out on both ends
    for leaf in ("|mean| ≤ 0.1", "variance ≥ 0.8", "variance ≤ 1.5"):
        assert deep[moments + leaf]["verdict"] == "refuted", leaf
    assert deep[f"SELU, LeCun, depth 16: {cs.PART_LEVEL}"]["verdict"] == "refuted"
    assert res.verdict == "qualified"  # depth 8 still holds
    # the variance is quoted with the value its overflowed networks took at each end
    assert "overflowed networks at 0" in res.measured


def test_many_depths_go_to_an_appendix_table(tmp_path: Path) -> None:
    depths = [8, 12, 16, 24, 32]
    table = _layers(_selu(dict.fromkeys(depths, GOOD)))
    write(tmp_path, "probe.layers", table)
    with collecting_run_tables() as tables:
        res = cs.check_e8_selu(results_at(tmp_path))
    titles = [t["title"] for t in tables]
    assert cs.DEPTH_TABLE in titles and cs.OTHERS_TABLE in titles
    rows = next(t for t in tables if t["title"] == cs.DEPTH_TABLE)["rows"]
    assert [r[0] for r in rows] == depths
    assert "depth 12:" not in res.measured and "at depth 32:" in res.measured


def test_the_note_extrapolates_the_delta_drift_from_the_data(tmp_path: Path) -> None:
    res = _e8(tmp_path, "a", _layers(_selu({8: GOOD, 16: (0.02, 1.0, 0.5)}), noise=0))
    per_layer = 0.5 / 15
    assert f"×{num(10**per_layer, 4)} per layer" in res.note
    assert f"about depth {num(round(1 + LEVEL_DECADES / per_layer))}" in res.note
    assert "under He" in res.note  # SELU at He is in the grid: the init comparison


# ---- the figure draws its table ----------------------------------------------------


def _figure_table() -> pd.DataFrame:
    cells = {
        ("selu", "lecun"): {4: GOOD, 10: (0.03, 1.1, 0.5)},
        ("tanh", "xavier"): {4: GOOD, 10: (0.001, 0.05, -0.8)},
        ("relu", "he"): {10: (0.4, 0.3, 0.0)},
        ("selu", "he"): {10: (5.0, 100.0, 2.0)},
        ("elu", "lecun"): {10: GOOD},  # not a figure setting
    }
    return _layers(cells, overflowed=frozenset({("selu", "he", 4)}))


def test_profiles_are_the_tables_medians_and_ranges() -> None:
    layers = _figure_table()
    prof = fig.profiles(layers)
    assert set(zip(prof["activation"], prof["init"], strict=True)) == set(fig.SETTINGS)
    assert (prof["depth"] == 10).all()
    for act, init in fig.SETTINGS:
        d = layers[(layers["activation"] == act) & (layers["init"] == init)]
        d = d[d["depth"] == 10]
        mine = prof[(prof["activation"] == act) & (prof["init"] == init)]
        for q in ("act_var", "act_mean"):
            table = d[d["hidden"]].pivot(index="seed", columns="layer", values=q)
            got = mine[mine["quantity"] == q].set_index("layer")
            assert list(got.index) == list(range(1, 11))
            np.testing.assert_allclose(got["median"], table.median(axis=0), rtol=1e-12)
            np.testing.assert_allclose(got["lo"], table.min(axis=0), rtol=1e-12)
            np.testing.assert_allclose(got["hi"], table.max(axis=0), rtol=1e-12)
        norms = d.pivot(index="seed", columns="layer", values="delta_norm")
        want = np.log10(norms.div(norms[11], axis=0))  # layer 11: the output layer
        got = mine[mine["quantity"] == "delta"].set_index("layer")
        np.testing.assert_allclose(got["median"], want.median(axis=0), rtol=1e-12, atol=1e-15)
        assert got.loc[11, "median"] == 0.0
    # the setting's last hidden layer carries the cell's numbers
    last = prof[(prof["activation"] == "selu") & (prof["init"] == "lecun") & (prof["layer"] == 10)]
    assert last.set_index("quantity").loc["act_var", "median"] == pytest.approx(1.1)


def test_overflowed_networks_are_left_out_of_the_profiles() -> None:
    layers = _layers(
        {("selu", "lecun"): {8: GOOD}, ("selu", "he"): {8: GOOD}},
        overflowed=frozenset({("selu", "he", 8)}),
    )
    prof = fig.profiles(layers)
    assert set(prof["init"]) == {"lecun"}


def test_figure_plots_the_profiles_and_rebuilds_byte_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "probe.layers", _figure_table())
    inputs = results_at(tmp_path)
    prof = fig.profiles(inputs.table("probe.layers"))
    drawn = []
    real_save = fig.save
    monkeypatch.setattr(fig, "save", lambda f, outs: (drawn.append(f), real_save(f, outs)))
    outs = [tmp_path / "s.png", tmp_path / "s.pdf"]
    fig.main(inputs, outs, {})
    first = outs[0].read_bytes()
    (f,) = drawn
    axes = [ax for ax in f.axes if ax.get_visible()]
    assert len(axes) == len(fig.QUANTITIES)
    for ax, (q, _, _) in zip(axes, fig.QUANTITIES, strict=True):
        lines = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
        assert len(lines) == len(fig.SETTINGS)
        for (act, init), g in prof[prof["quantity"] == q].groupby(["activation", "init"]):
            ln = lines[fig.setting_label(act, init)]
            g = g.sort_values("layer")
            np.testing.assert_array_equal(ln.get_xdata(), g["layer"].to_numpy())
            np.testing.assert_array_equal(ln.get_ydata(), g["median"].to_numpy())
    assert axes[0].get_yscale() == "log" and axes[1].get_yscale() == "symlog"
    fig.main(inputs, outs, {})
    assert outs[0].read_bytes() == first
    assert outs[1].stat().st_size > 0


def test_figure_without_any_of_its_settings_still_draws(tmp_path: Path) -> None:
    table = tmp_path / "layers.csv"
    _layers({("elu", "lecun"): {8: GOOD}}).to_csv(table, index=False)
    outs = [tmp_path / "s.png", tmp_path / "s.pdf"]
    fig.main(Tables({"probe.layers": [table]}), outs, {})
    assert all(p.stat().st_size > 0 for p in outs)


def test_figure_is_registered_and_its_caption_quotes_the_checks_band() -> None:
    assert figure("selu_self_normalisation").tables == ("probe.layers",)
    text = caption("selu_self_normalisation")
    assert f"[{num(cs.VAR_LO)}, {num(cs.VAR_HI)}]" in text
    assert f"±{num(cs.MEAN_TOL)}" in text and f"[−{num(cs.MEAN_TOL)}, {num(cs.MEAN_TOL)}]" in text


# ---- the phenomenon, measured afresh --------------------------------------------------


def test_selu_at_lecun_self_normalises_where_tanh_at_xavier_shrinks() -> None:
    """Deep ensembles on Gaussian inputs of unit variance: SELU at LeCun init holds its
    last hidden layer's moments inside Theorem 1's domain, tanh at Xavier init lets the
    variance shrink layer after layer (its slope is below 1 away from 0)."""
    depth, width, seeds = 30, 64, [0, 1, 2, 3]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, width, generator=g, dtype=torch.float64)
    y = torch.randint(0, 10, (256,), generator=g)
    last = {}
    for act, init in (("selu", "lecun"), ("tanh", "xavier")):
        model = EnsembleMLP(
            get_activation(act), init, depth, width, width, 10, seeds, torch.float64
        )
        st = layer_stats(model, x, y)
        last[act] = st[st["layer"] == depth].set_index("seed")
    selu, tanh = last["selu"], last["tanh"]
    assert selu["act_var"].between(cs.VAR_LO, cs.VAR_HI).all(), selu["act_var"]
    assert (selu["act_mean"].abs() < cs.MEAN_TOL).all(), selu["act_mean"]
    assert (tanh["act_var"] < 0.5).all(), tanh["act_var"]
    # and the moments are those of the activations themselves, over batch and units
    model = EnsembleMLP(get_activation("selu"), "lecun", 3, width, width, 10, [0], torch.float64)
    h = x
    for w in model.weights[:-1]:
        h = torch.nn.functional.selu(h @ w[0].T)
    st = layer_stats(model, x, y)
    row = st[st["layer"] == 3].iloc[0]
    assert row["act_mean"] == pytest.approx(h.mean().item(), rel=1e-12)
    assert row["act_var"] == pytest.approx(h.var().item(), rel=1e-10)
