"""vanishing: look into the pipeline's manifest, check a config, judge a results folder.

The pipeline itself runs with `snakemake`; its jobs call the library directly
(workflow/scripts/run_job.py), not this tool.

Examples:
    vanishing stages                        # every stage and the tables it writes
    vanishing figures                       # every figure and the tables it reads
    vanishing check-config config/quick.yaml my-overlay.yaml
    vanishing claims results/quick          # verdicts of an existing results folder
    vanishing publish                       # copy the default report into docs/report/
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cmd_stages(a: argparse.Namespace) -> None:
    from .machinery import pipeline

    for s in pipeline.STAGES:
        jobs = " (one job per group of activations)" if s.name in ("probe", "training") else ""
        print(f"{s.name}: {s.module}{jobs}")
        for key, path in s.outputs.items():
            varies = "  (machine-dependent: timings)" if key in s.machine_dependent else ""
            print(f"  {s.group}.{key:<14} {a.results}/{path}{varies}")


def cmd_figures(a: argparse.Namespace) -> None:
    from .machinery import pipeline

    for f in pipeline.FIGURES:
        print(f"{f.name} [{f.section}]: {', '.join(f.tables)}")


def cmd_check_config(a: argparse.Namespace) -> None:
    """Every check the Snakefile runs before any job (schema, studies, CUDA, memory)."""
    from .machinery.config_check import ConfigError, check_config, load_yaml, merge

    cores = (os.cpu_count() or 1) if a.cores == "all" else int(a.cores)
    config: dict[str, Any] = {}
    try:
        for f in a.files:
            merge(config, load_yaml(Path(f)))
        check_config(config, cores=cores)
    except ConfigError as e:
        raise SystemExit(f"vanishing: {e}") from None
    print(f"ok: {' + '.join(a.files)}")


def cmd_claims(a: argparse.Namespace) -> None:
    from .claims.evaluate import evaluate_all
    from .machinery.pipeline import results_at

    if not Path(a.results).is_dir():
        raise SystemExit(f"vanishing: {a.results}: no such folder")
    out = evaluate_all(results_at(a.results))
    for c in out["claims"]:
        print(f"{c['id']:<4} {c['verdict']:<12} {c['measured']}")
    print(", ".join(f"{n} {v}" for v, n in out["counts"].items()))


# ---- publish: the default report into the committed docs/report/ ------------------


def cmd_publish(a: argparse.Namespace) -> None:
    """Copy the default run's report (Markdown with figure links rewritten to figures/,
    the PDF, the cited figures, the cited tables under data/, claims.json) into
    ``--out`` with PROVENANCE.md; then write the README's published block and
    CITATION.cff from it, and print the PDF's length. It refuses a report that is not
    the reference run, was built from uncommitted changes, has no abstract, or cites
    tables that are missing or too large to publish."""
    from .publish import pages_line, publish, put_in_citation, put_in_readme, readme_block

    report, results, out = Path(a.report), Path(a.results), Path(a.out)
    written = publish(report, results, out)
    n_data = sum(1 for p in written if p.is_relative_to(out / "data"))
    print(f"published {len(written)} files to {out} ({n_data} cited tables in {out}/data)")
    md = (report / "report.md").read_text()
    if put_in_readme(Path("README.md"), readme_block(md, results / "claims.json", out)):
        print("README.md: the published block quotes the report's abstract and verdicts")
    put_in_citation(Path("CITATION.cff"), md, results / "claims.json")
    print("CITATION.cff: abstract, claim count, date, version and commit of the published report")
    if (report / "report.pdf").exists():
        print(pages_line(results / "latex"))
    else:
        print(f"no {report}/report.pdf (built when latexmk is installed): published without it")


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], None], str]] = {
    "stages": (cmd_stages, "list every stage and the tables it writes"),
    "figures": (cmd_figures, "list every figure, its report section and the tables it reads"),
    "check-config": (cmd_check_config, "check config files before a run (layered in order)"),
    "claims": (cmd_claims, "judge every claim on an existing results folder"),
    "publish": (
        cmd_publish,
        "copy the default report and the tables it cites into docs/report/, and write the "
        "README's published block and CITATION.cff from it (make publish)",
    ),
}


def main(argv: list[str] | None = None) -> None:
    doc = __doc__ or ""
    ap = argparse.ArgumentParser(
        prog="vanishing",
        description=doc.splitlines()[0],
        epilog="\n".join(doc.splitlines()[4:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--version", action="version", version=f"%(prog)s {md.version('vanishing')}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parsers = {
        name: sub.add_parser(name, help=h, description=h) for name, (_, h) in COMMANDS.items()
    }
    parsers["stages"].add_argument("--results", default="results", help="results folder")
    parsers["check-config"].add_argument("files", nargs="+", metavar="FILE")
    parsers["check-config"].add_argument(
        "--cores", default="all", help="jobs at once, for the memory check (default: all)"
    )
    parsers["claims"].add_argument("results", metavar="RESULTS_DIR")
    parsers["publish"].add_argument("--report", default="report", help="the report folder")
    parsers["publish"].add_argument("--results", default="results", help="its results folder")
    parsers["publish"].add_argument("--out", default="docs/report", help="where to publish")
    a = ap.parse_args(argv)
    try:
        COMMANDS[a.command][0](a)
    except (OSError, ValueError, KeyError) as e:
        raise SystemExit(f"vanishing: {e}") from None


if __name__ == "__main__":
    main(sys.argv[1:])
