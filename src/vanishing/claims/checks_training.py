"""Checks of the claims settled by the training runs (studies/training).

Every comparison is made on the median over seeds of one configuration
(activation, init, depth); the spread over seeds is quoted with ``spread``.
Losses are the cross-entropy on the whole training split at the last logged
step; a diverged run (non-finite loss) counts as the worst possible loss.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .registry import ClaimResult, Results, check, sig, spread

# The grid's jobs of the current configuration (results/ may also hold another
# configuration's jobs, e.g. after a quick run; a glob would mix them).
E2 = "training.e2_{}"
GRID_TABLES = ["training.steps", "training.layers", "training.units"]
CONFIG = ["activation", "init", "depth"]
RELU_VARIANTS = ["leaky_relu", "prelu", "elu"]

# ---- tolerances (fixed before the runs; each says why) -----------------------

# Share of configurations a pattern must hold in to be called general ("supported");
# below SOME it is called absent ("refuted"); in between the claim is "qualified".
MOST = 0.8
SOME = 0.2
# A loss is "lower" only when it is at least 10 % lower: seed-to-seed scatter of a
# median of 3 final losses is of that order on digits.
LOSS_REL = 0.10
# A10: the "good" fraction has fallen when it lost 5 points (sampling noise on
# ~10^5 pre-activations per layer is far below that) ...
GOOD_DROP = 0.05
# ... and the gradient has vanished when the first/last weight-gradient ratio fell
# by a decade or more (a factor 10 is what "vanishing" means at the least).
VANISH_DECADES = 1.0
# B1: an autograd ReLU derivative must be exactly 0 or 1: no tolerance at all.
# B1/B2: revivals are "common" above 5 % of the units that were ever dead.
REVIVE_SHARE = 0.05
# B5/B7: ReLU "dies" in a configuration when ≥ 5 % of its hidden units are silent
# on the whole training split at the end; a variant "cannot die" when < 1 % of its
# units receive an exactly-zero gradient row.
DEAD_FRAC = 0.05
STUCK_FRAC = 0.01
# D2: lower layers get "insignificant" updates when their update:weight ratio is
# below a tenth of the output layer's.
INSIGNIFICANT = 0.1
# E2: a net stalls when its loss fell by < 10 % of the start; it trains when the
# loss halved.
STALL = 0.9
TRAINS = 0.5
# E3: back-propagated δ norms are "level" when they change by < 0.05 decades per
# layer (a factor 10 over 20 layers) and "shrink" when they fall faster than that
# towards the input. Mean-field theory puts tanh with Var(W)=1/fan_in at about
# −0.025 decades/layer over 30 layers and U[±1/√n] (Var = 1/(3n)) at about −0.24.
LEVEL_SLOPE = 0.05


# ---- helpers ----------------------------------------------------------------


def _final(df: pd.DataFrame) -> pd.DataFrame:
    """Rows at each run's last logged step."""
    last = df.groupby(CONFIG)["step"].transform("max")
    return df[df["step"] == last]


def _loss(s: pd.Series) -> pd.Series:
    return s.where(np.isfinite(s), np.inf)


def _median_by(df: pd.DataFrame, col: str, keys: list[str]) -> pd.Series:
    return df.groupby(keys)[col].median()


def _final_loss(steps: pd.DataFrame) -> pd.DataFrame:
    f = _final(steps).copy()
    f["loss"] = _loss(f["loss"])
    return f


def _grid(r: Results, kind: str) -> pd.DataFrame:
    return r.table(f"training.{kind}")


def _verdict(share: float) -> str:
    if share >= MOST:
        return "supported"
    if share < SOME:
        return "refuted"
    return "qualified"


def _fmt_configs(keys: list[tuple]) -> str:
    if not keys:
        return "none"
    return ", ".join("/".join(str(k) for k in key) for key in keys)


def _hidden_mean(layers: pd.DataFrame, col: str) -> pd.DataFrame:
    """Per-network mean of a hidden-layer column (one row per network and step)."""
    h = layers[layers["layer"] <= layers["depth"]]
    return h.groupby([*CONFIG, "seed", "step"], as_index=False)[col].mean()


def _ratio_first_last(layers: pd.DataFrame) -> pd.DataFrame:
    """log10(‖∇W1‖/‖∇W_out‖) per network and step."""
    first = layers[layers["layer"] == 1].set_index([*CONFIG, "seed", "step"])["grad_norm"]
    last = layers[layers["layer"] == layers["depth"] + 1].set_index([*CONFIG, "seed", "step"])[
        "grad_norm"
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(first / last)
    return out.rename("log10_ratio").reset_index()


# ---- A10 --------------------------------------------------------------------


@check("A10")
def check_a10(r: Results) -> ClaimResult:
    layers = _grid(r, "layers")
    tanh = layers[layers["activation"].str.match(r"^tanh(_n[\d.]+)?$")]
    good = _hidden_mean(tanh.dropna(subset=["frac_inside_t1"]), "frac_inside_t1")
    if good.empty:
        return ClaimResult(
            "not tested",
            "—",
            "—",
            "—",
            evidence="no tanh(n·x) with n > 1 in this configuration's grid",
        )
    ratio = _ratio_first_last(tanh)
    first, last = good["step"].min(), good["step"].max()

    def change(df: pd.DataFrame, col: str) -> pd.Series:
        piv = df[df["step"].isin([first, last])].pivot_table(
            index=[*CONFIG, "seed"], columns="step", values=col
        )
        return piv[last] - piv[first]

    d_good = change(good, "frac_inside_t1")
    d_ratio = change(ratio, "log10_ratio").reindex(d_good.index)
    per_cfg = pd.DataFrame({"d_good": d_good, "d_ratio": d_ratio}).groupby(CONFIG).median()
    falls = per_cfg["d_good"] < -GOOD_DROP
    vanishes = per_cfg["d_ratio"] < -VANISH_DECADES
    both = falls & vanishes
    share_fall, share_both = float(falls.mean()), float(both.mean())
    # log10 of an exactly-zero first-layer gradient (saturated float32 tanh) is −∞: it
    # counts as vanished above; the spread below shows the finite changes and the count.
    n_zero = int(np.isneginf(d_ratio).sum())
    finite = d_ratio[np.isfinite(d_ratio)]
    verdict = _verdict(share_both)
    # n = 1 for comparison: tanh(x) has no "good" interval, only its gradient ratio.
    d_ratio_n1 = change(ratio[ratio["activation"] == "tanh"], "log10_ratio")
    return ClaimResult(
        verdict,
        measured=(
            f"change of the good fraction (|x| < t1(n)) from step {first} to {last}: "
            f"{spread(d_good)}; it fell by > {GOOD_DROP} in {sig(100 * share_fall)} % of the "
            f"n > 1 configurations, and fell while the gradient vanished in "
            f"{sig(100 * share_both)} % (change of log10 first/last gradient ratio "
            f"{spread(finite)}, plus {n_zero} networks whose first-layer gradient became exactly "
            f"0; tanh(x): {spread(d_ratio_n1[np.isfinite(d_ratio_n1)])})"
        ),
        expected="the good fraction falls during training and the gradient then vanishes",
        tolerance=(
            f"per configuration (median over seeds): good fraction down by > {GOOD_DROP} and "
            f"log10 ratio down by > {VANISH_DECADES}; supported if in ≥ {MOST:.0%} of "
            f"configurations, refuted if < {SOME:.0%}"
        ),
        evidence=(
            "tanh(n·x) nets (n = 2, 3) trained by SGD on digits at every init and depth; at "
            "every logged step the share of hidden pre-activations inside ±t1(n) and the "
            "first/last-layer weight-gradient ratio were measured on the whole training split."
        ),
        figures=["training_tanh_good_fraction"],
        tables=GRID_TABLES[1:2],
        note=(
            f"where the good fraction fell, the gradient vanished alongside in "
            f"{sig(100 * float(both.sum() / max(falls.sum(), 1)))} % of cases; configurations "
            f"where both happened: {_fmt_configs(list(per_cfg.index[both]))}"
        ),
        values={
            "share_fall": share_fall,
            "share_both": share_both,
            "median_d_good": float(d_good.median()),
        },
    )


# ---- B1, B2 -----------------------------------------------------------------


def _relu_units(r: Results, activation: str = "relu") -> pd.DataFrame:
    units = _grid(r, "units")
    return units[units["activation"] == activation]


@check("B1")
def check_b1(r: Results) -> ClaimResult:
    layers = _grid(r, "layers")
    relu = layers[(layers["activation"] == "relu") & (layers["layer"] <= layers["depth"])]
    if relu.empty:
        return ClaimResult("not tested", "—", "—", "—", evidence="no ReLU nets in this grid")
    exact = relu["deriv_exact01_frac"].dropna()
    exact_ok = bool(len(exact)) and float(exact.min()) == 1.0
    # Dead (silent on the monitoring set) ⟹ its incoming weight row gets exactly 0.
    frozen_ok = bool((relu["zero_grad_units"] >= relu["dead_frac"] - 1e-12).all())
    sig_min = layers[(layers["activation"] == "sigmoid") & (layers["layer"] <= layers["depth"])]
    sig_min = sig_min["deriv_min"].dropna()
    dead = _hidden_mean(relu, "dead_frac")
    d0 = dead[dead["step"] == dead.groupby(CONFIG)["step"].transform("min")]
    d1 = dead[dead["step"] == dead.groupby(CONFIG)["step"].transform("max")]
    units = _relu_units(r)
    ever, revived = float(units["ever_dead"].sum()), float(units["revived"].sum())
    share = revived / ever if ever else 0.0
    if not (exact_ok and frozen_ok):
        verdict = "refuted"
    else:
        verdict = "supported" if share < REVIVE_SHARE else "qualified"
    return ClaimResult(
        verdict,
        measured=(
            f"share of ReLU derivatives exactly 0 or 1: min {sig(float(exact.min()))} over "
            f"{len(exact)} layer snapshots (sigmoid's smallest derivative: "
            f"{spread(sig_min)}); silent units with an exactly-zero weight-gradient row: "
            f"{'all' if frozen_ok else 'not all'}; dead fraction of hidden units at start "
            f"{spread(d0['dead_frac'])}, at the end {spread(d1['dead_frac'])}; "
            f"{sig(100 * share)} % of ever-dead units came back"
        ),
        expected="derivative exactly 0/1; a silent unit receives no update and stays dead",
        tolerance=(
            "exactness with no tolerance; 'stays dead' if < "
            f"{REVIVE_SHARE:.0%} of ever-dead units revive (else qualified)"
        ),
        evidence=(
            "ReLU nets trained by SGD on digits; at each logged step, units whose "
            "pre-activation was ≤ 0 on every training example were counted and their "
            "full-batch weight-gradient rows inspected; autograd derivatives at start and end."
        ),
        figures=["training_dead_units"],
        tables=GRID_TABLES,
        note=(
            "a silent unit's own weights do receive exactly zero gradient, but silence is not "
            "necessarily permanent: see B2"
            if verdict == "qualified"
            else ""
        ),
        values={
            "revive_share": share,
            "exact01_min": float(exact.min()) if len(exact) else 0.0,
            "dead_end_mean": float(d1["dead_frac"].mean()),
        },
    )


@check("B2")
def check_b2(r: Results) -> ClaimResult:
    units = _relu_units(r)
    if units.empty:
        return ClaimResult("not tested", "—", "—", "—", evidence="no ReLU nets in this grid")
    ever, revived = float(units["ever_dead"].sum()), float(units["revived"].sum())
    share = revived / ever if ever else 0.0
    per_net = units.groupby([*CONFIG, "seed"])[["ever_dead", "revived"]].sum()
    net_share = (per_net["revived"] / per_net["ever_dead"]).dropna()
    first = units[units["layer"] == 1]
    rev1 = int(first["revived"].sum())
    whole = bool((units["monitor_size"] >= units["monitor_size"].max()).all())
    if revived == 0:
        verdict = "refuted"
    else:
        verdict = "supported" if share >= REVIVE_SHARE else "qualified"
    by_depth = units.groupby("depth")[["ever_dead", "revived"]].sum()
    depth_txt = "; ".join(
        f"depth {d}: {int(row.revived)}/{int(row.ever_dead)}" for d, row in by_depth.iterrows()
    )
    return ClaimResult(
        verdict,
        measured=(
            f"{int(revived)} of {int(ever)} ever-dead ReLU units revived ({sig(100 * share)} %; "
            f"per network {spread(net_share)}); {depth_txt}; first-layer revivals: {rev1}"
        ),
        expected="some dead units come back to life",
        tolerance=(
            f"supported if ≥ {REVIVE_SHARE:.0%} of ever-dead units revive, qualified if some "
            "but fewer, refuted if none"
        ),
        evidence=(
            "per hidden unit of every ReLU net: dead (silent on the monitoring set) at some "
            "logged step and active at a later one counts as a revival."
        ),
        figures=["training_dead_units"],
        tables=GRID_TABLES[2:],
        note=(
            "monitored on the whole training split, a silent unit gets no gradient from any "
            "minibatch, so revivals can only come from earlier layers changing its input; "
            f"consistently, the first layer (fixed input) had {rev1} revivals"
            if whole
            else ""
        ),
        values={
            "revive_share": share,
            "revived": revived,
            "ever_dead": ever,
            "first_layer_revivals": float(rev1),
        },
    )


# ---- B5, B7 -----------------------------------------------------------------


def _end_state(r: Results) -> pd.DataFrame:
    """Per network: final loss, final dead fraction and zero-gradient-unit fraction."""
    steps, layers = _grid(r, "steps"), _grid(r, "layers")
    loss = _final_loss(steps).set_index([*CONFIG, "seed"])["loss"]
    fin = _final(layers)
    dead = _hidden_mean(fin, "dead_frac").set_index([*CONFIG, "seed"])["dead_frac"]
    stuck = _hidden_mean(fin, "zero_grad_units").set_index([*CONFIG, "seed"])["zero_grad_units"]
    return pd.DataFrame({"loss": loss, "dead": dead, "stuck": stuck}).reset_index()


def _per_config(end: pd.DataFrame) -> pd.DataFrame:
    return end.groupby(CONFIG)[["loss", "dead", "stuck"]].median()


def _lower(a: float, b: float) -> bool:
    """a is lower than b by at least LOSS_REL (inf-safe)."""
    return bool(a < b * (1 - LOSS_REL)) if math.isfinite(b) else math.isfinite(a)


@check("B5")
def check_b5(r: Results) -> ClaimResult:
    cfg = _per_config(_end_state(r))
    acts = set(cfg.index.get_level_values("activation"))
    variants = [v for v in RELU_VARIANTS if v in acts]
    if "relu" not in acts or not variants:
        return ClaimResult(
            "not tested",
            "—",
            "—",
            "—",
            evidence="ReLU and a leaky/PReLU/ELU variant are not both in the grid",
        )
    relu = cfg.loc["relu"]
    dying = relu[relu["dead"] >= DEAD_FRAC]
    wins, alive, rows = [], [], []
    for v in variants:
        var = cfg.loc[v]
        for key in dying.index:
            win = _lower(var.loc[key, "loss"], dying.loc[key, "loss"])
            wins.append(win)
            alive.append(var.loc[key, "stuck"] < STUCK_FRAC)
            rows.append((v, *key, win))
    if not wins:
        return ClaimResult(
            "not tested",
            "—",
            "—",
            "—",
            evidence=f"ReLU never had ≥ {DEAD_FRAC:.0%} dead units at the end in this grid",
        )
    share = float(np.mean(wins))
    verdict = _verdict(share) if all(alive) else "refuted"
    won = [row[:-1] for row in rows if row[-1]]
    return ClaimResult(
        verdict,
        measured=(
            f"in the {len(dying)} init/depth settings where ReLU ended with ≥ {DEAD_FRAC:.0%} "
            f"dead units (ReLU dead fraction {spread(dying['dead'])}), a variant's final loss "
            f"was ≥ {LOSS_REL:.0%} lower in {sig(100 * share)} % of {len(wins)} comparisons; "
            f"variants' zero-gradient units: max {sig(float(max(cfg.loc[variants]['stuck'])))}"
        ),
        expected="leaky ReLU, PReLU and ELU keep learning (lower loss, no stuck units)",
        tolerance=(
            f"variant stuck units < {STUCK_FRAC:.0%} and loss ≥ {LOSS_REL:.0%} lower; supported "
            f"if in ≥ {MOST:.0%} of comparisons, refuted if < {SOME:.0%}"
        ),
        evidence=(
            "ReLU vs leaky ReLU (0.01), PReLU and ELU trained with the same inits, depths, "
            "seeds and minibatches; final training loss and the share of hidden units silent "
            "on the whole training split / with an exactly-zero gradient row."
        ),
        figures=["training_dead_units", "training_loss_curves"],
        tables=GRID_TABLES,
        note=f"a variant won in: {_fmt_configs(won)}",
        values={"share_wins": share, "n_dying": float(len(dying))},
    )


@check("B7")
def check_b7(r: Results) -> ClaimResult:
    cfg = _per_config(_end_state(r))
    acts = set(cfg.index.get_level_values("activation"))
    if not {"necro_relu", "relu", "leaky_relu"} <= acts:
        return ClaimResult(
            "not tested",
            "—",
            "—",
            "—",
            evidence="necro_relu, relu and leaky_relu are not all in the grid",
        )
    necro, relu, leaky = cfg.loc["necro_relu"], cfg.loc["relu"], cfg.loc["leaky_relu"]
    keys = list(necro.index)
    wins = [
        key
        for key in keys
        if _lower(necro.loc[key, "loss"], min(relu.loc[key, "loss"], leaky.loc[key, "loss"]))
    ]
    share = len(wins) / len(keys)
    stuck_max = float(necro["stuck"].max())
    cannot_die = stuck_max < STUCK_FRAC
    if not wins:
        verdict = "refuted"
    elif cannot_die and share >= 0.5:
        verdict = "supported"
    else:
        verdict = "qualified"
    units = _grid(r, "units")
    rev = units.groupby("activation")[["revived", "ever_dead"]].sum()
    rev_share = {
        a: float(rev.loc[a, "revived"] / max(rev.loc[a, "ever_dead"], 1))
        for a in ("necro_relu", "relu")
        if a in rev.index
    }
    return ClaimResult(
        verdict,
        measured=(
            f"NecroReLU's share of units with an exactly-zero gradient row: max "
            f"{sig(stuck_max)} (forward-silent units at the end: {spread(necro['dead'])}); "
            f"its final loss was ≥ {LOSS_REL:.0%} below both ReLU's and leaky ReLU's in "
            f"{len(wins)} of {len(keys)} init/depth settings; revived share of ever-dead units "
            f"{sig(100 * rev_share.get('necro_relu', math.nan))} % vs ReLU "
            f"{sig(100 * rev_share.get('relu', math.nan))} %"
        ),
        expected="NecroReLU never gets stuck and sometimes has the lowest loss",
        tolerance=(
            f"stuck < {STUCK_FRAC:.0%}; 'beats' = loss ≥ {LOSS_REL:.0%} below both; supported "
            "if it beats them in ≥ half of the settings, qualified if in fewer, refuted if never"
        ),
        evidence=(
            "NecroReLU (ReLU forward, slope 0.1 backward for x < 0) vs ReLU and leaky ReLU, "
            "same inits, depths, seeds and minibatches; final training loss (median of seeds)."
        ),
        figures=["training_dead_units", "training_loss_curves"],
        tables=GRID_TABLES,
        note=(
            f"NecroReLU beat both in: {_fmt_configs(wins)}. Its units can still be silent in "
            "the forward pass; the 0.1 backward slope keeps their weights moving."
        ),
        values={"share_wins": share, "stuck_max": stuck_max},
    )


# ---- B9 ---------------------------------------------------------------------


def _best_init(cfg_loss: pd.Series) -> dict[tuple, str | None]:
    """Per (activation, depth): the init with the lowest median loss, or None when it
    does not beat the runner-up by LOSS_REL (no clear winner, e.g. all stall)."""
    out = {}
    for (act, depth), grp in cfg_loss.groupby(["activation", "depth"]):
        s = grp.droplevel(["activation", "depth"]).sort_values()
        if len(s) < 2:
            out[(act, depth)] = None
            continue
        out[(act, depth)] = s.index[0] if _lower(s.iloc[0], s.iloc[1]) else None
    return out


@check("B9")
def check_b9(r: Results) -> ClaimResult:
    end = _end_state(r)
    cfg_loss = end.groupby(CONFIG)["loss"].median()
    best = _best_init(cfg_loss)
    by_depth: dict[int, dict[str, str]] = {}
    for (act, depth), init in best.items():
        if init is not None:
            by_depth.setdefault(depth, {})[act] = init
    interaction = [d for d, m in by_depth.items() if len(set(m.values())) > 1]
    leaky_differs = [
        d
        for d, m in by_depth.items()
        if "relu" in m and "leaky_relu" in m and m["relu"] != m["leaky_relu"]
    ]
    leaky_compared = [d for d, m in by_depth.items() if "relu" in m and "leaky_relu" in m]
    layers = _grid(r, "layers")
    # The slope of log ‖δ‖ per layer, not the first/last weight-gradient ratio: in a
    # net whose forward signal has died both ends are tiny and their ratio looks level.
    slopes = _delta_slope(layers[layers["step"] == 0])
    flat = slopes.groupby(CONFIG)["slope"].median().abs()
    dmax = int(flat.index.get_level_values("depth").max())
    deepest = flat.xs(dmax, level="depth")
    level_init = deepest.groupby("activation").idxmin().map(lambda k: k[1])
    if not interaction:
        verdict = "refuted"
    elif leaky_compared and len(leaky_differs) * 2 > len(leaky_compared):
        verdict = "supported"
    else:
        verdict = "qualified"
    best_txt = "; ".join(
        f"depth {d}: " + ", ".join(f"{a}→{i}" for a, i in sorted(m.items()))
        for d, m in sorted(by_depth.items())
    )
    return ClaimResult(
        verdict,
        measured=(
            f"lowest-loss init per activation (clear winners only): {best_txt}. Init with the "
            f"most level back-propagated gradient (‖δ‖ per layer) at depth {dmax}: "
            + ", ".join(f"{a}→{i}" for a, i in level_init.items())
        ),
        expected="the best init depends on the activation, e.g. leaky ReLU differs from ReLU",
        tolerance=(
            f"a winner must beat the runner-up by ≥ {LOSS_REL:.0%} in median final loss; "
            "interaction = different winners at one depth; supported if leaky ReLU's winner "
            "differs from ReLU's at most depths, qualified if only the general interaction holds"
        ),
        evidence=(
            "every activation trained from three inits (Glorot's U[±1/√n], Xavier, He) at each "
            "depth; per activation the init with the lowest final loss, and the init whose "
            "step-0 back-propagated gradient is most level across layers."
        ),
        figures=["training_loss_curves"],
        tables=GRID_TABLES[:2],
        note=(
            "leaky ReLU with slope 0.01 has He gain √(2/(1+0.01²)), 0.005 % below ReLU's: "
            "it needs no different init"
            if verdict == "qualified" and leaky_compared
            else ""
        ),
        values={
            "depths_with_interaction": float(len(interaction)),
            "leaky_differs": float(len(leaky_differs)),
        },
    )


# ---- C5, D2 -----------------------------------------------------------------


def _layer_medians(layers: pd.DataFrame) -> pd.DataFrame:
    """Per configuration and layer: RMS gradient per weight (median over logged steps and
    seeds) and final relative change from init (median over seeds)."""
    df = layers.copy()
    df["grad_rms"] = df["grad_norm"] / np.sqrt(df["numel"])
    g = df.groupby([*CONFIG, "seed", "layer"])["grad_rms"].median()
    g = g.groupby([*CONFIG, "layer"]).median()
    fin = _final(df).groupby([*CONFIG, "layer"])["rel_change"].median()
    return pd.DataFrame({"grad_rms": g, "rel_change": fin})


@check("C5")
def check_c5(r: Results) -> ClaimResult:
    med = _layer_medians(_grid(r, "layers"))
    holds = {}
    for key, grp in med.groupby(CONFIG):
        grp = grp.droplevel(CONFIG)
        g, c = grp["grad_rms"].dropna(), grp["rel_change"].dropna()
        # A diverged run (NaN) has no smallest layer: the claim does not hold there.
        holds[key] = bool(len(g) == len(grp) and len(c) == len(grp)) and bool(
            g.idxmin() == 1 and c.idxmin() == 1
        )
    s = pd.Series(holds)
    s.index.names = CONFIG
    share = float(s.mean())
    by_pair = s.groupby(["activation", "init"]).all()
    pairs = [k for k, v in by_pair.items() if v]
    verdict = _verdict(share)
    # Source C makes the claim for sigmoid networks: if it holds at every depth for
    # some activation/init pairs, it is true under conditions, not false.
    if verdict == "refuted" and pairs:
        verdict = "qualified"
    return ClaimResult(
        verdict,
        measured=(
            f"layer 1 had both the smallest per-weight gradient and the smallest relative "
            f"change in {int(s.sum())} of {len(s)} configurations ({sig(100 * share)} %)"
        ),
        expected="the first layer gets the smallest gradient and changes least",
        tolerance=f"supported if in ≥ {MOST:.0%} of configurations, refuted if < {SOME:.0%}",
        evidence=(
            "per weight layer: RMS gradient per weight (median over logged steps and seeds) and "
            "‖W_T − W_0‖/‖W_0‖ at the end, compared across the layers of each configuration."
        ),
        figures=["training_layer_profile"],
        tables=GRID_TABLES[1:2],
        note=f"holds at every depth for (activation/init): {_fmt_configs(pairs)}",
        values={"share": share},
    )


@check("D2")
def check_d2(r: Results) -> ClaimResult:
    end = _end_state(r)
    cfg_loss = end.groupby(CONFIG)["loss"].median()
    harder, ok_pairs, bad_pairs = [], [], []
    for (act, init), grp in cfg_loss.groupby(["activation", "init"]):
        s = grp.droplevel(["activation", "init"])
        if len(s) < 2:
            continue
        h = _lower(s.loc[s.index.min()], s.loc[s.index.max()])
        harder.append(h)
        (ok_pairs if h else bad_pairs).append((act, init))
    if not harder:
        return ClaimResult("not tested", "—", "—", "—", evidence="only one depth in the grid")
    share = float(np.mean(harder))
    layers = _grid(r, "layers")
    deep = layers[(layers["depth"] == layers["depth"].max()) & (layers["step"] > 0)]
    upd = deep.groupby([*CONFIG, "layer"])["update_ratio"].median()
    small = []
    for _key, grp in upd.groupby(CONFIG):
        grp = grp.droplevel(CONFIG)
        small.append(bool(grp.loc[1] < INSIGNIFICANT * grp.loc[grp.index.max()]))
    share_small = float(np.mean(small)) if small else math.nan
    verdict = _verdict(share)
    if verdict == "supported" and not share_small >= 0.5:
        verdict = "qualified"
    dmin, dmax = int(end["depth"].min()), int(end["depth"].max())
    return ClaimResult(
        verdict,
        measured=(
            f"final loss at depth {dmax} ≥ {LOSS_REL:.0%} above depth {dmin} for "
            f"{len(ok_pairs)} of {len(harder)} activation/init pairs ({sig(100 * share)} %); at "
            f"depth {dmax} the first layer's update:weight ratio was < {INSIGNIFICANT} × the "
            f"output layer's in {sig(100 * share_small)} % of configurations"
        ),
        expected="deeper nets end with a higher loss; lower layers get tiny updates",
        tolerance=(
            f"loss higher by ≥ {LOSS_REL:.0%}; supported if in ≥ {MOST:.0%} of pairs (and the "
            "first layer's updates are insignificant in at least half), refuted if < "
            f"{SOME:.0%}"
        ),
        evidence=(
            "the same activation/init trained for the same number of SGD steps at each depth; "
            "per-layer ‖ΔW‖/‖W‖ of the minibatch step taken at every logged step."
        ),
        figures=["training_loss_curves", "training_layer_profile"],
        tables=GRID_TABLES[:2],
        note=f"not harder at depth {dmax} for: {_fmt_configs(bad_pairs)}",
        values={"share_harder": share, "share_small_updates": share_small},
    )


# ---- E2, E3 -----------------------------------------------------------------


@check("E2")
def check_e2(r: Results) -> ClaimResult:
    steps = r.table(E2.format("steps"))
    steps = steps.assign(loss=_loss(steps["loss"]))
    first = steps[steps["step"] == steps["step"].min()].set_index(["init", "seed"])["loss"]
    last = steps[steps["step"] == steps["step"].max()].set_index(["init", "seed"])["loss"]
    rel = (last / first).groupby("init").median()
    if not {"xavier", "he"} <= set(rel.index):
        return ClaimResult("not tested", "—", "—", "—", evidence="E2 needs xavier and he runs")
    x_stalls, he_trains = rel["xavier"] > STALL, rel["he"] < TRAINS
    if x_stalls and he_trains:
        verdict = "supported"
    elif rel["xavier"] < TRAINS or rel["he"] > STALL:
        verdict = "refuted"
    else:
        verdict = "qualified"
    # Diverged runs count as infinite loss for the verdict; the spreads show finite ones.
    fin = last.replace(np.inf, np.nan)
    ratio_x, ratio_h = fin["xavier"] / first["xavier"], fin["he"] / first["he"]
    depth, n_steps = int(steps["depth"].iloc[0]), int(steps["step"].max())
    lr, width = float(steps["lr"].iloc[0]), int(steps["width"].iloc[0])
    return ClaimResult(
        verdict,
        measured=(
            f"final/initial loss after {n_steps} steps: Xavier {spread(ratio_x)}, "
            f"He {spread(ratio_h)}; final loss Xavier "
            f"{spread(fin['xavier'])}, He {spread(fin['he'])}"
        ),
        expected="Xavier stalls, He trains",
        tolerance=f"stall: loss ratio > {STALL}; trains: ratio < {TRAINS} (medians over seeds)",
        evidence=(
            f"ReLU MLPs with {depth} hidden layers of width {width}, SGD lr {sig(lr)}, batch of "
            "32 digits, Xavier vs He init on the same seeds and minibatches."
        ),
        figures=["training_e2"],
        tables=["training.e2_steps"],
        values={"xavier_ratio": float(rel["xavier"]), "he_ratio": float(rel["he"])},
    )


def _delta_slope(layers: pd.DataFrame) -> pd.DataFrame:
    """Per network and step: LS slope of log10 ‖δ‖ per hidden layer travelled towards
    the input (negative = the back-propagated gradient shrinks towards the input)."""
    h = layers[(layers["layer"] <= layers["depth"]) & (layers["delta_norm"] > 0)].copy()
    h["towards_input"] = h["depth"] - h["layer"]
    h["log_delta"] = np.log10(h["delta_norm"])
    rows = []
    for key, grp in h.groupby([*CONFIG, "seed", "step"]):
        if len(grp) < 2:
            continue
        slope = np.polyfit(grp["towards_input"], grp["log_delta"], 1)[0]
        rows.append((*key, slope))
    return pd.DataFrame(rows, columns=[*CONFIG, "seed", "step", "slope"])


@check("E3")
def check_e3(r: Results) -> ClaimResult:
    layers = _grid(r, "layers")
    tanh = layers[
        (layers["activation"] == "tanh") & layers["init"].isin(["glorot_standard", "xavier"])
    ]
    if tanh["init"].nunique() < 2:
        return ClaimResult(
            "not tested",
            "—",
            "—",
            "—",
            evidence="tanh with glorot_standard and xavier not in the grid",
        )
    last = tanh["step"].max()
    tanh = tanh[tanh["step"].isin([0, last])]
    slopes = _delta_slope(tanh)
    med = slopes.groupby([*CONFIG, "step"])["slope"].median()

    def ok_depths(step: int) -> list[int]:
        s = med.xs(step, level="step")
        std = s.xs("glorot_standard", level="init").droplevel("activation")
        xav = s.xs("xavier", level="init").droplevel("activation")
        good = (std < -LEVEL_SLOPE) & (xav.abs() < LEVEL_SLOPE)
        return [int(d) for d in good.index[good]]

    depths = sorted(int(d) for d in med.index.get_level_values("depth").unique())
    at0, at_end = ok_depths(0), ok_depths(last)
    if at0 == depths and at_end == depths:
        verdict = "supported"
    elif at0:
        verdict = "qualified"
    else:
        verdict = "refuted"

    def txt(init: str, step: int) -> str:
        s = slopes[(slopes["init"] == init) & (slopes["step"] == step)]
        return spread(s["slope"])

    return ClaimResult(
        verdict,
        measured=(
            f"slope of log10 ‖δ‖ per layer towards the input, tanh: U[±1/√n] "
            f"{txt('glorot_standard', 0)} at step 0, {txt('glorot_standard', last)} at step "
            f"{last}; Xavier {txt('xavier', 0)} at step 0, {txt('xavier', last)} at step {last}"
        ),
        expected="standard init: δ shrinks towards the input; Xavier: level",
        tolerance=(
            f"shrinks: slope < −{LEVEL_SLOPE} decades/layer; level: |slope| < {LEVEL_SLOPE}; "
            "per depth (median over seeds); supported if at every depth at step 0 and at the "
            "end, qualified if at some depths or times only, refuted if at no depth at step 0"
        ),
        evidence=(
            "tanh nets at each depth with Glorot's 'standard' U[−1/√n, 1/√n] and normalized "
            "(Xavier) init; norm of the back-propagated δ = ∂L/∂z at every hidden layer on the "
            "whole training split, at the first and last logged step."
        ),
        figures=["training_glorot_profile"],
        tables=GRID_TABLES[1:2],
        note=(
            f"holds at step 0 for depths {at0 or 'none'} and at step {last} for depths "
            f"{at_end or 'none'} of {depths}"
        ),
        values={"step0_depths_ok": float(len(at0)), "end_depths_ok": float(len(at_end))},
    )
