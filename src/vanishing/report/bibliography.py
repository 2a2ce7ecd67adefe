"""The references (report/templates/references.yaml) as BibTeX, as Markdown and as the
citations each claim and source prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .latex import cjk_runs

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
    """BibTeX with titles in double braces (styles must not lower-case 'ImageNet'), and
    CJK characters in the preamble's CJK font (\\cjk, as the report's text has them)."""
    out = []
    for e in entries:
        fields = []
        for k in _BIB_FIELDS:
            if k not in e:
                continue
            v = cjk_runs(str(e[k]))
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
