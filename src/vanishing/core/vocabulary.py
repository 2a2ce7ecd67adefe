"""The names the project speaks in: every activation and init, one row each.

This is the one home of what a name means outside the numerics: the reader's label and
definition, the colour (and for inits the line style and marker) it has in every
figure, the family the phase diagrams and claim E6 group it in, where its closed-form
derivative lives, its critical init where one is known, and the pattern config files
are checked against. No torch here: the Snakefile parses the config with it, and the
figure and claim jobs read it, without paying for ``import torch``.

The numerics live elsewhere and are held to these rows by tests: an activation's
function in ``vanishing.core.activations``, an init's draw in ``vanishing.core.inits``. Adding an
activation is its function there plus one row of ``ACTIVATIONS`` here; then regenerate
the schema (``python -m vanishing.machinery.config_schema``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---- activations -------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationWord:
    """One activation as the reader and the figures meet it."""

    name: str  # the config's and the results/ paths' name
    label: str  # legends, tables, prose
    definition: str  # the glossary's line: what the code computes
    colour: str  # its colour in every figure (colour-blind-safe sets, see figures.style)
    family: str  # a key of FAMILY_TITLES: the phase diagram and E6 group by it
    # the closed form of f' that the tests hold autograd to, as "module.function"; None:
    # autograd only (then only the forward pass is checked against a formula)
    derivative: str | None = "vanishing.core.activations.analytic_derivative"
    # the init at which χ1 = 1 with zero biases (mean-field), where one of ours is
    critical_init: str | None = None
    source: str = ""  # who introduced it (a key of the report's references, or words)


# The order is the figures' order: families together.
_ROWS = [
    ActivationWord(
        "sigmoid", "sigmoid", "logistic function 1/(1 + exp(−x))", "#CC79A7", "sigmoidal"
    ),
    ActivationWord(
        "tanh", "tanh", "hyperbolic tangent tanh(x)", "#0072B2", "sigmoidal", critical_init="lecun"
    ),
    ActivationWord(
        "lecun_tanh",
        "LeCun tanh",
        "1.7159·tanh(2x/3), the scaled tanh of LeCun et al. (1998)",
        "#009E73",
        "sigmoidal",
        source="lecun1998",
    ),
    ActivationWord(
        "hard_tanh",
        "hard tanh",
        "max(−1, min(1, x)): tanh's piecewise-linear stand-in",
        "#DDCC77",
        "sigmoidal",
        critical_init="lecun",
    ),
    ActivationWord(
        "softsign",
        "softsign",
        "x/(1 + |x|), a sigmoid with polynomial tails",
        "#88CCEE",
        "sigmoidal",
        critical_init="lecun",
    ),
    ActivationWord(
        "relu", "ReLU", "max(0, x)", "#D55E00", "relu_family", critical_init="he", source="he2015"
    ),
    ActivationWord(
        "leaky_relu",
        "leaky ReLU",
        "max(x, a·x) with slope a = 0.01 (config key leaky_slope)",
        "#E69F00",
        "relu_family",
    ),
    ActivationWord(
        "prelu",
        "PReLU",
        "leaky ReLU whose slope is learned, one per layer, starting at 0.25",
        "#882255",
        "relu_family",
        source="he2015",
    ),
    ActivationWord(
        "necro_relu",
        "NecroReLU",
        "ReLU in the forward pass, slope 0.1 for x < 0 in the backward pass",
        "#000000",
        "relu_family",
    ),
    ActivationWord("elu", "ELU", "x for x > 0, exp(x) − 1 otherwise", "#999933", "other"),
    ActivationWord(
        "selu",
        "SELU",
        "λ·x for x > 0, λ·α·(exp(x) − 1) otherwise, λ ≈ 1.0507, α ≈ 1.6733 (Klambauer et al. 2017)",
        "#56B4E9",
        "other",
        critical_init="lecun",
        source="klambauer2017",
    ),
    ActivationWord("softplus", "softplus", "ln(1 + exp(x)), the smooth ReLU", "#44AA99", "other"),
    ActivationWord(
        "gelu",
        "GELU",
        "x·Φ(x) with Φ the standard normal CDF (Hendrycks & Gimpel 2016)",
        "#332288",
        "other",
    ),
    ActivationWord(
        "silu",
        "SiLU",
        "x·σ(x) with σ the logistic function: SiLU, also called swish",
        "#117733",
        "other",
    ),
    ActivationWord("mish", "Mish", "x·tanh(ln(1 + exp(x))) (Misra 2019)", "#CC6677", "other"),
    ActivationWord("abs", "|x|", "absolute value", "#AA4499", "other"),
    ActivationWord(
        "linear", "linear", "identity: no activation", "#888888", "other", critical_init="lecun"
    ),
]
ACTIVATIONS: dict[str, ActivationWord] = {w.name: w for w in _ROWS}


@dataclass(frozen=True)
class ParametrisedFamily:
    """Activations named by a number: ``<prefix><value>``, e.g. tanh_n2 = tanh(2x)."""

    prefix: str
    base: str  # the row whose colour it shades and whose label it varies
    label: str  # format string of the value v (printed with :g)
    definition: str
    value_required: bool  # tanh_n needs its n; plain leaky_relu is a row of its own


PARAMETRISED: dict[str, ParametrisedFamily] = {
    "tanh_n": ParametrisedFamily(
        "tanh_n", "tanh", "tanh({v}x)", "tanh(n·x) with n = {v}", value_required=True
    ),
    "leaky_relu": ParametrisedFamily(
        "leaky_relu",
        "leaky_relu",
        "leaky ReLU ({v})",
        "max(x, a·x) with slope a = {v}",
        value_required=False,
    ),
}

_NUMBER = r"\d+(?:\.\d+)?"
_PARAMETRISED = re.compile(rf"^(?P<prefix>{'|'.join(PARAMETRISED)})(?P<value>{_NUMBER})?$")
#: the names config files may use (a regex, copied into the generated JSON Schema)
NAME_PATTERN = (
    r"^("
    + "|".join(sorted(ACTIVATIONS))
    + "".join(f"|{p}({_NUMBER}){'' if f.value_required else '?'}" for p, f in PARAMETRISED.items())
    + r")$"
)

#: family key → the name figures and the report print, in their order
FAMILY_TITLES: dict[str, str] = {
    "sigmoidal": "sigmoidal",
    "relu_family": "ReLU family",
    "other": "other",
}


def split_name(name: str) -> tuple[str, float | None]:
    """(row or family prefix, its number): 'tanh_n2' → ('tanh_n', 2.0), 'relu' → ('relu',
    None). Raises ``KeyError`` with a message naming what is valid."""
    if name in ACTIVATIONS:
        return name, None
    m = _PARAMETRISED.match(name)
    if m is None:
        families = ", ".join(
            f"{p}<n>" if f.value_required else f"{p}[<slope>]" for p, f in PARAMETRISED.items()
        )
        raise KeyError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}, {families}")
    prefix, value = m.group("prefix"), m.group("value")
    if value is None:
        raise KeyError(f"activation {name!r}: {prefix} needs a number, e.g. {prefix}2")
    v = float(value)
    if prefix == "tanh_n" and v <= 0:
        raise KeyError(f"activation {name!r}: the scale n must be positive")
    return prefix, v


def activation_problem(name: object) -> str | None:
    """Why ``name`` is not an activation (None when it is): the config check's words."""
    try:
        split_name(str(name))
    except KeyError as e:
        return str(e.args[0])
    return None if isinstance(name, str) else f"activation {name!r}: expected a name"


def _value(v: float) -> str:
    return f"{v:g}"


def activation_label(name: str) -> str | None:
    """The reader's label (None for a name that is not an activation)."""
    try:
        key, v = split_name(name)
    except KeyError:
        return None
    if v is None:
        return ACTIVATIONS[key].label
    return PARAMETRISED[key].label.format(v=_value(v))


def activation_definition(name: str) -> str | None:
    try:
        key, v = split_name(name)
    except KeyError:
        return None
    if v is None:
        return ACTIVATIONS[key].definition
    return PARAMETRISED[key].definition.format(v=_value(v))


def base_activation(name: str) -> ActivationWord:
    """The row an activation belongs to (tanh_n2 → tanh's, leaky_relu0.1 → leaky ReLU's)."""
    key, v = split_name(name)
    return ACTIVATIONS[key if v is None else PARAMETRISED[key].base]


def family(name: str) -> str:
    """The family key of an activation name ("other" for a name we do not know)."""
    try:
        return base_activation(name).family
    except KeyError:
        return "other"


def family_label(key: str) -> str:
    """'sigmoidal (sigmoid, tanh, tanh(n·x), ...)': the family with its members, from the
    rows, so a new activation appears in its family's legend without another edit."""
    members = [w.label for w in _ROWS if w.family == key]
    for f in PARAMETRISED.values():
        if ACTIVATIONS[f.base].family == key and f.value_required:
            members.insert(members.index(ACTIVATIONS[f.base].label) + 1, f.label.format(v="n·"))
    return f"{FAMILY_TITLES[key]} ({', '.join(members)})"


#: family key → its label with members, in the figures' order
FAMILIES: dict[str, str] = {key: family_label(key) for key in FAMILY_TITLES}


def activation_rank(name: str) -> tuple[int, float]:
    """Sort key of the figures' order: rows in ``ACTIVATIONS`` order, a parametrised
    family after its base row's place, by its number (tanh is tanh_n1, leaky_relu
    leaky_relu0.01)."""
    order = list(ACTIVATIONS)
    try:
        key, v = split_name(name)
    except KeyError:
        return len(order), 0.0
    if v is not None:
        return order.index(PARAMETRISED[key].base), v
    return order.index(key), 1.0 if key == "tanh" else 0.01 if key == "leaky_relu" else 0.0


# ---- inits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InitWord:
    """One weight initialisation as the reader and the figures meet it."""

    name: str
    label: str
    definition: str
    colour: str  # Tol's bright set plus black and grey
    dashes: tuple[float, ...]  # its line style where colour means the activation
    marker: str  # its marker where colour means the activation


_INIT_ROWS = [
    InitWord(
        "normal", "N(0, 1)", "standard normal weights, whatever the width", "#EE6677", (), "o"
    ),
    InitWord(
        "truncated_normal",
        "truncated N(0, 1)",
        "N(0, 1) redrawn beyond ±2 (TensorFlow's)",
        "#AA3377",
        (1, 1),
        "v",
    ),
    InitWord(
        "glorot_standard",
        "U[±1/√fan_in]",
        "uniform on [−1/√fan_in, 1/√fan_in], Glorot & Bengio's (2010) 'standard' init",
        "#CCBB44",
        (4, 1.5),
        "s",
    ),
    InitWord(
        "xavier",
        "Xavier",
        "uniform with Var = 2/(fan_in + fan_out), Glorot & Bengio's (2010) normalised init",
        "#4477AA",
        (1.5, 1.5),
        "D",
    ),
    InitWord("he", "He", "normal with Var = 2/fan_in (He et al. 2015)", "#228833", (), "^"),
    InitWord(
        "lecun",
        "LeCun",
        "normal with Var = 1/fan_in (LeCun et al. 1998), SELU's init (Klambauer et al. 2017)",
        "#66CCEE",
        (5, 2, 1, 2),
        "P",
    ),
    InitWord(
        "orthogonal",
        "orthogonal",
        "a random (semi-)orthogonal matrix per layer (Saxe et al. 2014)",
        "#000000",
        (3, 1, 1, 1, 1, 1),
        "X",
    ),
    InitWord("zeros", "zeros", "every weight 0", "#BBBBBB", (1, 3), "*"),
]
INITS: dict[str, InitWord] = {w.name: w for w in _INIT_ROWS}
