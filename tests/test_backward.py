"""The hand-written forward/backward pass (backward.py) against autograd."""

from __future__ import annotations

import pytest
import torch

from vanishing.core import backward as bw
from vanishing.core.activations import Activation, fixed_names, get_activation
from vanishing.core.gradients import silent_units, stuck_units
from vanishing.core.models import EnsembleMLP, ensemble_loss, per_model_loss

NAMES = [*fixed_names(), "tanh_n2", "tanh_n0.5", "leaky_relu0.2"]


def _setup(name: str, dtype: torch.dtype, batch: int = 24, act: Activation | None = None):
    act = act or get_activation(name)
    model = EnsembleMLP(act, "he", 4, 9, 6, 4, [0, 1, 2], dtype)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(batch, 6, generator=g, dtype=dtype)
    y = torch.randint(0, 4, (batch,), generator=g)
    if act.has_param:  # slopes that differ per network, so their gradients are tested
        with torch.no_grad():
            for i, p in enumerate(model.act_params):
                p.copy_(torch.tensor([0.1, 0.25, -0.3], dtype=dtype).view(3, 1, 1) * (i + 1))
    return model, x, y


def _autograd(model: EnsembleMLP, x: torch.Tensor, y: torch.Tensor):
    model.zero_grad(set_to_none=True)
    fwd = model(x, keep=True)
    fwd.logits.retain_grad()
    losses = per_model_loss(fwd.logits, y)
    ensemble_loss(fwd.logits, y).backward()
    return fwd, losses


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", NAMES)
def test_gradients_are_bit_identical_to_autograd(name: str, dtype: torch.dtype) -> None:
    model, x, y = _setup(name, dtype)
    fwd, losses = _autograd(model, x, y)
    deltas: dict[int, torch.Tensor] = {}
    trace = bw.forward(model, x, keep_pre=True)
    delta, loss = bw.output_delta(trace.logits, y, with_loss=True)
    grads = bw.backward(model, trace, delta, on_delta=lambda i, d, g: deltas.setdefault(i, d))
    assert torch.equal(trace.logits, fwd.logits) and torch.equal(loss, losses)
    for z_ref, z, h_ref, h in zip(fwd.pre, trace.pre, fwd.post, trace.post, strict=True):
        assert torch.equal(z, z_ref) and torch.equal(h, h_ref)
    for i, (w, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        assert torch.equal(grads.weights[i], w.grad), f"weight {i}"
        assert torch.equal(grads.biases[i], b.grad), f"bias {i}"
    # δ = ∂L/∂z of every layer, the logits' included.
    for i, z in enumerate([*fwd.pre, fwd.logits]):
        assert torch.equal(deltas[i], z.grad), f"delta {i}"
    if model.act_params is not None:
        assert grads.act_params is not None
        for i, p in enumerate(model.act_params):
            assert torch.equal(grads.act_params[i], p.grad), f"activation parameter {i}"


def test_an_activation_without_a_kernel_goes_through_autograd() -> None:
    cube = Activation("cube", lambda z, _: z * z * z)
    model, x, y = _setup("cube", torch.float64, act=cube)
    _autograd(model, x, y)
    _, grads, _ = bw.gradients(model, x, y)
    for w, g in zip(model.weights, grads.weights, strict=True):
        torch.testing.assert_close(g, w.grad, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["tanh", "relu", "prelu", "necro_relu", "sigmoid"])
def test_sgd_step_follows_autograd_sgd(name: str) -> None:
    """Five fused steps = five steps of loss.backward() and p -= lr·p.grad (to rounding)."""
    ref, x, y = _setup(name, torch.float64)
    fast, _, _ = _setup(name, torch.float64)
    g = torch.Generator().manual_seed(5)
    for _ in range(5):
        idx = torch.randint(0, len(x), (3, 8), generator=g)
        xb, yb = x[idx], y[idx]
        ref.zero_grad(set_to_none=True)
        ensemble_loss(ref(xb).logits, yb).backward()
        with torch.no_grad():
            for p in ref.parameters():
                p.sub_(0.1 * p.grad)
        bw.sgd_step(fast, xb, yb, 0.1)
    for a, b in zip(ref.parameters(), fast.parameters(), strict=True):
        torch.testing.assert_close(b, a, rtol=1e-12, atol=1e-14)


def test_sgd_step_hook_sees_the_gradient_before_the_update() -> None:
    model, x, y = _setup("tanh", torch.float64)
    xb, yb = x.unsqueeze(0).expand(3, -1, -1), y.unsqueeze(0).expand(3, -1)
    _autograd(model, x, y)
    want = [w.grad.clone() for w in model.weights]
    seen: dict[int, torch.Tensor] = {}
    bw.sgd_step(model, xb, yb, 0.1, on_delta=lambda i, d, g: seen.setdefault(i, g.clone()))
    for i, w in enumerate(want):
        torch.testing.assert_close(seen[i], w, rtol=1e-12, atol=1e-15)


def test_sgd_step_is_deterministic() -> None:
    runs = []
    for _ in range(2):
        model, x, y = _setup("relu", torch.float32)
        for t in range(3):
            bw.sgd_step(model, x[t : t + 8].expand(3, -1, -1), y[t : t + 8].expand(3, -1), 0.05)
        runs.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*runs, strict=True))


def test_a_many_init_ensemble_keeps_each_networks_numbers() -> None:
    act = get_activation("tanh")
    parts = [EnsembleMLP(act, i, 3, 8, 6, 4, [0, 1], torch.float64) for i in ("he", "xavier")]
    big = EnsembleMLP(act, ["he", "xavier"], 3, 8, 6, 4, [0, 1], torch.float64)
    assert big.seeds == [0, 1, 0, 1] and big.n_models == 4
    for layer, w in enumerate(big.weights):
        assert torch.equal(w, torch.cat([p.weights[layer] for p in parts]))
    x = torch.randn(10, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = torch.arange(10) % 4
    _, grads, loss = bw.gradients(big, x, y)
    for k, part in enumerate(parts):
        _, g_part, l_part = bw.gradients(part, x, y)
        assert torch.equal(loss[2 * k : 2 * k + 2], l_part)
        for a, b in zip(grads.weights, g_part.weights, strict=True):
            assert torch.equal(a[2 * k : 2 * k + 2], b)


def test_a_diverged_unit_is_silent_and_stuck_not_alive() -> None:
    nan, inf = float("nan"), float("inf")
    z = torch.tensor([[[1.0, -1.0, nan, -1.0, nan], [2.0, -2.0, nan, inf, 3.0]]])
    # Alive = some finite positive pre-activation: units 0 and 4; 2 and 3 are not.
    assert silent_units(z).tolist() == [[False, True, True, True, False]]
    g = torch.tensor([[[0.0, 0.0], [0.0, 1e-30], [nan, nan], [inf, 0.0], [nan, 1.0]]])
    # Stuck = no finite non-zero gradient entry in the unit's incoming row.
    assert stuck_units(g).tolist() == [[True, False, True, True, False]]
