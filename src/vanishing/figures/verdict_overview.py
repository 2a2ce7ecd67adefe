"""Where each source stands, at a glance: the refuted, qualified, inconclusive and untested
rows are the ones to read first. One row per claim, grouped by source (A–E), with the
claim's ID, the start of its text and a marker for its verdict: filled circle supported,
half-filled circle qualified (holds under some conditions, fails under others), cross
refuted, question mark inconclusive, hollow grey circle not tested; † marks a claim only
partly tested. The numbers behind each verdict are in the summary table.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from ..claims.one_line import one_line
from ..machinery.pipeline import SECTIONS
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, VERDICT_STYLES, save, setup

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

ROW_IN = 0.165  # inches per row at 7.5 pt text
FONT = 7.5
# Sources per column: A and B (29 claims) left, C, D and E (26) right, so that the two
# columns are about as long and a source never breaks across columns.
COLUMN_SPLIT = ("A", "B")
PARTLY = "†"
NAME_X = 0.16  # where the claim name starts (axes fraction)
# A name never ends on one of these words ("… of the" reads as cut off).
_DANGLING = {"a", "an", "the", "of", "to", "and", "or", "in", "on", "at", "by", "for", "with"}
_DANGLING |= {"=", "−", "-", "+", "×", "·", "<", ">", "≤", "≥"}  # nor on an operator


def rows(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim, in catalogue order: ID, source, verdict, partly tested, text."""
    return [
        {
            "id": c["id"],
            "source": c.get("source") or _source_of(c["id"]),
            "verdict": c["verdict"],
            "partly": bool(c.get("partly_tested")),
            # the claim's one-line form; its paraphrase where it has none
            "text": one_line().get(c["id"]) or " ".join(str(c.get("text") or "").split()),
        }
        for c in claims
    ]


def short_name(text: str, fits: Any) -> str:
    """The longest start of ``text`` that ``fits`` (a predicate on a string), cut after
    a clause or whole word: the first clause if it fits whole, else whole words and
    '…'. Never cuts inside a word."""
    text = text.rstrip(".")
    if fits(text):
        return text
    # An aside in brackets (" (…)", after a space, unlike the N(0, 1) of a formula) is
    # the first thing to give up: "A 'NecroReLU' cannot die" says more than "A 'NecroReLU' …".
    text = re.sub(r" \([^()]*\)", "", text)
    if fits(text):
        return text
    # The first sentence or clause, if it fits, reads as a name on its own.
    for sep in (". ", "; ", ": ", ", so ", ", "):
        head = text.split(sep)[0].rstrip(".")
        if head != text and len(head) > 20 and _balanced(head) and fits(head):
            return head
    words = text.split(" ")
    for n in range(len(words) - 1, 0, -1):
        kept = words[:n]
        while kept and kept[-1].lower().strip(",;:") in _DANGLING:
            kept = kept[:-1]
        if not kept:
            continue
        head = " ".join(kept).rstrip(",;:—–-") + " …"
        if _balanced(head) and fits(head):
            return head
    return words[0]


def _source_of(claim_id: str) -> str:
    """The source of a claim: its ID's leading capitals ("B" of "B12")."""
    m = re.match(r"[A-Z]*", claim_id)
    return m.group(0) if m else ""


def _balanced(text: str) -> bool:
    """No bracket or quote left open: 'N(0' or "U[−1/√n" is not a name."""
    pairs = (("(", ")"), ("[", "]"), ("{", "}"))
    # A quote opens after a space (or at the start) and closes before a non-letter; the
    # apostrophe in "tanh's" does neither.
    quotes = len(re.findall(r"(?<!\S)'", text)) == len(re.findall(r"'(?!\w)", text))
    return quotes and all(text.count(a) == text.count(b) for a, b in pairs)


def _columns(table: list[dict[str, Any]]) -> list[list[tuple[str, Any]]]:
    """Two columns of lines, each line ('header', source) or ('claim', row)."""
    cols: list[list[tuple[str, Any]]] = [[], []]
    for source in dict.fromkeys(r["source"] for r in table):
        col = cols[0] if source in COLUMN_SPLIT else cols[1]
        col.append(("header", source))
        col.extend(("claim", r) for r in table if r["source"] == source)
    if not cols[0] or not cols[1]:  # a config without A/B (or with only A/B): halve
        lines = cols[0] + cols[1]
        half = math.ceil(len(lines) / 2)
        cols = [lines[:half], lines[half:]]
    return cols


def _marker(ax: plt.Axes, x: float, y: float, verdict: str, size: float = 5.5) -> None:
    ax.plot([x], [y], ls="", ms=size, **VERDICT_STYLES.get(verdict, VERDICT_STYLES["not tested"]))


def draw(claims: list[dict[str, Any]], outputs: list[Path]) -> None:
    setup()
    table = rows(claims)
    cols = _columns(table)
    n_lines = max(len(c) for c in cols)
    height = ROW_IN * n_lines + 0.55
    fig = plt.figure(figsize=(TEXT_WIDTH_IN, height))
    legend_in = 0.45
    axes = [
        fig.add_axes((k * 0.5 + 0.005, legend_in / height, 0.49, 1 - legend_in / height))
        for k in range(2)
    ]
    renderer = cast("FigureCanvasAgg", fig.canvas).get_renderer()
    for ax, lines in zip(axes, cols, strict=True):
        ax.set_xlim(0, 1)
        ax.set_ylim(n_lines - 0.5, -0.5)
        ax.axis("off")
        width_px = ax.get_window_extent(renderer).width

        def fits(s: str, ax: plt.Axes = ax, width: float = (0.99 - NAME_X) * width_px) -> bool:
            t = ax.text(0, 0, s, fontsize=FONT)
            w = t.get_window_extent(renderer).width
            t.remove()
            return w <= width

        for y, (kind, item) in enumerate(lines):
            if kind == "header":
                ax.text(
                    0.0,
                    y,
                    SECTIONS.get(item, item),
                    fontsize=FONT + 0.5,
                    weight="bold",
                    va="center",
                )
                continue
            _marker(ax, 0.025, y, item["verdict"])
            ident = item["id"] + (PARTLY if item["partly"] else "")
            ax.text(0.055, y, ident, fontsize=FONT, va="center", weight="bold")
            ax.text(NAME_X, y, short_name(item["text"], fits), fontsize=FONT, va="center")
    handles = [
        Line2D([], [], ls="", ms=5.5, label=v, **style) for v, style in VERDICT_STYLES.items()
    ]
    handles.append(
        Line2D([], [], ls="", marker=f"${PARTLY}$", color="black", label="partly tested")
    )
    counts = {v: sum(r["verdict"] == v for r in table) for v in VERDICT_STYLES}
    labels = [
        f"{h.get_label()} ({counts.get(str(h.get_label()), sum(r['partly'] for r in table))})"
        for h in handles
    ]
    fig.legend(
        handles,
        labels,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=3,
        frameon=False,
        handletextpad=0.3,
        columnspacing=1.0,
        fontsize=FONT,
    )
    save(fig, outputs)


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.json("claims.claims")["claims"], outputs)
