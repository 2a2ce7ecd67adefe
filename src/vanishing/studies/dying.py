"""B12 and E5: networks that are dead from the start.

Two experiments, two tables:

1. zero init (B12): every weight and bias 0, trained with SGD on digits. Per
   step: the largest hidden output, the largest hidden-layer weight gradient,
   the output's spread over inputs. With f(0) = 0 (ReLU, tanh) the hidden
   layers can never leave 0; sigmoid (f(0) = ½) is the contrast.
2. born dead (E5, Lu et al. 2019): deep narrow ReLU nets (He init, zero
   biases) on Gaussian inputs; a net is born dead when its output is the same
   for every input (some hidden layer is all zero on every input).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from ..core.activations import get_activation
from ..core.data import digits, gaussian_inputs
from ..core.inits import init_weights
from ..core.models import EnsembleMLP, per_model_loss
from ..machinery.params.dying import Params
from ..machinery.tables import Tables
from ._small import forward_all, log, write_csv


def zero_init_run(p: Params) -> pd.DataFrame:
    ds = digits()
    x, y = ds.x_train.double(), ds.y_train
    rows = []
    for name in p.zero_activations:
        model = EnsembleMLP(
            get_activation(name),
            "zeros",
            p.zero_depth,
            p.zero_width,
            ds.n_in,
            ds.n_out,
            p.zero_seeds,
            torch.float64,
        )
        opt = torch.optim.SGD(model.parameters(), lr=p.zero_lr)
        for step in range(p.zero_steps + 1):
            opt.zero_grad(set_to_none=True)
            fwd = forward_all(model, x)
            loss = per_model_loss(fwd.logits, y)
            loss.sum().backward()
            with torch.no_grad():
                h_max = torch.stack([h.abs().flatten(1).amax(1) for h in fwd.post]).amax(0)
                # distinct hidden values per layer: 1 means every unit/input agrees
                spread = torch.stack(
                    [(h.amax(dim=(1, 2)) - h.amin(dim=(1, 2))) for h in fwd.post]
                ).amax(0)
                g_hidden = torch.stack(
                    [w.grad.abs().flatten(1).amax(1) for w in model.weights[:-1]]
                    + [b.grad.abs().flatten(1).amax(1) for b in model.biases[:-1]]
                ).amax(0)
                g_out_w = model.weights[-1].grad.abs().flatten(1).amax(1)
                logit_spread = (fwd.logits.amax(1) - fwd.logits.amin(1)).amax(1)
            for i, seed in enumerate(p.zero_seeds):
                rows.append(
                    {
                        "activation": name,
                        "seed": seed,
                        "step": step,
                        "loss": float(loss.detach()[i]),
                        "hidden_abs_max": float(h_max[i]),
                        "hidden_spread": float(spread[i]),
                        "hidden_grad_abs_max": float(g_hidden[i]),
                        "out_weight_grad_abs_max": float(g_out_w[i]),
                        "logit_spread_over_inputs": float(logit_spread[i]),
                    }
                )
            if step < p.zero_steps:
                opt.step()
        log.info("zero init %s done", name)
    return pd.DataFrame(rows)


def born_dead_run(p: Params) -> pd.DataFrame:
    """Weights drawn for all seeds at once from one generator per (width, depth):
    building 1000 per-seed EnsembleMLPs × 100 layers costs minutes, this costs ms."""
    x = gaussian_inputs(p.n_inputs, p.n_in, p.input_seed).double()
    rows = []
    for width in p.widths:
        for depth in p.depths:
            g = torch.Generator().manual_seed(p.input_seed * 1000 + width * 1_000_003 + depth)
            sizes = [p.n_in] + [width] * depth + [1]
            h = x.unsqueeze(0).expand(p.n_seeds, -1, -1)
            first = torch.zeros(p.n_seeds, dtype=torch.long)
            for layer, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
                w = init_weights(p.init, (p.n_seeds, fo, fi), g).double()
                h = torch.bmm(h, w.transpose(1, 2))  # zero biases, as in EnsembleMLP
                if layer > depth:
                    break
                h = torch.relu(h)
                dead = (h == 0).flatten(1).all(1)
                # first all-zero hidden layer (1-based), 0 when none
                first = torch.where((first == 0) & dead, layer, first)
            out = h[..., 0]
            constant = (out.amax(1) - out.amin(1)) == 0
            rows.append(
                pd.DataFrame(
                    {
                        "width": width,
                        "depth": depth,
                        "seed": range(p.n_seeds),
                        "born_dead": constant.numpy(),
                        "first_dead_layer": first.numpy(),
                    }
                )
            )
            log.info("born dead width %d depth %d: %.3f", width, depth, constant.double().mean())
    return pd.concat(rows, ignore_index=True)


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    write_csv(zero_init_run(p), outputs["zero_init"])
    write_csv(born_dead_run(p), outputs["born_dead"])
