"""Run every claim's check against a results/ folder → the dict behind claims.json."""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
import yaml

from . import registry
from .registry import CHECKS, ClaimResult, MissingResult, Results, not_tested
from .stats import collecting_run_tables
from .verdict import FORMS, KINDS, METHOD, QUANTITIES, VERDICTS

log = logging.getLogger("vanishing.claims")
CATALOGUE = Path(__file__).with_name("catalogue.yaml")


# What each claim's catalogue entry must declare: how it is read.
READING = ("form", "scope", "quantity")


def load_catalogue() -> list[dict[str, Any]]:
    claims = yaml.safe_load(CATALOGUE.read_text())["claims"]
    for c in claims:
        validate_reading(c)
    return claims


def validate_reading(claim: dict[str, Any]) -> None:
    """A claim declares its form (with the bound's direction), scope and quantity (with
    why); anything else is a catalogue error, raised before any check runs."""
    cid = claim.get("id", "?")
    missing = [k for k in READING if not claim.get(k)]
    if missing:
        raise ValueError(f"claim {cid}: catalogue.yaml lacks {', '.join(missing)}")
    if claim["form"] not in FORMS:
        raise ValueError(f"claim {cid}: form {claim['form']!r} is not one of {FORMS}")
    if claim["form"] == "bound" and claim.get("bound") not in ("necessary", "sufficient"):
        raise ValueError(f"claim {cid}: a bound is 'necessary' or 'sufficient' (key 'bound')")
    q = claim["quantity"]
    if not isinstance(q, dict) or q.get("name") not in QUANTITIES or not q.get("why"):
        raise ValueError(f"claim {cid}: quantity needs a name in {QUANTITIES} and a 'why'")
    for u in claim.get("untested", []):
        if not (u.get("part") and u.get("reason")):
            raise ValueError(f"claim {cid}: every untested part needs 'part' and 'reason'")


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
        with collecting_run_tables() as tables:
            res = fn(results)
    except MissingResult as e:
        return not_tested(f"not run here: {e}")
    res.run_tables = [*tables, *res.run_tables]
    # Parts of the claim's sentence that no check covers are declared in the catalogue
    # with their reason: the verdict covers the tested parts, the row names the others.
    if res.verdict != "not tested":
        res.untested_parts = [*res.untested_parts, *claim.get("untested", [])]
    return res


def evaluate_all(results: Results) -> dict[str, Any]:
    load_checks()
    out = []
    for claim in load_catalogue():
        res = run_check(claim, results)
        fn = CHECKS.get(claim["id"])
        log.info("%s: %s", claim["id"], res.verdict)
        entry = {**claim, "check": fn.__name__ if fn else None, **res.to_dict()}
        entry.pop("untested", None)  # merged into untested_parts
        out.append(entry)
    counts = {v: sum(1 for c in out if c["verdict"] == v) for v in VERDICTS}
    for c in out:
        c["partly_tested"] = bool(c["untested_parts"]) and c["verdict"] != "not tested"
    partly = sum(1 for c in out if c["partly_tested"])
    by_kind = {
        k: {v: sum(1 for c in out if c["kind"] == k and c["verdict"] == v) for v in VERDICTS}
        for k in KINDS
    }
    return {
        "method": METHOD,
        "claims": out,
        "counts": counts,
        "partly_tested": partly,
        "counts_by_kind": by_kind,
    }


class ClaimsParams(TypedDict):
    """The claims stage takes no parameters: it reads every table of the manifest."""


def run(p: ClaimsParams, inputs: Results, outputs: dict[str, Path]) -> None:
    """The claims stage: claims.json (everything) and claims.csv (the verdict table)."""
    results = evaluate_all(inputs)
    outputs["claims"].write_text(json.dumps(results, indent=2, allow_nan=False) + "\n")
    cols = ["id", "source", "kind", "verdict", "measured", "expected", "tolerance"]
    pd.DataFrame([{k: c[k] for k in cols} for c in results["claims"]]).to_csv(
        outputs["table"], index=False
    )
