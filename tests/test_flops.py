"""The benchmark's FLOP tallies (vanishing/flops.py) against the products that run."""

from __future__ import annotations

import torch

from vanishing.core import backward as bw
from vanishing.core.activations import get_activation
from vanishing.core.data import Dataset
from vanishing.core.flops import MatmulCounter, flops, probe_shapes, training_shapes
from vanishing.core.gradients import layer_stats
from vanishing.core.models import EnsembleMLP
from vanishing.core.train import TrainSpec, train


def test_counter_counts_2mnk_per_product() -> None:
    a, b = torch.randn(3, 4, 5), torch.randn(3, 5, 6)
    with MatmulCounter() as c:
        torch.bmm(a, b)
        torch.baddbmm(torch.zeros(3, 4, 6), a, b)
        a[0] @ b[0]
    assert c.shapes == {("float32", 3, 4, 5, 6): 2, ("float32", 1, 4, 5, 6): 1}
    assert flops(c.shapes) == (2 * 3 + 1) * 2 * 4 * 5 * 6


def test_probe_tally_is_what_layer_stats_runs() -> None:
    act = get_activation("tanh")
    x = torch.randn(16, 6, dtype=torch.float64)
    y = torch.arange(16) % 3
    counter = MatmulCounter()
    for depth in (1, 3):
        model = EnsembleMLP(act, ["he", "lecun"], depth, 8, 6, 3, [0, 1], torch.float64)
        with counter:
            layer_stats(model, x, y)
    assert counter.shapes == probe_shapes([1, 3], 4, 8, 16, 6, 3, "float64")


def test_training_tally_is_what_train_runs() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 6, generator=g)
    y = torch.randint(0, 3, (40,), generator=g)
    data = Dataset(x, y, x[:10], y[:10], "synthetic")
    spec = TrainSpec(get_activation("relu"), ["he"], 2, 5, [0, 1], 7, 0.1, 8, 3, 24)
    with MatmulCounter() as counter:
        train(spec, data)
    want = training_shapes([2], 2, 5, 7, 8, 3, 24, 10, 6, 3, "float32")
    assert counter.shapes == want


def test_sgd_step_runs_three_products_per_layer_above_the_first() -> None:
    model = EnsembleMLP(get_activation("tanh"), "he", 2, 5, 4, 3, [0, 1, 2])
    xb, yb = torch.randn(3, 8, 4), torch.zeros(3, 8, dtype=torch.long)
    with MatmulCounter() as counter:
        bw.sgd_step(model, xb, yb, 0.1)
    assert sum(counter.shapes.values()) == 3 * 3 - 1
