"""Input-output Jacobians of a stack of layers, batched over networks.

A Jacobian of an MLP's hidden stack is a product of weight matrices W_l and diagonal
matrices diag(φ'(z_l)); it is built by propagating the identity through the factors,
one batched multiply per factor, so that every network of an ensemble (one per seed)
gets its own exact Jacobian at the cost of width matrix products. The meanfield study
(E4: ∂z_D/∂z_1 = W_D D_{D−1} ⋯ W_2 D_1) and the isometry study (E10:
∂x_L/∂x_0 = D_L W_L ⋯ D_1 W_1) share it; they differ only in the order of the factors.
"""

from __future__ import annotations

import torch
from torch import Tensor


def eye_batch(n_nets: int, width: int, like: Tensor) -> Tensor:
    """The (n_nets, width, width) identity, with ``like``'s dtype and device."""
    return torch.eye(width, dtype=like.dtype, device=like.device).expand(n_nets, width, width)


def left_multiply(jac: Tensor, *factors: Tensor) -> Tensor:
    """``jac`` multiplied on the left by each factor in turn: a (S, n) factor is the
    diagonal matrix diag(d) (an element-wise row scaling, no n × n matrix is formed),
    a (S, n, m) factor a matrix. ``left_multiply(J, d, W)`` = W · diag(d) · J."""
    for f in factors:
        jac = f.unsqueeze(-1) * jac if f.dim() == 2 else torch.bmm(f, jac)
    return jac
