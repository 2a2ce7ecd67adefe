"""Checks of the back-propagation study (studies/backprop): the δ-recursion written
by hand against autograd (B13) and tanh's derivative from its output (B8)."""

from __future__ import annotations

from .registry import ClaimResult, Results, check, result
from .stats import exact, listing, sig, spread
from .verdict import all_of, part

COMPARE, NEVER_FIRE, TANH = "backprop.compare", "backprop.never_fire", "backprop.tanh"

# ---- tolerances, fixed before the run ----------------------------------------
# float64 round-off through a few dozen operations is ~1e-15; a wrong formula is off by
# O(1).
ROUNDOFF = 1e-12
ROUNDOFF_REL = 1e-10


@check("B8")
def check_b8_tanh_output(r: Results) -> ClaimResult:
    t = r.json(TANH)
    diff = float(t["max_abs_diff_from_y_vs_autograd"])
    ops_y = int(t["ops_from_output_1_minus_y2"])
    ops_x = int(t["ops_from_input_1_minus_tanh2"])
    tr_y = int(t["ops_transcendental_from_output_1_minus_y2"])
    tr_x = int(t["ops_transcendental_from_input_1_minus_tanh2"])
    tree = all_of(
        "B8",
        [
            part(
                "1 − y² equals the derivative",
                exact(
                    "max |1 − y² − autograd's tanh derivative|",
                    diff,
                    ROUNDOFF,
                    "below",
                    scale="log",
                ),
            ),
            part(
                "it is cheaper than recomputing from x",
                exact(
                    "elementwise operations from y minus from x",
                    ops_y - ops_x,
                    0,
                    "below",
                    strict=True,
                ),
            ),
        ],
    )
    saves = "keeps its output y" if t.get("torch_tanh_saves_result") else "does not keep y"
    return result(
        tree,
        measured=f"max |1 − y² − autograd| = {sig(diff)} over {t['numel']:,} points; "
        f"operations per element: from y {ops_y} ({tr_y} transcendental), recomputing "
        f"1 − tanh²(x) {ops_x} ({tr_x} transcendental), sech²(x) "
        f"{t['ops_from_input_sech2']} ({t['ops_transcendental_from_input_sech2']} "
        "transcendental)",
        expected="identical derivative, computed with fewer operations from the saved output",
        tolerance=f"max abs difference ≤ {ROUNDOFF:g}; cheaper = fewer dispatched elementwise "
        "operations (counted, so the same on every machine)",
        evidence="tanh derivative from the output (1 − y²) compared with autograd's on float64 "
        "points, and the torch operations each way of computing it dispatches, counted.",
        tables=[TANH],
        note=f"PyTorch's own tanh backward node {saves} (it uses 1 − y² itself), which bears "
        "out the 'commonly' for one framework; how common it is elsewhere is not tested.",
        values={"max_abs_diff": diff, "ops_from_y": float(ops_y), "ops_from_x": float(ops_x)},
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
        tolerance=f"relative difference ≤ {ROUNDOFF_REL:g}; exactly 0 gradient and "
        "pre-activation < 0 at every step",
        evidence="The δ-recursion with f′ read off the layer outputs (1 − h² for tanh, [h > 0] "
        "for ReLU) against autograd on digits; ReLU nets with one unit per layer given a very "
        "negative bias, trained with SGD (the other units' gradients show that the net does "
        "train).",
        tables=[COMPARE, NEVER_FIRE],
        note="Written with δ = ∂L/∂h: δ_i = W_{i+1}ᵀ(δ_{i+1} ⊙ f′(s_{i+1})); the claim's "
        "indexing of f′ is off by one layer in some renderings. A unit in a later layer could "
        "in principle be revived by earlier layers (see B2); here none was.",
        values={
            "max_rel_diff": worst,
            "never_fire_grad_max": never_grad,
            "never_fire_pre_max": never_pre,
        },
    )
