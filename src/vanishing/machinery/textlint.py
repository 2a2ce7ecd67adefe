"""A text lint for the report's prose and the strings the claim checks write.

Each rule is a pattern a reader of the published report met (issue 16, "Numbers and
text"): e-notation, long numbers without thousands separators, the wrong percent
style, sentences that start lower-case, intervals that print as a point, "± 0",
double periods, one parenthetical repeated within a claim, zero-init networks called
"overflowed", Markdown emphasis in a check's string (the PDF prints it literally).
``lint_text`` checks a piece of prose, ``lint_claims`` every claim of a claims.json,
``lint_markdown`` a rendered report.md (code spans, URLs and paths are not prose and
are skipped).

    python -m vanishing.machinery.textlint docs/report/report.md results/claims.json
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .labels import PERCENT, lower_start, parse_num


@dataclass(frozen=True)
class Hit:
    rule: str
    where: str  # claim ID and field, or "report.md line 12"
    excerpt: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: …{self.excerpt}…"


_NUMBER = r"−?\d[\d,]*(?:\.\d+)?(?: × 10[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?"
RULES: dict[str, re.Pattern[str]] = {
    # 1e-6, 2.5E+04 (not inside a word: a hash such as 9e3a1f7 is no number)
    "e-notation": re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])"),
    # 1348: four or more digits without separators; years (1900–2099), IDs and page
    # ranges are not counts (see _ID)
    "no thousands separator": re.compile(
        r"(?<![\w.,/#:–−-])(?!(?:19|20)\d\d(?!\d))\d{4,}(?![\w,–]|\.\d)"
    ),
    # the one percent style has a space: "95 %"
    "percent style": re.compile(r"\d%" if PERCENT == " %" else r"\d %"),
    # an interval printed as a point: "1 [1, 1]", "0.999 [1, 1]"
    "degenerate interval": re.compile(rf"\[({_NUMBER}), \1\]"),
    "± 0": re.compile(r"± 0(?:\.0+)?(?![\d.,])"),
    # a sign written as a hyphen: "[-20, 20]" (the one formatter writes U+2212)
    "hyphen as minus sign": re.compile(r"(?<![\w.)\]/–-])-(?=\.?\d)"),
    "double period": re.compile(r"(?<!\.)\.\s?\.(?!\.)"),
    # 0.0005 next to 5 × 10⁻⁴: decimals stop at 10⁻³, powers of ten start there
    "decimal below 10⁻³": re.compile(r"(?<![\d.])0\.000\d"),
    "power of ten in the decimal range": re.compile(r"× 10(?:⁻²|⁻¹|⁰|¹|²|³|⁴|⁵)(?![⁰¹²³⁴⁵⁶⁷⁸⁹])"),
}
_SENTENCE = re.compile(r"(?P<before>[\w.)\]]+)\. (?P<word>[a-z][\w'’]*)")
# An asterisk that opens Markdown emphasis (*word, **word); q* (a fixed point) does not.
_EMPHASIS = re.compile(r"(?<![\w)\]*])\*{1,2}(?=[^\s*])")
# A repeated phrase, not a short data tag such as "(n = 10)" or "(n = 2, identical)".
_PAREN = re.compile(r"\([^()]{20,}\)")
_INTERVAL = re.compile(rf"(?P<v>{_NUMBER}) \[(?P<lo>{_NUMBER}), (?P<hi>{_NUMBER})\]")


# Words after which a number is an identifier, not a count: "question 176794", "LNCS 1524".
_ID = re.compile(r"(?:question|issue|LNCS|vol\.|no\.|pp\.|PR|commit|seed|ID|step)\s+$", re.I)


def lint_text(text: str, where: str = "") -> list[Hit]:
    """Every rule's hits in one piece of prose."""
    hits = [
        Hit(rule, where, _excerpt(text, m))
        for rule, rx in RULES.items()
        for m in rx.finditer(text)
        if not (rule == "no thousands separator" and _ID.search(text[: m.start()]))
    ]
    for m in _SENTENCE.finditer(text):
        if not lower_start(m.group("before"), m.group("word")):
            continue
        hits.append(Hit("lower-case sentence start", where, _excerpt(text, m)))
    for m in _INTERVAL.finditer(text):
        v, lo, hi = (parse_num(m.group(k)) for k in ("v", "lo", "hi"))
        if not lo <= v <= hi:
            hits.append(Hit("value outside its interval", where, _excerpt(text, m)))
    for sentence in re.split(r"(?<=[.;])\s", text):
        if "overflowed" in sentence and re.search(r"\bzeros?\b|zero init", sentence):
            hits.append(Hit("zero init called overflowed", where, sentence[:80]))
    return hits


def _excerpt(text: str, m: re.Match[str], pad: int = 30) -> str:
    return text[max(0, m.start() - pad) : m.end() + pad].replace("\n", " ")


# The strings of a claim that the report prints.
CLAIM_FIELDS = ("measured", "expected", "tolerance", "evidence", "note", "condition")


def lint_claims(claims: dict[str, Any]) -> list[Hit]:
    """Every claim's strings in a claims.json (as loaded), plus the rules that need the
    whole claim: a parenthetical repeated within it, Markdown emphasis."""
    hits = lint_text(claims.get("method", ""), "method")
    for c in claims["claims"]:
        texts = {f: c.get(f) or "" for f in CLAIM_FIELDS}
        st = c.get("statistic") or {}
        texts |= {f"statistic {k}": st.get(k) or "" for k in ("name", "interval")}
        texts |= {
            f"{k}[{i}]": s
            for k in ("holds_under", "fails_under")
            for i, s in enumerate(c.get(k) or [])
        }
        for field, text in texts.items():
            where = f"{c['id']} {field}"
            hits += lint_text(text, where)
            hits += [
                Hit("Markdown emphasis", where, _excerpt(text, m)) for m in _EMPHASIS.finditer(text)
            ]
        repeated = Counter(p for t in texts.values() for p in _PAREN.findall(t))
        hits += [Hit("repeated parenthetical", c["id"], p) for p, k in repeated.items() if k > 1]
    return hits


# Not prose: fenced code, code spans, URLs, paths and Markdown link targets.
_NOT_PROSE = re.compile(
    r"```.*?```|`[^`\n]*`|https?://\S+|\]\([^)]*\)|(?<!\S)[\w.~-]*/[\w./~=-]+|<[^>\n]+>",
    re.DOTALL,
)


def lint_markdown(md: str, name: str = "report.md") -> list[Hit]:
    """A rendered report: every line's prose, code and paths left out."""
    prose = _NOT_PROSE.sub(
        lambda m: " " * len(m.group()) if "\n" not in m.group() else "\n" * m.group().count("\n"),
        md,
    )
    hits: list[Hit] = []
    for k, line in enumerate(prose.splitlines(), 1):
        hits += lint_text(line, f"{name} line {k}")
    return hits


def lint_file(path: Path) -> list[Hit]:
    """claims.json or a Markdown report, by its suffix."""
    if path.suffix == ".json":
        return lint_claims(json.loads(path.read_text()))
    return lint_markdown(path.read_text(), path.name)


def main(argv: list[str]) -> int:
    hits = [h for p in argv for h in lint_file(Path(p))]
    for h in hits:
        print(h)
    print(f"{len(hits)} hits", file=sys.stderr)
    return 1 if hits else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
