"""The probe job batches every init of an activation; each init's table is unchanged."""

from __future__ import annotations

import pandas as pd
import torch

from vanishing.activations import get_activation
from vanishing.data import digits, probe_batch
from vanishing.gradients import layer_stats
from vanishing.models import EnsembleMLP
from vanishing.probe import network_status, run_probe_inits


def test_batched_inits_give_each_inits_own_table() -> None:
    inits, depths, seeds = ["normal", "he", "orthogonal"], [1, 3], [0, 2]
    tables = run_probe_inits("tanh_n2", inits, depths, seeds, 8, 16)
    data = digits()
    x, y = probe_batch(data, 16)
    for init in inits:
        frames = []
        for depth in depths:
            model = EnsembleMLP(
                get_activation("tanh_n2"), init, depth, 8, 64, 10, seeds, torch.float64
            )
            df = layer_stats(model, x.double(), y)
            df.insert(0, "depth", depth)
            frames.append(df)
        alone = pd.concat(frames, ignore_index=True)
        alone["status"] = network_status(alone)
        alone.insert(0, "init", init)
        alone.insert(0, "activation", "tanh_n2")
        # Byte for byte, as the CSV the pipeline writes.
        assert tables[init].to_csv(index=False) == alone.to_csv(index=False)
