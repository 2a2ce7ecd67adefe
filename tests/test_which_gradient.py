"""Which gradient vanishes: ∂L/∂W = Σ δ·hᵀ, the probe's ‖W‖ and ‖∂L/∂W‖/‖W‖ columns, the
E7 check driven to each verdict, and the which_gradient figure against its table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing.claims import checks_gradients as cg
from vanishing.core import backward as bw
from vanishing.core.activations import get_activation
from vanishing.core.data import digits, probe_batch
from vanishing.core.gradients import layer_stats
from vanishing.core.models import EnsembleMLP, reference_mlp
from vanishing.figures import which_gradient as wg
from vanishing.machinery.pipeline import results_at
from vanishing.machinery.tables import Tables
from vanishing.studies.probe import run_probe_inits
from vanishing.studies.summaries import per_layer

from .tables import write

# ---- ∂L/∂W_l = Σ_samples δ_l h_{l−1}ᵀ -----------------------------------------------


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_weight_gradient_is_the_sum_over_samples_of_delta_times_input(name: str) -> None:
    depth, width, seeds = 3, 8, [0, 1]
    model = EnsembleMLP(get_activation(name), "xavier", depth, width, 5, 4, seeds, torch.float64)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(16, 5, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (16,), generator=g)
    seen: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
    trace = bw.forward(model, x, keep_pre=True)
    delta, _ = bw.output_delta(trace.logits, y)
    grads = bw.backward(
        model, trace, delta, on_delta=lambda i, d, gw: seen.__setitem__(i, (d.clone(), gw))
    )
    assert grads is not None and sorted(seen) == list(range(depth + 1))
    stats = layer_stats(model, x, y)
    for i in range(depth + 1):
        d, h_in = seen[i][0], trace.inputs[i]  # δ_l (S, B, out), h_{l−1} (S, B, in)
        assert d.shape[1] == 16 and h_in.shape[1] == 16
        # one outer product per sample, then the sum over the batch
        per_sample = d.unsqueeze(3) * h_in.unsqueeze(2)  # (S, B, out, in)
        outer = per_sample.sum(dim=1)
        torch.testing.assert_close(grads.weights[i], outer, rtol=1e-12, atol=1e-15)
        # the probe's norms are the norms of these very tensors
        rows = stats[stats["layer"] == i + 1].set_index("seed")
        for k, seed in enumerate(model.seeds):
            assert rows.loc[seed, "grad_norm"] == pytest.approx(outer[k].norm().item(), rel=1e-12)
            assert rows.loc[seed, "delta_norm"] == pytest.approx(d[k].norm().item(), rel=1e-12)
    # and the same gradients from torch's autograd on each network alone
    for k in range(len(seeds)):
        ref = reference_mlp(model, k)
        torch.nn.functional.cross_entropy(ref(x), y).backward()
        linears = [m for m in ref if isinstance(m, torch.nn.Linear)]
        for i, lin in enumerate(linears):
            torch.testing.assert_close(grads.weights[i][k], lin.weight.grad, rtol=1e-12, atol=1e-15)


def test_relu_xavier_weight_gradient_is_level_while_delta_vanishes() -> None:
    """ReLU is homogeneous: under Xavier the forward signal h shrinks by the factor the
    error δ grows back towards the input, so ‖∂L/∂W‖ = ‖Σ δ·hᵀ‖ stays level."""
    depth, seeds = 30, [0, 1, 2, 3, 4]
    data = digits()
    x, y = probe_batch(data, 128)
    x = x.double()
    model = EnsembleMLP(
        get_activation("relu"), "xavier", depth, 64, data.n_in, data.n_out, seeds, torch.float64
    )
    st = layer_stats(model, x, y)
    first = st[st["layer"] == 1].set_index("seed")
    last = st[st["layer"] == depth].set_index("seed")  # the last hidden layer
    delta = np.log10(first["delta_norm"] / last["delta_norm"])
    wgrad = np.log10(first["grad_norm"] / last["grad_norm"])
    assert (delta < -3).all(), delta  # several decades
    assert (wgrad.abs() < 0.5).all(), wgrad  # level
    # the mechanism: h_{L−1} has shrunk against h_0 by what δ_1 has against δ_L
    trace = bw.forward(model, x)
    h = [torch.linalg.vector_norm(t.flatten(1), dim=1) for t in trace.inputs]
    forward = torch.log10(h[depth - 1] / h[0]).numpy()
    np.testing.assert_allclose(delta.to_numpy(), forward, atol=0.6)


# ---- the probe's ‖W‖ and ‖∂L/∂W‖/‖W‖ ------------------------------------------------


def test_probe_weight_norms_are_those_of_the_models_weights() -> None:
    depth, seeds = 3, [0, 2]
    tables = run_probe_inits("relu", ["xavier", "he"], [depth], seeds, 8, 16)
    for init, table in tables.items():
        assert {"weight_norm", "rel_grad"} <= set(table.columns)
        model = EnsembleMLP(get_activation("relu"), init, depth, 8, 64, 10, seeds, torch.float64)
        for k, seed in enumerate(model.seeds):
            rows = table[table["seed"] == seed].sort_values("layer")
            want = [model.weights[i][k].detach().norm().item() for i in range(depth + 1)]
            np.testing.assert_allclose(rows["weight_norm"], want, rtol=1e-14)
            assert (rows["rel_grad"] == rows["grad_norm"] / rows["weight_norm"]).all()
    # the summary stage carries them into probe.layers
    frames = list(tables.values())
    layers = per_layer(frames)
    both = pd.concat(frames, ignore_index=True)
    for col in ("weight_norm", "rel_grad"):
        assert layers[col].tolist() == both[col].tolist()
    # a rerun writes the same bytes
    again = run_probe_inits("relu", ["xavier", "he"], [depth], seeds, 8, 16)
    for init in tables:
        assert tables[init].to_csv(index=False) == again[init].to_csv(index=False)


def test_all_zero_weights_give_an_undefined_relative_gradient() -> None:
    table = run_probe_inits("relu", ["zeros"], [2], [0], 8, 16)["zeros"]
    assert (table["weight_norm"] == 0).all()
    assert table["rel_grad"].isna().all()  # 0/0: the gradient is exactly 0 too


# ---- E7 on synthetic probe layers ----------------------------------------------------

SEEDS = range(5)
JITTER = (-0.1, -0.05, 0.0, 0.05, 0.1)
DEPTH = 10


def _layers(cells: dict, noise: float = 1.0, overflowed: frozenset = frozenset()) -> pd.DataFrame:
    """probe.layers rows: per (activation, init) → (log10 δ₁/δ_L, log10 g₁/g_L), each
    seed jittered by ``noise`` × JITTER; norms geometric in the hidden layers, the last one
    1, and the output layer's off that line (it has another shape)."""
    rows = []
    for k, ((act, init), (d, w)) in enumerate(cells.items()):
        for seed in SEEDS:
            j = noise * JITTER[(seed + 2 * k) % len(JITTER)]
            bad = (act, init) in overflowed
            for layer in range(1, DEPTH + 2):
                t = (DEPTH - layer) / (DEPTH - 1)  # 1 at layer 1, 0 at the last hidden
                out = layer == DEPTH + 1
                rows.append(
                    {
                        "activation": act,
                        "init": init,
                        "depth": DEPTH,
                        "seed": seed,
                        "layer": layer,
                        "hidden": layer <= DEPTH,
                        "grad_norm": math.nan if bad else 0.2 if out else 10 ** ((w + j) * t),
                        "delta_norm": math.nan if bad else 7.0 if out else 10 ** ((d + j) * t),
                        "weight_norm": 2.0,
                        "rel_grad": math.nan if bad else 0.1 if out else 10 ** ((w + j) * t) / 2,
                        "status": "overflowed" if bad else "finite",
                    }
                )
    return pd.DataFrame(rows)


def _e7(tmp_path: Path, name: str, cells: dict, **kw):
    write(tmp_path / name, "probe.layers", _layers(cells, **kw))
    return cg.check_e7_which_gradient(results_at(tmp_path / name))


def test_e7_ratios_read_the_first_and_last_hidden_layer() -> None:
    t = cg.ratios(_layers({("tanh", "xavier"): (-3.0, 0.2)}, noise=0.0), "tanh", "xavier", DEPTH)
    np.testing.assert_allclose(t["delta"], -3.0)
    np.testing.assert_allclose(t["wgrad"], 0.2)
    assert list(t.index) == list(SEEDS)


def test_e7_states(tmp_path: Path) -> None:
    def cells(gs: tuple[float, float], xa: tuple[float, float]) -> dict:
        # ReLU's numbers are reported, never tested: wild values must not move the verdict
        return {("tanh", "glorot_standard"): gs, ("tanh", "xavier"): xa, ("relu", "he"): (9, 9)}

    res = _e7(tmp_path, "a", cells((-12.0, 0.05), (-1.0, -0.1)))
    assert res.verdict == "supported"
    assert res.values["delta_tanh_glorot_standard"] == pytest.approx(-12.0)
    assert res.values["wgrad_tanh_xavier"] == pytest.approx(-0.1)
    assert res.values["delta_relu_he"] == pytest.approx(9.0)
    assert res.values["n_seeds"] == 5 and res.values["depth"] == DEPTH
    assert res.figures == ["which_gradient"] and res.diverged == {"runs": 0, "of": 10}
    assert "ReLU, He" in res.measured
    # E7 says δ *can* shrink while the weight gradient stays level (an existence claim):
    # inits where it does not never refute it
    # δ does not shrink (it grows towards the input) under both inits
    assert _e7(tmp_path, "b", cells((1.0, 0.05), (0.8, 0.0))).verdict == "inconclusive"
    # the weight gradient is not level under both
    assert _e7(tmp_path, "c", cells((-12.0, 2.0), (-1.0, -1.5))).verdict == "inconclusive"
    # holds under the standard init, fails under Xavier: one clear case supports it
    assert _e7(tmp_path, "d", cells((-12.0, 0.05), (0.5, 0.0))).verdict == "supported"
    # seeds straddle the threshold
    assert _e7(tmp_path, "e", cells((-0.1, 0.05), (-0.1, 0.05)), noise=10).verdict == (
        "inconclusive"
    )
    # an overflowed network is exploded, not dropped
    res = _e7(
        tmp_path,
        "f",
        cells((-12.0, 0.05), (-1.0, 0.0)),
        overflowed=frozenset({("tanh", "xavier")}),
    )
    assert res.verdict == "supported" and res.diverged == {"runs": 5, "of": 10}
    xavier = [p for p in res.parts if p["name"] == "tanh, Xavier"][0]
    assert xavier["verdict"] == "refuted"  # counted against, as exploded


def test_e7_degrades_with_the_grid(tmp_path: Path) -> None:
    only_xavier = _e7(tmp_path, "a", {("tanh", "xavier"): (-3.0, 0.0)})
    assert only_xavier.verdict == "supported"
    assert any(p["verdict"] == "not tested" for p in only_xavier.parts)
    assert _e7(tmp_path, "b", {("relu", "xavier"): (-7.0, 0.0)}).verdict == "not tested"


# ---- the figure draws its table ----------------------------------------------------


@pytest.fixture(scope="module")
def probe_layers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """probe.layers of a tiny real probe: three of the four settings, plus others."""
    frames: list[pd.DataFrame] = []
    for act in ("relu", "tanh", "linear"):
        inits = ["xavier", "he", "glorot_standard"]
        frames += run_probe_inits(act, inits, [2, 6], [0, 1, 2], 8, 16).values()
    root = tmp_path_factory.mktemp("probe")
    write(root, "probe.layers", per_layer(frames))
    return root


def test_profiles_are_the_tables_log_ratios_to_the_output_layer(probe_layers: Path) -> None:
    layers = results_at(probe_layers).table("probe.layers")
    prof = wg.profiles(layers)
    assert set(zip(prof["activation"], prof["init"], strict=True)) == {
        ("relu", "xavier"),
        ("relu", "he"),
        ("tanh", "glorot_standard"),
    }  # sigmoid is not in this grid: left out, not an error
    assert (prof["depth"] == 6).all()
    for col, _ in wg.QUANTITIES:
        d = layers[
            (layers["activation"] == "tanh")
            & (layers["init"] == "glorot_standard")
            & (layers["depth"] == 6)
        ]
        table = d.pivot(index="seed", columns="layer", values=col)
        want = np.log10(table.div(table[7], axis=0))  # layer 7: the output layer
        got = prof[(prof["activation"] == "tanh") & (prof["quantity"] == col)].set_index("layer")
        np.testing.assert_allclose(got["median"], want.median(axis=0).loc[got.index], rtol=1e-12)
        np.testing.assert_allclose(got["lo"], want.min(axis=0).loc[got.index], rtol=1e-12)
        np.testing.assert_allclose(got["hi"], want.max(axis=0).loc[got.index], rtol=1e-12)
        assert got.loc[7, "median"] == 0.0


def test_figure_plots_the_profiles_and_rebuilds_byte_identically(
    tmp_path: Path, probe_layers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = results_at(probe_layers)
    prof = wg.profiles(inputs.table("probe.layers"))
    drawn = []
    real_save = wg.save
    monkeypatch.setattr(wg, "save", lambda fig, outs: (drawn.append(fig), real_save(fig, outs)))
    outs = [tmp_path / "w.png", tmp_path / "w.pdf"]
    wg.main(inputs, outs, {})
    first = outs[0].read_bytes()
    (fig,) = drawn
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(wg.QUANTITIES)
    for ax, (col, _) in zip(axes, wg.QUANTITIES, strict=True):
        lines = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
        assert len(lines) == 3
        for (act, init), g in prof[prof["quantity"] == col].groupby(["activation", "init"]):
            ln = lines[wg.setting_label(act, init)]
            g = g.sort_values("layer")
            np.testing.assert_array_equal(ln.get_xdata(), g["layer"].to_numpy())
            np.testing.assert_array_equal(ln.get_ydata(), g["median"].to_numpy())
    wg.main(inputs, outs, {})
    assert outs[0].read_bytes() == first
    assert outs[1].stat().st_size > 0


def test_figure_without_any_of_its_settings_still_draws(tmp_path: Path) -> None:
    table = tmp_path / "layers.csv"
    _layers({("elu", "lecun"): (0.0, 0.0)}).to_csv(table, index=False)
    outs = [tmp_path / "w.png", tmp_path / "w.pdf"]
    wg.main(Tables({"probe.layers": [table]}), outs, {})
    assert all(p.stat().st_size > 0 for p in outs)
