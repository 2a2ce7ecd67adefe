"""What a pipeline job runs: the workflow's `script:` hands its Snakemake
object to ``run_job``, which calls the stage's ``run`` or the figure's ``main``.

Parameters arrive as Python objects (pickled by Snakemake), never through a
shell, so no config value is ever parsed by one.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

from .tables import Tables

SEP = "__"  # "probe.summary" is the rule input named probe__summary


def input_key(table: str) -> str:
    return table.replace(".", SEP)


def grouped(names: list[str], per_job: int) -> list[str]:
    """Job names for items run ``per_job`` at a time: each group's names joined by "+"."""
    return ["+".join(names[i : i + per_job]) for i in range(0, len(names), per_job)]


def _named(namedlist: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in namedlist.items():
        out[key] = [value] if isinstance(value, str) else list(value)
    return out


def _log_to(path: str) -> None:
    """Send this process's stdout and stderr (C libraries' too) to the job's log."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def run_job(smk: Any) -> None:
    if smk.log:
        _log_to(smk.log[0])
    spec = smk.params.job
    from .runtime import setup

    setup(smk.threads, use_torch=spec["torch"])
    inputs = Tables({k.replace(SEP, "."): v for k, v in _named(smk.input).items() if k != "code"})
    outputs = {k: Path(v[0]) for k, v in _named(smk.output).items()}
    for path in outputs.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    mod = importlib.import_module(spec["module"])
    if spec["kind"] == "figure":
        mod.main(inputs, list(outputs.values()), {})
    else:
        mod.run(dict(smk.params.p), inputs, outputs)
