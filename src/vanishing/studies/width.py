"""Finite-width fluctuations of ReLU gradients at He init (claim E9; Hanin 2018, Hanin & Nica 2019).

Networks: ReLU, zero biases, ``depth`` hidden layers all of ``width`` units, weights
W_l ~ N(0, 2/fan_in) (He), on a fixed batch of ``examples`` standardised digits
(``probe_batch``). Digits rather than Gaussian inputs, because for ReLU at zero bias the inputs
do not matter: δ₁ depends on x only through the sign patterns, and W₁x's signs are i.i.d. fair
coins for any x ≠ 0, so the digits cost nothing and keep the project's one data set.

Loss: a single output unit, L(x) = rᵀ h_depth(x), with a read-out r ~ N(0, 2/width) drawn per
seed (the scale of r shifts ln‖δ₁‖² by a constant and leaves its variance unchanged).

Measured, per (seed, example): δ₁ = ∂L/∂z₁, the back-propagated error at the first hidden
layer's pre-activation, by the hand-written pass δ_depth = φ'(z_depth) ⊙ r,
δ_l = φ'(z_l) ⊙ W_{l+1}ᵀ δ_{l+1} (the tests check it against autograd); ln‖δ₁‖²; and the
input-output Jacobian of that one output, Z = ∂L/∂x = W₁ᵀ δ₁ (Hanin 2018's Z_pq for the one
output q), through the mean over the input coordinates p of Z_p² and Z_p⁴, so that Hanin's
normalised fourth moment E[Z⁴]/E[Z²]² can be formed over seeds.

β (Hanin 2018's architecture constant): Σ_{j=1}^{d-1} 1/n_j for a net of d weight layers whose
hidden layers have widths n_1 … n_{d-1}, i.e. the sum over every hidden layer (neither the
input nor the output): depth/width here (``beta``).

Nesting: for each seed one network of the deepest depth is drawn; the depth-d network is its
first d hidden layers read out by the same r. Depths of one seed are therefore correlated; the
check bootstraps whole seeds, which keeps that correlation in its intervals. The backward
passes of every depth share the deepest network's forward pass and ride together in the batch
dimension of one batched matmul per layer (a depth joins where its read-out enters).

Weights are drawn per seed from ``seed_generator(seed, WEIGHT_SALT + width)``: a seed's
network does not depend on which seeds share its chunk, and two widths do not share streams.
Seeds are processed in chunks of at most ``chunk_mb`` of weights.

Output (``hanin``): per (width, depth, seed, example) β, ln‖δ₁‖², z2 = mean_p Z_p²,
z4 = mean_p Z_p⁴ and the status: "finite", or "vanished" where ‖δ₁‖ = 0 exactly (some layer had
every unit off for that input, probability about depth·2^-width).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..core.data import digits, probe_batch
from ..core.models import seed_generator
from ..core.runtime import DTYPES
from ..machinery.params.width import Params
from ..machinery.tables import Tables
from ._small import write_csv

log = logging.getLogger("vanishing.studies.width")

# Generator salt of a seed's weights; the width is added so that two widths draw apart.
WEIGHT_SALT = 19
COLUMNS = ["width", "depth", "beta", "seed", "example", "ln_delta2", "z2", "z4", "status"]


def beta(widths: Sequence[int]) -> float:
    """Hanin's β = Σ 1/n_j over the hidden layers' widths ``widths`` (input and output
    excluded): depth/width for equal widths."""
    return float(sum(1.0 / n for n in widths))


def draw(
    seeds: Sequence[int], width: int, depth: int, n_in: int, dtype: torch.dtype, device: str
) -> tuple[list[Tensor], Tensor]:
    """He weights of ``depth`` hidden layers, (S, width, fan_in) each, and the read-out
    r, (S, width): one generator per seed, drawn layer by layer in that order.

    The draws of core.inits' He scheme, N(0, 1)·√(2/fan_in), written straight into the
    chunk's tensors (no per-seed copies, then one concatenation: at width 1024 the copies
    cost as much as the draws)."""
    s = len(seeds)
    ws = [torch.empty((s, width, n_in if layer == 0 else width)) for layer in range(depth)]
    r = torch.empty((s, 1, width))
    for i, seed in enumerate(seeds):
        g = seed_generator(seed, WEIGHT_SALT + width)
        for w in (*ws, r):
            torch.randn(w.shape[1:], generator=g, out=w[i])
    for w in (*ws, r):
        w.mul_(math.sqrt(2 / w.shape[2]))  # He: Var = 2 / fan_in
    return [w.to(device=device, dtype=dtype) for w in ws], r[:, 0].to(device=device, dtype=dtype)


def first_layer_deltas(
    ws: Sequence[Tensor], r: Tensor, x: Tensor, depths: Sequence[int]
) -> dict[int, Tensor]:
    """δ₁ = ∂L/∂z₁ of L = rᵀ h_d for every depth d in ``depths`` (≤ len(ws)), (S, B, width)
    each: one forward pass through the deepest net, then one backward sweep in which the
    depths' δ ride together, a depth joining at its last hidden layer."""
    s = ws[0].shape[0]
    h = x.to(dtype=ws[0].dtype).expand(s, *x.shape)
    gates: list[Tensor] = []
    for w in ws[: max(depths)]:
        z = torch.bmm(h, w.transpose(1, 2))
        gate = z > 0  # ReLU'(z): 1 where z > 0, 0 elsewhere (torch's derivative at 0 is 0)
        gates.append(gate)
        h = torch.relu(z)
    wanted = sorted(set(depths), reverse=True)
    b = x.shape[0]
    delta: Tensor | None = None  # (S, k·B, width): the k depths joined so far, deepest first
    order: list[int] = []
    for layer in range(max(depths), 0, -1):  # layer l = 1 … max depth, from the top
        gate = gates[layer - 1]
        k = len(order)
        if delta is not None:
            # δ_l = φ'(z_l) ⊙ W_{l+1}ᵀ δ_{l+1}, for every depth already in the sweep
            delta = torch.bmm(delta, ws[layer]) * gate.repeat(1, k, 1)
        if layer in wanted:
            new = gate * r[:, None, :]  # δ_d = φ'(z_d) ⊙ r
            delta = new if delta is None else torch.cat([delta, new], dim=1)
            order.append(layer)
    assert delta is not None
    return {d: delta[:, i * b : (i + 1) * b] for i, d in enumerate(order)}


def measure(
    ws: Sequence[Tensor], r: Tensor, x: Tensor, depths: Sequence[int]
) -> dict[int, dict[str, Tensor]]:
    """Per depth: ln‖δ₁‖², z2 = mean_p Z_p², z4 = mean_p Z_p⁴ with Z = W₁ᵀ δ₁, (S, B) each,
    in float64 (Z⁴ of a small gradient would underflow float32)."""
    out = {}
    w1 = ws[0].to(torch.float64)
    for d, delta in first_layer_deltas(ws, r, x, depths).items():
        d64 = delta.to(torch.float64)
        z = torch.bmm(d64, w1)  # (S, B, n_in): ∂L/∂x = W₁ᵀ δ₁ per example
        sq = z * z
        out[d] = {
            "ln_delta2": torch.log((d64 * d64).sum(-1)),  # −∞ where δ₁ vanished exactly
            "z2": sq.mean(-1),
            "z4": (sq * sq).mean(-1),
        }
    return out


def chunks(seeds: Sequence[int], width: int, depth: int, n_in: int, p: Params) -> list[list[int]]:
    """Seeds in groups whose weights fit ``chunk_mb``."""
    per_seed = (n_in * width + (depth - 1) * width * width + width) * DTYPES[p.dtype].itemsize
    size = max(1, int(p.chunk_mb * 1e6 // per_seed))
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def run_width(p: Params) -> pd.DataFrame:
    x, _ = probe_batch(digits(), p.examples)
    x = x.to(p.device)
    n_in, deepest, dtype = x.shape[1], max(p.depths), DTYPES[p.dtype]
    frames = []
    for group in chunks(p.seeds, p.width, deepest, n_in, p):
        ws, r = draw(group, p.width, deepest, n_in, dtype, p.device)
        with torch.no_grad():
            res = measure(ws, r, x, p.depths)
        del ws
        for d in sorted(p.depths):
            cols = {k: v.cpu().numpy().ravel() for k, v in res[d].items()}
            seed_col = np.repeat(np.asarray(group), x.shape[0])
            frames.append(
                pd.DataFrame(
                    {
                        "width": p.width,
                        "depth": d,
                        "beta": beta([p.width] * d),
                        "seed": seed_col,
                        "example": np.tile(np.arange(x.shape[0]), len(group)),
                        **cols,
                        "status": np.where(np.isfinite(cols["ln_delta2"]), "finite", "vanished"),
                    }
                )
            )
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(["depth", "seed", "example"], kind="stable").reset_index(drop=True)[
        COLUMNS
    ]


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    t0 = time.perf_counter()
    df = run_width(p)
    write_csv(df, outputs["hanin"])
    vanished = int((df["status"] != "finite").sum())
    log.info(
        "width %d: %d depths × %d seeds × %d examples, %d vanished, %.1f s",
        p.width,
        len(p.depths),
        len(p.seeds),
        p.examples,
        vanished,
        time.perf_counter() - t0,
    )
