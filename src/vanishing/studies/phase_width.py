"""E6 and E1 against width: the phase study's networks near the critical line χ1 = 1, at
every width of the config's width axis, one job per width.

E6's line is a mean-field statement: infinite width and, for the line at the fixed point
q*, infinite depth. Its misses sit at σ_b² = 0, where q* → 0 is approached only as a power
law (a depth effect), but 1/width corrections (a width effect) also move where the measured
slope of ln‖δ‖ changes sign. Measuring the same rows at several widths and the phase study's
two depths separates the two.

Networks, draws and slopes are the phase study's (``phase.draw``, ``phase.delta_norms``,
``phase.fit_slopes``): Gaussian inputs, weights σ_w·W̃ with W̃ ~ N(0, 1/fan_in) drawn per
seed by EnsembleMLP, biases σ_b·b̃, a random read-out at the logits, float64; the slope is
the least-squares slope of ln‖δ_l‖ (δ = ∂L/∂z, the back-propagated error) per layer travelled
towards the input. A network's draws depend only on its seed, width, depth and batch, so at
the phase study's width and batch a cell here has the phase grid's slope for that cell.

The grid, per (activation, σ_b²): σ_w² = σ_w²(χ1 = 1) · e^offset over a fine grid of offsets
(``offset_min`` … ``offset_max``, ``points``), σ_w²(χ1 = 1) the order-to-chaos crossing of
``phase.critical_sigma_w2``. Per cell also the theory the phase study tabulates: ½ ln χ1 at
q* and the slope of the layer-by-layer prediction from q¹ (finite depth).

Cost: at width 1024 one seed's weights are depth × 8 MB and its product is
(cells × batch) × 1024 × 1024 per layer, so the job draws one seed at a time (for all
activations: the draws do not depend on φ), and the batch shrinks with width
(``Params.batch_at``).

Output ``grid``: per (activation, width, depth, σ_b², σ_w², seed) the measured slope and
status, with the row's σ_w²(χ1 = 1), the offset and the two predicted slopes.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.activations import get_activation
from ..core.mean_field import (
    Moments,
    Trapezoid,
    chi1_fixed,
    half_ln_chi1_profiles,
    slope_from_profile,
)
from ..core.runtime import device
from ..core.vocabulary import family
from ..machinery.params.phase_width import Params
from ..machinery.tables import Tables
from ._small import write_csv
from .meanfield import numpy_fns
from .phase import critical_sigma_w2, delta_norms, draw, fit_slopes

log = logging.getLogger("vanishing.studies.phase_width")

COLUMNS = [
    "activation",
    "family",
    "width",
    "depth",
    "sigma_b2",
    "sigma_w2_line",
    "offset",
    "sigma_w2",
    "seed",
    "batch_size",
    "slope",
    "status",
    "pred_slope",
    "pred_slope_trajectory",
]


def cells(name: str, p: Params) -> pd.DataFrame:
    """The (σ_b², σ_w²) cells of one activation: per σ_b² row, offsets around its line."""
    offsets = np.linspace(p.offset_min, p.offset_max, p.points)
    rows = []
    for b in p.sigma_b2:
        line, _ = critical_sigma_w2(
            name, b, leaky_slope=p.leaky_slope, trapezoid_points=p.trapezoid_points
        )
        rows.append(
            pd.DataFrame(
                {
                    "sigma_b2": float(b),
                    "sigma_w2_line": line,
                    "offset": offsets,
                    "sigma_w2": line * np.exp(offsets),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def theory(name: str, c: pd.DataFrame, p: Params) -> dict[int, pd.DataFrame]:
    """Per depth: ½ ln χ1 at q* and the layer-by-layer slope, as phase.theory_table."""
    m = Moments(*numpy_fns(get_activation(name, p.leaky_slope)), Trapezoid(p.trapezoid_points))
    sw, sb = c["sigma_w2"].to_numpy(float), c["sigma_b2"].to_numpy(float)
    _, chi = chi1_fixed(m, sw, sb)
    prof = half_ln_chi1_profiles(m, sw, sb, max(p.depths))
    out = {}
    for depth in sorted(p.depths):
        traj = [
            slope_from_profile(prof[i], depth) if np.all(np.isfinite(prof[i, :depth])) else np.nan
            for i in range(len(sw))
        ]
        with np.errstate(divide="ignore"):
            out[depth] = pd.DataFrame(
                {"pred_slope": 0.5 * np.log(chi), "pred_slope_trajectory": traj}
            )
    return out


def grid_table(p: Params) -> pd.DataFrame:
    width, batch = p.width, p.batch_at(p.width)
    acts = {a: get_activation(a, p.leaky_slope) for a in p.activations}
    grid = {a: cells(a, p) for a in p.activations}
    th = {a: theory(a, grid[a], p) for a in p.activations}
    frames = []
    for depth in sorted(p.depths):
        for seed in p.seeds:
            # One seed at a time: at width 1024 the draws of all seeds would not fit in 2 GB.
            # The draws do not depend on φ: drawn once, used for every activation.
            d = draw(acts[p.activations[0]], depth, width, [seed], batch, device(p.device))
            for a in p.activations:
                c = grid[a]
                da = dataclasses.replace(d, activation=acts[a])
                norms = delta_norms(da, c["sigma_w2"].to_numpy(), c["sigma_b2"].to_numpy())
                slope, status = fit_slopes(norms)  # (1, cells)
                f = c.assign(
                    activation=a,
                    family=family(a),
                    width=width,
                    depth=depth,
                    seed=seed,
                    batch_size=batch,
                    slope=slope[0],
                    status=status[0],
                )
                frames.append(pd.concat([f, th[a][depth]], axis=1))
            # Free this seed's weights before the next seed's are drawn (peak memory).
            del d, da
    out = pd.concat(frames, ignore_index=True)[COLUMNS]
    return out.sort_values(
        ["activation", "depth", "sigma_b2", "sigma_w2", "seed"], kind="stable"
    ).reset_index(drop=True)


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    """Write outputs["grid"] for the job's width; reads no tables."""
    p.validate()
    t0 = time.process_time()
    table = grid_table(p)
    log.info(
        "width %d (batch %d): %d networks in %.2f s (CPU)",
        p.width,
        p.batch_at(p.width),
        len(table),
        time.process_time() - t0,
    )
    write_csv(table, outputs["grid"])
