"""Render the report (Markdown and LaTeX) from results/ with Jinja2.

Every number in the report comes from a file the pipeline wrote; the
templates hold prose and layout only. StrictUndefined makes a missing value
fail the build instead of printing an empty cell.
"""

from __future__ import annotations

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


# ---- provenance ---------------------------------------------------------------


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return out + (" (with uncommitted changes)" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def config_hash(config: dict[str, Any]) -> str:
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def provenance(config: dict[str, Any], root: Path) -> dict[str, Any]:
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = md.version(p)
        except md.PackageNotFoundError:
            versions[p] = "not installed"
    return {
        "commit": git_commit(root),
        "config_hash": config_hash(config),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "versions": versions,
    }


# ---- figures --------------------------------------------------------------------


def caption(name: str) -> str:
    """The figure module's docstring, first paragraph, as one line."""
    try:
        doc = importlib.import_module(f"vanishing.figures.{name}").__doc__ or ""
    except ModuleNotFoundError:
        return name
    first = doc.strip().split("\n\n")[0]
    return " ".join(first.split())


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
    "^": r"\^{}",
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
    "−": "-",
    "′": r"$'$",
    "″": r"$''$",
    "ᵀ": r"$^\top$",
    "²": r"$^2$",
    "³": r"$^3$",
    "₁": r"$_1$",
    "₂": r"$_2$",
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
    for kind, cmd in (("SUBSCRIPT ", "_"), ("SUPERSCRIPT ", "^")):
        if name.startswith(kind) and name[len(kind) :] in _SCRIPT_DIGITS:
            return f"${cmd}{{{_SCRIPT_DIGITS[name[len(kind) :]]}}}$"
    log.warning("no LaTeX for %r (%s): replaced by '?'", ch, name)
    return "?"


def tex_escape(value: Any) -> str:
    s = str(value)
    s = "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)
    # pdfLaTeX has no CJK fonts by default; the English title stands alone.
    s = _CJK.sub("", s).replace("()", "").replace("( )", "")
    return "".join(_tex_char(ch) for ch in s)


def md_cell(value: Any) -> str:
    """Make text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


# ---- bibliography -------------------------------------------------------------

_TEX_ACCENTS = {r"{\'e}": "é", r"{\"u}": "ü", r"{\'I}": "Í", r"{\'E}": "É"}


def load_references(templates: Path) -> list[dict[str, Any]]:
    return yaml.safe_load((templates / "references.yaml").read_text())


def bibtex(entries: list[dict[str, Any]]) -> str:
    out = []
    for e in entries:
        fields = [f"  {k} = {{{v}}}" for k, v in e.items() if k not in ("key", "type")]
        out.append(f"@{e['type']}{{{e['key']},\n" + ",\n".join(fields) + "\n}\n")
    return "\n".join(out)


def plain_text(s: str) -> str:
    for tex, uni in _TEX_ACCENTS.items():
        s = s.replace(tex, uni)
    return s.replace("{", "").replace("}", "").replace("--", "–")


def md_reference(e: dict[str, Any]) -> str:
    venue = e.get("booktitle") or e.get("journal") or e.get("howpublished") or ""
    extra = ", ".join(str(e[k]) for k in ("volume", "pages", "note") if k in e)
    text = f"{e['author'].replace(' and ', '; ')} ({e['year']}). *{e['title']}*. {venue}"
    return plain_text(text + (f", {extra}." if extra else "."))


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
    else:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        env.filters["cell"] = md_cell
    return env


def build_context(inputs: Tables, config: dict[str, Any]) -> dict[str, Any]:
    data = inputs.json("claims.claims")
    catalogue = yaml.safe_load(CATALOGUE.read_text())
    claims = data["claims"]
    by_id = {c["id"]: c for c in claims}
    sections = []
    for key, title in SECTIONS.items():
        rows = [c for c in claims if c["source"] == key]
        sections.append(
            {
                "key": key,
                "title": title,
                "source": catalogue["sources"][key],
                "claims": rows,
                "notes": [c for c in rows if c.get("note")],
            }
        )
    figure_names = list(config.get("figures", []))
    figures = [{"name": n, "caption": caption(n)} for n in figure_names]
    maxima = inputs.json("theory.maxima")
    grid = {k: config[k] for k in ("activations", "inits", "depths", "seeds", "width")}
    cfg_for_hash = config["user_config"]
    return {
        "claims": claims,
        "by_id": by_id,
        "counts": data["counts"],
        # the verdict rule (claims/verdict.py METHOD) and the counts per kind of evidence
        "method": data.get("method", ""),
        "counts_by_kind": data.get("counts_by_kind", {}),
        "n_claims": len(claims),
        "sections": sections,
        "figures": figures,
        "maxima": maxima,
        "grid": grid,
        "training": config.get("training"),
        "n_networks": len(grid["activations"])
        * len(grid["inits"])
        * len(grid["depths"])
        * len(grid["seeds"]),
        "provenance": provenance(cfg_for_hash, Path.cwd()),
        "table_files": config["table_files"],
        "results_dir": config["results_dir"],
    }


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    """The report stage: Markdown, LaTeX and its BibTeX file."""
    ctx = build_context(inputs, params)
    templates = Path(params["templates"])
    refs = load_references(templates)
    ctx["references"] = [md_reference(e) for e in refs]
    outputs["bib"].write_text(bibtex(refs))
    for key, latex in (("md", False), ("tex", True)):
        # figures are linked relative to the report's own folder
        fig_dir = os.path.relpath(params["figure_dir"], outputs[key].parent)
        text = _environment(templates, latex=latex).get_template(f"report.{key}.j2")
        outputs[key].write_text(text.render(**ctx, fig_dir=fig_dir))
    log.info("wrote %s and %s (%d claims)", outputs["md"], outputs["tex"], ctx["n_claims"])
