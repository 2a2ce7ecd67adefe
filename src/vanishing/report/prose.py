"""The report's sentences that depend on the results: the abstract, each theme's
summary and the limitations.

Each sentence is prose conditioned on a verdict, with its numbers taken from
claims.json or the config, so that a changed verdict changes what the report says.
Sentences are plain Unicode text; the templates escape them for Markdown or LaTeX.

Which results the abstract states follows one rule (``ABSTRACT_RULE``, printed in the
method section): up to one refuted or confirmed *premise* a source states as fact, up
to two answers to a source's *central question*, and up to one *literature* result,
in that order, four at most; a claim whose verdict is inconclusive or not tested has
no result to state and is skipped, and a role with no decided claim leaves its place
to the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ..claims.checks_phase import GAP
from ..machinery import labels as lab
from .structure import THEMES, VERDICTS, Theme, one_line

Claim = dict[str, Any]
ById = dict[str, Claim]

DECIDED = ("supported", "qualified", "refuted")
# Role → (claims that can fill it, in order of preference, and how many places it has).
ROLES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("premise", ("C4",), 1),
    ("central", ("A15", "B1", "C5", "D3"), 2),
    ("literature", ("E1", "E6"), 1),
)
ABSTRACT_MOST = 4


def _rule() -> str:
    """ABSTRACT_RULE's sentence, from ROLES and ABSTRACT_MOST (so that the printed rule
    is the one the code applies)."""
    roles = dict((role, (ids, places)) for role, ids, places in ROLES)
    premise, central, literature = (roles[r] for r in ("premise", "central", "literature"))
    sources = ", ".join(f"{cid} for source {cid[0]}" for cid in central[0])
    return (
        f"The abstract states at most {ABSTRACT_MOST} results, chosen by role and not by "
        f"catalogue order: {premise[1]} premise a source states as fact "
        f"({', '.join(premise[0])}), the answers to the sources' central questions "
        f"({sources}; {central[1]} at most), and {literature[1]} literature result the "
        f"theory rests on ({', else '.join(literature[0])}), in that order. A claim whose "
        f"verdict is inconclusive or not tested has no result to state and gives its place "
        f"to the next."
    )


ABSTRACT_RULE = _rule()


# ---- numbers ----------------------------------------------------------------------


def value(c: Claim | None, key: str) -> float | None:
    v = ((c or {}).get("values") or {}).get(key)
    return float(v) if v is not None else None


def interval(st: dict[str, Any] | None) -> str:
    """'0.407 [0.401, 0.412]' or '0.407': a statistic's value with its interval, in the
    one interval style (labels.interval)."""
    if not st or st.get("value") is None:
        return "n/a"
    if st.get("lo") is None or st.get("hi") is None:
        return lab.num(st["value"])
    return lab.interval(st["value"], st["lo"], st["hi"])


def _max_key(node: Any, keys: tuple[str, ...], part: str = "") -> list[float]:
    """Every number under any of ``keys`` (or any key containing ``part``) anywhere in
    a nested config."""
    found: list[float] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in keys or (part and part in str(k)):
                items = v if isinstance(v, list) else [v]
                found += [float(x) for x in items if isinstance(x, int | float)]
            else:
                found += _max_key(v, keys, part)
    elif isinstance(node, list):
        for v in node:
            found += _max_key(v, keys, part)
    return found


def scope_numbers(config: dict[str, Any]) -> dict[str, Any]:
    """What the networks and runs span, from the config: the grid's width, every width
    a study uses, the deepest network and the longest training."""
    widths = sorted({int(w) for w in _max_key(config, ("width", "widths"), part="width")})
    depths = _max_key(config, ("depths", "depth", "e2_depth", "e4_depths"))
    steps = _max_key(config, ("steps",))
    return {
        "width": int(config.get("width", 0)),
        "widths": widths,
        "max_depth": int(max(depths)) if depths else 0,
        "max_steps": int(max(steps)) if steps else 0,
    }


# ---- per-claim sentences ----------------------------------------------------------


def _a15(c: Claim, by: ById) -> str | None:
    a14 = by.get("A14")
    same, exact = value(c, "same_lr_min"), value(c, "exact_max")
    rescaled = a14 is not None and a14["verdict"] == "supported"
    what = (
        "a reparametrisation, not a cure: the scaled network is the plain one with the "
        "weights and biases that feed a tanh multiplied by n"
        if rescaled
        else "not a plain reparametrisation"
    )
    if c["verdict"] == "supported":
        return (
            f"Multiplying tanh's input by n is {what}; at one learning rate the two train "
            f"differently, as source A's answer says (largest loss difference at least "
            f"{lab.num(same)}; A15, supported), and this report finds that they agree to "
            f"{lab.num(exact)} once those parameters' learning rate is multiplied by n², "
            f"not n."
        )
    if c["verdict"] == "refuted":
        return (
            f"Multiplying tanh's input by n is {what}, and the two train alike even at one "
            f"learning rate."
        )
    return None


def _b1(c: Claim, by: ById) -> str | None:
    st = c.get("statistic") or {}
    b2 = by.get("B2")
    first = value(b2, "first_layer_revivals")
    ever = value(b2, "ever_dead")
    units = f" of the {lab.num(ever)} ReLU units that fell silent in training" if ever else ""
    layer1 = (
        "; first-layer units, whose input is fixed, never came back"
        if first == 0
        else f"; first-layer units came back {lab.num(first)} times"
        if first
        else ""
    )
    if c["verdict"] == "refuted":
        return (
            f"A ReLU unit that stops firing is not dead for good: a share {interval(st)}"
            f"{units} fired again, because earlier layers moved its input{layer1}."
        )
    if c["verdict"] == "supported":
        return (
            f"A ReLU unit that stops firing stays dead: only a share {interval(st)}{units} "
            f"fired again."
        )
    return None


def _c4(c: Claim, by: ById) -> str | None:
    inside = value(c, "inside_frac")
    if c["verdict"] == "refuted":
        return (
            f"Source C's premise that N(0, 1) weights lie in [−1, 1] is false: only "
            f"{lab.pct(inside)} of the distribution lies there, and it has no bound."
        )
    if c["verdict"] == "supported":
        return "Source C's premise that N(0, 1) weights lie in [−1, 1] holds."
    return None


def _c5(c: Claim, by: ById) -> str | None:
    st = c.get("statistic") or {}
    where = f" ({c['condition']})" if c.get("condition") else ""
    if c["verdict"] == "supported":
        return (
            f"In sigmoid networks the first layer does get the smallest weight gradient"
            f"{where}: log10 ratio {interval(st)} decades."
        )
    if c["verdict"] == "refuted":
        return (
            f"In sigmoid networks the first layer does not get the smallest weight gradient: "
            f"log10 ratio {interval(st)} decades{where}."
        )
    return None


def _d3(c: Claim, by: ById) -> str | None:
    st = c.get("statistic") or {}
    if c["verdict"] == "supported":
        return (
            f"The tutorial's first-layer gradients at the first step reproduce: their largest "
            f"entry stays inside ±0.025 ({interval(st)}, {c.get('condition', '')})."
        )
    if c["verdict"] == "refuted":
        return (
            f"The tutorial's first-layer gradient tails do not reproduce: the largest entry "
            f"at the first step is {interval(st)}, outside ±0.025."
        )
    if c["verdict"] == "inconclusive":
        where = c.get("condition", "").partition(": ")[2]
        return (
            f"Whether a set-up of the tutorial's kind keeps the first layer's gradients at the "
            f"first step inside ±0.025 is open: the median largest entry is {interval(st)}"
            + (f" ({where})." if where else ".")
        )
    return None


def _e1(c: Claim, by: ById) -> str | None:
    st = c.get("statistic") or {}
    r = value(c, "r_traj")
    corr = f", and its predicted slopes correlate with the measured ones at r = {lab.num(r)}"
    if c["verdict"] == "supported":
        return (
            f"Mean-field theory's per-layer gain χ1, followed layer by layer from the input, "
            f"predicts the direction of the measured "
            f"gradient slope in a share {interval(st)} of the activation × initialisation "
            f"pairs{corr if r is not None else ''}."
        )
    if c["verdict"] in ("refuted", "qualified"):
        return (
            f"Mean-field theory's per-layer gain χ1 gets the direction of the measured "
            f"gradient slope right in only a share {interval(st)} of the activation × "
            f"initialisation pairs."
        )
    return None


def _e6(c: Claim, by: ById) -> str | None:
    st = c.get("statistic") or {}
    if c["verdict"] == "supported":
        return (
            f"The order-to-chaos line χ1 = 1 marks where gradients are level for every "
            f"activation tested (largest gap {interval(st)} in ln σ_w²)."
        )
    if c["verdict"] == "qualified":
        holds = lab.labels(_short_conditions(c.get("holds_under")))
        fails = lab.labels(_short_conditions(c.get("fails_under")))
        return (
            f"The order-to-chaos line χ1 = 1 marks where gradients are level only in part: "
            f"it holds for {holds} and misses for {fails} (largest gap {interval(st)} in "
            f"ln σ_w²)."
        )
    if c["verdict"] == "refuted":
        return (
            f"The order-to-chaos line χ1 = 1 does not mark where gradients are level "
            f"(smallest gap {interval(st)} in ln σ_w²)."
        )
    return None


def _e9(c: Claim, by: ById) -> str | None:
    st = c.get("statistic") or {}
    deepest = max(
        (int(k.rpartition("_d")[2]) for k in c.get("values", {}) if k.startswith("var_w")),
        default=None,
    )
    at = {
        int(k.removeprefix("var_w").partition("_d")[0]): v
        for k, v in (c.get("values") or {}).items()
        if k.startswith("var_w") and k.endswith(f"_d{deepest}")
    }
    wider = ""
    if len(at) >= 2:
        lo, hi = min(at), max(at)
        wider = (
            f"; at depth {deepest} it falls from {lab.num(at[lo])} at width {lo:,} to "
            f"{lab.num(at[hi])} at width {hi:,}, while χ1 = 1 at every width"
        )
    if c["verdict"] == "supported":
        return (
            f"How much ln‖δ₁‖² varies from one initialisation to the next grows with β = "
            f"Σ 1/n_l, the depth over the width, and one line in β fits every depth and width "
            f"(slope {interval(st)}{wider})."
        )
    if c["verdict"] in ("refuted", "qualified", "inconclusive"):
        return (
            f"Whether the seed-to-seed variance of ln‖δ₁‖² grows with β = Σ 1/n_l alone is "
            f"{c['verdict']} here (slope {interval(st)}{wider})."
        )
    return None


def _e10(c: Claim, by: ById) -> str | None:
    v = c.get("values") or {}
    deep = max(
        (int(k.rpartition("_d")[2]) for k in v if k.startswith("rel_var_tanh_orthogonal_d")),
        default=None,
    )
    if deep is None:
        return None
    orth, gauss = v.get(f"rel_var_tanh_orthogonal_d{deep}"), v.get(f"rel_var_tanh_gaussian_d{deep}")
    relu = v.get(f"rel_var_relu_orthogonal_d{deep}")
    spread = (
        f"at depth {deep} the spread Var(λ)/mean(λ)² of the squared singular values is "
        f"{lab.num(orth)} for critical tanh with orthogonal weights, {lab.num(gauss)} with "
        f"Gaussian weights and {lab.num(relu)} for ReLU with orthogonal weights"
    )
    if c["verdict"] == "supported":
        return (
            f"At criticality, orthogonal weights keep a tanh network's input-output Jacobian "
            f"close to an isometry where Gaussian weights and ReLU do not: {spread}."
        )
    if c["verdict"] in ("refuted", "qualified", "inconclusive"):
        return f"Dynamical isometry is {c['verdict']} here: {spread}."
    return None


def _e6_width(by: ById) -> str | None:
    """E6 against width, for the width theme: how the order-to-chaos line's rows read."""
    v = (by.get("E6") or {}).get("values") or {}
    if "width_widest" not in v:
        return None
    count = {k: int(v.get(f"width_rows_{k}", 0)) for k in WIDTH_READINGS}
    rows = sum(count.values())
    widest = int(v["width_widest"])
    misses = [
        k.removeprefix("width_deviation_").partition("_sb")
        for k in sorted(v)
        if k.startswith("width_deviation_") and abs(v[k]) > GAP
    ]
    missed = lab.labels(sorted({a for a, _, _ in misses}))
    within = count["within_at_every_width"] + count["finite_width"]
    out = (
        f"Measured at widths up to {widest:,}, E6's order-to-chaos line is within its "
        f"tolerance on {within} of {rows} (activation, σ_b²) rows at the widest width"
    )
    if count["stands"] or count["undecided"]:
        out += f"; {missed} miss beyond it at the widest width too (E6's note reads each row)"
    elif count["finite_depth"]:
        out += (
            f"; the misses of {missed} stay beyond it at every width and shrink from the "
            f"shallower depth to the deeper one: finite-depth effects, not finite-width ones"
        )
    return out + "."


def _short_conditions(items: Iterable[str] | None, most: int = 8) -> list[str]:
    items = list(items or [])
    return items[:most] + ([f"{len(items) - most} more"] if len(items) > most else [])


def generic(c: Claim) -> str:
    """'B9 (refuted): leaky ReLU needs a different init from ReLU; relative loss …: x.'"""
    text: str = c["text"]
    said = one_line().get(c["id"], text)
    # statistic_text's rendering, set on the claim by render.build_context
    stat = c.get("stat_text", "")
    sides = ""
    if c["verdict"] == "qualified":
        holds = "; ".join(_short_conditions(c.get("holds_under"))) or "none named"
        fails = "; ".join(_short_conditions(c.get("fails_under"))) or "none named"
        sides = f" It holds under {holds}, and fails under {fails}."
    return (
        f"{c['id']} ({c['verdict']}): {said[0].upper() + said[1:]}"
        + (f"; {stat}." if stat else ".")
        + sides
    )


SENTENCES: dict[str, Callable[[Claim, ById], str | None]] = {
    "A15": _a15,
    "B1": _b1,
    "C4": _c4,
    "C5": _c5,
    "D3": _d3,
    "E1": _e1,
    "E6": _e6,
    "E9": _e9,
    "E10": _e10,
}
# A theme's sentence about a claim that sits in another theme: E6 against width.
THEME_SENTENCES: dict[str, Callable[[ById], str | None]] = {"width": _e6_width}
# How a row of E6's width grid reads (claims/checks_phase.py, E6's values).
WIDTH_READINGS = ("within_at_every_width", "finite_width", "finite_depth", "stands", "undecided")


def sentence(c: Claim, by: ById) -> str:
    """The claim's result as a sentence: its own wording where one is written for its
    verdict, the generic form otherwise."""
    own = SENTENCES.get(c["id"])
    text = own(c, by) if own else None
    if not text:
        return generic(c)
    return tagged(text, c)


def tagged(text: str, c: Claim) -> str:
    """The sentence with its claim and verdict before the last full stop: '… (B1,
    refuted).', or '… (width 16; D3, inconclusive).' when it already ends in brackets;
    a sentence that names its own claim keeps its words."""
    if f"{c['id']}, {c['verdict']}" in text:
        return text
    body = text.rstrip(".")
    if body.endswith(")"):
        return f"{body[:-1]}; {c['id']}, {c['verdict']})."
    return f"{body} ({c['id']}, {c['verdict']})."


# ---- the abstract -----------------------------------------------------------------


def abstract_picks(claims: list[Claim]) -> list[Claim]:
    """The claims whose results the abstract states (the rule in the module docstring)."""
    by = {c["id"]: c for c in claims}
    picks: list[Claim] = []
    spare: list[Claim] = []
    for _role, ids, places in ROLES:
        decided = [by[i] for i in ids if i in by and by[i]["verdict"] in DECIDED]
        picks += decided[:places]
        spare += decided[places:]
    picks += spare[: max(0, ABSTRACT_MOST - len(picks))]
    return picks[:ABSTRACT_MOST]


def abstract(
    claims: list[Claim],
    counts: dict[str, int],
    config: dict[str, Any],
    data: dict[str, Any] | None = None,
) -> list[str]:
    """The abstract's sentences: what was tested with the verdict counts, the results the
    rule picks, and the scope (from the config and the data's description, maxima.json)."""
    by = {c["id"]: c for c in claims}
    n_lit = sum(1 for c in claims if c["source"] == "E")
    tally = ", ".join(f"{counts.get(v, 0)} {v}" for v in DECIDED)
    rest = " and ".join(f"{counts[v]} {v}" for v in ("inconclusive", "not tested") if counts.get(v))
    out = [
        f"We test {len(claims)} claims about vanishing and exploding gradients, "
        f"{len(claims) - n_lit} of them made in four public discussions (two Stack Exchange "
        f"threads, a blog article and a tutorial) and {n_lit} from the literature they "
        f"lean on, by experiments on deep multilayer perceptrons and by analytic "
        f"computation; a rule fixed by each claim's logical form turns the measurements "
        f"into verdicts: {tally}{', ' + rest if rest else ''}."
    ]
    out += [sentence(c, by) for c in abstract_picks(claims)]
    s = scope_numbers(config)
    side = (data or {}).get("image_side", "?")
    out.append(
        f"The networks are fully connected, {s['width']} units wide in the main grids and "
        f"at most {s['max_depth']} layers deep, trained for at most {s['max_steps']:,} "
        f"steps on scikit-learn's {side}×{side} digits or on generated data; convolutional, "
        f"recurrent "
        f"and residual networks, other data and long training are outside what this report "
        f"tests."
    )
    return out


# ---- themes -----------------------------------------------------------------------


def _listed(ids: list[str]) -> str:
    return "; ".join(f"{i} ({one_line().get(i, '')})" for i in ids)


def theme_summary(theme: Theme, by: ById) -> list[str]:
    """A theme's summary: its verdict counts, its key claims' results, then the other
    refuted and qualified claims and those it leaves open (their numbers are in each
    claim's own paragraph just below)."""
    cs = [by[i] for i in theme.claims if i in by]
    tally = {v: [c["id"] for c in cs if c["verdict"] == v] for v in VERDICTS}
    said = ", ".join(f"{len(ids)} {v}" for v, ids in tally.items() if ids)
    out = [f"Of its {len(cs)} claims, {said}."]
    for i in theme.key_claims:
        if i not in by:
            continue
        own = SENTENCES.get(i)
        text = own(by[i], by) if own else None
        if text:
            out.append(tagged(text, by[i]))
    extra = THEME_SENTENCES.get(theme.key)
    if extra and (text := extra(by)):
        out.append(text)
    for verdict, lead in (("refuted", "Refuted"), ("qualified", "Qualified")):
        ids = [
            i for i in tally.get(verdict, []) if i not in theme.key_claims or not own_text(i, by)
        ]
        if ids:
            out.append(f"{lead}: {', '.join(ids)}.")
    open_ = tally.get("inconclusive", []) + tally.get("not tested", [])
    if open_:
        out.append(
            f"Left open: {_listed(open_)}; each one's evidence in the appendix says what would "
            f"settle it."
        )
    return out


def own_text(cid: str, by: ById) -> str | None:
    """The claim's own sentence for its verdict, if one is written."""
    own = SENTENCES.get(cid)
    return own(by[cid], by) if own and cid in by else None


# ---- limitations ------------------------------------------------------------------


def _width_limitation(s: dict[str, Any], by: ById, config: dict[str, Any]) -> str:
    """What width still cannot tell, from the config's width axis and the width results."""
    axis = [int(w) for w in config.get("widths") or []]
    tested = [i for i in ("E9", "E10") if by.get(i, {}).get("verdict") not in (None, "not tested")]
    if not axis or not tested:
        return (
            f"The probe and training grids use one width, {s['width']}. E1 and E6 test an "
            f"infinite-width theory at that finite width, so their misses mix finite-depth "
            f"and finite-width effects; the finite-width results the literature gives (E9, "
            f"E10) are not tested."
        )
    e6 = by.get("E6", {}).get("values") or {}
    depth_rows = int(e6.get("width_rows_finite_depth", 0)) + int(e6.get("width_rows_stands", 0))
    widest = int(e6.get("width_widest", max(axis)))
    rows = sum(int(e6.get(f"width_rows_{k}", 0)) for k in WIDTH_READINGS)
    e6_text = (
        f" E6's line is still missed on {depth_rows} of the {rows} (activation, σ_b²) rows "
        f"of its width grid at width {widest:,}; whether those misses close needs deeper "
        f"networks than the phase study's."
        if depth_rows
        else ""
    )
    e10 = by.get("E10", {}).get("values") or {}
    deep = max(
        (int(k.rpartition("_d")[2]) for k in e10 if k.startswith("rel_var_relu_orthogonal_d")),
        default=0,
    )

    def setting(key: str) -> str:
        act, _, init = key.removeprefix("rel_var_").removesuffix(f"_d{deep}").partition("_")
        return f"{lab.label(act)} with {'Gaussian' if init == 'gaussian' else init} weights"

    short = [
        setting(k)
        for k, v in e10.items()
        if k.startswith("rel_var_")
        and k.endswith(f"_d{deep}")
        and "tanh_orthogonal" not in k
        and v < e10.get(k.replace("rel_var_", "pred_rel_var_"), -math.inf)
    ]
    e10_text = (
        f", where at depth {deep} the spread of {lab.labels(short)} falls short of the "
        f"infinite-width prediction"
        if short
        else ""
    )
    return (
        f"The probe and training grids use one width, {s['width']}; the finite-width "
        f"studies (E9, E10, and E6 and E1 against width) span widths "
        f"{', '.join(f'{w:,}' for w in axis)}, so the infinite-width limit the theory "
        f"describes is approached, not reached.{e6_text} No network is trained at another "
        f"width: whether a wider deep network trains better is not tested. E9 covers ReLU "
        f"at He init only and tests the sign of the trend and the collapse, not the papers' "
        f"constants; E10 is measured at one width{e10_text}."
    )


def limitations(
    claims: list[Claim], config: dict[str, Any], data: dict[str, Any]
) -> list[tuple[str, str]]:
    """What the evidence does not cover, as (topic, text), with this build's numbers."""
    s = scope_numbers(config)
    by = {c["id"]: c for c in claims}
    width_text = _width_limitation(s, by, config)
    side = data.get("image_side", 8)
    train = (config.get("studies") or {}).get("training") or config.get("training") or {}
    out = [
        ("Width", width_text),
        (
            "Data",
            f"Scikit-learn's {side}×{side} digits ({data.get('n_examples', 0):,} images) and "
            f"generated inputs (XOR, Gaussian). Source D used MNIST; where a claim's number "
            f"depends on the input scaling or size (D3), its row says so. Larger "
            f"natural-image data are not tested.",
        ),
        (
            "Architectures",
            "Fully connected networks only: no convolution, recurrence, residual "
            "connections or normalisation layers. Remarks about CNNs and RNNs (C9) are "
            "listed as untested parts.",
        ),
        (
            "Training length",
            f"At most {s['max_steps']:,} steps of SGD or Adam per run. Claims about what "
            f"training does in the long run are tested only this far.",
        ),
        (
            "One training set-up",
            f"The training grid trains every activation with one SGD learning rate "
            f"({lab.num(train.get('lr'))}) and batch size ({train.get('batch_size')}). A net "
            f"that does not train at that rate might train at another, so comparisons of "
            f"activations in training (B5, C5, D2) carry that choice; C1 varies the rate.",
        ),
        (
            "Thresholds and many tests",
            f"Each threshold is this report's reading of a claim's words (for example "
            f"“about half” as a band around one half), stated in the claim's rule; another "
            f"reading can move a verdict. With {len(claims)} claims and many conditions "
            f"each, a few clear cases can arise by chance: the intervals are not corrected "
            f"for multiplicity.",
        ),
        (
            "Sources",
            "Sources A and B were read through machine translations and checked against "
            "stored copies of the English pages, which hold only each page's opening; "
            "source C is a Chinese translation of an English post and source D a "
            "Portuguese tutorial. Claims are paraphrased, not quoted; each row says where "
            "the English original differs from the translation.",
        ),
    ]
    open_ = [c for c in claims if c["verdict"] in ("inconclusive", "not tested")]
    if open_:
        listed = "; ".join(f"{c['id']} ({c['verdict']})" for c in open_)
        out.append(
            ("Not settled here", f"{listed}. Their evidence says why and what would settle them.")
        )
    partly = [c["id"] for c in claims if c.get("partly_tested")]
    if partly:
        out.append(
            (
                "Partly tested",
                f"{', '.join(partly)}: a part of each sentence could not be tested, and the "
                f"verdict covers the rest.",
            )
        )
    return out


# ---- introduction -----------------------------------------------------------------


def introduction(sources: dict[str, Any], claims: list[Claim]) -> list[str]:
    """The introduction's paragraphs: the four discussions, their questions, and what
    this report adds. The sources' titles come from the catalogue."""
    n = {k: sum(1 for c in claims if c["source"] == k) for k in "ABCDE"}
    title = {k: (sources.get(k) or {}).get("title", "") for k in "ABCD"}
    return [
        "Students who meet the vanishing and exploding gradient problem usually meet it "
        "through short public explanations: a question-and-answer thread, a blog post, a "
        "tutorial. This report takes four such discussions and tests what they claim. "
        f"Source A, a Data Science Stack Exchange question (“{title['A']}”), asks whether "
        f"multiplying tanh's input by a constant n helps ({n['A']} claims). Source B, a "
        f"Cross Validated question (“{title['B']}”), asks how ReLU helps and whether its "
        f"units die for good ({n['B']} claims). Source C, a Chinese translation of an "
        f"English blog post (“{title['C']}”), explains why deep sigmoid networks lose "
        f"their gradient ({n['C']} claims). Source D, a Portuguese tutorial "
        f"(“{title['D']}”), shows histograms of each layer's gradients in a small "
        f"sigmoid network ({n['D']} claims). The {n['E']} further claims are results from "
        f"the literature the sources lean on: initialisation (Glorot & Bengio 2010; He et "
        f"al. 2015; Saxe et al. 2014) and mean-field theory (Poole et al. 2016; Schoenholz "
        f"et al. 2017).",
        "The sources are informal, and their claims come in different logical forms: an "
        "identity that holds or fails exactly, a bound that is necessary but not "
        "sufficient, a “can” that one example settles, a general statement that one "
        "clear failure qualifies. They also say “the gradient” for three different "
        "quantities. This report records, for each claim, its form, its scope and the "
        "quantity it means; measures that quantity on deep multilayer perceptrons or "
        "computes it analytically; and lets code turn the measurement into a verdict by "
        "one rule per form, with intervals over seeds and the conditions on each side "
        "named. Every number in it is read from the pipeline's tables, and one command "
        "rebuilds it.",
        "Section 2 states the method, the verdict rule and the notation; Section 3 lists "
        f"every claim with its verdict in one table. Sections 4 to {len(THEMES) + 3} give "
        "the results by theme, each with a summary, its claims and its figures; Section "
        f"{len(THEMES) + 4} states what the evidence does not cover. The appendix holds "
        "each claim's full evidence, the run lists, further figures and the references.",
    ]
