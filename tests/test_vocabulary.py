"""The vocabulary's rows against the numerics they name, and the readers of the rows."""

from __future__ import annotations

import re

import pytest
import torch

from vanishing.core import activations, inits, vocabulary
from vanishing.figures import style
from vanishing.machinery import labels

NAMES = list(vocabulary.ACTIVATIONS)


def test_every_row_has_a_function_and_every_function_a_row() -> None:
    # plain leaky_relu is a row, its function the leaky family's at the configured slope
    assert set(activations.fixed_names()) <= set(vocabulary.ACTIVATIONS)
    for name in vocabulary.ACTIVATIONS:
        assert activations.get_activation(name).name == name
    assert set(vocabulary.INITS) == set(inits.INITS)


@pytest.mark.parametrize("name", NAMES)
def test_a_row_that_names_a_closed_form_derivative_has_one(name: str) -> None:
    word = vocabulary.ACTIVATIONS[name]
    x = torch.linspace(-3, 3, 61, dtype=torch.float64)
    x = x[x.abs() > 1e-9]
    if word.derivative is None:
        pytest.skip(f"{name}: autograd only")
    module, func = word.derivative.rsplit(".", 1)
    assert module == "vanishing.core.activations"
    closed = getattr(activations, func)(name, x)
    if name != "necro_relu":  # its backward is not f' by design
        auto = activations.derivative(activations.get_activation(name), x)
        torch.testing.assert_close(closed, auto)


def test_colours_are_distinct_within_activations_and_within_inits() -> None:
    acts = [w.colour.lower() for w in vocabulary.ACTIVATIONS.values()]
    assert len(set(acts)) == len(acts)
    init_colours = [w.colour.lower() for w in vocabulary.INITS.values()]
    assert len(set(init_colours)) == len(init_colours)


def test_critical_inits_and_families_are_known_names() -> None:
    for w in vocabulary.ACTIVATIONS.values():
        assert w.family in vocabulary.FAMILY_TITLES
        assert w.critical_init is None or w.critical_init in vocabulary.INITS


@pytest.mark.parametrize(
    ("name", "label", "family"),
    [
        ("tanh_n2", "tanh(2x)", "sigmoidal"),
        ("leaky_relu0.1", "leaky ReLU (0.1)", "relu_family"),
        ("leaky_relu", "leaky ReLU", "relu_family"),
        ("gelu", "GELU", "other"),
        ("hard_tanh", "hard tanh", "sigmoidal"),
    ],
)
def test_labels_families_and_colours_read_the_rows(name: str, label: str, family: str) -> None:
    assert labels.label(name, "activation") == label
    assert vocabulary.family(name) == family
    assert label.split(" (")[0] in vocabulary.FAMILIES[family] or name.startswith("tanh_n")
    assert style.activation_color(name) != style.FALLBACK


def test_the_family_legend_lists_every_member() -> None:
    for key, text in vocabulary.FAMILIES.items():
        for w in vocabulary.ACTIVATIONS.values():
            assert (w.label in text) == (w.family == key), (key, w.name)


@pytest.mark.parametrize("name", [*NAMES, "tanh_n2", "tanh_n0.5", "leaky_relu0.2"])
def test_the_pattern_and_the_parser_accept_the_same_names(name: str) -> None:
    assert re.match(vocabulary.NAME_PATTERN, name)
    assert vocabulary.activation_problem(name) is None


@pytest.mark.parametrize("name", ["tanh_n", "tanh_n0", "relu6", "Tanh", "leaky_relu-1", ""])
def test_bad_names_are_refused_with_a_reason(name: str) -> None:
    problem = vocabulary.activation_problem(name)
    assert problem is not None and repr(name) in problem
    with pytest.raises(KeyError):
        activations.get_activation(name)


def test_the_vocabulary_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, vanishing.core.vocabulary; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
