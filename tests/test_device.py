"""The device-generic code on a device other than the CPU.

No GPU is needed: PyTorch's ``meta`` device has tensors with shapes and dtypes but
no values, and an op that mixes a meta tensor with a CPU tensor raises just as a
CUDA/CPU mix would. So a tensor created on the default device inside code that
should follow its inputs (the bug these tests were written for: ``torch.quantile``'s
q-tensor built on the CPU) fails here. What needs values cannot run on meta: every
host copy for the tables (``.cpu().numpy()``), and the training monitor, which
branches on values (``if small.any()`` in ``train._norm``). Those parts are
replaced or left out below, and are covered on the CPU by the other tests.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from vanishing.core import train
from vanishing.core.activations import fixed_names, get_activation
from vanishing.core.data import digits
from vanishing.core.gradients import layer_tensors
from vanishing.core.models import EnsembleMLP, ensemble_loss
from vanishing.studies import probe, training

META = torch.device("meta")
SEEDS = [0, 1, 2]


def _meta_batch(n_in: int = 64, batch: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    return (
        torch.empty(batch, n_in, dtype=torch.float64, device=META),
        torch.empty(batch, dtype=torch.long, device=META),
    )


@pytest.mark.parametrize("name", [*fixed_names(), "tanh_n2", "leaky_relu0.2"])
def test_ensemble_forward_backward_stay_on_the_device(name: str) -> None:
    model = EnsembleMLP(get_activation(name), "he", 3, 8, 64, 10, SEEDS, torch.float64, META)
    assert {p.device for p in model.parameters()} == {META}
    x, y = _meta_batch()
    fwd = model(x, keep=True)
    ensemble_loss(fwd.logits, y).backward()
    assert fwd.logits.device == META and fwd.logits.shape == (len(SEEDS), 5, 10)
    assert len(fwd.pre) == len(fwd.post) == 3
    for p in model.parameters():
        assert p.grad is not None and p.grad.device == META and p.grad.shape == p.shape


@pytest.mark.parametrize("name", ["relu", "tanh_n2", "sigmoid", "prelu"])
def test_layer_statistics_stay_on_the_device(name: str) -> None:
    depth = 4
    model = EnsembleMLP(
        get_activation(name), "xavier", depth, 8, 64, 10, SEEDS, torch.float64, META
    )
    layers = layer_tensors(model, *_meta_batch())
    assert [c["layer"] for c in layers] == list(range(1, depth + 2))
    for cols in layers:
        tensors = {k: v for k, v in cols.items() if isinstance(v, torch.Tensor)}
        assert "grad_abs_q99" in tensors and "delta_norm" in tensors
        for key, t in tensors.items():
            assert t.device == META and t.shape == (len(SEEDS),), key
        if not cols["hidden"]:
            assert math.isnan(cols["dead_frac"])


def test_probe_builds_its_batch_and_networks_on_the_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[int, set[torch.device]]] = []

    def stats_without_host_copy(model: EnsembleMLP, x: torch.Tensor, y: torch.Tensor):
        # layer_stats = layer_tensors + the host copy for the table (no values on meta).
        layers = layer_tensors(model, x, y)
        devices = {v.device for c in layers for v in c.values() if isinstance(v, torch.Tensor)}
        seen.append((model.depth, {x.device, y.device, *devices}))
        rows = len(model.seeds) * len(layers)
        return pd.DataFrame(
            {
                "seed": model.seeds * len(layers),
                "layer": [0] * rows,
                # the columns the probe's status reads (meta tensors have no values)
                **{k: [1.0] * rows for k in ("delta_norm", "grad_norm", "loss")},
                "nonfinite": [False] * rows,
            }
        )

    monkeypatch.setattr(probe, "layer_stats", stats_without_host_copy)
    out = probe.run_probe("relu", "he", [2, 5], SEEDS, 8, 16, "float64", 0.01, "meta")
    assert seen == [(2, {META}), (5, {META})]
    assert len(out) == len(SEEDS) * (3 + 6)


class _ShapesOnlyMonitor:
    """Stands in for train._Monitor, which reads values: checks devices and shapes."""

    instances: list[_ShapesOnlyMonitor] = []

    def __init__(self, model: EnsembleMLP, spec: train.TrainSpec, data: object) -> None:
        self.model, self.spec, self.x = model, spec, torch.empty(7)
        self.steps: list[int] = []
        _ShapesOnlyMonitor.instances.append(self)

    def __call__(self, step: int, update_ratio: list[torch.Tensor] | None, edge: bool = False):
        assert {p.device for p in self.model.parameters()} == {self.spec.device}
        if update_ratio is not None:  # the ‖ΔW‖/‖W‖ of the step just taken
            assert len(update_ratio) == self.spec.depth + 1
            for u in update_ratio:
                assert u.device == self.spec.device and u.shape == (self.model.n_models,)
        self.steps.append(step)
        return {"step": step}, [{"step": step, "layer": 1}]

    def unit_summary(self) -> dict:
        return {"layer": [1], "dead_init": torch.zeros(self.model.n_models, 1)}


def test_training_steps_run_on_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train, "_Monitor", _ShapesOnlyMonitor)
    _ShapesOnlyMonitor.instances.clear()
    params = training.Params(
        leaky_slope=0.01,
        batch_size=8,
        log_every=2,
        monitor_size=0,
        dtype="float32",
        device="meta",  # torch's placeholder device (not a config value)
    )
    spec = training._spec(params, "tanh_n2", ["xavier", "he"], 3, 8, SEEDS, 4, 0.1)
    assert spec.device == META
    log = train.train(spec, digits())
    (monitor,) = _ShapesOnlyMonitor.instances
    assert monitor.steps == [0, 2, 4]
    assert len(log.steps) == 3 * 2 * len(SEEDS)  # logged steps × inits × seeds
    # The SGD steps (backward.sgd_step: no autograd, so no .grad) updated every
    # parameter in place there; a tensor on another device would have raised.
    for p in monitor.model.parameters():
        assert p.device == META


def test_training_defaults_to_the_cpu() -> None:
    params = training.Params(leaky_slope=0.01, batch_size=8, log_every=2, monitor_size=0)
    spec = training._spec(params, "relu", ["he"], 2, 8, [0], 2, 0.1)  # device not given
    assert spec.device == torch.device("cpu")


def test_phase_width_draws_and_products_stay_on_the_device() -> None:
    """The wide jobs of E6 against width (studies.phase_width) honour the config's device:
    the draws are made on the CPU and moved, the products and δ norms stay on it."""
    import numpy as np

    from vanishing.studies.phase import delta_norms, draw

    d = draw(get_activation("tanh"), 4, 8, SEEDS, 3, META)
    assert {t.device for t in [*d.weights, *d.biases, d.x, d.readout]} == {META}
    norms = delta_norms(d, np.array([0.5, 1.0, 2.0]), np.array([0.0, 0.0, 0.3]))
    assert norms.device == META and norms.shape == (len(SEEDS), 3, 4)


def test_width_study_draws_and_gradients_stay_on_the_device() -> None:
    """E9's wide jobs (studies.width) honour the config's device: the He draws are made on
    the CPU and moved, the forward and backward products and the statistics stay on it."""
    from vanishing.studies.width import draw, measure

    ws, r = draw(SEEDS, 8, 4, 64, torch.float32, META)
    assert {w.device for w in [*ws, r]} == {META}
    x = torch.empty(5, 64, dtype=torch.float32, device=META)
    out = measure(ws, r, x, [2, 4])
    for stats in out.values():
        for t in stats.values():
            assert t.device == META and t.shape == (len(SEEDS), 5)
