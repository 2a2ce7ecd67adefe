"""How a claim check is declared, what it returns, and how it reads results.

A check is a small function decorated with ``@check("A5")`` that takes a
``Results`` (read-only access to the tables under results/, by manifest name)
and returns a ``ClaimResult``. Its statistic, threshold and interval method are
module-level constants fixed before the run; the verdict comes from the one
rule in ``verdict.py``, never typed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..machinery.labels import prose
from ..machinery.tables import MissingResult, Tables  # noqa: F401  (re-exported for the checks)
from .stats import sig, spread  # noqa: F401  (re-exported for the checks)
from .verdict import VERDICTS, Part, Statistic, Verdict, conclude

# The fields a reader reads as sentences (see ``prose``).
PROSE = ("measured", "expected", "tolerance", "evidence", "note")
# The fields the report prints as clauses, not sentences: no full stop at their end.
CLAUSES = ("measured", "expected", "tolerance", "condition")


@dataclass
class ClaimResult:
    """What a check found. Strings are what the report prints."""

    verdict: Verdict
    measured: str  # the tested statistic(s) in words, every number formatted from data
    expected: str  # what the claim predicts, in the same units
    tolerance: str  # the rule that turned measured vs expected into the verdict
    evidence: str = ""  # one or two sentences of what was measured, how
    figures: list[str] = field(default_factory=list)  # names under results/figures/
    tables: list[str] = field(default_factory=list)  # manifest table names
    note: str = ""  # where the source is wrong or imprecise, said plainly
    values: dict[str, float] = field(default_factory=dict)  # raw numbers for tests/README
    statistic: Statistic | None = None  # the headline tested statistic
    parts: list[dict[str, Any]] = field(default_factory=list)  # multi-part claims
    diverged: dict[str, int] | None = None  # {"runs": k, "of": n} where runs were read
    more_runs_needed: int | None = None  # for "inconclusive"
    condition: str = ""  # the condition the headline statistic was measured under
    holds_under: list[str] = field(default_factory=list)  # qualified: where it holds
    fails_under: list[str] = field(default_factory=list)  # qualified: where it fails
    # parts the check could not test: [{"part": ..., "reason": ...}] (partly tested)
    untested_parts: list[dict[str, str]] = field(default_factory=list)
    # conditions outside the claim's scope, reported and not folded into the verdict
    generalisation: list[dict[str, str]] = field(default_factory=list)
    # long lists of runs or conditions, printed as tables in the report's appendix:
    # [{"title": str, "columns": [str], "rows": [[str | number]]}]
    run_tables: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in PROSE:
            d[key] = prose(d[key])
        for key in CLAUSES:  # the report joins these with its own punctuation
            d[key] = d[key].rstrip().removesuffix(".") if not d[key].endswith("...") else d[key]
        d["values"] = {k: (None if not math.isfinite(v) else v) for k, v in self.values.items()}
        st = self.statistic
        # a Statistic, or (checks that build it themselves) its dict already
        d["statistic"] = st if isinstance(st, dict) or st is None else st.to_dict()
        return d


def result(
    tree: Part,
    *,
    measured: str,
    expected: str,
    tolerance: str,
    evidence: str = "",
    figures: list[str] | None = None,
    tables: list[str] | None = None,
    note: str = "",
    values: dict[str, float] | None = None,
    diverged: dict[str, int] | None = None,
    headline: Statistic | None = None,
    run_tables: list[dict[str, Any]] | None = None,
) -> ClaimResult:
    """The ClaimResult of a tree of tested parts, by the one rule in ``verdict``."""
    c = conclude(tree, headline)
    if c.verdict == "not tested" and c.reason:
        note = f"{note} Not tested: {c.reason}.".strip()
    return ClaimResult(
        c.verdict,
        measured=measured,
        expected=expected,
        tolerance=tolerance,
        evidence=evidence,
        figures=figures or [],
        tables=tables or [],
        note=note,
        values=values or {},
        statistic=c.statistic,
        parts=c.parts,
        diverged=diverged,
        more_runs_needed=c.more_runs_needed,
        condition=c.condition,
        holds_under=c.holds_under,
        fails_under=c.fails_under,
        untested_parts=c.untested if c.verdict != "not tested" else [],
        generalisation=c.generalisation,
        run_tables=run_tables or [],
    )


def not_tested(reason: str, tables: list[str] | None = None) -> ClaimResult:
    """A claim this configuration cannot test, with the reason the report prints."""
    return ClaimResult("not tested", "—", "—", "—", evidence=reason, tables=tables or [])


# A check reads its tables by manifest name ("probe.summary") from the claims job's inputs.
Results = Tables


CheckFn = Callable[[Results], ClaimResult]
CHECKS: dict[str, CheckFn] = {}


def check(claim_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check of ``claim_id`` (one check per claim)."""

    def deco(fn: CheckFn) -> CheckFn:
        if claim_id in CHECKS:
            raise ValueError(f"claim {claim_id} already has a check: {CHECKS[claim_id].__name__}")
        CHECKS[claim_id] = fn
        return fn

    return deco
