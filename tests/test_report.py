"""Rendering the report from a claims.json: every claim ID appears, LaTeX is escaped."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest

from vanishing.claims.evaluate import load_catalogue
from vanishing.pipeline import results_at, run_stage
from vanishing.report import run, tex_escape

from .conftest import ROOT

CONFIG = {
    "activations": ["relu"],
    "inits": ["he"],
    "depths": [2],
    "seeds": [0, 1],
    "width": 8,
    "figures": ["thresholds"],
    "templates": str(ROOT / "report/templates"),
    "user_config": {"activations": ["relu"]},
    "results_dir": "results",
    "table_files": {"theory.maxima": "results/theory/maxima.json"},
}


def render_report(claims: Path, root: Path, md: Path, tex: Path) -> None:
    tables = results_at(root)
    tables._paths["claims.claims"] = [claims]
    outputs = {"md": md, "tex": tex, "bib": md.with_name("references.bib")}
    run({**CONFIG, "figure_dir": str(root.parent / "results/figures")}, tables, outputs)


def _claims(tmp: Path) -> Path:
    claims = [
        {
            **c,
            "verdict": "not tested",
            "measured": "μ = 1 ± 0.1 (n = 2)",
            "expected": "≥ 50 %",
            "tolerance": "|x − 1| < 1e-3",
            "evidence": "x_1 & y",
            "figures": ["thresholds"],
            "tables": ["theory.maxima"],
            "note": "",
            "values": {},
            "check": None,
        }
        for c in load_catalogue()
    ]
    claims[0]["note"] = "a note with 100% & $ in it"
    counts = {"supported": 0, "refuted": 0, "qualified": 0, "not tested": len(claims)}
    p = tmp / "claims.json"
    p.write_text(json.dumps({"claims": claims, "counts": counts}))
    return p


def test_report_names_every_claim_and_escapes_latex(tmp_path: Path) -> None:
    run_stage("theory", {}, tmp_path)
    md, tex = tmp_path / "report.md", tmp_path / "report.tex"
    render_report(_claims(tmp_path), tmp_path, md, tex)
    text, latex = md.read_text(), tex.read_text()
    for c in load_catalogue():
        assert f"**{c['id']}**" in text
        assert f"\\textbf{{{c['id']}}}" in latex
    assert "100\\% \\& \\$" in latex
    assert "![thresholds](../results/figures/thresholds.png)" in text
    assert (tmp_path / "references.bib").read_text().count("@") == 15
    assert "Glorot" in text and "Saxe" in text


def test_a_missing_value_fails_the_build(tmp_path: Path) -> None:
    run_stage("theory", {}, tmp_path)
    p = _claims(tmp_path)
    data = json.loads(p.read_text())
    del data["claims"][3]["measured"]
    p.write_text(json.dumps(data))
    with pytest.raises(jinja2.UndefinedError):
        render_report(p, tmp_path, tmp_path / "r.md", tmp_path / "r.tex")


def test_tex_escape_handles_specials_and_symbols() -> None:
    assert tex_escape("a_b 50% σ²") == "a\\_b 50\\% $\\sigma$$^2$"
