"""Render the report (Markdown and LaTeX) from results/ with Jinja2.

Every number in the report comes from a file the pipeline wrote; the templates hold
prose and layout only. StrictUndefined makes a missing value fail the build instead of
printing an empty cell.

Layout: a title block naming the config and the build date (a banner when it is not
the reference run), an abstract with the verdict counts and findings chosen by rule
from claims.json, then per source its claims table followed by the figures it cites,
numbered in order of first mention, each caption ending with the module and the tables
that made it; a glossary of code names, the references (cited where used) and the
provenance, including a BibTeX entry for the report itself.

LaTeX: pdfLaTeX with a fixed mapping from every Unicode symbol the text uses to a LaTeX
command (``_TEX_UNICODE``; Greek letters and sub/superscripts by name). A character
without a mapping stops the build with its name, rather than printing "?" or a missing
glyph. Why not LuaLaTeX with a Unicode font: a glyph the font lacks is only a warning
in the log (the same silent loss as before), it needs texlive-luatex and fonts beyond
the README's install line, and it compiles slower. Why not pylatexenc: a dependency for
about 80 symbols we control, and its output for some of them needs packages anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.metadata as md
import json
import logging
import os
import platform
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import jinja2
import yaml

from . import labels as lab
from .claims.evaluate import CATALOGUE
from .tables import Tables

log = logging.getLogger("vanishing.report")

PACKAGES = (
    "torch",
    "numpy",
    "pandas",
    "matplotlib",
    "seaborn",
    "jinja2",
    "snakemake",
    "scikit-learn",
)
SECTIONS = {
    "A": "Source A: tanh(n·x) and the vanishing gradient",
    "B": "Source B: how ReLU addresses vanishing gradients",
    "C": "Source C: where did my gradient go?",
    "D": "Source D: exploding and vanishing gradients, a tutorial",
    "E": "Beyond the sources: the literature",
}
VERDICTS = ("supported", "qualified", "refuted", "inconclusive", "not tested")
# The config whose report is the reference run (the one docs/report/ publishes).
REFERENCE_CONFIG = "default"
# The figure the abstract shows first (built from claims.json).
OVERVIEW_FIGURE = "verdict_overview"
# The figure of the "which gradient vanishes?" section, shown there (before the claims).
WHICH_FIGURE = "which_gradient"
# The claim that measures it, and the settings the section tabulates from its values.
WHICH_CLAIM = "E7"
TITLE = "Vanishing and exploding gradients: four public discussions, tested"
AUTHORS = "The vanishing authors"


# ---- provenance ---------------------------------------------------------------


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def git_commit(root: Path) -> str:
    try:
        out = _git(root, "rev-parse", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
        return out + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def build_date(root: Path) -> str:
    """The date the report states: SOURCE_DATE_EPOCH if set, else the date of the git
    commit it was built from (so a rebuild of the same commit is byte-identical)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    try:
        return _git(root, "log", "-1", "--format=%cs")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout; set SOURCE_DATE_EPOCH)"


def config_hash(config: dict[str, Any]) -> str:
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def config_identity(config: dict[str, Any], hash_: str) -> dict[str, Any]:
    """The config's name as the title block prints it: "default", "quick" or
    "custom (<hash>)", and whether this is the reference run."""
    name = str(config.get("name") or "")
    shown = name if name in ("default", "quick") else f"custom ({hash_})"
    return {"name": name or "custom", "label": shown, "reference": name == REFERENCE_CONFIG}


def provenance(config: dict[str, Any], root: Path) -> dict[str, Any]:
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = md.version(p)
        except md.PackageNotFoundError:
            versions[p] = "not installed"
    try:
        version = md.version("vanishing")
    except md.PackageNotFoundError:
        version = "unknown"
    return {
        "commit": git_commit(root),
        "config_hash": config_hash(config),
        "date": build_date(root),
        "version": version,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "versions": versions,
    }


# ---- escaping for LaTeX -----------------------------------------------------------

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# Symbols pdfLaTeX's utf8 input does not know, as math.
_TEX_UNICODE = {
    "σ": r"$\sigma$",
    "χ": r"$\chi$",
    "φ": r"$\phi$",
    "δ": r"$\delta$",
    "ε": r"$\varepsilon$",
    "α": r"$\alpha$",
    "θ": r"$\theta$",
    "λ": r"$\lambda$",
    "μ": r"$\mu$",
    "∂": r"$\partial$",
    "∇": r"$\nabla$",
    "±": r"$\pm$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "≈": r"$\approx$",
    "≠": r"$\neq$",
    "∞": r"$\infty$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "√": r"$\surd$",
    "‖": r"$\|$",
    "⊙": r"$\odot$",
    "∈": r"$\in$",
    "→": r"$\to$",
    "←": r"$\leftarrow$",
    "⇔": r"$\Leftrightarrow$",
    "−": r"$-$",
    "↦": r"$\mapsto$",
    "⇒": r"$\Rightarrow$",
    "↔": r"$\leftrightarrow$",
    "∓": r"$\mp$",
    "∘": r"$\circ$",
    "≲": r"$\lesssim$",
    "≳": r"$\gtrsim$",
    "∉": r"$\notin$",
    "⊂": r"$\subset$",
    "∩": r"$\cap$",
    "∪": r"$\cup$",
    "∀": r"$\forall$",
    "∃": r"$\exists$",
    "ℝ": r"$\mathbb{R}$",
    "ℕ": r"$\mathbb{N}$",
    "⌈": r"$\lceil$",
    "⌉": r"$\rceil$",
    "⌊": r"$\lfloor$",
    "⌋": r"$\rfloor$",
    "✗": "no",
    "\u2009": r"\,",
    "\u202f": r"\,",
    "\u2011": "-",
    "′": r"$'$",
    "″": r"$''$",
    "…": r"\dots{}",
    "–": "--",
    "—": "---",
    "“": "``",
    "”": "''",
    "’": "'",
    "‘": "`",
    "✓": "yes",
    "∑": r"$\sum$",
    "∏": r"$\prod$",
    "∝": r"$\propto$",
    "≪": r"$\ll$",
    "≫": r"$\gg$",
    "⟨": r"$\langle$",
    "⟩": r"$\rangle$",
    "∼": r"$\sim$",
    "≡": r"$\equiv$",
    "⋯": r"$\cdots$",
}
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]+")


_GREEK_UPPER_IN_TEX = {
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
}
_SCRIPT_DIGITS = {
    "ZERO": "0",
    "ONE": "1",
    "TWO": "2",
    "THREE": "3",
    "FOUR": "4",
    "FIVE": "5",
    "SIX": "6",
    "SEVEN": "7",
    "EIGHT": "8",
    "NINE": "9",
    "MINUS": "-",
    "PLUS": "+",
}


_SCRIPT = re.compile("[\u2070-\u209f\u00b2\u00b3\u00b9\u1d37\u1d40]+")


def _script_run(m: re.Match[str]) -> str:
    """A run of superscript (or subscript) characters as one LaTeX group: '⁻¹¹' →
    '\\textsuperscript{$-$11}'."""
    out, kind = [], None
    for ch in m.group(0):
        name = unicodedata.name(ch, "")
        k = "sub" if name.startswith("SUBSCRIPT") else "super"
        if kind and k != kind:
            raise ValueError(f"mixed sub- and superscripts in {m.group(0)!r}")
        kind = k
        word = name.split()[-1]
        if word == "T" and "MODIFIER" in name:
            out.append(r"\ensuremath{\top}")
        elif "MODIFIER LETTER CAPITAL" in name:
            out.append(word)
        elif word in _SCRIPT_DIGITS:
            digit = _SCRIPT_DIGITS[word]
            out.append(r"\ensuremath{-}" if digit == "-" else digit)
        elif name.startswith(("SUPERSCRIPT LATIN SMALL LETTER", "SUBSCRIPT LATIN SMALL LETTER")):
            out.append(word.lower())
        else:
            raise ValueError(f"no LaTeX for {ch!r} ({name})")
    cmd = r"\textsubscript" if kind == "sub" else r"\textsuperscript"
    return f"{cmd}{{{''.join(out)}}}"


def _tex_char(ch: str) -> str:
    """One character as pdfLaTeX can typeset it (utf8 inputenc covers Latin-1)."""
    if ch in _TEX_UNICODE:
        return _TEX_UNICODE[ch]
    if ord(ch) < 0x250:  # ASCII, Latin-1 and Latin Extended: inputenc knows them
        return ch
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK "):
        letter = name.split()[-1].capitalize()
        if "CAPITAL" in name:
            return f"$\\{letter}$" if letter in _GREEK_UPPER_IN_TEX else letter[0]
        return f"$\\{letter.lower()}$"
    raise ValueError(
        f"no LaTeX for {ch!r} (U+{ord(ch):04X} {name}): add it to _TEX_UNICODE in report.py"
    )


def tex_escape(value: Any) -> str:
    """Text → LaTeX: specials escaped, every symbol mapped (an unknown one is an error)."""
    s = str(value)
    s = "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)
    # pdfLaTeX has no CJK fonts by default; the English title stands alone.
    s = _CJK.sub("", s).replace("()", "").replace("( )", "")
    parts = []
    last = 0
    for m in _SCRIPT.finditer(s):
        parts.append("".join(_tex_char(ch) for ch in s[last : m.start()]))
        parts.append(_script_run(m))
        last = m.end()
    parts.append("".join(_tex_char(ch) for ch in s[last:]))
    return "".join(parts)


def tex_text(value: Any) -> str:
    """Free text from a check → LaTeX: labels and true minus signs first, then escaped;
    URLs become breakable links."""
    parts = lab.URL.split(lab.humanise(value))
    return "".join(tex_url(p) if k % 2 else tex_escape(p) for k, p in enumerate(parts))


def tex_pdfstring(value: Any) -> str:
    """A heading for the PDF's bookmarks: specials escaped, symbols outside Latin-1
    dropped (hyperref cannot put math there)."""
    s = "".join(ch for ch in str(value) if ord(ch) < 0x100)
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)


def tex_url(url: str) -> str:
    """A URL that may break at any character (xurl)."""
    for ch in "\\{}%#":
        url = url.replace(ch, "\\" + ch)
    return f"\\url{{{url}}}"


def tex_path(value: Any) -> str:
    """A path or URL that may break at any character (xurl), unescaped inside."""
    v = str(value).replace("\\", "/")
    for ch in "{}%#":
        v = v.replace(ch, "\\" + ch)
    return f"\\nolinkurl{{{v}}}"


def md_cell(value: Any) -> str:
    """Make text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_text(value: Any) -> str:
    """Free text from a check, for a Markdown cell: labels, true minus signs, escaped."""
    return md_cell(lab.humanise(value))


# ---- figures --------------------------------------------------------------------


def caption(name: str) -> str:
    """The figure module's docstring, first paragraph, as one line."""
    try:
        doc = importlib.import_module(f"vanishing.figures.{name}").__doc__ or ""
    except ModuleNotFoundError:
        return name
    first = doc.strip().split("\n\n")[0]
    return " ".join(first.split())


def figure_tables(name: str, config: dict[str, Any]) -> list[str]:
    """The files a figure is drawn from (the manifest's tables for it, as the report
    prints their paths; a glob for per-job tables)."""
    from . import pipeline

    figs = {f.name: f for f in pipeline.FIGURES + pipeline.CLAIM_FIGURES}
    if name not in figs:
        return []
    files = dict(config.get("table_files") or {})
    files.setdefault(pipeline.CLAIMS_TABLE, f"{config.get('results_dir', 'results')}/claims.json")
    return [files.get(t, t) for t in figs[name].tables]


def number_figures(claims: list[dict[str, Any]], available: list[str]) -> dict[str, int]:
    """Figure numbers in order of first mention: the overview first, then as the claims
    cite them; figures no claim cites come last."""
    order = [f for f in (OVERVIEW_FIGURE, WHICH_FIGURE) if f in available]
    for c in claims:
        order += [f for f in c.get("figures") or [] if f in available and f not in order]
    order += [f for f in available if f not in order]
    return {name: k + 1 for k, name in enumerate(order)}


def figure_entry(name: str, number: int, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "number": number,
        "caption": caption(name),
        "module": f"vanishing.figures.{name}",
        "tables": figure_tables(name, config),
    }


# ---- statistics, findings -----------------------------------------------------------


def statistic_text(st: dict[str, Any] | None, condition: str = "") -> str:
    """'share of dead units (ReLU, He, depth 32): 0.12 [0.08, 0.17] (95 % bootstrap over
    seeds)': the tested number first, with the condition it was measured under, its
    interval and unit; '' when the check recorded none."""
    words = (st or {}).get("nonfinite") or {}
    if not st or (st.get("value") is None and "value" not in words):
        return ""

    def show(key: str) -> str | None:
        if st.get(key) is not None:
            return lab.num(st[key])
        return words.get(key)

    unit = f" {st['unit'].strip()}" if (st.get("unit") or "").strip() else ""
    lo, hi = show("lo"), show("hi")
    interval = f" [{lo}, {hi}]" if lo is not None and hi is not None else ""
    kind = f" ({st['interval']})" if st.get("interval") and interval else ""
    need = ""
    if st.get("threshold") is not None and st.get("side") in ("above", "below"):
        need = f"; the claim needs {lab.relation(st)} {lab.num(st['threshold'])}"
    where = f" ({lab.humanise(condition)})" if condition else ""
    name = f"{lab.humanise(st['name'])}{where}: " if st.get("name") else ""
    return f"{name}{show('value')}{interval}{unit}{kind}{need}"


# How the report names each quantity a claim can be about (catalogue: quantity.name).
QUANTITY_LABELS = {
    "delta": "back-propagated error δ_l",
    "weight_grad": "weight gradient ∂L/∂W_l",
    "update_ratio": "update ratio ‖∂L/∂W_l‖/‖W_l‖",
    "loss": "loss or accuracy",
    "none": "no gradient",
}
FORM_LABELS = {
    "identity": "analytic identity",
    "bound": "bound",
    "existence": "existence ('can', 'some', 'may')",
    "general": "general statement",
    "comparison": "comparison",
    "trend": "trend",
}


def reading_text(c: dict[str, Any]) -> str:
    """'Form: bound (necessary). Scope: … Quantity: … (why).': how the claim is read."""
    form = FORM_LABELS.get(c.get("form", ""), c.get("form", ""))
    if c.get("bound"):
        form += f" ({c['bound']} condition)"
    q = c.get("quantity") or {}
    qty = QUANTITY_LABELS.get(q.get("name", ""), q.get("name", ""))
    why = f" ({q['why']})" if q.get("why") else ""
    return f"Form: {form}. Scope: {c.get('scope', '')}. Quantity: {qty}{why}."


def _clause(items: list[str], limit: int = 8) -> str:
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def row_lines(c: dict[str, Any]) -> list[str]:
    """What a row prints beyond the check's own strings: both sides of a qualified
    verdict, the untested parts, the conditions outside the scope, the runs an
    inconclusive verdict would need, and where the English original differs from the
    translation."""
    out = []
    if c.get("holds_under") or c.get("fails_under"):
        out.append(
            f"Holds under: {_clause(c.get('holds_under') or ['(none named)'])}. "
            f"Fails under: {_clause(c.get('fails_under') or ['(none named)'])}."
        )
    if c.get("untested_parts"):
        parts = [f"{u['part']} ({u['reason']})" for u in c["untested_parts"]]
        out.append(f"Partly tested; not tested: {_clause(parts)}.")
    gen = c.get("generalisation") or []
    if gen:
        tally = {v: sum(1 for g in gen if g["verdict"] == v) for v in VERDICTS}
        said = ", ".join(f"{n} {v}" for v, n in tally.items() if n)
        out.append(
            f"Outside the claim's scope (reported as generalisation, not counted): {len(gen)} "
            f"conditions, {said}."
        )
    if c["verdict"] == "inconclusive":
        more = c.get("more_runs_needed")
        out.append(
            f"About {more:,} more runs would settle it if the estimate held."
            if more
            else "More runs of these settings would not settle it: the undecided part rests on "
            "exact values (counts or maxima over every run) or on a case none of the conditions "
            "tried showed."
        )
    if c.get("translation_note"):
        out.append(f"English original: {c['translation_note']}")
    return [lab.humanise(x) for x in out]


def _first_clause(text: str) -> str:
    """The first clause of a measured string (up to ';'), for the abstract."""
    return lab.humanise(re.split(r";\s", str(text), maxsplit=1)[0]).rstrip(".")


def findings(claims: list[dict[str, Any]], most: int = 5) -> list[dict[str, Any]]:
    """The abstract's findings, chosen by a fixed rule: where the sources are wrong
    (refuted, up to 2), where the literature reproduces (source E supported, up to 2),
    where a claim holds only under a condition (qualified with a note, up to 1); then
    filled up to ``most`` in catalogue order from the rest of these groups."""
    refuted = [c for c in claims if c["verdict"] == "refuted"]
    literature = [c for c in claims if c["source"] == "E" and c["verdict"] == "supported"]
    qualified = [c for c in claims if c["verdict"] == "qualified" and c.get("note")]
    picks = refuted[:2] + literature[:2] + qualified[:1]
    for c in refuted[2:] + literature[2:] + qualified[1:]:
        if len(picks) >= most:
            break
        picks.append(c)
    picks = sorted(picks[:most], key=claims.index)
    return [
        {
            "id": c["id"],
            "verdict": c["verdict"],
            "text": c["text"],
            "result": statistic_text(c.get("statistic"), c.get("condition", ""))
            or _first_clause(c["measured"]),
        }
        for c in picks
    ]


def which_gradient(claims: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The numbers the "which gradient vanishes?" section prints, from E7's values:
    per setting, the median log10 first/last ratio of δ and of ∂L/∂W."""
    c = next((c for c in claims if c["id"] == WHICH_CLAIM), None)
    if c is None or c["verdict"] == "not tested":
        return None
    v = c.get("values") or {}
    rows = []
    for act in lab.ACTIVATIONS:
        for init in lab.INITS:
            key = f"{act}_{init}"
            d, w = v.get(f"delta_{key}"), v.get(f"wgrad_{key}")
            if d is None and w is None:
                continue
            rows.append(
                {
                    "setting": f"{lab.label(act, 'activation')}, {lab.label(init, 'init')}",
                    "delta": lab.num(d) if d is not None else "—",
                    "wgrad": lab.num(w) if w is not None else "—",
                }
            )
    if not rows:
        return None
    return {
        "rows": rows,
        "depth": int(v["depth"]) if v.get("depth") else None,
        "n_seeds": int(v["n_seeds"]) if v.get("n_seeds") else None,
        "verdict": c["verdict"],
    }


def verdict_counts(data: dict[str, Any]) -> dict[str, int]:
    """Counts of all five verdicts (claims.json may predate 'inconclusive')."""
    counts = {v: 0 for v in VERDICTS}
    for c in data["claims"]:
        counts[c["verdict"]] = counts.get(c["verdict"], 0) + 1
    return counts


# ---- bibliography -------------------------------------------------------------

_TEX_ACCENTS = {r"{\'e}": "é", r"{\"u}": "ü", r"{\'I}": "Í", r"{\'E}": "É"}
_BIB_FIELDS = (
    "author",
    "title",
    "booktitle",
    "journal",
    "howpublished",
    "publisher",
    "volume",
    "number",
    "pages",
    "year",
    "note",
    "doi",
    "url",
)


def load_references(templates: Path) -> list[dict[str, Any]]:
    return yaml.safe_load((templates / "references.yaml").read_text())


def bibtex(entries: list[dict[str, Any]]) -> str:
    """BibTeX with titles in double braces (styles must not lower-case 'ImageNet')."""
    out = []
    for e in entries:
        fields = []
        for k in _BIB_FIELDS:
            if k not in e:
                continue
            v = str(e[k])
            if k == "title":
                v = "{" + v + "}"
            fields.append(f"  {k} = {{{v}}}")
        out.append(f"@{e['type']}{{{e['key']},\n" + ",\n".join(fields) + "\n}\n")
    return "\n".join(out)


def plain_text(s: str) -> str:
    for tex, uni in _TEX_ACCENTS.items():
        s = s.replace(tex, uni)
    return s.replace("{", "").replace("}", "").replace("--", "–")


def short_cite(e: dict[str, Any]) -> str:
    """'Glorot & Bengio 2010', 'He et al. 2015': the label a Markdown citation shows."""
    names = [plain_text(a.split(",")[0]).strip() for a in e["author"].split(" and ")]
    if e.get("cite_as"):
        who = e["cite_as"]
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {e['year']}" if str(e["year"]) != "n.d." else f"{who} (n.d.)"


def md_reference(e: dict[str, Any]) -> str:
    venue = e.get("booktitle") or e.get("journal") or e.get("howpublished") or ""
    extra = ", ".join(str(e[k]) for k in ("volume", "pages", "note") if k in e)
    text = f"{e['author'].replace(' and ', '; ')} ({e['year']}). *{e['title']}*. {venue}"
    text = plain_text(text + (f", {extra}." if extra else "."))
    if e.get("doi"):
        text += f" doi:[{e['doi']}](https://doi.org/{e['doi']})"
    elif e.get("url"):
        text += f" <{e['url']}>"
    return text


def citations(refs: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Claim ID or source key → the references cited there ({key, label})."""
    out: dict[str, list[dict[str, str]]] = {}
    for e in refs:
        for where in e.get("cited_by", []):
            out.setdefault(str(where), []).append({"key": e["key"], "label": short_cite(e)})
    return out


def report_bibtex(prov: dict[str, Any], ident: dict[str, Any]) -> str:
    """The BibTeX entry the report prints for itself."""
    commit = prov["commit"].split()[0]
    year = prov["date"][:4] if prov["date"][:4].isdigit() else "n.d."
    key = f"vanishing_report_{commit[:7]}" if commit != "unknown" else "vanishing_report"
    return (
        f"@techreport{{{key},\n"
        f"  author = {{{{{AUTHORS}}}}},\n"
        f"  title = {{{{{TITLE}}}}},\n"
        f"  institution = {{The vanishing project}},\n"
        f"  type = {{Reproducible report}},\n"
        f"  year = {{{year}}},\n"
        f"  note = {{Built by the vanishing pipeline {prov['version']},\n"
        f"          commit {commit},\n"
        f"          config {ident['label']} (hash {prov['config_hash']}), {prov['date']}}}\n"
        f"}}"
    )


# ---- rendering ------------------------------------------------------------------


def _environment(templates: Path, latex: bool) -> jinja2.Environment:
    if latex:
        # LaTeX-friendly delimiters so braces and % in the template need no escaping.
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            undefined=jinja2.StrictUndefined,
            block_start_string="((*",
            block_end_string="*))",
            variable_start_string="(((",
            variable_end_string=")))",
            comment_start_string="((#",
            comment_end_string="#))",
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        env.filters["e"] = tex_escape
        env.filters["t"] = tex_text
        env.filters["path"] = tex_path
        env.filters["pdf"] = tex_pdfstring
    else:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        env.filters["cell"] = md_cell
        env.filters["t"] = md_text
    env.filters.update(lab.jinja_filters())
    return env


def _glossary(config: dict[str, Any], training: dict[str, Any] | None) -> dict[str, Any]:
    acts = list(config.get("activations", []))
    inits = list(config.get("inits", []))
    if training:
        acts += [a for a in training.get("activations", []) if a not in acts]
        inits += [i for i in training.get("inits", []) if i not in inits]
    return {
        "activations": lab.glossary(acts, "activation"),
        "inits": lab.glossary(inits, "init"),
    }


def build_context(
    inputs: Tables, config: dict[str, Any], refs: list[dict[str, Any]]
) -> dict[str, Any]:
    data = inputs.json("claims.claims")
    catalogue = yaml.safe_load(CATALOGUE.read_text())
    claims = data["claims"]
    available = list(config.get("figures", []))
    numbers = number_figures(claims, available)
    shown: set[str] = set()
    if OVERVIEW_FIGURE in numbers:
        shown.add(OVERVIEW_FIGURE)
    which = which_gradient(claims)
    which_figure = None
    if WHICH_FIGURE in numbers:
        shown.add(WHICH_FIGURE)
        which_figure = figure_entry(WHICH_FIGURE, numbers[WHICH_FIGURE], config)
    cites = citations(refs)
    sections = []
    for key, title in SECTIONS.items():
        rows = [c for c in claims if c["source"] == key]
        first = []
        for c in rows:
            for f in c.get("figures") or []:
                if f in numbers and f not in shown:
                    shown.add(f)
                    first.append(f)
        sections.append(
            {
                "key": key,
                "title": title,
                "source": catalogue["sources"][key],
                "claims": rows,
                "notes": [c for c in rows if c.get("note")],
                "figures": [figure_entry(f, numbers[f], config) for f in first],
                "cites": cites.get(key, []),
            }
        )
    others = [figure_entry(f, n, config) for f, n in numbers.items() if f not in shown]
    overview = (
        figure_entry(OVERVIEW_FIGURE, numbers[OVERVIEW_FIGURE], config)
        if OVERVIEW_FIGURE in numbers
        else None
    )
    maxima = inputs.json("theory.maxima")
    grid = {k: config[k] for k in ("activations", "inits", "depths", "seeds", "width")}
    # The config as the user gave it (the hash a reader can reproduce).
    cfg_for_hash = config.get("user_config") or {
        k: v for k, v in config.items() if k not in ("figures", "training", "table_files")
    }
    prov = provenance(cfg_for_hash, Path.cwd())
    ident = config_identity(config, prov["config_hash"])
    counts = verdict_counts(data)
    for c in claims:
        # What the templates print around the check's strings.
        c["stat_text"] = statistic_text(c.get("statistic"), c.get("condition", ""))
        c["reading_text"] = lab.humanise(reading_text(c)) if c.get("form") else ""
        c["row_lines"] = row_lines(c)
        c["cite_list"] = cites.get(c["id"], [])
        c["fig_refs"] = [
            {"name": f, "number": numbers[f]} for f in c.get("figures") or [] if f in numbers
        ]
    return {
        "title": TITLE,
        "authors": AUTHORS,
        "claims": claims,
        "by_id": {c["id"]: c for c in claims},
        "counts": counts,
        "partly_tested": sum(1 for c in claims if c.get("partly_tested")),
        "counts_by_kind": data.get("counts_by_kind") or {},
        "kinds_text": "; ".join(
            f"{kind} {sum(cs.values())} (" + ", ".join(f"{n} {v}" for v, n in cs.items() if n) + ")"
            for kind, cs in (data.get("counts_by_kind") or {}).items()
        ),
        "method": data.get("method", ""),
        "n_claims": len(claims),
        "findings": findings(claims),
        "sections": sections,
        "overview": overview,
        "which": which,
        "which_figure": which_figure,
        "other_figures": others,
        "figure_numbers": numbers,
        "cites": cites,
        "maxima": maxima,
        "grid": grid,
        "training": config.get("training"),
        "glossary": _glossary(config, config.get("training")),
        "n_networks": len(grid["activations"])
        * len(grid["inits"])
        * len(grid["depths"])
        * len(grid["seeds"]),
        "provenance": prov,
        "table_files": config.get("table_files") or {},
        "results_dir": config.get("results_dir", "results"),
        "config": ident,
        "self_bibtex": report_bibtex(prov, ident),
    }


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    """The report stage: Markdown, LaTeX and its BibTeX file."""
    templates = Path(params["templates"])
    refs = load_references(templates)
    ctx = build_context(inputs, params, refs)
    ctx["references"] = [
        {"key": e["key"], "label": short_cite(e), "text": md_reference(e)} for e in refs
    ]
    outputs["bib"].write_text(bibtex(refs))
    for key, latex in (("md", False), ("tex", True)):
        # figures are linked relative to the report's own folder
        fig_dir = os.path.relpath(params["figure_dir"], outputs[key].parent)
        text = _environment(templates, latex=latex).get_template(f"report.{key}.j2")
        outputs[key].write_text(text.render(**ctx, fig_dir=fig_dir))
    log.info("wrote %s and %s (%d claims)", outputs["md"], outputs["tex"], ctx["n_claims"])
