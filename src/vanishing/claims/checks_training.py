"""Checks of the claims settled by the training runs (studies/training): A10, B1, B2,
B5, B7, B9, C5, D2, E2, E3.

A configuration is (activation, init, depth); its seeds are the runs. Each tested
statistic is a median over seeds with a 95 % bootstrap interval over seeds; a
claim made for every configuration is tested per configuration and is qualified
when it holds in some and fails in others. Networks with the same seed share
their initial weights and minibatch order across activations, so activation
comparisons are paired by seed.

Diverged runs (a NaN/∞ loss or gradient; ``status`` in the tables) are counted in
every claim and decided on explicitly: a diverged run has an infinite loss, all
its units count as dead and stuck, and where a claim predicts healthy behaviour
(a level gradient, a learning unit) a diverged run counts against it.
"""

from __future__ import annotations

import math
import re
from typing import cast

import numpy as np
import pandas as pd

from ..core.activations import DEFAULT_LEAKY_SLOPE
from ..machinery.labels import label, num, pct
from . import stats
from .registry import ClaimResult, MissingResult, Results, check, not_tested, result
from .stats import (
    FINITE,
    diverged_of,
    diverged_text,
    exact,
    key_of,
    names,
    over_runs,
    share,
    sig,
    spread,
)
from .verdict import CI, Part, across, all_of, by_form, not_every, part, untested

CONFIG = ["activation", "init", "depth"]
NET = [*CONFIG, "seed"]
STEPS, LAYERS, UNITS = "training.steps", "training.layers", "training.units"
E2_STEPS = "training.e2_steps"


def _grid(df: pd.DataFrame) -> pd.DataFrame:
    """The training grid's product, activation × init, without the extra settings
    (``extra_settings``: SELU at LeCun), which the grid's comparisons across inits and
    activations would read as cells of a product they are not part of. The grid's inits
    are those the most activations trained at; its activations, those trained at all of
    them."""
    if df.empty or "init" not in df:
        return df
    pairs = df[["activation", "init"]].drop_duplicates()
    count = pairs.groupby("init")["activation"].nunique()
    inits = set(count.index[count == count.max()])
    per_act = pairs.groupby("activation")["init"].agg(set)
    acts = {a for a, got in per_act.items() if inits <= got}
    return df[df["init"].isin(inits) & df["activation"].isin(acts)]


# ---- tolerances (fixed before the runs; each says why) -----------------------

# A loss is "lower" only when it is at least 10 % lower: the seed-to-seed scatter of
# a final loss on digits is of that order.
LOSS_REL = 0.10
# A10: the "good" fraction has fallen when it lost 5 points (sampling noise on ~10^5
# pre-activations per layer is far below that) ...
GOOD_DROP = 0.05
# A10: the answer's hedged "tends to end there" (a rough two-state analogy): most nets
# that vanished do not come back, i.e. fewer than half of them recover.
NO_RETURN = 0.5
# ... and the gradient has vanished when the first/last weight-gradient ratio fell by
# a decade or more (a factor 10 is what "vanishing" means at the least).
VANISH_DECADES = 1.0
# B5: ReLU "dies" in a setting when its median final share of silent hidden units is
# at least 5 %; a variant "keeps learning" when under 1 % of its units receive an
# exactly-zero gradient row.
DEAD_FRAC = 0.05
STUCK_FRAC = 0.01
# B1: "never updates again": fewer than 1 in 20 of the units that went silent revive.
NEVER_AGAIN = 0.05
# B5/B7: the source's leaky slope ("0.1·x for x < 0").
SOURCE_LEAKY_SLOPE = 0.1
RELU_VARIANTS = ["prelu", "elu"]
# D2: lower layers get "insignificant" updates when their update:weight ratio is below
# a tenth of the output layer's.
INSIGNIFICANT = 0.1
# D2: "occasionally too large": the first layer's update ratio above 10 × the output
# layer's at some logged step (the mirror image of INSIGNIFICANT).
TOO_LARGE = 10.0
# E2: a net stalls when its loss fell by less than 10 % of the start; it trains when
# the loss halved.
STALL = 0.9
TRAINS = 0.5
# E3: back-propagated δ norms are "level" when they change by < 0.05 decades per layer
# (a factor 10 over 20 layers) and "shrink" when they fall faster than that towards the
# input. Mean-field theory puts tanh with Var(W) = 1/fan_in at about −0.025
# decades/layer and U[±1/√n] (Var = 1/(3n)) at about −0.24.
LEVEL_SLOPE = 0.05


# ---- tables -------------------------------------------------------------------------


def _last(df: pd.DataFrame) -> pd.DataFrame:
    """Rows at each configuration's last logged step."""
    return df[df["step"] == df.groupby(CONFIG)["step"].transform("max")]


def _status(steps: pd.DataFrame) -> pd.Series:
    """Final status per network (index NET)."""
    if "status" not in steps:  # tables written before statuses existed
        steps = steps.assign(
            status=np.where(np.isfinite(steps["loss"].astype(float)), FINITE, stats.DIVERGED)
        )
    return stats.run_status(steps, NET)


def _end_state(r: Results) -> pd.DataFrame:
    """Per network: final loss (∞ when not finite), final hidden dead and stuck shares
    (1 for a diverged net), status."""
    steps, layers = _grid(r.table(STEPS)), _grid(r.table(LAYERS))
    status = _status(steps)
    loss = _last(steps).set_index(NET)["loss"].astype(float)
    fin = _last(layers)
    hid = fin[fin["layer"] <= fin["depth"]]
    dead = hid.groupby(NET)["dead_frac"].mean()
    stuck = hid.groupby(NET)["zero_grad_units"].mean()
    out = pd.DataFrame({"loss": loss, "dead": dead, "stuck": stuck, "status": status})
    out.loc[~np.isfinite(out["loss"]), "loss"] = np.inf
    # the one divergence rule: a diverged net has a failed net's values: an infinite
    # loss, every hidden unit dead and stuck
    out["loss"] = stats.count_diverged(out["loss"], out["status"], np.inf)
    for col in ("dead", "stuck"):
        out[col] = stats.count_diverged(out[col], out["status"], 1.0)
    return out


def _slopes(r: Results) -> dict[str, float]:
    """Negative slope per activation name (the column the study writes; else the name)."""
    steps = _grid(r.table(STEPS))
    if "negative_slope" in steps:
        slopes = steps.groupby("activation")["negative_slope"].first().dropna()
        return cast(dict[str, float], slopes.to_dict())
    out = {}
    for a in steps["activation"].unique():
        m = re.fullmatch(r"leaky_relu(\d+(\.\d+)?)?", a)
        if m:
            out[a] = float(m.group(1)) if m.group(1) else DEFAULT_LEAKY_SLOPE
    return out


def _leaky(r: Results, slope: float) -> str | None:
    for a, s in _slopes(r).items():
        if a.startswith("leaky_relu") and math.isclose(s, slope):
            return a
    return None


def _by_seed(end: pd.DataFrame, col: str, act: str, init: str, depth: int) -> pd.Series:
    try:
        # a Series: one value per seed (the stubs say a scalar)
        return cast(pd.Series, end.loc[(act, init, depth), col])
    except KeyError:
        return pd.Series(dtype=float)


def _rel_gain(ref: pd.Series, new: pd.Series) -> pd.Series:
    """(ref − new)/ref per seed: how much lower ``new``'s loss is (∞-safe: a diverged
    reference loses everything, a diverged ``new`` gains −∞, both diverged: 0)."""
    ref, new = ref.align(new, join="inner")
    with np.errstate(invalid="ignore", divide="ignore"):
        g = (ref - new) / ref
    g = g.where(~(np.isinf(ref) & np.isfinite(new)), 1.0)
    g = g.where(~(np.isinf(new) & np.isfinite(ref)), -np.inf)
    return g.where(~(np.isinf(ref) & np.isinf(new)), 0.0)


def _status_of(end: pd.DataFrame, activations: list[str]) -> pd.Series:
    st = end["status"]
    return st[st.index.get_level_values("activation").isin(activations)]


# ---- A10 --------------------------------------------------------------------------


def _ratio_first_last(layers: pd.DataFrame, col: str = "delta_norm") -> pd.Series:
    """log10 of layer 1's over the output layer's ``col`` per network and step: the
    back-propagated error δ by default (A10's quantity: the answer's product of
    derivatives), or ``grad_norm`` for the weight gradient."""
    first = layers[layers["layer"] == 1].set_index([*NET, "step"])[col]
    last = layers[layers["layer"] == layers["depth"] + 1].set_index([*NET, "step"])[col]
    with np.errstate(divide="ignore", invalid="ignore"):
        return cast(pd.Series, np.log10(first / last))  # a ufunc keeps the Series


def _came_back(ratio: pd.DataFrame) -> tuple[int, int]:
    """(nets that vanished at some logged step, of them nets that later recovered).
    ``ratio``: log10 first/last per network (rows) and step (columns). Vanished: the
    ratio fell by more than VANISH_DECADES below its step-0 value; recovered: at a later
    logged step it was back within half of that."""
    r = ratio.sort_index(axis=1)
    drop = r.sub(r.iloc[:, 0], axis=0).to_numpy(float)
    vanished = recovered = 0
    for row in drop:
        hit = np.flatnonzero(row < -VANISH_DECADES)
        if len(hit) == 0:
            continue
        vanished += 1
        later = row[hit[0] + 1 :]
        recovered += bool(np.any(np.isfinite(later) & (later > -VANISH_DECADES / 2)))
    return vanished, recovered


A10_TABLE = "Configurations where the good fraction and the δ ratio both fell clearly (or not)"
A10_CONVERGED = "Configurations that converged first: reported, not counted"


# Titles of the appendix tables that long lists of conditions go to.
B5_DYING = "Settings where ReLU ended with many dead units"
B5_HOLDS = "Variant × setting comparisons where the variant kept learning"
B6_WINS = "Settings where NecroReLU's loss was clearly lower than both ReLUs'"
E3_HOLDS = "Depths and steps where E3 holds clearly"


@check("A10")
def check_a10(r: Results) -> ClaimResult:
    layers = _grid(r.table(LAYERS))
    tanh = layers[layers["activation"].str.match(r"^tanh_n[\d.]+$")]
    tanh = tanh[tanh["frac_inside_t1"].notna() | (tanh["layer"] > tanh["depth"])]
    if tanh["frac_inside_t1"].notna().sum() == 0:
        return not_tested("no tanh(n·x) with n > 1 in this configuration's training grid", [LAYERS])
    end = _end_state(r)
    status = _status_of(end, list(tanh["activation"].unique()))
    first, last = int(tanh["step"].min()), int(tanh["step"].max())
    hid = tanh[tanh["layer"] <= tanh["depth"]]
    good = hid.groupby([*NET, "step"])["frac_inside_t1"].mean().unstack("step")
    ratio = _ratio_first_last(tanh).unstack("step")
    d_good = (good[last] - good[first]).reindex(status.index)
    d_ratio = (ratio[last] - ratio[first]).reindex(status.index)
    bad = status != FINITE
    # A diverged net's gradient exploded instead of vanishing: +∞, against the claim;
    # its pre-activations left every band, so its good fraction fell to 0.
    d_ratio[bad] = np.inf
    d_good[bad] = -good[first].reindex(status.index)[bad]
    # The answer's one-way street applies to runs that have not converged first: a
    # configuration whose median final/initial loss fell below TRAINS converged, and is
    # reported as generalisation, outside the claim's scope.
    loss_ratio = _loss_ratio(r)
    conds = []
    converged = []
    for key, dg in d_good.groupby(level=CONFIG):
        dr = d_ratio.loc[dg.index]
        label = stats.condition(**dict(zip(CONFIG, key_of(key), strict=True)))
        lr_cell = loss_ratio.reindex(dg.index).dropna()
        done = bool(len(lr_cell)) and float(np.median(lr_cell)) < TRAINS
        if done:
            converged.append(label)
        conds.append(
            all_of(
                label,
                [
                    part(
                        "good fraction falls",
                        over_runs(
                            "median change of the share inside ±t1(n)",
                            dg,
                            -GOOD_DROP,
                            "below",
                            strict=True,
                        ),
                    ),
                    part(
                        "gradient vanishes",
                        over_runs(
                            "median change of log10 ‖δ₁‖/‖δ_out‖",
                            dr,
                            -VANISH_DECADES,
                            "below",
                            strict=True,
                            unit=" decades",
                        ),
                    ),
                ],
            )
        )
        conds[-1].in_scope = not done
    # "does not come back": of the nets whose δ ratio vanished at some logged step, the
    # share that later recovered (a diverged net never recovers: it is left as vanished
    # only if it vanished first, which its +∞ ratio never is)
    n_van, n_back = _came_back(ratio.reindex(status.index))
    back = (
        part(
            "a net whose gradient vanished does not come back",
            exact(
                f"share of the {n_van} nets whose δ ratio vanished that later recovered",
                n_back / n_van,
                NO_RETURN,
                "below",
            ),
        )
        if n_van
        else untested(
            "a net whose gradient vanished does not come back",
            "no net's δ ratio fell by a decade during training",
        )
    )
    tree = all_of("A10", [by_form("trend", "training drifts into vanishing", conds), back])
    holds = [c.name for c in conds if c.verdict == "supported"]
    fails = [c.name for c in conds if c.verdict == "refuted"]
    table = {
        "title": A10_TABLE,
        "columns": ["configuration", "both fell clearly"],
        "rows": [[c, "yes"] for c in holds] + [[c, "clearly not"] for c in fails],
    }
    return result(
        tree,
        measured=f"from step {first} to {last}: change of the good fraction {spread(d_good)}, "
        f"of log10 ‖δ₁‖/‖δ_out‖ {spread(d_ratio)}; both fell clearly in "
        f"{num(len(holds))} of {num(len(conds))} configurations, clearly not in "
        f"{num(len(fails))} (listed in the appendix table)",
        expected="the good fraction falls during training and the gradient then vanishes",
        tolerance=f"per configuration: median over seeds of the change in good fraction < "
        f"−{num(GOOD_DROP)} and of log10 ratio < −{num(VANISH_DECADES)}, {CI} bootstrap over "
        "seeds; "
        "the scope is the configurations that did not converge first (median final/initial "
        f"loss ≥ {num(TRAINS)}); 'does not come back': fewer than {pct(NO_RETURN)} of the nets "
        "whose δ "
        f"ratio fell by more than {num(VANISH_DECADES)} decade later recover to within "
        f"{num(VANISH_DECADES / 2, 6)} decade (exact count)",
        evidence="tanh(n·x) nets (n > 1) trained by SGD on digits at every init and depth; at "
        "every logged step the share of hidden pre-activations inside ±t1(n) and the "
        "first-layer over output-layer back-propagated error ‖δ₁‖/‖δ_out‖ were measured on "
        "the whole training split. "
        + diverged_text(status, "networks")
        + " (a diverged net counts as exploded, not vanished).",
        figures=["training_tanh_good_fraction"],
        tables=[LAYERS],
        note=f"Of the nets whose δ ratio fell by more than {num(VANISH_DECADES)} decade at some "
        f"logged step, {n_back} of {n_van} later came back within {num(VANISH_DECADES / 2, 6)} "
        "decade. "
        "The answer offers the drift as a rough analogy for runs that have not converged "
        f"first; configurations that converged (reported, not counted): "
        f"{names(converged, title=A10_CONVERGED, what='configurations')}.",
        values={"configs_hold": float(len(holds)), "configs": float(len(conds))},
        run_tables=[table],
        diverged=diverged_of(status),
    )


# ---- B1, B2 -----------------------------------------------------------------------


def _stays_dead(r: Results, status: pd.Series) -> Part:
    """B1's "never ... again": a unit that went silent stays silent. Tested per layer
    position, because only the first hidden layer's input is fixed (a deeper unit's input
    moves with the layers below it): the share of ever-dead units that later revived,
    with its Wilson interval, against NEVER_AGAIN. A diverged net has no revivals
    (the divergence rule: it counts for a claim of failure)."""
    try:
        units = _grid(r.table(UNITS))
    except MissingResult:
        return untested("a unit that went silent stays silent", "no per-unit table")
    relu = units[units["activation"] == "relu"]
    if relu.empty:
        return untested("a unit that went silent stays silent", "no ReLU units logged")
    idx = pd.MultiIndex.from_frame(relu[NET])
    finite = idx.isin(status[status == FINITE].index)
    revived = relu["revived"].where(finite, 0).astype(float)
    conds = []
    for name, sel in (
        ("first hidden layer", relu["layer"] == 1),
        ("deeper hidden layers", relu["layer"] > 1),
    ):
        k, n = float(revived[sel].sum()), float(relu.loc[sel, "ever_dead"].sum())
        if n:
            conds.append(
                part(
                    name,
                    share(
                        "share of ever-dead ReLU units that later revived",
                        k,
                        n,
                        NEVER_AGAIN,
                        "below",
                        runs="ever-dead units",
                    ),
                )
            )
    if not conds:
        return untested("a unit that went silent stays silent", "no ReLU unit ever went silent")
    return by_form("general", "a unit that went silent stays silent", conds)


@check("B1")
def check_b1(r: Results) -> ClaimResult:
    layers = _grid(r.table(LAYERS))
    end = _end_state(r)
    status = _status_of(end, ["relu"])
    if status.empty:
        return not_tested("no ReLU nets in this training grid", [LAYERS])
    ok_nets = status[status == FINITE].index
    relu = layers[(layers["activation"] == "relu") & (layers["layer"] <= layers["depth"])]
    relu = relu[pd.MultiIndex.from_frame(relu[NET]).isin(ok_nets)]
    exact01 = relu["deriv_exact01_frac"].dropna()
    # a silent unit (never positive on the whole training split) must have an
    # exactly-zero incoming gradient row: zero-gradient share ≥ silent share
    leaks = int((relu["zero_grad_units"] < relu["dead_frac"] - 1e-12).sum())
    # "units die" predicts failure: by the one divergence rule a diverged net counts for
    # it (every unit dead, see _end_state); the two exactness parts need finite nets
    dead_end = end.loc[status.index, "dead"]
    tree = all_of(
        "B1",
        [
            part(
                "ReLU's derivative is exactly 0 or 1",
                exact(
                    "smallest share of ReLU derivatives exactly 0 or 1",
                    float(exact01.min()) if len(exact01) else math.nan,
                    1.0,
                    "above",
                ),
            ),
            part(
                "a silent unit gets exactly zero gradient",
                exact(
                    "layer snapshots where a silent unit had a non-zero gradient row",
                    leaks,
                    0,
                    "below",
                ),
            ),
            part(
                "units die",
                exact(
                    "largest final share of dead hidden units in a ReLU net",
                    float(dead_end.max()) if len(dead_end) else math.nan,
                    0.0,
                    "above",
                    strict=True,
                ),
            ),
            _stays_dead(r, status),
        ],
    )
    sig_rows = layers[(layers["activation"] == "sigmoid") & (layers["layer"] <= layers["depth"])]
    sig_min = sig_rows["deriv_min"].dropna()
    sig_txt = f" (sigmoid's smallest derivative: {spread(sig_min)})" if len(sig_min) else ""
    return result(
        tree,
        measured=f"share of ReLU derivatives exactly 0 or 1: min "
        f"{sig(float(exact01.min())) if len(exact01) else 'none logged'} over {num(len(exact01))} "
        f"layer snapshots{sig_txt}; snapshots where a "
        f"silent unit had a non-zero gradient row: {leaks}; final dead share of hidden units "
        f"per ReLU net {spread(dead_end)}",
        expected="derivative exactly 0/1; a silent unit receives no update; some units die",
        tolerance="exact, no tolerance: every derivative 0 or 1, no silent unit with a "
        "non-zero gradient row, at least one dead unit at the end",
        evidence="ReLU nets trained by SGD on digits; at each logged step, units whose "
        "pre-activation was ≤ 0 on every training example were counted and their "
        "full-batch weight-gradient rows inspected; autograd derivatives at start and end. "
        + diverged_text(status, "ReLU networks")
        + " (a diverged net has no finite derivative and is left out of the two exactness "
        "counts; it counts as dead in the third, which predicts failure).",
        figures=["training_dead_units"],
        tables=[LAYERS, UNITS],
        note="A silent unit's own weights get no gradient, but earlier layers can move its "
        "input, so 'never again' is tested by whether units that went silent come back (B2 "
        "asks the same question): first-layer units, whose input is fixed, cannot; deeper "
        "ones can.",
        values={"snapshots_leaking": float(leaks)},
        diverged=diverged_of(status),
    )


@check("B2")
def check_b2(r: Results) -> ClaimResult:
    units = _grid(r.table(UNITS))
    end = _end_state(r)
    status = _status_of(end, ["relu"])
    relu = units[units["activation"] == "relu"]
    if relu.empty:
        return not_tested("no ReLU nets in this training grid", [UNITS])
    relu = relu[pd.MultiIndex.from_frame(relu[NET]).isin(status[status == FINITE].index)]
    ever, revived = float(relu["ever_dead"].sum()), float(relu["revived"].sum())
    first = relu[relu["layer"] == 1]
    rev1 = int(first["revived"].sum())
    by_depth = relu.groupby("depth")[["ever_dead", "revived"]].sum()
    stat = exact(
        "ever-dead ReLU units that came back, every finite ReLU net of the training grid",
        revived,
        1,
        "above",
    )
    whole = bool((relu["monitor_size"] >= relu["monitor_size"].max()).all()) if len(relu) else False
    return result(
        part("B2", stat),
        measured=f"{num(int(revived))} of {num(int(ever))} ever-dead ReLU units revived "
        f"({sig(100 * revived / ever) if ever else '0'} %); "
        + "; ".join(
            f"depth {d}: {num(int(x.revived))}/{num(int(x.ever_dead))}"
            for d, x in by_depth.iterrows()
        )
        + f"; first-layer revivals: {rev1}",
        expected="some dead units come back to life",
        tolerance="supported by one revival (the claim says it can happen); refuted by none",
        evidence="per hidden unit of every finite ReLU net: dead (silent on the monitoring set) "
        "at some logged step and active at a later one counts as a revival. "
        + diverged_text(status, "ReLU networks")
        + " (a revival predicts healthy behaviour, so a diverged net counts as having none).",
        figures=["training_dead_units"],
        tables=[UNITS],
        note=(
            "Monitored on the whole training split, a silent unit gets no gradient from any "
            "minibatch, so the 'other minibatches' route is closed by construction and revivals "
            "can only come from earlier layers changing its input; consistently, the first layer "
            f"(fixed input) had {rev1} revivals."
            if whole
            else ""
        ),
        values={"revived": revived, "ever_dead": ever, "first_layer_revivals": float(rev1)},
        diverged=diverged_of(status),
    )


# ---- B5, B7 -----------------------------------------------------------------------


@check("B5")
def check_b5(r: Results) -> ClaimResult:
    end = _end_state(r)
    acts = set(end.index.get_level_values("activation"))
    leaky = _leaky(r, SOURCE_LEAKY_SLOPE)
    variants = [v for v in [leaky, *RELU_VARIANTS] if v is not None and v in acts]
    if "relu" not in acts or not variants:
        return not_tested(
            f"ReLU and a leaky ReLU ({num(SOURCE_LEAKY_SLOPE)}), PReLU or ELU are not both in the "
            "training grid",
            [STEPS, LAYERS],
        )
    relu = end.loc["relu"]
    dying = relu.groupby(["init", "depth"])["dead"].median()
    dying = dying[dying >= DEAD_FRAC]
    if dying.empty:
        return not_tested(
            f"ReLU never ended with ≥ {pct(DEAD_FRAC)} dead units (median over seeds) in this "
            "grid, so there is no setting where it dies",
            [STEPS, LAYERS],
        )
    conds: list[Part] = []
    for v in variants:
        for init, depth in dying.index:
            gain = _rel_gain(
                _by_seed(end, "loss", "relu", init, depth), _by_seed(end, "loss", v, init, depth)
            )
            stuck = _by_seed(end, "stuck", v, init, depth)
            conds.append(
                all_of(
                    stats.condition(activation=v, init=init, depth=depth),
                    [
                        part(
                            "keeps learning",
                            over_runs(
                                "median share of units with an exactly-zero gradient row",
                                stuck,
                                STUCK_FRAC,
                                "below",
                                strict=True,
                            ),
                        ),
                        part(
                            "lower loss than ReLU",
                            over_runs(
                                "median relative loss reduction vs ReLU", gain, LOSS_REL, "above"
                            ),
                        ),
                    ],
                )
            )
    tree = across("B5", conds)
    extra = _leaky(r, DEFAULT_LEAKY_SLOPE)
    extra_txt = ""
    if extra and extra != leaky:
        g = [
            float(
                _rel_gain(
                    _by_seed(end, "loss", "relu", i, d), _by_seed(end, "loss", extra, i, d)
                ).median()
            )
            for i, d in dying.index
        ]
        extra_txt = (
            f" For comparison, leaky ReLU with slope {num(DEFAULT_LEAKY_SLOPE)}: median "
            f"relative loss reduction per setting {', '.join(sig(x) for x in g)}."
        )
    status = _status_of(end, ["relu", *variants])
    holds = [c.name for c in conds if c.verdict == "supported"]
    return result(
        tree,
        measured=f"ReLU ended with ≥ {pct(DEAD_FRAC)} dead units in {num(len(dying))} init/depth "
        f"settings ({names(list(dying.index), title=B5_DYING, bare=True)}; median dead share "
        f"{spread(dying)}); a variant "
        f"kept learning with a clearly lower loss in {num(len(holds))} of {num(len(conds))} "
        f"variant × setting comparisons ({names(holds, title=B5_HOLDS, bare=True)})",
        expected=f"leaky ReLU ({num(SOURCE_LEAKY_SLOPE)}), PReLU and ELU keep learning (no stuck "
        "units) and end with a lower loss where ReLU dies",
        tolerance=f"per variant and setting: median stuck share < {pct(STUCK_FRAC)} and median "
        f"paired relative loss reduction ≥ {pct(LOSS_REL)}, {CI} bootstrap over seeds; qualified "
        "when it holds in some settings and fails in others",
        evidence="ReLU vs its variants trained with the same inits, depths, seeds and "
        "minibatches; final training loss and the share of hidden units with an exactly-zero "
        "gradient row. "
        + diverged_text(status, "networks")
        + " (a diverged net has an infinite loss and counts as stuck)."
        + extra_txt,
        figures=["training_dead_units", "training_loss_curves"],
        tables=[STEPS, LAYERS],
        values={"n_dying": float(len(dying)), "comparisons_hold": float(len(holds))},
        diverged=diverged_of(status),
    )


@check("B7")
def check_b7(r: Results) -> ClaimResult:
    end = _end_state(r)
    acts = set(end.index.get_level_values("activation"))
    leaky = _leaky(r, SOURCE_LEAKY_SLOPE)
    if not {"necro_relu", "relu"} <= acts or leaky is None:
        return not_tested(
            f"necro_relu, relu and a leaky ReLU with slope {num(SOURCE_LEAKY_SLOPE)} are not "
            "all in "
            "the training grid",
            [STEPS, LAYERS],
        )
    necro = end.loc["necro_relu"]
    finite = necro[necro["status"] == FINITE]
    # "cannot die" predicts healthy nets: by the one divergence rule a diverged
    # NecroReLU net counts against it (its stuck share is 1, see _end_state)
    cannot_die = part(
        "NecroReLU cannot die",
        exact(
            "largest final share of units with an exactly-zero gradient row, every NecroReLU "
            "net (a diverged one counts as stuck)",
            float(necro["stuck"].max()) if len(necro) else math.nan,
            STUCK_FRAC,
            "below",
            strict=True,
        ),
    )
    conds = []
    for init, depth in sorted({(i, d) for i, d, _ in necro.index}):
        best = cast(  # a ufunc keeps the Series
            pd.Series,
            np.minimum(
                *_by_seed(end, "loss", "relu", init, depth).align(
                    _by_seed(end, "loss", leaky, init, depth), join="inner"
                )
            ),
        )
        gain = _rel_gain(best, _by_seed(end, "loss", "necro_relu", init, depth))
        conds.append(
            part(
                stats.condition(init=init, depth=depth),
                over_runs(
                    "median relative loss reduction vs the better of ReLU and leaky ReLU",
                    gain,
                    LOSS_REL,
                    "above",
                ),
            )
        )
    tree = all_of("B7", [cannot_die, by_form("existence", "sometimes beats both", conds)])
    status = _status_of(end, ["necro_relu", "relu", leaky])
    wins = [c.name for c in conds if c.verdict == "supported"]
    return result(
        tree,
        measured=(
            f"NecroReLU's largest stuck share {sig(float(necro['stuck'].max()))} over "
            f"{num(len(necro))} nets, {num(len(necro) - len(finite))} of them diverged "
            "(forward-silent share "
            f"at the end, finite nets: {spread(finite['dead'])})"
            if len(finite)
            else f"every one of the {num(len(necro))} NecroReLU nets diverged"
        )
        + f"; its loss was clearly ≥ {pct(LOSS_REL)} below both ReLU's and leaky ReLU's ({leaky}) "
        f"in {num(len(wins))} of "
        f"{num(len(conds))} init/depth settings ({names(wins, title=B6_WINS, bare=True)})",
        expected="NecroReLU never gets stuck and sometimes has the lowest loss",
        tolerance=f"stuck share < {pct(STUCK_FRAC)} in every net, a diverged one counting as stuck "
        f"(exact); 'beats' = median "
        f"paired relative loss reduction ≥ {pct(LOSS_REL)} against the better of the two, {CI} "
        "bootstrap over seeds; one setting where it clearly beats both supports 'sometimes'",
        evidence=f"NecroReLU (ReLU forward, backward slope {num(SOURCE_LEAKY_SLOPE)} for x < 0) vs "
        f"ReLU and leaky ReLU with slope {num(SOURCE_LEAKY_SLOPE)}, same inits, depths, seeds and "
        "minibatches; final training loss. "
        + diverged_text(status, "networks")
        + " (a diverged net has an infinite loss and counts as stuck).",
        figures=["training_dead_units", "training_loss_curves"],
        tables=[STEPS, LAYERS],
        note=(
            f"Every finite NecroReLU net had a largest stuck share of "
            f"{sig(float(finite['stuck'].max()))}: 'cannot die' fails only through the "
            f"{num(len(necro) - len(finite))} diverged nets, which exploded rather than died, and "
            "the one divergence rule counts against a claim of healthy training. "
            if len(finite)
            and len(necro) > len(finite)
            and float(finite["stuck"].max()) < STUCK_FRAC
            else ""
        )
        + "Its units can still be silent in the forward pass; the backward slope keeps their "
        "weights moving. 'Stuck' counts units whose incoming weight row got an exactly-zero "
        "gradient: since the forward pass is ReLU's, a whole layer is stuck that way when the "
        "layer below is silent on every example, although its biases, and the layer below, "
        "still receive gradient.",
        values={"settings_won": float(len(wins))},
        diverged=diverged_of(status),
    )


# ---- B9 -----------------------------------------------------------------------------


def _init_costs(cube: np.ndarray) -> np.ndarray:
    """cube: (activations, inits, boot, seeds) of losses → (A, A, boot): the relative
    loss activation a pays with activation b's best init instead of its own."""
    with np.errstate(invalid="ignore"):
        med = np.median(cube, axis=-1)  # (A, I, B)
    best = np.argmin(np.nan_to_num(med, nan=np.inf, posinf=np.finfo(float).max), axis=1)
    own = np.take_along_axis(med, best[:, None, :], axis=1)[:, 0, :]  # (A, B)
    a_n = med.shape[0]
    cost = np.empty((a_n, a_n, med.shape[2]))
    for b in range(a_n):
        other = np.take_along_axis(med, best[b][None, None, :].repeat(a_n, 0), axis=1)[:, 0, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            c = other / own - 1
        c[np.isinf(other) & np.isinf(own)] = 0.0
        cost[:, b, :] = c
    return cost


def _cube(end: pd.DataFrame, acts: list[str], inits: list[str], depth: int) -> np.ndarray:
    """(A, I, seeds) losses on the seeds every cell has."""
    cells = [[_by_seed(end, "loss", a, i, depth) for i in inits] for a in acts]
    seeds = sorted(set.intersection(*[set(c.index) for row in cells for c in row]))
    return np.array([[c.loc[seeds].to_numpy(float) for c in row] for row in cells])


def _boot_cost(cube: np.ndarray, pick) -> tuple[float, float, float]:
    """Point value and 95 % bootstrap over seeds of pick(cost matrix)."""
    value = float(pick(_init_costs(cube[:, :, None, :]))[0])
    n = cube.shape[-1]
    if n < 2:
        return value, math.nan, math.nan
    rng = np.random.default_rng(stats.RNG_SEED)
    idx = rng.integers(0, n, size=(stats.N_BOOT, n))
    boots = pick(_init_costs(cube[:, :, idx]))
    lo, hi = stats._percentiles(np.asarray(boots, float))
    return value, lo, hi


@check("B9")
def check_b9(r: Results) -> ClaimResult:
    end = _end_state(r)
    acts = sorted(set(end.index.get_level_values("activation")))
    inits = sorted(set(end.index.get_level_values("init")))
    leaky = _leaky(r, SOURCE_LEAKY_SLOPE) or _leaky(r, DEFAULT_LEAKY_SLOPE)
    if len(acts) < 2 or len(inits) < 2:
        return not_tested("the training grid needs two activations and two inits", [STEPS])
    inter, pair, lines = [], [], []
    for depth in sorted(set(end.index.get_level_values("depth"))):
        cube = _cube(end, acts, inits, depth)
        n = cube.shape[-1]
        v, lo, hi = _boot_cost(cube, lambda c: np.nanmax(c.reshape(-1, c.shape[-1]), axis=0))
        inter.append(
            part(
                f"depth {depth}",
                stats.with_interval(
                    "largest relative loss an activation pays with another's best init",
                    v,
                    lo,
                    hi,
                    f"{CI} bootstrap over {n} seeds",
                    LOSS_REL,
                    "above",
                    n=n,
                ),
            )
        )
        med = np.median(cube, axis=-1)
        best = {
            a: inits[int(np.argmin(np.nan_to_num(med[k], posinf=np.finfo(float).max)))]
            for k, a in enumerate(acts)
        }
        lines.append(
            f"depth {depth}: "
            + ", ".join(f"{label(a, 'activation')} → {label(i, 'init')}" for a, i in best.items())
        )
        if leaky and "relu" in acts:
            ia, ib = acts.index(leaky), acts.index("relu")
            v, lo, hi = _boot_cost(cube, lambda c, ia=ia, ib=ib: c[ia, ib])
            pair.append(
                part(
                    f"depth {depth}",
                    stats.with_interval(
                        f"relative loss {label(leaky, 'activation')} pays with ReLU's best init",
                        v,
                        lo,
                        hi,
                        f"{CI} bootstrap over {n} seeds",
                        LOSS_REL,
                        "above",
                        n=n,
                    ),
                )
            )
    # "the init has to suit the activation" denies that one init suits every activation:
    # one depth where an activation clearly pays for another's best init supports it
    parts = [not_every("the init has to suit the activation", inter)]
    if pair:
        parts.append(
            by_form(
                "general", f"{label(leaky, 'activation')} wants a different init from ReLU", pair
            )
        )
    tree = all_of("B9", parts)
    status = end["status"]
    return result(
        tree,
        measured="lowest-median-loss init per activation: " + "; ".join(lines),
        expected="the best init depends on the activation; leaky ReLU's differs from ReLU's",
        tolerance=f"an activation 'needs' its own init when using another activation's best "
        f"init costs it ≥ {pct(LOSS_REL)} in median final loss ({CI} bootstrap over seeds, the "
        "best inits re-chosen in every resample); the interaction needs it at some depth, the "
        "leaky-vs-ReLU part at every depth",
        evidence="every activation trained from each of the inits "
        f"{', '.join(label(i, 'init') for i in inits)} at each "
        "depth, same seeds and minibatches; median final training loss per cell. "
        + diverged_text(status, "networks")
        + " (a diverged net has an infinite loss).",
        figures=["training_loss_curves"],
        tables=[STEPS],
        note=f"He's gain for a leaky slope a is √(2/(1 + a²)): for a = {num(SOURCE_LEAKY_SLOPE)} "
        f"that is {pct(1 - math.sqrt(1 / (1 + SOURCE_LEAKY_SLOPE**2)))} below "
        "ReLU's, so analytically the inits barely differ.",
        diverged=diverged_of(status),
    )


# ---- C5, D2 -------------------------------------------------------------------------


def _log_ratio_first_vs_rest(df: pd.DataFrame, col: str) -> pd.Series:
    """Per network: log10(value of layer 1 / smallest value of the other layers)."""
    piv = df.pivot_table(index=NET, columns="layer", values=col)
    first = piv[1]
    rest = piv.drop(columns=1).min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return cast(pd.Series, np.log10(first / rest))  # a ufunc keeps the Series


# C5 and D2 speak about sigmoid networks (the article's and the tutorial's); the other
# activations of the grid are reported as generalisation, not folded into the verdict.
SIGMOID_SCOPE = ("sigmoid",)


@check("C5")
def check_c5(r: Results) -> ClaimResult:
    layers = _grid(r.table(LAYERS))
    end = _end_state(r)
    status = end["status"]
    df = layers.assign(grad_rms=layers["grad_norm"] / np.sqrt(layers["numel"]))
    # as_index=False: a frame with the keys as columns (the stubs say a Series)
    g = cast(pd.DataFrame, df.groupby([*NET, "layer"], as_index=False)["grad_rms"].median())
    grad = _log_ratio_first_vs_rest(g, "grad_rms").reindex(status.index)
    change = _log_ratio_first_vs_rest(_last(layers), "rel_change").reindex(status.index)
    # the one divergence rule: a diverged net's first layer is not the quiet one (+∞,
    # against a claim that predicts a quiet first layer)
    # 0/0 in a finite net: layer 1 and the quietest other layer did not move at all (float32
    # underflow in deep sigmoid nets): undefined, so the net cannot say which layer is
    # slowest and is left out of that statistic (it stays counted in the status line)
    grad = stats.count_diverged(grad, status, np.inf)
    change = stats.count_diverged(change, status, np.inf)
    smallest, slowest = [], []
    for key, gv in grad.groupby(level=CONFIG):
        cv = change.loc[gv.index]
        name = stats.condition(**dict(zip(CONFIG, key_of(key), strict=True)))
        inside = key_of(key)[0] in SIGMOID_SCOPE
        smallest.append(
            part(
                name,
                over_runs(
                    "median log10 of layer 1's RMS weight gradient over the smallest other layer's",
                    gv,
                    0.0,
                    "below",
                    strict=True,
                    unit=" decades",
                ),
                in_scope=inside,
            )
        )
        slowest.append(
            part(
                name,
                over_runs(
                    "median log10 of layer 1's relative weight change over the smallest other "
                    "layer's",
                    cv,
                    0.0,
                    "below",
                    strict=True,
                    unit=" decades",
                ),
                in_scope=inside,
            )
        )
    tree = all_of(
        "C5",
        [
            by_form("general", "the first layer gets the smallest gradient", smallest),
            by_form("general", "the first layer learns slowest", slowest),
        ],
    )

    def tally(ps: list[Part], inside: bool) -> str:
        ps = [p for p in ps if p.in_scope == inside]
        yes = sum(p.verdict == "supported" for p in ps)
        no = sum(p.verdict == "refuted" for p in ps)
        return f"holds clearly in {yes}, fails clearly in {no} of {num(len(ps))}"

    return result(
        tree,
        measured=f"sigmoid nets (in scope): smallest gradient {tally(smallest, True)} "
        f"configurations, slowest learning {tally(slowest, True)}; other activations "
        f"(generalisation): smallest gradient {tally(smallest, False)}, slowest learning "
        f"{tally(slowest, False)}",
        expected="in sigmoid nets the first layer gets the smallest weight gradient and "
        "changes least",
        tolerance="per configuration: median over seeds of log10(layer 1 / smallest other "
        f"layer) < 0, {CI} bootstrap over seeds; each part is a general claim about sigmoid "
        "nets (refuted by clear failures without clear support, qualified with both); other "
        "activations are reported, not counted",
        evidence="per weight layer: RMS weight gradient per weight (median over logged steps) "
        "and ‖W_T − W_0‖/‖W_0‖ at the end, compared across the layers of each network. "
        + diverged_text(status, "networks")
        + " (a diverged net counts against the claim).",
        figures=["training_layer_profile"],
        tables=[LAYERS],
        values={
            "sigmoid_smallest_hold": float(
                sum(p.verdict == "supported" and p.in_scope for p in smallest)
            ),
            "sigmoid_slowest_hold": float(
                sum(p.verdict == "supported" and p.in_scope for p in slowest)
            ),
        },
        diverged=diverged_of(status),
    )


def _loss_ratio(r: Results) -> pd.Series:
    """Per network: final / first logged training loss (∞ for a diverged net)."""
    steps = _grid(r.table(STEPS))
    first = steps[steps["step"] == steps.groupby(CONFIG)["step"].transform("min")]
    start = first.set_index(NET)["loss"].astype(float)
    end = _end_state(r)
    return stats.count_diverged(end["loss"] / start.reindex(end.index), end["status"], np.inf)


@check("D2")
def check_d2(r: Results) -> ClaimResult:
    end = _end_state(r)
    depths = sorted(set(end.index.get_level_values("depth")))
    if len(depths) < 2:
        return not_tested("only one depth in the training grid", [STEPS])
    dmin, dmax = depths[0], depths[-1]
    ratio = _loss_ratio(r)
    harder: list[Part] = []
    floor: list[str] = []
    for key, _ in end.groupby(level=["activation", "init"]):
        act, init = key_of(key)
        name = stats.condition(activation=act, init=init)
        inside = act in SIGMOID_SCOPE
        try:
            shallow_ratio = ratio.loc[(act, init, dmin)]
        except KeyError:
            shallow_ratio = pd.Series(dtype=float)
        # A net that does not train at the shallow depth either cannot show that depth
        # makes training harder (a floor effect): untestable, not a refutation.
        if len(shallow_ratio) and float(np.median(shallow_ratio)) >= TRAINS:
            harder.append(
                untested(
                    name,
                    f"{name} does not train at depth {dmin} either (median final/initial loss "
                    f"{sig(float(np.median(shallow_ratio)))} ≥ {num(TRAINS)})",
                )
            )
            harder[-1].in_scope = inside
            floor.append(name)
            continue
        shallow = _by_seed(end, "loss", act, init, dmin)
        deep = _by_seed(end, "loss", act, init, dmax)
        rise = -_rel_gain(shallow, deep)  # how much higher the deep net's loss is
        harder.append(
            part(
                name,
                over_runs(
                    f"median relative loss increase, depth {dmax} over {dmin}",
                    rise,
                    LOSS_REL,
                    "above",
                ),
                in_scope=inside,
            )
        )
    layers = _grid(r.table(LAYERS))
    deep = layers[(layers["depth"] == dmax) & (layers["step"] > 0)]
    upd = deep.groupby([*NET, "layer"])["update_ratio"].median().unstack("layer")
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = cast(pd.Series, np.log10(upd[1] / upd[upd.columns.max()]))  # a ufunc keeps it
    st_deep = end["status"][end.index.get_level_values("depth") == dmax]
    rel = rel.reindex(st_deep.index)
    # the one divergence rule: a diverged net did not show "insignificant lower-layer
    # updates" (+∞, against the claim); nor did one whose layers both stopped (0/0)
    rel = stats.count_diverged(rel, st_deep, np.inf).fillna(np.inf)
    small = [
        part(
            stats.condition(activation=a, init=i, depth=dmax),
            over_runs(
                "median log10 of the first layer's update ratio ‖ΔW‖/‖W‖ over the output layer's",
                v,
                math.log10(INSIGNIFICANT),
                "below",
                strict=True,
                unit=" decades",
            ),
            in_scope=a in SIGMOID_SCOPE,
        )
        for (a, i), v in ((key_of(k), v) for k, v in rel.groupby(level=["activation", "init"]))
    ]
    # "occasionally too large": an existence claim, one clear case in scope supports it
    per_step = deep.set_index([*NET, "layer", "step"])["update_ratio"].unstack("layer")
    with np.errstate(divide="ignore", invalid="ignore"):
        step_rel = np.log10(per_step[1] / per_step[per_step.columns.max()])
    step_rel = step_rel[np.isfinite(step_rel)]
    large = [
        part(
            stats.condition(activation=a, init=i, depth=dmax),
            exact(
                "largest log10 of the first layer's update ratio over the output layer's, "
                "over seeds and logged steps",
                float(v.max()),
                math.log10(TOO_LARGE),
                "above",
                strict=True,
                unit=" decades",
            ),
            in_scope=a in SIGMOID_SCOPE,
        )
        for (a, i), v in step_rel.groupby(level=["activation", "init"])
        if len(v)
    ]
    tree = all_of(
        "D2",
        [
            by_form("trend", f"depth {dmax} ends with a higher loss than depth {dmin}", harder),
            by_form("general", "the first layer's updates are mostly insignificant", small),
            by_form("existence", "occasionally the first layer's updates are too large", large),
        ],
    )
    status = end["status"]

    def tally(ps: list[Part], inside: bool, what: str) -> str:
        ps = [p for p in ps if p.in_scope == inside and p.verdict != "not tested"]
        yes = [p.name for p in ps if p.verdict == "supported"]
        nets = "sigmoid nets" if inside else "other activations"
        return (
            f"{num(len(yes))} of {num(len(ps))} ({names(yes, title=f'{what}, {nets}', bare=True)})"
        )

    harder_t, small_t = "Clearly harder to train when deeper", "Clearly insignificant updates"
    large_t = "First-layer update ratio clearly large"
    return result(
        tree,
        measured=f"sigmoid nets (in scope): final loss clearly ≥ {pct(LOSS_REL)} higher at depth "
        f"{dmax} than {dmin} for {tally(harder, True, harder_t)}; first layer's update ratio "
        f"clearly below {num(INSIGNIFICANT)} × the output layer's at depth {dmax} for "
        f"{tally(small, True, small_t)}. "
        f"Other activations (generalisation): harder {tally(harder, False, harder_t)}; "
        f"insignificant updates {tally(small, False, small_t)}. First-layer update ratio at some "
        f"logged step above {num(TOO_LARGE)} × the output layer's: sigmoid "
        f"{tally(large, True, large_t)}, others {tally(large, False, large_t)}. Untestable (no "
        f"training at depth {dmin} either): "
        f"{names(floor, title='Untestable: no training at the shallowest depth either')}",
        expected="deeper sigmoid nets end with a higher loss; their lower layers get tiny updates",
        tolerance=f"per init: median paired loss increase ≥ {pct(LOSS_REL)}; median log10 "
        f"update-ratio first/output < log10 {num(INSIGNIFICANT)}; {CI} bootstrap over seeds; a "
        f"setting that does not train at depth {dmin} (median final/initial loss ≥ {num(TRAINS)}) "
        "cannot show depth's effect and is untestable; sigmoid nets are the scope, the rest "
        "generalisation",
        evidence="The same activation and init trained for the same number of SGD steps at each "
        "depth; per-layer ‖ΔW‖/‖W‖ of the minibatch step taken at every logged step. "
        + diverged_text(status, "networks")
        + " (a diverged deep net counts as harder to train; its update ratio as not small).",
        figures=["training_loss_curves", "training_layer_profile"],
        tables=[STEPS, LAYERS],
        diverged=diverged_of(status),
    )


# ---- E2, E3 -------------------------------------------------------------------------


@check("E2")
def check_e2(r: Results) -> ClaimResult:
    steps = r.table(E2_STEPS)
    keys = ["init", "seed"]
    if "status" not in steps:
        steps = steps.assign(
            status=np.where(np.isfinite(steps["loss"].astype(float)), FINITE, stats.DIVERGED)
        )
    status = stats.run_status(steps, keys)
    first = steps[steps["step"] == steps["step"].min()].set_index(keys)["loss"].astype(float)
    last = steps[steps["step"] == steps["step"].max()].set_index(keys)["loss"].astype(float)
    # a diverged run did not train: its loss ratio is +∞ (stalled for Xavier, not trained
    # for He)
    ratio = (last / first).where(status.reindex(last.index) == FINITE, np.inf)
    ratio = ratio.where(np.isfinite(ratio) | (ratio > 0), np.inf)
    inits = set(ratio.index.get_level_values("init"))
    if not {"xavier", "he"} <= inits:
        return not_tested("E2 needs xavier and he runs", [E2_STEPS])
    rx, rh = ratio.xs("xavier", level="init"), ratio.xs("he", level="init")
    tree = all_of(
        "E2",
        [
            part(
                "Xavier stalls",
                over_runs("median final/initial loss, Xavier", rx, STALL, "above", strict=True),
            ),
            part(
                "He trains",
                over_runs("median final/initial loss, He", rh, TRAINS, "below", strict=True),
            ),
        ],
    )
    depth, n_steps = int(steps["depth"].iloc[0]), int(steps["step"].max())
    lr, width = float(steps["lr"].iloc[0]), int(steps["width"].iloc[0])
    return result(
        tree,
        measured=f"final/initial loss after {num(n_steps)} steps: Xavier median "
        f"{sig(float(rx.median()))} "
        f"({spread(rx)}), He median {sig(float(rh.median()))} ({spread(rh)})",
        expected="Xavier stalls, He trains",
        tolerance=f"stall: median loss ratio > {num(STALL)}; trains: median ratio < "
        f"{num(TRAINS)}; {CI} "
        "bootstrap over seeds",
        evidence=f"ReLU MLPs with {depth} hidden layers of width {width}, SGD lr {sig(lr)}, "
        "Xavier vs He init on the same seeds and minibatches. "
        + diverged_text(status, "networks")
        + " (a diverged run counts as not trained).",
        figures=["training_e2"],
        tables=[E2_STEPS],
        values={"xavier_ratio": float(rx.median()), "he_ratio": float(rh.median())},
        diverged=diverged_of(status),
    )


def _delta_slope(layers: pd.DataFrame) -> pd.Series:
    """Per network and step: least-squares slope of log10 ‖δ‖ per hidden layer travelled
    towards the input (negative = shrinks towards the input); NaN where δ is not finite
    and positive in at least two layers."""
    h = layers[layers["layer"] <= layers["depth"]].copy()
    h["x"] = (h["depth"] - h["layer"]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h["y"] = np.log10(h["delta_norm"].astype(float))
    h = h[np.isfinite(h["y"])]
    g = h.groupby([*NET, "step"])
    n = g["x"].count()
    mx, my = g["x"].mean(), g["y"].mean()
    h = h.join(mx.rename("mx"), on=[*NET, "step"]).join(my.rename("my"), on=[*NET, "step"])
    cov = ((h["x"] - h["mx"]) * (h["y"] - h["my"])).groupby([h[k] for k in [*NET, "step"]]).sum()
    var = ((h["x"] - h["mx"]) ** 2).groupby([h[k] for k in [*NET, "step"]]).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = cov / var
    return slope.where(n >= 2)


def _weight_grad_contrast(snaps: pd.DataFrame) -> str:
    """E3 is about δ (Glorot & Bengio's back-propagated gradients); the weight gradient
    of the same nets at step 0, first over last hidden layer, for contrast."""
    first = snaps[snaps["step"] == 0]
    if first.empty or "grad_norm" not in first:
        return ""
    out = []
    for (init, depth), g in first.groupby(["init", "depth"]):
        w = g.set_index(["seed", "layer"])["grad_norm"].unstack("layer")
        with np.errstate(divide="ignore", invalid="ignore"):
            r = cast(pd.Series, np.log10(w[1] / w[depth]))  # a ufunc keeps the Series
        r = r[np.isfinite(r)]
        if len(r):
            out.append(f"{label(init, 'init')}, depth {depth}: {sig(float(r.median()), 3)}")
    if not out:
        return ""
    return (
        "For contrast, the weight gradient of the same nets: median log10 ‖∂L/∂W₁‖/‖∂L/∂W_L‖ "
        "(first over last hidden layer) at step 0 — " + "; ".join(out) + " decades."
    )


@check("E3")
def check_e3(r: Results) -> ClaimResult:
    layers = _grid(r.table(LAYERS))
    tanh = layers[
        (layers["activation"] == "tanh") & layers["init"].isin(["glorot_standard", "xavier"])
    ]
    if tanh["init"].nunique() < 2:
        return not_tested(
            "tanh with glorot_standard and xavier is not in the training grid", [LAYERS]
        )
    end = _end_state(r)
    status = end["status"][
        (end.index.get_level_values("activation") == "tanh")
        & end.index.get_level_values("init").isin(["glorot_standard", "xavier"])
    ]
    last = int(tanh["step"].max())
    snaps = tanh[tanh["step"].isin([0, last])]
    slopes = _delta_slope(snaps)
    # the status at each snapshot: a net that diverged later was finite at step 0
    step_status = (
        snaps.groupby([*NET, "step"])["status"].first()
        if "status" in snaps
        else pd.Series(FINITE, index=slopes.index)
    )
    conds = []
    for depth in sorted(tanh["depth"].unique()):
        for step in (0, last):

            def cell(init: str, depth: int = depth, step: int = step) -> pd.Series:
                at = ("init", "depth", "step")
                st = step_status.xs((init, depth, step), level=at).droplevel("activation")
                v = slopes.xs((init, depth, step), level=at).droplevel("activation")
                v = v.reindex(st.index)
                # a diverged net's δ is not level and not shrinking: +∞ against both parts
                return v.where((st == FINITE) & v.notna(), np.inf)

            std, xav = cell("glorot_standard"), cell("xavier")
            conds.append(
                all_of(
                    f"depth {depth}, step {step}",
                    [
                        part(
                            "U[±1/√n] shrinks",
                            over_runs(
                                "median slope of log10 ‖δ‖ per layer towards the input, U[±1/√n]",
                                std,
                                -LEVEL_SLOPE,
                                "below",
                                strict=True,
                                unit=" decades/layer",
                            ),
                        ),
                        part(
                            "Xavier is level",
                            over_runs(
                                "median |slope| of log10 ‖δ‖ per layer, Xavier",
                                xav.abs(),
                                LEVEL_SLOPE,
                                "below",
                                strict=True,
                                unit=" decades/layer",
                            ),
                        ),
                    ],
                )
            )
    tree = across("E3", conds)

    def txt(init: str, step: int) -> str:
        return spread(slopes.xs((init, step), level=("init", "step")))

    holds = [c.name for c in conds if c.verdict == "supported"]
    return result(
        tree,
        measured=f"slope of log10 ‖δ‖ per layer towards the input, tanh: U[±1/√n] "
        f"{txt('glorot_standard', 0)} at step 0, {txt('glorot_standard', last)} at step "
        f"{last}; Xavier {txt('xavier', 0)} at step 0, {txt('xavier', last)} at step {last}; "
        f"holds clearly at: {names(holds, title=E3_HOLDS)}",
        expected="standard init: δ shrinks towards the input; Xavier: level",
        tolerance=f"per depth and step: median slope < −{num(LEVEL_SLOPE)} decades/layer "
        "(standard) "
        f"and median |slope| < {num(LEVEL_SLOPE)} (Xavier), {CI} bootstrap over seeds; qualified "
        "where it holds at some depths or times only",
        evidence="tanh nets at each depth with Glorot's 'standard' U[−1/√n, 1/√n] and normalized "
        "(Xavier) init; norm of the back-propagated δ = ∂L/∂z at every hidden layer on the "
        "whole training split, at the first and last logged step. "
        + diverged_text(status, "networks")
        + " (a diverged net counts against both parts).",
        figures=["training_glorot_profile", "which_gradient"],
        note=_weight_grad_contrast(snaps),
        tables=[LAYERS],
        diverged=diverged_of(status),
    )
