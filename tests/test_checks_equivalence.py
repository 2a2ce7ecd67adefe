"""The equivalence checks (A14, A15) on synthetic summaries."""

from __future__ import annotations

from pathlib import Path

from vanishing.claims import checks_equivalence as ce
from vanishing.claims.registry import Results
from vanishing.machinery.pipeline import results_at

from .tables import write


def _tables(root: Path, rel_hidden: float, same: float, exact: float) -> Results:
    write(
        root,
        "equivalence.outputs",
        [
            {"n": n, "scaled": s, "seed": seed, "rel_diff": rel_hidden if s == "hidden" else 1.0}
            for n in (2.0, 3.0)
            for s in ("hidden", "all")
            for seed in range(3)
        ],
    )
    gaps = {
        "same_lr": same,
        "lr_x_n": same / 2,
        "lr_x_n2": 0.3,
        "exact": exact,
        "exact_eps_aside": 1e-6,
    }
    write(
        root,
        "equivalence.summary",
        [
            {"optimizer": o, "n": n, "mapping": m, "seed": seed, "max_abs_loss_diff": v * (n > 1)}
            for o in ("sgd", "adam")
            for n in (1.0, 2.0, 3.0)
            for m, v in gaps.items()
            if not (o == "sgd" and m == "exact_eps_aside")
            for seed in range(3)
        ],
    )
    return results_at(root)


def test_a14_states(tmp_path: Path) -> None:
    f = ce.check_a14_same_function
    assert f(_tables(tmp_path / "a", 1e-15, 0.5, 0)).verdict == "supported"
    assert f(_tables(tmp_path / "b", 1e-6, 0.5, 0)).verdict == "refuted"


def test_a15_states(tmp_path: Path) -> None:
    f = ce.check_a15_trajectories
    assert f(_tables(tmp_path / "a", 0, 0.5, 1e-14)).verdict == "supported"
    # the same learning rate reproduces the trajectory: Tuyen would be wrong
    assert f(_tables(tmp_path / "b", 0, 1e-12, 1e-14)).verdict == "refuted"
    # the control fails: the derived mapping does not coincide either
    res = f(_tables(tmp_path / "c", 0, 0.5, 1e-3))
    assert res.verdict == "not tested" and "derived mapping" in res.note
