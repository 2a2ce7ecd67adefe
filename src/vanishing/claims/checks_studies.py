"""Checks of the small focused studies (results/studies/{xor, underflow, dying,
backprop, sparsity, lr_sweep, leaky_slope, facts}/) and of the probe tables
they lean on: B3, B4, B6, B8, B11, B12, B13, C1, C2, C4, C6, C7, C8, E5."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .registry import ClaimResult, Results, check, sig, spread

# ---- tolerances, fixed before the run ----------------------------------------
# B3: the sign of a zero-mean symmetric pre-activation is a fair coin, so ½ of the
# ReLU outputs are 0; ±0.05 leaves room for the correlations depth builds up.
HALF = 0.5
HALF_TOL = 0.05
# Glorot-style "uniform" inits in the probe grid (U[±1/√n] and the normalised one).
UNIFORM_INITS = ("glorot_standard", "xavier")
# B3: an L1 penalty "raises" sparsity when the zero share grows by at least this
# (an absolute 5 points: far beyond the seed-to-seed sd of ~0.01 seen at λ = 0).
L1_RAISE = 0.05
# B4: softplus "has no exact zeros": float underflow of log1p(exp(x)) needs x < −100.
SOFTPLUS_ZERO_MAX = 1e-6
# B4/C8: a paired difference over seeds is "real" beyond 2 standard errors.
N_SE = 2.0
# B6: two-proportion z beyond 2 (≈ 95 %) counts as a difference in XOR success.
Z_SIG = 2.0
# B6: "solves XOR well" = at least 90 % of seeds succeed in every setting.
ABS_GOOD = 0.9
# B8/B11/B13: float64 round-off through a few dozen operations is ~1e-15; a wrong
# formula is off by O(1).
ROUNDOFF = 1e-12
ROUNDOFF_REL = 1e-10
# B12/C6: the gradient is "healthy" when first/last-layer norms are within 10×.
HEALTHY_DECADES = 1.0
# C1: "imprecise" = last-quarter loss jitter ≥ 3× that of the best rate, or a final
# loss ≥ 10× the best's; "slow" = still ≥ 10× the best final loss at the end.
JITTER_FACTOR = 3.0
LOSS_FACTOR = 10.0
EARLY_FRACTION = 0.1
# C2: underflow "happens" when half the non-zero gradient entries become 0.
UNDERFLOW_MAJORITY = 0.5
# C4: "lie in [−1, 1]" would need essentially all weights inside (99 %); the
# product is "tiny" when the first layer's gradient is < 1/10 of the last's.
ALL_INSIDE = 0.99
TINY_RATIO = 0.1
# E5: born-dead share "grows with depth": Spearman ρ ≥ 0.9 and a rise ≥ 0.3.
RHO_MIN = 0.9
RISE_MIN = 0.3

PROBE_SUMMARY = "probe.summary"
RELU_PROBE = "probe.grid"
XOR = "xor.runs"
UNDERFLOW = "underflow.grads"
ZERO_INIT = "dying.zero_init"
BORN_DEAD = "dying.born_dead"
COMPARE = "backprop.compare"
NEVER_FIRE = "backprop.never_fire"
TANH_JSON = "backprop.tanh"
SPARSITY = "sparsity.runs"
LR_SWEEP = "lr_sweep.curves"
LEAKY = "leaky_slope.runs"
LEAKY_DEFAULTS = "leaky_slope.defaults"
FACTS = "facts.facts"
SIGMOID_2L = "facts.sigmoid"
LINEAR = "facts.linear"


# ---- helpers ------------------------------------------------------------------


def wilson(k: float, n: float, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return mid - half, mid + half


def rate(success: pd.Series) -> str:
    """A share over seeds with its 95 % Wilson interval (the spread of a 0/1 outcome)."""
    k, n = float(success.sum()), float(len(success))
    lo, hi = wilson(k, n)
    return f"{sig(k / n)} [{sig(lo, 2)}, {sig(hi, 2)}] (n = {int(n)})"


def z_two(s1: pd.Series, s2: pd.Series) -> float:
    """Two-proportion z statistic of s1's success share over s2's."""
    n1, n2 = len(s1), len(s2)
    p1, p2 = s1.mean(), s2.mean()
    pool = (s1.sum() + s2.sum()) / (n1 + n2)
    se = math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0
    return float((p1 - p2) / se)


def paired(a: pd.Series, b: pd.Series) -> tuple[float, float]:
    """Mean and standard error of a − b, paired by index (seed)."""
    d = (a - b).dropna()
    se = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else math.nan
    return float(d.mean()), se


def combine(parts: list[bool]) -> str:
    if all(parts):
        return "supported"
    if any(parts):
        return "qualified"
    return "refuted"


def healthy_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Median log10 ‖δ₁‖/‖δ_out‖ (back-propagated error, first hidden layer over the
    output) per activation × init at the deepest depth, and whether it is healthy
    (finite and within HEALTHY_DECADES of 0)."""
    deepest = summary[summary["depth"] == summary["depth"].max()]
    med = deepest.groupby(["activation", "init"])["log10_delta_ratio"].median().rename("median")
    out = med.reset_index()
    out["healthy"] = np.isfinite(out["median"]) & (out["median"].abs() <= HEALTHY_DECADES)
    return out


# ---- checks -------------------------------------------------------------------


@check("B3")
def check_b3_half_zero(r: Results) -> ClaimResult:
    probe = r.table(RELU_PROBE)
    probe = probe[probe["activation"] == "relu"]
    hidden = probe[probe["hidden"].astype(bool)]
    per_net = hidden.groupby(["init", "depth", "seed"])["zero_frac"].mean().reset_index()
    uni = per_net[per_net["init"].isin(UNIFORM_INITS)]
    other = per_net[~per_net["init"].isin(UNIFORM_INITS)]
    half_ok = len(uni) > 0 and abs(uni["zero_frac"].mean() - HALF) <= HALF_TOL
    sp = r.table(SPARSITY)
    relu = sp[(sp["activation"] == "relu") & (sp["phase"] == "final")]
    lam_max = relu["l1"].max()
    base = relu[relu["l1"] == 0].set_index("seed")["zero_frac"]
    pen = relu[relu["l1"] == lam_max].set_index("seed")["zero_frac"]
    rise, rise_se = paired(pen, base)
    raise_ok = lam_max > 0 and rise >= L1_RAISE
    by_init = other.groupby("init")["zero_frac"].mean()
    others = ", ".join(f"{k} {sig(v)}" for k, v in by_init.items())
    return ClaimResult(
        combine([half_ok, raise_ok]),
        measured=(
            f"exact-zero share of ReLU hidden outputs at init, uniform inits "
            f"({', '.join(sorted(uni['init'].unique()))}), all depths: {spread(uni['zero_frac'])}"
            f"; after training, λ = 0: {spread(base)}, λ = {lam_max:g}: {spread(pen)}"
        ),
        expected="≈ 0.5 at init; higher with an L1 activation penalty",
        tolerance=(
            f"|mean − {HALF}| ≤ {HALF_TOL} over uniform-init networks; the penalty raises "
            f"the trained share by ≥ {L1_RAISE}"
        ),
        evidence=(
            "Zero share per hidden layer read from the probe (digits batch, zero biases, every "
            "depth); then ReLU MLPs trained with Adam with and without an L1 penalty on the "
            "hidden activations, zero share on the test split."
        ),
        figures=["study_sparsity"],
        tables=[RELU_PROBE, SPARSITY],
        note=(
            f"Other inits at init: {others}. The ½ comes from symmetric weights and zero "
            "biases, not from the uniform distribution as such; all-zero weights give 1 (every "
            "output exactly 0). Plain training (λ = 0) lowered the share from ≈ 0.5 to "
            f"{sig(float(base.mean()))}, so sparsity is not preserved without the penalty."
        ),
        values={
            "uniform_zero_frac": float(uni["zero_frac"].mean()) if len(uni) else math.nan,
            "trained_zero_frac_l1_0": float(base.mean()),
            "trained_zero_frac_l1_max": float(pen.mean()),
            "l1_rise": rise,
        },
    )


@check("B4")
def check_b4_softplus(r: Results) -> ClaimResult:
    sp = r.table(SPARSITY)
    soft = sp[sp["activation"] == "softplus"]
    relu0 = sp[(sp["activation"] == "relu") & (sp["l1"] == 0)]
    soft0 = soft[soft["l1"] == 0]
    soft_zero = float(soft["zero_frac"].max())
    no_zeros = soft_zero <= SOFTPLUS_ZERO_MAX and float(relu0["zero_frac"].mean()) > 0.1
    acc_r = relu0[relu0["phase"] == "final"].set_index("seed")["test_accuracy"]
    acc_s = soft0[soft0["phase"] == "final"].set_index("seed")["test_accuracy"]
    diff, se = paired(acc_r, acc_s)
    hurts = diff + N_SE * se < 0
    helps = diff - N_SE * se > 0
    verdict = "refuted" if not no_zeros else ("qualified" if hurts else "supported")
    outcome = "better" if helps else ("worse" if hurts else "no different within 2 se")
    return ClaimResult(
        verdict,
        measured=(
            f"largest exact-zero share with softplus: {sig(soft_zero)} (ReLU: "
            f"{spread(relu0['zero_frac'])}); test accuracy ReLU {spread(acc_r)} vs softplus "
            f"{spread(acc_s)}, paired difference {sig(diff)} ± {sig(se, 2)} (se)"
        ),
        expected="softplus: no exact zeros; ReLU trains at least as well",
        tolerance=(
            f"softplus zero share ≤ {SOFTPLUS_ZERO_MAX:g}; ReLU 'hurts' only if its accuracy "
            f"is lower by more than {N_SE:g} standard errors (paired by seed)"
        ),
        evidence=(
            "ReLU and softplus MLPs of the same shape, init and seeds trained on digits with "
            "Adam; exact-zero share of hidden outputs and test accuracy."
        ),
        figures=["study_sparsity"],
        tables=[SPARSITY],
        note=(
            f"Here ReLU's hard zeros made training {outcome} than softplus (one data set, "
            "one depth): the claim that they *help* is a hedge the data neither needs nor shows."
        ),
        values={
            "softplus_zero_frac_max": soft_zero,
            "acc_diff_relu_minus_softplus": diff,
            "acc_diff_se": se,
        },
    )


@check("B6")
def check_b6_xor(r: Results) -> ClaimResult:
    df = r.table(XOR)
    parts, zs, abs_rates = [], [], []
    for (opt, width), g in df.groupby(["optimizer", "width"]):
        relu = g[g["activation"] == "relu"]["success"].astype(float)
        leaky = g[g["activation"] == "leaky_relu"]["success"].astype(float)
        ab = g[g["activation"] == "abs"]["success"].astype(float)
        z = z_two(relu, leaky)
        zs.append(z)
        abs_rates.append(float(ab.mean()))
        parts.append(f"{opt}/width {width}: ReLU {rate(relu)}, leaky {rate(leaky)}, abs {rate(ab)}")
    relu_better = any(z > Z_SIG for z in zs) and not any(z < -Z_SIG for z in zs)
    relu_worse = any(z < -Z_SIG for z in zs) and not any(z > Z_SIG for z in zs)
    abs_ok = min(abs_rates) >= ABS_GOOD
    if relu_better and abs_ok:
        verdict = "supported"
    elif relu_worse and not abs_ok:
        verdict = "refuted"
    else:
        verdict = "qualified"
    best = df.groupby("activation")["success"].mean().sort_values(ascending=False)
    return ClaimResult(
        verdict,
        measured="; ".join(parts),
        expected="ReLU solves XOR more often than leaky ReLU; abs solves it well",
        tolerance=(
            f"ReLU vs leaky: two-proportion |z| > {Z_SIG:g}; abs 'well' = success ≥ "
            f"{ABS_GOOD:g} in every setting"
        ),
        evidence=(
            "Many seeds of a 2-input MLP with one small hidden layer trained full-batch on the "
            "four XOR points (batched ensemble); success = all four points right."
        ),
        figures=["study_xor"],
        tables=[XOR],
        note=(
            "ReLU vs leaky z per setting: "
            + ", ".join(sig(z) for z in zs)
            + (
                ". ReLU was never significantly better than leaky ReLU; abs was the most reliable."
                if not relu_better and best.index[0] == "abs"
                else "."
            )
            + " Overall success ranking: "
            + ", ".join(f"{a} {sig(v)}" for a, v in best.items())
            + "."
        ),
        values={
            "min_abs_success": min(abs_rates),
            "max_z_relu_vs_leaky": max(zs),
            "min_z_relu_vs_leaky": min(zs),
        },
    )


@check("B8")
def check_b8_tanh_output(r: Results) -> ClaimResult:
    t = r.json(TANH_JSON)
    diff = float(t["max_abs_diff_from_y_vs_autograd"])
    equal = diff <= ROUNDOFF
    fy = float(t["time_from_output_1_minus_y2_median_s"])
    fx = float(t["time_from_input_1_minus_tanh2_median_s"])
    cheaper = fy < fx
    verdict = "refuted" if not equal else ("supported" if cheaper else "qualified")
    saves = "saves its output" if t.get("torch_tanh_saves_result") else "does not save its output"
    return ClaimResult(
        verdict,
        measured=(
            f"max |1 − y² − autograd| = {sig(diff)} over {t['numel']:,} points; median time "
            f"from y {sig(fy * 1e3)} ms vs recomputing tanh from x {sig(fx * 1e3)} ms "
            f"(sech² {sig(t['time_from_input_sech2_median_s'] * 1e3)} ms, autograd's fused "
            f"backward {sig(t['time_autograd_tanh_backward_median_s'] * 1e3)} ms; "
            f"{t['repeats']} repeats)"
        ),
        expected="identical derivative, computed more cheaply from the saved output",
        tolerance=f"max abs difference ≤ {ROUNDOFF:g}; cheaper = lower median time",
        evidence=(
            "tanh derivative from the output (1 − y²) compared with autograd's on a million "
            "float64 points, and timed against recomputation from the input."
        ),
        tables=[TANH_JSON],
        note=(
            f"PyTorch's own tanh backward node {saves} (it uses 1 − y² itself). Timings are "
            "from a shared machine: the ordering, not the values, is the result."
        ),
        values={"max_abs_diff": diff, "time_from_y_s": fy, "time_from_x_s": fx},
    )


@check("B11")
def check_b11_linear(r: Results) -> ClaimResult:
    df = r.table(LINEAR)
    worst = float(
        df[["additivity_residual", "homogeneity_residual", "product_residual"]].max().max()
    )
    rank_ok = bool((df["rank"] <= df["min_width"]).all())
    ok = worst <= ROUNDOFF_REL and rank_ok
    return ClaimResult(
        "supported" if ok else "refuted",
        measured=(
            f"largest relative residual (additivity, homogeneity, product of weight matrices) "
            f"{sig(worst)}; rank of the product {sorted(df['rank'].unique().tolist())} with "
            f"narrowest layer {int(df['min_width'].min())}, depths "
            f"{sorted(df['depth'].unique().tolist())}, {df['seed'].nunique()} seeds each"
        ),
        expected="an affine map x ↦ Mx + c with M = W_L⋯W_1, rank ≤ narrowest width",
        tolerance=f"relative residuals ≤ {ROUNDOFF_REL:g}; rank ≤ min width",
        evidence=(
            "Deep nets with the identity activation and random biases, evaluated on Gaussian "
            "inputs in float64 and compared with the product of their weight matrices."
        ),
        tables=[LINEAR],
        note="With biases the map is affine, not linear: f(x) − f(0) is the linear part.",
        values={"max_residual": worst, "max_rank": float(df["rank"].max())},
    )


@check("B12")
def check_b12_zero_init(r: Results) -> ClaimResult:
    z = r.table(ZERO_INIT)
    relu = z[z["activation"] == "relu"]
    stuck = bool((relu["hidden_abs_max"] == 0).all() and (relu["hidden_grad_abs_max"] == 0).all())
    sig_rows = z[z["activation"] == "sigmoid"]
    h = healthy_table(r.table(PROBE_SUMMARY))
    relu_h = h[h["activation"] == "relu"]
    good_inits = relu_h[relu_h["healthy"]]["init"].tolist()
    bad_inits = relu_h[~relu_h["healthy"]]["init"].tolist()
    # with an init that works for ReLU, is some other activation still unhealthy?
    spoilers = h[h["init"].isin(good_inits) & ~h["healthy"]]["activation"].unique().tolist()
    neither_alone = bool(good_inits) and bool(bad_inits) and bool(spoilers)
    verdict = "supported" if stuck and neither_alone else ("qualified" if stuck else "refuted")
    depth = int(r.table(PROBE_SUMMARY)["depth"].max())
    return ClaimResult(
        verdict,
        measured=(
            f"zero-init ReLU over {int(relu['step'].max())} SGD steps: largest hidden output "
            f"{sig(float(relu['hidden_abs_max'].max()))}, largest hidden gradient "
            f"{sig(float(relu['hidden_grad_abs_max'].max()))}; probe at depth {depth}: ReLU "
            f"healthy with {', '.join(good_inits) or 'no init'}, not with "
            f"{', '.join(bad_inits) or 'none'}; with those inits still unhealthy: "
            f"{', '.join(spoilers) or 'none'}"
        ),
        expected=(
            "hidden outputs and gradients stay exactly 0; ReLU needs a matching init and a "
            "good init needs a suitable activation"
        ),
        tolerance=(
            f"exact zeros at every step; 'healthy' = median |log10 ‖δ₁‖/‖δ_out‖| ≤ "
            f"{HEALTHY_DECADES:g} at the deepest probed depth"
        ),
        evidence=(
            "All-zero weights and biases trained with SGD on digits (ReLU, tanh, sigmoid); "
            "the probe grid's gradient ratios at init for every activation × init."
        ),
        figures=["delta_heatmap"],
        tables=[ZERO_INIT, PROBE_SUMMARY],
        note=(
            "Only the hidden units stay at 0: the output bias still learns the class "
            "frequencies, so the network output is a constant, not zero. The cause is "
            "f(0) = 0 with zero weights (tanh behaves identically), not ReLU as such; with "
            "sigmoid (f(0) = ½) the hidden gradient reaches "
            f"{sig(float(sig_rows['hidden_grad_abs_max'].max())) if len(sig_rows) else 'n/a'}"
            " but every unit of a layer stays identical (spread over units and inputs "
            f"{sig(float(sig_rows['hidden_spread'].max())) if len(sig_rows) else 'n/a'})."
        ),
        values={
            "relu_hidden_abs_max": float(relu["hidden_abs_max"].max()),
            "relu_hidden_grad_abs_max": float(relu["hidden_grad_abs_max"].max()),
            "n_good_relu_inits": float(len(good_inits)),
        },
    )


@check("B13")
def check_b13_manual_backprop(r: Results) -> ClaimResult:
    c = r.table(COMPARE)
    worst = float(c["rel_diff"].max())
    match = worst <= ROUNDOFF_REL
    nf = r.table(NEVER_FIRE)
    never_grad = float(nf["unit_grad_abs_max"].max())
    never_pre = float(nf["unit_pre_max"].max())
    others = nf.groupby("seed")["other_units_grad_abs_max"].max()
    silent = never_grad == 0 and never_pre < 0 and bool((others > 0).all())
    return ClaimResult(
        combine([match, silent]),
        measured=(
            f"largest relative difference hand-written vs autograd (weight gradients and δ, "
            f"{', '.join(sorted(c['activation'].unique()))}, depths "
            f"{sorted(c['depth'].unique().tolist())}): {sig(worst)}; never-firing units over "
            f"{int(nf['step'].max())} steps: largest gradient {sig(never_grad)}, largest "
            f"pre-activation {sig(never_pre)}; other units' largest gradient {spread(others)}"
        ),
        expected="identical gradients; a never-firing unit has zero gradient and stays off",
        tolerance=f"relative difference ≤ {ROUNDOFF_REL:g}; exact 0 gradient, pre-activation < 0",
        evidence=(
            "The δ-recursion with f′ read off the layer outputs (1 − h² for tanh, [h > 0] for "
            "ReLU) against autograd on digits; ReLU nets with one unit per layer given a bias "
            "of −100, trained with SGD."
        ),
        tables=[COMPARE, NEVER_FIRE],
        note=(
            "Written with δ = ∂L/∂h: δ_i = W_{i+1}ᵀ(δ_{i+1} ⊙ f′(s_{i+1})); the claim's "
            "indexing of f′ is off by one layer in some renderings. A unit in layer ≥ 2 could "
            "in principle be revived by earlier layers (see B2); with a bias of −100 none was."
        ),
        values={
            "max_rel_diff": worst,
            "never_fire_grad_max": never_grad,
            "never_fire_pre_max": never_pre,
        },
    )


def _lr_metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Per lr: early loss, final loss, last-quarter jitter, divergence (medians over seeds)."""
    steps = np.sort(df["step"].unique())
    early_step = steps[np.searchsorted(steps, EARLY_FRACTION * steps.max())]
    tail = steps[steps >= 0.75 * steps.max()]
    rows = []
    for (lr, seed), g in df.groupby(["lr", "seed"]):
        g = g.set_index("step")["train_loss"]
        t = g.loc[tail].to_numpy(dtype=float)
        finite = np.isfinite(t).all()
        rows.append(
            {
                "lr": lr,
                "seed": seed,
                "early": float(g.loc[early_step]) if finite else math.inf,
                "final": float(np.mean(t)) if finite else math.inf,
                "jitter": float(np.mean(np.abs(np.diff(np.log10(t))))) if finite else math.inf,
                "diverged": not finite,
            }
        )
    m = pd.DataFrame(rows)
    return m.groupby("lr").agg(
        early=("early", "median"),
        final=("final", "median"),
        jitter=("jitter", "median"),
        diverged=("diverged", "mean"),
    )


@check("C1")
def check_c1_lr(r: Results) -> ClaimResult:
    df = r.table(LR_SWEEP)
    m = _lr_metrics(df)
    ok = m[m["diverged"] < 0.5]
    best = float(ok["final"].idxmin())
    fastest = float(ok["early"].idxmin())
    smallest = float(m.index.min())
    slow = m.loc[smallest, "final"] >= LOSS_FACTOR * ok.loc[best, "final"]
    big = ok[ok.index > best]
    imprecise = big[
        (big["jitter"] >= JITTER_FACTOR * ok.loc[best, "jitter"])
        | (big["final"] >= LOSS_FACTOR * ok.loc[best, "final"])
    ]
    diverged = m[m["diverged"] >= 0.5].index.tolist()
    large_part = len(imprecise) > 0 or len(diverged) > 0
    fast_is_large = len(imprecise) > 0 and fastest >= float(imprecise.index.min())
    if slow and large_part and fast_is_large:
        verdict = "supported"
    elif slow or large_part:
        verdict = "qualified"
    else:
        verdict = "refuted"
    fmt = "; ".join(
        f"α={lr:g}: early {sig(row.early)}, final {sig(row.final)}, jitter {sig(row.jitter)}"
        + (f" (non-finite in {row.diverged:.0%} of seeds)" if row.diverged > 0 else "")
        for lr, row in m.iterrows()
    )
    return ClaimResult(
        verdict,
        measured=f"medians over {df['seed'].nunique()} seeds — {fmt}",
        expected="large α: fast but imprecise; small α: slow",
        tolerance=(
            f"slow: smallest α ends ≥ {LOSS_FACTOR:g}× the best final loss; imprecise: "
            f"last-quarter jitter ≥ {JITTER_FACTOR:g}× the best's, final ≥ {LOSS_FACTOR:g}×, "
            f"or divergence; 'fast' = lowest loss at {EARLY_FRACTION:.0%} of training"
        ),
        evidence=(
            "A ReLU/He MLP trained on digits with plain mini-batch SGD at several learning "
            "rates, same seeds and batch order; training loss every few steps."
        ),
        figures=["study_lr_sweep"],
        tables=[LR_SWEEP],
        note=(
            f"Best final loss at α = {best:g}, fastest early progress at α = {fastest:g}; "
            f"rates above the best that were erratic: {imprecise.index.tolist() or 'none'}; "
            f"diverged: {diverged or 'none'}. Larger steps are faster only up to a point; "
            "beyond it they are both slower and noisier, then diverge."
        ),
        values={
            "best_lr": best,
            "fastest_lr": fastest,
            "smallest_final_over_best": float(m.loc[smallest, "final"] / ok.loc[best, "final"]),
        },
    )


@check("C2")
def check_c2_underflow(r: Results) -> ClaimResult:
    df = r.table(UNDERFLOW)
    low = df[df["dtype"] != "float64"]
    mean = low.groupby(["dtype", "init", "depth"])["underflow_frac"].mean().reset_index()
    hit = mean[mean["underflow_frac"] >= UNDERFLOW_MAJORITY]
    first = hit.groupby(["dtype", "init"])["depth"].min()
    ref_zero = float(df[df["dtype"] == "float64"]["underflow_frac"].max())
    ok = len(hit) > 0
    firsts = "; ".join(f"{d}/{i}: from depth {v}" for (d, i), v in first.items()) or "never"
    never = sorted(set(low["dtype"]) - set(hit["dtype"]))
    parts = []
    for dt, g in mean.groupby("dtype"):
        top = g.loc[g["underflow_frac"].idxmax()]
        cell = low[
            (low["dtype"] == dt) & (low["init"] == top["init"]) & (low["depth"] == top["depth"])
        ]
        parts.append(
            f"{dt} {spread(cell['underflow_frac'])} ({top['init']}, depth {int(top['depth'])})"
        )
    worst = "; ".join(parts)
    return ClaimResult(
        "supported" if ok else "refuted",
        measured=(
            f"≥ {UNDERFLOW_MAJORITY:.0%} of the non-zero float64 first-layer gradient entries "
            f"become exactly 0 — {firsts}; largest share per dtype: {worst}"
        ),
        expected="some gradients become exactly 0 in floating point",
        tolerance=f"mean underflow share ≥ {UNDERFLOW_MAJORITY} in some dtype × depth",
        evidence=(
            "Deep sigmoid MLPs, the same weights cast to each dtype, one backward pass on a "
            "digits batch; first-layer gradient entries that are 0 though non-zero in float64."
        ),
        figures=["study_underflow"],
        tables=[UNDERFLOW],
        note=(
            f"Never reached in: {never or 'none'} (within the depths run). float64 itself lost "
            f"{sig(ref_zero)}. float16's smallest subnormal is ≈ 6e-8, which is why "
            "mixed-precision training scales the loss; float32 and bfloat16 reach ≈ 1e-45 and "
            "≈ 9e-41, so they only lose gradients once the float64 values fall below that."
        ),
        values={
            "n_underflow_cells": float(len(hit)),
            "max_underflow_frac": float(mean["underflow_frac"].max()),
        },
    )


@check("C4")
def check_c4_unit_interval(r: Results) -> ClaimResult:
    f = r.json(FACTS)
    inside = float(f["normal_inside_unit_mc"])
    s = r.table(SIGMOID_2L)
    first = s[s["layer"] == 1].set_index("seed")["grad_norm"]
    last = s[s["layer"] == s["layer"].max()].set_index("seed")["grad_norm"]
    ratio = first / last
    deriv = s[s["hidden"].astype(bool)]["sigmoid_deriv_mean"]
    premise = inside >= ALL_INSIDE
    tiny = float(ratio.median()) < TINY_RATIO
    shrinks = float(ratio.median()) < 1
    if premise and tiny:
        verdict = "supported"
    elif shrinks:
        verdict = "qualified"
    else:
        verdict = "refuted"
    return ClaimResult(
        verdict,
        measured=(
            f"N(0,1) samples inside [−1, 1]: {sig(inside, 4)} of {f['normal_n_samples']:,} "
            f"(exact {sig(f['normal_inside_unit_exact'], 4)}); 2-hidden-layer sigmoid net: "
            f"first/last weight-gradient norm {spread(ratio)}, mean σ′ in hidden layers "
            f"{spread(deriv)}"
        ),
        expected="all weights in [−1, 1]; a tiny first-layer gradient",
        tolerance=(
            f"'all' = ≥ {ALL_INSIDE:.0%} inside; 'tiny' = first/last gradient norm < "
            f"{TINY_RATIO:g} (median over seeds)"
        ),
        evidence=(
            "A million N(0,1) draws; a sigmoid MLP with two hidden layers of N(0,1) weights, "
            "one backward pass on a digits batch."
        ),
        tables=[FACTS, SIGMOID_2L],
        note=(
            "The premise is wrong: N(0,1) puts about 31.7 % of its mass outside [−1, 1] and "
            "has no bound at all. With fan-in 64 the large weights saturate the sigmoids "
            "(mean σ′ well below ¼), which shrinks the gradient, but each layer also sums over "
            "its units: in a 2-hidden-layer net the first layer's gradient is (median) "
            f"{sig(float(ratio.median()))}× the last's — smaller, not tiny."
        ),
        values={"inside_frac": inside, "ratio_median": float(ratio.median())},
    )


@check("C6")
def check_c6_tanh_sigmoid(r: Results) -> ClaimResult:
    f = r.json(FACTS)
    err = float(f["tanh_identity_max_abs_error"])
    summary = r.table(PROBE_SUMMARY)
    h = healthy_table(summary)
    piv = h.pivot(index="init", columns="activation", values="median")
    if "tanh" not in piv or "sigmoid" not in piv:
        raise_missing = "the probe grid lacks tanh or sigmoid"
        return ClaimResult("not tested", "—", "—", "—", evidence=raise_missing)
    piv = piv[["sigmoid", "tanh"]].replace([np.inf, -np.inf], np.nan).dropna()
    sig_vanish = piv[piv["sigmoid"] < -HEALTHY_DECADES]
    tanh_too = sig_vanish[sig_vanish["tanh"] < -HEALTHY_DECADES]
    identity = err <= ROUNDOFF
    if not identity or len(sig_vanish) == 0:
        verdict = "refuted" if not identity else "qualified"
    elif len(tanh_too) == len(sig_vanish):
        verdict = "supported"
    elif len(tanh_too) > 0:
        verdict = "qualified"
    else:
        verdict = "refuted"
    depth = int(summary["depth"].max())
    explode = piv[piv["tanh"] > HEALTHY_DECADES].index.tolist()
    cells = "; ".join(
        f"{i}: sigmoid {sig(row.sigmoid)}, tanh {sig(row.tanh)}" for i, row in piv.iterrows()
    )
    return ClaimResult(
        verdict,
        measured=(
            f"max |tanh(x) − (2σ(2x) − 1)| = {sig(err)} ({f['tanh_identity_grid']}); median "
            f"log10 ‖δ₁‖/‖δ_out‖ at depth {depth} — {cells}"
        ),
        expected="the identity holds; tanh nets vanish wherever sigmoid nets do",
        tolerance=(
            f"identity error ≤ {ROUNDOFF:g}; 'vanishes' = median log10 ratio < −{HEALTHY_DECADES:g}"
        ),
        evidence=(
            "The identity on a fine float64 grid; the probe grid's ‖δ₁‖/‖δ_out‖ ratios "
            "of tanh and sigmoid nets at the deepest depth, per init."
        ),
        figures=["delta_heatmap"],
        tables=[FACTS, PROBE_SUMMARY],
        note=(
            "At initialisation: "
            f"tanh vanishes too with {tanh_too.index.tolist() or 'no init'}, but not with "
            f"{sorted(set(sig_vanish.index) - set(tanh_too.index)) or 'any other'} where "
            "sigmoid does: the identity gives tanh′(x) = 4σ′(2x), a peak slope of 1 instead of "
            "¼, so tanh shares the saturation but not the ¼ ceiling. With inits "
            f"{explode or 'none'} tanh's gradient grows towards the input instead (> +"
            f"{HEALTHY_DECADES:g} decade)."
        ),
        values={
            "identity_error": err,
            "n_inits_sigmoid_vanishes": float(len(sig_vanish)),
            "n_inits_tanh_too": float(len(tanh_too)),
        },
    )


@check("C7")
def check_c7_relu_at_zero(r: Results) -> ClaimResult:
    f = r.json(FACTS)
    d0 = float(f["autograd_derivative_at_0_relu"])
    conv = d0 in (0.0, 1.0)
    leaky = r.table(LEAKY)
    relu = leaky[(leaky["slope"] == 0)]
    dead_final = relu[relu["phase"] == "final"]["dead_frac"]
    dead_init = relu[relu["phase"] == "init"]["dead_frac"]
    dies = float(dead_final.mean()) > 0 or float(dead_init.mean()) > 0
    verdict = "supported" if conv and dies else ("qualified" if conv else "refuted")
    return ClaimResult(
        verdict,
        measured=(
            f"autograd's ReLU derivative at exactly 0: {sig(d0)} (torch {f['torch_version']}; "
            f"leaky_relu {sig(f['autograd_derivative_at_0_leaky_relu'])}, abs "
            f"{sig(f['autograd_derivative_at_0_abs'])}); dead ReLU units (never positive on "
            f"the training set) at init {spread(dead_init)}, after SGD {spread(dead_final)}"
        ),
        expected="a conventional value at 0 (0 or 1); some units dead",
        tolerance="derivative at 0 ∈ {0, 1}; dead share > 0",
        evidence=(
            "autograd evaluated at x = 0; dead-unit share of the leaky-slope study's ε = 0 "
            "(plain ReLU) networks before and after training."
        ),
        figures=["study_leaky_slope"],
        tables=[FACTS, LEAKY],
        note=(
            "The derivative at 0 is undefined mathematically; PyTorch returns the subgradient "
            f"{sig(d0)} (and for leaky ReLU its slope). Dead units exist but are few in this "
            "setting, so the 'partial vanishing' is small here."
        ),
        values={"relu_derivative_at_0": d0, "dead_frac_final": float(dead_final.mean())},
    )


@check("C8")
def check_c8_leaky_slope(r: Results) -> ClaimResult:
    d = pd.DataFrame(r.json(LEAKY_DEFAULTS)["defaults"])
    counted = d[d["counted"]]
    share = float(counted["in_0.2_0.3"].mean())
    verdict = "supported" if share > 0.5 else ("refuted" if share == 0 else "qualified")
    runs = r.table(LEAKY)
    final = runs[runs["phase"] == "final"]
    acc = final.pivot(index="seed", columns="slope", values="test_accuracy")
    dead = final.groupby("slope")["dead_frac"].mean()
    parts = []
    for s in acc.columns:
        if s in (0.2, 0.3) and 0.01 in acc.columns:
            diff, se = paired(acc[s], acc[0.01])
            parts.append(f"ε={s:g} − ε=0.01: {sig(diff)} ± {sig(se, 2)}")
    defaults = "; ".join(
        f"{row.framework}: {sig(row.default)} ({row.source})" for row in d.itertuples()
    )
    main = ", ".join(f"{row.framework} {sig(row.default)}" for row in counted.itertuples())
    small = [row.framework for row in counted.itertuples() if row.default < 0.2]
    return ClaimResult(
        verdict,
        measured=(
            f"{int(counted['in_0.2_0.3'].sum())} of {len(counted)} frameworks' main leaky-ReLU "
            f"defaults lie in [0.2, 0.3] ({main}); "
            f"test accuracy by ε: " + ", ".join(f"{s:g}: {spread(acc[s])}" for s in acc.columns)
        ),
        expected="0.2–0.3 is the most common choice",
        tolerance="'most common' = more than half of the major frameworks' defaults",
        evidence=(
            "Defaults read from the installed PyTorch and from the other frameworks' API "
            "references; a depth-8 MLP trained with SGD on digits for each ε."
        ),
        figures=["study_leaky_slope"],
        tables=[LEAKY_DEFAULTS, LEAKY],
        note=(
            f"The defaults split: {', '.join(small) or 'none'} default below 0.2 (0.01 is Maas "
            "et al. 2013's value), so 0.2–0.3 is common in the TensorFlow/Keras world only; "
            "no source for 'most common' is given. Measured paired accuracy differences "
            "(± se): "
            + ("; ".join(parts) or "n/a")
            + ". Dead-unit share after training by ε: "
            + ", ".join(f"{s:g}: {sig(v)}" for s, v in dead.items())
            + f". All defaults: {defaults}."
        ),
        values={"share_in_range": share},
    )


@check("E5")
def check_e5_born_dead(r: Results) -> ClaimResult:
    df = r.table(BORN_DEAD)
    parts, oks = [], []
    for width, g in df.groupby("width"):
        frac = g.groupby("depth")["born_dead"].mean()
        rho = float(pd.Series(frac.index).corr(pd.Series(frac.to_numpy()), method="spearman"))
        rise = float(frac.iloc[-1] - frac.iloc[0])
        ok = rho >= RHO_MIN and rise >= RISE_MIN
        oks.append(ok)
        shallow, deep = frac.index[0], frac.index[-1]
        parts.append(
            f"width {width}: depth {shallow} {rate(g[g['depth'] == shallow]['born_dead'])} → "
            f"depth {deep} {rate(g[g['depth'] == deep]['born_dead'])} (ρ = {sig(rho)})"
        )
    return ClaimResult(
        combine(oks),
        measured="; ".join(parts),
        expected="the born-dead share grows with depth at fixed narrow width",
        tolerance=f"Spearman ρ(depth, share) ≥ {RHO_MIN:g} and a rise ≥ {RISE_MIN:g}, per width",
        evidence=(
            "Many randomly initialised ReLU nets (He init, zero biases) per width × depth on "
            "Gaussian 2-d inputs; born dead = identical output for every input."
        ),
        figures=["study_born_dead"],
        tables=[BORN_DEAD],
        note=(
            "Zero biases make the net positively homogeneous, so a dead net outputs exactly "
            "0 + output bias. Wider layers push the curve to larger depths."
        ),
        values={"n_widths_ok": float(sum(oks))},
    )
