"""Probe statistics against direct autograd computations on a reference network."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing.core import theory
from vanishing.core.activations import get_activation
from vanishing.core.gradients import layer_stats
from vanishing.core.models import EnsembleMLP, reference_mlp
from vanishing.studies.summaries import backward_slope, summarise_network


def _setup(name: str, init: str = "xavier"):
    model = EnsembleMLP(get_activation(name), init, 3, 10, 5, 4, [0, 1], torch.float64)
    g = torch.Generator().manual_seed(4)
    x = torch.randn(32, 5, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (32,), generator=g)
    return model, x, y


@pytest.mark.parametrize("name", ["tanh_n2", "relu"])
def test_grad_norms_match_a_reference_network(name: str) -> None:
    model, x, y = _setup(name)
    stats = layer_stats(model, x, y)
    for i in range(2):
        ref = reference_mlp(model, i)
        torch.nn.functional.cross_entropy(ref(x), y).backward()
        linears = [m for m in ref if isinstance(m, torch.nn.Linear)]
        got = stats[stats["seed"] == model.seeds[i]].sort_values("layer")["grad_norm"].to_numpy()
        want = np.array([lin.weight.grad.norm().item() for lin in linears])
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_fraction_inside_t1_counts_pre_activations() -> None:
    model, x, y = _setup("tanh_n2")
    stats = layer_stats(model, x, y)
    out = model(x, keep=True)
    inside = (out.pre[0][0].abs() < theory.t1(2.0)).double().mean().item()
    row = stats[(stats["seed"] == 0) & (stats["layer"] == 1)]
    assert row["frac_inside_t1"].item() == pytest.approx(inside)


@pytest.mark.parametrize("name", ["selu", "tanh"])
def test_activation_moments_are_those_of_the_reference_network(name: str) -> None:
    model, x, y = _setup(name, "lecun")
    stats = layer_stats(model, x, y)
    for i, seed in enumerate(model.seeds):
        ref = reference_mlp(model, i)
        h, got = x, stats[stats["seed"] == seed].sort_values("layer")
        acts = []
        for m in ref:
            h = m(h)
            if not isinstance(m, torch.nn.Linear):
                acts.append(h.detach())
        hidden = got[got["hidden"]]
        np.testing.assert_allclose(hidden["act_mean"], [a.mean().item() for a in acts])
        np.testing.assert_allclose(hidden["act_var"], [a.var().item() for a in acts])
        assert got[~got["hidden"]]["act_var"].isna().all()


def test_dead_units_are_those_never_positive() -> None:
    model, x, y = _setup("relu", "he")
    with torch.no_grad():
        model.biases[0][:, :, :4] = -1e3  # kill 4 of 10 first-layer units in every network
    stats = layer_stats(model, x, y)
    first = stats[stats["layer"] == 1]
    assert (first["dead_frac"] >= 0.4).all()


def test_zero_init_gives_exactly_zero_first_layer_gradient() -> None:
    model, x, y = _setup("relu", "zeros")
    stats = layer_stats(model, x, y)
    assert (stats.loc[stats["layer"] == 1, "grad_norm"] == 0).all()
    assert not stats["nonfinite"].any()
    assert math.isnan(stats.loc[stats["layer"] == 1, "frac_inside_t1"].iloc[0])


def test_backward_slope_recovers_a_geometric_factor() -> None:
    layers = np.arange(1, 11)
    delta = 3.0 * 0.7 ** (layers.max() - layers)  # shrinks by 0.7 per layer towards input
    assert backward_slope(layers, delta) == pytest.approx(np.log(0.7))


def test_summary_ratio_is_first_over_last() -> None:
    g = pd.DataFrame(
        {
            "layer": [1, 2, 3],
            "hidden": [True, True, False],
            "grad_norm": [1e-4, 1e-2, 1.0],
            "delta_norm": [1e-4, 1e-2, 1.0],
            "dead_frac": [0, 0, np.nan],
            "zero_frac": [0, 0, np.nan],
            "frac_inside_t1": [np.nan] * 3,
            "frac_inside_explode": [np.nan] * 3,
            "nonfinite": [False] * 3,
            "loss": [2.3] * 3,
        }
    )
    s = summarise_network(g)
    assert s["log10_ratio"] == pytest.approx(-4.0)


def test_an_overflowing_probe_network_is_labelled_overflowed() -> None:
    """A float32 N(0, 1) ReLU net overflows with depth; every row of that network (and its
    summary row) says so, the shallow one stays finite."""
    from vanishing.studies.probe import run_probe
    from vanishing.studies.summaries import summarise_probe

    df = run_probe("relu", "normal", [2, 60], [0], 64, 16, dtype="float32")
    by_depth = df.groupby("depth")["status"].unique()
    assert list(by_depth[2]) == ["finite"] and list(by_depth[60]) == ["overflowed"]
    summary = summarise_probe([df]).set_index("depth")
    assert summary.loc[60, "status"] == "overflowed" and summary.loc[2, "status"] == "finite"
