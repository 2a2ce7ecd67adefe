"""The one verdict rule: a tested statistic, its interval, and the threshold the
claim's wording implies, combined by the claim's *form*. Stated once in ``METHOD``
(the report prints it) and implemented once in ``decide`` / ``by_form`` /
``all_of`` / ``conclude``.

A check builds one ``Part`` per statistic it tests. The conditions a claim is
tested under (inits, depths, settings) are joined by ``by_form`` with the claim's
form: an existence claim ("can", "some", "may") needs one clear case and is never
refuted by counter-examples; a general claim (and a comparison, a trend, a bound's
direction) is refuted by clear failures without clear support and qualified when
it has both. Conditions outside the claim's scope are kept as *generalisation*:
reported, never folded into the verdict. The parts of a claim (a premise and a
conclusion, two assertions) are joined with ``all_of``: a refuted part refutes,
an untested part makes the claim *partly tested* without deciding it.
``conclude`` turns the tree into the verdict, the headline statistic with the
condition it was measured under, the flat list of parts, the conditions on both
sides of a qualified verdict, the untested parts and, for an inconclusive
verdict, the number of further runs that would settle it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from ..machinery.labels import num

Verdict = Literal["supported", "refuted", "qualified", "inconclusive", "not tested"]
VERDICTS: tuple[Verdict, ...] = ("supported", "refuted", "qualified", "inconclusive", "not tested")
Kind = Literal["analytic", "construction", "measured"]
KINDS: tuple[Kind, ...] = ("analytic", "construction", "measured")
Side = Literal["above", "below"]
# How a claim is read (catalogue.yaml's ``form``): the rule that joins its conditions.
Form = Literal["identity", "bound", "existence", "general", "comparison", "trend"]
FORMS: tuple[Form, ...] = ("identity", "bound", "existence", "general", "comparison", "trend")
# Which quantity a claim about gradients means (catalogue.yaml's ``quantity.name``).
QUANTITIES = ("delta", "weight_grad", "update_ratio", "loss", "none")
# The verdicts each form can reach from its tested conditions (a test reaches each one).
REACHABLE: dict[Form, tuple[Verdict, ...]] = {
    "existence": ("supported", "inconclusive", "not tested"),
    **{
        f: ("supported", "refuted", "qualified", "inconclusive", "not tested")
        for f in ("identity", "bound", "general", "comparison", "trend")
    },
}

# The interval label of a deterministic value: its interval is the value itself.
EXACT = "exact"
# Every interval's level, and the bootstrap's resamples and random seed (fixed, so the
# same tables always give the same interval).
LEVEL = 0.95
N_BOOT = 2000
RNG_SEED = 0
CI = f"{round(100 * LEVEL)} %"

METHOD = (
    "Every claim is read the way its author put it, and the reading is recorded with the "
    "claim: its form, its scope (the networks and settings the source speaks "
    "about) and its quantity (which gradient it means: the back-propagated error δ, "
    "the weight gradient ∂L/∂W, the update ratio ‖∂L/∂W‖/‖W‖, or a loss). Each tested "
    "part of a claim is decided on a named statistic against a threshold that the "
    "claim's wording implies, on the side the claim needs; statistic, threshold and "
    "interval method are constants in the check's code, fixed before the run. Each "
    f"statistic carries an interval: a {CI} percentile bootstrap over seeds or runs "
    f"({N_BOOT:,} resamples from a fixed random seed), a {CI} Wilson interval for a share "
    "of independent runs, or none where the value is exact (a closed form, a count, a "
    "maximum over every run). A statistic is written value [lower, upper]: the estimate "
    "and the ends of its interval, with enough digits that the ends differ (an interval "
    "whose ends coincide, because every resample gave the same number, says so); the kind "
    "of interval follows once per statistic, or once for a list of statistics that share "
    "it, and is not repeated in every cell. Numbers below 10⁻³ or from 10⁶ on are "
    "written as powers of ten, and long lists of runs or conditions are tables in the "
    "appendix. Under one condition a statistic is a clear case for the "
    "claim when its whole interval lies on the claim's side of the threshold, a clear "
    "case against when the whole interval lies on the other side, and undecided when "
    "the interval contains the threshold. The conditions are then joined by the claim's "
    'form. An existence claim ("can", "some", "may") is supported by one clear '
    "case in scope and otherwise inconclusive, naming what was tried; counter-examples "
    'never refute it, but an example the claim names ("such as XOR") is a claim of its '
    'own and can fail. A claim that a general statement does not always hold ("ReLU does '
    'not cure it", "neither alone fixes it") is its negation: one clear exception '
    "supports it, and it is refuted when every condition clearly shows none. A general "
    "claim, a comparison and a trend are supported when "
    "every condition in scope is a clear case for it, refuted when there are clear cases "
    "against and none for, qualified when there are both (the row names the "
    "conditions on each side), and inconclusive otherwise. A bound "
    "(a necessary or a sufficient condition) is tested in its direction only; how tight "
    "it is goes in the note, unless the source asserts tightness. An identity holds or "
    "fails exactly. Conditions outside the claim's scope are reported as generalisation "
    "and never change the verdict. A claim with several parts (a premise and a "
    "conclusion, or two assertions) is refuted when any part is (a true conclusion does "
    "not soften a false premise), supported only when every tested part is, and "
    "inconclusive otherwise; a part that could not be tested makes the claim partly "
    "tested: the verdict covers the tested parts, and the row names the untested one "
    "and why. When the verdict is inconclusive, the row estimates how many more runs "
    "would make the interval clear the threshold if the estimate stayed where it is (an "
    "interval narrows as 1/√n). Runs that diverged (a non-finite loss or gradient) or "
    "overflowed are counted by one rule in every claim that reads them: a diverged run "
    "counts against a claim that predicts healthy behaviour and for a claim that predicts "
    'failure, and is never dropped ("diverged in k of n"). Each claim is labelled by '
    "the kind of its evidence: analytic (mathematics, checked numerically), "
    "construction (true by how the experiment is built: reported, not counted as "
    "measured support) or measured; the summary counts the kinds separately. Not "
    "tested is used only with the reason printed."
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
        """'≥ 0.5', '< 10⁻⁹': the claim's side, for prose."""
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
            # JSON has no ∞: how the non-finite ends read, for the report
            "nonfinite": {
                k: _word(x)
                for k, x in (("value", self.value), ("lo", self.lo), ("hi", self.hi))
                if x is not None and not math.isfinite(float(x))
            },
        }


def _finite(x: float | None) -> float | None:
    """Plain JSON has no NaN or ∞: both become None (the prose says which it was)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _word(x: float) -> str:
    """A non-finite number in words: '∞', '−∞' or 'undefined' (NaN)."""
    x = float(x)
    if math.isnan(x):
        return "undefined"
    return "∞" if x > 0 else "−∞"


def _num(x: float) -> str:
    return num(x, 4)


def decide(s: Statistic) -> Verdict:
    """The rule, for one statistic under one condition."""
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
    # False for a condition outside the claim's scope: reported as generalisation,
    # never folded into the verdict
    in_scope: bool = True
    # the form that joined this group's conditions (by_form), "" for a leaf or all_of
    form: str = ""

    @property
    def stat(self) -> Statistic:
        """The statistic of a tested leaf (made by ``part``)."""
        if self.statistic is None:
            raise ValueError(f"{self.name}: no statistic (a group, or not tested)")
        return self.statistic

    def leaves(self) -> list[Part]:
        if not self.children:
            return [self]
        return [leaf for c in self.children for leaf in c.leaves()]


def part(name: str, stat: Statistic, *, in_scope: bool = True) -> Part:
    return Part(name, decide(stat), stat, in_scope=in_scope)


def untested(name: str, reason: str) -> Part:
    return Part(name, "not tested", None, reason=reason)


def outside(p: Part) -> Part:
    """``p`` marked as outside the claim's scope (generalisation, not evidence)."""
    p.in_scope = False
    return p


def all_of(name: str, parts: list[Part]) -> Part:
    """The parts of one claim: any refuted part refutes it; an untested part leaves the
    verdict to the tested parts (the claim is then partly tested)."""
    vs = [p.verdict for p in parts if p.in_scope and p.verdict != "not tested"]
    if not vs:
        v: Verdict = "not tested"
    elif "refuted" in vs:
        v = "refuted"
    elif "inconclusive" in vs:
        v = "inconclusive"
    elif "qualified" in vs:
        v = "qualified"
    else:
        v = "supported"
    return Part(name, v, None, list(parts))


def by_form(form: Form, name: str, conditions: list[Part]) -> Part:
    """A claim (or one part of it) tested under named conditions, joined by its form.

    existence: one clear case in scope supports it; counter-examples never refute it.
    identity, bound, general, comparison, trend: every condition clearly for →
    supported; clear cases against and none for → refuted; both → qualified; otherwise
    (some undecided, none against) inconclusive. Out-of-scope and untested conditions
    do not count."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    vs = [c.verdict for c in conditions if c.in_scope and c.verdict != "not tested"]
    pro = any(x in ("supported", "qualified") for x in vs)
    con = any(x in ("refuted", "qualified") for x in vs)
    if not vs:
        v: Verdict = "not tested"
    elif form == "existence":
        v = "supported" if pro else "inconclusive"
    elif pro and con:
        v = "qualified"
    elif con:
        v = "refuted"  # one clear counter-case refutes a general claim without support
    elif all(x == "supported" for x in vs):
        v = "supported"  # a general claim needs every condition in scope
    else:
        v = "inconclusive"
    return Part(name, v, None, list(conditions), form=form)


def not_every(name: str, conditions: list[Part]) -> Part:
    """The negation of a general claim ("ReLU does not cure it", "the init alone does not
    fix it"): each condition is tested for the exception, so one clear exception supports
    it, and it is refuted when every condition clearly shows none (the general claim it
    denies then holds everywhere tested); otherwise inconclusive. Unlike an existence
    claim ("can"), it says the general claim fails, so it can be refuted."""
    vs = [c.verdict for c in conditions if c.in_scope and c.verdict != "not tested"]
    if not vs:
        v: Verdict = "not tested"
    elif any(x in ("supported", "qualified") for x in vs):
        v = "supported"
    elif all(x == "refuted" for x in vs):
        v = "refuted"
    else:
        v = "inconclusive"
    return Part(name, v, None, list(conditions))


def across(name: str, conditions: list[Part], scope: Literal["all", "some"] = "all") -> Part:
    """Conditions of a general claim (``"all"``) or of an existence claim (``"some"``):
    ``by_form`` under its older name."""
    return by_form("existence" if scope == "some" else "general", name, conditions)


@dataclass
class Conclusion:
    verdict: Verdict
    statistic: Statistic | None
    parts: list[dict[str, Any]]
    more_runs_needed: int | None
    reason: str = ""
    # the condition the headline statistic was measured under ("ReLU, He, depth 32")
    condition: str = ""
    # qualified: the in-scope conditions where the claim holds and where it fails
    holds_under: list[str] = field(default_factory=list)
    fails_under: list[str] = field(default_factory=list)
    # parts that could not be tested, with the reason: {"part": ..., "reason": ...}
    untested: list[dict[str, str]] = field(default_factory=list)
    # conditions outside the claim's scope: {"condition": ..., "verdict": ...}
    generalisation: list[dict[str, str]] = field(default_factory=list)


def _walk(
    tree: Part, prefix: tuple[str, ...] = (), scoped: bool = True
) -> list[tuple[tuple[str, ...], Part, bool]]:
    """Every node below ``tree``: the names leading to it, the node, and whether it and
    all its ancestors are in the claim's scope."""
    out: list[tuple[tuple[str, ...], Part, bool]] = []
    for c in tree.children:
        path, inside = (*prefix, c.name), scoped and c.in_scope
        out.append((path, c, inside))
        out.extend(_walk(c, path, inside))
    return out


def _first_leaf(node: Part, prefix: tuple[str, ...]) -> tuple[tuple[str, ...], Part] | None:
    for c in node.children:
        if not c.in_scope:
            continue
        path = (*prefix, c.name)
        if not c.children and c.statistic is not None:
            return path, c
        found = _first_leaf(c, path)
        if found:
            return found
    return None


def _decisive(
    node: Part, want: str, prefix: tuple[str, ...], through: frozenset[str] = frozenset()
) -> tuple[tuple[str, ...], Part] | None:
    """The in-scope leaf that decided a verdict: follow the first child with the wanted
    verdict (or, for groups, one of ``through``: a qualified claim's refuted leaf sits
    under qualified groups) down the tree; where a group has the verdict but none of
    its children do (an existence claim with no clear case is inconclusive over
    refuted leaves), its first leaf."""
    groups = through | {want}
    for c in node.children:
        if not c.in_scope:
            continue
        path = (*prefix, c.name)
        if not c.children:
            if c.verdict == want and c.statistic is not None:
                return path, c
            continue
        if c.verdict not in groups:
            continue
        found = _decisive(c, want, path, through)
        if found:
            return found
        if c.verdict == want:
            return _first_leaf(c, path)
    return None


def _sides(node: Part, prefix: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Where a qualified node holds and where it fails: its in-scope conditions that are
    clear cases for and against (a qualified condition is opened in turn)."""
    holds: list[str] = []
    fails: list[str] = []
    for c in node.children:
        if not c.in_scope:
            continue
        path = (*prefix, c.name)
        if c.verdict == "supported":
            holds.append(": ".join(path))
        elif c.verdict == "refuted":
            fails.append(": ".join(path))
        elif c.verdict == "qualified":
            h, f = _sides(c, path)
            holds += h
            fails += f
    return holds, fails


def _settleable(node: Part, existence: bool) -> list[Statistic]:
    """The undecided in-scope statistics of the undecided parts, which more runs could
    settle. Under an existence
    claim only those whose estimate sits on the claim's side: a tighter interval on the
    other side would be a clear counter-case, which never decides an existence claim."""
    out: list[Statistic] = []
    for c in node.children:
        if not c.in_scope:
            continue
        if c.children:
            # only the undecided parts keep the claim undecided (a qualified or supported
            # part next to them is settled already)
            if c.verdict == "inconclusive":
                out += _settleable(c, existence or c.form == "existence")
        elif c.verdict == "inconclusive" and c.statistic is not None:
            st = c.statistic
            if not existence or (st.value is not None and st.ok(st.value)):
                out.append(st)
    if not node.children and node.verdict == "inconclusive" and node.statistic is not None:
        out.append(node.statistic)
    return out


def _qualified_sides(tree: Part) -> tuple[list[str], list[str]]:
    """Both sides of every qualified part of a claim (a qualified part can sit in a claim
    that another part refutes or leaves undecided): its in-scope conditions that hold and
    fail. A claim tested directly under conditions is its own qualified part."""
    parts = [c for c in tree.children if c.in_scope and c.verdict == "qualified" and c.children]
    if not parts:
        return _sides(tree, ()) if tree.verdict == "qualified" else ([], [])
    holds: list[str] = []
    fails: list[str] = []
    for c in parts:
        h, f = _sides(c, (c.name,))
        holds += h
        fails += f
    return holds, fails


def conclude(tree: Part, headline: Statistic | None = None) -> Conclusion:
    """Verdict of the whole tree, its headline statistic and condition, flat parts,
    both sides of a qualified verdict, untested parts and more runs needed.

    The headline is the statistic that decided: the first refuted in-scope leaf of a
    refuted claim, the first inconclusive one of an inconclusive claim, the first
    refuted condition of a qualified one (where it fails), the first supported one of
    a supported claim, else the first leaf."""
    nodes = _walk(tree)
    leaves = [(p, n) for p, n, inside in nodes if inside and not n.children and n.statistic]
    if not nodes and tree.statistic is not None:
        leaves = [((), tree)]
    v = tree.verdict
    condition = ""
    if headline is None and leaves:
        want = {
            "refuted": "refuted",
            "inconclusive": "inconclusive",
            "qualified": "refuted",
            "supported": "supported",
        }
        through = frozenset({"qualified"}) if v == "qualified" else frozenset()
        found = _decisive(tree, want.get(v, ""), (), through)
        if found is not None:
            path, leaf = found
        else:
            path, leaf = leaves[0]
        headline, condition = leaf.statistic, ": ".join(path)
    elif headline is not None:
        match = [p for p, n in leaves if n.statistic is headline]
        condition = ": ".join(match[0]) if match else ""
    more = None
    if v == "inconclusive":
        counts = [more_runs(st) for st in _settleable(tree, False)]
        known = [c for c in counts if c is not None]
        more = max(known) if known else None
    holds, fails = _qualified_sides(tree)
    untested_parts = [
        {"part": ": ".join(p), "reason": n.reason or "no run gave its statistic a value"}
        for p, n, inside in nodes
        if inside and not n.children and n.verdict == "not tested"
    ]
    if not nodes and tree.verdict == "not tested":
        untested_parts = [{"part": tree.name, "reason": tree.reason}]
    general = [
        {"condition": ": ".join(p), "verdict": n.verdict} for p, n, _ in nodes if not n.in_scope
    ]
    parts = _flatten(tree) if len(tree.leaves()) > 1 else []
    reasons = [p.reason for p in tree.leaves() if p.verdict == "not tested" and p.reason]
    return Conclusion(
        v,
        headline,
        parts,
        more,
        "; ".join(reasons),
        condition,
        holds,
        fails,
        untested_parts,
        general,
    )


def _flatten(tree: Part, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in tree.children:
        name = f"{prefix}{c.name}"
        out.append(
            {
                "name": name,
                "verdict": c.verdict,
                "in_scope": c.in_scope,
                "statistic": c.statistic.to_dict() if c.statistic else None,
            }
        )
        if c.children:
            out.extend(_flatten(c, prefix=f"{name}: "))
    return out
