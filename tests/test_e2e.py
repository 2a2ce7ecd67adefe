"""End to end: the quick config through Snakemake in a temporary copy of the repo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vanishing.claims.evaluate import load_catalogue

from .conftest import QUICK, snakemake


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
