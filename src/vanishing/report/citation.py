"""How the report cites itself: one title, one author string, the BibTeX entry the
report prints and the structure of CITATION.cff. The report's title block, its BibTeX
entry, CITATION.cff and the PDF's metadata all take their strings from here, so that
they cannot name the work or its authors differently."""

from __future__ import annotations

from typing import Any

TITLE = "Vanishing and exploding gradients: four public discussions, tested"
# A collective name (like "the pandas development team"): the authors are whoever
# committed to the repository, and the institution is the same collective.
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
# Where the published report lives in the repository. No public URL is known, so the
# citation names this path rather than inventing one.
PUBLISHED_AT = "docs/report/"
SOFTWARE_TITLE = (
    "vanishing: experiments that settle public claims about vanishing and exploding gradients"
)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def year_month(date: str) -> tuple[int, int] | None:
    """(2026, 12) from '2026-12-01'; None when the build date is unknown (then the
    citation says "n.d." rather than guessing)."""
    parts = date[:10].split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return int(parts[0]), int(parts[1])
    return None


def short_commit(commit: str) -> str:
    """The commit as a reader types it into `git checkout`: the first 12 hex digits, or
    'unknown'. The '(with uncommitted changes)' mark stays visible."""
    sha, _, rest = commit.partition(" ")
    if not sha or sha == "unknown":
        return "unknown"
    return sha[:12] + (f" {rest}" if "uncommitted" in rest else "")


def report_bibtex(prov: dict[str, Any], ident: dict[str, Any]) -> str:
    """The BibTeX entry the report prints for itself: standard @techreport fields,
    with year and month from the build date, the package version in `version`
    (biblatex reads it; classic BibTeX ignores it) and one readable `note` naming the
    commit and the config a reader needs to rebuild the same report."""
    commit = short_commit(prov["commit"])
    ym = year_month(prov["date"])
    key = f"vanishing_report_{commit[:7]}" if commit != "unknown" else "vanishing_report"
    config = ident["label"]  # a custom config's label already holds its hash
    if prov["config_hash"] not in config:
        config += f" (hash {prov['config_hash']})"
    fields = [
        ("author", f"{{{{{AUTHORS}}}}}"),
        ("title", f"{{{{{TITLE}}}}}"),
        ("institution", f"{{{{{AUTHORS}}}}}"),
        ("type", "{Reproducible report}"),
        ("year", f"{{{ym[0]}}}" if ym else "{n.d.}"),
        *([("month", MONTHS[ym[1] - 1])] if ym else []),  # a BibTeX macro, not braced
        ("version", f"{{{prov['version']}}}"),
        (
            "note",
            f"{{Commit {commit}, config {config}, built {prov['date']}}}",
        ),
    ]
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@techreport{{{key},\n{body}\n}}"


def citation_cff(
    *,
    version: str,
    date: str,
    commit: str,
    abstract: str,
    n_claims: int,
    tally: str,
    config: str,
) -> dict[str, Any]:
    """CITATION.cff as a structure (`make publish` writes it with a YAML library): the
    software, and as its preferred citation the published report, with the abstract,
    claim count, date, version and commit of the report that was published."""
    ym = year_month(date)
    authors = [{"name": AUTHORS}]
    report: dict[str, Any] = {
        "type": "report",
        "title": TITLE,
        "authors": authors,
        "institution": {"name": AUTHORS},
        "version": version,
        **({"year": ym[0], "month": ym[1]} if ym else {}),
        "commit": commit,
        "abstract": abstract,
        "keywords": list(KEYWORDS),
        "notes": (
            f"The default run's report on {n_claims} claims ({tally}), published in "
            f"{PUBLISHED_AT} of the repository: Markdown, PDF and the tables it cites "
            f"({PUBLISHED_AT}data/); {PUBLISHED_AT}PROVENANCE.md gives the config "
            f"({config}) and the hash of every file."
        ),
    }
    return {
        "cff-version": "1.2.0",
        "message": (
            f"If you use these results, cite the published report ({PUBLISHED_AT}, the "
            "preferred citation below); it states the commit and the config hash it was "
            "built from. To cite a report you built yourself, use the BibTeX entry it "
            "prints, which names its version, commit, config and build date."
        ),
        "title": SOFTWARE_TITLE,
        "type": "software",
        "license": "MIT",
        "version": version,
        **({"date-released": date[:10]} if ym else {}),
        "commit": commit,
        "authors": authors,
        "keywords": list(KEYWORDS),
        "abstract": abstract,
        "preferred-citation": report,
    }
