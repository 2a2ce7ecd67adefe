"""B8 and B13: back-propagation written out by hand, against autograd.

1. manual_vs_autograd: δ-recursion on an ensemble MLP (tanh: f′ = 1 − h²,
   ReLU: f′ = [h > 0], both read off the layer's *output* h), compared with
   autograd's weight gradients and pre-activation gradients, per layer.
2. never_fire: ReLU nets where one unit per chosen layer starts with a very
   negative bias; per step its largest pre-activation and its gradient.
3. tanh_derivative (JSON): 1 − y² vs autograd's tanh derivative (max abs
   difference), and the operations each way of computing the derivative
   dispatches (counted: context for B8, the same on every machine).
4. tanh_timing (CSV, declared machine-dependent in the manifest): wall-clock
   time of tanh's derivative computed from the saved output y (1 − y·y) and
   recomputed from the input x (1 − tanh(x)²), in interleaved repeats, one row
   per repeat. B8's "cheaper" is decided on these times. They differ from run
   to run and machine to machine, so this table is the one output of the study
   that is not byte-identical between rebuilds; the byte-identity comparisons
   skip it by that declaration (``pipeline.MACHINE_DEPENDENT``). Timings of
   autograd's tanh backward and of a whole hand-written backward pass vs
   autograd's go to the job's log only.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode

from ..core.activations import get_activation
from ..core.data import digits, probe_batch
from ..core.models import EnsembleMLP, per_model_loss
from ..machinery.params.backprop import Params
from ..machinery.tables import Tables
from ._small import dtype, forward_all, log, write_csv, write_json

# f′ expressed through the layer output h = f(s): what the source's formulas use.
DERIV_FROM_OUTPUT: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": lambda h: 1 - h * h,
    "relu": lambda h: (h > 0).to(h.dtype),
}


def manual_backward(model: EnsembleMLP, x: Tensor, y: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """Weight gradients and ∂L/∂s per layer by the δ-recursion (row-vector
    convention z = h Wᵀ + b). L = sum over networks of the mean cross-entropy."""
    fwd = forward_all(model, x)
    s, b, c = fwd.logits.shape
    onehot = torch.nn.functional.one_hot(y, c).to(fwd.logits.dtype)
    d_z = (torch.softmax(fwd.logits, -1) - onehot) / b  # ∂L/∂z at the output
    fprime = DERIV_FROM_OUTPUT[model.activation.name]
    inputs = [x.to(d_z.dtype).unsqueeze(0).expand(s, -1, -1), *fwd.post]
    grads_w: list[Tensor] = [None] * (model.depth + 1)  # type: ignore[list-item]
    d_pre: list[Tensor] = [None] * model.depth  # type: ignore[list-item]
    for layer in range(model.depth, -1, -1):
        grads_w[layer] = torch.bmm(d_z.transpose(1, 2), inputs[layer])
        if layer == 0:
            break
        d_h = torch.bmm(d_z, model.weights[layer])  # δ = ∂L/∂h of the layer below
        d_z = d_h * fprime(fwd.post[layer - 1])
        d_pre[layer - 1] = d_z
    return grads_w, d_pre


def autograd_backward(
    model: EnsembleMLP, x: Tensor, y: Tensor
) -> tuple[list[Tensor], list[Tensor]]:
    model.zero_grad(set_to_none=True)
    fwd = model(x.to(model.weights[0].dtype), keep=True)
    per_model_loss(fwd.logits, y).sum().backward()
    return [w.grad.detach().clone() for w in model.weights], [z.grad.detach() for z in fwd.pre]


def compare(p: Params) -> pd.DataFrame:
    x, y = probe_batch(digits(), p.batch_size)
    x = x.double()
    rows = []
    for name in p.activations:
        init = "he" if name == "relu" else "xavier"
        for depth in p.depths:
            model = EnsembleMLP(
                get_activation(name), init, depth, p.width, x.shape[1], 10, p.seeds, torch.float64
            )
            gw_auto, dz_auto = autograd_backward(model, x, y)
            with torch.no_grad():
                gw_man, dz_man = manual_backward(model, x, y)
            for layer in range(depth + 1):
                for kind, a, m in (("weight_grad", gw_auto, gw_man), ("delta", dz_auto, dz_man)):
                    if kind == "delta" and layer == depth:
                        continue
                    diff = (a[layer] - m[layer]).flatten(1)
                    ref = a[layer].flatten(1)
                    for i, seed in enumerate(p.seeds):
                        rows.append(
                            {
                                "activation": name,
                                "init": init,
                                "depth": depth,
                                "seed": seed,
                                "layer": layer + 1,
                                "quantity": kind,
                                "max_abs_diff": float(diff[i].abs().max()),
                                "rel_diff": float(diff[i].norm() / ref[i].norm())
                                if ref[i].norm() > 0
                                else 0.0,
                                "ref_norm": float(ref[i].norm()),
                            }
                        )
        log.info("manual backward %s done", name)
    return pd.DataFrame(rows)


def never_fire(p: Params) -> pd.DataFrame:
    ds = digits()
    x, y = ds.x_train.double(), ds.y_train
    model = EnsembleMLP(
        get_activation("relu"),
        "he",
        p.dead_depth,
        p.width,
        ds.n_in,
        ds.n_out,
        p.seeds,
        torch.float64,
    )
    with torch.no_grad():
        for layer in p.dead_layers:
            model.biases[layer - 1][:, 0, 0] = p.dead_bias  # unit 0 of that layer
    opt = torch.optim.SGD(model.parameters(), lr=p.dead_lr)
    rows = []
    for step in range(p.dead_steps + 1):
        opt.zero_grad(set_to_none=True)
        fwd = model(x, keep=True)
        loss = per_model_loss(fwd.logits, y)
        loss.sum().backward()
        for layer in p.dead_layers:
            pre = fwd.pre[layer - 1].detach()[..., 0]
            w, b = model.weights[layer - 1], model.biases[layer - 1]
            unit_grad = torch.maximum(w.grad[:, 0, :].abs().amax(1), b.grad[:, 0, 0].abs())
            # the other units of the same layer, to show the layer does learn
            others = w.grad[:, 1:, :].abs().flatten(1).amax(1)
            for i, seed in enumerate(p.seeds):
                rows.append(
                    {
                        "seed": seed,
                        "step": step,
                        "layer": layer,
                        "unit_pre_max": float(pre[i].max()),
                        "unit_grad_abs_max": float(unit_grad[i]),
                        "other_units_grad_abs_max": float(others[i]),
                        "loss": float(loss.detach()[i]),
                    }
                )
        if step < p.dead_steps:
            opt.step()
    return pd.DataFrame(rows)


# Elementwise functions that evaluate an exponential/hyperbolic function (tens of
# flops each), as opposed to a multiply or subtract.
TRANSCENDENTAL = ("tanh", "cosh", "sinh", "exp", "expm1", "log", "log1p", "sigmoid")


class _CountOps(TorchFunctionMode):
    """Records the name of every torch function a block of code calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls.append(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


def count_ops(fn: Callable[[], object]) -> tuple[int, int]:
    """(elementwise operations, of which transcendental) that ``fn`` dispatches."""
    with _CountOps() as c:
        fn()
    return len(c.calls), sum(1 for name in c.calls if name.strip("_") in TRANSCENDENTAL)


def _median_time(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    fn()  # warm-up (allocator, dispatch caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    q = statistics.quantiles(times, n=4)
    return statistics.median(times), q[0], q[2]


def tanh_derivative(p: Params) -> dict:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(p.timing_numel, generator=g, dtype=torch.float64) * 3
    xr = x.clone().requires_grad_(True)
    yr = torch.tanh(xr)
    (auto,) = torch.autograd.grad(yr, xr, torch.ones_like(yr), retain_graph=True)
    y = yr.detach()
    from_y = 1 - y * y
    out = {
        "numel": p.timing_numel,
        "max_abs_diff_from_y_vs_autograd": float((from_y - auto).abs().max()),
        "max_abs_diff_sech2_vs_autograd": float((1 / torch.cosh(x) ** 2 - auto).abs().max()),
        # PyTorch's own tanh backward keeps the output, not the input
        "torch_tanh_saves_result": hasattr(yr.grad_fn, "_saved_result"),
        "torch_tanh_saves_input": hasattr(yr.grad_fn, "_saved_self"),
    }
    ones = torch.ones_like(y)
    methods: dict[str, Callable[[], object]] = {
        "from_output_1_minus_y2": lambda: 1 - y * y,
        "from_input_1_minus_tanh2": lambda: 1 - torch.tanh(x) ** 2,
        "from_input_sech2": lambda: 1 / torch.cosh(x) ** 2,
        "autograd_tanh_backward": lambda: torch.autograd.grad(yr, xr, ones, retain_graph=True),
    }
    for name in ("from_output_1_minus_y2", "from_input_1_minus_tanh2", "from_input_sech2"):
        out[f"ops_{name}"], out[f"ops_transcendental_{name}"] = count_ops(methods[name])
    for name, fn in methods.items():
        _log_time(name, fn, p.timing_repeats)
    # a whole backward pass: the δ-recursion above vs autograd's
    xb, yb = probe_batch(digits(), p.batch_size)
    model = EnsembleMLP(
        get_activation("tanh"),
        "xavier",
        max(p.depths),
        p.width,
        xb.shape[1],
        10,
        p.seeds,
        torch.float64,
    )

    def manual() -> None:
        with torch.no_grad():
            manual_backward(model, xb.double(), yb)

    def autograd_net() -> None:
        autograd_backward(model, xb.double(), yb)

    for name, fn in (("manual_net", manual), ("autograd_net", autograd_net)):
        _log_time(name, fn, p.timing_repeats)
    return out


# Calls of each side before the timed repeats (allocator, dispatch caches, page faults of
# the preallocated buffers' first touch, CPU frequency ramp).
TIMING_WARMUP = 5


def tanh_timing(p: Params) -> pd.DataFrame:
    """B8's timing: tanh′ at the same points from the saved output y and recomputed from
    the input x, one row per interleaved repeat (machine-dependent).

    The two sides do the same work apart from what the claim is about, recomputing
    tanh(x):
    - the same dtype (``timing_dtype``) and number of elements on both sides, both
      inputs contiguous;
    - the same derivative kernel, 1 − t·t as one fused ``addcmul`` written into the
      same preallocated output, with t = y (saved by the forward pass, so free) or
      t = tanh(x) (recomputed into a preallocated buffer of the same size);
    - no allocation inside the timed region on either side: a fresh tensor per call
      would time the allocator (and its page faults on first touch), and the from-x side
      would pay for one more of them than the arithmetic costs;
    - the order alternates (from y first in even repeats, from x first in odd ones),
      so a drift of the machine (clock, cache, another process) falls on both sides
      equally, and each side is warmed up first.
    The process runs with the pipeline's one thread per job.
    """
    dt = dtype(p.timing_dtype)
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(p.timing_numel, generator=g, dtype=torch.float64) * 3).to(dt)
    y = torch.tanh(x)  # what the forward pass saved
    one = torch.ones((), dtype=dt)
    out = torch.empty_like(x)  # the derivative, written in place by both sides
    t = torch.empty_like(x)  # the from-x side's recomputed tanh(x)

    def from_y() -> Tensor:
        return torch.addcmul(one, y, y, value=-1, out=out)

    def from_x() -> Tensor:
        torch.tanh(x, out=t)
        return torch.addcmul(one, t, t, value=-1, out=out)

    # both sides compute the same derivative, bit for bit (the same tanh kernel made y)
    if not torch.equal(from_y().clone(), from_x()):
        raise RuntimeError("tanh derivative from y and from x differ: not the same work")
    for _ in range(TIMING_WARMUP):
        from_y()
        from_x()
    rows = []
    for r in range(p.timing_repeats):
        order = (("from_y", from_y), ("from_x", from_x))
        if r % 2:
            order = order[::-1]
        times = {}
        for name, fn in order:
            t0 = time.perf_counter()
            fn()
            times[name] = time.perf_counter() - t0
        rows.append(
            {
                "repeat": r,
                "first": order[0][0],
                "numel": p.timing_numel,
                "dtype": p.timing_dtype,
                "threads": torch.get_num_threads(),
                "time_from_y_s": times["from_y"],
                "time_from_x_s": times["from_x"],
            }
        )
    df = pd.DataFrame(rows)
    log.info(
        "time tanh derivative from y: median %.3g ms, from x: median %.3g ms (%d repeats)",
        df["time_from_y_s"].median() * 1e3,
        df["time_from_x_s"].median() * 1e3,
        len(df),
    )
    return df


def _log_time(name: str, fn: Callable[[], object], repeats: int) -> None:
    med, q1, q3 = _median_time(fn, repeats)
    log.info("time %s: median %.3g ms (IQR %.3g-%.3g ms)", name, med * 1e3, q1 * 1e3, q3 * 1e3)


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    write_csv(compare(p), outputs["compare"])
    write_csv(never_fire(p), outputs["never_fire"])
    write_json(tanh_derivative(p), outputs["tanh"])
    write_csv(tanh_timing(p), outputs["timing"])
