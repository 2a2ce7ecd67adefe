"""Figure conventions: the size and font checks, and the verdict-at-a-glance figure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

from vanishing.claims.evaluate import load_catalogue
from vanishing.claims.one_line import one_line
from vanishing.figures import style, verdict_overview
from vanishing.machinery.tables import Tables


def _capture_figures(monkeypatch: pytest.MonkeyPatch, module: object) -> list[plt.Figure]:
    """Keep the figures a module saves (save closes them) so a test can read the artists."""
    kept: list[plt.Figure] = []

    def keep(fig: plt.Figure, outputs: list[Path]) -> None:
        fig.canvas.draw()
        kept.append(fig)

    monkeypatch.setattr(module, "save", keep)
    return kept


def test_save_refuses_text_below_7pt_and_figures_wider_than_the_page(tmp_path: Path) -> None:
    style.setup()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("tiny", fontsize=6)
    with pytest.raises(ValueError, match="below 7.0 pt"):
        style.save(fig, [tmp_path / "a.png"])
    fig, ax = plt.subplots(figsize=(14, 3))
    with pytest.raises(ValueError, match="exceeds"):
        style.save(fig, [tmp_path / "b.png"])
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.set_title("fine")
    style.save(fig, [tmp_path / "c.png"])
    assert (tmp_path / "c.png").stat().st_size > 0


def test_save_refuses_a_figure_whose_layout_collapsed(tmp_path: Path) -> None:
    # An empty line drawn outside the clip (how study_lr_sweep drew "no × to mark" in the
    # quick config) reaches the figure's corner, and the constrained layout gives up.
    style.setup()
    for points, name in (([], "a.png"), ([1], "b.png")):
        fig = plt.figure(figsize=(6, 3), layout="constrained")
        left, right = fig.subfigures(1, 2)
        left.subplots().plot([1, 2])
        right.subplots().plot(points, points, "x", clip_on=False)
        if not points:
            with pytest.raises(ValueError, match="collapsed"):
                style.save(fig, [tmp_path / name])
        else:
            style.save(fig, [tmp_path / name])
            assert (tmp_path / name).exists()


def test_save_lays_out_once_and_draws_each_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A constrained figure is laid out once, then each file is drawn once: savefig
    lays out and draws a figure that still has a layout engine once more per file, and
    a figure job's time is mostly drawing. The files still show the laid-out positions."""
    style.setup()
    fig, axes = plt.subplots(1, 2, figsize=(6, 3), layout="constrained")
    for ax in axes:
        ax.set_ylabel("a long label that needs room")
    calls = {"draw": 0, "layout": 0}

    def counting(cls: type, name: str, key: str) -> None:
        method = getattr(cls, name)

        def counted(self: object, *args: object) -> object:
            calls[key] += 1
            return method(self, *args)

        monkeypatch.setattr(cls, name, counted)

    counting(matplotlib.figure.Figure, "draw", "draw")
    counting(matplotlib.layout_engine.ConstrainedLayoutEngine, "execute", "layout")
    style.save(fig, [tmp_path / "f.png", tmp_path / "f.pdf"])
    assert calls == {"draw": 2, "layout": 1}  # one layout; the PNG, the PDF
    assert fig.get_layout_engine() is None
    # the layout moved the right axes clear of the left one's label
    left, right = (ax.get_position() for ax in axes)
    assert right.x0 - left.x1 > 0.05


VERDICTS = ["supported", "qualified", "refuted", "inconclusive", "not tested"]


def _claims() -> dict:
    """The real catalogue's claims with every verdict and some partly tested."""
    claims = []
    for k, c in enumerate(load_catalogue()):
        claims.append(
            {
                "id": c["id"],
                "source": c["id"][0],
                "text": c["text"],
                "form": c.get("form", "general"),
                "verdict": VERDICTS[k % len(VERDICTS)],
                "partly_tested": k % 7 == 3,
            }
        )
    return {"claims": claims}


def _drawn_texts(fig: plt.Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_verdict_overview_shows_every_claim_with_a_whole_word_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _claims()
    figs = _capture_figures(monkeypatch, verdict_overview)
    verdict_overview.draw(data["claims"], [tmp_path / "v.png"])
    texts = _drawn_texts(figs[0])
    for c in data["claims"]:
        ident = c["id"] + ("†" if c["partly_tested"] else "")
        assert texts.count(ident) == 1, ident  # every claim once, partly tested marked
        name = texts[texts.index(ident) + 1]
        # the claim's one-line form (its paraphrase where it has none), cut after a
        # whole word if at all, never inside one
        words = (one_line().get(c["id"]) or " ".join(c["text"].split())).rstrip(".")
        stem = name.removesuffix(" …")
        words = re.sub(r" \([^()]*\)", "", words) if not words.startswith(stem) else words
        assert words.startswith(stem), (name, words)
        assert len(stem) == len(words) or words[len(stem)] in " ,;:.", name
        assert "…" not in stem
    # no shared numeric axis: the figure has no ticks at all
    assert all(not ax.get_xticks().size or not ax.axison for ax in figs[0].axes)


def test_verdict_overview_marks_each_verdict_distinctly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _claims()
    figs = _capture_figures(monkeypatch, verdict_overview)
    verdict_overview.draw(data["claims"], [tmp_path / "v.png"])
    looks: dict[str, set[tuple]] = {}
    ax = figs[0].axes[0]
    for line in (ln for a in figs[0].axes for ln in a.get_lines()):
        y = round(line.get_ydata()[0])
        texts = [
            t
            for t in line.axes.texts
            if round(t.get_position()[1]) == y and t.get_position()[0] < 0.1
        ]
        if not texts:
            continue
        claim = next(c for c in data["claims"] if texts[0].get_text().rstrip("†") == c["id"])
        look = (
            str(line.get_marker()),
            line.get_fillstyle(),
            matplotlib.colors.to_hex(line.get_markerfacecolor()),
            matplotlib.colors.to_hex(line.get_markeredgecolor()),
        )
        looks.setdefault(claim["verdict"], set()).add(look)
    assert ax is not None and set(looks) == set(VERDICTS)
    # one look per verdict, and no two verdicts look alike
    assert all(len(v) == 1 for v in looks.values())
    assert len({next(iter(v)) for v in looks.values()}) == len(VERDICTS)
    # qualified is two-sided (half filled) and "not tested" is hollow, not a pass
    assert next(iter(looks["qualified"]))[1] in ("left", "right", "top", "bottom")
    assert next(iter(looks["not tested"]))[1] == "none"


def test_verdict_overview_rebuilds_byte_identically(tmp_path: Path) -> None:
    src = tmp_path / "claims.json"
    src.write_text(json.dumps(_claims()))
    outs = [tmp_path / "v.png", tmp_path / "v.pdf"]
    verdict_overview.main(Tables({"claims.claims": [src]}), outs, {})
    first = [p.read_bytes() for p in outs]
    verdict_overview.main(Tables({"claims.claims": [src]}), outs, {})
    assert [p.read_bytes() for p in outs] == first


def test_short_name_cuts_at_words_and_keeps_brackets_closed() -> None:
    def fits(s: str) -> bool:
        return len(s) <= 30

    text = "With the usual N(0, 1) initialisation the weights lie in [−1, 1], so they cannot"
    name = verdict_overview.short_name(text, fits)
    assert name == "With the usual N(0, 1) …"
    assert verdict_overview.short_name("Short claim.", fits) == "Short claim"
    # an aside in brackets goes before the words do
    aside = "A 'NecroReLU' (ReLU forward, slope 0.1 backward) cannot die"
    assert verdict_overview.short_name(aside, fits) == "A 'NecroReLU' cannot die"
    # an apostrophe is not an open quote
    assert verdict_overview.short_name("tanh's derivative is below one everywhere", fits) == (
        "tanh's derivative is below …"
    )


@pytest.mark.parametrize("n_scales", [1, 2, 3, 4, 5, 6])
def test_products_probability_fits_the_page_for_any_number_of_scales(
    tmp_path: Path, n_scales: int
) -> None:
    """The default config has more scales s than the quick one: panels wrap into rows
    instead of running off the page (style.save refuses a figure that does not fit)."""
    import pandas as pd

    from vanishing.figures import products_probability

    rows = [
        {"activation": act, "s": s, "K": k, "seed": seed, "p_vanish": 0.5, "p_explode": 0.1}
        for act in ("tanh_n1", "tanh_n2", "relu")
        for s in [0.25 * 2**i for i in range(n_scales)]
        for k in (1, 10, 100)
        for seed in (0, 1)
    ]
    table = tmp_path / "products.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    out = [tmp_path / "p.png", tmp_path / "p.pdf"]
    products_probability.main(Tables({"products.products": [table]}), out, {})
    assert all(p.stat().st_size > 0 for p in out)
