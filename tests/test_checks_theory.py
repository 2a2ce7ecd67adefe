"""The theory checks (A4, A5, A6, C3) on the real theory tables, and refuted when a
table is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from vanishing.claims import checks_theory as ct
from vanishing.machinery.pipeline import results_at, run_stage


@pytest.fixture(scope="module")
def theory_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    run_stage("theory", {"tanh_ns": [0.5, 2.0, 3.0]}, root)
    return root


@pytest.fixture
def copy(theory_dir: Path, tmp_path: Path) -> Path:
    shutil.copytree(theory_dir / "theory", tmp_path / "theory")
    return tmp_path


CHECKS = [
    ct.check_a4_tanh_n_derivative,
    ct.check_a5_t1_threshold,
    ct.check_a6_widest_band,
    ct.check_c3_sigmoid_derivative,
]


@pytest.mark.parametrize("fn", CHECKS)
def test_supported_on_the_real_tables(theory_dir: Path, fn) -> None:
    res = fn(results_at(theory_dir))
    assert res.verdict == "supported", res.measured
    assert res.statistic is not None and res.statistic.exact


def test_a4_refuted_when_a_derivative_reaches_n(copy: Path) -> None:
    f = copy / "theory/derivative_curves.csv"
    t = pd.read_csv(f)
    row = (t["activation"] == "tanh_n2") & (t["x"] > 1)
    t.loc[t.index[row][0], "derivative"] = 2.0
    t.to_csv(f, index=False)
    res = ct.check_a4_tanh_n_derivative(results_at(copy))
    assert res.verdict == "refuted"
    assert [p["verdict"] for p in res.parts] == ["refuted", "refuted"]


def test_a5_refuted_by_a_wrong_threshold(copy: Path) -> None:
    f = copy / "theory/thresholds.csv"
    t = pd.read_csv(f)
    t.loc[t["n"] == 2, "t1"] += 0.01
    t.to_csv(f, index=False)
    assert ct.check_a5_t1_threshold(results_at(copy)).verdict == "refuted"


@pytest.mark.parametrize(
    "edit, failing",
    [
        ({"t1_integer_argmax": 3}, "the widest integer band is at n = 2"),
        ({"t1_continuous_max": 0.5}, "a real n gives a wider band"),
    ],
)
def test_a6_refuted_names_the_failing_part(copy: Path, edit: dict, failing: str) -> None:
    f = copy / "theory/maxima.json"
    m = json.loads(f.read_text())
    m.update(edit)
    f.write_text(json.dumps(m))
    res = ct.check_a6_widest_band(results_at(copy))
    assert res.verdict == "refuted"
    assert [p["name"] for p in res.parts if p["verdict"] == "refuted"] == [failing]


def test_c3_refuted_by_a_wrong_maximum(copy: Path) -> None:
    f = copy / "theory/maxima.json"
    m = json.loads(f.read_text())
    m["sigmoid_derivative_max"] = 0.3
    f.write_text(json.dumps(m))
    assert ct.check_c3_sigmoid_derivative(results_at(copy)).verdict == "refuted"
