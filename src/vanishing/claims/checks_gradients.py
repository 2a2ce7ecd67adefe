"""Which gradient vanishes (E7): the back-propagated error against the weight gradient.

The weight gradient of layer l is ∂L/∂W_l = Σ_samples δ_l·h_{l−1}ᵀ. When the forward
signal h shrinks layer by layer by the factor by which δ grows back towards the input
(exactly so for a homogeneous activation such as ReLU or the identity, nearly so for
tanh at small pre-activations), ‖∂L/∂W_l‖ stays level while ‖δ_l‖ falls by decades.
Glorot & Bengio (2010) report this for tanh nets under their "standard" init
U[±1/√fan_in] and their normalised (Xavier) init.

Tested on the probe grid at initialisation (float64) at its deepest depth, per network:
log10 ‖δ₁‖/‖δ_L‖ and log10 ‖∂L/∂W₁‖/‖∂L/∂W_L‖, layer 1 the first hidden layer and L the
last hidden one (the output layer has another shape, so its norms differ by the shape
alone). Intervals are bootstraps over seeds. A network whose probe overflowed counts as
exploded (+∞), never dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..machinery.labels import label, num
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import FINITE, diverged_of, diverged_text, fmt_stat, over_runs, sig
from .verdict import CI, all_of, by_form, part, untested

# ---- tolerances, fixed before the run ----------------------------------------
# "Roughly the same across layers": the first and last hidden layers' weight gradients
# within half a decade (a factor of about 3) of each other. Generous for "roughly the
# same", yet half the ±1 decade the probe checks call level (checks_probe.LEVEL_DECADES)
# and small beside the decades by which δ falls where it vanishes.
LEVEL_DECADES = 0.5
# "δ shrinks towards the input": the median first/last ratio more than a decade below 1,
# the line the other depth checks call vanishing (C6, B12).
SHRINK_DECADES = -1.0
# Glorot & Bengio's activation and their two inits: what the verdict is decided on.
ACTIVATION = "tanh"
INITS = ("glorot_standard", "xavier")
# The same statistics for other activations, reported as generalisation, not tested.
OTHERS: tuple[tuple[str, str], ...] = (
    ("relu", "glorot_standard"),
    ("relu", "xavier"),
    ("relu", "he"),
    ("sigmoid", "glorot_standard"),
    ("sigmoid", "xavier"),
    ("linear", "glorot_standard"),
    ("linear", "xavier"),
)

LAYERS = "probe.layers"
DELTA_NAME = "log10 ‖δ₁‖/‖δ_L‖"
WGRAD_NAME = "log10 ‖∂L/∂W₁‖/‖∂L/∂W_L‖"
FIGURES = ["which_gradient"]


def ratios(layers: pd.DataFrame, activation: str, init: str, depth: int) -> pd.DataFrame:
    """Per seed (the index) of one setting at ``depth``: ``delta`` = log10 ‖δ₁‖/‖δ_L‖,
    ``wgrad`` = log10 ‖∂L/∂W₁‖/‖∂L/∂W_L‖ (L = depth, the last hidden layer) and the
    network's ``status``; both ratios +∞ where the probe overflowed."""
    d = layers[
        (layers["activation"] == activation) & (layers["init"] == init) & (layers["depth"] == depth)
    ]
    first = d[d["layer"] == 1].set_index("seed")
    last = d[d["layer"] == depth].set_index("seed")
    first, last = first.align(last, join="inner", axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "delta": np.log10(
                    first["delta_norm"].astype(float) / last["delta_norm"].astype(float)
                ),
                "wgrad": np.log10(
                    first["grad_norm"].astype(float) / last["grad_norm"].astype(float)
                ),
            }
        )
    status = first["status"] if "status" in first else pd.Series(FINITE, index=first.index)
    bad = (status != FINITE).to_numpy()
    out.loc[bad, ["delta", "wgrad"]] = np.inf
    out["status"] = status
    return out.sort_index()


def _median(v: pd.Series) -> float:
    v = v.dropna().astype(float)
    return float(np.median(v)) if len(v) else float("nan")


def _setting(activation: str, init: str) -> str:
    return f"{label(activation, 'activation')}, {label(init, 'init')}"


def _key(activation: str, init: str) -> str:
    return f"{activation}_{init}"


@check("E7")
def check_e7_which_gradient(r: Results) -> ClaimResult:
    layers = r.table(LAYERS)
    depth = int(layers["depth"].max())
    if depth < 2:
        return not_tested(
            "the deepest probed network has one hidden layer: no first and last layer",
            [LAYERS],
        )
    grid = set(zip(layers["activation"], layers["init"], strict=True))
    if not any((ACTIVATION, i) in grid for i in INITS):
        return not_tested(
            f"tanh is not in this probe grid with {label(INITS[0], 'init')} or "
            f"{label(INITS[1], 'init')}",
            [LAYERS],
        )
    conds, lines, values, status = [], [], {}, []
    kinds: set[str] = set()  # the kinds of interval, said once after the lines
    for init in INITS:
        name = _setting(ACTIVATION, init)
        if (ACTIVATION, init) not in grid:
            conds.append(untested(name, f"{name} is not in this probe grid"))
            continue
        t = ratios(layers, ACTIVATION, init, depth)
        status.append(
            t["status"].set_axis(
                pd.MultiIndex.from_tuples(
                    [(ACTIVATION, init, s) for s in t.index], names=["activation", "init", "seed"]
                )
            )
        )
        shrink = over_runs(
            f"median over seeds of {DELTA_NAME}, {name}",
            t["delta"],
            SHRINK_DECADES,
            "below",
            strict=True,
            unit=" decades",
        )
        level = over_runs(
            f"median over seeds of |{WGRAD_NAME}|, {name}",
            t["wgrad"].abs(),
            LEVEL_DECADES,
            "below",
            unit=" decades",
        )
        conds.append(
            all_of(
                name,
                [
                    part("δ shrinks towards the input", shrink),
                    part("the weight gradients stay roughly level across layers", level),
                ],
            )
        )
        lines.append(
            f"{name}: {DELTA_NAME} {fmt_stat(shrink, kind=False)}, "
            f"|{WGRAD_NAME}| {fmt_stat(level, kind=False)}"
        )
        kinds.add(shrink.interval)
        kinds.add(level.interval)
        values[f"delta_{_key(ACTIVATION, init)}"] = _median(t["delta"])
        values[f"wgrad_{_key(ACTIVATION, init)}"] = _median(t["wgrad"])
    # "can": the spec reads E7 as an existence claim (δ can shrink while the weight
    # gradients stay level); one init where both clearly hold supports it
    tree = by_form("existence", "E7", conds)
    others = []
    for act, init in OTHERS:
        if (act, init) not in grid:
            continue
        t = ratios(layers, act, init, depth)
        dm, wm = _median(t["delta"]), _median(t["wgrad"])
        values[f"delta_{_key(act, init)}"] = dm
        values[f"wgrad_{_key(act, init)}"] = wm
        others.append(f"{_setting(act, init)} δ {sig(dm, 3)}, ∂L/∂W {sig(wm, 2)}")
    seeds = sorted(set(layers.loc[layers["activation"] == ACTIVATION, "seed"]))
    values["depth"] = float(depth)
    values["n_seeds"] = float(len(seeds))
    st = pd.concat(status) if status else pd.Series(dtype=str)
    return result(
        tree,
        measured=f"at depth {depth}, {num(len(seeds))} seeds: "
        + "; ".join(lines)
        + f" ({'; '.join(sorted(kinds))})"
        + ". The same medians (decades) for other activations, not part of the verdict: "
        + ("; ".join(others) if others else "none in this grid"),
        expected="under some init, ‖δ‖ more than a decade smaller at the first hidden layer "
        "than at the last while the weight "
        f"gradients of the two within a factor of {num(10**LEVEL_DECADES, 2)} of each other",
        tolerance=f"per init, median over seeds of {DELTA_NAME} < {num(SHRINK_DECADES)} decade and "
        f"of |{WGRAD_NAME}| ≤ {num(LEVEL_DECADES)} decade ({CI} bootstrap intervals over seeds); "
        "an existence claim ('can'): one init where both clearly hold supports it, an init "
        "where they do not never refutes it",
        evidence=f"The probe grid at initialisation (float64, one fixed batch of digits), "
        f"tanh nets of depth {depth} under {label(INITS[0], 'init')} and "
        f"{label(INITS[1], 'init')}: the back-propagated error and the weight gradient of "
        "the first hidden layer over those of the last, per seed. "
        + (diverged_text(st, "networks") + "." if len(st) else ""),
        figures=FIGURES,
        tables=[LAYERS],
        note="The claim is about the variance of the weight gradients; where the first "
        "weight matrix has the shape of the last (a width equal to the number of input "
        "features, as in the default grid) the ratio of the two Frobenius norms is the "
        "ratio of their root-mean-square entries. "
        "A level weight gradient does not mean a level δ: for ReLU and the identity "
        "the forward signal h shrinks by the factor δ grows, so ∂L/∂W = Σ δ·hᵀ stays level "
        "while δ falls by decades under a shrinking init, which is why each depth claim "
        "states which quantity its source means. Sigmoid's activations do not shrink (they "
        "sit near one half), so there the weight gradient vanishes with δ.",
        values=values,
        diverged=diverged_of(st) if len(st) else None,
    )
