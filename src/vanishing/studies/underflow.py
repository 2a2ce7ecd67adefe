"""C2: do tiny gradients underflow to exactly zero in low precision?

Deep sigmoid MLPs are built once in float64, then the *same* weights are cast
to each dtype and one forward/backward pass on the same digits batch is run
in that dtype. Per (init, depth, seed, dtype): the fraction of exactly-zero
first-layer weight-gradient entries, the fraction of hidden sigmoid
derivatives that are exactly zero (saturation: s rounds to 1, so s(1 − s) = 0),
and the float64 reference magnitude, to tell underflow from a true zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from ..core.activations import get_activation
from ..core.data import digits, probe_batch
from ..core.models import EnsembleMLP, per_model_loss
from ..machinery.params.underflow import Params
from ..machinery.tables import Tables
from ._small import dtype, forward_all, log, write_csv


def first_layer_grad(model: EnsembleMLP, x: torch.Tensor, y: torch.Tensor) -> dict:
    """One forward/backward in the model's dtype; per-network statistics."""
    model.zero_grad(set_to_none=True)
    fwd = forward_all(model, x.to(model.weights[0].dtype))
    per_model_loss(fwd.logits, y).sum().backward()
    g = model.weights[0].grad.detach()
    with torch.no_grad():
        # The derivative the backward pass actually multiplies by, in this dtype.
        deriv_zero = torch.stack(
            [(h * (1 - h) == 0).flatten(1).double().mean(1) for h in fwd.post]
        ).mean(0)
    return {
        "grad": g.double(),
        "deriv_zero_frac": deriv_zero,
        "nonfinite": (~torch.isfinite(g)).flatten(1).any(1),
    }


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    act = get_activation(p.activation)
    x, y = probe_batch(digits(), p.batch_size)
    rows = []
    for init in p.inits:
        for depth in p.depths:
            ref = EnsembleMLP(act, init, depth, p.width, x.shape[1], 10, p.seeds, torch.float64)
            results = {}
            for name in p.dtypes:
                model = EnsembleMLP(
                    act, init, depth, p.width, x.shape[1], 10, p.seeds, torch.float64
                )
                model.load_state_dict(ref.state_dict())
                model.to(dtype(name))
                results[name] = first_layer_grad(model, x, y)
            g64 = results["float64"]["grad"]
            for name, res in results.items():
                g = res["grad"]
                for i, seed in enumerate(p.seeds):
                    ref_abs = g64[i].abs()
                    rows.append(
                        {
                            "init": init,
                            "depth": depth,
                            "seed": seed,
                            "dtype": name,
                            "zero_frac": float((g[i] == 0).double().mean()),
                            # share of the entries non-zero in float64 that are 0 here: lost
                            # to rounding (digits has constant pixels whose gradient is truly 0)
                            "underflow_frac": float((g[i][ref_abs > 0] == 0).double().mean()),
                            "ref_zero_frac": float((ref_abs == 0).double().mean()),
                            "ref_abs_median": float(ref_abs.median()),
                            "ref_abs_max": float(ref_abs.max()),
                            "grad_norm": float(g[i].norm()),
                            "deriv_zero_frac": float(res["deriv_zero_frac"][i]),
                            "nonfinite": bool(res["nonfinite"][i]),
                            # smallest positive subnormal of the dtype
                            "dtype_tiny": float(
                                torch.finfo(dtype(name)).smallest_normal
                                * torch.finfo(dtype(name)).eps
                            ),
                        }
                    )
            log.info("underflow %s depth %d done", init, depth)
    write_csv(pd.DataFrame(rows), outputs["grads"])
