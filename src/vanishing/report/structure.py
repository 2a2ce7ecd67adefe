"""The report's parts and where each claim sits in them.

The results are grouped by theme, not by source: a reader asking "does ReLU die for
good?" finds source B's and C's answers and the literature's next to each other. Every
claim of the catalogue sits in exactly one theme (a test holds the two to each other),
and each theme names the claims whose sentences open its summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..claims.one_line import one_line

__all__ = ["THEMES", "VERDICTS", "Theme", "one_line", "theme_of"]
# The verdicts in the order the report lists them (claims/verdict.py defines them).
VERDICTS = ("supported", "qualified", "refuted", "inconclusive", "not tested")


@dataclass(frozen=True)
class Theme:
    key: str
    title: str
    # What the theme asks, in words (no numbers: those come from the results).
    framing: str
    claims: tuple[str, ...]
    # The claims whose sentences open the theme's summary, in this order.
    key_claims: tuple[str, ...]
    # Figures shown in this theme although their claim sits in another (E6's
    # against-width view belongs with the width results).
    figures: tuple[str, ...] = ()


THEMES: tuple[Theme, ...] = (
    Theme(
        "tanh",
        "tanh(n·x): a reparametrisation, not a cure",
        "Source A asks whether multiplying the input of tanh by a constant n solves the "
        "vanishing gradient. Its answers argue from the derivative's shape: where it exceeds "
        "1, where it falls below 1/n, and what share of inputs a long product can afford "
        "outside the good band.",
        tuple(f"A{i}" for i in range(1, 17)),
        ("A15", "A11"),
    ),
    Theme(
        "relu",
        "ReLU: death, revival and the variants",
        "Sources B and C explain why ReLU helps and where it fails: units that stop firing, "
        "sparsity, the leaky variants and their slopes, and the initialisation each needs.",
        ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B9", "B10", "B12", "C7", "C8", "E5"),
        ("B1", "B9"),
    ),
    Theme(
        "depth",
        "Sigmoid versus ReLU, and depth",
        "Why deep sigmoid networks train badly, how back-propagation multiplies "
        "derivatives layer by layer, and what the initialisation and the activation each "
        "change about it; with the mechanics the sources rely on (the backward formula, "
        "the learning rate, floating point).",
        (
            "C4",
            "C5",
            "C6",
            "C9",
            "C3",
            "C10",
            "D1",
            "D2",
            "D5",
            "E2",
            "E3",
            "B11",
            "B13",
            "B8",
            "C1",
            "C2",
        ),
        ("C4", "C9", "C5"),
    ),
    Theme(
        "tutorial",
        "The tutorial's histograms",
        "Source D shows histograms of each layer's weight gradients in a 4-hidden-layer "
        "sigmoid network at the first step and after training, and draws its conclusions "
        "from their spread.",
        ("D3", "D4", "D6"),
        ("D3", "D4"),
    ),
    Theme(
        "theory",
        "Theory: χ1, the phase diagram and the literature",
        "Mean-field theory predicts the per-layer gain of the squared gradient from the "
        "activation and the weight and bias variances. These claims test its predictions "
        "and the literature results the sources lean on.",
        ("E1", "E6", "E7", "E4", "E8"),
        ("E1", "E6"),
    ),
    Theme(
        "width",
        "Width: what the infinite-width theory cannot see",
        "Mean-field theory is a statement about infinitely wide networks; every grid above "
        "is 64 wide. These claims measure what finite width adds: the fluctuations of the "
        "gradient from one initialisation to the next, the spread of the input-output "
        "Jacobian's singular values, and how the measured order-to-chaos line moves as the "
        "width grows.",
        ("E9", "E10"),
        ("E9", "E10"),
        figures=("phase_width",),
    ),
)


def theme_of() -> dict[str, str]:
    """Claim ID → the key of the theme it sits in."""
    return {cid: t.key for t in THEMES for cid in t.claims}
