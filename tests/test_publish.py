"""The published report (docs/report/) and `make publish`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vanishing.cli import publish

from .conftest import ROOT

ROW = re.compile(
    r"^\| <a id=\"[a-z0-9]+\"></a>\*\*([A-E]\d+)\*\* \|.*\| \*\*([a-z ]+)\*\*"
    r"(?: \(partly tested\))? \|$",
    re.M,
)


def verdicts_in(md: str) -> dict[str, str]:
    """Claim ID → verdict, read from a rendered report's claims tables."""
    return dict(ROW.findall(md))


def test_published_report_matches_the_default_results() -> None:
    """Whenever both exist, the committed report states the verdicts results/ holds."""
    published, results = ROOT / "docs/report/report.md", ROOT / "results/claims.json"
    if not (published.exists() and results.exists()):
        pytest.skip("needs both docs/report/report.md and results/claims.json")
    claims = json.loads(results.read_text())["claims"]
    assert verdicts_in(published.read_text()) == {c["id"]: c["verdict"] for c in claims}


def _fake_run(tmp: Path, name: str) -> tuple[Path, Path]:
    report, results = tmp / "report", tmp / "results"
    (results / "figures").mkdir(parents=True)
    report.mkdir()
    for fig in ("a_fig", "unused"):
        (results / "figures" / f"{fig}.png").write_bytes(b"png")
    claims = {"claims": [{"id": "A1", "verdict": "supported"}], "counts": {"supported": 1}}
    (results / "claims.json").write_text(json.dumps(claims))
    (report / "report.md").write_text(
        "# Title\n\n"
        f"**The vanishing authors** · config **{name}** (hash `abc`) · built 2026-01-01\n\n"
        '| <a id="a1"></a>**A1** | who | text | evidence | **supported** |\n\n'
        "![Figure 1](../results/figures/a_fig.png)\n\n"
        "- config: default; hash `abc`\n- git commit: `0123abc`; build date: 2026-01-01\n"
    )
    return report, results


def test_publish_copies_the_default_report_with_its_figures_and_provenance(
    tmp_path: Path,
) -> None:
    report, results = _fake_run(tmp_path, "default")
    out = tmp_path / "docs/report"
    publish(report, results, out)
    md = (out / "report.md").read_text()
    assert "![Figure 1](figures/a_fig.png)" in md
    assert (out / "figures/a_fig.png").exists() and not (out / "figures/unused.png").exists()
    assert verdicts_in(md) == {"A1": "supported"}
    prov = (out / "PROVENANCE.md").read_text()
    assert "git commit: `0123abc`" in prov and "| claims.json |" in prov


def test_publish_refuses_a_run_that_is_not_the_reference(tmp_path: Path) -> None:
    report, results = _fake_run(tmp_path, "quick")
    with pytest.raises(SystemExit, match="not the default run"):
        publish(report, results, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_publish_writes_the_readme_summary_from_claims_json(tmp_path: Path) -> None:
    """The README's published block is generated: counts and findings come from
    claims.json (a refuted claim is a finding), and only the marked block changes."""
    from vanishing.cli import put_in_readme, readme_block

    report, results = _fake_run(tmp_path, "default")
    claims = {
        "claims": [
            {"id": "A1", "verdict": "supported", "source": "A", "text": "One.", "measured": "x"},
            {
                "id": "B2",
                "verdict": "refuted",
                "source": "B",
                "text": "Two.",
                "measured": "share 0.5; detail",
            },
        ]
    }
    (results / "claims.json").write_text(json.dumps(claims))
    block = readme_block((report / "report.md").read_text(), results / "claims.json", Path("d"))
    assert "**1 supported, 1 refuted**" in block and "git commit: `0123abc`" in block
    assert "- **B2** (refuted): Two. Measured: share 0.5." in block
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- published:start -->\nold\n<!-- published:end -->\nrest\n")
    assert put_in_readme(readme, block)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "old" not in text
    assert not put_in_readme(tmp_path / "report" / "report.md", block)  # no markers


def test_publish_writes_the_citation_from_the_published_report(tmp_path: Path) -> None:
    from vanishing.cli import cite_fields, put_in_citation

    cff = tmp_path / "CITATION.cff"
    cff.write_text(
        "date-released: 2020-01-01\nabstract: >\n  A pipeline that tests, by experiment and\n"
        "  analytic computation, 50 claims about gradients.\npreferred-citation:\n  type: report\n"
    )
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps({"claims": [{"id": f"A{i}"} for i in range(7)]}))
    md = "- git commit: `abc`; build date: 2026-12-01\n"
    assert put_in_citation(cff, cite_fields(md, claims))
    text = cff.read_text()
    assert "date-released: 2026-12-01" in text and "computation, 7 claims" in text
    assert "preferred-citation:\n  year: 2026\n" in text
    assert put_in_citation(cff, cite_fields(md, claims)) and cff.read_text() == text  # idempotent


def test_citation_states_the_catalogues_claim_count() -> None:
    from vanishing.claims.evaluate import load_catalogue

    text = (ROOT / "CITATION.cff").read_text()
    assert f"computation, {len(load_catalogue())} claims" in text
