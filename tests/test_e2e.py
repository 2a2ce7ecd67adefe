"""End to end: the quick config through Snakemake in a temporary copy of the repo."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from vanishing.claims.evaluate import load_catalogue

from .conftest import QUICK, SNAKEMAKE, copy_checkout, snakemake


@pytest.mark.e2e
def test_quick_report_names_every_claim(quick_run: Path) -> None:
    md = (quick_run / "report/quick/report.md").read_text()
    for claim in load_catalogue():
        assert f"**{claim['id']}**" in md, claim["id"]
    tex = (quick_run / "report/quick/report.tex").read_text()
    assert tex.count("\\textbf{") >= 50
    assert "{{" not in md and "(((" not in tex  # nothing left unrendered


@pytest.mark.e2e
def test_quick_run_writes_figures_and_tables(quick_run: Path) -> None:
    figs = sorted(p.stem for p in (quick_run / QUICK / "figures").glob("*.png"))
    assert {"thresholds", "ratio_heatmap", "gradient_profiles", "activation_derivatives"} <= set(
        figs
    )
    assert (quick_run / QUICK / "probe/summary.csv").stat().st_size > 0
    if shutil.which("latexmk"):
        assert (quick_run / "report/quick/report.pdf").stat().st_size > 10_000


@pytest.mark.e2e
def test_bad_config_stops_before_any_job(quick_run: Path) -> None:
    bad = quick_run / "config/bad.yaml"
    bad.write_text(
        (quick_run / "config/quick.yaml")
        .read_text()
        .replace("activations: [sigmoid", "activations: [swish, sigmoid")
    )
    proc = snakemake(quick_run, "-n", "--configfile", str(bad), check=False)
    assert proc.returncode != 0
    assert "activations" in proc.stdout + proc.stderr


# ---- kill -9 and resume; byte-identical rebuilds ---------------------------------------

BUILD = ["--cores", "2", "--configfile", "config/quick.yaml"]
REPORT = "report/quick"  # config/quick.yaml's report_dir


def _incomplete(work: Path) -> list[Path]:
    """Outputs of jobs that started and did not finish (Snakemake's markers)."""
    marks = work / ".snakemake/incomplete"
    return [p for p in marks.rglob("*") if p.is_file()] if marks.exists() else []


@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second clean build of the quick config, killed with SIGKILL (Snakemake and
    every running job) while jobs run, then resumed as the README says: --unlock,
    then the same command with --rerun-incomplete."""
    work = copy_checkout(tmp_path_factory.mktemp("resumed"))
    build = subprocess.Popen(
        [*SNAKEMAKE, *BUILD],
        cwd=work,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        start_new_session=True,  # its own process group: kill -9 reaches every job
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = work / QUICK
    deadline = time.monotonic() + 900
    while build.poll() is None and time.monotonic() < deadline:
        written = list(results.rglob("*.csv")) if results.exists() else []
        if len(written) >= 8 and _incomplete(work):
            break
        time.sleep(0.05)
    assert build.poll() is None, "the build ended before it could be killed"
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    assert _incomplete(work), "no job was running when the build was killed"
    snakemake(work, "--unlock", "--configfile", "config/quick.yaml")
    snakemake(work, *BUILD, "--rerun-incomplete")
    return work


# Only the provenance (commit, machine, versions) may differ between two builds:
# the end of the Markdown and LaTeX reports, and the LaTeX title's date line.
PROVENANCE = {".md": b"## Provenance", ".tex": b"\\section*{Provenance}"}
TEX_DATE = re.compile(rb"\\date\{commit [^\n]*\n")
REPORT_OUTPUTS = ("report.md", "report.tex", "references.bib", "report.pdf")


def _without_provenance(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix not in PROVENANCE or path.parent.name != "quick":
        return data
    data = data.split(PROVENANCE[path.suffix])[0]
    return TEX_DATE.sub(b"", data) if path.suffix == ".tex" else data


def _digests(work: Path) -> dict[str, str]:
    files = [p for p in (work / QUICK).rglob("*") if p.is_file()]
    files += [work / REPORT / n for n in REPORT_OUTPUTS if (work / REPORT / n).exists()]
    return {
        str(p.relative_to(work)): hashlib.sha256(_without_provenance(p)).hexdigest() for p in files
    }


@pytest.mark.e2e
def test_killed_and_resumed_build_is_byte_identical_to_a_clean_one(
    quick_run: Path, resumed_run: Path
) -> None:
    """Two clean builds in two folders give the same bytes in results/ and report/
    (apart from the provenance block), although one was killed (kill -9) mid-run and
    resumed: no partial file survives, no random draw or timestamp leaks in."""
    a, b = _digests(quick_run), _digests(resumed_run)
    assert sorted(a) == sorted(b)
    assert len(a) > 100
    if shutil.which("latexmk"):
        assert f"{REPORT}/report.pdf" in a
    assert sorted(k for k in a if a[k] != b[k]) == []
