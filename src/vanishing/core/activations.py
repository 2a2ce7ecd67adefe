"""Activation functions by name.

Names are what the config and the results/ paths use. Two families take a
number in the name: ``tanh_n<n>`` is tanh(n·x) (``tanh_n2`` → tanh(2x)) and
``leaky_relu<slope>`` is a leaky ReLU with that negative slope (plain
``leaky_relu`` uses the configured default slope).

Every activation is a function ``f(x, param)`` where ``param`` is the layer's
learnable parameter (only PReLU has one; it is ``None`` otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from . import vocabulary

ActivationFn = Callable[[Tensor, Tensor | None], Tensor]

# PyTorch's nn.PReLU starts its slope at 0.25 (He et al. 2015 used the same).
PRELU_INIT = 0.25
# LeCun et al. 1998 (Efficient BackProp): f(x) = 1.7159 tanh(2x/3) so that f(±1) = ±1.
LECUN_A = 1.7159
LECUN_B = 2.0 / 3.0
# NecroReLU's backward slope for x < 0 (source B, "NecroReLU").
NECRO_SLOPE = 0.1
# The default negative slope of PyTorch's LeakyReLU (and Maas et al. 2013).
DEFAULT_LEAKY_SLOPE = 0.01


class _NecroReLU(torch.autograd.Function):
    """ReLU forward, but a 0.1 slope backward for x < 0, so a unit cannot die."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.save_for_backward(x)
        return torch.relu(x)

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        slope = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, NECRO_SLOPE))
        return grad_out * slope


def necro_relu(x: Tensor) -> Tensor:
    return _NecroReLU.apply(x)


@dataclass(frozen=True)
class Activation:
    """A named activation with what the analysis needs to know about it."""

    name: str
    fn: ActivationFn
    #: scale n of tanh(n·x); thresholds t1(n) etc. only apply when set
    tanh_n: float | None = None
    #: piecewise-linear with a hard zero for x < 0 (dead units are possible)
    can_die: bool = False
    #: whether the layer carries a learnable parameter (PReLU's slope)
    has_param: bool = False
    #: the slope that the backward pass uses for x < 0 (ReLU family only)
    negative_slope: float | None = None

    def __call__(self, x: Tensor, param: Tensor | None = None) -> Tensor:
        return self.fn(x, param)


def _prelu(x: Tensor, a: Tensor | None) -> Tensor:
    # ``a`` has one slope per ensemble member and broadcasts over (S, B, width).
    if a is None:
        a = torch.tensor(PRELU_INIT, dtype=x.dtype, device=x.device)
    return torch.where(x >= 0, x, a * x)


def _tanh_n(n: float) -> Activation:
    return Activation(f"tanh_n{_fmt(n)}", lambda x, _: torch.tanh(n * x), tanh_n=n)


def _leaky(slope: float, name: str) -> Activation:
    return Activation(
        name,
        lambda x, _: F.leaky_relu(x, slope),
        negative_slope=slope,
    )


def _fmt(v: float) -> str:
    """2.0 → '2', 0.5 → '0.5': the spelling used in names and paths."""
    return f"{v:g}"


# SELU's constants (Klambauer et al. 2017), as torch.nn.functional.selu uses them.
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429585902

_FIXED: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("sigmoid", lambda x, _: torch.sigmoid(x)),
        Activation("tanh", lambda x, _: torch.tanh(x), tanh_n=1.0),
        Activation("lecun_tanh", lambda x, _: LECUN_A * torch.tanh(LECUN_B * x)),
        Activation("hard_tanh", lambda x, _: F.hardtanh(x)),
        Activation("softsign", lambda x, _: F.softsign(x)),
        Activation("relu", lambda x, _: torch.relu(x), can_die=True, negative_slope=0.0),
        Activation("prelu", _prelu, has_param=True, negative_slope=PRELU_INIT),
        Activation(
            "necro_relu", lambda x, _: necro_relu(x), can_die=False, negative_slope=NECRO_SLOPE
        ),
        Activation("elu", lambda x, _: F.elu(x)),
        Activation("selu", lambda x, _: F.selu(x)),
        Activation("softplus", lambda x, _: F.softplus(x)),
        Activation("gelu", lambda x, _: F.gelu(x)),
        Activation("silu", lambda x, _: F.silu(x)),
        Activation("mish", lambda x, _: F.mish(x)),
        Activation("abs", lambda x, _: torch.abs(x)),
        Activation("linear", lambda x, _: x),
    ]
}
# The rows of vocabulary.ACTIVATIONS and these functions are the same names (a test).

#: the names accepted in config files (a regex, mirrored in the JSON Schema)
NAME_PATTERN = vocabulary.NAME_PATTERN


def get_activation(name: str, leaky_slope: float = DEFAULT_LEAKY_SLOPE) -> Activation:
    """Look an activation up by name; raise ``KeyError`` naming the valid ones."""
    key, value = vocabulary.split_name(name)
    if value is None and key in _FIXED:
        return _FIXED[key]
    if key == "tanh_n" and value is not None:
        return _tanh_n(value)
    if key == "leaky_relu":
        return _leaky(value if value is not None else leaky_slope, name)
    raise KeyError(f"activation {name!r} is in the vocabulary but has no function here")


def fixed_names() -> list[str]:
    return sorted(_FIXED)


def derivative(act: Activation, x: Tensor, param: Tensor | None = None) -> Tensor:
    """The derivative that back-propagation uses, by autograd (so NecroReLU's is 0.1)."""
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(act(x, param).sum(), x)
    return g


def analytic_derivative(name: str, x: Tensor, leaky_slope: float = DEFAULT_LEAKY_SLOPE) -> Tensor:
    """Closed-form derivatives, written independently of autograd for the tests."""
    act = get_activation(name, leaky_slope)
    if act.tanh_n is not None:
        n = act.tanh_n
        return n * (1 - torch.tanh(n * x) ** 2)
    if name == "sigmoid":
        s = torch.sigmoid(x)
        return s * (1 - s)
    if name == "lecun_tanh":
        return LECUN_A * LECUN_B * (1 - torch.tanh(LECUN_B * x) ** 2)
    if act.negative_slope is not None:
        return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, act.negative_slope))
    if name == "elu":
        return torch.where(x > 0, torch.ones_like(x), torch.exp(x))
    if name == "softplus":
        return torch.sigmoid(x)
    if name == "hard_tanh":
        # torch's hardtanh_backward passes the gradient strictly inside (−1, 1) only
        return ((x > -1) & (x < 1)).to(x.dtype)
    if name == "softsign":
        return 1 / (1 + x.abs()) ** 2
    if name == "selu":
        return SELU_LAMBDA * torch.where(x > 0, torch.ones_like(x), SELU_ALPHA * torch.exp(x))
    if name == "gelu":
        pdf = torch.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
        return 0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * pdf
    if name == "silu":
        s = torch.sigmoid(x)
        return s * (1 + x * (1 - s))
    if name == "mish":
        sp = F.softplus(x)
        return torch.tanh(sp) + x * torch.sigmoid(x) * (1 - torch.tanh(sp) ** 2)
    if name == "abs":
        return torch.sign(x)
    if name == "linear":
        return torch.ones_like(x)
    raise KeyError(name)


def lecun_constants() -> tuple[float, float]:
    """Derive (a, b) of a·tanh(b·x) from f(1) = 1 and f''(1) extremal (LeCun 1998).

    LeCun chose b = 2/3 and then a so that f(±1) = ±1; the curvature of f is
    largest in magnitude at x = 1 for that choice. We recover a from b here.
    """
    b = LECUN_B
    a = 1.0 / math.tanh(b)
    return a, b
