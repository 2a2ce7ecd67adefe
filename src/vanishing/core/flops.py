"""Matrix products of the pipeline's stages, counted from shapes (benchmarks/bench.py).

A stage's work is tallied as a multiset of matrix-product shapes
``(dtype, batch, m, k, n)``, each costing 2·batch·m·k·n floating-point operations
(one multiply and one add per term). Elementwise work (activations, statistics,
the loss) is not counted: it is what a stage does beyond its matrix products, so
it shows up as time spent below the ceiling, never as extra FLOPs.

Two ways to get a tally:

* ``MatmulCounter`` records every mm/bmm/addmm/baddbmm (in-place forms too) that
  runs while it is active, autograd's backward included. The focused studies are
  counted this way.
* ``probe_shapes`` and ``training_shapes`` write the probe and training stages'
  products down from their parameters, so the long training stage need not run
  twice; tests/test_flops.py checks both against ``MatmulCounter``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import torch
from torch.utils._python_dispatch import TorchDispatchMode

#: (dtype name, batch, m, k, n) → number of such products
Shapes = Counter

_aten = torch.ops.aten
_BATCHED = {_aten.bmm, _aten.baddbmm, _aten.baddbmm_}
_PLAIN = {_aten.mm, _aten.addmm, _aten.addmm_}


def _dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


class MatmulCounter(TorchDispatchMode):
    """Records the shape of every matrix product dispatched while active."""

    def __init__(self) -> None:
        super().__init__()
        self.shapes: Shapes = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        packet = func.overloadpacket
        if packet in _BATCHED or packet in _PLAIN:
            # bmm(a, b) / mm(a, b); the add forms take (self, a, b).
            a, b = (args[0], args[1]) if packet in (_aten.bmm, _aten.mm) else (args[1], args[2])
            if packet in _BATCHED:
                key = (_dtype_name(a), a.shape[0], a.shape[1], a.shape[2], b.shape[2])
            else:
                key = (_dtype_name(a), 1, a.shape[0], a.shape[1], b.shape[1])
            self.shapes[key] += 1
        return func(*args, **(kwargs or {}))


def flops(shapes: Shapes) -> float:
    return float(sum(2 * b * m * k * n * c for (_, b, m, k, n), c in shapes.items()))


def _layers(n_in: int, width: int, depth: int, n_out: int) -> list[tuple[int, int]]:
    sizes = [n_in] + [width] * depth + [n_out]
    return list(zip(sizes[:-1], sizes[1:], strict=True))


def pass_shapes(
    dtype: str,
    nets: int,
    batch: int,
    layers: Iterable[tuple[int, int]],
    backward: bool = True,
    weight_layout: bool = False,
) -> Shapes:
    """One forward (and backward) pass of ``nets`` networks on ``batch`` examples, as
    backward.py runs it: per layer the forward product; backward, the weight
    gradient (hᵀδ, or δᵀh with ``weight_layout``) and, above the first layer, δ·W."""
    out: Shapes = Counter()
    for i, (fan_in, fan_out) in enumerate(layers):
        out[(dtype, nets, batch, fan_in, fan_out)] += 1
        if backward:
            if weight_layout:
                out[(dtype, nets, fan_out, batch, fan_in)] += 1
            else:
                out[(dtype, nets, fan_in, batch, fan_out)] += 1
            if i:
                out[(dtype, nets, batch, fan_out, fan_in)] += 1
    return out


def probe_shapes(
    depths: list[int], seeds: int, width: int, batch: int, n_in: int, n_out: int, dtype: str
) -> Shapes:
    """One probe job's products for one init: a forward and backward pass per depth."""
    out: Shapes = Counter()
    for d in depths:
        out += pass_shapes(dtype, seeds, batch, _layers(n_in, width, d, n_out))
    return out


def log_steps(steps: int, log_every: int) -> list[int]:
    """The steps at which train.train evaluates its monitor (as train.train picks them)."""
    return sorted(set(range(0, steps + 1, log_every)) | {steps})


def training_shapes(
    depths: list[int],
    nets: int,
    width: int,
    steps: int,
    batch: int,
    log_every: int,
    n_monitor: int,
    n_test: int,
    n_in: int,
    n_out: int,
    dtype: str,
) -> Shapes:
    """One training job's products for one activation, every depth (train.train):
    ``steps`` SGD steps (the update fused into δᵀh), an extra δᵀh before each logged
    step (its update ratio), and at each logged step a forward and backward pass on
    the monitoring set plus a forward pass on the test split."""
    logs = log_steps(steps, log_every)
    n_ratio = sum(1 for t in logs if 0 < t <= steps)
    out: Shapes = Counter()
    for d in depths:
        layers = _layers(n_in, width, d, n_out)
        step = pass_shapes(dtype, nets, batch, layers, weight_layout=True)
        for key, c in step.items():
            out[key] += c * steps
        for fan_in, fan_out in layers:
            out[(dtype, nets, fan_out, batch, fan_in)] += n_ratio
        monitor = pass_shapes(dtype, nets, n_monitor, layers)
        monitor += pass_shapes(dtype, nets, n_test, layers, backward=False)
        for key, c in monitor.items():
            out[key] += c * len(logs)
    return out


def scaled(shapes: Shapes, factor: float) -> Shapes:
    """Every count times ``factor`` (rounded): a slice's tally scaled to the full stage."""
    return Counter({k: int(math.floor(c * factor + 0.5)) for k, c in shapes.items()})
