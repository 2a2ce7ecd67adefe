"""Config validation (schema + semantic checks) and the agreement of the pins."""

from __future__ import annotations

import copy
import re
import tomllib

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from vanishing.config_check import ConfigError, check_config

from .conftest import ROOT

SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")


def _config(name: str = "config.yaml") -> dict:
    return yaml.safe_load((ROOT / "config" / name).read_text())


@pytest.mark.parametrize("name", ["config.yaml", "quick.yaml"])
def test_shipped_configs_are_valid(name: str) -> None:
    cfg = _config(name)
    validate(cfg, SCHEMA)
    check_config(cfg)
    assert cfg["probe"]["batch_size"] > 0  # defaults filled in


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("activations", ["relu", "swish"], "activations"),
        ("depths", [0, 4], "depths"),
        ("seeds", [], "seeds"),
        ("inits", ["he", "kaiming_fancy"], "inits"),
        ("width", 0, "width"),
    ],
)
def test_bad_values_are_rejected_naming_the_key(key: str, value: object, named: str) -> None:
    cfg = _config()
    cfg[key] = value
    with pytest.raises(WorkflowError) as err:
        validate(cfg, SCHEMA)
    assert named in str(err.value)


def test_semantic_check_names_the_bad_activation() -> None:
    cfg = _config()
    cfg["activations"] = ["relu", "tanh_n0"]
    with pytest.raises(ConfigError, match=r"activations\[1\]"):
        check_config(cfg)


def test_unknown_study_key_is_rejected() -> None:
    cfg = copy.deepcopy(_config())
    cfg["studies"] = {"no_such_study": {}}
    with pytest.raises(ConfigError, match="studies.no_such_study"):
        check_config(cfg)


def _pins_from_pyproject() -> set[str]:
    """The runtime pins: what the pipeline's jobs need (no test or cluster tools)."""
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def _pip_section(path: str) -> list[str]:
    env = yaml.safe_load((ROOT / path).read_text())
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))


def test_environment_yml_has_the_runtime_pins_and_the_project() -> None:
    pip = _pip_section("environment.yml")
    # conda runs pip from the file's folder: "." is the checkout.
    assert [p for p in pip if "==" not in p] == ["-e ."]
    assert {p for p in pip if "==" in p} == _pins_from_pyproject()


def test_snakemake_conda_env_has_the_runtime_pins_only() -> None:
    # Snakemake copies a rule's env file into .snakemake/conda/, so it must not name
    # the project by a relative path; the job script imports it from src/ instead.
    assert set(_pip_section("workflow/envs/vanishing.yaml")) == _pins_from_pyproject()
    common = (ROOT / "workflow/rules/common.smk").read_text()
    assert re.search(r'^ENV = "../envs/vanishing.yaml"$', common, flags=re.M)


def test_test_tools_stay_out_of_the_runtime_pins() -> None:
    runtime = {re.split("==", r)[0] for r in _pins_from_pyproject()}
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert {re.split("==", r)[0] for r in extras["dev"]} >= {"pytest", "ruff"}
    assert not runtime & {"pytest", "ruff", "snakefmt", "snakemake-executor-plugin-slurm"}
    assert [r.split("==")[0] for r in extras["slurm"]] == ["snakemake-executor-plugin-slurm"]


def test_every_dependency_is_pinned_exactly() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    for req in reqs:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.+]*", req), req
