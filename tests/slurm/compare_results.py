"""Compare two results/ folders table by table (used by run_slurm_test.sh).

    python tests/slurm/compare_results.py RESULTS_A RESULTS_B

Every CSV and JSON file must exist in both and be byte-identical, with one
exception: the tables the manifest declares machine-dependent
(``vanishing.machinery.pipeline.MACHINE_DEPENDENT``: wall-clock timings, which differ
between any two runs on any machine), and what claims.json and claims.csv derive
from them. Those tables are skipped (they must still exist in both). A claim that
reads one of them (its ``tables`` in claims.json) is compared without its measured
fields, and the verdict counts without its verdict; everything else in claims.json
and claims.csv must match. Exits 1 and lists the differences when anything else
differs.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

# this checkout's src/, whatever an editable install elsewhere points to
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from vanishing.machinery.pipeline import MACHINE_DEPENDENT, is_machine_dependent  # noqa: E402

TABLE_SUFFIXES = (".csv", ".json")
CLAIMS_TABLE = "claims.json"
CLAIMS_CSV = "claims.csv"
# What a claim measured (and so may differ when what it read was machine-dependent);
# its id, text, kind, expected, tolerance, tables and figures must still agree.
MEASURED_FIELDS = {
    "verdict",
    "measured",
    "values",
    "statistic",
    "parts",
    "more_runs_needed",
    "diverged",
    "condition",
    "holds_under",
    "fails_under",
    "untested_parts",
    "partly_tested",
    "generalisation",
}


def timed_claims(claims: dict[str, Any]) -> set[str]:
    """Ids of the claims that read a machine-dependent table."""
    return {
        c["id"] for c in claims.get("claims", []) if set(c.get("tables") or ()) & MACHINE_DEPENDENT
    }


def _strip(rel: str, data: bytes, timed: set[str]) -> Any:
    """A claims file without the measured fields of the timed claims."""
    if Path(rel).name == CLAIMS_CSV:
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        return [
            {k: v for k, v in r.items() if k not in MEASURED_FIELDS} if r.get("id") in timed else r
            for r in rows
        ]
    obj = json.loads(data)
    counts = dict(obj.get("counts", {}))
    by_kind = {k: dict(v) for k, v in obj.get("counts_by_kind", {}).items()}
    partly = obj.get("partly_tested")
    claims = []
    for c in obj["claims"]:
        if c.get("id") in timed:
            counts[c["verdict"]] -= 1
            if c.get("kind") in by_kind:
                by_kind[c["kind"]][c["verdict"]] -= 1
            if isinstance(partly, int) and c.get("partly_tested"):
                partly -= 1
            c = {k: v for k, v in c.items() if k not in MEASURED_FIELDS}
        claims.append(c)
    obj.update(claims=claims, counts=counts)
    if isinstance(partly, int):
        obj["partly_tested"] = partly
    if by_kind:
        obj["counts_by_kind"] = by_kind
    return obj


def tables(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in TABLE_SUFFIXES
    }


def compare(a: Path, b: Path) -> tuple[list[str], list[str], list[str]]:
    """(identical, machine-dependent or compared without their timed claims,
    differences), as relative paths/messages."""
    ta, tb = tables(a), tables(b)
    timed: set[str] = set()
    for t in (ta, tb):
        for rel, data in t.items():
            if Path(rel).name == CLAIMS_TABLE:
                timed |= timed_claims(json.loads(data))
    same, untimed, diffs = [], [], []
    for rel in sorted(ta.keys() | tb.keys()):
        if rel not in ta or rel not in tb:
            diffs.append(f"{rel}: only in {a if rel in ta else b}")
        elif is_machine_dependent(rel):
            untimed.append(rel)  # declared machine-dependent: not compared
        elif ta[rel] == tb[rel]:
            same.append(rel)
        elif Path(rel).name in (CLAIMS_TABLE, CLAIMS_CSV) and timed:
            if _strip(rel, ta[rel], timed) == _strip(rel, tb[rel], timed):
                untimed.append(rel)
            else:
                diffs.append(f"{rel}: differs beyond the claims that read timings")
        else:
            diffs.append(f"{rel}: differs")
    return same, untimed, diffs


def main(argv: list[str]) -> int:
    a, b = map(Path, argv)
    same, untimed, diffs = compare(a, b)
    total = len(same) + len(untimed) + len(diffs)
    print(f"{len(same)} of {total} tables byte-identical", end="")
    print(
        f"; {len(untimed)} machine-dependent, or identical apart from the claims that read "
        f"them: {', '.join(untimed)}"
    )
    for d in diffs:
        print("DIFFERENT:", d)
    if total == 0:
        print("no tables found")
        return 1
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
