"""The one divergence rule, applied by every check that reads training runs: a diverged
run is counted (never dropped), and it counts against a claim that predicts healthy
behaviour and for one that predicts failure.

Each case builds the same synthetic tables twice, once all finite and once with
non-finite runs injected, and compares the two results."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vanishing.claims import checks_minibatch, checks_sparsity, checks_training, checks_xor
from vanishing.claims.registry import ClaimResult
from vanishing.claims.stats import count_diverged
from vanishing.machinery.pipeline import results_at

from . import test_checks_studies as studies
from . import test_checks_training as training
from .tables import write

# Verdicts ordered from the claim's point of view: worse → better.
RANK = {"refuted": 0, "qualified": 1, "inconclusive": 1, "not tested": 1, "supported": 2}


def test_the_helper_gives_a_diverged_run_a_failed_runs_value_and_keeps_it() -> None:
    idx = pd.Index(["a", "b", "c"], name="run")
    values = pd.Series([0.9, 0.8, np.nan], index=idx)
    status = pd.Series(["finite", "diverged", "overflowed"], index=idx)
    out = count_diverged(values, status, 0.0)
    assert out.tolist() == [0.9, 0.0, 0.0] and out.index.equals(idx)


def _all_diverged_in(act: str) -> Callable:
    return lambda a, i, d, s: "diverged" if a == act else "finite"


def _seeds_below(k: int) -> Callable:
    return lambda a, i, d, s: "diverged" if s < k else "finite"


def _cell(act: str, init: str) -> Callable:
    return lambda a, i, d, s: "diverged" if (a, i) == (act, init) else "finite"


def _depth(depth: int) -> Callable:
    return lambda a, i, d, s: "diverged" if d == depth else "finite"


RELU_LEAKY = ("relu", "leaky_relu0.1")
NECRO = (*RELU_LEAKY, "necro_relu")
DIES = training._dies
D2_KW = dict(acts=("sigmoid",), update_t=training._d2_update, steps=training.D2_STEPS)
# (check, what the tested part predicts of the injected runs, grid keywords, injected
# status, the part to compare or None for the whole claim)
TRAINING_CASES = [
    ("A10", "healthy", dict(acts=("tanh_n2",)), _seeds_below(2), None),
    ("B1", "failure", dict(acts=("relu",), dead=training._dies), _all_diverged_in("relu"), None),
    ("B2", "healthy", dict(acts=("relu",), revived=3), _seeds_below(1), None),
    ("B5", "healthy", dict(acts=RELU_LEAKY, dead=DIES), _all_diverged_in(RELU_LEAKY[1]), None),
    ("B7", "healthy", dict(acts=NECRO, dead=DIES), _all_diverged_in("necro_relu"), None),
    ("B9", "healthy", dict(acts=("relu", "tanh")), _cell("tanh", "he"), None),
    ("C5", "healthy", dict(acts=("sigmoid",)), _seeds_below(1), None),
    ("D2", "failure", D2_KW, _depth(4),
     "depth 4 ends with a higher loss than depth 2"),
    ("E3", "healthy", dict(acts=("tanh",)), _seeds_below(2), None),
]  # fmt: skip


def _run(cid: str, root: Path, kw: dict, status: Callable | None) -> ClaimResult:
    fn = {
        "A10": checks_training.check_a10,
        "B1": checks_training.check_b1,
        "B2": checks_training.check_b2,
        "B5": checks_training.check_b5,
        "B7": checks_training.check_b7,
        "B9": checks_training.check_b9,
        "C5": checks_training.check_c5,
        "D2": checks_training.check_d2,
        "E3": checks_training.check_e3,
    }[cid]
    extra = {"status": status} if status else {}
    return fn(training._grid(root, **kw, **extra))


@pytest.mark.parametrize(
    "cid, predicts, kw, status, part", TRAINING_CASES, ids=[c[0] for c in TRAINING_CASES]
)
def test_every_training_check_counts_injected_divergence_by_the_rule(
    tmp_path: Path, cid: str, predicts: str, kw: dict, status: Callable, part: str | None
) -> None:
    clean = _run(cid, tmp_path / "clean", kw, None)
    bad = _run(cid, tmp_path / "bad", kw, status)
    # counted, never dropped: the same number of runs is read, the diverged ones named
    assert bad.diverged is not None and bad.diverged["runs"] > 0
    assert clean.diverged is None or clean.diverged["runs"] == 0
    if clean.diverged:
        assert bad.diverged["of"] == clean.diverged["of"]
    assert "diverged" in bad.evidence

    # against a healthy prediction, for a failure prediction: the verdict never moves the
    # other way
    def verdict(r: ClaimResult) -> str:
        return (
            r.verdict if part is None else [p for p in r.parts if p["name"] == part][0]["verdict"]
        )

    before, after = verdict(clean), verdict(bad)
    if predicts == "healthy":
        assert RANK[after] <= RANK[before], (before, after)
    else:
        assert RANK[after] >= RANK[before], (before, after)


def test_b1_a_diverged_net_counts_for_units_dying(tmp_path: Path) -> None:
    """B1 predicts failure (units die): with no dead unit in any finite net, a diverged
    ReLU net is what makes 'units die' hold."""
    kw = dict(acts=("relu",))
    clean = _run("B1", tmp_path / "a", kw, None)
    bad = _run("B1", tmp_path / "b", kw, lambda a, i, d, s: "diverged" if s == 0 else "finite")
    die = [p for p in bad.parts if p["name"] == "units die"][0]
    assert [p for p in clean.parts if p["name"] == "units die"][0]["verdict"] == "refuted"
    assert die["verdict"] == "supported"


def test_xor_sparsity_and_minibatch_count_diverged_runs(tmp_path: Path) -> None:
    # B6 (healthy: learns XOR): a diverged ReLU run is a failure to learn
    clean = checks_xor.check_b6_xor(
        studies._xor(tmp_path / "x0", {"relu": 0.9, "leaky_relu": 0.9, "abs": 0.95})
    )
    bad = checks_xor.check_b6_xor(
        studies._xor(tmp_path / "x1", {"relu": 0.9, "leaky_relu": 0.9, "abs": 0.95}, nan_loss=50)
    )
    assert bad.diverged["runs"] > 0 and bad.diverged["of"] == clean.diverged["of"]
    assert RANK[bad.verdict] <= RANK[clean.verdict]
    # A16 (batch order can matter): a diverged run's loss is ∞, unlike any finite one
    res = checks_minibatch.check_a16_minibatch_randomness(
        studies._minibatch(tmp_path / "m", {4: 0.0}, diverged=2)
    )
    clean = checks_minibatch.check_a16_minibatch_randomness(
        studies._minibatch(tmp_path / "m0", {4: 0.0})
    )
    assert res.diverged == {"runs": 2, "of": 8} and res.diverged["of"] == clean.diverged["of"]
    assert RANK[res.verdict] >= RANK[clean.verdict]
    # B4 (ReLU can train better): a diverged ReLU run has accuracy 0
    studies._sparsity(tmp_path / "s")
    runs = results_at(tmp_path / "s").table("sparsity.runs")
    diverge = (runs["activation"] == "relu") & (runs["phase"] == "final") & (runs["seed"] == 0)
    runs.loc[diverge, "train_loss"] = math.inf
    write(tmp_path / "s2", "sparsity.runs", runs)
    res = checks_sparsity.check_b4_softplus(results_at(tmp_path / "s2"))
    assert res.diverged["runs"] == int(diverge.sum())
    assert "accuracy counts as 0" in res.evidence
