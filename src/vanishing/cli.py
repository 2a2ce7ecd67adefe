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
import hashlib
import importlib.metadata as md
import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cmd_stages(a: argparse.Namespace) -> None:
    from . import pipeline

    for s in pipeline.STAGES:
        jobs = " (one job per group of activations)" if s.name in ("probe", "training") else ""
        print(f"{s.name}: {s.module}{jobs}")
        for key, path in s.outputs.items():
            varies = "  (machine-dependent: timings)" if key in s.machine_dependent else ""
            print(f"  {s.group}.{key:<14} {a.results}/{path}{varies}")


def cmd_figures(a: argparse.Namespace) -> None:
    from . import pipeline

    for f in pipeline.FIGURES:
        print(f"{f.name} [{f.section}]: {', '.join(f.tables)}")


def cmd_check_config(a: argparse.Namespace) -> None:
    """Every check the Snakefile runs before any job (schema, studies, CUDA, memory)."""
    from .config_check import ConfigError, check_config, load_yaml, merge

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
    from .pipeline import results_at

    if not Path(a.results).is_dir():
        raise SystemExit(f"vanishing: {a.results}: no such folder")
    out = evaluate_all(results_at(a.results))
    for c in out["claims"]:
        print(f"{c['id']:<4} {c['verdict']:<12} {c['measured']}")
    print(", ".join(f"{n} {v}" for v, n in out["counts"].items()))


# ---- publish: the default report into the committed docs/report/ ------------------

FIGURE_LINK = re.compile(r"\]\(\.\./results/figures/")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance_line(md: str, key: str) -> str:
    m = re.search(rf"^- {re.escape(key)}[^\n]*$", md, flags=re.M)
    return m.group(0)[2:] if m else f"{key}: not found in the report"


def publish(report: Path, results: Path, out: Path) -> list[Path]:
    md_path = report / "report.md"
    md = md_path.read_text()
    from .report.provenance import REFERENCE_CONFIG

    if f"config **{REFERENCE_CONFIG}**" not in md.split("\n", 3)[2]:
        raise SystemExit(
            f"{md_path} is not the {REFERENCE_CONFIG} run (see its title block): build it with "
            "`make report` before `make publish`"
        )
    if "(with uncommitted changes)" in md:
        raise SystemExit(f"{md_path} was built from uncommitted changes: commit, rebuild, publish")
    if out.exists():
        shutil.rmtree(out)
    (out / "figures").mkdir(parents=True)
    written = []
    target = out / "report.md"
    target.write_text(FIGURE_LINK.sub("](figures/", md))
    written.append(target)
    if (report / "report.pdf").exists():
        shutil.copy2(report / "report.pdf", out / "report.pdf")
        written.append(out / "report.pdf")
    cited = sorted(set(re.findall(r"\(figures/([\w-]+)\.png\)", target.read_text())))
    for name in cited:
        for ext in ("png", "pdf"):
            src = results / "figures" / f"{name}.{ext}"
            if src.exists():
                shutil.copy2(src, out / "figures" / src.name)
                written.append(out / "figures" / src.name)
    shutil.copy2(results / "claims.json", out / "claims.json")
    written.append(out / "claims.json")
    counts = json.loads((results / "claims.json").read_text()).get("counts", {})
    lines = [
        "# Provenance of the published report",
        "",
        "Copied by `make publish` from the default run's `report/` and `results/`.",
        "",
        f"- {provenance_line(md, 'config:')}",
        f"- {provenance_line(md, 'git commit:')}",
        f"- {provenance_line(md, 'vanishing')}",
        "- verdicts: " + ", ".join(f"{n} {v}" for v, n in counts.items()),
        "",
        "| file | sha256 |",
        "|---|---|",
        *(f"| {p.relative_to(out)} | `{_sha256(p)}` |" for p in written),
        "",
    ]
    (out / "PROVENANCE.md").write_text("\n".join(lines))
    return written


README_START, README_END = "<!-- published:start -->", "<!-- published:end -->"


def readme_block(md: str, claims_json: Path, out: Path) -> str:
    """The README's summary of the published report, from its claims.json: the
    verdict counts and the abstract's findings (the report's own rule picks them)."""
    from .report.render import VERDICTS, findings, md_text, verdict_counts

    data = json.loads(claims_json.read_text())
    counts = verdict_counts(data)
    total = sum(counts.values())
    tally = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts.get(v))
    lines = [
        f"The published report, [`{out}/report.md`]({out}/report.md) (and "
        f"[PDF]({out}/report.pdf)), is the default run: {provenance_line(md, 'config:')}; "
        f"{provenance_line(md, 'git commit:')}. Of its {total} claims: **{tally}**.",
        "",
        "Its findings, chosen by the report's fixed rule:",
        "",
    ]
    for f in findings(data["claims"]):
        said, found = md_text(f["text"]), md_text(f["result"])
        lines.append(f"- **{f['id']}** ({f['verdict']}): {said} Measured: {found}.")
    return "\n".join(lines) + "\n"


def put_in_readme(
    readme: Path, block: str, start: str = README_START, end: str = README_END
) -> bool:
    """Replace what stands between the README's two markers (the published block
    unless told otherwise) with ``block``; False if it has no such markers."""
    doc = readme.read_text()
    if start not in doc or end not in doc:
        return False
    head, rest = doc.split(start, 1)
    readme.write_text(f"{head}{start}\n{block}{end}{rest.split(end, 1)[1]}")
    return True


def cite_fields(md: str, claims_json: Path) -> dict[str, str]:
    """What CITATION.cff states about the published report, from the report itself: the
    claim count, the build date and the year, so that the citation cannot drift."""
    n = len(json.loads(claims_json.read_text())["claims"])
    m = re.search(r"build date: (\d{4})-(\d{2})-(\d{2})", md)
    date = "-".join(m.groups()) if m else ""
    return {"claims": str(n), "date": date, "year": date[:4]}


def put_in_citation(cff: Path, fields: dict[str, str]) -> bool:
    """Rewrite CITATION.cff's claim count, date-released and preferred-citation year."""
    if not cff.exists():
        return False
    doc = cff.read_text()
    doc = re.sub(
        r"analytic computation, \d+ claims", f"analytic computation, {fields['claims']} claims", doc
    )
    if fields["date"]:
        doc = re.sub(r"^date-released: .*$", f"date-released: {fields['date']}", doc, flags=re.M)
        if re.search(r"^  year: ", doc, flags=re.M):
            doc = re.sub(r"^  year: .*$", f"  year: {fields['year']}", doc, flags=re.M)
        else:
            doc = doc.replace(
                "preferred-citation:\n", f"preferred-citation:\n  year: {fields['year']}\n", 1
            )
    cff.write_text(doc)
    return True


def cmd_publish(a: argparse.Namespace) -> None:
    """Copy the default run's report (Markdown with figure links rewritten to figures/,
    the PDF, the cited figures, claims.json) into ``--out`` with PROVENANCE.md. It refuses
    a report that is not the reference run or was built from uncommitted changes."""
    written = publish(Path(a.report), Path(a.results), Path(a.out))
    print(f"published {len(written)} files to {a.out}")
    block = readme_block(
        (Path(a.report) / "report.md").read_text(), Path(a.results) / "claims.json", Path(a.out)
    )
    if put_in_readme(Path("README.md"), block):
        print("README.md: the published block now states these verdicts")
    md = (Path(a.report) / "report.md").read_text()
    if put_in_citation(Path("CITATION.cff"), cite_fields(md, Path(a.results) / "claims.json")):
        print("CITATION.cff: claim count, release date and year from the published report")


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], None], str]] = {
    "stages": (cmd_stages, "list every stage and the tables it writes"),
    "figures": (cmd_figures, "list every figure, its report section and the tables it reads"),
    "check-config": (cmd_check_config, "check config files before a run (layered in order)"),
    "claims": (cmd_claims, "judge every claim on an existing results folder"),
    "publish": (cmd_publish, "copy the default report into docs/report/ (make publish)"),
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
