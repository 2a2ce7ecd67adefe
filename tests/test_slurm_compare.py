"""The table comparison that judges the SLURM test (tests/slurm/compare_results.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from vanishing.machinery import pipeline

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location(
    "compare_results", ROOT / "tests/slurm/compare_results.py"
)
cmp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cmp)

TIMING_REL = pipeline.stage("backprop").outputs["timing"]
CLAIMS = {
    "claims": [
        {
            "id": "A1",
            "kind": "measured",
            "check": "a1",
            "measured": 0.5,
            "values": {},
            "verdict": "supported",
            "tables": ["probe.summary"],
        },
        {
            "id": "B8",
            "kind": "measured",
            "check": "b8",
            "measured": 2.0,
            "values": {"r": 2.0},
            "verdict": "supported",
            "statistic": {"value": 0.1},
            "tables": ["backprop.tanh", "backprop.timing"],
        },
    ],
    "counts": {"supported": 2, "qualified": 0},
    "partly_tested": 1,
    "counts_by_kind": {"measured": {"supported": 2, "qualified": 0}},
}
CLAIMS["claims"][1].update(
    partly_tested=True, untested_parts=[{"part": "it is common", "reason": "r"}]
)
TANH = {"numel": 100, "max_abs_diff_from_y_vs_autograd": 0.0}
TIMING = "repeat,time_from_y_s,time_from_x_s\n0,0.001,0.01\n"


CLAIMS_CSV = "id,verdict,measured,expected\nA1,supported,0.5,1\nB8,supported,2.0 ms,1\n"


def _tree(
    root: Path,
    claims: dict,
    tanh: dict,
    csv: str = "a,b\n1,2\n",
    claims_csv: str = CLAIMS_CSV,
    timing: str = TIMING,
) -> Path:
    (root / "studies/backprop").mkdir(parents=True)
    (root / "claims.csv").write_text(claims_csv)
    (root / "probe").mkdir()
    (root / "probe/summary.csv").write_text(csv)
    (root / "claims.json").write_text(json.dumps(claims))
    (root / "studies/backprop/tanh_derivative.json").write_text(json.dumps(tanh))
    (root / TIMING_REL).write_text(timing)
    (root / "figures").mkdir()
    (root / "figures/x.png").write_bytes(b"not a table")
    return root


def _with(d: dict, **changes: object) -> dict:
    return {**json.loads(json.dumps(d)), **changes}


def test_the_declared_table_is_the_one_skipped() -> None:
    """One declaration: the manifest's machine-dependent tables, nothing by file name."""
    assert pipeline.MACHINE_DEPENDENT == {"backprop.timing"}
    assert cmp.is_machine_dependent(TIMING_REL)
    assert cmp.is_machine_dependent(f"quick/{TIMING_REL}")  # under a config's folder
    assert not cmp.is_machine_dependent("studies/backprop/tanh_derivative.json")
    assert cmp.timed_claims(CLAIMS) == {"B8"}


def test_identical_trees_pass(tmp_path: Path) -> None:
    a = _tree(tmp_path / "a", CLAIMS, TANH)
    b = _tree(tmp_path / "b", CLAIMS, TANH)
    same, untimed, diffs = cmp.compare(a, b)
    # the machine-dependent table is skipped even when its bytes agree
    assert len(same) == 4 and untimed == [TIMING_REL] and diffs == []
    assert cmp.main([str(a), str(b)]) == 0


def test_timings_alone_may_differ(tmp_path: Path) -> None:
    claims = _with(CLAIMS)
    b8 = claims["claims"][1]
    # B8 decided otherwise on this machine's timings (and, say, lost its partly-tested mark)
    b8.update(measured=3.0, values={"r": 3.0}, verdict="qualified", statistic={"value": 2})
    b8.update(partly_tested=False, untested_parts=[])
    claims["partly_tested"] = 0
    claims["counts"] = {"supported": 1, "qualified": 1}
    claims["counts_by_kind"] = {"measured": {"supported": 1, "qualified": 1}}
    a = _tree(tmp_path / "a", CLAIMS, TANH)
    b = _tree(
        tmp_path / "b",
        claims,
        TANH,
        claims_csv=CLAIMS_CSV.replace("2.0 ms", "3.0 ms"),
        timing=TIMING.replace("0.01", "0.0005"),
    )
    same, untimed, diffs = cmp.compare(a, b)
    assert diffs == []
    assert untimed == ["claims.csv", "claims.json", TIMING_REL]
    assert "studies/backprop/tanh_derivative.json" in same


def test_a_timed_claims_other_fields_must_match(tmp_path: Path) -> None:
    claims = _with(CLAIMS)
    claims["claims"][1]["tables"] = ["backprop.tanh", "backprop.timing", "probe.summary"]
    a = _tree(tmp_path / "a", CLAIMS, TANH)
    b = _tree(tmp_path / "b", claims, TANH)
    assert cmp.compare(a, b)[2] == ["claims.json: differs beyond the claims that read timings"]


def test_a_missing_machine_dependent_table_fails(tmp_path: Path) -> None:
    a = _tree(tmp_path / "a", CLAIMS, TANH)
    b = _tree(tmp_path / "b", CLAIMS, TANH)
    (b / TIMING_REL).unlink()
    assert cmp.compare(a, b)[2] == [f"{TIMING_REL}: only in {a}"]


def test_other_claims_in_the_csv_must_match(tmp_path: Path) -> None:
    a = _tree(tmp_path / "a", CLAIMS, TANH)
    b = _tree(tmp_path / "b", CLAIMS, TANH, claims_csv=CLAIMS_CSV.replace("0.5", "0.6"))
    assert cmp.compare(a, b)[2] == ["claims.csv: differs beyond the claims that read timings"]


@pytest.mark.parametrize(
    ("claims", "tanh", "csv", "culprit"),
    [
        (CLAIMS, TANH, "a,b\n1,3\n", "probe/summary.csv"),
        (CLAIMS, _with(TANH, max_abs_diff_from_y_vs_autograd=1e-3), None, "tanh_derivative"),
        (
            {**CLAIMS, "claims": [{**CLAIMS["claims"][0], "measured": 0.6}, CLAIMS["claims"][1]]},
            TANH,
            None,
            "claims.json",
        ),
        (
            {**CLAIMS, "claims": [CLAIMS["claims"][0], {**CLAIMS["claims"][1], "check": "x"}]},
            TANH,
            None,
            "claims.json",
        ),
    ],
)
def test_any_other_difference_fails(
    tmp_path: Path, claims: dict, tanh: dict, csv: str | None, culprit: str
) -> None:
    a = _tree(tmp_path / "a", CLAIMS, TANH)
    b = _tree(tmp_path / "b", claims, tanh, csv or "a,b\n1,2\n")
    _, _, diffs = cmp.compare(a, b)
    assert len(diffs) == 1 and culprit in diffs[0]
    assert cmp.main([str(a), str(b)]) == 1


def test_a_missing_table_fails(tmp_path: Path) -> None:
    a = _tree(tmp_path / "a", CLAIMS, TANH)
    b = _tree(tmp_path / "b", CLAIMS, TANH)
    (b / "probe/summary.csv").unlink()
    _, _, diffs = cmp.compare(a, b)
    assert diffs == [f"probe/summary.csv: only in {a}"]
