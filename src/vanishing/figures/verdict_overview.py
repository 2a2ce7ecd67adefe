"""Every claim at a glance: one row per claim (and per part of a multi-part claim), the
statistic its check tested, with its interval, against the claim's threshold. Each row
has its own scale: the threshold is the black tick, the shaded side is the side the claim
needs, the dot is the measured value and the bar its interval; colour = verdict. Rows
whose check records no single statistic (most analytic and construction claims) show
the verdict alone. The text to the right gives the value [interval], the unit and the threshold; the
interval convention is the one claims.json states per statistic.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from ..labels import num, relation
from ..tables import Tables
from .style import VERDICT_COLORS, save, setup

ROW_IN = 0.17  # inches per row (55 claims in two columns fit the 5.6 in page height)
COLUMNS = 2


def rows(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim: its tested statistic, or for a multi-part claim without one,
    the statistic of the part that decided its verdict (else its first part's)."""
    out = []
    for c in claims:
        st, part = c.get("statistic"), ""
        parts = [p for p in c.get("parts") or [] if p.get("statistic")]
        if not st and parts:
            decisive = [p for p in parts if p.get("verdict") == c["verdict"]] or parts
            st, part = decisive[0]["statistic"], decisive[0].get("name", "")
        out.append({"id": c["id"], "verdict": c["verdict"], "statistic": st, "part": part})
    return out


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _position(st: dict[str, Any]) -> tuple[list[float], float, float]:
    """(value, lo, hi, threshold) in the row's own coordinates and the x-limits, so that
    the threshold sits in the middle and every number fits."""
    log = st.get("scale") == "log"

    def f(v: Any) -> float:
        if not _finite(v):
            return math.nan
        if log:
            return math.log10(v) if v > 0 else math.nan
        return float(v)

    pts = [f(st.get(k)) for k in ("value", "lo", "hi", "threshold")]
    thr = pts[3]
    finite = [p for p in pts if math.isfinite(p)]
    if not finite:
        return pts, -1.0, 1.0
    centre = thr if math.isfinite(thr) else finite[0]
    half = max(abs(p - centre) for p in finite)
    half = half * 1.15 if half > 0 else (abs(centre) * 0.5 or 1.0)
    return pts, centre - half, centre + half


def _text(st: dict[str, Any]) -> str:
    """'0.66 [0.61, 0.70] decades; needs > 0.5'."""
    unit = f" {st['unit'].strip()}" if (st.get("unit") or "").strip() else ""
    lo, hi = st.get("lo"), st.get("hi")
    interval = f" [{num(lo, 2)}, {num(hi, 2)}]" if _finite(lo) and _finite(hi) else ""
    need = ""
    if _finite(st.get("threshold")) and st.get("side") in ("above", "below"):
        need = f"; needs {relation(st)} {num(st['threshold'], 2)}"
    return f"{num(st.get('value'))}{interval}{unit}{need}"


def _draw_row(ax: plt.Axes, y: float, row: dict[str, Any]) -> None:
    colour = VERDICT_COLORS.get(row["verdict"], "#555555")
    st = row["statistic"]
    if not st or not _finite(st.get("value")):
        ax.plot([0.5], [y], marker="s", ms=5, color=colour, transform=ax.get_yaxis_transform())
        return
    (v, lo, hi, thr), xmin, xmax = _position(st)

    def x(p: float) -> float:  # row coordinates → axes fraction
        return (p - xmin) / (xmax - xmin)

    tr = ax.get_yaxis_transform()
    if math.isfinite(thr):
        # Shade the side the claim needs.
        if st.get("side") == "above":
            ax.fill_between([x(thr), 1], y - 0.4, y + 0.4, color="0.9", lw=0, transform=tr)
        elif st.get("side") == "below":
            ax.fill_between([0, x(thr)], y - 0.4, y + 0.4, color="0.9", lw=0, transform=tr)
        ax.plot([x(thr)] * 2, [y - 0.42, y + 0.42], color="black", lw=1.2, transform=tr)
    if math.isfinite(lo) and math.isfinite(hi):
        ax.plot([x(lo), x(hi)], [y, y], color=colour, lw=2.2, solid_capstyle="butt", transform=tr)
    ax.plot([x(v)], [y], "o", ms=4.5, color=colour, mec="black", mew=0.5, transform=tr)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def draw(claims: list[dict[str, Any]], outputs: list[Path]) -> None:
    setup()
    table = rows(claims)
    per_col = math.ceil(len(table) / COLUMNS)
    fig, axes = plt.subplots(
        1,
        2 * COLUMNS,
        figsize=(9.2, ROW_IN * per_col + 0.7),
        squeeze=False,
        layout="constrained",
        gridspec_kw={"width_ratios": [1.0, 2.6] * COLUMNS, "wspace": 0.0},
    )
    for k in range(COLUMNS):
        ax, tx = axes[0, 2 * k], axes[0, 2 * k + 1]
        chunk = table[k * per_col : (k + 1) * per_col]
        for a in (ax, tx):
            a.set_xlim(0, 1)
            a.set_ylim(per_col - 0.5, -0.5)
            a.set_xticks([])
            a.grid(False)
            for side in ("top", "right", "bottom", "left"):
                a.spines[side].set_visible(False)
        tx.set_yticks([])
        ax.spines["left"].set_visible(True)
        ax.spines["right"].set_visible(True)
        for y, row in enumerate(chunk):
            _draw_row(ax, y, row)
            st = row["statistic"]
            if st and _finite(st.get("value")):
                # Numbers first, so a long name is what gets cut.
                text = _text(st) + (f" ({st['name']})" if st.get("name") else "")
            else:
                text = f"{row['verdict']}; no single statistic"
            tx.text(0.03, y, _short(text, 62), va="center", fontsize=7)
            for a in (ax, tx):
                a.axhline(y + 0.5, color="0.9", lw=0.5)
        # a part's name can be a sentence: the ID and its first words are enough here
        labels = [_short(f"{r['id']} {r['part']}".strip(), 24) for r in chunk]
        ax.set_yticks(np.arange(len(chunk)), labels)
        ax.tick_params(axis="y", length=0, labelsize=7)
    handles = [Patch(color=c, label=v) for v, c in VERDICT_COLORS.items()]
    handles.append(Patch(color="0.9", label="the side the claim needs"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
    save(fig, outputs)


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.json("claims.claims")["claims"], outputs)
