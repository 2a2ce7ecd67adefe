"""Command line used by the Snakemake rules: ``python -m vanishing <verb> ...``.

Usage (what the rules run; paths are examples):
    python -m vanishing probe --activation relu --init he --params '{"depths": [2, 4], ...}' \
        --out results/probe/activation~relu/init~he.csv
    python -m vanishing theory --out-dir results/theory
    python -m vanishing claims --results results --out results/claims.json
    python -m vanishing report --claims results/claims.json --out-md report/report.md ...
Every verb logs progress to stderr (the rule's log file).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

VERBS: dict[str, Callable[[argparse.Namespace], None]] = {}
# Verbs that only read tables: skip torch's set-up (and its import time).
NO_TORCH_VERBS = {"figure", "report", "summarise-probe"}


def verb(fn: Callable[[argparse.Namespace], None]) -> Callable[[argparse.Namespace], None]:
    VERBS[fn.__name__.removeprefix("cmd_").replace("_", "-")] = fn
    return fn


def _out(path: str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


@verb
def cmd_probe(a: argparse.Namespace) -> None:
    """One activation: every init (one output table each, in order), depth and seed."""
    from .probe import run_probe

    p = json.loads(a.params)
    if len(a.outputs) != len(p["inits"]):
        raise SystemExit("probe: give one --outputs path per init")
    for init, out in zip(p["inits"], a.outputs, strict=True):
        df = run_probe(
            a.activation,
            init,
            p["depths"],
            p["seeds"],
            p["width"],
            p["batch_size"],
            p["dtype"],
            p["leaky_slope"],
            p["device"],
        )
        df.to_csv(_out(out), index=False)


@verb
def cmd_theory(a: argparse.Namespace) -> None:
    from .theory_tables import write_theory_tables

    write_theory_tables(Path(a.out_dir), json.loads(a.params))


@verb
def cmd_study(a: argparse.Namespace) -> None:
    """Run ``vanishing.studies.<name>.run(params, outputs)``."""
    mod = importlib.import_module(f"vanishing.studies.{a.name}")
    for out in a.outputs:
        _out(out)
    mod.run(json.loads(a.params), [Path(o) for o in a.outputs])


@verb
def cmd_figure(a: argparse.Namespace) -> None:
    """Draw ``vanishing.figures.<name>.main(inputs, outputs, params)``."""
    mod = importlib.import_module(f"vanishing.figures.{a.name}")
    for out in a.outputs:
        _out(out)
    mod.main([Path(i) for i in a.inputs], [Path(o) for o in a.outputs], json.loads(a.params))


@verb
def cmd_summarise_probe(a: argparse.Namespace) -> None:
    import pandas as pd

    from .summaries import per_layer, summarise_probe

    frames = [pd.read_csv(i) for i in a.inputs]
    summary_path, layers_path = map(_out, a.outputs)
    summarise_probe(frames).to_csv(summary_path, index=False)
    per_layer(frames).to_csv(layers_path, index=False)


@verb
def cmd_claims(a: argparse.Namespace) -> None:
    from .claims.evaluate import evaluate_all

    results = evaluate_all(Path(a.results))
    _out(a.out).write_text(json.dumps(results, indent=2, allow_nan=True) + "\n")


@verb
def cmd_report(a: argparse.Namespace) -> None:
    from .report import render_report

    render_report(
        claims=Path(a.claims),
        results=Path(a.results),
        templates=Path(a.templates),
        out_md=_out(a.out_md),
        out_tex=_out(a.out_tex),
        config=json.loads(a.params),
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="vanishing", description=__doc__.splitlines()[0])
    ap.add_argument("verb", choices=sorted(VERBS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--params", default="{}", help="JSON object of the rule's parameters")
    for opt in (
        "activation",
        "init",
        "out",
        "out-dir",
        "results",
        "claims",
        "templates",
        "out-md",
        "out-tex",
        "name",
    ):
        ap.add_argument(f"--{opt}")
    ap.add_argument("--inputs", nargs="*", default=[])
    ap.add_argument("--outputs", nargs="*", default=[])
    a = ap.parse_args(argv)
    from .runtime import setup

    setup(a.threads, use_torch=a.verb not in NO_TORCH_VERBS)
    VERBS[a.verb](a)


if __name__ == "__main__":
    main(sys.argv[1:])
