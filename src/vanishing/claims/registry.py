"""How a claim check is declared, what it returns, and how it reads results.

A check is a small function decorated with ``@check("A5")`` that takes a
``Results`` (the tables of the manifest, read by name) and returns a
``ClaimResult``. Its tolerance is a module-level constant fixed before the
run, and the verdict is computed from the tables, never typed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from ..tables import MissingResult as MissingResult  # re-exported for the checks
from ..tables import Tables

Verdict = Literal["supported", "refuted", "qualified", "not tested"]
VERDICTS: tuple[Verdict, ...] = ("supported", "refuted", "qualified", "not tested")


@dataclass
class ClaimResult:
    """What a check found. Strings are what the report prints."""

    verdict: Verdict
    measured: str  # e.g. "t1(2) = 0.6585 (bisection)" or "0.41 ± 0.03 (mean ± sd, 5 seeds)"
    expected: str  # what the claim predicts, in the same units
    tolerance: str  # the rule that turned measured vs expected into the verdict
    evidence: str = ""  # one or two sentences of what was measured, how
    figures: list[str] = field(default_factory=list)  # names under results/figures/
    tables: list[str] = field(default_factory=list)  # paths relative to results/
    note: str = ""  # where the source is wrong or imprecise, said plainly
    values: dict[str, float] = field(default_factory=dict)  # raw numbers for tests/README

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["values"] = {k: (None if not math.isfinite(v) else v) for k, v in self.values.items()}
        return d


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


# ---- formatting numbers honestly --------------------------------------------


def sig(x: float, digits: int = 3) -> str:
    """Round to significant digits; keep scientific notation for tiny/huge values."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def spread(values: Iterable[float], digits: int = 3, unit: str = "") -> str:
    """'mean ± sd (n = k)' over seeds; the median and range when the values span
    orders of magnitude, where a mean would mislead."""
    v = np.asarray(list(values), dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return "n/a"
    if len(v) == 1:
        return f"{sig(float(v[0]), digits)}{unit} (n = 1)"
    pos = v[v > 0]
    if len(pos) == len(v) and pos.max() / pos.min() > 100:
        return (
            f"median {sig(float(np.median(v)), digits)}{unit} "
            f"[{sig(float(v.min()), 2)}, {sig(float(v.max()), 2)}] (n = {len(v)})"
        )
    return f"{sig(float(v.mean()), digits)} ± {sig(float(v.std(ddof=1)), 2)}{unit} (n = {len(v)})"
