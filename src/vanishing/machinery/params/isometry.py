"""The parameters of ``vanishing.studies.isometry``, E10: the singular values of the
input-output Jacobian of deep tanh and ReLU nets at criticality, orthogonal against
Gaussian weights (Pennington, Schoenholz & Ganguli 2017).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import Depths, QuadPoints, Seeds, Spec, Width


@dataclass
class Params:
    # tanh's point on the critical line χ1 = 1, named by its fixed point q*: σ_w² and σ_b²
    # follow (σ_w² = 1/E[φ'(h)²], σ_b² = q* − E[φ(h)²]/E[φ'(h)²], h ~ N(0, q*)). Small,
    # because Pennington et al. (2017) find the orthogonal spectrum's variance
    # L·(μ2/μ1² − 1), which for tanh grows like 8 q*² L: 1/64 keeps it at 0.17 for L = 100.
    q_star: Annotated[float, Spec(gt=0, le=10)] = 1 / 64
    # 256, the scope of the claim; the spectra at width N differ from the N → ∞ theory by
    # O(L/N) where the spectrum spreads.
    width: Width = 256
    # Nested: one network of the largest depth per seed, its Jacobian read after each of
    # these layers (depth 1 is a single layer).
    depths: Depths = field(default_factory=lambda: [1, 2, 4, 8, 16, 32, 64, 100])
    # Seeds: the check bootstraps over them.
    seeds: Seeds = field(default_factory=lambda: list(range(10)))
    # Quadrature points for q*, χ1 and the moments μ_k (as in the mean-field study).
    trapezoid_points: QuadPoints = 4_001
