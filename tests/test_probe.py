"""The probe job batches every init of an activation; each init's table is unchanged."""

from __future__ import annotations

import pandas as pd
import torch

from vanishing.core.activations import get_activation
from vanishing.core.data import digits, probe_batch
from vanishing.core.gradients import layer_stats
from vanishing.core.models import EnsembleMLP
from vanishing.studies.probe import network_status, run_probe_inits


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


def test_probe_jobs_cover_each_activation_once_and_write_its_rows(tmp_path) -> None:
    from vanishing.machinery import pipeline
    from vanishing.studies import probe

    config = {"activations": ["relu", "tanh", "elu"], "probe": {"activations_per_job": 2}}
    jobs = pipeline.stage("probe").job_names(config)
    assert jobs == ["relu+tanh", "elu"]
    p = {
        "inits": ["he"],
        "depths": [2],
        "seeds": [0],
        "width": 8,
        "leaky_slope": 0.01,
        "device": "cpu",
        "batch_size": 16,
        "dtype": "float64",
        "activations": jobs[0].split("+"),
    }
    out = tmp_path / "grid.csv"
    probe.run(p, None, {"grid": out})  # type: ignore[arg-type]
    table = pd.read_csv(out)
    assert list(table["activation"].unique()) == ["relu", "tanh"]
    alone = run_probe_inits("tanh", ["he"], [2], [0], 8, 16)["he"]
    got = table[table["activation"] == "tanh"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, alone, check_dtype=False)
