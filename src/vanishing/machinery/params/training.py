"""The parameters of ``vanishing.studies.training``, the training grid (activation × init × depth ×
seed) and E2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from ..config_types import (
    N_TRAIN,
    Activations,
    ComputeDtype,
    Count,
    Depth,
    Depths,
    Inits,
    Lr,
    Seeds,
    SetByRule,
    Setting,
    Slope,
    Spec,
    Steps,
    TrainBatch,
    Width,
    check_activations,
)

DEFAULT_ACTIVATIONS = [
    "sigmoid",
    "tanh",
    "tanh_n2",
    "tanh_n3",
    "relu",
    # the source's leaky slope for B5/B7 ("0.1·x for x < 0"), and PyTorch's 0.01
    "leaky_relu0.1",
    "leaky_relu",
    "prelu",
    "elu",
    "necro_relu",
]


@dataclass
class Params:
    activations: Activations = field(default_factory=lambda: list(DEFAULT_ACTIVATIONS))
    inits: Inits = field(default_factory=lambda: ["glorot_standard", "xavier", "he"])
    # (activation, init) pairs trained besides the grid's product, at its depths and
    # seeds, whether or not the activation is in the grid: an activation meant for an
    # init of its own. SELU is defined with LeCun-normal weights (Klambauer et al.
    # 2017), which no grid activation needs: one pair costs a thirtieth of adding SELU
    # to the activations and LeCun to the inits.
    extra_settings: Annotated[list[Setting], Spec(min_items=0, max_items=100, unique=True)] = field(
        default_factory=lambda: [{"activation": "selu", "init": "lecun"}]
    )
    depths: Depths = field(default_factory=lambda: [4, 16, 32])
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    # Activations per grid process: 1 spreads the default grid over 2 cores; the
    # quick config packs everything into one process to pay `import torch` once.
    activations_per_job: Annotated[int, Spec(ge=1, le=100)] = 1
    width: Width = 64
    steps: Steps = 800
    # One learning rate for the whole grid: tuning it per configuration would
    # confound the activation × init × depth comparisons the claims are about.
    # 0.05 lets depth-4 nets fit digits within 800 steps and, in a pilot, did not
    # blow up any depth-32 configuration (a divergence would be recorded, not hidden).
    lr: Lr = 0.05
    batch_size: TrainBatch = 32
    # Each logged step evaluates every network on the whole training split, forward
    # and backward: at 40 that was 60 % of the stage's time (as many examples as the
    # 800 SGD steps themselves). Every 100 steps gives 9 points per curve, and the
    # checks read the first and last logged steps or medians over all of them.
    log_every: Count = 100
    # 0 = monitor on the whole training split: "dead" then means silent on every
    # training example, so a dead ReLU unit gets no gradient from any minibatch.
    monitor_size: Annotated[int, Spec(ge=0, le=N_TRAIN)] = 0
    leaky_slope: Slope = 0.01
    dtype: ComputeDtype = "float32"
    # E2: He et al. 2015's deep ReLU net, Xavier vs He.
    e2_depth: Depth = 30
    e2_width: Width = 64
    e2_inits: Inits = field(default_factory=lambda: ["xavier", "he"])
    # 10 per arm: E2's intervals are bootstraps over these seeds
    e2_seeds: Seeds = field(default_factory=lambda: list(range(10)))
    e2_steps: Steps = 1000
    # A low rate so the depth-30 He net, whose gradients are O(1) at every layer,
    # does not diverge with plain SGD; Xavier then has every chance to move too.
    e2_lr: Lr = 0.01
    # Set by the rules, not config keys: which job this is ("e2", a grid job's
    # activations joined by "+", or "grid" for every grid activation at once) and the
    # config's top-level device.
    job: Annotated[str, SetByRule("the rule's job: e2, or a grid job's activations")] = "grid"
    device: Annotated[Literal["cpu", "cuda"], SetByRule("device")] = "cpu"

    def validate(self) -> None:
        check_activations(self.activations, at_least_one=False)


def _get(p: Params | Mapping[str, Any], key: str) -> Any:
    return p[key] if isinstance(p, Mapping) else getattr(p, key)


def job_activations(p: Params | Mapping[str, Any]) -> list[str]:
    """Every activation a grid job trains: the grid's, then those only extra settings name."""
    extra = [s["activation"] for s in _get(p, "extra_settings")]
    return list(dict.fromkeys([*_get(p, "activations"), *extra]))


def inits_of(p: Params | Mapping[str, Any], activation: str) -> list[str]:
    """The inits one activation trains at: the grid's (if it is a grid activation), then
    those of its extra settings."""
    grid = list(_get(p, "inits")) if activation in _get(p, "activations") else []
    extra = [s["init"] for s in _get(p, "extra_settings") if s["activation"] == activation]
    return grid + [i for i in extra if i not in grid]
