"""The verdict rule, the shared statistics, the catalogue and claims.json's shape."""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vanishing.claims import stats
from vanishing.claims.evaluate import evaluate_all, load_catalogue, load_checks
from vanishing.claims.registry import ClaimResult
from vanishing.claims.verdict import (
    KINDS,
    METHOD,
    VERDICTS,
    Statistic,
    across,
    all_of,
    conclude,
    decide,
    more_runs,
    part,
    untested,
)
from vanishing.machinery.pipeline import results_at

from .conftest import ROOT


def _s(value, lo, hi, thr=0.5, side="above", strict=False, n=4) -> Statistic:
    return Statistic("x", value, lo, hi, "test interval", thr, side, strict=strict, n=n)


# ---- the rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    "side, lo, hi, want",
    [
        ("above", 0.6, 0.8, "supported"),
        ("above", 0.2, 0.4, "refuted"),
        ("above", 0.4, 0.6, "inconclusive"),
        ("below", 0.2, 0.4, "supported"),
        ("below", 0.6, 0.8, "refuted"),
        ("below", 0.4, 0.6, "inconclusive"),
    ],
)
def test_the_interval_decides(side: str, lo: float, hi: float, want: str) -> None:
    assert decide(_s((lo + hi) / 2, lo, hi, side=side)) == want


def test_ties_go_to_the_claim_unless_it_is_strict() -> None:
    assert decide(_s(0.5, 0.5, 0.7)) == "supported"
    assert decide(_s(0.5, 0.5, 0.7, strict=True)) == "inconclusive"
    assert decide(_s(0.5, 0.3, 0.5, strict=True)) == "refuted"
    assert decide(stats.exact("x", 0.0, 0.0, "below")) == "supported"
    assert decide(stats.exact("x", 0.0, 0.0, "above", strict=True)) == "refuted"


def test_a_single_run_has_no_interval_and_decides_nothing() -> None:
    s = stats.over_runs("x", [0.9], 0.5, "above")
    assert (s.lo, s.hi) == (None, None) and decide(s) == "inconclusive"
    assert more_runs(s) == 1


def test_an_undefined_statistic_over_existing_runs_is_inconclusive() -> None:
    s = stats.over_runs("x", [-math.inf, math.inf], 0.0, "above")
    assert math.isnan(s.value) and decide(s) == "inconclusive"
    assert decide(stats.over_runs("x", [], 0.0, "above")) == "not tested"


def test_more_runs_shrink_the_interval_as_one_over_sqrt_n() -> None:
    # half-width 0.2 towards a threshold 0.1 away: 4 runs → 16 runs, 12 more
    assert more_runs(_s(0.6, 0.4, 0.8, n=4)) == 12
    assert more_runs(_s(0.6, 0.4, 0.8, n=None)) is None  # units fixed by the design


def test_a_conjunction_is_refuted_by_any_part() -> None:
    ok = part("premise", _s(0.7, 0.6, 0.8))
    bad = part("conclusion", _s(0.3, 0.2, 0.4))
    open_ = part("open", _s(0.5, 0.4, 0.6))
    assert all_of("c", [ok, ok]).verdict == "supported"
    assert all_of("c", [ok, bad]).verdict == "refuted"
    assert all_of("c", [open_, bad]).verdict == "refuted"
    assert all_of("c", [ok, open_]).verdict == "inconclusive"
    # an untested part leaves the verdict to the tested ones (the claim is partly tested)
    assert all_of("c", [ok, untested("u", "why")]).verdict == "supported"
    assert all_of("c", [untested("u", "why")]).verdict == "not tested"


def test_conditions_qualify_a_general_claim_and_support_an_existential_one() -> None:
    ok = part("he", _s(0.7, 0.6, 0.8))
    bad = part("xavier", _s(0.3, 0.2, 0.4))
    open_ = part("normal", _s(0.5, 0.4, 0.6))
    assert across("c", [ok, bad]).verdict == "qualified"
    assert across("c", [ok, open_]).verdict == "inconclusive"  # not every condition clear
    assert across("c", [open_, bad]).verdict == "refuted"  # failure, no clear support
    assert across("c", [open_, open_]).verdict == "inconclusive"
    assert across("c", [bad, bad]).verdict == "refuted"
    assert across("c", [ok, bad], scope="some").verdict == "supported"
    assert across("c", [open_, bad], scope="some").verdict == "inconclusive"
    # counter-examples never refute an existence claim
    assert across("c", [bad], scope="some").verdict == "inconclusive"
    assert across("c", []).verdict == "not tested"


def test_conclude_names_the_failing_part_and_counts_more_runs() -> None:
    ok = part("premise", _s(0.7, 0.6, 0.8))
    bad = part("conclusion", _s(0.3, 0.2, 0.4))
    c = conclude(all_of("c", [ok, bad]))
    assert c.verdict == "refuted" and c.statistic is bad.statistic
    assert [(p["name"], p["verdict"]) for p in c.parts] == [
        ("premise", "supported"),
        ("conclusion", "refuted"),
    ]
    c = conclude(all_of("c", [ok, part("open", _s(0.6, 0.4, 0.8, n=4))]))
    assert c.verdict == "inconclusive" and c.more_runs_needed == 12
    assert conclude(ok).parts == []  # a single statistic has no parts


def test_method_states_every_verdict_and_kind() -> None:
    for word in [*VERDICTS, *KINDS]:
        assert word.split()[0] in METHOD.lower()


# ---- the statistics ---------------------------------------------------------------


def test_wilson_contains_the_rate_and_has_exact_ends() -> None:
    lo, hi = stats.wilson(3, 10)
    assert lo < 0.3 < hi
    assert stats.wilson(0, 20)[0] == 0.0 and stats.wilson(20, 20)[1] == 1.0
    # known value (Wilson 1927): 3/10 → [0.108, 0.603]
    assert (round(lo, 3), round(hi, 3)) == (0.108, 0.603)


def test_newcombe_difference_interval() -> None:
    lo, hi = stats.newcombe(18, 20, 5, 20)
    assert lo < 0.65 < hi and lo > 0


def test_bootstrap_is_reproducible_and_covers_the_median() -> None:
    v = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    a, b = stats.boot(v), stats.boot(v)
    assert a == b and a[0] <= 3.0 <= a[1]
    lo, hi = stats.boot([1.0, math.inf, math.inf])  # a diverged run stays ∞, never NaN
    assert lo == 1.0 and hi == math.inf


def test_spread_counts_non_finite_runs() -> None:
    assert stats.spread([1.0, 2.0, 3.0]) == "2 ± 1 (n = 3)"
    assert stats.spread([1.0, 3.0, math.nan]) == "2 ± 1.4 (n = 2; 1 of 3 non-finite)"
    assert stats.spread([1e-8, 1e-2, 1.0]).startswith("median 0.01")
    assert "n/a" not in stats.sig(math.nan)
    # "0.74 ± 0 (n = 5)" once: runs that agree exactly say so
    assert stats.spread([0.74] * 5) == "0.74 (n = 5, identical)"
    assert "± 0 " not in stats.spread([0.74, 0.74, math.inf])


def test_a_list_of_statistics_names_its_kind_of_interval_once() -> None:
    # "(Wilson 95 % over 50000 sampled products)" appeared four times in one cell
    sts = [
        (f"n = {n}", stats.share("P", k, 50_000, 0.5, "above"))
        for n, k in ((2, 50_000), (5, 49_950))
    ]
    text = stats.fmt_stats(sts)
    assert text.count("Wilson") == 1 and "50,000 sampled" not in text
    assert text.startswith("n = 2: 1 [0.9999, 1], n = 5: 0.999 [")
    assert text.endswith("(each Wilson 95 % over 50,000 runs)")


def test_a_long_run_list_goes_to_an_appendix_table() -> None:
    idx = pd.MultiIndex.from_tuples(
        [("relu", "he", d, s) for d in (16, 32) for s in range(3)],
        names=["activation", "init", "depth", "seed"],
    )
    status = pd.Series(["diverged"] * 5 + ["finite"], index=idx)
    with stats.collecting_run_tables() as tables:
        text = stats.diverged_text(status, "networks")
    assert text == "5 diverged of 6 networks, listed in the appendix table"
    (table,) = tables
    assert table["columns"] == ["activation", "init", "depth", "seed", "status"]
    assert table["rows"][0] == ["ReLU", "He", 16, 0, "diverged"] and len(table["rows"]) == 5
    # a short list stays in the sentence, and records no table
    with stats.collecting_run_tables() as tables:
        short = stats.diverged_text(status.iloc[4:], "networks")
    assert short == "1 diverged of 2 networks (ReLU, He, depth 32, seed 1)" and not tables


# ---- catalogue and claims.json ----------------------------------------------------------


def test_catalogue_holds_every_claim_id_of_the_spec_with_a_kind() -> None:
    cat = load_catalogue()
    ids = [c["id"] for c in cat]
    assert len(ids) == len(set(ids)) >= 51
    assert {c["kind"] for c in cat} <= set(KINDS)
    assert {c["id"] for c in cat if c["kind"] == "construction"} == {"D1", "D6", "E4"}
    spec = ROOT.parent / "shared" / "claims.md"
    if spec.exists():  # development has shared/ beside the repo
        want = re.findall(r"^\| ([A-E]\d+) \|", spec.read_text(), flags=re.M)
        assert sorted(ids) == sorted(want)


def test_every_claim_has_exactly_one_check_or_a_planned_reason() -> None:
    cat = load_catalogue()
    planned = {c["id"] for c in cat if c.get("untested_reason")}
    assert set(load_checks()) == {c["id"] for c in cat} - planned
    # a planned claim carries the reason the report prints, and no check claims it
    assert all(c["untested_reason"].strip() for c in cat if c["id"] in planned)


def test_claims_json_shape_on_an_empty_results_folder(tmp_path: Path) -> None:
    data = evaluate_all(results_at(tmp_path))
    json.dumps(data, allow_nan=False)
    assert data["method"] == METHOD
    n = len(load_catalogue())
    assert set(data["counts"]) == set(VERDICTS) and data["counts"]["not tested"] == n
    assert sum(sum(v.values()) for v in data["counts_by_kind"].values()) == n
    c = data["claims"][0]
    for key in (
        "kind",
        "statistic",
        "parts",
        "diverged",
        "more_runs_needed",
        "evidence",
        "run_tables",
    ):
        assert key in c
    assert all(c["evidence"] for c in data["claims"])  # a reason for every "not tested"


def test_claim_result_rejects_unknown_verdicts() -> None:
    with pytest.raises(ValueError):
        ClaimResult("probably", "x", "y", "z")


# ---- no number typed into the prose ---------------------------------------------------

PROSE = {"evidence", "note", "measured", "expected", "tolerance"}
NUMBER = re.compile(r"(?<![\w.^−-])(\d+\.\d+|\d{2,})(?![\w^])")
YEAR = re.compile(r"^(19|20)\d\d$")


def _claim_of(fn: ast.FunctionDef) -> str | None:
    for d in fn.decorator_list:
        if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "check":
            return d.args[0].value
    return None


def test_every_number_in_the_prose_is_formatted_from_data() -> None:
    """String literals in a check's prose may quote the claim's own numbers and years of
    citations; every other number must come from a value (a format field)."""
    texts = {c["id"]: c["text"] for c in load_catalogue()}
    typed = []
    for path in sorted((ROOT / "src/vanishing/claims").glob("checks_*.py")):
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, ast.FunctionDef) or (cid := _claim_of(fn)) is None:
                continue
            allowed = set(NUMBER.findall(texts[cid]))
            for call in ast.walk(fn):
                if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "result"):
                    continue
                for kw in call.keywords:
                    if kw.arg not in PROSE:
                        continue
                    for node in ast.walk(kw.value):
                        if isinstance(node, ast.Constant) and isinstance(node.value, str):
                            for num in NUMBER.findall(node.value):
                                if num not in allowed and not YEAR.match(num):
                                    typed.append(f"{path.name} {cid} {kw.arg}: {num!r}")
    assert typed == []


@pytest.mark.parametrize(
    ("log10", "text"),
    [
        (6.97, "9.33 × 10⁶"),
        (-18.5, "3.16 × 10⁻¹⁹"),
        (400.3, "2 × 10⁴⁰⁰"),  # beyond float range: written from the exponent
        (-1.72, "0.0191"),
        (2.0, "100"),
        (-1.16e-8, "1 − 2.67 × 10⁻⁸"),  # just below 1 stays visibly below 1
        (float("-inf"), "0"),
    ],
)
def test_pow10_writes_a_number_held_as_its_log10(log10: float, text: str) -> None:
    from vanishing.claims.stats import pow10
    from vanishing.machinery.labels import parse_num

    assert pow10(log10) == text
    if abs(log10) < 300 and "−" not in text:
        assert math.isclose(parse_num(text), 10.0**log10, rel_tol=5e-3)


def test_claims_json_strings_read_as_sentences_and_clauses() -> None:
    # "paired by seed. none of 120 networks diverged" and "E4.." in the published report
    d = ClaimResult(
        "supported",
        "seed sd 0.519.",
        "level",
        "≤ 0.1",
        evidence="paired by seed. none of 120 networks diverged.",
    ).to_dict()
    assert d["evidence"] == "paired by seed. None of 120 networks diverged."
    assert d["measured"] == "seed sd 0.519"  # the report adds its own punctuation
    assert d["run_tables"] == []
