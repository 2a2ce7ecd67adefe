"""The `vanishing` tool: real subcommands with help, a version, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vanishing.machinery import pipeline

from .conftest import ROOT


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vanishing", *args], cwd=cwd, capture_output=True, text=True
    )


def test_version_and_help() -> None:
    assert _run("--version").stdout.startswith("vanishing ")
    out = _run("--help").stdout
    for command in ("stages", "figures", "check-config", "claims", "publish"):
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


def test_publish_writes_readme_and_citation_and_prints_the_pdfs_length(tmp_path: Path) -> None:
    """`vanishing publish` in a checkout: the report and its tables into --out, the
    README's block and CITATION.cff from it, and the page counts from the LaTeX aux/log."""
    import yaml

    from .test_publish import AUX, LOG, _fake_run

    report, results = _fake_run(tmp_path)
    (report / "report.pdf").write_bytes(b"%PDF")
    (results / "latex").mkdir()
    (results / "latex/report.aux").write_text(AUX)
    (results / "latex/report.log").write_text(LOG)
    (tmp_path / "README.md").write_text("<!-- published:start -->\n<!-- published:end -->\n")
    (tmp_path / "CITATION.cff").write_text("cff-version: 1.2.0\n")
    proc = _run("publish", "--report", "report", "--results", "results", "--out", "d", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "report.pdf: 31 pages (main text 22, appendix and references 9)" in proc.stdout
    assert "(3 cited tables in d/data)" in proc.stdout
    assert (tmp_path / "d/data/probe/summary.csv.gz").exists()
    assert "> We test 2 claims" in (tmp_path / "README.md").read_text()
    cff = yaml.safe_load((tmp_path / "CITATION.cff").read_text())
    assert cff["version"] == "0.4.2" and cff["date-released"] == "2026-03-09"


def test_publish_refusal_is_one_line(tmp_path: Path) -> None:
    from .test_publish import _fake_run

    report, results = _fake_run(tmp_path, cites="`studies/gone/runs.csv`")
    proc = _run("publish", "--report", "report", "--results", "results", "--out", "d", cwd=tmp_path)
    assert proc.returncode != 0 and not (tmp_path / "d").exists()
    assert proc.stderr.startswith("vanishing: ") and "studies/gone/runs.csv" in proc.stderr
