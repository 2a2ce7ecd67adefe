"""Checks of a config beyond the JSON Schema, run when the Snakefile is parsed,
so a bad value stops the run before any job starts, with the key named."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from .activations import get_activation


class ConfigError(ValueError):
    pass


def study_params(name: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults of ``vanishing.studies.<name>.Params`` updated by the config;
    an unknown key or a bad value raises ConfigError naming studies.<name>.<key>."""
    try:
        mod = importlib.import_module(f"vanishing.studies.{name}")
    except ModuleNotFoundError as e:
        raise ConfigError(f"config key studies.{name}: no such study") from e
    fields = {f.name for f in dataclasses.fields(mod.Params)}
    for key in overrides or {}:
        if key not in fields:
            raise ConfigError(
                f"config key studies.{name}.{key}: unknown; known keys: {', '.join(sorted(fields))}"
            )
    params = mod.Params(**(overrides or {}))
    check = getattr(params, "validate", None)
    if check is not None:
        try:
            check()
        except ValueError as e:
            # validate() messages start with the field's name: "steps: must be ≥ 1"
            field, sep, rest = str(e).partition(": ")
            key, msg = (f"{name}.{field}", rest) if sep and field in fields else (name, str(e))
            raise ConfigError(f"config key studies.{key}: {msg}") from e
    return dataclasses.asdict(params)


def check_config(config: dict[str, Any]) -> None:
    for i, name in enumerate(config["activations"]):
        try:
            get_activation(name, config.get("leaky_slope", 0.01))
        except KeyError as e:
            raise ConfigError(f"config key activations[{i}]: {e.args[0]}") from None
    for name, overrides in (config.get("studies") or {}).items():
        study_params(name, overrides)
