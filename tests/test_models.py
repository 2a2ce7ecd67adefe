"""The batched ensemble against plain per-model networks (outputs and gradients)."""

from __future__ import annotations

import pytest
import torch

from vanishing.core.activations import get_activation
from vanishing.core.models import EnsembleMLP, ensemble_loss, per_model_loss, reference_mlp

SEEDS = [0, 3, 7]


def _model(name: str, init: str = "xavier", depth: int = 4) -> EnsembleMLP:
    return EnsembleMLP(get_activation(name), init, depth, 12, 6, 3, SEEDS, torch.float64)


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(11)
    x = torch.randn(20, 6, generator=g, dtype=torch.float64)
    return x, torch.randint(0, 3, (20,), generator=g)


@pytest.mark.parametrize("name", ["tanh", "relu", "prelu", "necro_relu", "tanh_n2", "sigmoid"])
def test_batched_outputs_and_gradients_equal_per_model_reference(name: str) -> None:
    model = _model(name)
    x, y = _batch()
    out = model(x)
    ensemble_loss(out.logits, y).backward()
    for i in range(len(SEEDS)):
        ref = reference_mlp(model, i)
        for p in ref.parameters():
            p.requires_grad_(True)
        logits = ref(x)
        torch.testing.assert_close(out.logits[i], logits)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        linears = [m for m in ref if isinstance(m, torch.nn.Linear)]
        for layer, lin in enumerate(linears):
            torch.testing.assert_close(model.weights[layer].grad[i], lin.weight.grad)
            torch.testing.assert_close(model.biases[layer].grad[i, 0], lin.bias.grad)


def test_a_seed_has_the_same_weights_in_any_ensemble() -> None:
    alone = EnsembleMLP(get_activation("relu"), "he", 3, 8, 4, 2, [3], torch.float64)
    shared = _model("relu", "he", 3)
    shared_small = EnsembleMLP(get_activation("relu"), "he", 3, 8, 4, 2, [0, 3], torch.float64)
    for a, b in zip(alone.weights, shared_small.weights, strict=True):
        assert torch.equal(a[0], b[1])
    assert shared.weights[0].shape == (3, 12, 6)


def test_per_model_loss_is_each_networks_mean_cross_entropy() -> None:
    model = _model("tanh")
    x, y = _batch()
    logits = model(x).logits
    losses = per_model_loss(logits, y)
    for i in range(len(SEEDS)):
        assert losses[i].item() == pytest.approx(
            torch.nn.functional.cross_entropy(logits[i], y).item()
        )


def test_keep_exposes_pre_activations_with_gradients() -> None:
    model = _model("tanh", depth=3)
    x, y = _batch()
    out = model(x, keep=True)
    ensemble_loss(out.logits, y).backward()
    assert len(out.pre) == 3 and all(z.grad is not None for z in out.pre)


def test_depth_below_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="depth"):
        _model("relu", depth=0)
