"""Training stage: the batched SGD loop against per-network references, the
dead-unit bookkeeping against hand-made cases, and every check's verdict
flipping on tiny synthetic tables."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from vanishing.core.activations import derivative, get_activation
from vanishing.core.data import Dataset
from vanishing.core.models import EnsembleMLP, reference_mlp
from vanishing.core.train import (
    TrainSpec,
    _Monitor,
    batch_indices,
    log_derivative,
    mean_log_derivative,
    train,
)


def _data(n: int = 48, n_in: int = 6, n_out: int = 3) -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, n_in, generator=g)
    y = torch.randint(0, n_out, (n,), generator=g)
    return Dataset(x, y, x[:12], y[:12], "synthetic")


def _spec(**kw) -> TrainSpec:
    base = dict(
        activation=get_activation("tanh"),
        inits=["xavier", "he"],
        depth=3,
        width=5,
        seeds=[0, 1],
        steps=4,
        lr=0.1,
        batch_size=8,
        log_every=2,
        monitor_size=0,
        dtype=torch.float64,
    )
    base.update(kw)
    return TrainSpec(**base)


def test_ensemble_member_matches_plain_sgd_reference() -> None:
    """Network (he, seed 1) of the batched run = the same net trained alone by
    torch.optim.SGD on its own minibatches."""
    data, spec = _data(), _spec()
    log = train(spec, data)
    ref_model = EnsembleMLP(spec.activation, "he", spec.depth, spec.width, 6, 3, [1], torch.float64)
    net = reference_mlp(ref_model, 0)
    opt = torch.optim.SGD(net.parameters(), lr=spec.lr)
    idx = batch_indices([1], len(data.x_train), spec.steps, spec.batch_size)[0]
    for t in range(spec.steps):
        opt.zero_grad()
        xb = data.x_train[idx[t]].double()
        torch.nn.functional.cross_entropy(net(xb), data.y_train[idx[t]]).backward()
        opt.step()
    with torch.no_grad():
        ref_loss = torch.nn.functional.cross_entropy(net(data.x_train.double()), data.y_train)
    got = log.steps.query("init == 'he' and seed == 1 and step == @spec.steps")["loss"]
    assert float(got.iloc[0]) == pytest.approx(float(ref_loss), rel=1e-10)


def test_batch_indices_are_per_seed_epochs() -> None:
    a = batch_indices([3, 5], 40, 10, 8)
    b = batch_indices([5], 40, 10, 8)
    assert torch.equal(a[1], b[0])  # a network's stream ignores its neighbours
    epoch = a[0, :5].flatten()  # 5 batches of 8 = one epoch of 40
    assert sorted(epoch.tolist()) == list(range(40))


@pytest.mark.parametrize("name", ["tanh", "tanh_n2", "tanh_n3", "sigmoid"])
def test_log_derivative_matches_autograd(name: str) -> None:
    act = get_activation(name)
    z = torch.linspace(-4, 4, 101, dtype=torch.float64)
    ref = torch.log(derivative(act, z))
    assert torch.allclose(log_derivative(act, z), ref, atol=1e-10)


@pytest.mark.parametrize("name", ["tanh", "tanh_n2", "sigmoid"])
def test_mean_log_derivative_is_the_mean_of_log_derivative(name: str) -> None:
    act = get_activation(name)
    z = torch.randn(3, 50, 8, generator=torch.Generator().manual_seed(1)) * 4
    want = log_derivative(act, z).flatten(1).mean(dim=1).double()
    got = mean_log_derivative(act, z.abs())
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_dead_unit_revival_and_frozen_weights() -> None:
    """Silence unit 0 of both hidden layers by hand, log, wake layer 2's up, log."""
    spec = _spec(activation=get_activation("relu"), inits=["he"], seeds=[0], depth=2)
    data = _data()
    model = EnsembleMLP(spec.activation, "he", 2, 5, 6, 3, [0], torch.float64)
    mon = _Monitor(model, spec, data)
    with torch.no_grad():
        model.weights[0][0, 0].zero_()  # pre-activation exactly 0 on every example
        model.biases[1][0, 0, 0] = -100.0
    mon(0, None)
    with torch.no_grad():
        model.biases[1][0, 0, 0] = 100.0
    _, rows = mon(1, None)
    assert bool(mon.revived[1, 0, 0]) and int(mon.revived.sum()) == 1
    assert bool(mon.ever_dead[0, 0, 0]) and not bool(mon.revived[0, 0, 0])
    # Layer 1's silent unit was untouched between the two logs: counted as frozen.
    assert mon.dead_pairs_frozen[0, 0] == mon.dead_pairs[0, 0] >= 1
    # Dead on the monitoring set ⟹ its incoming gradient row is exactly zero.
    assert float(rows[0]["zero_grad_units"][0]) >= float(rows[0]["dead_frac"][0])


def test_a_diverged_net_is_labelled_and_not_alive(tmp_path) -> None:
    """lr 1e4 blows ReLU nets up: their rows say "diverged", their units are stuck and a
    NaN pre-activation does not count as alive; the finite nets say "finite"."""

    from vanishing.machinery.pipeline import run_stage
    from vanishing.studies import training

    p = {
        **training.Params().__dict__,
        "activations": ["relu"],
        "inits": ["he"],
        "depths": [2],
        "seeds": [0, 1],
        "steps": 6,
        "log_every": 3,
        "width": 8,
        "monitor_size": 64,
        "job": "relu",
    }
    for lr, want in ((1e4, "diverged"), (1e-3, "finite")):
        outs = run_stage("training", {**p, "lr": lr}, tmp_path, job="relu")
        steps, layers, units = (pd.read_csv(outs[k]) for k in ("steps", "layers", "units"))
        last = steps[steps["step"] == steps["step"].max()]
        assert set(last["status"]) == {want}
        assert set(steps[steps["step"] == 0]["status"]) == {"finite"}
        assert set(units["status"]) == {want}
        assert (steps["negative_slope"] == 0.0).all()
        if want == "diverged":
            hid = layers[(layers["status"] == "diverged") & (layers["layer"] <= 2)]
            # a NaN gradient row cannot move its unit; dead counts are never NaN
            assert (hid["zero_grad_units"] == 1.0).all() and hid["dead_frac"].notna().all()
            # units fed by the NaN layer below are not alive
            end = hid[(hid["step"] == hid["step"].max()) & (hid["layer"] == 2)]
            assert (end["dead_frac"] == 1.0).all()


def test_extra_settings_train_their_own_init_besides_the_grid() -> None:
    from vanishing.machinery.params.training import Params, inits_of, job_activations

    p = Params(
        activations=["relu", "tanh"],
        inits=["xavier", "he"],
        extra_settings=[
            {"activation": "selu", "init": "lecun"},
            {"activation": "tanh", "init": "lecun"},
            {"activation": "relu", "init": "he"},  # already in the grid: trained once
        ],
    )
    assert job_activations(p) == ["relu", "tanh", "selu"]
    assert inits_of(p, "selu") == ["lecun"]
    assert inits_of(p, "tanh") == ["xavier", "he", "lecun"]
    assert inits_of(p, "relu") == ["xavier", "he"]
