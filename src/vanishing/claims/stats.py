"""Statistics the checks share: intervals, bootstrap, run status, number formatting.

Every interval here is fixed in method before any run: a 95 % percentile
bootstrap with ``N_BOOT`` resamples from ``RNG_SEED`` (so the same tables give
the same interval), or a 95 % Wilson interval for a share of independent runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, SupportsFloat, cast

import numpy as np
import pandas as pd

from ..machinery.labels import SUPERSCRIPT, bracket, label, num, pct  # noqa: F401  (pct re-exported)
from .verdict import CI, EXACT, LEVEL, N_BOOT, RNG_SEED, Side, Statistic

__all__ = ["CI", "LEVEL", "N_BOOT", "RNG_SEED"]
Z95 = 1.959963984540054  # the normal quantile of LEVEL

# Row status written by the probe and training stages (one word per network and step).
FINITE, DIVERGED, OVERFLOWED = "finite", "diverged", "overflowed"


# ---- formatting ----------------------------------------------------------------
# Every number a check writes goes through labels.num (the one number style); these
# helpers add what a check needs on top: an undefined value in words, a number held as
# its log10, sets, spreads over runs and a statistic with its interval.


def real(x: object) -> float:
    """A number pandas hands back (a cell, an index label, a group key), as a float:
    pandas' stubs type those as any scalar or Hashable."""
    return float(cast(SupportsFloat, x))


def key_of(k: object) -> tuple[Any, ...]:
    """The key of a group of a groupby over several columns or index levels: a tuple
    (pandas' stubs type it as a scalar or Hashable)."""
    return cast(tuple[Any, ...], k)


def sig(x: float | None, digits: int = 3) -> str:
    """Round to significant digits in the one number style (labels.num); 'undefined'
    for NaN, as a check's prose says it."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "undefined"
    return num(float(x), digits)


def pow10(log10_value: float | None, digits: int = 3) -> str:
    """A number held as its log10, written out: 6.97 → '9.33 × 10⁶', for any exponent a
    float could not hold; one within rounding of 1 as '1 − 2.67 × 10⁻⁸', so that 'below
    1' stays visible."""
    if log10_value is None or math.isnan(log10_value):
        return sig(None)
    if math.isinf(log10_value):
        return "∞" if log10_value > 0 else "0"
    v = float(log10_value)
    if abs(v) < 1e-3:
        gap = 10.0**v - 1.0
        return "1" if gap == 0 else f"1 {'+' if gap > 0 else '−'} {sig(abs(gap), digits)}"
    k = math.floor(v)
    m = round(10.0 ** (v - k), digits - 1)
    if m >= 10:
        m, k = m / 10, k + 1
    if -300 < k < 300:  # within a float's range: the one number style decides
        return sig(m * 10.0**k, digits)
    # beyond a float's range: the mantissa by num, the power of ten by hand
    return num(m, digits) + " × 10" + str(k).translate(SUPERSCRIPT)


def listing(values: Iterable[float]) -> str:
    """Distinct values as a set, sorted and plainly written: '{0.5, 1, 2}' (never a
    Python list)."""
    return "{" + ", ".join(num(v, 6) for v in sorted({float(v) for v in values})) + "}"


def spread(values: Iterable[float], digits: int = 3, unit: str = "") -> str:
    """'mean ± sd (n = k)' over runs; the median and range when the values span orders
    of magnitude; 'x (n = k, identical)' when they do not vary at all (never '± 0').
    Non-finite values (diverged runs) are counted, never dropped silently."""
    v = np.asarray(list(values), dtype=float)
    bad = int((~np.isfinite(v)).sum())
    fin = v[np.isfinite(v)]
    tail = f"; {num(bad)} of {num(len(v))} non-finite" if bad else ""
    if len(fin) == 0:
        return f"non-finite in all {num(len(v))} runs" if len(v) else "no runs"
    if len(fin) == 1:
        return f"{sig(float(fin[0]), digits)}{unit} (n = 1{tail})"
    if np.all(fin == fin[0]):
        return f"{sig(float(fin[0]), digits)}{unit} (n = {num(len(fin))}, identical{tail})"
    pos = fin[fin > 0]
    if len(pos) == len(fin) and pos.max() / pos.min() > 100:
        lo, hi = float(fin.min()), float(fin.max())
        med, a, b = bracket(float(np.median(fin)), lo, hi, digits)
        return f"median {med}{unit} [{a}, {b}] (n = {num(len(fin))}{tail})"
    mean, sd = float(fin.mean()), float(fin.std(ddof=1))
    return f"{sig(mean, digits)} ± {sig(sd, 2)}{unit} (n = {num(len(fin))}{tail})"


def fmt_stat(s: Statistic, digits: int = 3, kind: bool = True) -> str:
    """'0.41 [0.35, 0.47] (95 % bootstrap over 5 seeds)' or '0.683 (exact)'; without
    the kind of interval when ``kind`` is False (a list of statistics names it once,
    see ``fmt_stats``)."""
    if s.exact:
        return f"{sig(s.value, digits)}{s.unit} (exact)"
    if s.lo is None or s.hi is None:
        return f"{sig(s.value, digits)}{s.unit} ({s.interval})"
    if s.lo == s.hi == s.value:
        text = f"{sig(s.value, digits)}{s.unit} (zero-width interval)"
    else:
        v, lo, hi = bracket(s.value, s.lo, s.hi, digits)
        text = f"{v}{s.unit} [{lo}, {hi}]"
    return f"{text} ({s.interval})" if kind else text


def fmt_stats(items: Iterable[tuple[str, Statistic]], digits: int = 3) -> str:
    """'n = 1.5: 1 [0.99993, 1], n = 2: … (each Wilson 95 % over 50,000 sampled
    products)': several statistics, the kind of their interval said once when they
    share it (the report states the convention; a cell need not repeat it)."""
    items = list(items)
    kinds = {st.interval for _, st in items}
    if len(kinds) != 1 or len(items) < 2:
        return ", ".join(f"{name}: {fmt_stat(st, digits)}" for name, st in items)
    body = ", ".join(f"{name}: {fmt_stat(st, digits, kind=False)}" for name, st in items)
    return f"{body} (each {kinds.pop()})"


# How each field of a condition is written (in this order) by ``condition``.
_CONDITION_FIELDS: dict[str, Callable[[object], str]] = {
    "activation": lambda v: label(v, "activation"),
    "init": lambda v: label(v, "init"),
    "optimizer": lambda v: label(v, "optimizer"),
    "dtype": lambda v: label(v, "dtype"),
    "inputs": lambda v: label(v, "inputs"),
    "depth": lambda v: f"depth {v}",
    "width": lambda v: f"width {v}",
    "hidden": lambda v: f"{v} hidden units",
    "lr": lambda v: f"learning rate {num(v, 6)}" if isinstance(v, float) else f"learning rate {v}",
    "seed": lambda v: f"seed {v}",
    "weight_seed": lambda v: f"weight seed {v}",
    "order_seed": lambda v: f"batch order {v}",
    "l1": lambda v: f"L1 weight {num(v, 6)}" if isinstance(v, float) else f"L1 weight {v}",
    "step": lambda v: f"step {v}",
}


def condition(**fields: object) -> str:
    """A condition in a reader's words: condition(activation="relu", init="he",
    depth=32) → 'ReLU, He, depth 32'. Fields print in a fixed order; unknown fields
    print as 'key value'. Every claim row names its conditions this way, never by
    code names."""
    out = []
    for key, fmt in _CONDITION_FIELDS.items():
        if key in fields and fields[key] is not None:
            out.append(fmt(fields[key]))
    out += [f"{k} {v}" for k, v in fields.items() if k not in _CONDITION_FIELDS]
    return ", ".join(out)


# Lists longer than this go to an appendix table instead of a cell.
INLINE_LIST = 4


def names(
    keys: Iterable[tuple | str],
    limit: int = INLINE_LIST,
    title: str = "",
    what: str = "settings",
    bare: bool = False,
) -> str:
    """'ReLU, He, 16; tanh, Xavier, 4' (or 'none'): each key's code names as reader
    labels. More than ``limit`` keys go to an appendix table titled ``title`` (the
    claim's run_tables), and the text counts them: '6 inits (listed in the appendix
    table “…”)', or with ``bare`` (inside a parenthesis that counts them already) just
    'listed in the appendix table “…”'."""
    keys = list(keys)
    if not keys:
        return "none"
    txt = [label(k) if isinstance(k, str) else ", ".join(label(x) for x in k) for k in keys]
    if len(txt) > limit:
        conditions_table(title or "Conditions", txt)
        where = f"the appendix table “{title}”" if title else "the appendix"
        return f"listed in {where}" if bare else f"{num(len(txt))} {what} (listed in {where})"
    # conditions that hold commas themselves ('ReLU, He, depth 4') are kept apart by ';'
    sep = "; " if any(", " in t for t in txt) else ", "
    return sep.join(txt)


# ---- intervals -------------------------------------------------------------------


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a share k/n."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    # exact ends when nothing (or everything) succeeded, not round-off next to them
    return (0.0 if k <= 0 else max(0.0, mid - half)), (1.0 if k >= n else min(1.0, mid + half))


def newcombe(k1: float, n1: float, k2: float, n2: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p1 − p2 (from two Wilson intervals)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt(
        (u1 - p1) ** 2 + (p2 - l2) ** 2
    )


Reducer = Literal["median", "mean"] | Callable[[np.ndarray], np.ndarray]


def _reduce(x: np.ndarray, how: Reducer) -> np.ndarray:
    """Reduce the last axis (the runs) of ``x``."""
    if how == "median":
        return np.median(x, axis=-1)
    if how == "mean":
        return np.mean(x, axis=-1)
    return how(x)


def boot(values: Iterable[float], how: Reducer = "median") -> tuple[float, float]:
    """95 % percentile bootstrap interval of a statistic of one sample of runs.
    (nan, nan) for fewer than two runs: one run carries no interval."""
    v = np.asarray(list(values), dtype=float)
    if len(v) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(RNG_SEED)
    idx = rng.integers(0, len(v), size=(N_BOOT, len(v)))
    with np.errstate(invalid="ignore"):
        stats = _reduce(v[idx], how)
    return _percentiles(stats)


def boot_many(
    samples: list[np.ndarray], fn: Callable[[list[np.ndarray]], np.ndarray]
) -> tuple[float, float]:
    """Bootstrap of a statistic of several independent samples (each resampled on its
    own). ``fn`` takes the list of resampled arrays, each (N_BOOT, n_i), and returns
    (N_BOOT,) values."""
    if any(len(s) < 2 for s in samples):
        return math.nan, math.nan
    rng = np.random.default_rng(RNG_SEED)
    res = [np.asarray(s, dtype=float)[rng.integers(0, len(s), (N_BOOT, len(s)))] for s in samples]
    with np.errstate(invalid="ignore", divide="ignore"):
        return _percentiles(np.asarray(fn(res), dtype=float))


def boot_rows(table: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """Bootstrap over the rows (runs) of a (runs, k) table, resampling whole rows so that
    paired measurements stay paired. ``fn`` maps (N_BOOT, runs, k) → (N_BOOT,)."""
    t = np.asarray(table, dtype=float)
    if len(t) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(RNG_SEED)
    idx = rng.integers(0, len(t), size=(N_BOOT, len(t)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _percentiles(np.asarray(fn(t[idx]), dtype=float))


def _percentiles(stats: np.ndarray) -> tuple[float, float]:
    a = (1 - LEVEL) / 2
    stats = stats[~np.isnan(stats)]
    if len(stats) == 0:
        return math.nan, math.nan
    # inverted_cdf picks sample values, so ±∞ (a diverged run) never turns into NaN
    lo, hi = np.quantile(stats, [a, 1 - a], method="inverted_cdf")
    return float(lo), float(hi)


# ---- statistics with their interval ------------------------------------------------


def over_runs(
    name: str,
    values: Iterable[float],
    threshold: float,
    side: Side,
    *,
    how: Reducer = "median",
    runs: str = "seeds",
    unit: str = "",
    scale: Literal["linear", "log"] = "linear",
    strict: bool = False,
) -> Statistic:
    """The median (or mean) over runs with its bootstrap interval."""
    v = np.asarray(list(values), dtype=float)
    v = v[~np.isnan(v)]
    with np.errstate(invalid="ignore"):  # the median of −∞ and +∞ is undefined: NaN
        value = float(_reduce(v[None, :], how)[0]) if len(v) else math.nan
    lo, hi = boot(v, how)
    return Statistic(
        name,
        value,
        None if math.isnan(lo) else lo,
        None if math.isnan(hi) else hi,
        f"{CI} bootstrap over {num(len(v))} {runs}" if len(v) > 1 else f"single run ({runs})",
        threshold,
        side,
        unit,
        scale,
        strict,
        n=len(v),
    )


def share(
    name: str,
    k: float,
    n: float,
    threshold: float,
    side: Side,
    *,
    runs: str = "runs",
    strict: bool = False,
    more_runs: bool = True,
) -> Statistic:
    """A share of independent runs with its Wilson interval. ``more_runs=False`` when the
    units are fixed by the design (pairs of a grid), so more seeds would not add any."""
    if n <= 0:
        return Statistic(name, math.nan, None, None, f"no {runs}", threshold, side, n=0)
    lo, hi = wilson(k, n)
    return Statistic(
        name,
        k / n,
        lo,
        hi,
        f"Wilson {CI} over {num(int(n))} {runs}",
        threshold,
        side,
        strict=strict,
        n=int(n) if more_runs else None,
    )


def exact(
    name: str,
    value: float,
    threshold: float,
    side: Side,
    *,
    unit: str = "",
    scale: Literal["linear", "log"] = "linear",
    strict: bool = False,
) -> Statistic:
    """A deterministic value (closed form, count, maximum over every run)."""
    return Statistic(name, float(value), None, None, EXACT, threshold, side, unit, scale, strict)


def with_interval(
    name: str,
    value: float,
    lo: float,
    hi: float,
    interval: str,
    threshold: float,
    side: Side,
    *,
    n: int | None = None,
    unit: str = "",
    scale: Literal["linear", "log"] = "linear",
    strict: bool = False,
) -> Statistic:
    """A statistic whose interval the caller computed (paired bootstrap, Newcombe…)."""
    nan = lo is None or hi is None or math.isnan(lo) or math.isnan(hi)
    return Statistic(
        name,
        float(value),
        None if nan else float(lo),
        None if nan else float(hi),
        interval if not nan else "single run",
        threshold,
        side,
        unit,
        scale,
        strict,
        n=n,
    )


# ---- tables ------------------------------------------------------------------------


def hidden_mean(layers: pd.DataFrame, col: str, keys: list[str]) -> pd.DataFrame:
    """Per network (``keys``) and step: mean of a hidden-layer column."""
    h = layers[layers["layer"] <= layers["depth"]]
    # as_index=False: a frame with the keys as columns (the stubs say a Series)
    return cast(pd.DataFrame, h.groupby(keys, as_index=False)[col].mean())


def run_status(df: pd.DataFrame, keys: list[str], step_col: str = "step") -> pd.Series:
    """Per run (``keys``): its status at its last logged step ("finite", "diverged" or
    "overflowed"); reads the ``status`` column the stages write."""
    if step_col in df.columns:
        last = df[df[step_col] == df.groupby(keys)[step_col].transform("max")]
    else:
        last = df
    order = {FINITE: 0, DIVERGED: 1, OVERFLOWED: 2}
    worst = last.assign(_rank=last["status"].map(order).fillna(1)).groupby(keys)["_rank"].max()
    inv = {v: k for k, v in order.items()}
    return worst.map(inv)


# What a claim predicts of the runs it reads, for the one divergence rule.
Predicts = Literal["healthy", "failure"]


def count_diverged(values: pd.Series, status: pd.Series, unhealthy: float) -> pd.Series:
    """The one divergence rule, for every check that reads runs.

    A run that diverged or overflowed (``status`` not "finite") keeps its place and
    takes ``unhealthy``: the value of the metric that a failed run has (an infinite
    loss, a success of 0, a dead fraction of 1, a gradient ratio of +∞). Because the
    value is that of a failure, it counts against a claim that predicts healthy
    behaviour and for a claim that predicts failure, whichever way the claim points;
    no check drops a diverged run or decides on it in its own way. ``values`` and
    ``status`` share their index (one entry per run)."""
    st = status.reindex(values.index)
    bad = st.notna() & (st != FINITE)
    return values.astype(float).where(~bad, float(unhealthy))


def diverged_of(status: pd.Series) -> dict[str, int] | None:
    """{"runs": diverged or overflowed, "of": all} for claims.json."""
    if status.empty:
        return None
    return {"runs": int((status != FINITE).sum()), "of": int(len(status))}


def diverged_text(status: pd.Series, what: str = "runs", limit: int = 3) -> str:
    """'none of 15 runs diverged', '2 diverged of 15 runs (ReLU, He, depth 16, seed 0;
    …)' or, beyond ``limit`` runs, '19 diverged of 120 runs (listed in the appendix
    table)': a long list of runs goes to the claim's appendix table (``run_table``),
    never into a cell."""
    bad = status[status != FINITE]
    if bad.empty:
        return f"none of {num(len(status))} {what} diverged"
    kinds = ", ".join(f"{num(n)} {k}" for k, n in bad.value_counts().sort_index().items())
    head = f"{kinds} of {num(len(status))} {what}"
    if len(bad) <= limit:
        return f"{head} ({run_names(bad.index, limit)})"
    run_table(f"{what.capitalize()} that diverged or overflowed", bad.index, bad.to_list())
    return f"{head}, listed in the appendix table"


def _level_names(index: pd.Index) -> list[str | None]:
    """The names of an index's levels (the checks name them by columns: text or None)."""
    names = list(index.names) if isinstance(index, pd.MultiIndex) else [index.name]
    return cast(list[str | None], names)


def run_names(index: pd.Index, limit: int = 8) -> str:
    """Runs named in a reader's words ('ReLU, He, depth 16, seed 0; …') from an index
    whose levels are named; unnamed levels fall back to the joined values."""
    levels = _level_names(index)
    keys = [k if isinstance(k, tuple) else (k,) for k in index]
    if all(levels):
        txt = [condition(**dict(zip(cast(list[str], levels), k, strict=True))) for k in keys]
    else:
        txt = ["/".join(str(x) for x in k) for k in keys]
    more = f" and {len(txt) - limit} more" if len(txt) > limit else ""
    return "; ".join(txt[:limit]) + more


# ---- appendix tables -------------------------------------------------------------
# Long lists of runs or conditions go to tables in the report's appendix, one list per
# claim in claims.json's ``run_tables``: [{"title", "columns", "rows"}]. The lists are
# built deep inside helpers that many checks share (diverged_text above), so the tables
# are collected while a check runs (evaluate.run_check opens the collector) rather than
# threaded through every check's return value; a check can also pass its own tables to
# ``registry.result(run_tables=...)``.

_RUN_TABLES: ContextVar[list[dict[str, Any]] | None] = ContextVar("run_tables", default=None)


@contextmanager
def collecting_run_tables() -> Iterator[list[dict[str, Any]]]:
    """The tables ``run_table`` records while the block runs (one claim's check)."""
    tables: list[dict[str, Any]] = []
    token = _RUN_TABLES.set(tables)
    try:
        yield tables
    finally:
        _RUN_TABLES.reset(token)


def _cell(level: str | None, value: object) -> str | int | float:
    """A table cell: code names as reader labels, counts and indices kept as integers,
    other numbers formatted."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return num(float(value), 6)  # a learning rate or a scale, in the one number style
    if level in _CONDITION_FIELDS and level not in ("depth", "width", "hidden", "seed", "step"):
        return _CONDITION_FIELDS[level](value)
    return label(value)


def run_table(
    title: str, index: pd.Index, last: list[object] | None = None, last_column: str = "status"
) -> dict[str, Any]:
    """A table of runs (one row per entry of ``index``, whose level names are the
    columns), with an optional last column; recorded for the running check's claim."""
    levels = _level_names(index)
    columns = [str(n or "run").replace("_", " ") for n in levels]
    rows = []
    for k, key in enumerate(index):
        key = key if isinstance(key, tuple) else (key,)
        row = [_cell(lv, v) for lv, v in zip(levels, key, strict=True)]
        rows.append(row + ([label(last[k])] if last is not None else []))
    table = {"title": title, "columns": columns + ([last_column] if last else []), "rows": rows}
    return record_table(table)


def conditions_table(title: str, conditions: list[str], column: str = "condition") -> dict:
    """A one-column table of conditions already in a reader's words."""
    return record_table({"title": title, "columns": [column], "rows": [[c] for c in conditions]})


def record_table(table: dict[str, Any]) -> dict[str, Any]:
    tables = _RUN_TABLES.get()
    if tables is not None:
        tables.append(table)
    return table


# ---- which gradient ------------------------------------------------------------------

# The probe summary's per-network log10 first/last ratios of the two quantities.
DELTA_RATIO, WEIGHT_RATIO = "log10_delta_ratio", "log10_ratio"
# A disagreement worth a sentence in the row: the two medians more than a decade apart.
GAP_DECADES = 1.0


def quantity_gap(
    summary: pd.DataFrame, cells: Iterable[tuple[str, str, int]], limit: int = 2
) -> str:
    """Where the probe's weight-gradient ratio log10 ‖∂L/∂W₁‖/‖∂L/∂W_out‖ and its δ ratio
    log10 ‖δ₁‖/‖δ_out‖ differ by more than a decade (medians over seeds), per
    (activation, init, depth) cell; '' where they agree. A depth claim's row says so,
    because the two can disagree by many decades (see the report's "which gradient"
    section). More than ``limit`` cells go to an appendix table."""
    if WEIGHT_RATIO not in summary or DELTA_RATIO not in summary:
        return ""
    rows = []
    for act, init, depth in cells:
        sel = summary[
            (summary["activation"] == act) & (summary["init"] == init) & (summary["depth"] == depth)
        ]
        if sel.empty:
            continue
        ok = sel["status"] == FINITE if "status" in sel else pd.Series(True, index=sel.index)
        d = sel.loc[ok, DELTA_RATIO].astype(float)
        w = sel.loc[ok, WEIGHT_RATIO].astype(float)
        d, w = d[np.isfinite(d)], w[np.isfinite(w)]
        if d.empty or w.empty:
            continue
        dm, wm = float(d.median()), float(w.median())
        if abs(dm - wm) > GAP_DECADES:
            rows.append([condition(activation=act, init=init, depth=depth), sig(dm), sig(wm)])
    if not rows:
        return ""
    lead = (
        "The weight gradient disagrees with δ (log10 of the first layer over the output "
        "layer, decades) in "
    )
    if len(rows) > limit:
        record_table(
            {
                "title": "Where the weight gradient disagrees with δ by more than a decade",
                "columns": ["setting", "log10 δ ratio", "log10 ∂L/∂W ratio"],
                "rows": rows,
            }
        )
        return f"{lead}{num(len(rows))} settings (listed in the appendix table)."
    return lead + "; ".join(f"{c}: δ ratio {d}, ∂L/∂W ratio {w}" for c, d, w in rows) + "."
