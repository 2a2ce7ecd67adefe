"""The published report (docs/report/), `make publish`, and how the report is cited."""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from vanishing import publish as pub
from vanishing.publish import (
    citation_text,
    cited_tables,
    page_counts,
    pages_line,
    plain_text,
    publish,
    put_in_readme,
    readme_block,
    report_abstract,
)
from vanishing.report.citation import AUTHORS, report_bibtex

from .conftest import ROOT

# A claim's opening line in its theme's section: "**A1** · **supported** · who: text".
ROW = re.compile(r"^\*\*([A-E]\d+)\*\* · \*\*([a-z ]+)\*\*", re.M)
PUBLISHED = ROOT / "docs/report"


def verdicts_in(md: str) -> dict[str, str]:
    """Claim ID → verdict, read from a rendered report's claims tables."""
    return dict(ROW.findall(md))


def test_published_report_matches_the_default_results() -> None:
    """Whenever both exist, the committed report states the verdicts results/ holds."""
    published, results = PUBLISHED / "report.md", ROOT / "results/claims.json"
    if not (published.exists() and results.exists()):
        pytest.skip("needs both docs/report/report.md and results/claims.json")
    claims = json.loads(results.read_text())["claims"]
    assert verdicts_in(published.read_text()) == {c["id"]: c["verdict"] for c in claims}


# ---- a small fake run: a report, its results and the tables it cites ----------------

ABSTRACT_MD = (
    "We test **2 claims** by [experiment](#method); see `probe/summary.csv`.<br>"
    'Where |x| < 0.4 and n > 1, <a id="x"></a>*one* is refuted.\n\n'
    "Scope: small nets.\n"
)


def _fake_run(tmp: Path, name: str = "default", cites: str = "") -> tuple[Path, Path]:
    report, results = tmp / "report", tmp / "results"
    (results / "figures").mkdir(parents=True)
    report.mkdir()
    for fig in ("a_fig", "unused"):
        (results / "figures" / f"{fig}.png").write_bytes(b"png")
    claims = {
        "claims": [{"id": "A1", "verdict": "supported"}, {"id": "B2", "verdict": "refuted"}],
        "counts": {"supported": 1, "refuted": 1},
    }
    (results / "claims.json").write_text(json.dumps(claims))
    for rel, text in {
        "probe/summary.csv": "a,b\n1,2\n",
        "studies/t/relu/layers.csv": "layer\n1\n",
        "studies/t/tanh/layers.csv": "layer\n2\n",
        "probe/raw.csv": "not cited\n",
    }.items():
        (results / rel).parent.mkdir(parents=True, exist_ok=True)
        (results / rel).write_text(text)
    (report / "report.md").write_text(
        "# Title\n\n"
        f"**{AUTHORS}** · config **{name}** (hash `abc`) · built 2026-01-01\n\n"
        f"## Abstract\n\n{ABSTRACT_MD}\n"
        "## Claims\n\n"
        "**A1** · **supported** · who: text\n\n- *Tables*: `probe/summary.csv`\n\n"
        "**B2** · **refuted** · who: text\n\n- *Tables*: `studies/t/*/layers.csv`\n\n"
        f"{cites}\n\n"
        "![Figure 1](../results/figures/a_fig.png)\n\n"
        "## Provenance\n\n"
        "- config: default; hash `0123456789abcdef`\n"
        "- git commit: `0123abc4567890def0123abc4567890def012345`; build date: 2026-03-09\n"
        "- vanishing 0.4.2, Python 3.11.7 on Linux\n"
    )
    return report, results


def test_publish_copies_the_default_report_with_its_figures_and_provenance(
    tmp_path: Path,
) -> None:
    report, results = _fake_run(tmp_path)
    out = tmp_path / "docs/report"
    publish(report, results, out)
    md = (out / "report.md").read_text()
    assert "![Figure 1](figures/a_fig.png)" in md
    assert (out / "figures/a_fig.png").exists() and not (out / "figures/unused.png").exists()
    assert verdicts_in(md) == {"A1": "supported", "B2": "refuted"}
    prov = (out / "PROVENANCE.md").read_text()
    assert "git commit: `0123abc" in prov and "| claims.json |" in prov
    assert "verdicts: 1 supported, 1 refuted" in prov


def test_publish_copies_every_cited_table_under_data_at_its_printed_path(
    tmp_path: Path,
) -> None:
    report, results = _fake_run(tmp_path)
    out = tmp_path / "docs/report"
    publish(report, results, out)
    data = out / "data"
    published = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
    # the glob names both per-job tables; the uncited raw table stays behind
    assert published == [
        "probe/summary.csv.gz",
        "studies/t/relu/layers.csv.gz",
        "studies/t/tanh/layers.csv.gz",
    ]
    assert gzip.decompress((data / "probe/summary.csv.gz").read_bytes()) == b"a,b\n1,2\n"
    prov = (out / "PROVENANCE.md").read_text()
    digest = pub._sha256(data / "studies/t/tanh/layers.csv.gz")
    assert f"| data/studies/t/tanh/layers.csv.gz | `{digest}` |" in prov
    # Same table, same bytes: no file name or time in the gzip header.
    again = tmp_path / "again"
    publish(report, results, again)
    assert (again / "data/probe/summary.csv.gz").read_bytes() == (
        data / "probe/summary.csv.gz"
    ).read_bytes()


def test_publish_refuses_a_missing_or_oversized_table_before_touching_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "docs/report"
    (out / "figures").mkdir(parents=True)
    (out / "figures/old.png").write_bytes(b"old")
    report, results = _fake_run(tmp_path, cites="See `studies/gone/runs.csv`.")
    with pytest.raises(ValueError, match="studies/gone/runs.csv"):
        publish(report, results, out)
    report, results = _fake_run(tmp_path / "big")
    monkeypatch.setattr(pub, "DATA_LIMIT_BYTES", 10)
    largest = r"largest: studies/t/\*/layers.csv \(56 B\), probe/summary.csv \(28 B\)"
    with pytest.raises(ValueError, match=largest):
        publish(report, results, out)
    assert (out / "figures/old.png").exists()  # the published copy is left as it was


def test_publish_refuses_a_run_that_is_not_the_reference(tmp_path: Path) -> None:
    report, results = _fake_run(tmp_path, "quick")
    with pytest.raises(SystemExit, match="not the default run"):
        publish(report, results, tmp_path / "out")
    (report / "report.md").write_text("")  # an empty file (a build that failed)
    with pytest.raises(SystemExit, match="not the default run"):
        publish(report, results, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cited_tables_are_the_relative_table_paths_in_backticks() -> None:
    md = (
        "`probe/summary.csv` and `probe/summary.csv` again, `studies/t/*/layers.parquet`, "
        "`claims.json`, `x/y.tsv`; not `/abs/a.csv`, `../up.csv`, `https://h/x.csv`, "
        "`config/quick.yaml`, `vanishing.figures.a`, an unquoted probe/other.csv, "
        "nor `two words.csv`"
    )
    assert cited_tables(md) == [
        "claims.json",
        "probe/summary.csv",
        "studies/t/*/layers.parquet",
        "x/y.tsv",
    ]


def test_the_abstract_is_the_reports_own_section_as_plain_text() -> None:
    md = f"# T\n\n## Abstract\n\n{ABSTRACT_MD}\n## 1. Introduction\n\nNot this.\n"
    assert report_abstract(md) == (
        "We test 2 claims by experiment; see probe/summary.csv. "
        "Where |x| < 0.4 and n > 1, one is refuted.\n\nScope: small nets."
    )
    assert plain_text("- **A1**: one\n- [B2](#b2): two\n\n![F](f.png)") == "- A1: one\n\n- B2: two"
    with pytest.raises(ValueError, match="Abstract"):
        report_abstract("# T\n\n## Introduction\n\nText.\n")


def test_readme_block_quotes_the_abstract_and_the_tally_from_claims_json(
    tmp_path: Path,
) -> None:
    report, results = _fake_run(tmp_path)
    md = (report / "report.md").read_text()
    block = readme_block(md, results / "claims.json", Path("d"))
    assert "Of its 2 claims: **1 supported, 1 refuted**." in block
    assert "git commit: `0123abc" in block
    assert "> We test 2 claims by experiment;" in block and "\n>\n> Scope: small nets." in block
    # a changed verdict changes the tally
    data = json.loads((results / "claims.json").read_text())
    data["claims"][1]["verdict"] = "qualified"
    (results / "claims.json").write_text(json.dumps(data))
    assert "**1 supported, 1 qualified**" in readme_block(md, results / "claims.json", Path("d"))

    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- published:start -->\nold\n<!-- published:end -->\nrest\n")
    assert put_in_readme(readme, block)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "old" not in text
    assert not put_in_readme(tmp_path / "report" / "report.md", block)  # no markers


def test_the_tally_names_every_verdict_in_the_reports_order() -> None:
    from vanishing.claims.verdict import VERDICTS

    assert set(pub.TALLY_ORDER) == set(VERDICTS)
    claims = [{"verdict": v} for v in ("refuted", "supported", "refuted", "odd", "not tested")]
    assert pub.verdict_tally({"claims": claims}) == (
        5,
        "1 supported, 2 refuted, 1 not tested, 1 odd",
    )


def test_citation_cff_is_written_from_the_published_report(tmp_path: Path) -> None:
    report, results = _fake_run(tmp_path)
    md = (report / "report.md").read_text()
    text = citation_text(md, results / "claims.json")
    cff = yaml.safe_load(text)
    ref = cff["preferred-citation"]
    assert cff["abstract"] == ref["abstract"] == report_abstract(md)
    assert cff["version"] == ref["version"] == "0.4.2"
    assert cff["date-released"] == "2026-03-09" and (ref["year"], ref["month"]) == (2026, 3)
    assert cff["commit"] == ref["commit"] == "0123abc4567890def0123abc4567890def012345"
    assert [a["name"] for a in cff["authors"]] == [AUTHORS] == [a["name"] for a in ref["authors"]]
    assert ref["institution"]["name"] == AUTHORS
    assert "report on 2 claims (1 supported, 1 refuted)" in ref["notes"]
    assert "0123456789abcdef" in ref["notes"]
    assert text.startswith("# Written by `make publish`")
    assert citation_text(md, results / "claims.json") == text  # same inputs, same bytes


def test_report_bibtex_has_standard_fields_and_one_author_string() -> None:
    prov = {
        "commit": "0123abc4567890def0123abc4567890def012345",
        "date": "2026-03-09",
        "version": "0.4.2",
        "config_hash": "0123456789abcdef",
    }
    bib = report_bibtex(prov, {"label": "default"})
    fields = dict(re.findall(r"^  (\w+) = (.*?),?$", bib, flags=re.M))
    assert bib.startswith("@techreport{vanishing_report_0123abc,")
    assert fields["author"] == fields["institution"] == f"{{{{{AUTHORS}}}}}"
    assert (fields["year"], fields["month"], fields["version"]) == ("{2026}", "mar", "{0.4.2}")
    assert fields["note"] == (
        "{Commit 0123abc45678, config default (hash 0123456789abcdef), built 2026-03-09}"
    )
    undated = report_bibtex(
        {**prov, "date": "unknown (not a git checkout)"}, {"label": "custom (0123456789abcdef)"}
    )
    assert "year = {n.d.}" in undated and "month" not in undated
    assert "config custom (0123456789abcdef), built" in undated  # the hash said once


def test_the_report_states_the_pyproject_version() -> None:
    from vanishing.report.provenance import package_version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert package_version(ROOT) == project["version"]


# ---- the repository's CITATION.cff and docs/report/ ----------------------------------


def _repo_citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_citation_cff_names_the_one_author_and_the_package_version() -> None:
    cff = _repo_citation()
    ref = cff["preferred-citation"]
    assert [a["name"] for a in cff["authors"]] == [AUTHORS]
    assert [a["name"] for a in ref["authors"]] == [AUTHORS]
    assert ref["institution"]["name"] == AUTHORS
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert cff["version"] == ref["version"] == version
    assert str(cff["date-released"]).startswith(f"{ref['year']}-{ref['month']:02d}-")


def test_citation_cff_states_the_catalogues_claim_count_and_the_published_abstract() -> None:
    from vanishing.claims.evaluate import load_catalogue

    cff = _repo_citation()
    assert f"report on {len(load_catalogue())} claims" in cff["preferred-citation"]["notes"]
    md = (PUBLISHED / "report.md").read_text()
    assert cff["abstract"] == report_abstract(md)


def test_readme_states_what_the_published_report_says() -> None:
    """The README's published block is what `make publish` writes from docs/report/."""
    md = (PUBLISHED / "report.md").read_text()
    block = readme_block(md, PUBLISHED / "claims.json", Path("docs/report"))
    readme = (ROOT / "README.md").read_text()
    assert f"{pub.README_START}\n{block}{pub.README_END}" in readme


def test_every_table_the_published_report_cites_is_published_beside_it() -> None:
    """A reader of docs/report/ can open every table a row cites, under data/."""
    md = (PUBLISHED / "report.md").read_text()
    cited = cited_tables(md)
    assert cited, "the published report cites no tables"
    found, missing = pub.resolve_tables(
        [rel + pub.COMPRESSED for rel in cited], PUBLISHED / pub.DATA_DIR
    )
    assert not missing, f"cited but not in docs/report/data/: {missing}"


def test_published_tables_fit_the_size_limit() -> None:
    data = PUBLISHED / pub.DATA_DIR
    total = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    assert total <= pub.DATA_LIMIT_BYTES


# ---- the PDF's length ---------------------------------------------------------------

AUX = (
    "\\relax\n\\providecommand\\hyper@newdestlabel[2]{}\n"
    "\\newlabel{fig:a}{{1}{2}{A caption with {braces}}{figure.1}{}}\n"
    "\\newlabel{appendix-start}{{A}{23}{Appendix}{appendix.A}{}}\n"
    "\\gdef \\@abspage@last{31}\n"
)
LOG = "...\nOutput written on /x/results/latex/report.xdv (31 pages, 1579258 bytes).\n"


def test_page_counts_read_the_appendix_label_and_the_total() -> None:
    assert page_counts(AUX, LOG) == (31, 23)
    assert page_counts(AUX, "") == (31, 23)  # the aux's last page when there is no log
    log = "Output written on\n/x/report.pdf (40 pages, 9 bytes)."  # TeX wraps long lines
    assert page_counts(AUX.replace("31", "40"), log) == (40, 23)
    assert page_counts(AUX.replace("appendix-start", "other"), LOG) == (31, None)
    assert page_counts("", "") == (None, None)


def test_pages_line_says_main_text_and_appendix_or_what_is_missing(tmp_path: Path) -> None:
    assert "page count unknown" in pages_line(tmp_path)
    (tmp_path / "report.aux").write_text(AUX)
    (tmp_path / "report.log").write_text(LOG)
    assert pages_line(tmp_path) == (
        "report.pdf: 31 pages (main text 22, appendix and references 9)"
    )
    (tmp_path / "report.aux").write_text(AUX.replace("appendix-start", "elsewhere"))
    line = pages_line(tmp_path)
    assert line.startswith("report.pdf: 31 pages (no \\label{appendix-start}")
    assert line.endswith("main text and appendix not told apart)")
