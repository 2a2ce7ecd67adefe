"""The parameters of ``vanishing.studies.products``, products of K activation derivatives at
Gaussian pre-activations (A1, A3, A7-A9, A11, A13, B10, C10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import Grid, QuadPoints, Seeds, Spec

# Scales n of tanh(n·x) and s of x ~ N(0, s²); K of a product of K derivatives.
PosScale = Annotated[float, Spec(gt=0, le=100)]
NAbove1 = Annotated[float, Spec(gt=1, le=100, doc="an n > 1 (t1 is undefined otherwise)")]
K = Annotated[int, Spec(ge=1, le=10_000)]
Samples = Annotated[int, Spec(ge=10, le=10_000_000)]


@dataclass
class Params:
    # n of tanh(n·x); n = 1 is plain tanh (A3), n < 1 and n > 1 bracket it.
    ns: Grid[PosScale] = field(default_factory=lambda: [0.5, 1.0, 1.5, 2.0, 3.0, 5.0])
    # Standard deviations s of the pre-activations x ~ N(0, s²).
    scales: Grid[PosScale] = field(default_factory=lambda: [0.25, 0.5, 1.0, 2.0])
    ks: Grid[K] = field(default_factory=lambda: [1, 2, 5, 10, 20, 50, 100])
    samples: Samples = 10_000  # products per (activation, n, s, seed)
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    relu: bool = True  # B10: ReLU's products alongside tanh(n·x)'s
    vanish: Annotated[float, Spec(gt=0, lt=1)] = 1e-6  # a product below this has vanished
    explode: Annotated[float, Spec(gt=1, le=1e300)] = 1e6  # a product above this has exploded
    # A13: expected derivative on a fine n grid by quadrature and trapezoid.
    n_grid_max: PosScale = 6.0
    n_grid_points: Annotated[int, Spec(ge=2, le=100_000)] = 60
    quad_order: Annotated[int, Spec(ge=10, le=1000)] = 101
    # >= 1001 for a saturating integrand
    trapezoid_points: QuadPoints = 40_001
    # A7: K pairs for these n (each > 1); fewer samples, each pair costs three draws.
    pair_ns: Grid[NAbove1] = field(default_factory=lambda: [1.5, 2.0, 3.0])
    pair_samples: Samples = 2_000
    # A8: n, K and a fine range of s, so the fraction inside [-t1, t1] covers (0, 1).
    inside_n: NAbove1 = 2.0
    inside_k: K = 50
    inside_scales: Grid[PosScale] = field(
        default_factory=lambda: [round(0.2 + 0.1 * i, 2) for i in range(15)]
    )
    inside_bins: Annotated[int, Spec(ge=1, le=1000)] = 10
    # A9: K - m derivatives at x ~ N(0, good_scale²) against m at |x| ~ U[bad_lo, bad_hi].
    cancel_n: NAbove1 = 2.0
    cancel_k: K = 50
    cancel_good_scale: PosScale = 0.1
    cancel_bad_lo: PosScale = 5.0
    cancel_bad_hi: PosScale = 10.0

    def validate(self) -> None:
        if self.cancel_bad_lo >= self.cancel_bad_hi:
            raise ValueError("cancel_bad_lo: must be below cancel_bad_hi")
