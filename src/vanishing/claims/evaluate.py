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
from .registry import CHECKS, ClaimResult, MissingResult, Results

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


def evaluate_all(results: Results) -> dict[str, Any]:
    checks = load_checks()
    out = []
    for claim in load_catalogue():
        cid = claim["id"]
        fn = checks.get(cid)
        if fn is None:
            res = ClaimResult(
                "not tested", "—", "—", "—", evidence=claim.get("untested_reason", "no check yet")
            )
        else:
            try:
                res = fn(results)
            except MissingResult as e:
                res = ClaimResult("not tested", "—", "—", "—", evidence=f"not run here: {e}")
        log.info("%s: %s", cid, res.verdict)
        out.append({**claim, "check": fn.__name__ if fn else None, **res.to_dict()})
    counts = {v: sum(1 for c in out if c["verdict"] == v) for v in registry.VERDICTS}
    return {"claims": out, "counts": counts}


def run(params: dict[str, Any], inputs: Results, outputs: dict[str, Path]) -> None:
    """The claims stage: claims.json (everything) and claims.csv (the verdict table)."""
    results = evaluate_all(inputs)
    outputs["claims"].write_text(json.dumps(results, indent=2, allow_nan=True) + "\n")
    cols = ["id", "source", "verdict", "measured", "expected", "tolerance"]
    pd.DataFrame([{k: c[k] for k in cols} for c in results["claims"]]).to_csv(
        outputs["table"], index=False
    )
