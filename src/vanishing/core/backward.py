"""Forward and backward passes of an ``EnsembleMLP`` written out, without autograd.

``gradients`` calls the kernels autograd calls for the same graph, in the same
order: ``baddbmm`` forward; its backward as two ``bmm`` and a bias sum; the
activation's own ``*_backward`` op; ``log_softmax``/``nll_loss`` backward for
the loss. Its gradients are therefore bit-identical to ``loss.backward()``
(tests/test_backward.py checks it for every activation), while autograd's
bookkeeping (graph nodes, ``retain_grad`` on every layer, ``.grad``
accumulation) is gone. ``sgd_step`` also fuses each weight update into the
matrix product that forms the gradient. At the training grid's shapes (15
networks × batch 32 × width 64) the bookkeeping cost about as much as the
matrix products themselves.

Everything runs on the device and in the dtype of the model's parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

import torch
from torch import Tensor

from .activations import LECUN_A, LECUN_B, NECRO_SLOPE, SELU_ALPHA, SELU_LAMBDA, Activation
from .models import EnsembleMLP

aten = torch.ops.aten

#: ``on_delta(layer, delta, grad_w)``: called for every weight layer, top first
#: (0 = input side), with ∂L/∂z of the layer's output and ∂L/∂W.
DeltaHook = Callable[[int, Tensor, Tensor], None]
#: ``on_pre(layer, z, h)``: called during ``forward`` for every hidden layer (0 =
#: first) with its pre-activation z and activation h = f(z), as soon as computed.
PreHook = Callable[[int, Tensor, Tensor], None]
#: ``(grad_h, z, h, param) → (grad_z, grad_param)`` of one activation.
ActBackward = Callable[[Tensor, Tensor | None, Tensor, Tensor | None], tuple[Tensor, Tensor | None]]


@dataclass
class Trace:
    """What a forward pass keeps for the backward pass."""

    logits: Tensor  # (S, B, n_out)
    inputs: list[Tensor] = field(default_factory=list)  # what each weight layer reads
    pre: list[Tensor | None] = field(default_factory=list)  # hidden pre-activations z

    @property
    def post(self) -> list[Tensor]:
        """Hidden activations h = f(z), (S, B, width) each."""
        return self.inputs[1:]


@dataclass
class Grads:
    """∂L/∂θ of every parameter, L = Σ over networks of each one's mean cross-entropy."""

    weights: list[Tensor]
    biases: list[Tensor]
    act_params: list[Tensor | None] | None  # None when the activation has no parameter


def needs_input(act: Activation) -> bool:
    """Whether the activation's backward reads z (True) or only h = f(z) (False)."""
    return act.name not in ("sigmoid", "relu", "linear") and act.tanh_n is None


@lru_cache(maxsize=64)
def backward_kernel(act: Activation) -> ActBackward:
    """The activation's backward as autograd runs it: the same kernel, same order.

    An activation without a case here goes through autograd on the elementwise
    function alone (correct for any activation, only slower)."""
    name, n, slope = act.name, act.tanh_n, act.negative_slope
    if n is not None:
        if name == "tanh":
            return lambda g, z, h, p: (aten.tanh_backward(g, h), None)
        # tanh(n·z): the chain rule's factor n, as MulBackward applies it.
        return lambda g, z, h, p: (aten.tanh_backward(g, h) * n, None)
    if name == "sigmoid":
        return lambda g, z, h, p: (aten.sigmoid_backward(g, h), None)
    if name == "lecun_tanh":
        # a·tanh(b·z): tanh's backward needs tanh(b·z) itself, which h/a is not exactly.
        return lambda g, z, h, p: (
            aten.tanh_backward(g * LECUN_A, torch.tanh(LECUN_B * _given(z))) * LECUN_B,
            None,
        )
    if name == "relu":
        return lambda g, z, h, p: (aten.threshold_backward(g, h, 0), None)
    if name == "linear":
        return lambda g, z, h, p: (g, None)
    if name.startswith("leaky_relu") and slope is not None:
        return lambda g, z, h, p: (aten.leaky_relu_backward(g, z, slope, False), None)
    if name == "elu":
        return lambda g, z, h, p: (aten.elu_backward(g, 1.0, 1, 1, False, z), None)
    if name == "softplus":
        return lambda g, z, h, p: (aten.softplus_backward(g, z, 1, 20), None)
    if name == "selu":  # F.selu is elu with SELU's α and scale λ
        return lambda g, z, h, p: (
            aten.elu_backward(g, SELU_ALPHA, SELU_LAMBDA, 1, False, z),
            None,
        )
    if name == "gelu":
        return lambda g, z, h, p: (aten.gelu_backward(g, z), None)
    if name == "silu":
        return lambda g, z, h, p: (aten.silu_backward(g, z), None)
    if name == "mish":
        return lambda g, z, h, p: (aten.mish_backward(g, z), None)
    if name == "hard_tanh":
        return lambda g, z, h, p: (aten.hardtanh_backward(g, z, -1.0, 1.0), None)
    if name == "abs":
        return lambda g, z, h, p: (g * _given(z).sgn(), None)
    if name == "necro_relu":
        return _necro_relu_backward
    if name == "prelu":
        return _prelu_backward
    return lambda g, z, h, p: _autograd_backward(act, g, z, p)


def _given(z: Tensor | None) -> Tensor:
    """z, which the forward pass keeps for every activation that ``needs_input``."""
    return cast(Tensor, z)


def _necro_relu_backward(
    g: Tensor, z: Tensor | None, h: Tensor, p: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    x = _given(z)
    return g * torch.where(x > 0, torch.ones_like(x), torch.full_like(x, NECRO_SLOPE)), None


def _prelu_backward(
    g: Tensor, z: Tensor | None, h: Tensor, a: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    # torch.where(z >= 0, z, a·z). Autograd adds the two branches' gradients, one of
    # which is exactly 0 at every element, so selecting gives the same sum; a's
    # gradient is the sum over (batch, unit) of g·z where z < 0.
    assert z is not None and a is not None
    pos = z >= 0
    neg_g = torch.where(pos, torch.zeros((), dtype=g.dtype, device=g.device), g)
    return torch.where(pos, g, g * a), (neg_g * z).sum(dim=(1, 2), keepdim=True)


def _autograd_backward(
    act: Activation, grad: Tensor, z: Tensor | None, param: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    assert z is not None
    with torch.enable_grad():
        zz = z.detach().requires_grad_(True)
        pp = None if param is None else param.detach().requires_grad_(True)
        got = torch.autograd.grad(act(zz, pp), [zz] if pp is None else [zz, pp], grad)
    return got[0], (got[1] if pp is not None else None)


def act_backward(
    act: Activation, grad: Tensor, z: Tensor | None, h: Tensor, param: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    """(∂L/∂z, ∂L/∂param) from ∂L/∂h = ``grad``, as autograd computes them."""
    return backward_kernel(act)(grad, z, h, param)


def _tensors(model: EnsembleMLP) -> tuple[list[Tensor], list[Tensor], list[Tensor | None]]:
    """Weights, biases and activation parameters (None where a layer has none) as
    plain lists: indexing a ParameterList runs Python that, at width 64, costs a
    few per cent of a layer's arithmetic."""
    ws = list(model.weights._parameters.values())
    bs = list(model.biases._parameters.values())
    ps: list[Tensor | None] = (
        [None] * model.depth
        if model.act_params is None
        else list(model.act_params._parameters.values())
    )
    return ws, bs, ps  # type: ignore[return-value]


def _expand(model: EnsembleMLP, x: Tensor) -> Tensor:
    return x.unsqueeze(0).expand(model.n_models, -1, -1) if x.dim() == 2 else x


@torch.no_grad()
def forward(
    model: EnsembleMLP, x: Tensor, keep_pre: bool | None = None, on_pre: PreHook | None = None
) -> Trace:
    """Forward pass of every network, keeping each layer's input for the backward pass.

    x: (B, n_in) shared by all networks, or (S, B, n_in). Pre-activations are kept
    where the activation's backward needs them, or always with ``keep_pre``;
    ``on_pre`` sees each hidden layer's z and h while they are fresh in cache."""
    ws, bs, ps = _tensors(model)
    fn = model.activation.fn
    keep = needs_input(model.activation) if keep_pre is None else keep_pre
    h = _expand(model, x)
    trace = Trace(logits=h, inputs=[h])
    for i, (w, b, p) in enumerate(zip(ws[:-1], bs[:-1], ps, strict=True)):
        z = torch.baddbmm(b, h, w.transpose(1, 2))
        h = fn(z, p)
        if on_pre is not None:
            on_pre(i, z, h)
        trace.pre.append(z if keep else None)
        trace.inputs.append(h)
    trace.logits = torch.baddbmm(bs[-1], h, ws[-1].transpose(1, 2))
    return trace


@torch.no_grad()
def logits(model: EnsembleMLP, x: Tensor) -> Tensor:
    """Forward pass that keeps nothing but the output, (S, B, n_out)."""
    ws, bs, ps = _tensors(model)
    fn = model.activation.fn
    h = _expand(model, x)
    for w, b, p in zip(ws[:-1], bs[:-1], ps, strict=True):
        h = fn(torch.baddbmm(b, h, w.transpose(1, 2)), p)
    return torch.baddbmm(bs[-1], h, ws[-1].transpose(1, 2))


def _targets(y: Tensor, s: int) -> Tensor:
    return (y.unsqueeze(0).expand(s, -1) if y.dim() == 1 else y).reshape(-1, 1)


@torch.no_grad()
def losses(logits: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy of each network, (S,), as ``models.per_model_loss``."""
    s, b, c = logits.shape
    logp = torch.log_softmax(logits.reshape(s * b, c), 1)
    return -logp.gather(1, _targets(y, s)).squeeze(1).reshape(s, b).mean(dim=1)


@torch.no_grad()
def output_delta(
    logits: Tensor, y: Tensor, with_loss: bool = False
) -> tuple[Tensor, Tensor | None]:
    """∂L/∂logits for L = Σ_networks mean cross-entropy (and the per-network losses).

    Written as autograd runs it: nll_loss's backward puts −1/B at each target and
    log_softmax's backward turns that into (softmax − one-hot)/B."""
    s, b, c = logits.shape
    logp = torch.log_softmax(logits.reshape(s * b, c), 1)
    target = _targets(y, s)
    loss = -logp.gather(1, target).squeeze(1).reshape(s, b).mean(dim=1) if with_loss else None
    # mean's backward: 1/B as a division in the tensor's dtype.
    inv_b = torch.ones((), dtype=logp.dtype, device=logp.device) / b
    gout = torch.zeros_like(logp).scatter_(1, target, (-inv_b).expand(s * b, 1))
    delta = torch._log_softmax_backward_data(gout, logp, 1, logp.dtype)
    return delta.reshape(s, b, c), loss


@torch.no_grad()
def backward(
    model: EnsembleMLP,
    trace: Trace,
    delta: Tensor,
    on_delta: DeltaHook | None = None,
    keep: bool = True,
) -> Grads | None:
    """∂L/∂θ of every parameter from ``delta`` = ∂L/∂logits, as autograd computes them.

    ``on_delta`` sees each layer's δ and weight gradient as soon as they are known,
    so a caller can reduce them without keeping every δ. Without ``keep`` the caller
    reads everything through ``on_delta``: no gradient is kept or returned (nor a
    bias gradient formed), and the trace's tensors are released as the pass goes
    down, so at most one layer's worth of them is alive beyond the forward pass."""
    ws, _, ps = _tensors(model)
    kernel = backward_kernel(model.activation)
    depth = model.depth
    grads = Grads([delta] * (depth + 1), [delta] * (depth + 1), [None] * depth)
    for layer in range(depth, -1, -1):
        h_in = trace.inputs[layer]
        # baddbmm's backward: batch2 = Wᵀ gets h_inᵀ·δ (then transposed onto W);
        # self (the broadcast bias) gets δ summed over the batch.
        g_w = torch.bmm(h_in.transpose(1, 2), delta).transpose(1, 2)
        if on_delta is not None:
            on_delta(layer, delta, g_w)
        if keep:
            grads.weights[layer] = g_w
            grads.biases[layer] = delta.sum(dim=1, keepdim=True)
        if layer:
            g_h = torch.bmm(delta, ws[layer])
            delta, g_a = kernel(g_h, trace.pre[layer - 1], h_in, ps[layer - 1])
            if keep:
                grads.act_params[layer - 1] = g_a  # type: ignore[index]
            else:
                trace.inputs[layer] = trace.pre[layer - 1] = None  # type: ignore[call-overload]
    if not keep:
        return None
    if model.act_params is None:
        grads.act_params = None
    return grads


def gradients(model: EnsembleMLP, x: Tensor, y: Tensor) -> tuple[Trace, Grads, Tensor]:
    """One forward + backward pass keeping everything: (trace, gradients, losses)."""
    trace = forward(model, x, keep_pre=True)
    delta, loss = output_delta(trace.logits, y, with_loss=True)
    grads = backward(model, trace, delta)
    assert loss is not None and grads is not None
    return trace, grads, loss


@torch.no_grad()
def sgd_step(
    model: EnsembleMLP, x: Tensor, y: Tensor, lr: float, on_delta: DeltaHook | None = None
) -> None:
    """One plain-SGD step θ ← θ − lr·∂L/∂θ of every network on its own batch
    (x: (S, B, n_in), y: (S, B)); ``on_delta`` as in ``backward``, before the update.

    Each parameter is updated as soon as its gradient is known (a weight only after
    δ has passed through it), and the weight update is one fused kernel,
    W ← W − lr·δᵀh_in (``baddbmm_``): no gradient tensor is formed. The result equals
    ``loss.backward()`` followed by ``p.sub_(lr * p.grad)`` up to float rounding
    (tests/test_backward.py), not bit for bit: the fused kernel rounds once where
    the two-step update rounds twice."""
    ws, bs, ps = _tensors(model)
    kernel = backward_kernel(model.activation)
    trace = forward(model, x)
    delta, _ = output_delta(trace.logits, y)
    for layer in range(model.depth, -1, -1):
        w, h_in = ws[layer], trace.inputs[layer]
        d_t = delta.transpose(1, 2)
        if on_delta is not None:
            on_delta(layer, delta, torch.bmm(d_t, h_in))
        g_b = delta.sum(dim=1, keepdim=True)
        if layer:
            p = ps[layer - 1]
            g_h = torch.bmm(delta, w)  # before W moves
            w.baddbmm_(d_t, h_in, alpha=-lr)
            delta, g_p = kernel(g_h, trace.pre[layer - 1], h_in, p)
            if p is not None and g_p is not None:
                p.add_(g_p, alpha=-lr)
        else:
            w.baddbmm_(d_t, h_in, alpha=-lr)
        bs[layer].add_(g_b, alpha=-lr)
