"""Every check of a config, run when the Snakefile is parsed, so that a bad value
stops the run before any job starts, with its key path named.

1. YAML (for ``python -m vanishing.machinery.config_check``): the file and line of a syntax error.
2. Types, ranges, enums, unique lists, unknown keys: the JSON Schema generated from
   the typed dataclasses (vanishing.machinery.config_schema), checked with integers strict
   (16.0 is not a width: write 16) and every number finite (.inf, .nan refused).
3. What a schema cannot say: activation names that parse, each study's cross-field
   rules (``Params.validate``, raising ``ValueError("<field>: <why>")``).
4. The machine: ``device: cuda`` needs CUDA; the grid must fit in memory
   (vanishing.machinery.resources).

Every problem found is reported at once, one line each: ``<key path>: <what was
expected>, got <value>``.

Each study's ``Params`` lives in vanishing.machinery.params.<name>, apart from the study's code,
and nothing imported here imports torch (only the CUDA check does, for ``device:
cuda``): the Snakefile runs these checks while it parses the workflow.

    vanishing check-config config/config.yaml config/quick.yaml my.yaml   # layered in order
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import typing
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

from . import config_schema as cs
from . import resources
from .config_types import Spec


class ConfigError(ValueError):
    pass


def _strict_validator() -> type:
    """Draft 2020-12 with integers that are ints (not 16.0, not true) and numbers
    that are not booleans."""
    checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {
            "integer": lambda _, x: isinstance(x, int) and not isinstance(x, bool),
            "number": lambda _, x: isinstance(x, int | float) and not isinstance(x, bool),
        }
    )
    return validators.extend(Draft202012Validator, type_checker=checker)


Strict = _strict_validator()


@lru_cache(maxsize=1)
def full_schema() -> dict[str, Any]:
    return cs.schema()


@cache
def _study_schema(name: str) -> dict[str, Any]:
    return full_schema()["properties"]["studies"]["properties"][name]


# ---- messages ------------------------------------------------------------------------


def key_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "array": "a list",
    "object": "a mapping of keys",
    "boolean": "true or false",
    "null": "nothing",
}


def _expected(e: ValidationError) -> str:
    s, v = e.schema, e.instance
    what = s.get("description", "").split(";")[0].strip()
    what = "" if what.startswith("default") else what
    kind = e.validator
    if kind == "type":
        types = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
        words = " or ".join(TYPE_WORDS[t] for t in types)
        text = f"expected {words}{f' ({what})' if what else ''}, got {show(v)}"
        if "integer" in types and isinstance(v, float) and v.is_integer():
            text += f" (write {int(v)})"
        elif isinstance(v, str) and _looks_numeric(v):
            x = float(v)
            fix = int(x) if "integer" in types and x.is_integer() else f"{x:.1e}"
            text += f" (YAML reads {v} as text: write {fix})"
        return text
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        bounds = []
        if "minimum" in s:
            bounds.append(f">= {show(s['minimum'])}")
        if "exclusiveMinimum" in s:
            bounds.append(f"> {show(s['exclusiveMinimum'])}")
        if "maximum" in s:
            bounds.append(f"<= {show(s['maximum'])}")
        if "exclusiveMaximum" in s:
            bounds.append(f"< {show(s['exclusiveMaximum'])}")
        rng = " and ".join(bounds) or f"{op[kind]} {show(e.validator_value)}"
        return f"expected {what or 'a value'} {rng}, got {show(v)}"
    if kind == "enum":
        one_of = f"one of {', '.join(map(str, e.validator_value))}"
        return f"expected {what + ', ' if what else ''}{one_of}; got {show(v)}"
    if kind == "pattern":
        return f"expected {what or 'a string matching ' + e.validator_value}; got {show(v)}"
    if kind == "minItems":
        if not v:
            return f"expected at least {e.validator_value} value(s), got an empty list"
        return f"expected at least {e.validator_value} values, got {show(v)}"
    if kind == "maxItems":
        return f"expected at most {e.validator_value} values, got {len(v)}"
    if kind == "uniqueItems":
        seen, repeats = [], []
        for x in v:
            if x in seen and x not in repeats:
                repeats.append(x)
            seen.append(x)
        return (
            f"expected distinct values (a repeat would be run and counted twice), "
            f"got {show(v)}: {', '.join(map(show, repeats))} repeated"
        )
    return e.message


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _format(e: ValidationError, prefix: tuple[Any, ...]) -> list[str]:
    path = (*prefix, *e.absolute_path)
    if e.validator == "additionalProperties":
        known = sorted(e.schema.get("properties", {}))
        extra = [k for k in e.instance if k not in e.schema.get("properties", {})]
        internal = _internal_keys(path)
        out = []
        for k in extra:
            if k in internal:
                out.append(
                    f"{key_path((*path, k))}: set by the pipeline from {internal[k]}, "
                    "not a config key: remove it"
                )
            else:
                out.append(f"{key_path((*path, k))}: unknown key; known keys: {', '.join(known)}")
        return out
    if e.validator == "required":
        missing = [k for k in e.validator_value if k not in e.instance]
        return [f"{key_path((*path, k))}: missing (required)" for k in missing]
    return [f"{key_path(path)}: {_expected(e)}"]


def _internal_keys(path: tuple[Any, ...]) -> Mapping[str, str]:
    if len(path) == 2 and path[0] == "studies" and path[1] in cs.study_names():
        return cs.set_by_rule(cs.params_class(path[1]))
    return {}


def schema_errors(
    instance: Any, schema: Mapping[str, Any], prefix: tuple[Any, ...] = ()
) -> list[str]:
    errors = sorted(Strict(schema).iter_errors(instance), key=lambda e: list(map(str, e.path)))
    out: list[str] = []
    for e in errors:
        for line in _format(e, prefix):
            if line not in out:
                out.append(line)
    return out


def nonfinite_errors(obj: Any, prefix: tuple[Any, ...] = ()) -> list[str]:
    """NaN passes every range check (comparisons with it are false): refuse it, and ±inf."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return [f"{key_path(prefix)}: expected a finite number, got {obj}"]
    if isinstance(obj, Mapping):
        return [m for k, v in obj.items() for m in nonfinite_errors(v, (*prefix, k))]
    if isinstance(obj, list):
        return [m for i, v in enumerate(obj) for m in nonfinite_errors(v, (*prefix, i))]
    return []


def _shape_errors(
    instance: Any, schema: Mapping[str, Any], prefix: tuple[Any, ...] = ()
) -> list[str]:
    """Non-finite numbers and schema errors, one line per key (a NaN's range errors
    would only repeat that it is not finite)."""
    bad = nonfinite_errors(instance, prefix)
    named = {line.split(": ", 1)[0] for line in bad}
    rest = [e for e in schema_errors(instance, schema, prefix) if e.split(": ", 1)[0] not in named]
    return bad + rest


def spec_errors(tp: Any, value: Any, prefix: tuple[Any, ...]) -> list[str]:
    """Run the ``Spec.check`` functions of an annotated type over a schema-valid value."""
    origin = typing.get_origin(tp)
    out: list[str] = []
    if origin is Annotated:
        base, *meta = typing.get_args(tp)
        out += spec_errors(base, value, prefix)
        for m in meta:
            if isinstance(m, Spec) and m.check is not None and (problem := m.check(value)):
                out.append(f"{key_path(prefix)}: {problem}")
    elif origin is list and isinstance(value, list):
        (item,) = typing.get_args(tp)
        for i, v in enumerate(value):
            out += spec_errors(item, v, (*prefix, i))
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, Mapping):
        h = cs.hints(tp)
        for f in cs.user_fields(tp):
            if f.name in value:
                out += spec_errors(h[f.name], value[f.name], (*prefix, f.name))
    elif typing.is_typeddict(tp) and isinstance(value, Mapping):
        for name, hint in cs.hints(tp).items():
            if name in value:
                out += spec_errors(hint, value[name], (*prefix, name))
    return out


# ---- studies ---------------------------------------------------------------------------


def _study_errors(name: str, overrides: Mapping[str, Any] | None) -> tuple[list[str], Any]:
    prefix = ("studies", name)
    if name not in cs.study_names():
        return [f"studies.{name}: no such study; known: {', '.join(cs.study_names())}"], None
    overrides = dict(overrides or {})
    errors = _shape_errors(overrides, _study_schema(name), prefix)
    if errors:
        return errors, None
    cls = cs.params_class(name)
    errors = spec_errors(cls, overrides, prefix)
    params = cls(**overrides)
    check = getattr(params, "validate", None)
    if not errors and check is not None:
        try:
            check()
        except ValueError as e:
            field, _, why = str(e).partition(": ")
            known = {f.name for f in dataclasses.fields(cls)}
            root = field.split("[")[0]
            if why and root in known:
                errors.append(f"studies.{name}.{field}: {why}")
            else:
                errors.append(f"studies.{name}: {e}")
    return errors, params


def study_params(name: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults of ``vanishing.machinery.params.<name>.Params`` updated by the config's
    ``studies.<name>``; any bad key or value raises ConfigError naming
    ``studies.<name>.<key>``."""
    # The workflow asks for the same study's parameters once per job and per input
    # function while it builds the DAG: checked once per distinct value (by repr, which
    # tells 1 from 1.0 and a list from a tuple), a fresh copy each time.
    key = (name, repr(overrides))
    if key not in _CHECKED:
        errors, params = _study_errors(name, overrides)
        if errors:
            raise ConfigError(_message(errors))
        _CHECKED[key] = dataclasses.asdict(params)
    return copy.deepcopy(_CHECKED[key])


_CHECKED: dict[tuple[str, str], dict[str, Any]] = {}


def check_params(params: Any) -> None:
    """Check a study's Params instance as if it came from a config (for code that
    builds Params directly); ConfigError names studies.<name>.<key>."""
    name = type(params).__module__.rsplit(".", 1)[-1]
    values = {f.name: getattr(params, f.name) for f in cs.user_fields(type(params))}
    errors, _ = _study_errors(name, values)
    if errors:
        raise ConfigError(_message(errors))


def study_defaults(name: str) -> dict[str, Any]:
    return dataclasses.asdict(cs.params_class(name)())


# ---- the whole config ------------------------------------------------------------------


def _message(errors: list[str]) -> str:
    head = "invalid config, nothing was run"
    return f"{head} ({len(errors)} problem{'s' * (len(errors) > 1)}):\n" + "\n".join(
        f"  {e}" for e in errors
    )


def config_errors(config: Mapping[str, Any], *, machine: bool = True, cores: int = 1) -> list[str]:
    """Every problem of a merged config, one line each (empty when it is fine).
    ``machine``: also check this machine (CUDA, memory); ``cores``: jobs that may
    run at once, for the memory check."""
    errors = _shape_errors(config, full_schema())
    if errors:
        return errors
    errors += spec_errors(cs.Config, config, ())
    studies = config.get("studies") or {}
    full: dict[str, dict[str, Any]] = {}
    for name in cs.study_names():
        errs, params = _study_errors(name, studies.get(name))
        errors += errs
        if params is not None:
            full[name] = dataclasses.asdict(params)
    if errors or not machine:
        return errors
    if config.get("device") == "cuda":
        errors += _cuda_errors()
    jobs = resources.plan(config, full.__getitem__, study_defaults)
    return errors + resources.check_resources(jobs, cores)


def _cuda_errors() -> list[str]:
    import torch

    if torch.cuda.is_available():
        return []
    return [
        f"device: expected cpu on this machine, got cuda: torch {torch.__version__} "
        "sees no CUDA device (torch.cuda.is_available() is False)"
    ]


def check_config(config: dict[str, Any], *, machine: bool = True, cores: int = 1) -> None:
    """Raise ConfigError listing every problem of the config (see config_errors)."""
    errors = config_errors(config, machine=machine, cores=cores)
    if errors:
        raise ConfigError(_message(errors))


def fill_defaults(config: dict[str, Any], schema: Mapping[str, Any] | None = None) -> None:
    """Give every key the schema defaults and the config leaves out its default, in place,
    at every level (the schema is generated from the typed dataclasses, so these are
    their defaults). What Snakemake's ``validate(config, schema)`` does to a valid config
    (tests/test_config.py compares the two), without validating a second time:
    ``check_config`` has already checked the config against the same schema, and the
    repeat cost every parse of the workflow a fifth of a second."""
    schema = full_schema() if schema is None else schema
    for key, sub in schema.get("properties", {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if isinstance(config.get(key), dict) and "properties" in sub:
            fill_defaults(config[key], sub)


# ---- command-line values ---------------------------------------------------------------


def retype_cli_values(config: dict[str, Any], cli: Mapping[str, Any]) -> None:
    """``snakemake --config depths=[2,4,8]`` parses the list with YAML's BaseLoader,
    which keeps every item a string ('2'): read the strings of the values given on
    the command line (only those) as YAML scalars again, so they mean what they
    would mean in a config file."""
    for key, value in cli.items():
        if isinstance(value, Mapping) and isinstance(config.get(key), dict):
            retype_cli_values(config[key], value)
        elif key in config:
            config[key] = _retyped(value)


def _retyped(value: Any) -> Any:
    if isinstance(value, str):
        try:
            out = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        return out if isinstance(out, bool | int | float) else value
    if isinstance(value, list | tuple):
        return [_retyped(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _retyped(v) for k, v in value.items()}
    return value


# ---- files -----------------------------------------------------------------------------


def load_yaml(path: Path) -> dict[str, Any]:
    """A config file, or ConfigError with the file, line and column of a syntax error."""
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {e.problem or e.context}") from None
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


def merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Snakemake's update_config: mappings merge key by key, anything else replaces."""
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base
