"""Training stage: the batched SGD loop against per-network references, the
dead-unit bookkeeping against hand-made cases, and every check's verdict
flipping on tiny synthetic tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing.activations import derivative, get_activation
from vanishing.claims import checks_training as ct
from vanishing.claims.registry import Results
from vanishing.data import Dataset
from vanishing.models import EnsembleMLP, reference_mlp
from vanishing.pipeline import results_at
from vanishing.train import TrainSpec, _Monitor, batch_indices, log_derivative, train


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


# ---- synthetic tables for the checks ----------------------------------------

KEYS = ["activation", "init", "depth", "seed"]


def _write(root: Path, job: str, steps: pd.DataFrame, layers: pd.DataFrame, units: pd.DataFrame):
    d = root / "studies/training/grid" / job
    d.mkdir(parents=True, exist_ok=True)
    steps.to_csv(d / "steps.csv", index=False)
    layers.to_csv(d / "layers.csv", index=False)
    units.to_csv(d / "units.csv", index=False)


def _grid_tables(
    acts=("relu", "leaky_relu", "necro_relu", "tanh", "tanh_n2"),
    inits=("glorot_standard", "xavier", "he"),
    depths=(2, 4),
    loss=lambda a, i, d: 0.1 * d,
    dead=lambda a, i, d, ly, t: 0.0,
    grad=lambda a, i, d, ly, t: 1.0,
    delta=lambda a, i, d, ly, t: 1.0,
    good=lambda a, i, d, ly, t: 0.5,
    rel_change=lambda a, i, d, ly: 0.1,
    update=lambda a, i, d, ly: 1e-3,
    revived=0,
    ever_dead=10,
):
    s_rows, l_rows, u_rows = [], [], []
    for a in acts:
        for i in inits:
            for d in depths:
                for seed in (0, 1):
                    for t in (0, 10):
                        s_rows.append(
                            dict(
                                activation=a,
                                init=i,
                                depth=d,
                                seed=seed,
                                step=t,
                                loss=2.3 if t == 0 else loss(a, i, d),
                            )
                        )
                        for layer in range(1, d + 2):
                            hidden = layer <= d
                            df = dead(a, i, d, layer, t) if hidden else math.nan
                            l_rows.append(
                                dict(
                                    activation=a,
                                    init=i,
                                    depth=d,
                                    seed=seed,
                                    step=t,
                                    layer=layer,
                                    grad_norm=grad(a, i, d, layer, t),
                                    numel=100,
                                    delta_norm=delta(a, i, d, layer, t),
                                    rel_change=rel_change(a, i, d, layer),
                                    update_ratio=update(a, i, d, layer) if t else math.nan,
                                    dead_frac=df,
                                    zero_grad_units=df if a == "relu" else 0.0,
                                    deriv_exact01_frac=1.0 if a == "relu" and hidden else math.nan,
                                    deriv_min=0.0,
                                    frac_inside_t1=good(a, i, d, layer, t)
                                    if hidden and a.startswith("tanh_n")
                                    else math.nan,
                                )
                            )
                    for layer in range(1, d + 1):
                        u_rows.append(
                            dict(
                                activation=a,
                                init=i,
                                depth=d,
                                seed=seed,
                                layer=layer,
                                ever_dead=ever_dead,
                                revived=0 if layer == 1 else revived,
                                monitor_size=100,
                            )
                        )
    return pd.DataFrame(s_rows), pd.DataFrame(l_rows), pd.DataFrame(u_rows)


def _results(tmp_path: Path, **kw) -> Results:
    _write(tmp_path, "all", *_grid_tables(**kw))
    return results_at(tmp_path)


def test_a10_flips(tmp_path: Path) -> None:
    def vanish(a, i, d, ly, t):
        return 1e-3 if (t and ly == 1) else 1.0

    falling = dict(good=lambda a, i, d, ly, t: 0.8 - 0.5 * (t > 0))
    r = _results(tmp_path / "yes", grad=vanish, **falling)
    assert ct.check_a10(r).verdict == "supported"
    r = _results(tmp_path / "no", **falling)  # good x turn bad, the gradient does not vanish
    assert ct.check_a10(r).verdict == "refuted"


def test_b1_b2_flip(tmp_path: Path) -> None:
    r = _results(tmp_path / "a", dead=lambda *a: 0.2, revived=0)
    assert ct.check_b1(r).verdict == "supported"
    assert ct.check_b2(r).verdict == "refuted"
    r = _results(tmp_path / "b", dead=lambda *a: 0.2, revived=5)
    assert ct.check_b1(r).verdict == "qualified"
    assert ct.check_b2(r).verdict == "supported"


def test_b5_b7_flip(tmp_path: Path) -> None:
    def loss_relu_bad(a, i, d):
        return 2.0 if a == "relu" else 0.1

    r = _results(
        tmp_path / "a",
        acts=("relu", "leaky_relu", "necro_relu"),
        dead=lambda a, *r: 0.3 if a == "relu" else 0.0,
        loss=loss_relu_bad,
    )
    assert ct.check_b5(r).verdict == "supported"
    assert ct.check_b7(r).verdict == "refuted"  # necro ties leaky: never beats both

    def loss_necro_best(a, i, d):
        return {"relu": 2.0, "leaky_relu": 1.0, "necro_relu": 0.1}[a]

    r = _results(
        tmp_path / "b",
        acts=("relu", "leaky_relu", "necro_relu"),
        dead=lambda a, *r: 0.3 if a == "relu" else 0.0,
        loss=loss_necro_best,
    )
    assert ct.check_b7(r).verdict == "supported"
    r = _results(
        tmp_path / "c",
        acts=("relu", "leaky_relu"),
        dead=lambda a, *r: 0.3 if a == "relu" else 0.0,
        loss=lambda *a: 1.0,
    )
    assert ct.check_b5(r).verdict == "refuted"


def test_b9_flips(tmp_path: Path) -> None:
    def matched(a, i, d):
        return 0.1 if (i == "he") == a.endswith("relu") and i != "glorot_standard" else 1.0

    r = _results(tmp_path / "a", loss=matched)
    assert ct.check_b9(r).verdict == "qualified"  # interaction, but leaky = relu
    r = _results(tmp_path / "b", loss=lambda a, i, d: 0.1 if i == "he" else 1.0)
    assert ct.check_b9(r).verdict == "refuted"


def test_c5_flips(tmp_path: Path) -> None:
    r = _results(
        tmp_path / "a",
        grad=lambda a, i, d, ly, t: float(ly),
        rel_change=lambda a, i, d, ly: 0.01 * ly,
    )
    assert ct.check_c5(r).verdict == "supported"
    r = _results(tmp_path / "b", grad=lambda a, i, d, ly, t: 1.0 / ly)
    assert ct.check_c5(r).verdict == "refuted"
    # Holding at every depth for one activation only: true under conditions.
    r = _results(
        tmp_path / "c",
        grad=lambda a, i, d, ly, t: float(ly) if a == "relu" else 1.0 / ly,
        rel_change=lambda a, i, d, ly: 0.01 * ly,
    )
    assert ct.check_c5(r).verdict == "qualified"


def test_d2_flips(tmp_path: Path) -> None:
    r = _results(
        tmp_path / "a",
        loss=lambda a, i, d: 0.1 * d,
        update=lambda a, i, d, ly: 1e-5 if ly == 1 else 1e-3,
    )
    assert ct.check_d2(r).verdict == "supported"
    r = _results(tmp_path / "b", loss=lambda a, i, d: 0.1)
    assert ct.check_d2(r).verdict == "refuted"


def test_e3_flips(tmp_path: Path) -> None:
    def profile(a, i, d, ly, t):
        return 10.0 ** (-0.3 * (d - ly)) if i == "glorot_standard" else 1.0

    assert ct.check_e3(_results(tmp_path / "a", delta=profile)).verdict == "supported"
    assert ct.check_e3(_results(tmp_path / "b")).verdict == "refuted"


def _e2(root: Path, xavier_end: float, he_end: float) -> Results:
    rows = []
    for init, end in (("xavier", xavier_end), ("he", he_end)):
        for seed in range(3):
            for t, loss in ((0, 2.3), (100, end)):
                rows.append(
                    dict(
                        activation="relu",
                        init=init,
                        depth=30,
                        seed=seed,
                        step=t,
                        loss=loss,
                        lr=0.01,
                        width=64,
                    )
                )
    d = root / "studies/training/e2"
    d.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(d / "steps.csv", index=False)
    return results_at(root)


def test_e2_flips(tmp_path: Path) -> None:
    assert ct.check_e2(_e2(tmp_path / "a", 2.29, 0.3)).verdict == "supported"
    assert ct.check_e2(_e2(tmp_path / "b", 0.3, 0.3)).verdict == "refuted"
    assert ct.check_e2(_e2(tmp_path / "c", 1.5, 0.3)).verdict == "qualified"
    assert np.isfinite(ct.check_e2(_e2(tmp_path / "d", float("nan"), 0.3)).values["he_ratio"])
