"""How the report cites itself: one title, one author string and the BibTeX entry the
report prints (CITATION.cff and the PDF's metadata take the same strings)."""

from __future__ import annotations

from typing import Any

TITLE = "Vanishing and exploding gradients: four public discussions, tested"
AUTHORS = "The vanishing authors"
# The PDF's metadata (hyperref's pdfsubject and pdfkeywords) and CITATION.cff's keywords.
SUBJECT = "An experimental test of public claims about vanishing and exploding gradients"
KEYWORDS = (
    "vanishing gradients",
    "exploding gradients",
    "activation functions",
    "weight initialization",
    "mean-field theory",
    "reproducibility",
)


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
