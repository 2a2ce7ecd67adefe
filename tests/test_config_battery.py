"""Reliability battery: malformed configs, each layered on config/quick.yaml, must be
refused before any job starts, with the offending key path named.

Every case runs in-process through vanishing.machinery.config_check (milliseconds each). A
representative subset (``snake=True``: one of each way a config went wrong in
issue 8) also runs as ``snakemake -n --configfile config/quick.yaml bad.yaml``
(all in one process, through Snakemake's command-line entry: tests/snakemake_worker.py),
two of them as real runs (no -n) that must leave no results/ and no logs/ behind.
VANISHING_FULL_BATTERY=1 sends every case through Snakemake.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from vanishing.machinery.config_check import ConfigError, config_errors, load_yaml, merge

from .conftest import ROOT, copy_checkout

QUICK = ROOT / "config/quick.yaml"
FULL = os.environ.get("VANISHING_FULL_BATTERY") == "1"


@dataclass(frozen=True)
class Case:
    id: str
    overlay: str  # YAML layered on config/config.yaml + config/quick.yaml
    key: str  # the key path the message must name (at the start of a line)
    issue: bool = False  # one of the kinds issue 8 reports
    env: dict[str, str] = field(default_factory=dict)
    real: bool = False  # through Snakemake without -n (must write nothing)
    cores: int = 1
    snake: bool = False  # also through Snakemake in every test run


def _quick_without(key: str) -> str:
    cfg = yaml.safe_load(QUICK.read_text())
    del cfg[key]
    return yaml.safe_dump(cfg)


TINY_MEMORY = {"VANISHING_MEMORY_MB": "2000"}

CASES = [
    # ---- refused before (issue 8), keep them refused
    Case("unknown-activation", "activations: [swish, relu]", "activations[0]", True),
    Case("unknown-init", "inits: [he, kaiming_fancy]", "inits[1]", True),
    Case("depth-zero", "depths: [0, 4]", "depths[0]", True),
    Case("depth-negative", "depths: [2, -3]", "depths[1]", True),
    Case("depth-text", "depths: [two]", "depths[0]", True),
    Case("depth-bool", "depths: [true]", "depths[0]", True),
    Case("seeds-empty", "seeds: []", "seeds", True),
    Case("seeds-duplicate", "seeds: [3, 3]", "seeds", True),
    Case("width-zero", "width: 0", "width", True),
    Case("width-fraction", "width: 16.5", "width", True),
    Case("unknown-top-key", "colour: blue", "colour", True),
    Case("unknown-study-key", "studies: {training: {stepz: 10}}", "studies.training.stepz", True),
    Case("tanh-n0", "activations: [relu, tanh_n0]", "activations[1]", True),
    Case("bad-dtype", "probe: {dtype: float8}", "probe.dtype", True),
    # the whole config, without seeds
    Case("missing-required", "", "seeds", True, snake=True),
    Case("unknown-study", "studies: {no_such_study: {}}", "studies.no_such_study", True),
    # ---- refused without naming the key before
    Case(
        "steps-text",
        "studies: {training: {steps: abc}}",
        "studies.training.steps",
        True,
        snake=True,
    ),
    Case(
        "xor-activation",
        "studies: {xor: {activations: [foo]}}",
        "studies.xor.activations[0]",
        True,
        snake=True,
    ),
    Case(
        "training-depths-empty",
        "studies: {training: {depths: []}}",
        "studies.training.depths",
        True,
        snake=True,
    ),
    # ---- accepted, then crashed inside a job before
    Case("width-float", "width: 16.0", "width", True, snake=True),
    Case("depth-huge", "depths: [1000000]", "depths[0]", True, snake=True),
    Case("width-huge", "width: 10000000", "width", True),
    Case(
        "lr-negative",
        "studies: {lr_sweep: {lrs: [-0.1, 0.1, 1.0]}}",
        "studies.lr_sweep.lrs[0]",
        True,
    ),
    Case("sparsity-steps-zero", "studies: {sparsity: {steps: 0}}", "studies.sparsity.steps", True),
    Case(
        "lr-sweep-activation",
        "studies: {lr_sweep: {activation: swish}}",
        "studies.lr_sweep.activation",
        True,
    ),
    Case("sparsity-init", "studies: {sparsity: {init: kaiming}}", "studies.sparsity.init", True),
    Case("steps-fraction", "studies: {training: {steps: 1.5}}", "studies.training.steps", True),
    Case("cuda-without-cuda", "device: cuda", "device", True, snake=True),
    # ---- accepted and silently wrong before
    Case(
        "shell-string",
        "studies: {lr_sweep: {optimizer: \"sgd'$(touch injected)'\"}}",
        "studies.lr_sweep.optimizer",
        True,
        snake=True,
    ),
    Case(
        "seeds-repeated",
        "studies: {training: {seeds: [0, 0]}}",
        "studies.training.seeds",
        True,
        snake=True,
    ),
    Case("lr-inf", "studies: {training: {lr: .inf}}", "studies.training.lr", True, snake=True),
    Case("batch-beyond-split", "probe: {batch_size: 100000}", "probe.batch_size", True, snake=True),
    Case(
        "rule-set-key",
        "studies: {meanfield: {summary: x.csv}}",
        "studies.meanfield.summary",
        True,
        snake=True,
    ),
    # ---- more kinds
    Case("rule-set-job", "studies: {training: {job: e2}}", "studies.training.job"),
    Case("lr-nan", "studies: {training: {lr: .nan}}", "studies.training.lr"),
    Case("leaky-slope-above-1", "leaky_slope: 1.5", "leaky_slope"),
    Case("samples-as-text", "studies: {products: {samples: 1e6}}", "studies.products.samples"),
    Case(
        "xor-optimizer-name",
        "studies: {xor: {optimizers: [{name: rmsprop, lr: 0.1, steps: 10}]}}",
        "studies.xor.optimizers[0].name",
    ),
    Case(
        "xor-optimizer-incomplete",
        "studies: {xor: {optimizers: [{name: sgd, lr: 0.1}]}}",
        "studies.xor.optimizers[0].steps",
    ),
    Case(
        "dead-layer-too-deep",
        "studies: {backprop: {dead_layers: [5]}}",
        "studies.backprop.dead_layers",
    ),
    Case("l1-without-zero", "studies: {sparsity: {l1: [0.1, 0.2]}}", "studies.sparsity.l1"),
    Case(
        "underflow-no-float64",
        "studies: {underflow: {dtypes: [float16]}}",
        "studies.underflow.dtypes",
    ),
    Case(
        "eval-every-beyond-steps",
        "studies: {lr_sweep: {eval_every: 100}}",
        "studies.lr_sweep.eval_every",
    ),
    Case(
        "cancel-range-reversed",
        "studies: {products: {cancel_bad_lo: 20.0}}",
        "studies.products.cancel_bad_lo",
    ),
    Case(
        "slope-one", "studies: {leaky_slope: {slopes: [0.0, 1.0]}}", "studies.leaky_slope.slopes[1]"
    ),
    Case(
        "slope-unnameable",
        "studies: {leaky_slope: {slopes: [0.0, 0.00001]}}",
        "studies.leaky_slope.slopes",
    ),
    Case("study-not-mapping", "studies: {training: [1, 2]}", "studies.training"),
    Case("probe-not-mapping", "probe: 5", "probe"),
    Case("activations-not-list", "activations: relu", "activations"),
    Case("seed-negative", "studies: {training: {seeds: [-1]}}", "studies.training.seeds[0]"),
    Case("seed-too-large", "seeds: [2147483648]", "seeds[0]"),
    Case(
        "equivalence-optimizer",
        "studies: {equivalence: {optimizers: [adagrad]}}",
        "studies.equivalence.optimizers[0]",
    ),
    Case("source-d-inputs", "studies: {source_d: {inputs: raw}}", "studies.source_d.inputs"),
    Case(
        "monitor-beyond-split",
        "studies: {training: {monitor_size: 5000}}",
        "studies.training.monitor_size",
    ),
    Case(
        "backprop-activation",
        "studies: {backprop: {activations: [sigmoid]}}",
        "studies.backprop.activations[0]",
    ),
    Case(
        "e4-depth-one",
        "studies: {meanfield: {e4_depths: [1, 4]}}",
        "studies.meanfield.e4_depths[0]",
    ),
    Case(
        "underflow-activation",
        "studies: {underflow: {activation: relu}}",
        "studies.underflow.activation",
    ),
    Case("born-dead-one-seed", "studies: {dying: {n_seeds: 1}}", "studies.dying.n_seeds"),
    Case("device-gpu", "device: gpu", "device"),
    Case(
        "training-activation-family",
        "studies: {training: {activations: [tanh_n]}}",
        "studies.training.activations[0]",
    ),
    Case("studies-bool", "studies: {training: {lr: true}}", "studies.training.lr"),
    # ---- the resource guard (VANISHING_MEMORY_MB fixes the memory: machine-independent)
    Case("grid-too-big", "width: 1024\ndepths: [64]", "width", True, TINY_MEMORY, snake=True),
    Case(
        "training-too-big",
        "studies: {training: {width: 2048, depths: [40]}}",
        "studies.training.width",
        env=TINY_MEMORY,
    ),
    # one activation per probe job, so that two probe jobs can run at once
    Case(
        "too-big-for-two-cores",
        "width: 600\ndepths: [50]\nprobe: {activations_per_job: 1}",
        "width",
        env=TINY_MEMORY,
        cores=2,
    ),
    # ---- real runs (no -n): nothing may be written
    Case(
        "real-run-bad-value",
        "studies: {training: {steps: abc}}",
        "studies.training.steps",
        True,
        real=True,
        snake=True,
    ),
    Case(
        "real-run-too-big",
        "width: 1024\ndepths: [64]",
        "width",
        True,
        TINY_MEMORY,
        real=True,
        snake=True,
    ),
]


def test_battery_is_big_enough() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 40


def _layered(case: Case) -> dict:
    if case.id == "missing-required":
        return yaml.safe_load(_quick_without("seeds"))
    cfg = merge(yaml.safe_load((ROOT / "config/config.yaml").read_text()), load_yaml(QUICK))
    return merge(cfg, yaml.safe_load(case.overlay) or {})


def _skip_if_cuda(case: Case) -> None:
    if case.key == "device" and "cuda" in case.overlay:
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")


def _names_key(text: str, key: str) -> bool:
    return any(line.strip().startswith(f"{key}: ") for line in text.splitlines())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_in_process(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    _skip_if_cuda(case)
    for k, v in case.env.items():
        monkeypatch.setenv(k, v)
    errors = config_errors(copy.deepcopy(_layered(case)), cores=case.cores)
    assert errors, case.id
    assert _names_key("\n".join(errors), case.key), errors


def test_quick_config_passes_in_process() -> None:
    cfg = merge(yaml.safe_load((ROOT / "config/config.yaml").read_text()), load_yaml(QUICK))
    assert config_errors(cfg, cores=2) == []


def test_yaml_syntax_error_in_process(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("studies:\n  training:\n    steps: [10\n  xor: {}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:4:\d+: not valid YAML"):
        load_yaml(bad)


# ---- through Snakemake ----------------------------------------------------------------

WORKER = Path(__file__).with_name("snakemake_worker.py")
SNAKE_CASES = [c for c in CASES if c.snake or FULL]
YAML_ERROR = "yaml-syntax-error"
CONTROL = "control"


def _command(work: Path, case: Case) -> dict:
    """The Snakemake command of ``case``, its overlay written into ``work``."""
    if case.id == "missing-required":
        (work / f"{case.id}.yaml").write_text(_quick_without("seeds"))
        args = ["-n", "--replace-workflow-config", "--configfile", f"{case.id}.yaml"]
    else:
        (work / f"{case.id}.yaml").write_text(case.overlay + "\n")
        run = ["--cores", "1"] if case.real else ["-n"]
        args = [*run, "--configfile", "config/quick.yaml", f"{case.id}.yaml"]
    return {"id": case.id, "args": args, "env": case.env}


@pytest.fixture(scope="module")
def snakemake_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every Snakemake case, the quick config as a control and a YAML syntax error, in
    one copy of the workflow and one process (tests/snakemake_worker.py): {id:
    {"returncode", "output"}}, and "_written", what they left in results/ and logs/."""
    work = copy_checkout(tmp_path_factory.mktemp("battery"))
    (work / f"{YAML_ERROR}.yaml").write_text("studies:\n  training:\n    steps: [10\n  xor: {}\n")
    quick = ["-n", "--configfile", "config/quick.yaml"]
    commands = [
        *(_command(work, c) for c in SNAKE_CASES),
        {"id": CONTROL, "args": quick},
        {"id": YAML_ERROR, "args": [*quick, f"{YAML_ERROR}.yaml"]},
    ]
    (work / "commands.json").write_text(json.dumps(commands))
    proc = subprocess.run(
        [sys.executable, str(WORKER), "commands", "commands.json"],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    out: dict = {r["id"]: r for r in rows}
    assert sorted(out) == sorted(c["id"] for c in commands), proc.stderr[-3000:]
    out["_written"] = [p.name for p in (work / "results", work / "logs") if p.exists()]
    return out


@pytest.mark.e2e
@pytest.mark.parametrize("case", SNAKE_CASES, ids=[c.id for c in SNAKE_CASES])
def test_refused_by_snakemake_before_any_job(case: Case, snakemake_runs: dict) -> None:
    _skip_if_cuda(case)
    run = snakemake_runs[case.id]
    text = run["output"]
    assert run["returncode"] != 0, text[-2000:]
    assert _names_key(text, case.key), text[-2000:]
    assert "invalid config, nothing was run" in text
    assert "Job stats" not in text and "Building DAG" not in text  # stopped at parse time


@pytest.mark.e2e
def test_no_job_wrote_anything(snakemake_runs: dict) -> None:
    assert snakemake_runs["_written"] == []


@pytest.mark.e2e
def test_quick_config_passes_snakemake(snakemake_runs: dict) -> None:
    run = snakemake_runs[CONTROL]
    assert run["returncode"] == 0, run["output"][-2000:]


@pytest.mark.e2e
def test_yaml_syntax_error_stops_snakemake(snakemake_runs: dict) -> None:
    """Snakemake loads --configfile before the Snakefile runs, and its message has no
    line (`--verbose` shows the parser's); `python -m vanishing.machinery.config_check` has it."""
    run = snakemake_runs[YAML_ERROR]
    assert run["returncode"] != 0
    assert "not valid JSON or YAML" in run["output"]
