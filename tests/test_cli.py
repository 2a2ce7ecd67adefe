"""The `vanishing` tool: real subcommands with help, a version, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vanishing import pipeline

from .conftest import ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vanishing", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_version_and_help() -> None:
    assert _run("--version").stdout.startswith("vanishing ")
    out = _run("--help").stdout
    for command in ("stages", "figures", "check-config", "claims"):
        assert command in out
        assert _run(command, "--help").returncode == 0


def test_stages_lists_every_table_path() -> None:
    out = _run("stages", "--results", "results/quick").stdout
    for table in pipeline.all_tables():
        assert table in out
    assert "results/quick/probe/summary.csv" in out


def test_check_config_accepts_the_quick_config_and_names_a_bad_key(tmp_path: Path) -> None:
    assert _run("check-config", "config/config.yaml", "config/quick.yaml").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("depths: [0, 2]\n")
    proc = _run("check-config", "config/config.yaml", str(bad))
    assert proc.returncode != 0
    assert "depths" in proc.stderr and "Traceback" not in proc.stderr


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    for args in (("claims", str(tmp_path / "nowhere")), ("check-config", "no-such.yaml")):
        proc = _run(*args)
        assert proc.returncode != 0
        assert proc.stderr.startswith("vanishing: ") and "Traceback" not in proc.stderr
