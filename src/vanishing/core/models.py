"""Ensembles of plain MLPs, batched over networks with ``torch.baddbmm``.

One ``EnsembleMLP`` holds S independent networks of the same shape (one per
seed) as stacked weights of shape (S, fan_out, fan_in). A forward pass costs
one batched matmul per layer instead of S small ones, and gives bit-identical
results across processes (see the design notes).

Depth counts hidden layers: depth 4 is input → 4 hidden layers → output, i.e.
5 weight matrices, as in source D's "4 hidden layers".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from .activations import PRELU_INIT, Activation
from .inits import init_weights


def seed_generator(seed: int, salt: int = 0) -> torch.Generator:
    """A generator for one network; ``salt`` separates streams (weights vs data order)."""
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + salt)


@dataclass
class Forward:
    """What one forward pass leaves behind for the gradient statistics."""

    logits: Tensor  # (S, B, n_out)
    pre: list[Tensor] = field(default_factory=list)  # hidden pre-activations, (S, B, width)
    post: list[Tensor] = field(default_factory=list)  # hidden activations, (S, B, width)


class EnsembleMLP(torch.nn.Module):
    """S MLPs with the same architecture and independent weights.

    ``init`` names one scheme, or several: then the ensemble holds every (init, seed)
    network, init-major, and network (init, seed) has exactly the weights it has in
    ``EnsembleMLP(..., init, [seed])`` (one generator per network, drawn alike).
    One ensemble for every init of a grid costs one set of parameter lists instead
    of one per init, which at probe sizes took a fifth of a job."""

    def __init__(
        self,
        activation: Activation,
        init: str | Sequence[str],
        depth: int,
        width: int,
        n_in: int,
        n_out: int,
        seeds: list[int],
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        inits = [init] if isinstance(init, str) else list(init)
        self.activation = activation
        self.init = "+".join(inits)
        self.depth = depth
        self.seeds = [seed for _ in inits for seed in seeds]
        sizes = [n_in] + [width] * depth + [n_out]
        weights: list[list[Tensor]] = [[] for _ in range(depth + 1)]
        # One generator per seed, so network i's weights do not depend on which
        # other seeds share the ensemble (or on the activation: paired comparisons).
        for name in inits:
            for seed in seeds:
                g = seed_generator(seed)
                for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
                    weights[layer].append(init_weights(name, (1, fan_out, fan_in), g))
        self.weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.cat(w).to(device=device, dtype=dtype)) for w in weights
        )
        # Zero biases for every scheme: the sources and the mean-field analysis
        # (σ_b = 0) both leave the bias out of the picture.
        self.biases = torch.nn.ParameterList(
            torch.nn.Parameter(torch.zeros(len(self.seeds), 1, fo, device=device, dtype=dtype))
            for fo in sizes[1:]
        )
        self.act_params: torch.nn.ParameterList | None
        if activation.has_param:
            self.act_params = torch.nn.ParameterList(
                torch.nn.Parameter(
                    torch.full((len(self.seeds), 1, 1), PRELU_INIT, device=device, dtype=dtype)
                )
                for _ in range(depth)
            )
        else:
            self.act_params = None

    @property
    def n_models(self) -> int:
        return len(self.seeds)

    def forward(self, x: Tensor, keep: bool = False) -> Forward:
        """x: (B, n_in) shared by all networks, or (S, B, n_in) one batch each.

        With ``keep`` the hidden pre- and post-activations are returned; when
        autograd is on they also retain their gradients, so the back-propagated
        δ = ∂L/∂pre of every layer can be read after backward(). Under no_grad
        it is a cheap way to read the hidden activations.
        """
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.n_models, -1, -1)
        out = Forward(logits=x)
        h = x
        for layer in range(self.depth + 1):
            z = torch.baddbmm(self.biases[layer], h, self.weights[layer].transpose(1, 2))
            if layer == self.depth:
                out.logits = z
                break
            if keep:
                if z.requires_grad:
                    z.retain_grad()
                out.pre.append(z)
            param = self.act_params[layer] if self.act_params is not None else None
            h = self.activation(z, param)
            if keep:
                out.post.append(h)
        return out


def per_model_loss(logits: Tensor, y: Tensor) -> Tensor:
    """Cross-entropy of each network, (S,). y: (B,) or (S, B) class indices."""
    s, b, c = logits.shape
    if y.dim() == 1:
        y = y.unsqueeze(0).expand(s, -1)
    ce = torch.nn.functional.cross_entropy(
        logits.reshape(s * b, c), y.reshape(s * b), reduction="none"
    )
    return ce.reshape(s, b).mean(dim=1)


def ensemble_loss(logits: Tensor, y: Tensor) -> Tensor:
    """Sum of the per-network losses: its gradient w.r.t. network i's weights is
    exactly network i's own gradient, because the networks share nothing."""
    return per_model_loss(logits, y).sum()


def reference_mlp(model: EnsembleMLP, index: int) -> torch.nn.Sequential:
    """Network ``index`` of the ensemble as a plain nn.Sequential (for tests)."""
    layers: list[torch.nn.Module] = []
    for layer in range(model.depth + 1):
        w = model.weights[layer][index].detach().clone()
        b = model.biases[layer][index, 0].detach().clone()
        lin = torch.nn.Linear(w.shape[1], w.shape[0], dtype=w.dtype)
        with torch.no_grad():
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        layers.append(lin)
        if layer < model.depth:
            param = None
            if model.act_params is not None:
                param = model.act_params[layer][index].detach().clone()
            layers.append(_Act(model.activation, param))
    return torch.nn.Sequential(*layers)


class _Act(torch.nn.Module):
    def __init__(self, act: Activation, param: Tensor | None) -> None:
        super().__init__()
        self.act = act
        self.param = param

    def forward(self, x: Tensor) -> Tensor:
        return self.act(x, self.param)
