"""What a pipeline job runs: the workflow's `script:` turns its Snakemake object
into plain data (``forkserver.request``) and ``execute`` calls the stage's ``run`` or
the figure's ``main``, in a fork server's child (``forkserver``) or in the script's
own process.

Parameters arrive as Python objects (pickled by Snakemake), never through a
shell, so no config value is ever parsed by one.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .forkserver import log_to, request
from .tables import Tables

SEP = "__"  # "probe.summary" is the rule input named probe__summary


def input_key(table: str) -> str:
    return table.replace(".", SEP)


def grouped(names: list[str], per_job: int) -> list[str]:
    """Job names for items run ``per_job`` at a time: each group's names joined by "+"."""
    return ["+".join(names[i : i + per_job]) for i in range(0, len(names), per_job)]


class StageParamsError(TypeError):
    """A rule's parameters do not fit the stage's declared params type."""


def resolve(ref: str) -> type:
    """The class a ``"module:Name"`` reference names (a stage's params type)."""
    module, _, name = ref.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not (dataclasses.is_dataclass(cls) or typing.is_typeddict(cls)):
        raise TypeError(f"{ref}: not a dataclass or TypedDict")
    return cls


def typed_params(stage: str, params_type: str, params: Mapping[str, Any]) -> Any:
    """The rule's parameters (a dict) as the stage's declared params type: a study's
    ``Params`` dataclass instance, or a TypedDict (a dict, its keys checked). A key
    the type does not declare, or a required key missing, raises StageParamsError
    naming the stage, the key and the type."""
    cls = resolve(params_type)
    if dataclasses.is_dataclass(cls):
        fields = [f for f in dataclasses.fields(cls) if f.init]
        known = {f.name for f in fields}
        required = {
            f.name
            for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
    else:  # a TypedDict: its key sets are attributes of the class object
        td: Any = cls
        required = set(td.__required_keys__)
        known = required | set(td.__optional_keys__)
    where = f"{cls.__module__}.{cls.__qualname__}"
    unknown = [k for k in params if k not in known]
    if unknown:
        raise StageParamsError(
            f"stage {stage}: unknown parameter {', '.join(map(repr, unknown))}: {where} "
            f"declares {', '.join(sorted(known)) or 'none'}"
        )
    missing = sorted(required - set(params))
    if missing:
        raise StageParamsError(
            f"stage {stage}: missing parameter {', '.join(map(repr, missing))} "
            f"(required by {where})"
        )
    return cls(**params) if dataclasses.is_dataclass(cls) else dict(params)


def run_stage_module(
    stage: str,
    module: str,
    params_type: str,
    params: Mapping[str, Any],
    inputs: Tables,
    outputs: dict[str, Path],
) -> None:
    """Run a stage's ``module.run(p, inputs, outputs)`` with ``p`` its declared params
    type built from the rule's dict: the one place that conversion happens, for the
    workflow's jobs (``run_job``) and in-process runs (``pipeline.run_stage``) alike."""
    p = typed_params(stage, params_type, params)
    importlib.import_module(module).run(p, inputs, outputs)


def run_job(smk: Any) -> None:
    """Run Snakemake's job in this process."""
    execute(request(smk))


def execute(req: dict[str, Any], redirect: bool = True) -> None:
    """Run the job ``forkserver.request`` describes (a fork server's child has
    redirected its output already: ``redirect=False``)."""
    if req["log"] and redirect:
        log_to(req["log"])
    spec = req["job"]
    from ..core.runtime import setup

    setup(req["threads"], use_torch=spec["torch"])
    inputs = Tables({k.replace(SEP, "."): v for k, v in req["input"].items() if k != "code"})
    outputs = {k: Path(v[0]) for k, v in req["output"].items()}
    for path in outputs.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    if spec["kind"] == "figure":
        importlib.import_module(spec["module"]).main(inputs, list(outputs.values()), {})
    else:
        run_stage_module(
            req["rule"], spec["module"], spec["params_type"], req["p"], inputs, outputs
        )
