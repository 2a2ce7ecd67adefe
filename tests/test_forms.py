"""Claims as logic: the rule by form reaches every verdict its form defines, scope and
untested parts are handled the same way for every claim, and the catalogue declares how
each claim is read."""

from __future__ import annotations

import itertools

import pytest

from vanishing.claims.evaluate import load_catalogue, run_check, validate_reading
from vanishing.claims.registry import CHECKS, ClaimResult, result
from vanishing.claims.verdict import (
    FORMS,
    QUANTITIES,
    REACHABLE,
    Statistic,
    all_of,
    by_form,
    conclude,
    outside,
    part,
    untested,
)

# One statistic per outcome under one condition: a clear case for, against, undecided.
FOR = Statistic("x", 0.7, 0.6, 0.8, "test", 0.5, "above", n=10)
AGAINST = Statistic("x", 0.3, 0.2, 0.4, "test", 0.5, "above", n=10)
UNDECIDED = Statistic("x", 0.5, 0.4, 0.6, "test", 0.5, "above", n=10)
KIND = {"for": FOR, "against": AGAINST, "undecided": UNDECIDED}


def _conds(*kinds: str) -> list:
    return [part(f"condition {i}", KIND[k]) for i, k in enumerate(kinds)]


def _all_mixes() -> list[tuple[str, ...]]:
    """Every multiset of 1–3 conditions drawn from the three outcomes."""
    out = []
    for n in (1, 2, 3):
        out += list(itertools.combinations_with_replacement(KIND, n))
    return out


@pytest.mark.parametrize("form", FORMS)
def test_every_form_reaches_exactly_the_verdicts_it_defines(form: str) -> None:
    reached = {by_form(form, "claim", _conds(*mix)).verdict for mix in _all_mixes()}
    reached.add(by_form(form, "claim", [untested("only part", "no data")]).verdict)
    assert reached == set(REACHABLE[form])


def test_existence_is_supported_by_one_clear_case_and_never_refuted() -> None:
    assert by_form("existence", "can", _conds("against", "against", "for")).verdict == "supported"
    assert by_form("existence", "can", _conds("against", "against")).verdict == "inconclusive"
    assert by_form("existence", "can", _conds("undecided")).verdict == "inconclusive"


@pytest.mark.parametrize(
    "mix, want",
    [
        (("for", "for"), "supported"),
        (("for", "undecided"), "inconclusive"),  # a general claim needs every condition
        (("against", "undecided"), "refuted"),  # B6's case: failures, no support
        (("against", "against"), "refuted"),
        (("for", "against"), "qualified"),
        (("undecided", "undecided"), "inconclusive"),
    ],
)
def test_general_rule(mix: tuple[str, ...], want: str) -> None:
    for form in ("general", "comparison", "trend", "bound", "identity"):
        assert by_form(form, "claim", _conds(*mix)).verdict == want


def test_out_of_scope_conditions_never_change_the_verdict() -> None:
    conds = [*_conds("for", "for"), outside(part("other activation", AGAINST))]
    tree = by_form("general", "claim", conds)
    assert tree.verdict == "supported"
    c = conclude(all_of("X", [tree]))
    assert c.generalisation == [{"condition": "claim: other activation", "verdict": "refuted"}]
    # and the headline is an in-scope statistic
    assert c.statistic is FOR


def test_a_failing_part_refutes_and_an_untested_part_only_marks_partly_tested() -> None:
    tested = by_form("general", "tested part", _conds("for"))
    tree = all_of("X", [tested, untested("other part", "not measurable")])
    c = conclude(tree)
    assert c.verdict == "supported"
    assert c.untested == [{"part": "other part", "reason": "not measurable"}]
    premise = part("premise", AGAINST)
    assert all_of("X", [premise, tested]).verdict == "refuted"
    assert all_of("X", [untested("a", "r"), untested("b", "r")]).verdict == "not tested"


def test_qualified_names_the_conditions_on_both_sides_and_the_headline_its_condition() -> None:
    conds = [part("ReLU, He", FOR), part("ReLU, Xavier", AGAINST), part("tanh, He", UNDECIDED)]
    c = conclude(all_of("X", [by_form("general", "level", conds)]))
    assert c.verdict == "qualified"
    assert c.holds_under == ["level: ReLU, He"]
    assert c.fails_under == ["level: ReLU, Xavier"]
    # the headline is where it fails, and says so
    assert c.statistic is AGAINST and c.condition == "level: ReLU, Xavier"


def test_inconclusive_carries_the_runs_that_would_settle_it() -> None:
    near = Statistic("x", 0.55, 0.45, 0.65, "test", 0.5, "above", n=10)
    c = conclude(all_of("X", [part("a", near)]))
    assert c.verdict == "inconclusive" and c.more_runs_needed and c.more_runs_needed > 0


def test_result_copies_the_reading_of_the_tree() -> None:
    tree = all_of("X", [by_form("general", "p", _conds("for", "against")), untested("q", "r")])
    r = result(tree, measured="m", expected="e", tolerance="t")
    assert r.verdict == "qualified"
    assert r.holds_under and r.fails_under
    assert r.untested_parts == [{"part": "q", "reason": "r"}]


# ---- the catalogue declares each claim's reading --------------------------------------


def test_every_claim_declares_form_scope_quantity_and_parts() -> None:
    for c in load_catalogue():
        assert c["form"] in FORMS, c["id"]
        assert c["scope"].strip(), c["id"]
        assert c["quantity"]["name"] in QUANTITIES and c["quantity"]["why"].strip(), c["id"]
        assert c["parts"], c["id"]
        for u in c.get("untested", []):
            assert u["part"] in c["parts"], (c["id"], u["part"])


@pytest.mark.parametrize(
    "bad, msg",
    [
        ({"form": "maybe"}, "form"),
        ({"form": "bound"}, "necessary"),
        ({"quantity": {"name": "delta"}}, "why"),
        ({"scope": ""}, "scope"),
        ({"untested": [{"part": "p"}]}, "reason"),
    ],
)
def test_a_bad_reading_is_refused_before_any_check_runs(bad: dict, msg: str) -> None:
    good = {
        "id": "Z1",
        "form": "general",
        "scope": "somewhere",
        "quantity": {"name": "delta", "why": "because"},
        "parts": ["p"],
    }
    with pytest.raises(ValueError, match=msg):
        validate_reading({**good, **bad})


def test_catalogue_untested_parts_reach_the_result_and_leave_the_verdict(monkeypatch) -> None:
    def fake(_results) -> ClaimResult:
        return result(all_of("Z9", [part("p", FOR)]), measured="m", expected="e", tolerance="t")

    monkeypatch.setitem(CHECKS, "Z9", fake)
    claim = {"id": "Z9", "untested": [{"part": "q", "reason": "not measurable"}]}
    res = run_check(claim, results=None)  # type: ignore[arg-type]
    assert res.verdict == "supported"
    assert res.untested_parts == [{"part": "q", "reason": "not measurable"}]


def test_the_headline_of_an_inconclusive_claim_comes_from_the_undecided_part() -> None:
    # an existence part with no clear case is inconclusive over exact, refuted leaves:
    # the headline comes from it, not from the part that holds
    exact_no = Statistic("largest ratio", 0.2, None, None, "exact", 1.0, "above")
    tree = all_of(
        "X",
        [
            by_form("general", "mostly small", _conds("for")),
            by_form("existence", "occasionally large", [part("sigmoid, He", exact_no)]),
        ],
    )
    c = conclude(tree)
    assert c.verdict == "inconclusive"
    assert c.statistic is exact_no and c.condition == "occasionally large: sigmoid, He"


def test_more_runs_are_not_promised_where_they_could_only_give_a_counter_case() -> None:
    # an existence claim undecided with its estimate on the wrong side: more runs would at
    # best make a clear counter-case, which never decides it
    wrong_side = Statistic("x", 0.45, 0.35, 0.55, "test", 0.5, "above", n=10)
    right_side = Statistic("x", 0.55, 0.45, 0.65, "test", 0.5, "above", n=10)
    assert (
        conclude(
            all_of("X", [by_form("existence", "can", [part("a", wrong_side)])])
        ).more_runs_needed
        is None
    )
    assert conclude(
        all_of("X", [by_form("existence", "can", [part("a", right_side)])])
    ).more_runs_needed
    # a general claim is settled either way
    assert conclude(
        all_of("X", [by_form("general", "all", [part("a", wrong_side)])])
    ).more_runs_needed


def test_more_runs_come_from_the_undecided_part_only() -> None:
    wrong_side = Statistic("x", 0.45, 0.35, 0.55, "test", 0.5, "above", n=10)
    near = Statistic("x", 0.52, 0.45, 0.59, "test", 0.5, "above", n=10)
    tree = all_of(
        "X",
        [
            by_form("existence", "can", [part("a", wrong_side)]),
            # a settled (qualified) part whose own undecided condition is beside the point
            by_form("general", "all", [part("b", FOR), part("c", AGAINST), part("d", near)]),
        ],
    )
    c = conclude(tree)
    assert c.verdict == "inconclusive" and c.more_runs_needed is None
