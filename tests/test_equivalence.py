"""tanh(n·x) vs rescaled tanh(x): the functional stack, the optimisers, the derived
mappings, and the A14/A15 checks."""

from __future__ import annotations

import pytest
import torch

from vanishing.core.activations import get_activation
from vanishing.core.models import EnsembleMLP
from vanishing.studies import equivalence as eq

TINY = {
    "steps": 6,
    "seeds": [0, 1],
    "depth": 2,
    "width": 6,
    "ns": [1.0, 3.0],
    "output_ns": [1.0, 3.0],
    "record_every": 2,
    "batch_size": 16,
    "gd_examples": 16,
}


def _x(m: int = 2) -> torch.Tensor:
    return torch.randn(m, 7, 64, generator=torch.Generator().manual_seed(3), dtype=torch.float64)


def test_stack_with_scale_n_is_the_projects_tanh_n_net() -> None:
    model = EnsembleMLP(get_activation("tanh_n3"), "lecun", 2, 6, 64, 10, [0, 1], torch.float64)
    stack = eq.Stack(
        [w.detach() for w in model.weights],
        [b.detach() for b in model.biases],
        torch.full((2, 1, 1), 3.0, dtype=torch.float64),
    )
    torch.testing.assert_close(stack.logits(_x()), model(_x()).logits.detach())


def test_output_identity_hidden_only() -> None:
    out = eq.output_identity(eq.Params(**TINY))
    assert out[out["scaled"] == "hidden"]["rel_diff"].max() < 1e-12
    control = out[(out["scaled"] == "all") & (out["n"] == 3)]
    assert control["rel_diff"].min() > 1e-3


def _torch_reference(kind: str, steps: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    w = torch.randn(1, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.01) if kind == "adam" else torch.optim.SGD([w], lr=0.01)
    x = torch.randn(1, 5, 4, generator=g, dtype=torch.float64)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (torch.bmm(x, w.transpose(1, 2)).tanh() ** 2).sum().backward()
        opt.step()
        out.append(w.detach().clone())
    return out


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_optimiser_matches_torch_optim(kind: str) -> None:
    expected = _torch_reference(kind, 5)
    g = torch.Generator().manual_seed(0)
    w = torch.randn(1, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    x = torch.randn(1, 5, 4, generator=g, dtype=torch.float64)
    # A one-layer "stack": its only layer is the output layer (lr_output applies).
    stack = eq.Stack(
        [w],
        [torch.zeros(1, 1, 3, dtype=torch.float64, requires_grad=True)],
        torch.ones(1, 1, 1, dtype=torch.float64),
    )
    one = torch.full((1, 1, 1), 0.01, dtype=torch.float64)
    eps = torch.full((1, 1, 1), eq.ADAM_EPS, dtype=torch.float64)
    opt = eq.Optimiser(kind, one * 0, one, eps, eps)
    for want in expected:
        loss = (torch.bmm(x, w.transpose(1, 2)).tanh() ** 2).sum()
        grads = torch.autograd.grad(loss, stack.params(), allow_unused=True)
        opt.step(
            stack,
            [
                gr if gr is not None else torch.zeros_like(p)
                for gr, p in zip(grads, stack.params(), strict=True)
            ],
        )
        torch.testing.assert_close(w.detach(), want)


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "adam"])
def test_derived_mapping_coincides_and_others_do_not(optimizer: str) -> None:
    _, summary = eq.compare(eq.Params(**TINY), optimizer)
    n3 = summary[summary["n"] == 3].set_index(["mapping", "seed"])["max_abs_loss_diff"]
    assert n3.loc["exact"].max() < 1e-12
    assert n3.loc["same_lr"].min() > 1e-6 and n3.loc["lr_x_n"].min() > 1e-6
    # n = 1: every mapping is the identity.
    assert summary[summary["n"] == 1]["max_abs_loss_diff"].max() < 1e-12
    # The parameters themselves agree: u = n·θ on hidden layers at the end of the run.
    assert (
        summary[(summary["n"] == 3) & (summary["mapping"] == "exact")]["max_param_diff"].max()
        < 1e-10
    )
