"""Parsing the workflow, which every `snakemake` command does first (a dry run too),
checks the config without importing torch: the check reads each study's parameters
from vanishing.machinery.params, never from the study modules that import torch. Nor
does the package's parse-time code import pandas, numpy or matplotlib (each costs a
few tenths of a second of every `snakemake -n`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import copy_checkout


def imported_modules(stderr: str) -> list[str]:
    """The module names of ``python -X importtime``'s lines (one per first import)."""
    names = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                names.append(name)
    return names


def imported_under(stderr: str, prefix: str) -> set[str]:
    """Modules first imported while a module whose name starts with ``prefix`` was
    being imported. -X importtime prints an import after everything it imported, and
    indents those by nesting depth."""
    lines = [
        line.split("|", 2)[2]
        for line in stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    ]
    found: set[str] = set()
    for i, line in enumerate(lines):
        name = line.strip()
        depth = len(line) - len(line.lstrip())
        if not name.startswith(prefix):
            continue
        j = i - 1
        while j >= 0 and len(lines[j]) - len(lines[j].lstrip()) > depth:
            found.add(lines[j].strip())
            j -= 1
    return found


def test_imported_under_reads_the_nesting() -> None:
    text = "\n".join(
        f"import time: 1 | 2 | {name}"
        for name in ["   c", " a", "  d", " vanishing.x", "e", "    f", "  vanishing.y"]
    )
    # "a" is a sibling of vanishing.x (same depth), "c" a child of "a"
    assert imported_under(text, "vanishing.") == {"d", "f"}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary checkout: the dry run's .snakemake/ goes there."""
    return copy_checkout(tmp_path_factory.mktemp("parse"))


@pytest.mark.parametrize("configfile", [None, "config/quick.yaml"], ids=["default", "quick"])
def test_a_dry_run_checks_the_config_without_importing_torch(
    checkout: Path, configfile: str | None
) -> None:
    # the same Python and Snakemake as the tests; -X importtime names every module
    # the process imports, on stderr
    cmd = [sys.executable, "-X", "importtime", "-m", "snakemake", "-n", "-q", "--cores", "1"]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [*cmd, *(["--configfile", configfile] if configfile else [])],
        cwd=checkout,
        capture_output=True,
        text=True,
        env=env,
    )
    others = [x for x in proc.stderr.splitlines() if not x.startswith("import time:")]
    assert proc.returncode == 0, proc.stdout[-3000:] + "\n".join(others)[-3000:]
    modules = imported_modules(proc.stderr)
    # the parse did check the config ...
    assert "vanishing.machinery.config_check" in modules
    # ... without torch. (-X importtime does not list what importlib.import_module loads,
    # such as config_schema.params_class's modules, but it does list every import
    # statement those run: a study module's `import torch` would be here.)
    torch = [m for m in modules if m == "torch" or m.startswith("torch.")]
    assert not torch, f"parsing the workflow imported {torch[:5]}"
    heavy = {"pandas", "numpy", "matplotlib", "scipy"}
    ours = {m for m in imported_under(proc.stderr, "vanishing") if m.split(".")[0] in heavy}
    assert not ours, f"the package's parse-time code imported {sorted(ours)[:5]}"
