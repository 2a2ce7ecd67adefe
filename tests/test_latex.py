"""The PDF's typesetting: text → LaTeX (report/latex.py), the preamble
(report/templates/preamble.tex.j2) under XeLaTeX, and the quick build's LaTeX log."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest
import yaml

from vanishing.claims.evaluate import CATALOGUE
from vanishing.claims.verdict import METHOD
from vanishing.report.bibliography import bibtex, load_references, md_reference
from vanishing.report.citation import AUTHORS, KEYWORDS, SUBJECT, TITLE
from vanishing.report.latex import (
    CJK_FONT,
    LATEX_APT,
    latex_ready,
    tex_code,
    tex_escape,
    tex_pdfstring,
    tex_text,
)
from vanishing.report.render import _environment

from .conftest import QUICK, ROOT

TEMPLATES = ROOT / "report/templates"
SOURCES = yaml.safe_load(CATALOGUE.read_text())["sources"]
CLAIMS = yaml.safe_load(CATALOGUE.read_text())["claims"]
NO_LATEX = "no latexmk, XeLaTeX or CJK font here: no PDF (the Markdown report needs none)"


# ---- subscripts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tex"),
    [
        ("σ_b²", r"$\sigma_{b}^{2}$"),  # Greek base, letter subscript, joined superscript
        ("σ_w²/fan_in", r"$\sigma_{w}^{2}$/$\mathrm{fan}_{\mathrm{in}}$"),
        ("δ_out", r"$\delta_{\mathrm{out}}$"),  # a word as subscript: upright
        ("W_T", r"$W_{T}$"),
        ("W_0 and W_L", r"$W_{0}$ and $W_{L}$"),
        ("∂L/∂W_l", r"$\partial$L/$\partial$$W_{l}$"),
        ("δ_l", r"$\delta_{l}$"),
        ("h_(l−1)", r"$h_{l-1}$"),  # a parenthesised group, true minus
        ("W_{i+1}ᵀ", r"$W_{i+1}^{\top}$"),  # a braced group and a transpose
        ("∇_θ L", r"$\nabla_{\theta}$ L"),
        ("Σ_l", r"$\Sigma_{l}$"),
        ("1/n_l", r"1/$n_{l}$"),
        ("t_explode(2)", r"$t_{\mathrm{explode}}$(2)"),
    ],
)
def test_a_subscript_is_typeset_as_math(text: str, tex: str) -> None:
    assert tex_escape(text) == tex


@pytest.mark.parametrize(
    ("text", "tex"),
    [
        ("leaky_slope", r"leaky\_slope"),  # a code name: its base is a longer word
        ("x86_64", r"x86\_64"),
        ("vanishing.figures.training_dead_units", r"vanishing.figures.training\_dead\_units"),
        ("check_a1_max_derivative", r"check\_a1\_max\_derivative"),
        ("t_k_max", r"t\_k\_max"),  # a chain of underscores is a name, not a subscript
        ("a _ b", r"a \_ b"),
    ],
)
def test_code_names_keep_their_underscores(text: str, tex: str) -> None:
    assert tex_escape(text) == tex


def test_free_text_gets_subscripts_and_links() -> None:
    tex = tex_text("δ_out falls, see https://example.org/a_b")
    assert tex.startswith(r"$\delta_{\mathrm{out}}$ falls")
    assert r"\url{https://example.org/a_b}" in tex  # the URL's underscore stays


def test_a_superscript_after_a_subscript_must_be_a_superscript() -> None:
    with pytest.raises(ValueError, match="subscript"):
        tex_escape("σ_b₂")


def test_a_run_of_sub_and_superscripts_gives_a_group_each() -> None:
    """'W₁ᵀ' (the transpose of W₁) and 'χ²₁': one LaTeX group per stretch of one kind."""
    assert tex_text("W₁ᵀ") == r"W\textsubscript{1}\textsuperscript{\ensuremath{\top}}"
    assert tex_text("x²₁") == r"x\textsuperscript{2}\textsubscript{1}"


# ---- Markdown markup ------------------------------------------------------------------


def test_markdown_markup_becomes_latex() -> None:
    tex = tex_escape("its **form**, an *existence* claim and `leaky_slope`")
    assert tex == (
        r"its \textbf{form}, an \emph{existence} claim and \texttt{leaky\_\allowbreak{}slope}"
    )
    # nested: emphasis inside bold, a subscript inside emphasis
    assert tex_escape("**a *b* c**") == r"\textbf{a \emph{b} c}"
    assert tex_escape("*δ_out*") == r"\emph{$\delta_{\mathrm{out}}$}"


@pytest.mark.parametrize(
    "text", ["2*x*3", "a * b * c", "x** and **", "5 * 3", "grid/*/layers.csv and e2/*/units.csv"]
)
def test_asterisks_that_are_not_markup_stay(text: str) -> None:
    assert "\\textbf" not in tex_escape(text) and "\\emph" not in tex_escape(text)
    assert tex_escape(text).count("*") == text.count("*")


def test_the_method_text_has_no_literal_markup_left() -> None:
    """Text from claims.json may carry Markdown emphasis and code: in LaTeX no asterisk
    or backtick of it may survive, in the verdict rule's text or in a sample with each."""
    sample = "An *existence* claim is **qualified** when `leaky_slope` is set. " + METHOD
    tex = tex_escape(sample)
    assert "*" not in tex and "`" not in tex.replace("``", "")
    for code in re.findall(r"`([^`]+)`", sample):
        assert tex_code(code) in tex, code
    assert r"\textbf{qualified}" in tex and r"\emph{existence}" in tex


def test_straight_quotes_become_curly_outside_code() -> None:
    assert tex_escape('the "standard" init ("can")') == "the ``standard'' init (``can'')"
    assert tex_escape("the 'standard' init's f'(x)") == "the `standard' init's f'(x)"
    assert tex_escape('`x = "a"`') == '\\texttt{x = "a"}'


def test_code_breaks_after_underscores_dots_and_slashes() -> None:
    assert tex_code("results/a_b.csv") == (
        r"\texttt{results/\allowbreak{}a\_\allowbreak{}b.\allowbreak{}csv}"
    )


# ---- CJK and the PDF's strings --------------------------------------------------------


def test_cjk_runs_go_to_the_cjk_font() -> None:
    assert (
        tex_escape("title (深度學習解密:我的梯度)") == r"title (\cjk{深度學習解密}:\cjk{我的梯度})"
    )
    title = SOURCES["C"]["title"]
    assert re.search(r"[\u4e00-\u9fff]", title), "source C's title lost its Chinese"
    tex = tex_escape(title)
    assert r"\cjk{" in tex and "()" not in tex


def test_the_bibliography_prints_source_cs_chinese_title() -> None:
    """In BibTeX inside \\cjk (the .bbl goes to XeLaTeX as it is), in Markdown as it is."""
    (src_c,) = [e for e in load_references(TEMPLATES) if "C" in e.get("cited_by", [])]
    chinese = re.findall(r"[\u4e00-\u9fff]+", SOURCES["C"]["title"])
    assert chinese and all(run in src_c["title"] for run in chinese)
    bib = bibtex([src_c])
    assert all(f"\\cjk{{{run}}}" in bib for run in chinese)
    assert all(run in md_reference(src_c) and "cjk" not in md_reference(src_c) for run in chinese)


def test_the_preamble_defines_what_latex_py_emits() -> None:
    pre = (TEMPLATES / "preamble.tex.j2").read_text()
    assert CJK_FONT in pre and r"\newcommand{\cjk}" in pre
    for macro in (r"\unnumberedsection", r"\reportfigure", r"\doi"):
        assert f"\\newcommand{{{macro}}}" in pre, macro
    assert r"\DefineVerbatimEnvironment{codeblock}" in pre


def test_make_installs_what_the_preamble_needs() -> None:
    """The Makefile's `latex` target and the README install the engine and the font
    that latex_ready looks for and the preamble uses."""
    makefile = (ROOT / "Makefile").read_text()
    assert f"CJK_FONT := {CJK_FONT}" in makefile
    assert f"LATEX_APT := {LATEX_APT}" in makefile
    assert "texlive-xetex fonts-noto-cjk" in (ROOT / "README.md").read_text()


def test_pdf_strings_keep_unicode_and_escape_specials() -> None:
    assert tex_pdfstring("σ_b² & 50% 深度") == r"σ\_b² \& 50\% 深度"


# ---- the preamble under XeLaTeX -------------------------------------------------------

BODY = r"""
\begin{document}
\maketitle
\unnumberedsection{Abstract}
((( abstract|e )))
\section{Results}
Source: \emph{((( source_c|e ))).} ((( method|e ))) Cited \citep{((( keys|join(",") )))}.
((* for c in claims *))
((( c|t )))
((* endfor *))
\unnumberedsection{Glossary}
\begin{codeblock}
@techreport{vanishing_report,
((( long_line )))
}
\end{codeblock}
\reportfigure{tall.pdf}{A tall figure from ((( "results/studies/training/grid/*/layers.csv"|path
))) and ((( "results/studies/training/e2/steps.csv"|path ))).}{fig:tall}
Figure~\ref{fig:tall}.
\bibliographystyle{plainnat}
\bibliography{references}
\end{document}
"""


def _compile(folder: Path, raw: str = "") -> Path:
    """The real preamble with a body that uses every shape latex.py emits (and `raw`
    LaTeX, unescaped), through latexmk -xelatex as the report_pdf rule runs it; returns
    the build folder."""
    env = _environment(TEMPLATES, latex=True)
    ctx = {
        "title": TITLE,
        "authors": AUTHORS,
        "subject": SUBJECT,
        "keywords": KEYWORDS,
        "config": {"label": "quick"},
        "provenance": {
            "config_hash": "0123456789abcdef",
            "date": "2026-01-01",
            "commit": "abc",
            "version": "0.1.0",
        },
    }
    body = (
        env.from_string(BODY)
        .render(
            abstract="We test σ_b², δ_out, W_T, ∂L/∂W_l and h_(l−1) at 10⁻⁶ ± 0.1 (χ1 ≈ 1).",
            source_c=SOURCES["C"]["title"],
            method="An *existence* claim is **supported** when `leaky_slope` is ≥ 0.",
            claims=[c["text"] for c in CLAIMS],
            keys=[e["key"] for e in load_references(TEMPLATES)],
            # a verbatim line longer than the page is wide (the quick build's BibTeX note)
            long_line="  note = {Built by the vanishing pipeline 0.1.0, config quick (hash "
            "0123456789abcdef), unknown (not a git checkout; set SOURCE_DATE_EPOCH)}",
        )
        .replace(r"\end{document}", raw + r"\end{document}")
    )
    text = env.get_template("preamble.tex.j2").render(**ctx) + body
    folder.mkdir(parents=True)
    fig = plt.figure(figsize=(4, 9))  # taller than the page allows: \reportfigure caps it
    fig.savefig(folder / "tall.pdf", metadata={"CreationDate": None})
    plt.close(fig)
    (folder / "report.tex").write_text(text)
    (folder / "references.bib").write_text(bibtex(load_references(TEMPLATES)))
    env_vars = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "FORCE_SOURCE_DATE": "1"}
    proc = subprocess.run(
        ["latexmk", "-g", "-xelatex", "-interaction=nonstopmode", "-halt-on-error"]
        + ["-cd", f"-outdir={folder / 'build'}", str(folder / "report.tex")],
        capture_output=True,
        text=True,
        env=env_vars,
        check=False,
    )
    log = folder / "build/report.log"
    assert proc.returncode == 0, (log.read_text(errors="replace") if log.exists() else "")[-3000:]
    return folder / "build"


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not latex_ready():
        pytest.skip(NO_LATEX)
    tmp = tmp_path_factory.mktemp("latex")
    return _compile(tmp / "a"), _compile(tmp / "elsewhere/b")


def test_a_glyph_the_fonts_lack_stops_the_build(tmp_path: Path) -> None:
    """fontspec only warns about a missing glyph and prints nothing; the preamble makes
    it an error, so that no character can silently vanish from the PDF."""
    if not latex_ready():
        pytest.skip(NO_LATEX)
    with pytest.raises(AssertionError, match="Missing character"):
        _compile(tmp_path / "snow", raw="snow \u2603\n")


def test_the_same_document_in_two_folders_gives_the_same_bytes(
    two_builds: tuple[Path, Path],
) -> None:
    a, b = two_builds
    assert (a / "report.pdf").read_bytes() == (b / "report.pdf").read_bytes()


def test_every_character_has_a_glyph_and_nothing_overflows(two_builds: tuple[Path, Path]) -> None:
    log = (two_builds[0] / "report.log").read_text(errors="replace")
    assert "Missing character" not in log
    assert not re.search(r"Font shape .* undefined", log), "a font shape was substituted"
    assert _overfull(log) == []


PDF_STRING = rb"/%s\(((?:\\.|[^\\)])*)\)"


def _pdf_strings(xdv: bytes, key: str) -> list[str]:
    """The values of /Key(...) in the .xdv's specials (the PDF's info and outline,
    uncompressed there), decoded: hyperref writes Unicode strings as UTF-16 with octal
    escapes."""
    out = []
    for m in re.finditer(PDF_STRING % key.encode(), xdv):
        raw = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda e: bytes([int(e[1], 8)]) if e[1].isdigit() else e[1],
            m.group(1),
        )
        out.append(raw[2:].decode("utf-16-be") if raw[:2] == b"\xfe\xff" else raw.decode("latin-1"))
    return out


def test_the_pdf_carries_metadata_links_and_outline(two_builds: tuple[Path, Path]) -> None:
    """Read from the .xdv, which holds the PDF's specials uncompressed."""
    xdv = (two_builds[0] / "report.xdv").read_bytes()
    info = {k: _pdf_strings(xdv, k) for k in ("Title", "Author", "Subject", "Keywords")}
    assert info["Author"] == [AUTHORS] and info["Subject"] == [SUBJECT]
    assert info["Keywords"] == [", ".join(KEYWORDS)]
    assert TITLE in info["Title"]
    for doi in (e["doi"] for e in load_references(TEMPLATES) if e.get("doi")):
        assert f"/URI(https://doi.org/{doi})".encode() in xdv, doi
    # the outline: unnumbered sections and the references too
    outline = _pdf_strings(xdv, "Title")[1:]
    assert outline == ["Abstract", "1 Results", "Glossary", "References"], outline


# ---- the quick build's log ------------------------------------------------------------

OVERFULL = re.compile(r"^Overfull \\hbox \(([\d.]+)pt too wide\) (.*)$", re.M)


def _overfull(log: str, limit: float = 1.0) -> list[str]:
    """'Overfull \\hbox (Xpt too wide) in paragraph at lines a--b' with X > limit."""
    return [
        f"{m.group(1)} pt {m.group(2)}" for m in OVERFULL.finditer(log) if float(m.group(1)) > limit
    ]


def test_overfull_boxes_are_read_from_the_log() -> None:
    log = (
        "Overfull \\hbox (0.5pt too wide) in paragraph at lines 1--2\n"
        "Overfull \\hbox (12.3pt too wide) in alignment at lines 7--9\n"
    )
    assert _overfull(log) == ["12.3 pt in alignment at lines 7--9"]


@pytest.mark.e2e
def test_quick_pdf_has_no_overfull_box_above_1pt_and_no_missing_glyph(quick_run: Path) -> None:
    if not latex_ready():
        pytest.skip(NO_LATEX)
    log = (quick_run / QUICK / "latex/report.log").read_text(errors="replace")
    missing = sorted(set(re.findall(r"Missing character: .*", log)))
    assert not missing, "\n".join(missing)
    substituted = sorted(set(re.findall(r"Font shape .* undefined", log)))
    assert not substituted, "\n".join(substituted)
    too_wide = _overfull(log)
    assert not too_wide, "overfull boxes (report.tex lines):\n" + "\n".join(too_wide)


def test_latex_ready_needs_the_engine_and_the_font(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda n: None if n == "xelatex" else real(n))
    assert not latex_ready()


def test_digit_indices_are_subscripts_and_a_percent_stays_with_its_number() -> None:
    assert tex_escape("the gain χ1, at t1(n)") == r"the gain $\chi_{1}$, at $t_{1}$(n)"
    # names that merely end in 1 stay text
    assert tex_escape("tanh1 and x1 and t10") == "tanh1 and x1 and t10"
    assert tex_escape("68.3 % of") == r"68.3~\% of"
