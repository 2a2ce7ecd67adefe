"""The figure defects of issue 16 stay fixed: each test draws a figure from small fixture
tables and reads what it drew (lines, markers, limits, tick labels, colours)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import ModuleType

import matplotlib
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from vanishing.figures import (
    equivalence_loss_curves,
    equivalence_loss_gap,
    study_leaky_slope,
    study_lr_sweep,
    style,
    training_dead_units,
)
from vanishing.machinery.labels import label
from vanishing.machinery.tables import Tables

FIGURES = Path(style.__file__).parent


def _draw(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, tables: dict[str, pd.DataFrame], tmp: Path
) -> plt.Figure:
    """Draw ``module``'s figure from the frames and return it, laid out but not closed."""
    paths = {}
    for name, frame in tables.items():
        path = tmp / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths[name] = [path]
    kept: list[plt.Figure] = []

    def keep(fig: plt.Figure, outputs: list[Path]) -> None:
        fig.canvas.draw()
        kept.append(fig)

    monkeypatch.setattr(module, "save", keep)
    module.main(Tables(paths), [tmp / "f.png"], {})
    return kept[0]


def _colours(fig: plt.Figure) -> set[str]:
    """Every colour a line, marker or filled area of the figure is drawn in."""
    out: set[str] = set()
    for artist in fig.findobj(lambda a: isinstance(a, matplotlib.lines.Line2D)):
        for c in (artist.get_color(), artist.get_markerfacecolor(), artist.get_markeredgecolor()):
            if c not in ("none", None):
                out.add(mcolors.to_hex(c))
    for artist in fig.findobj(lambda a: isinstance(a, matplotlib.collections.Collection)):
        for c in artist.get_facecolors():
            out.add(mcolors.to_hex(c))
    return out


# ---- study_lr_sweep: every α is drawn or marked, and a lone survivor is not a median ----


def _lr_curves() -> pd.DataFrame:
    """Three α: one stable, one where 2 of 3 seeds diverge at step 40, one where all
    diverge at step 20."""
    rows = []
    for lr, dies in ((0.01, {}), (1.0, {0: 40, 1: 40}), (3.0, {0: 20, 1: 20, 2: 20})):
        for seed in range(3):
            for step in range(0, 101, 20):
                bad = seed in dies and step >= dies[seed]
                loss = np.nan if bad else 2.0 / (1 + step * lr) + 0.01 * seed
                rows.append(
                    {"lr": lr, "step": step, "seed": seed, "train_loss": loss, "test_accuracy": 0.5}
                )
    return pd.DataFrame(rows)


def test_lr_sweep_draws_or_marks_every_learning_rate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fig = _draw(monkeypatch, study_lr_sweep, {"lr_sweep.curves": _lr_curves()}, tmp_path)
    left = fig.axes[0]
    cmap, norm = style.ramp_cmap(), mcolors.LogNorm(0.01, 3.0)
    for lr in (0.01, 1.0, 3.0):
        colour = mcolors.to_hex(cmap(norm(lr)))
        mine = [ln for ln in left.get_lines() if mcolors.to_hex(ln.get_color()) == colour]
        assert mine, f"α = {lr} is neither drawn nor marked"
        crosses = [ln for ln in mine if ln.get_marker() == "x"]
        solid = [ln for ln in mine if ln.get_linestyle() == "-" and ln.get_marker() != "x"]
        if lr == 0.01:
            assert not crosses and solid
        else:
            assert len(crosses) == 1  # the median's divergence is marked …
            step = crosses[0].get_xdata()[0]
            # … and no solid median line runs past it (a lone survivor is no median)
            assert all(max(ln.get_xdata(), default=0) < step for ln in solid)
    # The right column: every α has a finite point or a diverged mark, and a share.
    by_label = {ax.get_ylabel(): ax for ax in fig.axes}
    summary = by_label["median training loss"]
    xs = np.concatenate([ln.get_xdata() for ln in summary.get_lines() if len(ln.get_xdata())])
    assert {0.01, 1.0, 3.0} <= set(np.round(xs, 6))
    share = by_label["seeds diverged"].get_lines()[0]
    assert list(np.round(share.get_ydata(), 3)) == [0.0, 0.667, 1.0]


# ---- training_dead_units: the run's step range, labels that do not overlap ---------------


def _dead_tables() -> dict[str, pd.DataFrame]:
    layers, units = [], []
    for act in ("relu", "leaky_relu", "prelu", "elu", "necro_relu", "leaky_relu0.1"):
        for depth in (4, 16, 32):
            for seed in range(2):
                for step in range(0, 801, 200):
                    for layer in range(1, depth + 2):
                        layers.append(
                            {
                                "activation": act,
                                "init": "he",
                                "depth": depth,
                                "seed": seed,
                                "step": step,
                                "layer": layer,
                                "dead_frac": 0.01 * depth * (1 + seed) / 32,
                            }
                        )
                units.append(
                    {
                        "activation": act,
                        "depth": depth,
                        "seed": seed,
                        "ever_dead": 1000 * depth + 7,
                        "revived": 300 * depth,
                    }
                )
    return {"training.layers": pd.DataFrame(layers), "training.units": pd.DataFrame(units)}


def test_dead_units_axes_stay_in_the_run_and_counts_do_not_overlap(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fig = _draw(monkeypatch, training_dead_units, _dead_tables(), tmp_path)
    curves = [ax for ax in fig.axes if ax.get_xlabel() == "SGD step"]
    assert len(curves) == 3
    for ax in curves:
        lo, hi = ax.get_xlim()
        assert lo >= 0 and hi <= 800  # an 800-step run: no axis out to 1,000
    renderer = fig.canvas.get_renderer()
    boxes = [
        t.get_window_extent(renderer)
        for ax in fig.axes
        for t in ax.texts
        if re.search(r"\d", t.get_text())
    ]
    assert len(boxes) == 18  # one count per activation and depth
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]
    assert not overlaps


# ---- equivalence figures: no trivial n = 1 column; caption and legend agree --------------


def _trajectories() -> pd.DataFrame:
    rows = []
    for opt in ("gd", "adam"):
        maps = ["reference", "same_lr", "lr_x_n", "lr_x_n2", "exact"]
        maps += ["exact_eps_aside"] if opt == "adam" else []
        for n in (1.0, 2.0, 3.0):
            for m in maps:
                for seed in range(2):
                    for step in range(0, 50, 5):
                        off = 0.0 if m in ("reference", "exact") or n == 1 else 0.1 * len(m)
                        rows.append(
                            {
                                "optimizer": opt,
                                "n": n,
                                "mapping": m,
                                "seed": seed,
                                "step": step,
                                "loss": 2.0 / (1 + step) + off,
                            }
                        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("module", [equivalence_loss_curves, equivalence_loss_gap])
def test_equivalence_figures_drop_n_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: ModuleType
) -> None:
    fig = _draw(monkeypatch, module, {"equivalence.trajectories": _trajectories()}, tmp_path)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 4 and not any(t.endswith("n = 1") for t in titles)


def test_equivalence_caption_names_every_line_of_the_legend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fig = _draw(
        monkeypatch,
        equivalence_loss_curves,
        {"equivalence.trajectories": _trajectories()},
        tmp_path,
    )
    caption = " ".join(equivalence_loss_curves.__doc__.split("\n\n")[0].split())
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(names) == 6  # the reference and five mappings (one is Adam's alone)
    for name in names:
        assert f'"{name}"' in caption, name
    # the caption describes the reference as drawn: light grey, not black
    ref = next(ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("tanh(n·x)"))
    assert mcolors.to_hex(ref.get_color()) == mcolors.to_hex("0.8")
    assert "grey band" in caption and "black" not in caption.split("under each mapping")[0]


# ---- study_leaky_slope: an honest accuracy axis --------------------------------------------


def test_leaky_slope_shows_accuracy_differences_around_zero(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = []
    for slope in (0.0, 0.01, 0.1, 0.3):
        for seed in range(5):
            for phase in ("init", "final"):
                rows.append(
                    {
                        "slope": slope,
                        "activation": "leaky_relu",
                        "step": 0 if phase == "init" else 100,
                        "phase": phase,
                        "seed": seed,
                        "dead_frac": 0.02 - 0.05 * slope,
                        "log10_grad_ratio": -0.3,
                        "train_loss": 0.1,
                        "test_accuracy": 0.94 + 0.01 * slope + 0.002 * seed,
                    }
                )
    fig = _draw(monkeypatch, study_leaky_slope, {"leaky_slope.runs": pd.DataFrame(rows)}, tmp_path)
    acc = fig.axes[2]
    lo, hi = acc.get_ylim()
    assert lo < 0 < hi and abs(lo + hi) < 1e-9  # centred on zero, not zoomed on the data
    assert any(np.allclose(ln.get_ydata(), 0) for ln in acc.get_lines())  # the zero line
    assert acc.containers  # the intervals are drawn


# ---- axes: no "0" between decades ---------------------------------------------------------


def test_symlog_ticks_label_zero_once_at_zero_and_decades_elsewhere() -> None:
    style.setup()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [-3e4, 1.2])
    ax.set_yscale("symlog", linthresh=1.0)
    style.symlog_ticks(ax)
    fig.canvas.draw()
    ticks = ax.get_yticks()
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names.count("0") == 1 and ticks[names.index("0")] == 0
    for t in ticks:
        assert t == 0 or np.isclose(np.log10(abs(t)) % 1, 0)  # whole decades only
    plt.close(fig)


def test_zero_floor_breaks_the_axis_between_zero_and_the_decades() -> None:
    style.setup()
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1e-30, 1e-3, 1e2])
    ax.set_yscale("log")
    ax.set_ylim(1e-32, 1e3)
    style.zero_floor(ax, 1e-31)
    fig.canvas.draw()
    ticks, names = ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()]
    assert names[0] == "0" and names.count("0") == 1
    assert ticks[1] >= ticks[0] * 30  # a gap, not one more decade
    breaks = [ln for ln in ax.get_lines() if ln.get_transform() == ax.transAxes]
    assert len(breaks) == 2  # the break mark on the axis
    plt.close(fig)


# ---- one colour, one meaning ---------------------------------------------------------------


def test_other_variables_never_take_an_activation_or_init_colour(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Figures that colour learning rates, mappings or phases draw in greys only."""
    taken = style.palette_colors()
    drawn = {
        "lr": _draw(monkeypatch, study_lr_sweep, {"lr_sweep.curves": _lr_curves()}, tmp_path),
        "mappings": _draw(
            monkeypatch,
            equivalence_loss_curves,
            {"equivalence.trajectories": _trajectories()},
            tmp_path,
        ),
    }
    for what, fig in drawn.items():
        clash = _colours(fig) & taken
        assert not clash, f"{what} drawn in activation/init colours {clash}"
        for c in _colours(fig):
            r, g, b = mcolors.to_rgb(c)
            assert max(r, g, b) - min(r, g, b) < 0.02, f"{what}: {c} is not a grey"


def test_every_activation_has_one_colour_and_leaky_slopes_are_told_apart() -> None:
    slopes = ["leaky_relu", "leaky_relu0.1", "leaky_relu0.2", "leaky_relu0.3"]
    colours = [np.array(mcolors.to_rgb(style.activation_color(a))) for a in slopes]
    for i in range(len(colours)):
        for j in range(i):
            assert np.abs(colours[i] - colours[j]).sum() > 0.15, (slopes[i], slopes[j])
    # the palette keys by the label the figures show: the same colour for the same name
    pal = style.palette(slopes, "activation")
    assert pal[label("leaky_relu0.1", "activation")] == style.activation_color("leaky_relu0.1")


def _colour_literals(tree: ast.AST) -> list[str]:
    """Colour constants a module spells itself: hex strings, "C3"-style cycle
    references, seaborn/matplotlib palette and colour-map calls."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"#[0-9a-fA-F]{6}|C\d", node.value):
                found.append(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("color_palette", "get_cmap", "cubehelix_palette"):
                found.append(node.func.attr)
        if isinstance(node, ast.JoinedStr) and any(
            isinstance(v, ast.Constant) and v.value == "C" for v in node.values
        ):
            found.append("f'C{…}'")
    return found


@pytest.mark.parametrize(
    "path", sorted(p for p in FIGURES.glob("*.py") if p.name != "style.py"), ids=lambda p: p.stem
)
def test_figure_modules_take_their_colours_from_style(path: Path) -> None:
    """No module defines a colour of its own (or reaches for a default palette, whose
    colours are the init palette's): colours come from style.py's helpers."""
    assert _colour_literals(ast.parse(path.read_text())) == []
