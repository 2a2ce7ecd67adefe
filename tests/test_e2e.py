"""End to end: the quick config through Snakemake in a temporary copy of the repo."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vanishing.claims.evaluate import load_catalogue

from .conftest import ROOT

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
COPY = ["Snakefile", "environment.yml", "profiles", "workflow", "config", "report/templates", "src"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("quick")
    for item in COPY:
        src, dst = ROOT / item, work / item
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dst)
    proc = subprocess.run(
        [*SNAKEMAKE, "--cores", "2", "--configfile", "config/quick.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


@pytest.mark.e2e
def test_quick_report_names_every_claim(quick_run: Path) -> None:
    md = (quick_run / "report/report.md").read_text()
    for claim in load_catalogue():
        assert f"**{claim['id']}**" in md, claim["id"]
    tex = (quick_run / "report/report.tex").read_text()
    assert tex.count("\\textbf{") >= 50
    assert "{{" not in md and "(((" not in tex  # nothing left unrendered


@pytest.mark.e2e
def test_quick_run_writes_figures_and_tables(quick_run: Path) -> None:
    figs = sorted(p.stem for p in (quick_run / "results/figures").glob("*.png"))
    assert {"thresholds", "ratio_heatmap", "gradient_profiles", "activation_derivatives"} <= set(
        figs
    )
    assert (quick_run / "results/probe/summary.csv").stat().st_size > 0
    if shutil.which("latexmk"):
        assert (quick_run / "report/report.pdf").stat().st_size > 10_000


def _dry_run_jobs(work: Path, *args: str) -> set[str]:
    proc = subprocess.run(
        [*SNAKEMAKE, "-n", "--configfile", "config/quick.yaml", *args],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(re.findall(r"^rule (\w+):", proc.stdout, flags=re.M))


@pytest.mark.e2e
def test_editing_one_figure_reruns_only_that_figure_and_the_report(quick_run: Path) -> None:
    assert _dry_run_jobs(quick_run) == set()
    module = quick_run / "src/vanishing/figures/thresholds.py"
    module.write_text(module.read_text() + "\n# edited\n")
    jobs = _dry_run_jobs(quick_run)
    assert "figure" in jobs and "report" in jobs
    assert not jobs & {"probe", "probe_summary", "theory", "claims"}


@pytest.mark.e2e
def test_bad_config_stops_before_any_job(quick_run: Path) -> None:
    bad = quick_run / "config/bad.yaml"
    bad.write_text(
        (quick_run / "config/quick.yaml")
        .read_text()
        .replace("activations: [sigmoid", "activations: [swish, sigmoid")
    )
    proc = subprocess.run(
        [*SNAKEMAKE, "-n", "--configfile", str(bad)], cwd=quick_run, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "activations" in proc.stdout + proc.stderr
