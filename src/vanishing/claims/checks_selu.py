"""Self-normalisation (E8): SELU at LeCun-normal init keeps the activations near mean 0
and variance 1 layer after layer, so the gradients stay level with depth (Klambauer,
Unterthiner, Mayr & Hochreiter 2017, "Self-Normalizing Neural Networks", NeurIPS).

Tested on the probe grid at initialisation (float64, one fixed batch of standardised
digits), per network at every probed depth of at least ``MIN_DEPTH``: the mean and the
variance of the last hidden layer's activations φ(z) over the batch and the units
(probe.layers' ``act_mean`` and ``act_var``), and log10 ‖δ₁‖/‖δ_L‖, layer 1 the first
hidden layer and L = depth the last (as E7 reads it). Intervals are bootstraps over
seeds. A network whose probe overflowed counts against the claim, never dropped: its δ
ratio is +∞ and its moments take a value outside the band on the side each statistic
tests. tanh at Xavier and LeCun, ReLU at He, and SELU at He and N(0, 1) are reported
beside it, outside the verdict.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..machinery.labels import label, num
from .checks_gradients import ratios
from .checks_probe import LEVEL_DECADES
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import (
    FINITE,
    INLINE_LIST,
    condition,
    count_diverged,
    diverged_of,
    diverged_text,
    fmt_stat,
    over_runs,
    record_table,
    sig,
)
from .verdict import CI, Part, Statistic, all_of, by_form, part

# ---- tolerances, fixed before the run ----------------------------------------
# "Layer after layer": a network of fewer hidden layers has too few steps of the moment
# map to say whether it converges, so only probed depths of at least 8 are conditions.
MIN_DEPTH = 8
# "Mean 0 and variance 1": the median over seeds of |mean| at most 0.1 and of the
# variance within [0.8, 1.5]. This is the domain Ω = {μ ∈ [−0.1, 0.1], ν ∈ [0.8, 1.5]}
# that Theorem 1 of Klambauer, Unterthiner, Mayr & Hochreiter (2017, "Self-Normalizing
# Neural Networks", NeurIPS) proves the SELU moment map sends into itself, with the
# stable, attracting fixed point (0, 1) inside: where the moments sit in Ω, the paper's
# mechanism is at work; outside it the theorem says nothing.
MEAN_TOL = 0.1
VAR_LO, VAR_HI = 0.8, 1.5
# The theorem's conditions on a unit's incoming weights w (n of them): ω = Σ w within
# ±0.1 and τ = Σ w² within [0.95, 1.1] (Klambauer et al. 2017, Theorem 1); quoted in
# the note, not tested.
THEOREM_OMEGA = 0.1
THEOREM_TAU = (0.95, 1.1)
# "Gradients neither vanish nor explode": the first hidden layer's δ within the probe
# checks' level line (checks_probe.LEVEL_DECADES, ±1 decade) of the last hidden layer's.
# The claim's setting: what the verdict is decided on.
ACTIVATION, INIT = "selu", "lecun"
# The catalogue's two parts, word for word.
PART_MOMENTS = "activations converge to mean 0 and variance 1"
PART_LEVEL = "gradients stay level with depth"
# Reported beside it at the same depths, never folded into the verdict: the catalogue's
# contrast (tanh at Xavier and at LeCun, ReLU at He) and SELU under other inits (the
# init is half of the claim).
OTHERS: tuple[tuple[str, str], ...] = (
    ("tanh", "xavier"),
    ("tanh", "lecun"),
    ("relu", "he"),
    ("selu", "he"),
    ("selu", "normal"),
)

LAYERS = "probe.layers"
MOMENTS = ("act_mean", "act_var")
DELTA_NAME = "log10 ‖δ₁‖/‖δ_L‖"
FIGURES = ["selu_self_normalisation"]
# Titles of the appendix tables that long lists go to.
DEPTH_TABLE = "E8: SELU at LeCun init, per depth"
OTHERS_TABLE = "E8: the comparison settings, medians over seeds"


def per_seed(layers: pd.DataFrame, activation: str, init: str, depth: int) -> pd.DataFrame:
    """Per seed (the index) of one setting at ``depth``: ``abs_mean`` and ``var`` of the
    last hidden layer's activations, ``delta`` = log10 ‖δ₁‖/‖δ_L‖ (+∞ where the probe
    overflowed, checks_gradients.ratios) and the network's ``status``."""
    d = layers[
        (layers["activation"] == activation) & (layers["init"] == init) & (layers["depth"] == depth)
    ]
    last = d[d["layer"] == depth].set_index("seed")
    t = ratios(layers, activation, init, depth)
    out = pd.DataFrame(
        {
            "abs_mean": last["act_mean"].astype(float).abs(),
            "var": last["act_var"].astype(float),
        }
    ).reindex(t.index)
    out["delta"] = t["delta"]
    out["status"] = t["status"]
    return out


def _failed(t: pd.DataFrame, col: str, unhealthy: float) -> pd.Series:
    """``col`` per seed with the one divergence rule applied: an overflowed network, or
    one whose moment is not a finite number (something in it overflowed), takes
    ``unhealthy``."""
    v = count_diverged(t[col], t["status"], unhealthy)
    return v.where(np.isfinite(v), unhealthy)


def statistics(t: pd.DataFrame, name: str) -> dict[str, Statistic]:
    """The four tested statistics of one setting's seeds ``t`` (see ``per_seed``).

    An overflowed network fails every one: |mean| and the δ ratio are +∞, and its
    variance is 0 for the lower end of the band and +∞ for the upper end (the value on
    the failing side of each one-sided statistic)."""
    return {
        "mean": over_runs(
            f"median over seeds of |mean| of the last hidden layer's activations, {name}",
            _failed(t, "abs_mean", math.inf),
            MEAN_TOL,
            "below",
        ),
        "var_lo": over_runs(
            f"median over seeds of the variance of the last hidden layer's activations, {name}",
            _failed(t, "var", 0.0),
            VAR_LO,
            "above",
        ),
        "var_hi": over_runs(
            f"median over seeds of the variance of the last hidden layer's activations, {name}",
            _failed(t, "var", math.inf),
            VAR_HI,
            "below",
        ),
        "delta": over_runs(
            f"median over seeds of |{DELTA_NAME}|, {name}",
            t["delta"].abs(),
            LEVEL_DECADES,
            "below",
            unit=" decades",
        ),
    }


def conditions_of(st: dict[str, Statistic], name: str) -> Part:
    """One depth's condition: the claim's two parts, the first an all_of of three."""
    moments = all_of(
        PART_MOMENTS,
        [
            part(f"|mean| ≤ {num(MEAN_TOL)}", st["mean"]),
            part(f"variance ≥ {num(VAR_LO)}", st["var_lo"]),
            part(f"variance ≤ {num(VAR_HI)}", st["var_hi"]),
        ],
    )
    return all_of(name, [moments, part(PART_LEVEL, st["delta"])])


def _variance(st: dict[str, Statistic], kind: bool) -> str:
    """The variance statistic, once where the two ends' statistics agree (no network
    overflowed), else both, each with the value its overflowed networks took."""
    lo, hi = st["var_lo"], st["var_hi"]
    if (lo.value, lo.lo, lo.hi) == (hi.value, hi.lo, hi.hi):
        return f"variance {fmt_stat(hi, kind=kind)}"
    return (
        f"variance {fmt_stat(lo, kind=kind)} with overflowed networks at 0, "
        f"{fmt_stat(hi, kind=kind)} with them at ∞"
    )


def _line(st: dict[str, Statistic], kind: bool = False) -> str:
    return (
        f"|mean| {fmt_stat(st['mean'], kind=kind)}, {_variance(st, kind)}, "
        f"|{DELTA_NAME}| {fmt_stat(st['delta'], kind=kind)}"
    )


def _median(v: pd.Series) -> float:
    v = v.dropna().astype(float)
    return float(np.median(v)) if len(v) else math.nan


def _key(activation: str, init: str, depth: int) -> str:
    return f"{activation}_{init}_d{depth}"


def _setting(activation: str, init: str) -> str:
    return condition(activation=activation, init=init)


def _status(t: pd.DataFrame, activation: str, init: str, depth: int) -> pd.Series:
    return t["status"].set_axis(
        pd.MultiIndex.from_tuples(
            [(activation, init, depth, s) for s in t.index],
            names=["activation", "init", "depth", "seed"],
        )
    )


@check("E8")
def check_e8_selu(r: Results) -> ClaimResult:
    layers = r.table(LAYERS)
    missing = [c for c in MOMENTS if c not in layers]
    if missing:
        return not_tested(
            f"this probe table has no {' or '.join(missing)} column (written before the probe "
            "recorded the activations' moments)",
            [LAYERS],
        )
    act, init = label(ACTIVATION, "activation"), f"the {label(INIT, 'init')} init"
    has_act, has_init = ACTIVATION in set(layers["activation"]), INIT in set(layers["init"])
    if not (has_act or has_init):
        return not_tested(f"neither {act} nor {init} is in this probe grid", [LAYERS])
    if not (has_act and has_init):
        return not_tested(f"{init if has_act else act} is not in this probe grid", [LAYERS])
    mine = layers[(layers["activation"] == ACTIVATION) & (layers["init"] == INIT)]
    if mine.empty:
        return not_tested(
            f"{_setting(ACTIVATION, INIT)} is not in this probe grid (the two are never paired)",
            [LAYERS],
        )
    depths = sorted(int(d) for d in set(mine["depth"]) if d >= MIN_DEPTH)
    if not depths:
        return not_tested(
            f"the deepest probed network has {num(int(mine['depth'].max()))} hidden layers, "
            f"fewer than the {num(MIN_DEPTH)} that 'layer after layer' needs",
            [LAYERS],
        )
    name = _setting(ACTIVATION, INIT)
    conds, lines, rows, status, kinds = [], [], [], [], set()
    values: dict[str, float] = {}
    tested: dict[int, dict[str, Statistic]] = {}
    for depth in depths:
        t = per_seed(layers, ACTIVATION, INIT, depth)
        where = condition(activation=ACTIVATION, init=INIT, depth=depth)
        st = statistics(t, where)
        tested[depth] = st
        conds.append(conditions_of(st, where))
        status.append(_status(t, ACTIVATION, INIT, depth))
        kinds |= {s.interval for s in st.values()}
        lines.append(f"depth {depth}: {_line(st)}")
        rows.append(
            [
                depth,
                fmt_stat(st["mean"], kind=False),
                fmt_stat(st["var_lo"], kind=False),
                fmt_stat(st["var_hi"], kind=False),
                fmt_stat(st["delta"], kind=False),
            ]
        )
        key = _key(ACTIVATION, INIT, depth)
        values[f"abs_mean_{key}"] = st["mean"].value
        values[f"var_{key}"] = _median(t["var"])
        values[f"delta_{key}"] = _median(t["delta"])
    # "SELU … drives activations towards mean 0 and variance 1 … so gradients neither
    # vanish nor explode with depth": general, every depth in scope must hold both parts
    tree = by_form("general", "E8", conds)
    deepest = depths[-1]
    if len(lines) > INLINE_LIST:
        # every depth's statistics go to an appendix table, the deepest stays in the row
        record_table(
            {
                "title": DEPTH_TABLE,
                "columns": [
                    "depth",
                    "|mean|",
                    "variance (overflowed at 0)",
                    "variance (overflowed at ∞)",
                    f"|{DELTA_NAME}| (decades)",
                ],
                "rows": rows,
            }
        )
        shown = (
            f"at depth {deepest}: {_line(tested[deepest])}; every depth from "
            f"{num(MIN_DEPTH)} on is in the appendix table “{DEPTH_TABLE}”"
        )
    else:
        shown = "; ".join(lines)

    # ---- the comparison settings: reported, outside the verdict ----
    grid = set(zip(layers["activation"], layers["init"], strict=True))
    others, table = [], []
    for act, init in OTHERS:
        if (act, init) not in grid:
            continue
        for depth in depths:
            t = per_seed(layers, act, init, depth)
            if t.empty:
                continue
            key = _key(act, init, depth)
            m = _median(_failed(t, "abs_mean", math.inf))
            v, dl = _median(t["var"]), _median(t["delta"])
            values[f"abs_mean_{key}"], values[f"var_{key}"], values[f"delta_{key}"] = m, v, dl
            bad = int((t["status"] != FINITE).sum())
            table.append([_setting(act, init), depth, sig(m), sig(v), sig(dl), bad, len(t)])
            if depth == deepest:
                others.append(
                    f"{_setting(act, init)}: |mean| {sig(m)}, variance {sig(v)}, "
                    f"{DELTA_NAME} {sig(dl)}"
                    + (f" ({num(bad)} of {num(len(t))} networks overflowed)" if bad else "")
                )
    if len(table) > INLINE_LIST:
        record_table(
            {
                "title": OTHERS_TABLE,
                "columns": [
                    "setting",
                    "depth",
                    "|mean|",
                    "variance",
                    f"{DELTA_NAME} (decades)",
                    "overflowed",
                    "of",
                ],
                "rows": table,
            }
        )
    seeds = sorted(set(mine["seed"]))
    values["depth"] = float(deepest)
    values["min_depth"] = float(depths[0])
    values["n_seeds"] = float(len(seeds))
    st_all = pd.concat(status)
    verdict_stat = tested[deepest]["delta"] if tree.verdict == "supported" else None
    return result(
        tree,
        measured=f"{name}, {num(len(seeds))} seeds; the last hidden layer's activation "
        f"moments and {DELTA_NAME}, per depth: "
        + shown
        + f" ({'; '.join(sorted(kinds))})"
        + f". The same medians at depth {deepest} for other settings, not part of the "
        "verdict: "
        + ("; ".join(others) if others else "none in this grid")
        + (
            f" (every depth in the appendix table “{OTHERS_TABLE}”)"
            if len(table) > INLINE_LIST
            else ""
        ),
        expected=f"at every depth from {num(MIN_DEPTH)} on, the last hidden layer's activations "
        f"with mean near 0 and variance near 1, and ‖δ‖ at the first hidden layer within "
        f"{num(LEVEL_DECADES)} decade of ‖δ‖ at the last",
        tolerance=f"per depth ≥ {num(MIN_DEPTH)}, the median over seeds of |mean| ≤ "
        f"{num(MEAN_TOL)}, of the variance ≥ {num(VAR_LO)} and ≤ {num(VAR_HI)}, and of "
        f"|{DELTA_NAME}| ≤ {num(LEVEL_DECADES)} decade ({CI} bootstrap intervals over seeds). "
        f"The band |mean| ≤ {num(MEAN_TOL)}, variance in [{num(VAR_LO)}, {num(VAR_HI)}] is the "
        "domain that Theorem 1 of Klambauer et al. (2017) proves the SELU moment map sends "
        "into itself, with the attracting fixed point (0, 1) inside; the δ line is the one "
        "the other probe checks call level. An overflowed network counts against: its δ "
        "ratio is ∞, its |mean| ∞, and its variance 0 against the band's lower end and ∞ "
        "against its upper end. A general claim: supported when every depth "
        "clearly holds both parts, refuted by clear failures without clear support, "
        "qualified with both",
        evidence="The probe grid at initialisation (float64, one fixed batch of standardised "
        f"digits): {name} networks at depth{'s' if len(depths) > 1 else ''} "
        + ", ".join(str(d) for d in depths)
        + ", per seed the mean and variance of the last hidden layer's activations over the "
        "batch and the units, and the back-propagated error of the first hidden layer over "
        "that of the last. " + diverged_text(st_all, "networks") + ".",
        figures=FIGURES,
        tables=[LAYERS],
        note=_note(values, depths, grid),
        values=values,
        diverged=diverged_of(st_all),
        headline=verdict_stat,
    )


def _note(values: dict[str, float], depths: list[int], grid: set[tuple[str, str]]) -> str:
    """What the numbers say beyond the verdict, each sentence from the values."""
    deepest = depths[-1]
    out = []
    inits = [i for i in (INIT, "he", "normal") if (ACTIVATION, i) in grid]
    if len(inits) > 1:
        out.append(
            f"The init is half of the claim: at depth {deepest}, SELU's activation variance "
            "is "
            + ", ".join(
                f"{sig(values[f'var_{_key(ACTIVATION, i, deepest)}'])} under {label(i, 'init')}"
                for i in inits
            )
            + "."
        )
    d = values[f"delta_{_key(ACTIVATION, INIT, deepest)}"]
    if math.isfinite(d) and deepest > 1 and d != 0:
        per_layer = d / (deepest - 1)
        reach = 1 + LEVEL_DECADES / abs(per_layer)
        out.append(
            f"For {label(ACTIVATION, 'activation')} at {label(INIT, 'init')} init, δ still "
            f"{'grows' if d > 0 else 'shrinks'} towards the input: by {sig(abs(d))} decades "
            f"over the {num(deepest - 1)} layers from the last hidden layer to the first at "
            f"depth {deepest}, ×{sig(10**per_layer, 4)} per layer at the median; if that rate "
            f"held, the first layer's δ would leave the ±{num(LEVEL_DECADES)} decade line at "
            f"about depth {num(round(reach))}."
        )
    level = [
        _setting(a, i)
        for a, i in OTHERS
        if (a, i) in grid
        and math.isfinite(values.get(f"delta_{_key(a, i, deepest)}", math.nan))
        and abs(values[f"delta_{_key(a, i, deepest)}"]) <= LEVEL_DECADES
    ]
    if level:
        out.append(
            f"The δ part alone does not single SELU out: at depth {deepest} the median δ "
            f"ratio is also within ±{num(LEVEL_DECADES)} decade for "
            + "; ".join(level)
            + f"; only the activations' moments tell these settings apart from "
            f"{label(ACTIVATION, 'activation')} at {label(INIT, 'init')} init."
        )
    out.append(
        "Theorem 1 takes every unit's incoming weights to have a sum ω within "
        f"±{num(THEOREM_OMEGA)} and a sum of squares τ within [{num(THEOREM_TAU[0])}, "
        f"{num(THEOREM_TAU[1])}]; LeCun-normal weights give ω = 0 and τ = 1 only in "
        "expectation (a unit's ω has standard deviation 1 at any width), so the probe "
        "measures whether finite networks self-normalise rather than assume it."
    )
    return " ".join(out)
