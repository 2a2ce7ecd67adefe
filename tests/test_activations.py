"""Each activation's derivative against autograd, and the registry's name handling."""

from __future__ import annotations

import math

import pytest
import torch
import yaml

from vanishing.core.activations import (
    NAME_PATTERN,
    NECRO_SLOPE,
    analytic_derivative,
    derivative,
    fixed_names,
    get_activation,
)

from .conftest import ROOT

PARAMETRISED = ["tanh_n0.5", "tanh_n2", "tanh_n3", "tanh_n1.7", "leaky_relu", "leaky_relu0.2"]
ALL = [n for n in fixed_names() if n != "necro_relu"] + PARAMETRISED
KINKS = {"hard_tanh": (-1.0, 1.0)}


def _points() -> torch.Tensor:
    # Avoid x = 0 exactly, where ReLU-like and abs derivatives are conventions.
    x = torch.linspace(-5, 5, 1001, dtype=torch.float64)
    return x[x.abs() > 1e-6]


@pytest.mark.parametrize("name", ALL)
def test_closed_form_derivative_matches_autograd(name: str) -> None:
    x = _points()
    act = get_activation(name)
    torch.testing.assert_close(derivative(act, x), analytic_derivative(name, x))


@pytest.mark.parametrize("name", ALL)
def test_autograd_derivative_matches_finite_differences(name: str) -> None:
    x = _points()
    act = get_activation(name)
    h = 1e-6
    fd = (act(x + h) - act(x - h)) / (2 * h)
    # where f' jumps, a central difference straddles the jump
    kinks = torch.zeros_like(x, dtype=torch.bool)
    for k in KINKS.get(name, (0.0,)):
        kinks |= (x - k).abs() < 2 * h
    torch.testing.assert_close(derivative(act, x)[~kinks], fd[~kinks], atol=1e-6, rtol=1e-6)


def test_necro_relu_is_relu_forward_with_a_leaky_backward() -> None:
    x = _points()
    act = get_activation("necro_relu")
    torch.testing.assert_close(act(x), torch.relu(x))
    d = derivative(act, x)
    assert torch.all(d[x > 0] == 1)
    assert torch.allclose(d[x < 0], torch.full_like(d[x < 0], NECRO_SLOPE))


def test_prelu_uses_its_learnable_slope() -> None:
    act = get_activation("prelu")
    x = torch.tensor([-2.0, 3.0], requires_grad=True)
    a = torch.tensor(0.3, requires_grad=True)
    y = act(x, a)
    assert y.tolist() == pytest.approx([-0.6, 3.0])
    y.sum().backward()
    assert a.grad.item() == pytest.approx(-2.0)  # dy/da = x for x < 0


def test_tanh_n_scale_is_parsed_from_the_name() -> None:
    act = get_activation("tanh_n2.5")
    assert act.tanh_n == 2.5
    assert act(torch.tensor(0.4)).item() == pytest.approx(math.tanh(1.0))


def test_leaky_slope_from_name_or_default() -> None:
    assert get_activation("leaky_relu0.3").negative_slope == 0.3
    assert get_activation("leaky_relu", leaky_slope=0.05).negative_slope == 0.05


@pytest.mark.parametrize("bad", ["swish", "tanh_n", "tanh_n0", "relu2", ""])
def test_unknown_names_raise_with_the_known_ones(bad: str) -> None:
    with pytest.raises(KeyError, match="activation|tanh_n"):
        get_activation(bad)


def test_lecun_tanh_maps_one_to_one() -> None:
    act = get_activation("lecun_tanh")
    assert act(torch.tensor(1.0, dtype=torch.float64)).item() == pytest.approx(1.0, abs=1e-4)


def test_schema_pattern_mirrors_the_registry() -> None:
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["properties"]["activations"]["items"]["pattern"] == NAME_PATTERN
