"""Checks of the back-propagation study (studies/backprop): the δ-recursion written
by hand against autograd (B13) and tanh's derivative from its output (B8)."""

from __future__ import annotations

import numpy as np

from ..machinery.labels import num
from .registry import ClaimResult, Results, check, result
from .stats import exact, fmt_stat, listing, over_runs, sig, spread
from .verdict import CI, all_of, part

COMPARE, NEVER_FIRE, TANH = "backprop.compare", "backprop.never_fire", "backprop.tanh"
# wall-clock times, declared machine-dependent in the manifest (pipeline.MACHINE_DEPENDENT)
TIMING = "backprop.timing"

# ---- tolerances, fixed before the run ----------------------------------------
# float64 round-off through a few dozen operations is ~1e-15; a wrong formula is off by
# O(1).
ROUNDOFF = 1e-12
ROUNDOFF_REL = 1e-10
# "cheaper": the time from y is below the time from x, i.e. the median of the per-repeat
# paired ratio time(from y) / time(from x) is below 1, with its whole interval.
CHEAPER_RATIO = 1.0


@check("B8")
def check_b8_tanh_output(r: Results) -> ClaimResult:
    t = r.json(TANH)
    tm = r.table(TIMING)
    diff = float(t["max_abs_diff_from_y_vs_autograd"])
    ops_y = int(t["ops_from_output_1_minus_y2"])
    ops_x = int(t["ops_from_input_1_minus_tanh2"])
    tr_y = int(t["ops_transcendental_from_output_1_minus_y2"])
    tr_x = int(t["ops_transcendental_from_input_1_minus_tanh2"])
    # paired by repeat: both sides timed back to back, in alternating order
    ratio = (tm["time_from_y_s"] / tm["time_from_x_s"]).to_numpy(dtype=float)
    cheaper = over_runs(
        "median per-repeat time ratio from y / from x",
        ratio,
        CHEAPER_RATIO,
        "below",
        runs="interleaved repeats",
        scale="log",
        strict=True,
    )
    tree = all_of(
        "B8",
        [
            part(
                "1 − y² equals tanh's derivative",
                exact(
                    "max |1 − y² − autograd's tanh derivative|",
                    diff,
                    ROUNDOFF,
                    "below",
                    scale="log",
                ),
            ),
            part("it is faster to compute than recomputing from x", cheaper),
        ],
    )
    saves = "keeps its output y" if t.get("torch_tanh_saves_result") else "does not keep y"
    med_y, med_x = float(np.median(tm["time_from_y_s"])), float(np.median(tm["time_from_x_s"]))
    numel, dtype = int(tm["numel"].iloc[0]), str(tm["dtype"].iloc[0])
    threads = int(tm["threads"].iloc[0])
    return result(
        tree,
        measured=f"time from y / time from x: {fmt_stat(cheaper)}; median times "
        f"{sig(med_y * 1e3)} ms from y vs {sig(med_x * 1e3)} ms from x ({num(numel)} {dtype} "
        f"points, {threads} thread{'' if threads == 1 else 's'}); max |1 − y² − autograd| = "
        f"{sig(diff)} over {num(t['numel'])} float64 points; operations per element (of "
        f"them transcendental): from y {ops_y} ({tr_y}), recomputing 1 − tanh²(x) {ops_x} "
        f"({tr_x}), sech²(x) {t['ops_from_input_sech2']} "
        f"({t['ops_transcendental_from_input_sech2']})",
        expected="identical derivative, computed in less time from the saved output",
        tolerance=f"max abs difference ≤ {num(ROUNDOFF)}; cheaper = the median of the per-repeat "
        f"time ratio from y / from x < {num(CHEAPER_RATIO)}, its {CI} bootstrap interval over "
        "the repeats wholly below (refuted wholly above)",
        evidence="tanh's derivative from the output (1 − y²) compared with autograd's on "
        "float64 points; then timed against recomputing it from the input (1 − tanh(x)²) on "
        "the same points, in interleaved repeats that alternate which side runs first, "
        "after a warm-up, both sides with the same dtype, the same 1 − t·t kernel and "
        "preallocated outputs, so that the one difference is the recomputed tanh. The "
        "times depend on the machine: their table is declared machine-dependent and is "
        "the one table a rebuild does not reproduce byte for byte.",
        tables=[TANH, TIMING],
        note=f"PyTorch's own tanh backward node {saves} (it uses 1 − y² itself), which bears "
        "out the 'commonly' for one framework; how common it is elsewhere is not tested. The "
        "operation counts say why: computing the derivative from y needs no transcendental "
        "function.",
        values={
            "max_abs_diff": diff,
            "time_ratio": cheaper.value,
            "time_from_y_s": med_y,
            "time_from_x_s": med_x,
            "ops_from_y": float(ops_y),
            "ops_from_x": float(ops_x),
        },
    )


@check("B13")
def check_b13_manual_backprop(r: Results) -> ClaimResult:
    c = r.table(COMPARE)
    worst = float(c["rel_diff"].max())
    nf = r.table(NEVER_FIRE)
    never_grad = float(nf["unit_grad_abs_max"].abs().max())
    never_pre = float(nf["unit_pre_max"].max())
    others = nf.groupby("seed")["other_units_grad_abs_max"].max()
    tree = all_of(
        "B13",
        [
            part(
                "the hand-written δ-recursion equals autograd",
                exact(
                    "largest relative difference hand-written vs autograd",
                    worst,
                    ROUNDOFF_REL,
                    "below",
                    scale="log",
                ),
            ),
            part(
                "a never-firing unit gets zero gradient",
                exact(
                    "largest |gradient| of a never-firing unit, any step", never_grad, 0.0, "below"
                ),
            ),
            part(
                "and never fires",
                exact(
                    "largest pre-activation of that unit, any step",
                    never_pre,
                    0.0,
                    "below",
                    strict=True,
                ),
            ),
        ],
    )
    return result(
        tree,
        measured=f"largest relative difference hand-written vs autograd (weight gradients and δ, "
        f"{', '.join(sorted(c['activation'].unique()))}, depths "
        f"{listing(c['depth'])}): {sig(worst)}; never-firing units over "
        f"{int(nf['step'].max())} steps: largest gradient {sig(never_grad)}, largest "
        f"pre-activation {sig(never_pre)}; other units' largest gradient {spread(others)}",
        expected="identical gradients; a never-firing unit has zero gradient and stays off",
        tolerance=f"relative difference ≤ {num(ROUNDOFF_REL)}; exactly 0 gradient and "
        "pre-activation < 0 at every step",
        evidence="The δ-recursion with f′ read off the layer outputs (1 − h² for tanh, [h > 0] "
        "for ReLU) against autograd on digits; ReLU nets with one unit per layer given a very "
        "negative bias, trained with SGD (the other units' gradients show that the net does "
        "train).",
        tables=[COMPARE, NEVER_FIRE],
        note="Written with δ = ∂L/∂h: δ_i = W_{i+1}ᵀ(δ_{i+1} ⊙ f′(s_{i+1})); the claim's "
        "indexing of f′ is off by one layer in some renderings. A unit in a later layer could "
        "in principle be revived by earlier layers (B2 counts such revivals in the training "
        "grid); none of the units forced off here came back.",
        values={
            "max_rel_diff": worst,
            "never_fire_grad_max": never_grad,
            "never_fire_pre_max": never_pre,
        },
    )
