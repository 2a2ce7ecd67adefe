"""End to end: the quick config through Snakemake in a temporary copy of the repo."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from vanishing.claims.evaluate import load_catalogue
from vanishing.machinery import pipeline
from vanishing.report.latex import latex_ready

from .conftest import QUICK, SNAKEMAKE, copy_built, copy_checkout, snakemake


@pytest.mark.e2e
def test_quick_report_names_every_claim(quick_run: Path) -> None:
    md = (quick_run / "report/quick/report.md").read_text()
    for claim in load_catalogue():
        assert f"**{claim['id']}**" in md, claim["id"]
    tex = (quick_run / "report/quick/report.tex").read_text()
    assert tex.count("\\textbf{") >= 50
    # nothing left unrendered: Jinja's delimiters as the templates write them (the
    # BibTeX entry's {{corporate author}} is BibTeX, not Jinja)
    assert not re.search(r"\{\{ |\{%|\{#", md), "unrendered Jinja in report.md"
    assert "(((" not in tex and "((*" not in tex


@pytest.mark.e2e
def test_quick_run_writes_figures_and_tables(quick_run: Path) -> None:
    figs = sorted(p.stem for p in (quick_run / QUICK / "figures").glob("*.png"))
    assert {"thresholds", "ratio_heatmap", "gradient_profiles", "activation_derivatives"} <= set(
        figs
    )
    assert (quick_run / QUICK / "probe/summary.csv").stat().st_size > 0
    if latex_ready():
        assert (quick_run / "report/quick/report.pdf").stat().st_size > 10_000


@pytest.mark.e2e
def test_bad_config_stops_before_any_job(quick_run: Path) -> None:
    bad = quick_run / "config/bad.yaml"
    bad.write_text(
        (quick_run / "config/quick.yaml")
        .read_text()
        .replace("activations: [sigmoid", "activations: [swish, sigmoid")
    )
    proc = snakemake(quick_run, "-n", "--configfile", str(bad), check=False)
    assert proc.returncode != 0
    assert "activations" in proc.stdout + proc.stderr


# What a reader must never see in the rendered report: Python reprs, carets, and the "?"
# an unmapped symbol used to become in the PDF.
FORBIDDEN = {
    "Python list repr": re.compile(r"\['"),
    # three or more numbers in brackets (an interval has two)
    "Python list of numbers": re.compile(r"\[[-−\d.e+]+(?:, [-−\d.e+]+){2,}\]"),
    "Python True/False": re.compile(r"\b(True|False)\b"),
    # a repr, not the English word that starts "None of 60 networks diverged"
    "Python None": re.compile(r"\bNone\b(?! of\b)"),
    "nan": re.compile(r"\bnan\b"),
    "caret": re.compile(r"\^|\\textasciicircum"),
    "'?' substitution": re.compile(r"(?<=\s)\?(?=\s)"),
}
CHECK_FIELDS = ("measured", "expected", "tolerance", "evidence", "note")


def _check_spans(text: str, rendered: dict[tuple[str, str], str]) -> list[tuple[int, int, str]]:
    """Where each claim field (as rendered) sits in the text: (start, end, 'ID field')."""
    spans = []
    for (cid, field), s in rendered.items():
        if len(s) < 3:
            continue
        start = text.find(s)
        while start >= 0:
            spans.append((start, start + len(s), f"{cid} {field}"))
            start = text.find(s, start + 1)
    return spans


def _scan(text: str, rendered: dict[tuple[str, str], str]) -> tuple[list[str], list[str]]:
    """Forbidden hits, split into (from the checks' strings, from the report's own text)."""
    spans = _check_spans(text, rendered)
    from_checks, from_report = [], []
    for what, pattern in FORBIDDEN.items():
        for m in pattern.finditer(text):
            owner = next((o for a, b, o in spans if a <= m.start() < b), None)
            snippet = text[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ")
            (from_checks if owner else from_report).append(
                f"{what}: {owner + ': ' if owner else ''}…{snippet}…"
            )
    return from_checks, from_report


# Code names a reader must never meet in a claim row: grid keys joined by slashes
# (relu/he/32, tanh_n2/glorot_standard/32/0), table columns, lower-case init codes.
CODE_NAMES = {
    "slash-joined grid key": re.compile(r"\b[a-z][a-z_]*[\d.]*/[a-z_]+[\w.]*(?:/\d+)+"),
    "table column": re.compile(r"\b(?:log10_\w+|slope_ln_delta|grad_norm|delta_norm)\b"),
    "init code": re.compile(r"\b(?:he|glorot_standard|truncated_normal|xavier|lecun)\b"),
    "activation code": re.compile(r"\b(?:tanh_n[\d.]+|leaky_relu[\d.]*|necro_relu|lecun_tanh)\b"),
}


@pytest.mark.e2e
def test_no_code_name_in_any_claim_row(quick_run: Path) -> None:
    """Every claim row of report.md, with file paths (in backticks) and links left out,
    names activations, inits and conditions by their labels."""
    md = (quick_run / "report/quick/report.md").read_text()
    # each claim's block: from its anchor to the next claim's, a figure or a heading
    blocks = re.findall(
        r'^<a id="([a-e]\d+)"></a>\n(.*?)(?=^<a id=|^## |\Z)', md, flags=re.M | re.S
    )
    assert len(blocks) == len(load_catalogue())
    hits = []
    for cid, block in blocks:
        text = re.sub(r"`[^`]*`|\]\([^)]*\)|https?://\S+", " ", block)
        for what, pattern in CODE_NAMES.items():
            for m in pattern.finditer(text):
                hits.append(f"{cid} {what}: …{text[max(0, m.start() - 40) : m.end() + 20]}…")
    assert not hits, "\n".join(hits)


@pytest.mark.e2e
def test_rendered_report_has_no_reprs_carets_or_substitutions(quick_run: Path) -> None:
    """Scans report.md and report.tex. Hits inside a string a claim check wrote
    (measured, expected, tolerance, evidence, note) are listed apart from those of the
    report's own code or templates; both fail."""
    from vanishing.report.latex import tex_text
    from vanishing.report.render import md_text, statistic_text

    claims = json.loads((quick_run / QUICK / "claims.json").read_text())["claims"]
    checks: list[str] = []
    report: list[str] = []
    for name, render in (("report.md", md_text), ("report.tex", tex_text)):
        rendered = {(c["id"], f): render(c[f]) for c in claims for f in CHECK_FIELDS if c.get(f)}
        rendered.update(
            {(c["id"], "statistic"): render(statistic_text(c.get("statistic"))) for c in claims}
        )
        text = (quick_run / "report/quick" / name).read_text()
        if name == "report.tex":
            # a caret inside math mode is LaTeX's superscript, not a leaked one: blank the
            # $…$ spans (same length, so the check strings' offsets still hold)
            text = re.sub(r"\$[^$]*\$", lambda m: " " * len(m.group(0)), text)
        ch, rep = _scan(text, rendered)
        checks += [f"{name}: {h}" for h in ch]
        report += [f"{name}: {h}" for h in rep]
    assert not report, "from the report's code or templates:\n" + "\n".join(report)
    assert not checks, "in strings the claim checks write (claims/checks_*.py):\n" + "\n".join(
        checks
    )


@pytest.mark.e2e
def test_latex_resolves_every_citation_and_keeps_its_files_out_of_report(
    quick_run: Path,
) -> None:
    # Overfull boxes and missing glyphs: tests/test_latex.py (1 pt).
    if not latex_ready():
        pytest.skip("no latexmk, XeLaTeX or CJK font: no PDF, no LaTeX log")
    logtext = (quick_run / QUICK / "latex/report.log").read_text(errors="replace")
    assert not re.search(r"Citation `[^']+' on page \d+ undefined", logtext)
    # Auxiliary files stay out of report/.
    left = {p.name for p in (quick_run / "report/quick").iterdir()}
    assert left <= {"report.md", "report.tex", "report.pdf", "references.bib"}, left


@pytest.mark.e2e
def test_figures_fit_a_github_column(quick_run: Path) -> None:
    from PIL import Image

    for png in (quick_run / QUICK / "figures").glob("*.png"):
        with Image.open(png) as im:
            assert im.width <= 1600, (png.name, im.size)


# ---- kill -9 and resume; byte-identical rebuilds ---------------------------------------

REPORT = "report/quick"  # config/quick.yaml's report_dir
BUILD = ["--cores", "2", "--configfile", "config/quick.yaml"]
# The killed build stops at report.md, before the PDF: the test's last run, which it
# needs anyway, typesets it once (XeLaTeX is 9 s of CPU). The target comes first:
# --configfile takes every path that follows it.
UP_TO_MARKDOWN = [f"{REPORT}/report.md", *BUILD]


def _incomplete(work: Path) -> list[Path]:
    """Outputs of jobs that started and did not finish (Snakemake's markers)."""
    marks = work / ".snakemake/incomplete"
    return [p for p in marks.rglob("*") if p.is_file()] if marks.exists() else []


@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second clean build of the quick config (up to report.md: every table, figure
    and report file but the PDF), killed with SIGKILL (Snakemake and every running
    job) while jobs run, then resumed as the README says: --unlock, then the same
    command with --rerun-incomplete. The test's own run adds the PDF."""
    work = copy_checkout(tmp_path_factory.mktemp("resumed"))
    build = subprocess.Popen(
        [*SNAKEMAKE, *UP_TO_MARKDOWN],
        cwd=work,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        start_new_session=True,  # its own process group: kill -9 reaches every job
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = work / QUICK
    deadline = time.monotonic() + 900
    while build.poll() is None and time.monotonic() < deadline:
        written = list(results.rglob("*.csv")) if results.exists() else []
        if len(written) >= 8 and _incomplete(work):
            break
        time.sleep(0.05)
    assert build.poll() is None, "the build ended before it could be killed"
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    assert _incomplete(work), "no job was running when the build was killed"
    snakemake(work, "--unlock", "--configfile", "config/quick.yaml")
    snakemake(work, *UP_TO_MARKDOWN, "--rerun-incomplete")
    return work


# Only the provenance (commit, machine, versions) may differ between two builds:
# the end of the Markdown and LaTeX reports, and the LaTeX title's date line.
PROVENANCE = {".md": b"## Provenance", ".tex": b"\\section*{Provenance}"}
TEX_DATE = re.compile(rb"\\date\{commit [^\n]*\n")
REPORT_OUTPUTS = ("report.md", "report.tex", "references.bib", "report.pdf")


def _without_provenance(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix not in PROVENANCE or path.parent.name != "quick":
        return data
    data = data.split(PROVENANCE[path.suffix])[0]
    return TEX_DATE.sub(b"", data) if path.suffix == ".tex" else data


def _machine_dependent(work: Path) -> list[Path]:
    """The tables the manifest declares machine-dependent, under the quick results."""
    return sorted(
        p
        for p in (work / QUICK).rglob("*")
        if p.is_file() and pipeline.is_machine_dependent(p.relative_to(work / QUICK).as_posix())
    )


def _digests(work: Path) -> dict[str, str]:
    # LaTeX's own working files (log, .fls, .fdb_latexmk) record paths and times;
    # the PDF they make is compared as report.pdf. The tables the manifest declares
    # machine-dependent (wall-clock timings) are left out: no two runs agree on them.
    latex = work / QUICK / "latex"
    skip = set(_machine_dependent(work))
    files = [
        p
        for p in (work / QUICK).rglob("*")
        if p.is_file() and latex not in p.parents and p not in skip
    ]
    files += [work / REPORT / n for n in REPORT_OUTPUTS if (work / REPORT / n).exists()]
    return {
        str(p.relative_to(work)): hashlib.sha256(_without_provenance(p)).hexdigest() for p in files
    }


@pytest.mark.e2e
def test_killed_and_resumed_build_is_byte_identical_to_a_clean_one(
    quick_run: Path, resumed_run: Path
) -> None:
    """Two clean builds in two folders give the same bytes in results/ and report/
    (apart from the provenance block and the tables declared machine-dependent),
    although one was killed (kill -9) mid-run and resumed: no partial file survives,
    no random draw or timestamp leaks in.

    The machine-dependent tables (B8's timings) differ between any two runs, and so
    would what is computed from them (claims.json, the report). The second build
    therefore gets the first one's machine-dependent tables, and Snakemake reruns
    what reads them: given the same timings, every other byte must agree."""
    timed = _machine_dependent(quick_run)
    assert timed, "no machine-dependent table was written"
    for src in timed:
        # shutil.copy, not copy2: a new mtime, so that Snakemake reruns their readers
        shutil.copy(src, resumed_run / src.relative_to(quick_run))
    rerun = snakemake(resumed_run, *BUILD)
    ran = set(re.findall(r"^\s*(?:local)?rule (\w+):", rerun.stdout + rerun.stderr, flags=re.M))
    assert "claims" in ran and "backprop" not in ran, ran
    a, b = _digests(quick_run), _digests(resumed_run)
    assert sorted(a) == sorted(b)
    assert len(a) > 100
    if latex_ready():
        assert f"{REPORT}/report.pdf" in a
    assert sorted(k for k in a if a[k] != b[k]) == []


@pytest.mark.e2e
def test_editing_a_figure_module_rebuilds_that_figure_and_the_report(
    quick_run: Path, tmp_path: Path
) -> None:
    """The edit a user makes most: one figure module. Its figure, the report and (where
    latexmk exists) the PDF are rebuilt, nothing else, and the rebuild succeeds even
    though every rebuilt file comes out byte-identical."""
    work = tmp_path / "work"
    copy_built(quick_run, work)
    fig = work / "src/vanishing/figures/thresholds.py"
    fig.write_text(fig.read_text() + "\n# edited\n")
    out = snakemake(work, "--cores", "2", "--configfile", "config/quick.yaml")
    ran = set(re.findall(r"^\s*(?:local)?rule (\w+):", out.stdout + out.stderr, flags=re.M))
    ran.discard("all")
    assert ran <= {"figure", "report", "report_pdf"} and {"figure", "report"} <= ran
    if latex_ready():
        assert (work / REPORT / "report.pdf").stat().st_size > 10_000
