"""The resource guard: its memory model against real jobs, and its refusals."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from vanishing.machinery import resources
from vanishing.machinery.config_check import merge, study_defaults, study_params

from .conftest import ROOT

# One job in a fresh process; prints its peak resident memory in bytes.
JOB = """
import json, resource, sys, tempfile, pathlib
from vanishing.core.runtime import setup
setup(1)
kind, p = sys.argv[1], json.loads(sys.argv[2])
if kind == "probe":
    from vanishing.studies.probe import run_probe
    run_probe("tanh", "xavier", p["depths"], p["seeds"], p["width"], p["probe"]["batch_size"],
              p["probe"]["dtype"])
else:
    from vanishing.studies import training
    from vanishing.machinery.tables import Tables
    tmp = pathlib.Path(tempfile.mkdtemp())
    out = {k: tmp / f"{k}.csv" for k in ("steps", "layers", "units")}
    training.run(training.Params(**{**p, "job": p["activations"][0]}), Tables({}), out)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _peak(kind: str, params: dict) -> float:
    out = subprocess.run(
        [sys.executable, "-c", JOB, kind, json.dumps(params)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.split()[-1])


def test_probe_estimate_is_within_a_factor_of_two() -> None:
    cfg = {
        "activations": ["tanh"],
        "inits": ["xavier"],
        "depths": [12],
        "seeds": [0, 1, 2],
        "width": 512,
        "probe": {"batch_size": 64, "dtype": "float64"},
    }
    (job,) = resources.probe_jobs(cfg)
    measured = _peak("probe", cfg)
    assert 0.5 < job.bytes / measured < 2, (job.bytes, measured)


def test_training_estimate_is_within_a_factor_of_two() -> None:
    p = study_params(
        "training",
        {"activations": ["tanh"], "width": 192, "depths": [8], "steps": 40, "seeds": [0, 1]},
    )
    grid = resources.training_jobs(p)[0]
    measured = _peak("training", p)
    assert 0.5 < grid.bytes / measured < 2, (grid.bytes, measured)


def _quick() -> dict:
    cfg = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    return merge(cfg, yaml.safe_load((ROOT / "config/quick.yaml").read_text()))


def _plan(cfg: dict) -> list[resources.Job]:
    st = cfg.get("studies") or {}
    return resources.plan(cfg, lambda n: study_params(n, st.get(n)), study_defaults)


def test_every_study_has_an_estimate() -> None:
    from vanishing.machinery.config_schema import study_names

    labels = " ".join(j.label for j in _plan(_quick()))
    for name in study_names():
        assert name in labels, name


def test_guard_names_the_key_furthest_above_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(resources.ENV_MEMORY, "2000")
    cfg = {**_quick(), "width": 256, "depths": [2, 1000]}  # 4x and 20x the defaults
    errors = resources.check_resources(_plan(cfg))
    assert errors and errors[0].startswith("depths: probe"), errors
    assert "2.0 GB available (VANISHING_MEMORY_MB=2000)" in errors[0]
    monkeypatch.setenv(resources.ENV_MEMORY, "1000000")
    assert resources.check_resources(_plan(cfg)) == []


def test_default_and_quick_grids_fit_this_kind_of_machine() -> None:
    """The shipped configs must pass the guard on the 2-core, 24 GB development machine."""
    default = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    for cfg in (default, _quick()):
        biggest = max(j.bytes for j in _plan(cfg))
        assert biggest < 4e9, biggest
