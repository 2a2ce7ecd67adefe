"""Tests of the small focused studies and their claim checks.

Study code is checked against independent computations (autograd, per-network
runs, closed forms); each check runs on tiny synthetic tables and must flip its
verdict when the numbers do.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from vanishing.core.activations import get_activation
from vanishing.core.models import EnsembleMLP
from vanishing.studies import backprop, dying, facts, xor
from vanishing.studies._small import batch_orders, evaluate

# ---- study code against independent computations ------------------------------


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_manual_backward_matches_autograd(name: str) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(7, 5, generator=g, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0])
    init = "he" if name == "relu" else "xavier"
    model = EnsembleMLP(get_activation(name), init, 3, 6, 5, 3, [0, 1], torch.float64)
    gw_auto, dz_auto = backprop.autograd_backward(model, x, y)
    with torch.no_grad():
        gw_man, dz_man = backprop.manual_backward(model, x, y)
    for a, m in zip(gw_auto + dz_auto, gw_man + dz_man, strict=True):
        torch.testing.assert_close(a, m, rtol=1e-12, atol=1e-14)


def test_batch_order_depends_on_own_seed_only() -> None:
    both = batch_orders([0, 1], 50, 8, 13)
    alone = batch_orders([1], 50, 8, 13)
    assert torch.equal(both[:, 1], alone[:, 0])
    assert not torch.equal(both[:, 0], both[:, 1])


def test_xor_ensemble_equals_single_network_runs() -> None:
    opt = {"name": "adam", "lr": 0.05, "steps": 30}
    pair = xor.train_xor("relu", 2, [3, 4], "xavier", opt, torch.float64)
    single = xor.train_xor("relu", 2, [4], "xavier", opt, torch.float64)
    assert pair.iloc[1]["final_loss"] == pytest.approx(single.iloc[0]["final_loss"], rel=1e-12)


def test_born_dead_matches_per_network_forward() -> None:
    p = dying.Params(widths=[2], depths=[6], n_seeds=40, n_inputs=64)
    df = dying.born_dead_run(p)
    # zero biases: constant output <=> some hidden layer is all zero
    assert (df["born_dead"] == (df["first_dead_layer"] > 0)).all()
    assert 0 < df["born_dead"].mean() < 1  # depth 6, width 2: both kinds occur


def test_zero_init_relu_stays_zero() -> None:
    p = dying.Params(
        zero_activations=["relu", "sigmoid"],
        zero_depth=2,
        zero_width=4,
        zero_steps=3,
        zero_seeds=[0],
    )
    df = dying.zero_init_run(p)
    relu = df[df["activation"] == "relu"]
    assert (relu["hidden_abs_max"] == 0).all() and (relu["hidden_grad_abs_max"] == 0).all()
    sig = df[(df["activation"] == "sigmoid") & (df["step"] == 3)]
    assert (sig["hidden_grad_abs_max"] > 0).all()


def test_facts_closed_forms() -> None:
    p = facts.Params(n_samples=200_000, lin_depths=[3], lin_seeds=[0, 1])
    f = facts.scalar_facts(p)
    assert f["autograd_derivative_at_0_relu"] == 0.0
    assert f["normal_inside_unit_mc"] == pytest.approx(math.erf(1 / math.sqrt(2)), abs=0.005)
    assert f["tanh_identity_max_abs_error"] < 1e-12
    lin = facts.linear_net(p)
    assert (lin["product_residual"] < 1e-12).all() and (lin["rank"] <= 8).all()


def test_evaluate_dead_fraction_by_hand() -> None:
    model = EnsembleMLP(get_activation("relu"), "he", 1, 3, 2, 2, [0], torch.float64)
    with torch.no_grad():
        model.biases[0][0, 0, :] = torch.tensor([-100.0, 0.0, 100.0])
    x = torch.randn(20, 2, dtype=torch.float64)
    ev = evaluate(model, x, torch.zeros(20, dtype=torch.long))
    assert float(ev["dead_frac"][0]) == pytest.approx(1 / 3)


def test_tanh_derivative_from_output() -> None:
    out = backprop.tanh_derivative(
        backprop.Params(timing_numel=1000, timing_repeats=3, depths=[1], seeds=[0], batch_size=8)
    )
    assert out["max_abs_diff_from_y_vs_autograd"] < 1e-12
    assert out["torch_tanh_saves_result"]
    # operation counts: context for B8 (the same on every machine)
    assert out["ops_transcendental_from_output_1_minus_y2"] == 0
    assert out["ops_transcendental_from_input_1_minus_tanh2"] == 1
    # the deterministic table holds no timing: those go to the machine-dependent one
    assert not any(k.startswith("time_") for k in out)


def test_tanh_timing_interleaves_equal_work() -> None:
    p = backprop.Params(timing_numel=5000, timing_repeats=6, timing_dtype="float32")
    df = backprop.tanh_timing(p)
    assert list(df["repeat"]) == list(range(6))
    assert list(df["first"]) == ["from_y", "from_x"] * 3  # the order alternates
    assert set(df["numel"]) == {5000} and set(df["dtype"]) == {"float32"}
    assert (df[["time_from_y_s", "time_from_x_s"]] > 0).all().all()


def test_tanh_timing_is_the_declared_machine_dependent_table(tmp_path) -> None:
    from vanishing.machinery import pipeline

    params = {
        "depths": [1],
        "seeds": [0],
        "batch_size": 8,
        "dead_steps": 2,
        "dead_depth": 2,
        "timing_numel": 1000,
        "timing_repeats": 2,
    }
    out = pipeline.run_stage("backprop", params, tmp_path)
    assert pipeline.MACHINE_DEPENDENT == {"backprop.timing"}
    assert out["timing"].name == "tanh_timing.machine-dependent.csv"
    assert pipeline.is_machine_dependent(out["timing"].relative_to(tmp_path).as_posix())
    # every other output of the stage is deterministic
    for key in ("compare", "never_fire", "tanh"):
        assert not pipeline.is_machine_dependent(out[key].relative_to(tmp_path).as_posix())
    pipeline.check_unique()


def test_lr_sweep_sgd_fast_path_equals_autograd_training(tmp_path) -> None:
    """The sweep's SGD steps (backward.sgd_step) against the generic autograd loop
    (_small.train_minibatch + evaluate) on the same networks and batch orders."""
    from vanishing.core.data import digits
    from vanishing.machinery import pipeline
    from vanishing.studies import lr_sweep
    from vanishing.studies._small import digits_ensemble, train_minibatch

    params = {
        "lrs": [0.01, 0.1, 0.5],
        "seeds": [0, 1],
        "depth": 2,
        "width": 8,
        "steps": 20,
        "eval_every": 10,
    }
    out = pipeline.run_stage("lr_sweep", params, tmp_path)
    fast = pd.read_csv(out["curves"]).set_index(["lr", "step", "seed"])["train_loss"]
    p = lr_sweep.Params(**params)
    ds = digits()
    for lr in p.lrs:
        model = digits_ensemble(p, p.activation)
        ref = {}

        def record(step: int, model=model, ref=ref) -> None:
            ref[step] = evaluate(model, ds.x_train, ds.y_train)["loss"]

        train_minibatch(
            model,
            ds.x_train,
            ds.y_train,
            optimizer="sgd",
            lr=lr,
            steps=p.steps,
            batch_size=p.batch_size,
            eval_every=p.eval_every,
            on_eval=record,
        )
        assert sorted(ref) == [0, 10, 20]
        for step, losses in ref.items():
            for i, seed in enumerate(p.seeds):
                # float32 rounding: the fused update rounds once where SGD rounds twice
                assert fast[(lr, step, seed)] == pytest.approx(float(losses[i]), rel=1e-4)


# ---- the stages' declared params types ------------------------------------------------


def _stage_runs() -> list[tuple[str, str, str]]:
    """(job, module, params type) of every job that runs a module's run()."""
    from vanishing.machinery import pipeline

    return [
        *((s.name, s.module, s.params_type) for s in pipeline.STAGES),
        ("claims", "vanishing.claims.evaluate", pipeline.CLAIMS_PARAMS),
        ("report", "vanishing.report.render", pipeline.REPORT_PARAMS),
    ]


@pytest.mark.parametrize(("name", "module", "params_type"), _stage_runs())
def test_run_takes_the_declared_params_type(name: str, module: str, params_type: str) -> None:
    """The manifest's params type of each job is what its run() is annotated to take."""
    import importlib
    import typing

    from vanishing.machinery.jobs import resolve

    run = importlib.import_module(module).run
    first = next(iter(typing.get_type_hints(run)))
    assert typing.get_type_hints(run)[first] is resolve(params_type), name


def test_the_rules_params_fit_the_declared_types() -> None:
    """What each rule passes, under the default and the quick config, builds its type."""
    import yaml

    from vanishing.machinery import pipeline
    from vanishing.machinery.config_check import merge
    from vanishing.machinery.jobs import typed_params

    from .conftest import ROOT

    def load(name: str) -> dict:
        return yaml.safe_load((ROOT / "config" / name).read_text())

    for config in (load("config.yaml"), merge(load("config.yaml"), load("quick.yaml"))):
        for s in pipeline.STAGES:
            for job in s.job_names(config):
                p = typed_params(s.name, s.params_type, s.job_params(config, job))
                if s.module == "vanishing.studies.training":  # training and training_e2
                    assert (p.job, p.device) == (job or "e2", config["device"])


def test_a_key_the_params_type_lacks_stops_the_stage(tmp_path) -> None:
    from vanishing.machinery import pipeline
    from vanishing.machinery.jobs import StageParamsError, typed_params

    with pytest.raises(StageParamsError, match=r"stage xor: unknown parameter 'n_seed'"):
        pipeline.run_stage("xor", {"n_seed": 1}, tmp_path)
    probe = {"activations": ["relu"], "inits": ["he"], "depths": [2], "seeds": [0], "width": 8}
    with pytest.raises(StageParamsError, match=r"stage probe: missing parameter 'batch_size'"):
        typed_params("probe", "vanishing.studies.probe:ProbeParams", {**probe, "leaky_slope": 0.01})
    with pytest.raises(StageParamsError, match=r"stage theory: unknown parameter 'tanh_n'"):
        pipeline.run_stage("theory", {"tanh_n": [2.0]}, tmp_path)


def test_the_report_params_type_declares_every_config_key() -> None:
    """The report's rule passes the whole config (workflow/rules/common.smk): a key
    added to the config but not to ReportParams would stop the report job."""
    import dataclasses

    from vanishing.machinery.config_schema import Config
    from vanishing.report.render import ReportParams

    declared = ReportParams.__required_keys__ | ReportParams.__optional_keys__
    assert {f.name for f in dataclasses.fields(Config)} | {"studies"} <= declared
