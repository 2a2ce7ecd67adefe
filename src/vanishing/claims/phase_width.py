"""E6 and E1 against width, from the phase_width stage's grid (no torch: the check and the
figure both read it).

Per (activation, σ_b², depth, width): the measured critical σ_w², the first σ_w² at which
the median over seeds of the slope of ln‖δ‖ (δ = ∂L/∂z, per layer towards the input)
rises through 0, linearly interpolated in ln σ_w² between the grid's cells, with the
percentile bootstrap interval over seeds (whole seeds resampled, the shared resamples of
E6); and its deviation ln σ_w²(measured) − ln σ_w²(χ1 = 1). Per (width, depth): E1's
per-cell comparison, |median measured slope − predicted slope|, over the same cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..machinery.tables import MissingResult, Tables
from .verdict import LEVEL, N_BOOT, RNG_SEED

# A diverged (non-finite) network counts as exploding, a vanished one (an exact zero) as
# vanishing: its slope enters the median as ±CLIP per layer, far outside any finite slope.
CLIP = 10.0
KEYS = ["activation", "sigma_b2", "depth", "width"]
GRID = "phase_width.grid"


def width_grid(r: Tables) -> pd.DataFrame | None:
    """The width grid, or None where it is not among the tables (a run without the stage,
    tests' synthetic results): the width evidence is then simply not reported."""
    try:
        return r.table(GRID)
    except MissingResult:
        return None


def clipped(g: pd.DataFrame) -> pd.Series:
    """The slopes with diverged → +CLIP and vanished → −CLIP (see CLIP)."""
    v = g["slope"].astype(float).clip(-CLIP, CLIP)
    other = pd.Series(np.where(g["status"] == "diverged", CLIP, -CLIP), index=g.index)
    return v.where(g["status"] == "finite", other)


def rising_crossing(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Where v rises through 0 along x (increasing), first such point, linearly interpolated.

    x: (n,); v: (..., n). −inf where v > 0 already at the first point (the crossing is below
    the grid), +inf where v ≤ 0 everywhere (above it)."""
    pos = v > 0
    up = ~pos[..., :-1] & pos[..., 1:]
    i = np.argmax(up, axis=-1)
    v0 = np.take_along_axis(v, i[..., None], -1)[..., 0]
    v1 = np.take_along_axis(v, i[..., None] + 1, -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x[i] + (0.0 - v0) * (x[i + 1] - x[i]) / (v1 - v0)
    out = np.where(up.any(axis=-1), out, np.inf)
    return np.where(pos[..., 0], -np.inf, out)


def interval(draws: np.ndarray) -> tuple[float, float]:
    """The shared percentile interval (LEVEL, inverted CDF); ±inf draws stay ±inf."""
    a = (1 - LEVEL) / 2
    lo, hi = np.quantile(draws, [a, 1 - a], method="inverted_cdf")
    return float(lo), float(hi)


def boot_indices(n_seeds: int) -> np.ndarray:
    """(N_BOOT, n) seed resamples: E6's, so its intervals resample seeds alike."""
    return np.random.default_rng(RNG_SEED).integers(0, n_seeds, (N_BOOT, n_seeds))


def critical_table(grid: pd.DataFrame) -> pd.DataFrame:
    """One row per (activation, σ_b², depth, width): the measured critical ln σ_w² with its
    interval, the predicted ln σ_w²(χ1 = 1), the deviation (measured − predicted), and
    where the layer-by-layer prediction (finite depth, infinite width) crosses 0."""
    return critical_rows(grid)[0]


def critical_rows(
    grid: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[tuple[object, ...], np.ndarray]]:
    """critical_table, and per row (keyed by KEYS) the bootstrap draws of the deviation."""
    g = grid.assign(v=clipped(grid))
    seeds = sorted(g["seed"].unique())
    boot = boot_indices(len(seeds))
    rows, kept = [], {}
    for key, cell in g.groupby(KEYS, sort=True):
        cube = cell.pivot_table(index="sigma_w2", columns="seed", values="v").reindex(columns=seeds)
        x = np.log(cube.index.to_numpy(float))
        v = cube.to_numpy(float)  # (n_w, seeds)
        point = float(rising_crossing(x, np.median(v, axis=1)))
        draws = rising_crossing(x, np.median(v[:, boot], axis=-1).T)  # (N_BOOT,)
        lo, hi = interval(draws)
        line = float(np.log(cell["sigma_w2_line"].iloc[0]))
        traj = cell.groupby("sigma_w2")["pred_slope_trajectory"].first().reindex(cube.index)
        kept[key] = draws - line
        rows.append(
            {
                **dict(zip(KEYS, key, strict=True)),
                "family": cell["family"].iloc[0],
                "seeds": len(seeds),
                "batch_size": int(cell["batch_size"].iloc[0]),
                "ln_sigma_w2_line": line,
                "ln_sigma_w2": point,
                "ln_sigma_w2_lo": lo,
                "ln_sigma_w2_hi": hi,
                "deviation": point - line,
                "deviation_lo": lo - line,
                "deviation_hi": hi - line,
                "deviation_trajectory": float(rising_crossing(x, traj.to_numpy(float))) - line,
            }
        )
    return pd.DataFrame(rows), kept


def e1_table(grid: pd.DataFrame, abs_tol: float, rel_tol: float) -> pd.DataFrame:
    """Per (width, depth): the median over cells (activation × σ_b² × σ_w²) of |median
    measured slope − ½ ln χ1 at q*| and of |… − the layer-by-layer slope|, and the share of
    cells within E1's tolerance (abs_tol + rel_tol·|layer-by-layer prediction|)."""
    g = grid[grid["status"] == "finite"]
    cells = g.groupby(["width", "depth", "activation", "sigma_b2", "sigma_w2"], sort=True).agg(
        measured=("slope", "median"),
        pred=("pred_slope", "first"),
        traj=("pred_slope_trajectory", "first"),
    )
    cells = cells[np.isfinite(cells["pred"]) & np.isfinite(cells["traj"])]
    d_q = (cells["measured"] - cells["pred"]).abs()
    d_t = (cells["measured"] - cells["traj"]).abs()
    within = d_t <= abs_tol + rel_tol * cells["traj"].abs()
    out = pd.DataFrame({"d_qstar": d_q, "d_trajectory": d_t, "within": within})
    return (
        out.groupby(["width", "depth"])
        .agg(
            cells=("d_qstar", "size"),
            median_abs_qstar=("d_qstar", "median"),
            median_abs_trajectory=("d_trajectory", "median"),
            within=("within", "mean"),
        )
        .reset_index()
    )
