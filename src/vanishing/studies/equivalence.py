"""tanh(n·x) versus tanh(x): the same functions, and when the same training (claims A14, A15).

A net whose hidden units compute tanh(n·z), z = W h + b, with parameters θ computes
exactly what the tanh(x) net computes with u = n·θ on every parameter that feeds a
tanh (all hidden W and b); the output layer reads tanh outputs, which do not change,
so its parameters are not scaled. Writing L'(θ) = L(u(θ)), the chain rule gives
∇_θ L' = n·∇_u L on the scaled parameters, hence:

* GD/SGD: θ ← θ − η·n·∇_u L, i.e. u ← u − η·n²·∇_u L. The tanh(x) net follows the
  same trajectory (in u = n·θ) if its scaled parameters use learning rate η·n² and its
  output layer keeps η.
* Adam: its moments see g_θ = n·g_u, so m̂_θ = n·m̂_u and √v̂_θ = n·√v̂_u;
  Δu = n·Δθ = −(η·n)·m̂_u / (√v̂_u + ε/n). The scaled parameters need η·n and ε/n.

The study checks the function identity (outputs) and trains both parametrisations
from corresponding starts under several learning-rate mappings, recording the loss
difference along the whole trajectory.

Outputs (in order): outputs.csv, trajectories.csv, summary.csv.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.activations import get_activation
from ..core.data import digits
from ..core.models import EnsembleMLP, seed_generator
from ..machinery.config_check import check_params
from ..machinery.params.equivalence import Params
from ..machinery.tables import Tables
from ._small import digits_ensemble

log = logging.getLogger("vanishing.studies.equivalence")

# Salt of the per-seed data-order generator (the weights use salt 0).
DATA_SALT = 2
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8  # PyTorch's and TensorFlow-2's default

# Learning-rate mappings for the tanh(x) net (started at u0 = n·θ0), as powers of n:
# (hidden lr, output lr, hidden ε). "exact" is the derived one for each optimiser.
MAPPINGS: dict[str, dict[str, tuple[int, int, int]]] = {
    "gd": {"same_lr": (0, 0, 0), "lr_x_n": (1, 1, 0), "lr_x_n2": (2, 2, 0), "exact": (2, 0, 0)},
    "adam": {
        "same_lr": (0, 0, 0),
        "lr_x_n": (1, 1, 0),
        "lr_x_n2": (2, 2, 0),
        "exact_eps_aside": (1, 0, 0),
        "exact": (1, 0, -1),
    },
}
MAPPINGS["sgd"] = MAPPINGS["gd"]


# ---- the scaled-tanh ensemble, functional -------------------------------------


@dataclass
class Stack:
    """M networks: weights[l] (M, out, in), biases[l] (M, 1, out), and a per-network
    scale c (M, 1, 1) so that hidden units compute tanh(c·z)."""

    weights: list[Tensor]
    biases: list[Tensor]
    scale: Tensor

    def params(self) -> list[Tensor]:
        return [*self.weights, *self.biases]

    def logits(self, x: Tensor) -> Tensor:
        h = x
        last = len(self.weights) - 1
        for layer, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = torch.baddbmm(b, h, w.transpose(1, 2))
            h = z if layer == last else torch.tanh(self.scale * z)
        return h

    def losses(self, x: Tensor, y: Tensor) -> Tensor:
        """Mean cross-entropy of each network, (M,); x (M, B, in), y (M, B)."""
        z = self.logits(x)
        m, b, c = z.shape
        ce = F.cross_entropy(z.reshape(m * b, c), y.reshape(m * b), reduction="none")
        return ce.reshape(m, b).mean(dim=1)


def initial_weights(p: Params) -> tuple[list[Tensor], list[Tensor]]:
    """θ0 per seed from the project's EnsembleMLP (float64), as (weights, biases)."""
    ds = digits()
    model = EnsembleMLP(
        get_activation("tanh"), p.init, p.depth, p.width, ds.n_in, ds.n_out, p.seeds, torch.float64
    )
    return [w.detach().clone() for w in model.weights], [b.detach().clone() for b in model.biases]


def scale_hidden(weights: list[Tensor], biases: list[Tensor], n: Tensor) -> Stack:
    """u = n·θ on every layer feeding a tanh; the output layer is left alone.
    n: (M, 1, 1) per network."""
    last = len(weights) - 1
    ws = [w if i == last else w * n for i, w in enumerate(weights)]
    bs = [b if i == last else b * n for i, b in enumerate(biases)]
    return Stack(ws, bs, torch.ones_like(n))


# ---- optimisers with a per-network learning rate (and ε) per parameter group -----


@dataclass
class Optimiser:
    """Plain (S)GD or Adam on a Stack. lr/eps: (M, 1, 1) for hidden and output groups."""

    kind: str
    lr_hidden: Tensor
    lr_output: Tensor
    eps_hidden: Tensor
    eps_output: Tensor
    state: dict[int, tuple[Tensor, Tensor]] = field(default_factory=dict)
    t: int = 0

    def step(self, stack: Stack, grads: list[Tensor]) -> None:
        self.t += 1
        n_layers = len(stack.weights)
        with torch.no_grad():
            for i, (p, g) in enumerate(zip(stack.params(), grads, strict=True)):
                output = i % n_layers == n_layers - 1
                lr = self.lr_output if output else self.lr_hidden
                if self.kind == "adam":
                    eps = self.eps_output if output else self.eps_hidden
                    p -= lr * self._adam_direction(i, g, eps)
                else:
                    p -= lr * g

    def _adam_direction(self, i: int, g: Tensor, eps: Tensor) -> Tensor:
        b1, b2 = ADAM_BETAS
        m, v = self.state.get(i, (torch.zeros_like(g), torch.zeros_like(g)))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        self.state[i] = (m, v)
        m_hat = m / (1 - b1**self.t)
        v_hat = v / (1 - b2**self.t)
        return m_hat / (v_hat.sqrt() + eps)


# ---- experiments ------------------------------------------------------------------


def output_identity(p: Params) -> pd.DataFrame:
    """A14: logits of the tanh(n·x) net with θ vs the tanh(x) net with hidden W, b × n
    (and, as a control, with every layer × n), on the test split, per n and seed."""
    ds = digits()
    x = ds.x_test.double()
    rows = []
    for n in p.output_ns:
        ref = digits_ensemble(p, f"tanh_n{n:g}", "float64")
        plain = digits_ensemble(p, "tanh", "float64")
        with torch.no_grad():
            # Non-zero biases, so the bias scaling is exercised too.
            g = seed_generator(0, DATA_SALT + 1)
            for b_ref in ref.biases:
                b_ref.copy_(0.1 * torch.randn(b_ref.shape, generator=g, dtype=torch.float64))
            z_ref = ref(x).logits
            for scaled in ("hidden", "all"):
                for layer in range(p.depth + 1):
                    k = n if (scaled == "all" or layer < p.depth) else 1.0
                    plain.weights[layer].copy_(ref.weights[layer] * k)
                    plain.biases[layer].copy_(ref.biases[layer] * k)
                z = plain(x).logits
                diff = (z - z_ref).abs().flatten(1).amax(dim=1)
                size = z_ref.abs().flatten(1).amax(dim=1)
                rows.append(
                    pd.DataFrame(
                        {
                            "n": n,
                            "scaled": scaled,
                            "seed": p.seeds,
                            "max_abs_diff": diff.numpy(),
                            "max_abs_logit": size.numpy(),
                            "rel_diff": (diff / size).numpy(),
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


def batch_indices(p: Params, n_train: int) -> Tensor:
    """(S, steps, B) per-seed minibatch indices (shuffled epochs, chained)."""
    out = []
    need = p.steps * p.batch_size
    for seed in p.seeds:
        g = seed_generator(seed, DATA_SALT)
        stream = torch.cat(
            [torch.randperm(n_train, generator=g) for _ in range(-(-need // n_train))]
        )
        out.append(stream[:need].reshape(p.steps, p.batch_size))
    return torch.stack(out)


@dataclass
class Members:
    """Who is who in the big stack: one row per network."""

    n: np.ndarray
    mapping: np.ndarray  # "reference" for the tanh(n·x) nets
    seed_index: np.ndarray


def build(p: Params, optimizer: str) -> tuple[Stack, Optimiser, Members]:
    """For every n: the tanh(n·x) reference nets (θ0, learning rate η everywhere) and
    one tanh(x) net per mapping, started at u0 = n·θ0 on the hidden layers."""
    w0, b0 = initial_weights(p)
    s = len(p.seeds)
    lr = p.lr_adam if optimizer == "adam" else p.lr_gd
    maps = MAPPINGS[optimizer]
    ns, names, seed_ix, scale, lr_h, lr_o, eps_h = [], [], [], [], [], [], []
    init_n = []  # the factor applied to θ0's hidden layers
    for n in p.ns:
        for name, (ph, po, pe) in [("reference", (0, 0, 0)), *maps.items()]:
            ns += [n] * s
            names += [name] * s
            seed_ix += list(range(s))
            ref = name == "reference"
            scale += [n if ref else 1.0] * s
            init_n += [1.0 if ref else n] * s
            lr_h += [lr * n**ph] * s
            lr_o += [lr * n**po] * s
            eps_h += [ADAM_EPS * n**pe] * s

    def col(v: list[float]) -> Tensor:
        return torch.tensor(v, dtype=torch.float64).reshape(-1, 1, 1)

    idx = torch.tensor(seed_ix)
    stack = scale_hidden([w[idx] for w in w0], [b[idx] for b in b0], col(init_n))
    stack.scale = col(scale)
    for t in stack.params():
        t.requires_grad_(True)
    opt = Optimiser(optimizer, col(lr_h), col(lr_o), col(eps_h), col([ADAM_EPS] * len(ns)))
    return stack, opt, Members(np.asarray(ns), np.asarray(names), np.asarray(seed_ix))


def train(p: Params, optimizer: str) -> tuple[Members, np.ndarray, Stack]:
    """Train every member; return the (M, steps + 1) loss trajectories. The loss at
    step t is the loss of the batch that update t uses (the last entry: after training)."""
    ds = digits()
    x, y = ds.x_train.double(), ds.y_train
    stack, opt, members = build(p, optimizer)
    seed_ix = torch.from_numpy(members.seed_index)
    if optimizer == "gd":
        # Full-batch GD on a fixed subset: every step, every network, the same examples.
        batches = torch.arange(p.gd_examples).expand(len(p.seeds), p.steps, -1)
    else:
        batches = batch_indices(p, len(x))
    losses = np.empty((len(seed_ix), p.steps + 1))
    for step in range(p.steps + 1):
        b = batches[seed_ix, min(step, p.steps - 1)]
        loss = stack.losses(x[b], y[b])
        losses[:, step] = loss.detach().numpy()
        if step == p.steps:
            break
        grads = torch.autograd.grad(loss.sum(), stack.params())
        opt.step(stack, list(grads))
    return members, losses, stack


def compare(p: Params, optimizer: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    members, losses, stack = train(p, optimizer)
    traj, summ = [], []
    recorded = np.arange(0, p.steps + 1, p.record_every)
    if recorded[-1] != p.steps:
        recorded = np.append(recorded, p.steps)
    for m in range(len(members.n)):
        traj.append(
            pd.DataFrame(
                {
                    "optimizer": optimizer,
                    "n": members.n[m],
                    "mapping": members.mapping[m],
                    "seed": p.seeds[members.seed_index[m]],
                    "step": recorded,
                    "loss": losses[m, recorded],
                }
            )
        )
    for i in np.flatnonzero(members.mapping != "reference"):
        ref = np.flatnonzero(
            (members.mapping == "reference")
            & (members.n == members.n[i])
            & (members.seed_index == members.seed_index[i])
        )[0]
        gap = np.abs(losses[i] - losses[ref])
        gap[~np.isfinite(gap)] = np.inf  # a run that diverged differs, whatever the other did
        n = members.n[i]
        param_gap = 0.0
        last = len(stack.weights) - 1
        for layer, (w, b) in enumerate(zip(stack.weights, stack.biases, strict=True)):
            k = 1.0 if layer == last else n
            for t in (w, b):
                d = (t[i] - k * t[ref]).abs().max().item()
                param_gap = max(param_gap, d if np.isfinite(d) else np.inf)
        summ.append(
            {
                "optimizer": optimizer,
                "n": n,
                "mapping": members.mapping[i],
                "seed": p.seeds[members.seed_index[i]],
                "max_abs_loss_diff": float(gap.max()),
                "max_rel_loss_diff": float((gap / np.abs(losses[ref])).max()),
                "final_loss_reference": float(losses[ref, -1]),
                "final_loss_mapped": float(losses[i, -1]),
                "max_param_diff": param_gap,
            }
        )
    return pd.concat(traj, ignore_index=True), pd.DataFrame(summ)


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    check_params(p)  # the config was checked; a direct caller's params too
    outputs_csv, traj_csv, summary_csv = (
        outputs[k] for k in ("outputs", "trajectories", "summary")
    )
    output_identity(p).to_csv(outputs_csv, index=False)
    trajs, summs = [], []
    for optimizer in p.optimizers:
        t, s = compare(p, optimizer)
        trajs.append(t)
        summs.append(s)
        log.info("%s: %d steps done", optimizer, p.steps)
    pd.concat(trajs, ignore_index=True).to_csv(traj_csv, index=False)
    pd.concat(summs, ignore_index=True).to_csv(summary_csv, index=False)
