"""The config's JSON Schema, generated from the typed dataclasses: the top-level
``Config`` below and every study's ``Params`` (vanishing.machinery.params.<name>, one module per
study; torch-free, so that the Snakefile checks a config without importing torch).

    python -m vanishing.machinery.config_schema          # print the schema (YAML)
    python -m vanishing.machinery.config_schema --write  # rewrite workflow/schemas/…yaml

A test keeps the committed schema equal to the generated one, so the types in
the code are the one source of truth; Snakemake's ``validate`` reads the file.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml

from . import params
from .config_types import (
    Activations,
    Depths,
    Grid,
    Inits,
    Seeds,
    SetByRule,
    Slope,
    Spec,
    TrainBatch,
    Width,
)

# The width axis by default (Config.widths).
DEFAULT_WIDTHS = (16, 64, 256, 1024)
SCHEMA_PATH = Path("workflow/schemas/config.schema.yaml")
_MISSING = dataclasses.MISSING


@dataclass
class Probe:
    # Digits examples in the one batch the probe's gradients are taken on.
    batch_size: TrainBatch = 128
    # float64 so that a vanishing gradient is measured, not lost to float32 underflow.
    dtype: Literal["float32", "float64"] = "float64"
    # Activations per probe job: a job's start-up (~2 s) is as long as one
    # activation's work, so the default grid's 14 run as two jobs, one per core.
    activations_per_job: Annotated[int, Spec(ge=1, le=100)] = 7


# Folder names: no spaces, quotes or shell characters (they end up in paths and logs).
FOLDER = Annotated[str, Spec(pattern=r"^[A-Za-z0-9_./-]+$", doc="a folder")]


@dataclass
class Config:
    """Top level of a config file (the probe grid and the shared settings)."""

    activations: Activations
    inits: Inits
    depths: Depths
    seeds: Seeds
    name: Annotated[
        str,
        Spec(pattern=r"^[A-Za-z0-9_.-]+$", doc="the config's name, printed in the report's title"),
    ] = "default"
    results_dir: FOLDER = "results"  # this config's tables and figures
    report_dir: FOLDER = "report"  # this config's report
    logs_dir: FOLDER = "logs"  # this config's job logs and benchmark files
    device: Literal["cpu", "cuda"] = "cpu"
    width: Width = 64
    # The width axis: the studies of finite-width effects (E9's fluctuations, E6 and E1
    # against width, E10's spectra) run at these widths; ``width`` stays the grid's own.
    widths: Grid[Width] = field(default_factory=lambda: list(DEFAULT_WIDTHS))
    leaky_slope: Slope = 0.01
    probe: Probe = field(default_factory=Probe)


def widths_of(config: Mapping[str, Any]) -> list[int]:
    """The config's width axis, or the default where the config leaves it out (the config
    check estimates the jobs' cost before the defaults are filled in)."""
    return list(config.get("widths") or DEFAULT_WIDTHS)


def study_names() -> list[str]:
    """The studies (``studies.<name>`` configures them): the modules of vanishing.machinery.params,
    one per study module the manifest runs (a test keeps the two lists equal)."""
    return list(_study_names())


@cache
def _study_names() -> tuple[str, ...]:
    return tuple(sorted(m.name for m in pkgutil.iter_modules(params.__path__)))


def params_class(name: str) -> type:
    """The ``Params`` dataclass of study ``name`` (vanishing.machinery.params.<name>)."""
    return importlib.import_module(f"vanishing.machinery.params.{name}").Params


# Cached: resolving string annotations compiles each one, and a dry run asks for the
# same few classes' hints hundreds of times (about 0.1 s a parse uncached). Read-only
# views, since every caller shares them.
@cache
def hints(cls: type) -> Mapping[str, Any]:
    return types.MappingProxyType(typing.get_type_hints(cls, include_extras=True))


@cache
def set_by_rule(cls: type) -> Mapping[str, str]:
    """Fields of ``cls`` that the pipeline sets itself, with where the value comes from."""
    out = {}
    for name, tp in hints(cls).items():
        for meta in getattr(tp, "__metadata__", ()):
            if isinstance(meta, SetByRule):
                out[name] = meta.source
    return types.MappingProxyType(out)


def user_fields(cls: type) -> list[dataclasses.Field]:
    internal = set_by_rule(cls)
    return [f for f in dataclasses.fields(cls) if f.name not in internal]


def _default(f: dataclasses.Field) -> Any:
    if f.default is not _MISSING:
        return f.default
    if f.default_factory is not _MISSING:
        value = f.default_factory()
        is_instance = dataclasses.is_dataclass(value) and not isinstance(value, type)
        return dataclasses.asdict(value) if is_instance else value
    return _MISSING


def _apply(spec: Spec, s: dict[str, Any]) -> None:
    kw = {
        "minimum": spec.ge,
        "exclusiveMinimum": spec.gt,
        "maximum": spec.le,
        "exclusiveMaximum": spec.lt,
        "minItems": spec.min_items,
        "maxItems": spec.max_items,
        "pattern": spec.pattern,
        "description": spec.doc,
    }
    s.update({k: v for k, v in kw.items() if v is not None})
    if spec.enum is not None:
        s["enum"] = list(spec.enum)
    if spec.unique:
        s["uniqueItems"] = True


def type_schema(tp: Any, defaults: bool = False) -> dict[str, Any]:
    """JSON Schema of one annotated type. ``defaults`` writes dataclass defaults as
    ``default`` (Snakemake's validate fills those in), else only into descriptions."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *meta = typing.get_args(tp)
        s = type_schema(base, defaults)
        for m in meta:
            if isinstance(m, Spec):
                _apply(m, s)
        return s
    if origin is Literal:
        values = list(typing.get_args(tp))
        kinds = {type(v) for v in values}
        enum: dict[str, Any] = {"type": _scalar(kinds.pop())} if len(kinds) == 1 else {}
        enum["enum"] = values
        return enum
    if origin in (list, tuple):
        (item,) = typing.get_args(tp)[:1]
        return {"type": "array", "items": type_schema(item, defaults)}
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            s = type_schema(args[0], defaults)
            s["type"] = [s["type"], "null"]
            return s
        raise TypeError(f"unsupported union {tp}")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return dataclass_schema(tp, defaults)
    if typing.is_typeddict(tp):
        props = {k: type_schema(v, defaults) for k, v in hints(tp).items()}
        return {
            "type": "object",
            "description": (tp.__doc__ or "").strip() or None,
            "additionalProperties": False,
            "required": sorted(tp.__required_keys__),
            "properties": props,
        }
    if tp in (bool, int, float, str, dict):
        return {"type": _scalar(tp)}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _scalar(tp: type) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object"}[tp]


def _describe_default(value: Any) -> str:
    return "default: " + json.dumps(value, ensure_ascii=False)


def dataclass_schema(cls: type, defaults: bool = False) -> dict[str, Any]:
    h = hints(cls)
    props: dict[str, Any] = {}
    required = []
    for f in user_fields(cls):
        s = type_schema(h[f.name], defaults)
        d = _default(f)
        if d is _MISSING:
            required.append(f.name)
        elif defaults:
            s["default"] = d
        else:
            note = _describe_default(d)
            s["description"] = f"{s['description']}; {note}" if s.get("description") else note
        props[f.name] = s
    out: dict[str, Any] = {"type": "object", "additionalProperties": False}
    if required:
        out["required"] = required
    out["properties"] = props
    return out


def study_schema(name: str) -> dict[str, Any]:
    s = dataclass_schema(params_class(name))
    s["description"] = (
        f"parameters of vanishing.machinery.params.{name}.Params (its defaults apply)"
    )
    return s


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def schema() -> dict[str, Any]:
    """The whole config's schema: top level (with defaults) and every study."""
    top = dataclass_schema(Config, defaults=True)
    top["properties"]["probe"]["default"] = {}
    top["properties"]["studies"] = {
        "description": (
            "per-study parameters, each overriding the defaults of that study's Params "
            "dataclass (src/vanishing/machinery/params/<name>.py)"
        ),
        "type": ["object", "null"],
        "default": {},
        "additionalProperties": False,
        "properties": {name: study_schema(name) for name in study_names()},
    }
    return _drop_none(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": (
                "Configuration of the vanishing pipeline. GENERATED by "
                "`python -m vanishing.machinery.config_schema --write` from "
                "vanishing.machinery.config_schema.Config "
                "and the studies' Params dataclasses: edit those, not this file. "
                "vanishing.machinery.config_check checks a config against it before any job runs."
            ),
            **top,
        }
    )


def dump() -> str:
    return yaml.safe_dump(schema(), sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str]) -> None:
    text = dump()
    if "--write" in argv:
        SCHEMA_PATH.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
