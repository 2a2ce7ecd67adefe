"""Rendering the report from a claims.json: every claim ID appears, LaTeX is escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2
import pytest

from vanishing.claims.evaluate import load_catalogue
from vanishing.machinery.pipeline import results_at, run_stage
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
        # in its theme's section, and its full evidence in the appendix
        assert f"\\label{{claim:{c['id'].lower()}}}" in latex
        assert f"\\label{{ev:{c['id'].lower()}}}" in latex
    assert "100\\% \\& \\$" in latex
    assert "![Figure 1](../results/figures/thresholds.png)" in text
    assert (tmp_path / "references.bib").read_text().count("@") == 18
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


def test_each_evidence_item_is_a_line_of_its_own(tmp_path: Path) -> None:
    """A claim with tables and a run list: "- *Tables*" and "- *Run list*" are two items
    (trim_blocks once ate the newline after the tables' loop and joined them)."""
    p = _claims(tmp_path)
    data = json.loads(p.read_text())
    runs = {"title": "Runs that diverged", "columns": ["seed"], "rows": [[1]]}
    data["claims"][0]["run_tables"] = [runs]
    p.write_text(json.dumps(data))
    md, tex = _render(tmp_path, CONFIG, p)
    block = md.split(f"Evidence for {data['claims'][0]['id']}:")[1].split("</details>")[0]
    items = [line for line in block.splitlines() if line.strip()][1:]
    assert [line.split("*")[1] for line in items][-2:] == ["Tables", "Run list"], items
    assert all(line.startswith("- *") for line in items), items
    assert md.count("- *Run list*: [Table R1, Runs that diverged](#runs-1)") == 1


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


def test_figures_are_numbered_in_order_and_shown_in_the_theme_that_first_cites_them(
    tmp_path: Path,
) -> None:
    p = _claims(tmp_path)
    data = json.loads(p.read_text())
    by_id = {c["id"]: c for c in data["claims"]}
    for c in data["claims"]:
        c["figures"] = []
    # A measured claim's first figure is shown in its theme; any other in the appendix.
    by_id["B5"].update(figures=["thresholds", "ratio_heatmap"], kind="measured")  # Section 5
    by_id["A3"].update(figures=["ratio_heatmap"], kind="measured")  # Section 4
    by_id["A4"].update(figures=["delta_heatmap"], kind="analytic")
    p.write_text(json.dumps(data))
    cfg = {
        **CONFIG,
        "figures": ["thresholds", "ratio_heatmap", "delta_heatmap"],
        "table_files": {**CONFIG["table_files"], "probe.summary": "results/probe/summary.csv"},
    }
    md, tex = _render(tmp_path, cfg, p)
    tanh, relu = md.index("## 4. tanh(n·x)"), md.index("## 5. ReLU")
    assert tanh < md.index("**Figure 1.**") < relu < md.index("**Figure 2.**")
    assert "![Figure 1](../results/figures/ratio_heatmap.png)" in md
    assert "![Figure 2](../results/figures/thresholds.png)" in md
    # Cited only by an analytic claim: numbered last, in the appendix, and still linked.
    assert md.index("### B. Further figures") < md.index("![Figure 3](../results/figures/delta")
    assert "[Fig. 3](#figure-delta_heatmap)" in md
    # Tables are named relative to the results folder (results/ or the published data/).
    assert "*Drawn by `vanishing.figures.ratio_heatmap` from `probe/summary.csv`.*" in md
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


def _abstract(md: str) -> str:
    return md.split("## Abstract", 1)[1].split("## 1. Introduction", 1)[0]


def test_the_abstract_states_results_by_rule_and_follows_the_verdicts(tmp_path: Path) -> None:
    p = _claims(tmp_path)
    data = json.loads(p.read_text())
    by_id = {c["id"]: c for c in data["claims"]}
    by_id["C4"].update(verdict="refuted", values={"inside_frac": 0.6826894921370859})
    by_id["B1"].update(
        verdict="refuted",
        statistic={"name": "revived share", "value": 0.41, "lo": 0.4, "hi": 0.42},
    )
    by_id["E1"].update(verdict="supported", statistic={"name": "s", "value": 1.0})
    p.write_text(json.dumps(data))
    abstract = _abstract(_render(tmp_path, CONFIG, p)[0])
    # Premise first, then a central question, then the literature: not catalogue order.
    assert abstract.index("(C4, refuted)") < abstract.index("(B1, refuted)")
    assert abstract.index("(B1, refuted)") < abstract.index("(E1, supported)")
    assert "is false: only 68.3 % of the distribution lies there" in abstract
    assert "is not dead for good: a share 0.41 [0.4, 0.42]" in abstract
    # Flip two verdicts: the sentences change with them.
    by_id["C4"]["verdict"] = "supported"
    by_id["B1"]["verdict"] = "inconclusive"
    p.write_text(json.dumps(data))
    flipped = _abstract(_render(tmp_path, CONFIG, p)[0])
    assert "(C4, supported)" in flipped and "lie in [−1, 1] holds" in flipped
    assert "B1" not in flipped and "not dead for good" not in flipped
    # An undecided central claim gives its place: still at most four results.
    assert flipped.count(", supported)") + flipped.count(", refuted)") <= 4
    # The scope sentence states the grid's width from the config.
    assert f"fully connected, {CONFIG['width']} units wide" in flipped


def test_every_claim_sits_in_one_theme_and_has_one_line() -> None:
    from vanishing.report.structure import THEMES, one_line

    ids = [c["id"] for c in load_catalogue()]
    placed = [cid for t in THEMES for cid in t.claims]
    assert sorted(placed) == sorted(ids)  # each claim exactly once
    assert set(one_line()) == set(ids)
    assert all(set(t.key_claims) <= set(t.claims) for t in THEMES)
    assert all(len(line) <= 80 for line in one_line().values())


# ---- the width theme's sentences ---------------------------------------------------


def _e6_values(finite_depth: int, stands: int = 0) -> dict:
    rows = {"within_at_every_width": 8 - finite_depth - stands, "finite_width": 0}
    rows |= {"finite_depth": finite_depth, "stands": stands, "undecided": 0}
    values = {f"width_rows_{k}": float(n) for k, n in rows.items()}
    values |= {"width_widest": 1024.0, "width_deviation_tanh_sb0": 0.3}
    values |= {"width_deviation_relu_sb0": 0.01}
    return {"id": "E6", "verdict": "qualified", "values": values}


def test_the_width_theme_reads_e6_rows_from_its_values() -> None:
    from vanishing.report.prose import _e6_width

    depth = _e6_values(1)
    text = _e6_width({"E6": depth})
    assert text is not None and "7 of 8" in text and "finite-depth" in text
    assert "tanh" in text and "ReLU" not in text  # only rows beyond E6's gap are misses
    standing = _e6_width({"E6": _e6_values(0, stands=1)})
    assert standing is not None and "finite-depth" not in standing
    assert _e6_width({"E6": {"values": {}}}) is None  # no width grid: no sentence


def test_the_width_limitation_follows_the_results() -> None:
    from vanishing.report.prose import _width_limitation

    scope = {"width": 64, "widths": [64], "max_depth": 100, "max_steps": 10}
    untested = {"E9": {"verdict": "not tested"}, "E10": {"verdict": "not tested"}}
    assert "not tested" in _width_limitation(scope, untested, {"widths": [16, 64]})
    e10 = {
        "rel_var_tanh_orthogonal_d100": 0.17,
        "pred_rel_var_tanh_orthogonal_d100": 0.16,
        "rel_var_relu_gaussian_d100": 120.0,
        "pred_rel_var_relu_gaussian_d100": 200.0,
        "rel_var_relu_orthogonal_d100": 101.0,
        "pred_rel_var_relu_orthogonal_d100": 100.0,
    }
    by = {
        "E6": _e6_values(3),
        "E9": {"verdict": "supported"},
        "E10": {"verdict": "supported", "values": e10},
    }
    text = _width_limitation(scope, by, {"widths": [16, 64, 256, 1024]})
    assert "16, 64, 256, 1,024" in text and "3 of the 8" in text
    # only the setting below its prediction is named (orthogonal tanh never is)
    assert "ReLU with Gaussian weights falls short" in text and "orthogonal" not in text
