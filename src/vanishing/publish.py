"""`make publish`: the default run's report, its figures and the tables it cites into
the committed docs/report/, and the README's and CITATION.cff's statements about it.

Everything written here is read from the built report (report.md, its LaTeX aux and
log) and from claims.json, never typed by hand, so that the README, CITATION.cff and
the report cannot disagree.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from .report.citation import citation_cff
from .report.provenance import REFERENCE_CONFIG

# Tables published beside the report, in all: a reader downloads the repository to
# open them, so raw per-step logs do not belong here (the limit).
DATA_LIMIT_BYTES = 5_000_000
DATA_DIR = "data"
# Tables are published gzip-compressed (full-precision CSVs compress about 4×; pandas
# reads them as they are): data/<path the report prints>.gz.
COMPRESSED = ".gz"
# Raw logs are named by their local-build path (results/…) and not published.
LOCAL_ONLY = "results/"
TABLE_SUFFIXES = (".csv", ".json", ".parquet", ".tsv")

# An HTML tag the report writes (<a id="a1"></a>, <br>, <details>): a letter right after
# the "<", so that "|x| < 0.4" and "n > 1" stay.
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z-]+=(?:\"[^\"]*\"|'[^']*'))*\s*/?>")
FIGURE_LINK = re.compile(r"\]\(\.\./results/figures/")
# A backticked path the report prints for a table: `probe/summary.csv`,
# `studies/training/grid/*/layers.csv` (a glob over per-job tables).
TABLE_TOKEN = re.compile(r"`([^`\s]+(?:" + "|".join(re.escape(s) for s in TABLE_SUFFIXES) + r"))`")


def _size(n: float) -> str:
    """'35.3 MB', '12 kB', '16 B'."""
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if unit == "MB" else f"{n / scale:.0f} {unit}"
    return f"{n:.0f} B"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- what the built report says about itself ----------------------------------------


def provenance_line(md: str, key: str) -> str:
    """The report's Provenance line that starts with ``key``, without its bullet."""
    m = re.search(rf"^- {re.escape(key)}[^\n]*$", md, flags=re.M)
    return m.group(0)[2:] if m else f"{key}: not found in the report"


def report_facts(md: str) -> dict[str, str]:
    """Commit, build date, version and config of a built report, from its Provenance
    section ('unknown' where a line is missing)."""
    patterns = {
        "commit": r"^- git commit: `([^`]+)`",
        "date": r"build date: (\d{4}-\d{2}-\d{2})",
        "version": r"^- vanishing (\S+?),",
        "config": r"^- config: ([^;\n]+);",
        "config_hash": r"^- config: [^\n]*`([0-9a-f]+)`",
    }
    facts = {}
    for key, pattern in patterns.items():
        m = re.search(pattern, md, flags=re.M)
        facts[key] = m.group(1) if m else "unknown"
    return facts


def section(md: str, heading: str) -> str | None:
    """The Markdown under ``## heading`` up to the next ``## `` heading (None if absent)."""
    m = re.search(rf"^## {re.escape(heading)}[ \t]*\n(.*?)(?=^## |\Z)", md, flags=re.M | re.S)
    return m.group(1) if m else None


def plain_text(markdown: str) -> str:
    """Markdown prose as plain text for CITATION.cff and the README: links keep their
    text, emphasis, code marks and HTML tags go, images and figure captions are dropped,
    and each paragraph or list item becomes one line (separated by a blank line)."""
    paragraphs = []
    for para in re.split(r"\n\s*\n|\n(?=[ \t]*[-*+] )", markdown):
        if re.match(r"\s*(!\[|<a id=\"figure-|\*\*Figure \d)", para):
            continue  # a figure and its caption are not prose
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", para)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = HTML_TAG.sub(" ", text)
        text = re.sub(r"\*\*|\*|`", "", text)
        text = text.replace("\\|", "|")
        text = " ".join(text.split())
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def report_abstract(md: str) -> str:
    """The published report's abstract as plain text: what CITATION.cff and the README
    quote. A report without a ``## Abstract`` section cannot be published."""
    body = section(md, "Abstract")
    if body is None or not plain_text(body):
        raise ValueError("the report has no '## Abstract' section to quote")
    return plain_text(body)


# The order the report's abstract states the verdicts in: from holds to not tested.
TALLY_ORDER = ("supported", "qualified", "refuted", "inconclusive", "not tested")


def verdict_tally(data: dict[str, Any]) -> tuple[int, str]:
    """(number of claims, '35 supported, 7 qualified, …') from claims.json's claims;
    a verdict TALLY_ORDER does not know comes last rather than going unsaid."""
    verdicts = [c["verdict"] for c in data["claims"]]
    order = [*TALLY_ORDER, *sorted(set(verdicts) - set(TALLY_ORDER))]
    tally = ", ".join(f"{verdicts.count(v)} {v}" for v in order if v in verdicts)
    return len(verdicts), tally


# ---- the tables the report cites ----------------------------------------------------


def cited_tables(md: str) -> list[str]:
    """Every table path the report cites: backticked tokens ending in .csv, .json,
    .parquet or .tsv that are relative paths (relative to the results folder, as the
    report says; a '*' is a glob over per-job tables). Sorted, without repeats."""
    found = set()
    for token in TABLE_TOKEN.findall(md):
        parts = Path(token).parts
        if token.startswith(("/", "~")) or "://" in token or ".." in parts:
            continue  # absolute, a URL or outside the results folder: not a cited table
        if token.startswith(LOCAL_ONLY):
            continue  # a raw log the report names by its local path: not published
        found.add(token)
    return sorted(found)


def resolve_tables(cited: list[str], results: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Each cited path → the files under ``results`` it names (a glob may name several),
    and the cited paths that name no file."""
    found: dict[str, list[Path]] = {}
    missing = []
    for rel in cited:
        files = sorted(Path(p) for p in glob.glob(str(results / rel)) if Path(p).is_file())
        if files:
            found[rel] = files
        else:
            missing.append(rel)
    return found, missing


def check_tables(cited: list[str], results: Path) -> list[Path]:
    """The files to publish for ``cited``; raises if one is missing or if they would
    exceed DATA_LIMIT_BYTES, naming the largest so the citing rows can be changed."""
    found, missing = resolve_tables(cited, results)
    if missing:
        raise ValueError(
            f"the report cites tables that {results}/ does not hold: {', '.join(missing)} "
            "(table paths in the report are relative to the results folder)"
        )
    sizes = {rel: sum(len(compressed(f)) for f in files) for rel, files in found.items()}
    total = sum(sizes.values())
    if total > DATA_LIMIT_BYTES:
        largest = sorted(sizes, key=sizes.__getitem__, reverse=True)[:5]
        raise ValueError(
            f"the tables the report cites come to {_size(total)} compressed, more than the "
            f"{_size(DATA_LIMIT_BYTES)} that may be published beside it; largest: "
            + ", ".join(f"{rel} ({_size(sizes[rel])})" for rel in largest)
            + " (cite a summary table instead of a raw log, or declare the log raw in "
            "pipeline.py)"
        )
    return [f for files in found.values() for f in files]


def compressed(path: Path) -> bytes:
    """The file gzip-compressed with no name and no time in its header, so that the same
    table gives the same bytes."""
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


def copy_tables(files: list[Path], results: Path, data: Path) -> list[Path]:
    """Write each file, compressed, to the same path under ``data`` as under ``results``
    with ``.gz`` added."""
    written = []
    for src in files:
        rel = src.relative_to(results)
        target = data / rel.with_name(rel.name + COMPRESSED)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(compressed(src))
        written.append(target)
    return written


# ---- the PDF's length ---------------------------------------------------------------

APPENDIX_LABEL = "appendix-start"


def page_counts(aux: str, log: str) -> tuple[int | None, int | None]:
    """(total pages, page the appendix starts on) from LaTeX's aux and log text.

    The total is the log's "Output written on … (N pages" (pdfLaTeX and LuaLaTeX name
    the .pdf, XeLaTeX the .xdv) or else the aux's \\@abspage@last; the appendix page is
    the page field of ``\\newlabel{appendix-start}{{num}{page}…}``. None where absent."""
    total = None
    m = re.search(r"Output written on .*?\((\d+) pages?", log, flags=re.S)
    if m is None:
        m = re.search(r"\\gdef\s*\\@abspage@last\{(\d+)\}", aux)
    if m:
        total = int(m.group(1))
    first = None
    m = re.search(r"\\newlabel\{" + re.escape(APPENDIX_LABEL) + r"\}\{\{[^{}]*\}\{(\d+)\}", aux)
    if m:
        first = int(m.group(1))
    return total, first


def pages_line(latex_dir: Path, name: str = "report.pdf") -> str:
    """'report.pdf: 31 pages (main text 22, appendix and references 9)', or what is
    missing to say so."""
    aux = latex_dir / "report.aux"
    log = latex_dir / "report.log"
    total, first = page_counts(
        aux.read_text(errors="replace") if aux.exists() else "",
        log.read_text(errors="replace") if log.exists() else "",
    )
    if total is None:
        return f"{name}: page count unknown (no LaTeX log or aux in {latex_dir})"
    if first is None:
        return (
            f"{name}: {total} pages (no \\label{{{APPENDIX_LABEL}}} in {aux}: "
            "main text and appendix not told apart)"
        )
    main, rest = first - 1, total - first + 1
    return f"{name}: {total} pages (main text {main}, appendix and references {rest})"


# ---- publish ------------------------------------------------------------------------


def check_reference_run(md: str, md_path: Path) -> None:
    """Refuse a report that is not the reference run or was built from uncommitted
    changes: the published copy must be one anybody can rebuild."""
    lines = md.splitlines()
    title_block = lines[2] if len(lines) > 2 else ""
    if f"config **{REFERENCE_CONFIG}**" not in title_block:
        raise SystemExit(
            f"{md_path} is not the {REFERENCE_CONFIG} run (see its title block): build it with "
            "`make report` before `make publish`"
        )
    if "(with uncommitted changes)" in md:
        raise SystemExit(f"{md_path} was built from uncommitted changes: commit, rebuild, publish")


def publish(report: Path, results: Path, out: Path) -> list[Path]:
    """Copy the report (figure links rewritten to figures/), its PDF, the figures and
    tables it cites (tables under data/, at the paths the report prints) and claims.json
    into ``out``, with PROVENANCE.md hashing every file. Checks everything before it
    removes the old ``out``."""
    md_path = report / "report.md"
    md = md_path.read_text()
    check_reference_run(md, md_path)
    report_abstract(md)  # the README and CITATION.cff quote it: fail before writing
    tables = check_tables(cited_tables(md), results)
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
    written += copy_tables(tables, results, out / DATA_DIR)
    _, tally = verdict_tally(json.loads((results / "claims.json").read_text()))
    lines = [
        "# Provenance of the published report",
        "",
        "Copied by `make publish` from the default run's `report/` and `results/`. The",
        f"tables the report cites are in `{DATA_DIR}/`, at the paths the report prints",
        f"(relative to the results folder) with `{COMPRESSED}` added (gzip).",
        "",
        f"- {provenance_line(md, 'config:')}",
        f"- {provenance_line(md, 'git commit:')}",
        f"- {provenance_line(md, 'vanishing')}",
        f"- verdicts: {tally}",
        "",
        "| file | sha256 |",
        "|---|---|",
        *(f"| {p.relative_to(out)} | `{_sha256(p)}` |" for p in written),
        "",
    ]
    (out / "PROVENANCE.md").write_text("\n".join(lines))
    return written


# ---- README and CITATION.cff --------------------------------------------------------

README_START, README_END = "<!-- published:start -->", "<!-- published:end -->"


def readme_block(md: str, claims_json: Path, out: Path) -> str:
    """The README's summary of the published report: where it is, what it was built
    from, the verdict tally from claims.json, and the report's own abstract quoted."""
    n, tally = verdict_tally(json.loads(claims_json.read_text()))
    quoted = "\n>\n".join(f"> {p}" for p in report_abstract(md).split("\n\n"))
    lines = [
        f"The published report, [`{out}/report.md`]({out}/report.md) (and "
        f"[PDF]({out}/report.pdf)), is the default run: {provenance_line(md, 'config:')}; "
        f"{provenance_line(md, 'git commit:')}. Of its {n} claims: **{tally}**.",
        "",
        "Its abstract:",
        "",
        quoted,
    ]
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


CFF_HEADER = (
    "# Written by `make publish` (src/vanishing/publish.py) from the published report\n"
    "# and its claims.json: edit src/vanishing/report/citation.py, not this file.\n"
)


CFF_WIDTH = 100


class _CffDumper(yaml.SafeDumper):
    """Long prose as folded blocks and no YAML anchors, so the file reads like the one
    people write."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, s: str) -> yaml.ScalarNode:
    style = ">" if len(s) > CFF_WIDTH else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


_CffDumper.add_representer(str, _str)


def citation_text(md: str, claims_json: Path) -> str:
    """CITATION.cff's text for a published report: its abstract, claim count, tally,
    build date, version and commit (report.md) and claims.json."""
    facts = report_facts(md)
    n, tally = verdict_tally(json.loads(claims_json.read_text()))
    cff = citation_cff(
        version=facts["version"],
        date=facts["date"],
        commit=facts["commit"],
        abstract=report_abstract(md),
        n_claims=n,
        tally=tally,
        config=f"{facts['config']}, hash {facts['config_hash']}",
    )
    body = yaml.dump(cff, Dumper=_CffDumper, sort_keys=False, allow_unicode=True, width=CFF_WIDTH)
    return CFF_HEADER + body


def put_in_citation(cff: Path, md: str, claims_json: Path) -> None:
    cff.write_text(citation_text(md, claims_json))
