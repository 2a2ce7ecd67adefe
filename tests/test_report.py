"""Rendering the report from a claims.json: every claim ID appears, LaTeX is escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2
import pytest

from vanishing.claims.evaluate import load_catalogue
from vanishing.pipeline import results_at, run_stage
from vanishing.report.bibliography import load_references
from vanishing.report.latex import tex_escape
from vanishing.report.render import run

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


def render_report(
    claims: Path, root: Path, md: Path, tex: Path, config: dict | None = None
) -> None:
    tables = results_at(root)
    tables._paths["claims.claims"] = [claims]
    outputs = {"md": md, "tex": tex, "bib": md.with_name("references.bib")}
    params = {**(config or CONFIG), "figure_dir": str(root.parent / "results/figures")}
    run(params, tables, outputs)


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
    assert "![Figure 1](../results/figures/thresholds.png)" in text
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
    assert tex_escape("leaky_slope 50% σ²") == "leaky\\_slope 50\\% $\\sigma$\\textsuperscript{2}"
    assert tex_escape("x ↦ Mx") == "x $\\mapsto$ Mx"
    assert tex_escape("10⁻¹¹") == "10\\textsuperscript{\\ensuremath{-}11}"
    assert tex_escape("−1") == "$-$1"
    assert tex_escape("1/nᴷ⁻¹") == "1/n\\textsuperscript{K\\ensuremath{-}1}"


def test_a_symbol_without_latex_stops_the_build() -> None:
    with pytest.raises(ValueError, match="U\\+2603"):
        tex_escape("snow ☃")


def _render(tmp: Path, config: dict, claims: Path | None = None) -> tuple[str, str]:
    run_stage("theory", {}, tmp)
    md, tex = tmp / "report.md", tmp / "report.tex"
    render_report(claims or _claims(tmp), tmp, md, tex, config)
    return md.read_text(), tex.read_text()


def test_title_block_names_the_config_and_flags_a_non_reference_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    quick, quick_tex = _render(tmp_path, {**CONFIG, "name": "quick"})
    assert "config **quick**" in quick and "built 2023-11-14" in quick
    assert "Not the reference run" in quick and "Not the reference run" in quick_tex
    default, default_tex = _render(tmp_path, {**CONFIG, "name": "default"})
    assert "config **default**" in default
    assert "Not the reference run" not in default + default_tex
    custom, _ = _render(tmp_path, {**CONFIG, "name": "mine", "user_config": {"width": 9}})
    assert re.search(r"config \*\*custom \([0-9a-f]{16}\)\*\*", custom)
    assert "Not the reference run" in custom
    # The same inputs give the same bytes (no clock time in the report).
    again, _ = _render(tmp_path, {**CONFIG, "name": "default"})
    assert again == default


def test_figures_are_numbered_by_first_mention_and_shown_after_their_section(
    tmp_path: Path,
) -> None:
    p = _claims(tmp_path)
    data = json.loads(p.read_text())
    for c in data["claims"]:
        c["figures"] = []
    data["claims"][0]["figures"] = ["ratio_heatmap"]  # A1
    data["claims"][20]["figures"] = ["thresholds", "ratio_heatmap"]  # a B claim
    p.write_text(json.dumps(data))
    cfg = {
        **CONFIG,
        "figures": ["thresholds", "ratio_heatmap", "delta_heatmap"],
        "table_files": {**CONFIG["table_files"], "probe.summary": "results/probe/summary.csv"},
    }
    md, tex = _render(tmp_path, cfg, p)
    assert md.index("**Figure 1.**") < md.index("## Source B") < md.index("**Figure 2.**")
    assert "![Figure 1](../results/figures/ratio_heatmap.png)" in md
    assert "![Figure 2](../results/figures/thresholds.png)" in md
    # Cited by no claim: numbered last, under "Further figures".
    assert md.index("## Further figures") < md.index("![Figure 3](../results/figures/delta_heatmap")
    assert "*Drawn by `vanishing.figures.ratio_heatmap` from `results/probe/summary.csv`.*" in md
    assert "[Fig. 1](#figure-ratio_heatmap)" in md
    assert "\\label{fig:ratio_heatmap}" in tex


def test_every_reference_is_cited_where_it_is_used(tmp_path: Path) -> None:
    refs = load_references(ROOT / "report/templates")
    ids = {c["id"] for c in load_catalogue()} | set("ABCDE")
    for e in refs:
        assert e.get("cited_by"), e["key"]
        assert set(e["cited_by"]) <= ids, e["key"]
        # Papers carry a DOI or URL; the Q&A threads their Stack Exchange URL.
        if e["key"] in ("srcA", "srcB"):
            assert e["url"].startswith(
                (
                    "https://stats.stackexchange.com/questions/",
                    "https://datascience.stackexchange.com/questions/",
                )
            )
        elif not e["key"].startswith("src"):
            assert e.get("doi") or e.get("url"), e["key"]
    md, tex = _render(tmp_path, CONFIG)
    assert "\\nocite" not in tex
    cited = set(re.findall(r"\\citep\{([^}]*)\}", tex))
    assert {k for c in cited for k in c.split(",")} == {e["key"] for e in refs}
    bib = (tmp_path / "references.bib").read_text()
    assert (
        "title = {{Delving deep into rectifiers: surpassing human-level performance on ImageNet"
        in bib
    )
    assert "doi = {10.1109/ICCV.2015.123}" in bib
    assert "[He et al. 2015](#ref-he2015)" in md


def test_report_prints_a_bibtex_entry_for_itself(tmp_path: Path) -> None:
    md, tex = _render(tmp_path, {**CONFIG, "name": "default"})
    block = md.split("```bibtex\n", 1)[1].split("```", 1)[0]
    assert block.startswith("@techreport{vanishing_report")
    assert "config default" in block and "The vanishing authors" in block
    assert block in tex


def test_findings_are_chosen_by_rule_from_claims_json(tmp_path: Path) -> None:
    p = _claims(tmp_path)
    data = json.loads(p.read_text())
    by_id = {c["id"]: c for c in data["claims"]}
    by_id["C4"]["verdict"] = "refuted"
    by_id["E2"]["verdict"] = "supported"
    by_id["E2"]["statistic"] = {
        "name": "loss ratio",
        "value": 0.26,
        "lo": 0.1,
        "hi": 0.5,
        "interval": "95 % bootstrap over seeds",
        "threshold": 0.5,
        "side": "below",
        "unit": "",
        "scale": "linear",
    }
    p.write_text(json.dumps(data))
    md, _ = _render(tmp_path, CONFIG, p)
    abstract = md.split("## Abstract", 1)[1].split("## How to read", 1)[0]
    assert "**[C4](#c4)** (refuted)" in abstract
    assert "**[E2](#e2)** (supported)" in abstract
    assert (
        "loss ratio: 0.26 [0.1, 0.5] (95 % bootstrap over seeds); the claim needs ≤ 0.5" in abstract
    )
    assert "**0 supported" not in abstract and "1 refuted" in abstract
