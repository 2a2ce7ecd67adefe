"""The one verdict rule: a tested statistic, its interval, and the threshold the
claim's wording implies. Stated once in ``METHOD`` (the report prints it) and
implemented once in ``decide`` / ``all_of`` / ``across`` / ``conclude``.

A check builds one ``Part`` per statistic it tests. A multi-part claim (a premise
and a conclusion, two assertions) joins its parts with ``all_of``; a claim made
generally and tested under several named conditions (inits, depths, settings)
joins the conditions with ``across``. ``conclude`` turns the tree into the
verdict, the headline statistic, the flat list of parts and, for an
inconclusive verdict, the number of further runs that would settle it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["supported", "refuted", "qualified", "inconclusive", "not tested"]
VERDICTS: tuple[Verdict, ...] = ("supported", "refuted", "qualified", "inconclusive", "not tested")
Kind = Literal["analytic", "construction", "measured"]
KINDS: tuple[Kind, ...] = ("analytic", "construction", "measured")
Side = Literal["above", "below"]

# The interval label of a deterministic value: its interval is the value itself.
EXACT = "exact"
# Every interval's level, and the bootstrap's resamples and random seed (fixed, so the
# same tables always give the same interval).
LEVEL = 0.95
N_BOOT = 2000
RNG_SEED = 0
CI = f"{round(100 * LEVEL)} %"

METHOD = (
    "Every claim is tested on a named statistic, against a threshold that the claim's "
    "wording implies, on the side of it that the claim needs; statistic, threshold and "
    "interval method are constants in the check's code, fixed before the run. Each "
    f"statistic carries an interval: a {CI} percentile bootstrap over seeds or runs "
    f"({N_BOOT:,} resamples from a fixed random seed), a {CI} Wilson interval for a share "
    "of independent runs, or none where the value is exact (a closed form, a count, a "
    "maximum over every run). A statistic **supports** its claim when the whole "
    "interval lies on the claim's side of the threshold, **refutes** it when the whole "
    "interval lies on the other side, and is **inconclusive** when the interval contains "
    "the threshold; the report then estimates how many more runs would make it clear the "
    "threshold if the estimate stayed where it is (an interval narrows as 1/√n). A claim "
    "with several parts (a premise and a conclusion, or two assertions) is supported "
    "only when every part is, refuted when any part is (the report names it), and "
    "inconclusive otherwise: a true conclusion does not soften a false premise. A claim "
    "made in general and tested under named conditions (inits, depths, optimisers) is "
    "**qualified** when it is supported under some conditions and refuted under others, "
    "both measured, and the report names them; a claim that something *can* happen is "
    "supported by one condition where it clearly does. Runs that diverged (a non-finite "
    "loss or gradient) or overflowed are counted in every claim that reads them "
    '("diverged in k of n") and each check states how it decides on them; a diverged '
    "network is never counted as a healthy one. Each claim is labelled by the kind of "
    "its evidence: *analytic* (mathematics, checked numerically), *construction* (true "
    "by how the experiment is built: reported, not counted as measured support) or "
    "*measured*; the summary counts the kinds separately. *Not tested* is used only "
    "with the reason printed."
)


@dataclass
class Statistic:
    """What a part of a claim is decided on."""

    name: str  # human label of the tested statistic
    value: float
    lo: float | None  # interval; None with an exact value or when no interval exists
    hi: float | None
    interval: str  # "95 % bootstrap over 10 seeds", "Wilson 95 % (n = 200)", EXACT
    threshold: float
    side: Side  # the side of the threshold the claim needs
    unit: str = ""
    scale: Literal["linear", "log"] = "linear"
    # the claim needs value > threshold (or <) rather than ≥ (≤)
    strict: bool = False
    # runs behind the interval (for the more-runs estimate); None for exact values
    n: int | None = None

    @property
    def exact(self) -> bool:
        return self.interval == EXACT

    def ok(self, x: float) -> bool:
        """Is ``x`` on the claim's side of the threshold?"""
        t = self.threshold
        if self.side == "above":
            return x > t if self.strict else x >= t
        return x < t if self.strict else x <= t

    def relation(self) -> str:
        """'≥ 0.5', '< 1e-09': the claim's side, for prose."""
        sym = {("above", False): "≥", ("above", True): ">", ("below", False): "≤"}
        return f"{sym.get((self.side, self.strict), '<')} {_num(self.threshold)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _finite(self.value),
            "lo": _finite(self.lo),
            "hi": _finite(self.hi),
            "interval": self.interval,
            "threshold": _finite(self.threshold),
            "side": self.side,
            "unit": self.unit,
            "scale": self.scale,
            "strict": self.strict,
        }


def _finite(x: float | None) -> float | None:
    """Plain JSON has no NaN or ∞: both become None (the prose says which it was)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _num(x: float) -> str:
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.2g}"
    return f"{x:.4g}"


def decide(s: Statistic) -> Verdict:
    """The rule, for one statistic."""
    if s.value is None or math.isnan(s.value):
        # runs exist but their statistic is undefined (e.g. the median of −∞ and +∞)
        return "inconclusive" if s.n else "not tested"
    if s.exact:
        return "supported" if s.ok(s.value) else "refuted"
    if s.lo is None or s.hi is None or math.isnan(s.lo) or math.isnan(s.hi):
        return "inconclusive"  # one run: no interval to decide on
    if s.side == "above":
        low, high = s.lo, s.hi
    else:
        low, high = s.hi, s.lo  # for "below" the binding end is the upper one
    if s.ok(low):
        return "supported"
    if not s.ok(high):
        return "refuted"
    return "inconclusive"


def more_runs(s: Statistic) -> int | None:
    """Further runs that would make an inconclusive interval clear its threshold if the
    estimate stayed put and the interval narrowed as 1/√n; None if it cannot say."""
    if s.n is None or s.exact or s.value is None or math.isnan(s.value):
        return None
    if s.lo is None or s.hi is None or math.isnan(s.lo) or math.isnan(s.hi):
        return max(2 - s.n, 1)  # a single run: at least one more to have an interval
    f = _transform(s)
    v, lo, hi, t = f(s.value), f(s.lo), f(s.hi), f(s.threshold)
    if any(math.isnan(x) or math.isinf(x) for x in (v, lo, hi, t)):
        return None
    d = abs(v - t)
    h = (v - lo) if t < v else (hi - v)
    if d == 0 or h <= 0:
        return None
    need = math.ceil(s.n * (h / d) ** 2)
    return max(need - s.n, 1)


def _transform(s: Statistic):
    if s.scale == "log" and min(s.value, s.lo or 0, s.hi or 0, s.threshold) > 0:
        return math.log10
    return float


@dataclass
class Part:
    """One tested piece of a claim: a statistic (a leaf) or a group of parts."""

    name: str
    verdict: Verdict
    statistic: Statistic | None = None
    children: list[Part] = field(default_factory=list)
    reason: str = ""  # why a part is not tested

    def leaves(self) -> list[Part]:
        if not self.children:
            return [self]
        return [leaf for c in self.children for leaf in c.leaves()]


def part(name: str, stat: Statistic) -> Part:
    return Part(name, decide(stat), stat)


def untested(name: str, reason: str) -> Part:
    return Part(name, "not tested", None, reason=reason)


def all_of(name: str, parts: list[Part]) -> Part:
    """A conjunction: every part must hold (a premise and its conclusion)."""
    vs = [p.verdict for p in parts]
    if "refuted" in vs:
        v: Verdict = "refuted"
    elif "not tested" in vs:
        v = "not tested"
    elif "inconclusive" in vs:
        v = "inconclusive"
    elif "qualified" in vs:
        v = "qualified"
    else:
        v = "supported"
    return Part(name, v, None, list(parts))


def across(name: str, conditions: list[Part], scope: Literal["all", "some"] = "all") -> Part:
    """A claim tested under named conditions. ``scope="all"``: it is asserted in general,
    so it is qualified when it holds under some and fails under others. ``scope="some"``:
    it only says that something can happen, so one clear case supports it."""
    tested = [c for c in conditions if c.verdict != "not tested"]
    vs = [c.verdict for c in tested]
    if not tested:
        v: Verdict = "not tested"
    elif scope == "some":
        if any(x in ("supported", "qualified") for x in vs):
            v = "supported"
        elif all(x == "refuted" for x in vs):
            v = "refuted"
        else:
            v = "inconclusive"
    elif all(x == "supported" for x in vs):
        v = "supported"
    elif all(x == "refuted" for x in vs):
        v = "refuted"
    elif any(x in ("supported", "qualified") for x in vs) and any(
        x in ("refuted", "qualified") for x in vs
    ):
        v = "qualified"
    else:
        v = "inconclusive"
    return Part(name, v, None, list(conditions))


@dataclass
class Conclusion:
    verdict: Verdict
    statistic: Statistic | None
    parts: list[dict[str, Any]]
    more_runs_needed: int | None
    reason: str = ""


def conclude(tree: Part, headline: Statistic | None = None) -> Conclusion:
    """Verdict of the whole tree, its headline statistic, flat parts, more runs needed.

    The headline is the statistic that decided: the first refuted leaf of a refuted
    claim, the first inconclusive leaf of an inconclusive one, the first refuted
    condition of a qualified one (where it fails), else the first leaf."""
    leaves = [p for p in tree.leaves() if p.statistic is not None]
    v = tree.verdict
    if headline is None and leaves:
        want = {"refuted": "refuted", "inconclusive": "inconclusive", "qualified": "refuted"}
        pick = [p for p in leaves if p.verdict == want.get(v, "")]
        headline = (pick or leaves)[0].statistic
    more = None
    if v == "inconclusive":
        counts = [more_runs(p.statistic) for p in leaves if p.verdict == "inconclusive"]
        known = [c for c in counts if c is not None]
        more = max(known) if known else None
    parts = _flatten(tree) if len(tree.leaves()) > 1 else []
    reasons = [p.reason for p in tree.leaves() if p.verdict == "not tested" and p.reason]
    return Conclusion(v, headline, parts, more, "; ".join(reasons))


def _flatten(tree: Part, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in tree.children:
        name = f"{prefix}{c.name}"
        out.append(
            {
                "name": name,
                "verdict": c.verdict,
                "statistic": c.statistic.to_dict() if c.statistic else None,
            }
        )
        if c.children:
            out.extend(_flatten(c, prefix=f"{name}: "))
    return out
