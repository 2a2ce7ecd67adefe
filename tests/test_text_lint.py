"""The text lint (issue 16, "Numbers and text"): each rule catches its pattern, passes
the one style, and neither the quick build's claims.json nor its report.md has a hit.

The published report (docs/report/report.md) is linted by
``python -m vanishing.machinery.textlint docs/report/report.md`` when it is rebuilt; no test
depends on the copy committed today.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vanishing.machinery.textlint import lint_claims, lint_markdown, lint_text

from .conftest import QUICK

# One failing sample per pattern of the issue, each taken from the published report.
FAILING = {
    "e-notation": "|argmax| ≤ 1e-06, |max − n| ≤ 1e-09",
    "no thousands separator": "none of 2520 networks diverged",
    "percent style": "the vanishing rate falls to 50% at a share inside of 0.734",
    "lower-case sentence start": "paired by seed. none of 120 networks diverged",
    "degenerate interval": "n = 1.5: 1 [1, 1], n = 5: 0.999 [0.999, 0.999]",
    "± 0": "had fewer than 0.74 ± 0 (n = 10) of their x inside",
    "hyphen as minus sign": "max |tanh(x) − (2σ(2x) − 1)| over [-20, 20]",
    "double period": "as E4 shows.. Then",
    "zero init called overflowed": "140 overflowed of 1120 networks (|x|, zeros, seed 0)",
    "decimal below 10⁻³": "|t_explode(2) − 0.441| ≤ 0.0005",
    "power of ten in the decimal range": "a product of 1.7 × 10⁵",
    "value outside its interval": "r = 0.999 [1, 1.2]",
}
# The same statements in the one style.
PASSING = [
    "|argmax| ≤ 10⁻⁶, |max − n| ≤ 10⁻⁹; None of 2,520 networks diverged",
    "the vanishing rate falls to 50 % at a share inside of 0.734 (LeCun et al. 1998)",
    "paired by seed. None of 120 networks diverged; e.g. tanh. tanh saturates",
    "n = 1.5: 1 [0.9999, 1], n = 5: 0.999 [0.9989, 0.9993]; 0.74 (n = 10, identical)",
    # references: page ranges, identifiers, DOIs
    "ICCV, 1026–1034. doi:10.1109/ICCV.2015.123. arXiv:1606.05340; question 176794, LNCS 1524",
    "|t_explode(2) − 0.441| ≤ 5 × 10⁻⁴; 170,000 and 9.28 × 10⁶; −11.9 [−12, −11.7]",
    "The 140 zero-init networks have δ exactly 0. None of 980 other networks overflowed.",
]


@pytest.mark.parametrize("rule", sorted(FAILING))
def test_each_rule_catches_its_pattern(rule: str) -> None:
    hits = lint_text(FAILING[rule], "sample")
    assert rule in {h.rule for h in hits}, hits


@pytest.mark.parametrize("text", PASSING)
def test_the_one_style_passes(text: str) -> None:
    assert lint_text(text) == []


def _claims(**fields: str) -> dict:
    claim = {"id": "A1", "measured": "", "evidence": "", "note": "", **fields}
    return {"method": "", "claims": [claim]}


def test_a_parenthetical_repeated_within_a_claim_is_caught() -> None:
    kind = "(Wilson 95 % over 50,000 sampled products)"
    data = _claims(measured=f"n = 2: 1 [0.9999, 1] {kind}, n = 3: 1 [0.9999, 1] {kind}")
    assert [h.rule for h in lint_claims(data)] == ["repeated parenthetical"]
    # once per claim is the convention: no hit
    once = _claims(measured=f"n = 2: 1 [0.9999, 1], n = 3: 1 [0.9999, 1] (each {kind[1:]}")
    assert lint_claims(once) == []


def test_markdown_emphasis_in_a_check_string_is_caught() -> None:
    # "Markdown asterisks appear literally (p. 3)" of the PDF
    for text in ("its **form**, its scope", "an *existence* claim"):
        hits = lint_claims(_claims(note=text))
        assert "Markdown emphasis" in {h.rule for h in hits}, text
    # the fixed point q* is notation, not emphasis
    assert lint_claims(_claims(note="at the fixed point q* and q* again")) == []


def test_markdown_lint_skips_code_paths_and_links() -> None:
    md = (
        "Built at `9d37049` from `results/probe/seed~1234/summary.csv`; see "
        "[the table](../results/claims.csv) and https://example.org/a1e5.\n"
        "## 2. Method\n\n| 1. | tanh | 95 % |\n"
    )
    assert lint_markdown(md) == []
    hits = lint_markdown("fine line\nnone of 2520 runs. then 1e-6\n")
    assert {h.where for h in hits} == {"report.md line 2"}
    assert {h.rule for h in hits} == {
        "no thousands separator",
        "lower-case sentence start",
        "e-notation",
    }


# ---- the quick build ------------------------------------------------------------------


def test_quick_claims_json_has_no_hit(quick_run: Path) -> None:
    hits = lint_claims(json.loads((quick_run / QUICK / "claims.json").read_text()))
    assert not hits, "\n".join(map(str, hits))


def test_quick_claims_json_carries_run_tables(quick_run: Path) -> None:
    claims = json.loads((quick_run / QUICK / "claims.json").read_text())["claims"]
    for c in claims:
        for t in c["run_tables"]:
            assert t["title"] and t["columns"] and t["rows"], (c["id"], t)
            assert all(len(row) == len(t["columns"]) for row in t["rows"]), (c["id"], t)
        # a cell that points to the appendix has a table there
        cells = " ".join(c[k] for k in ("measured", "evidence", "note"))
        assert ("appendix" in cells) <= bool(c["run_tables"]), c["id"]


def test_quick_report_md_has_no_hit(quick_run: Path) -> None:
    md = (quick_run / "report/quick/report.md").read_text()
    hits = lint_markdown(md)
    assert not hits, "\n".join(map(str, hits))
