"""Weight initialisations by name, for stacked ensembles of weight matrices.

Every init fills a tensor of shape (S, fan_out, fan_in): S independent
networks' weights for one layer. ``weight_variance`` gives the variance each
scheme is meant to have; the tests check the samples against it and the
mean-field theory uses it as σ_w² / fan_in.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

InitFn = Callable[[tuple[int, int, int], torch.Generator], Tensor]

# TensorFlow's truncated_normal (source D) redraws samples beyond two standard deviations.
TRUNCATION = 2.0


def _normal(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    # N(0, 1) whatever the width: the sources' "usual" init (C4, D3).
    return torch.randn(shape, generator=g)


def _truncated_normal(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    # Inverse-CDF sampling keeps the draw count fixed, so the generator
    # advances identically on every machine (rejection sampling would not).
    lo = 0.5 * (1 + math.erf(-TRUNCATION / math.sqrt(2)))
    u = lo + (1 - 2 * lo) * torch.rand(shape, generator=g, dtype=torch.float64)
    return (math.sqrt(2) * torch.erfinv(2 * u - 1)).float()


def _uniform(shape: tuple[int, int, int], g: torch.Generator, bound: float) -> Tensor:
    return (2 * torch.rand(shape, generator=g) - 1) * bound


def _glorot_standard(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    # Glorot & Bengio 2010, eq. 1: U[-1/sqrt(n), 1/sqrt(n)], n = fan_in.
    return _uniform(shape, g, 1 / math.sqrt(shape[2]))


def _xavier(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    # Glorot & Bengio 2010, eq. 16 ("normalized initialization").
    fan_out, fan_in = shape[1], shape[2]
    return _uniform(shape, g, math.sqrt(6 / (fan_in + fan_out)))


def _he(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    # He et al. 2015: Var(W) = 2 / fan_in for ReLU.
    return torch.randn(shape, generator=g) * math.sqrt(2 / shape[2])


def _lecun(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    # LeCun et al. 1998: Var(W) = 1 / fan_in.
    return torch.randn(shape, generator=g) / math.sqrt(shape[2])


def haar_orthogonal(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    """Saxe et al. 2014: a (semi-)orthogonal matrix per network, float64, via QR of a
    Gaussian with the sign fix that makes the distribution Haar-uniform. The isometry
    study (E10) keeps it in float64, where a product of 100 of them stays orthogonal to
    round-off; the init scheme rounds it to float32 like every other scheme."""
    s, fan_out, fan_in = shape
    rows, cols = max(fan_out, fan_in), min(fan_out, fan_in)
    a = torch.randn((s, rows, cols), generator=g, dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    if fan_out < fan_in:
        q = q.transpose(-2, -1)
    return q


def _orthogonal(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    return haar_orthogonal(shape, g).float()


def _zeros(shape: tuple[int, int, int], g: torch.Generator) -> Tensor:
    return torch.zeros(shape)


INITS: dict[str, InitFn] = {
    "normal": _normal,
    "truncated_normal": _truncated_normal,
    "glorot_standard": _glorot_standard,
    "xavier": _xavier,
    "he": _he,
    "lecun": _lecun,
    "orthogonal": _orthogonal,
    "zeros": _zeros,
}


def weight_variance(name: str, fan_in: int, fan_out: int) -> float:
    """The per-entry variance the scheme targets (what the tests check)."""
    if name == "normal":
        return 1.0
    if name == "truncated_normal":
        # Variance of N(0,1) truncated at ±c: 1 - 2cφ(c)/(2Φ(c)-1).
        c = TRUNCATION
        phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
        mass = math.erf(c / math.sqrt(2))
        return 1 - 2 * c * phi / mass
    if name == "glorot_standard":
        return 1 / (3 * fan_in)
    if name == "xavier":
        return 2 / (fan_in + fan_out)
    if name == "he":
        return 2 / fan_in
    if name == "lecun":
        return 1 / fan_in
    if name == "orthogonal":
        # Rows (or columns) of unit norm spread over max(fan_in, fan_out) entries.
        return 1 / max(fan_in, fan_out)
    if name == "zeros":
        return 0.0
    raise KeyError(f"unknown init {name!r}; known: {', '.join(INITS)}")


def init_weights(name: str, shape: tuple[int, int, int], generator: torch.Generator) -> Tensor:
    """Sample stacked weights (S, fan_out, fan_in) for the named scheme."""
    try:
        fn = INITS[name]
    except KeyError:
        raise KeyError(f"unknown init {name!r}; known: {', '.join(INITS)}") from None
    return fn(shape, generator)
