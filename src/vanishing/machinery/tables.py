"""Reading a job's input tables by their manifest name ("probe.summary").

A job is handed a ``Tables`` holding exactly the tables its rule declares, so a
module cannot read a file the DAG does not know it depends on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class MissingResult(Exception):
    """A table a reader needs was not produced (its stage is not in this config)."""


class Tables:
    """Read-only access to named tables; a name may stand for several files
    (one per job of a multi-job stage), which ``table`` concatenates."""

    def __init__(self, paths: Mapping[str, Iterable[str | Path]]) -> None:
        self._paths = {name: [Path(p) for p in ps] for name, ps in paths.items()}
        self._cache: dict[str, Any] = {}

    def names(self) -> list[str]:
        return sorted(self._paths)

    def paths(self, name: str) -> list[Path]:
        if name not in self._paths:
            raise MissingResult(f"table {name} is not an input here (not in this configuration)")
        missing = [p for p in self._paths[name] if not p.exists()]
        if missing or not self._paths[name]:
            raise MissingResult(f"table {name} was not produced: {', '.join(map(str, missing))}")
        return self._paths[name]

    def path(self, name: str) -> Path:
        (p, *rest) = self.paths(name)
        if rest:
            raise ValueError(f"table {name} has {1 + len(rest)} files; use table() or paths()")
        return p

    def table(self, name: str) -> pd.DataFrame:
        # pandas is imported here, not at the top: the workflow imports this module
        # while parsing, and pandas costs a quarter of a second of every `snakemake -n`
        import pandas as pd

        if name not in self._cache:
            frames = [pd.read_csv(p) for p in self.paths(name)]
            one = len(frames) == 1
            self._cache[name] = frames[0] if one else pd.concat(frames, ignore_index=True)
        return self._cache[name]

    def json(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = json.loads(self.path(name).read_text())
        return self._cache[name]
