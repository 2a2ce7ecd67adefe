"""Writing small synthetic tables where a check reads them (by manifest name)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from vanishing.machinery import pipeline

JOB = "job"


def write(root: Path, name: str, data: pd.DataFrame | list[dict] | dict[str, Any]) -> None:
    """Put ``data`` where ``results_at(root).table(name)`` / ``.json(name)`` finds it
    (a per-job table as the single job ``JOB``)."""
    stage = pipeline.producer(name)
    rel = stage.outputs[name.partition(".")[2]].format(job=JOB)
    path = Path(root) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if rel.endswith(".json"):
        path.write_text(json.dumps(data))
    else:
        pd.DataFrame(data).to_csv(path, index=False)
