"""Run every claim's check against a results/ folder → the dict behind claims.json."""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import registry
from .registry import CHECKS, ClaimResult, MissingResult, Results, not_tested
from .verdict import KINDS, METHOD, VERDICTS

log = logging.getLogger("vanishing.claims")
CATALOGUE = Path(__file__).with_name("catalogue.yaml")


def load_catalogue() -> list[dict[str, Any]]:
    return yaml.safe_load(CATALOGUE.read_text())["claims"]


def load_checks() -> dict[str, registry.CheckFn]:
    """Import every ``checks_*`` module so its @check functions register."""
    pkg = importlib.import_module(__package__)
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith("checks_"):
            importlib.import_module(f"{__package__}.{mod.name}")
    return CHECKS


def run_check(claim: dict[str, Any], results: Results) -> ClaimResult:
    fn = CHECKS.get(claim["id"])
    if fn is None:
        return not_tested(claim.get("untested_reason", "no check yet"))
    try:
        return fn(results)
    except MissingResult as e:
        return not_tested(f"not run here: {e}")


def evaluate_all(results: Results) -> dict[str, Any]:
    load_checks()
    out = []
    for claim in load_catalogue():
        res = run_check(claim, results)
        fn = CHECKS.get(claim["id"])
        log.info("%s: %s", claim["id"], res.verdict)
        out.append({**claim, "check": fn.__name__ if fn else None, **res.to_dict()})
    counts = {v: sum(1 for c in out if c["verdict"] == v) for v in VERDICTS}
    by_kind = {
        k: {v: sum(1 for c in out if c["kind"] == k and c["verdict"] == v) for v in VERDICTS}
        for k in KINDS
    }
    return {"method": METHOD, "claims": out, "counts": counts, "counts_by_kind": by_kind}


def run(params: dict[str, Any], inputs: Results, outputs: dict[str, Path]) -> None:
    """The claims stage: claims.json (everything) and claims.csv (the verdict table)."""
    results = evaluate_all(inputs)
    outputs["claims"].write_text(json.dumps(results, indent=2, allow_nan=False) + "\n")
    cols = ["id", "source", "kind", "verdict", "measured", "expected", "tolerance"]
    pd.DataFrame([{k: c[k] for k in cols} for c in results["claims"]]).to_csv(
        outputs["table"], index=False
    )
