"""Typed building blocks of the config: one place that says what each kind of
value may be (type, range, enum, unique lists, upper bounds).

The study ``Params`` dataclasses and the top-level ``Config`` annotate their
fields with these aliases; ``vanishing.machinery.config_schema`` turns the annotations
into the JSON Schema (workflow/schemas/config.schema.yaml) and
``vanishing.machinery.config_check`` checks a config against it, naming the key.

Upper bounds are sanity limits against typos (a depth of 1,000,000), not
resource limits: what a grid costs is estimated separately
(``vanishing.machinery.resources``) from the whole grid's shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict, TypeVar

from ..core.vocabulary import INITS, NAME_PATTERN, activation_problem

# Digits: 1,797 images, 25 % held out (vanishing.core.data; a test keeps these equal).
N_DIGITS = 1797
N_TRAIN = N_DIGITS - round(0.25 * N_DIGITS)

MAX_DEPTH = 1024  # the deepest stage by default is 128 (E4); 1024 leaves room for 8×
MAX_WIDTH = 4096  # 64 by default; 4096² float64 weights are 128 MB per network and layer
MAX_SEED = 2**31 - 1  # numpy and torch both accept these
MAX_SEEDS = 1000  # length of a seed list (the cost check sees the whole grid)
MAX_STEPS = 1_000_000
MAX_LR = 100.0  # a rate this large diverges in one step; beyond it is a typo


@dataclass(frozen=True)
class Spec:
    """Constraints of one value, as JSON Schema keywords, plus an optional
    Python check for what a schema cannot say (``check`` returns an error text
    or None)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique: bool = False
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    doc: str | None = None
    check: Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class SetByRule:
    """Marks a Params field that the pipeline fills itself: not a user key."""

    source: str


# ---- scalars ---------------------------------------------------------------------
Depth = Annotated[int, Spec(ge=1, le=MAX_DEPTH, doc="a number of hidden layers")]
Width = Annotated[int, Spec(ge=1, le=MAX_WIDTH, doc="a hidden-layer width")]
Steps = Annotated[int, Spec(ge=1, le=MAX_STEPS, doc="a number of optimiser steps")]
Seed = Annotated[int, Spec(ge=0, le=MAX_SEED, doc="a seed")]
Lr = Annotated[float, Spec(gt=0, le=MAX_LR, doc="a learning rate")]
Count = Annotated[int, Spec(ge=1, le=MAX_STEPS)]
# Examples drawn from digits' training split: a larger batch would be cut silently.
TrainBatch = Annotated[int, Spec(ge=1, le=N_TRAIN, doc="a number of digits training examples")]
Slope = Annotated[float, Spec(ge=0, le=1, doc="a leaky-ReLU negative slope")]
Positive = Annotated[float, Spec(gt=0, le=1e6)]
QuadPoints = Annotated[int, Spec(ge=1001, le=10_000_001, doc="trapezoid points (>= 1001)")]


def check_activations(names: Sequence[str], *, at_least_one: bool = True) -> None:
    """A study's ``validate``: ValueError naming the first activation the vocabulary does
    not know (``activations[i]: why``), or an empty list where one is needed."""
    for i, name in enumerate(names):
        if (problem := activation_problem(name)) is not None:
            raise ValueError(f"activations[{i}]: {problem}")
    if at_least_one and not names:
        raise ValueError("activations: need at least one")


ActivationName = Annotated[
    str,
    Spec(
        pattern=NAME_PATTERN,
        doc="an activation name (tanh_n<n> is tanh(n*x), leaky_relu<slope> a leaky ReLU)",
        check=activation_problem,
    ),
]
InitName = Annotated[str, Spec(enum=tuple(INITS), doc="an init name")]
Optimizer = Literal["sgd", "adam"]
ComputeDtype = Literal["float32", "float64"]
AnyDtype = Literal["float16", "bfloat16", "float32", "float64"]


# ---- lists -------------------------------------------------------------------------
T = TypeVar("T")
# A grid axis, ``Grid[item]``: a non-empty list of distinct values (a repeat would be
# run twice and counted twice).
Grid = Annotated[list[T], Spec(min_items=1, max_items=MAX_SEEDS, unique=True)]

Seeds = Grid[Seed]
Depths = Grid[Depth]
Widths = Grid[Width]
Activations = Grid[ActivationName]
Inits = Grid[InitName]


class XorOptimizer(TypedDict):
    """One XOR optimiser setting: name, learning rate, full-batch steps."""

    name: Optimizer
    lr: Lr
    steps: Steps


class Setting(TypedDict):
    """One (activation, init) pair: a setting trained besides a grid's product."""

    activation: ActivationName
    init: InitName
