"""Compare two results/ folders table by table (used by run_slurm_test.sh).

    python tests/slurm/compare_results.py RESULTS_A RESULTS_B

Every CSV and JSON file must exist in both and be byte-identical, with one
exception: wall-clock timings, which differ between any two runs on any machine.
Those are the ``time_*`` fields of the backprop study's tanh-derivative table
(claim B8) and what claims.json and claims.csv quote from them; those files are
compared with the timings taken out, and everything else in them must match.
Exits 1 and lists the differences when anything else differs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

TABLE_SUFFIXES = (".csv", ".json")
# Relative paths (any folder depth) whose timings are stripped before comparing.
TIMING_TABLE = "tanh_derivative.json"
CLAIMS_TABLE = "claims.json"
CLAIMS_CSV = "claims.csv"
TIMED_CLAIMS = {"B8"}
TIMED_FIELDS = {"measured", "values", "evidence", "verdict"}
TIME_KEY = re.compile(r"^time_")


def _strip_timings(rel: str, data: bytes) -> Any:
    if Path(rel).name == CLAIMS_CSV:
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        return [
            {k: v for k, v in r.items() if k not in TIMED_FIELDS}
            if r.get("id") in TIMED_CLAIMS
            else r
            for r in rows
        ]
    obj = json.loads(data)
    if Path(rel).name == TIMING_TABLE:
        return {k: v for k, v in obj.items() if not TIME_KEY.match(k)}
    if Path(rel).name == CLAIMS_TABLE:
        # A timed claim's measured values (and so its evidence and verdict) come from
        # the timings; the rest of its entry and every other claim must agree. The
        # verdict counts are compared without the timed claims' verdicts.
        counts = dict(obj.get("counts", {}))
        claims = []
        for c in obj["claims"]:
            if c.get("id") in TIMED_CLAIMS:
                counts[c["verdict"]] -= 1
                c = {k: v for k, v in c.items() if k not in TIMED_FIELDS}
            claims.append(c)
        obj.update(claims=claims, counts=counts)
    return obj


def tables(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in TABLE_SUFFIXES
    }


def compare(a: Path, b: Path) -> tuple[list[str], list[str], list[str]]:
    """(identical, compared without timings, differences), as relative paths/messages."""
    ta, tb = tables(a), tables(b)
    same, untimed, diffs = [], [], []
    for rel in sorted(ta.keys() | tb.keys()):
        if rel not in ta or rel not in tb:
            diffs.append(f"{rel}: only in {a if rel in ta else b}")
        elif ta[rel] == tb[rel]:
            same.append(rel)
        elif Path(rel).name in (TIMING_TABLE, CLAIMS_TABLE, CLAIMS_CSV):
            if _strip_timings(rel, ta[rel]) == _strip_timings(rel, tb[rel]):
                untimed.append(rel)
            else:
                diffs.append(f"{rel}: differs beyond its timings")
        else:
            diffs.append(f"{rel}: differs")
    return same, untimed, diffs


def main(argv: list[str]) -> int:
    a, b = map(Path, argv)
    same, untimed, diffs = compare(a, b)
    total = len(same) + len(untimed) + len(diffs)
    print(f"{len(same)} of {total} tables byte-identical", end="")
    print(f"; {len(untimed)} identical without their wall-clock timings: {', '.join(untimed)}")
    for d in diffs:
        print("DIFFERENT:", d)
    if total == 0:
        print("no tables found")
        return 1
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
