"""Config validation (schema + semantic checks) and the agreement of the pins."""

from __future__ import annotations

import copy
import re
import tomllib

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from vanishing.machinery.config_check import ConfigError, check_config, fill_defaults

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
    "user",
    [
        {"activations": ["relu"], "inits": ["he"], "depths": [2], "seeds": [0]},
        {"activations": ["relu"], "inits": ["he"], "depths": [2], "seeds": [0], "probe": {}},
        {
            **yaml.safe_load((ROOT / "config" / "quick.yaml").read_text()),
            "probe": {"dtype": "float32"},
        },
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()),
    ],
    ids=["bare", "empty-probe", "quick", "default"],
)
def test_defaults_are_filled_as_snakemake_validate_fills_them(user: dict) -> None:
    """The Snakefile fills defaults with ``fill_defaults`` instead of Snakemake's
    ``validate`` (checked once already by check_config): the same config comes out."""
    ours, theirs = copy.deepcopy(user), copy.deepcopy(user)
    fill_defaults(ours)
    validate(theirs, SCHEMA)
    assert ours == theirs
    assert "widths" in ours and "batch_size" in ours["probe"]


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


# ---- the generated schema ----------------------------------------------------------


def test_committed_schema_is_the_generated_one() -> None:
    """workflow/schemas/config.schema.yaml is generated from the typed dataclasses:
    after editing a Params field, run `python -m vanishing.machinery.config_schema --write`."""
    from vanishing.machinery.config_schema import dump

    assert (ROOT / "workflow/schemas/config.schema.yaml").read_text() == dump()


def _leaves(schema: dict, path: str = ""):
    yield path, schema
    for key, sub in schema.get("properties", {}).items():
        yield from _leaves(sub, f"{path}.{key}" if path else key)
    if "items" in schema:
        yield from _leaves(schema["items"], f"{path}[]")


def test_every_user_value_is_bounded() -> None:
    """Every number has a lower and an upper bound, every list a length limit, every
    string an enum or a pattern: a typo cannot reach a job as a huge or unknown value."""
    from vanishing.machinery.config_schema import schema

    for path, s in _leaves(schema()):
        kind = s.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if {"integer", "number"} & set(kinds):
            assert {"minimum", "exclusiveMinimum"} & set(s), path
            assert {"maximum", "exclusiveMaximum"} & set(s), path
        if "array" in kinds:
            assert "maxItems" in s and "minItems" in s, path
        if "string" in kinds:
            assert "enum" in s or "pattern" in s, path


def test_rule_set_keys_are_not_user_keys() -> None:
    from vanishing.machinery.config_schema import schema

    studies = schema()["properties"]["studies"]["properties"]
    assert "summary" not in studies["meanfield"]["properties"]
    assert "activations" not in studies["meanfield"]["properties"]
    assert "job" not in studies["training"]["properties"]
    assert "device" not in studies["training"]["properties"]


def test_a_rule_set_key_in_a_config_is_named() -> None:
    from vanishing.machinery.config_check import study_params

    with pytest.raises(ConfigError, match=r"studies\.training\.device: set by the pipeline"):
        study_params("training", {"device": "cuda"})
    with pytest.raises(ConfigError, match=r"studies\.training\.job: set by the pipeline"):
        study_params("training", {"job": "e2"})


def test_the_configurable_studies_are_the_ones_the_manifest_runs() -> None:
    """``studies.<name>`` is a module of vanishing.machinery.params; the manifest's stages
    whose parameters are a study's ``Params`` run the modules vanishing.studies.<name>: the
    two lists are the same, so neither can drift (the probe, its summary and the theory
    stage are stages too, configured by the config's top level)."""
    from vanishing.machinery import pipeline
    from vanishing.machinery.config_schema import params_class, study_names

    prefix = "vanishing.studies."
    params = "vanishing.machinery.params."
    run = {
        s.module.removeprefix(prefix)
        for s in pipeline.STAGES
        if s.module.startswith(prefix) and s.params_type.startswith(params)
    }
    assert study_names() == sorted(run)
    for name in study_names():
        assert params_class(name).__module__ == f"vanishing.machinery.params.{name}"


def test_training_split_size_matches_the_data() -> None:
    from vanishing.core.data import TEST_FRACTION, describe, digits
    from vanishing.machinery.config_types import N_DIGITS, N_TRAIN

    d = describe(digits())
    assert (d["n_examples"], d["n_train"]) == (N_DIGITS, N_TRAIN)
    assert N_TRAIN == N_DIGITS - round(TEST_FRACTION * N_DIGITS)


# ---- study_params, the command line, YAML ------------------------------------------


def test_study_params_fills_defaults_and_names_bad_keys() -> None:
    from vanishing.machinery.config_check import study_params

    p = study_params("training", {"steps": 5})
    assert p["steps"] == 5 and p["lr"] == 0.05
    with pytest.raises(ConfigError, match=r"studies\.training\.steps: expected an integer"):
        study_params("training", {"steps": "abc"})
    with pytest.raises(ConfigError, match=r"studies\.training\.stepz: unknown key"):
        study_params("training", {"stepz": 5})
    with pytest.raises(ConfigError, match=r"studies\.nope: no such study"):
        study_params("nope", {})


def test_study_params_checked_once_are_still_each_callers_own() -> None:
    """study_params remembers what it checked: a caller's change to its copy never
    reaches the next caller, a bad value is refused every time, and values that only
    compare equal (5 and 5.0) are checked apart."""
    from vanishing.machinery.config_check import study_params

    first = study_params("training", {"steps": 7})
    first["steps"], first["lr"] = 99, -1.0
    first["activations"].append("made_up")
    again = study_params("training", {"steps": 7})
    assert again["steps"] == 7 and again["lr"] == 0.05 and "made_up" not in again["activations"]
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"studies\.training\.steps: expected an integer"):
            study_params("training", {"steps": 7.0})


def test_cli_list_values_are_read_as_yaml() -> None:
    """`--config depths=[2,4,8]` reaches the Snakefile as ['2', '4', '8']."""
    from vanishing.machinery.config_check import config_errors, retype_cli_values

    cfg = _config("quick.yaml")
    cli = {"depths": ["2", "4", "8"], "leaky_slope": 0.1, "activations": ["relu", "tanh_n2"]}
    cfg.update(cli)
    retype_cli_values(cfg, cli)
    assert cfg["depths"] == [2, 4, 8]
    assert cfg["activations"] == ["relu", "tanh_n2"]
    assert config_errors(cfg, machine=False) == []


def test_yaml_syntax_error_names_file_and_line(tmp_path) -> None:
    from vanishing.machinery.config_check import load_yaml

    bad = tmp_path / "bad.yaml"
    bad.write_text("width: 16\ndepths: [2, 4\nseeds: [0]\n")
    with pytest.raises(ConfigError, match=rf"{re.escape(str(bad))}:3:\d+: not valid YAML"):
        load_yaml(bad)


def test_check_config_command_line(tmp_path, capsys) -> None:
    from vanishing.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("studies:\n  training:\n    seeds: [0, 0]\n    lr: .inf\n")
    quick = str(ROOT / "config/quick.yaml")
    with pytest.raises(SystemExit) as stop:
        main(["check-config", str(ROOT / "config/config.yaml"), quick, str(bad)])
    assert "studies.training.seeds" in str(stop.value) and "studies.training.lr" in str(stop.value)
    bad.write_text("studies:\n  training:\n    steps: [10\n")
    with pytest.raises(SystemExit, match=r"bad\.yaml:4:\d+: not valid YAML"):
        main(["check-config", quick, str(bad)])
    main(["check-config", str(ROOT / "config/config.yaml"), quick])
    assert capsys.readouterr().out.startswith("ok: ")
