"""Figure conventions: the size and font checks, and the verdict-at-a-glance figure."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from vanishing.claims.evaluate import load_catalogue
from vanishing.figures import style, verdict_overview
from vanishing.tables import Tables


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


def _claims(with_statistics: bool) -> dict:
    claims = []
    for k, c in enumerate(load_catalogue()):
        st = None
        if with_statistics and k % 3:
            st = {
                "name": "dead share",
                "value": 0.1 * (k % 7) + 0.01,
                "lo": 0.005,
                "hi": 0.9,
                "interval": "Wilson 95 %",
                "threshold": 0.3,
                "side": "above" if k % 2 else "below",
                "unit": "",
                "scale": "log" if k % 5 == 0 else "linear",
            }
        claims.append(
            {
                "id": c["id"],
                "verdict": "supported" if k % 4 else "refuted",
                "statistic": st,
                "parts": [],
            }
        )
    claims[6]["parts"] = [
        {
            "name": "n = 2",
            "verdict": "qualified",
            "statistic": {
                "name": "t1",
                "value": 0.66,
                "lo": None,
                "hi": None,
                "threshold": 0.65,
                "side": "above",
                "unit": "",
                "scale": "linear",
                "interval": "exact",
            },
        }
    ]
    return {"claims": claims}


@pytest.mark.parametrize("with_statistics", [True, False])
def test_verdict_overview_draws_one_row_per_claim(tmp_path: Path, with_statistics: bool) -> None:
    data = _claims(with_statistics)
    src = tmp_path / "claims.json"
    src.write_text(json.dumps(data))
    rows = verdict_overview.rows(data["claims"])
    assert [r["id"] for r in rows] == [c["id"] for c in data["claims"]]
    # a claim without its own statistic shows the part that decided it
    if not with_statistics:
        assert rows[6]["part"] == "n = 2" and rows[6]["statistic"]["value"] == 0.66
    outs = [tmp_path / "v.png", tmp_path / "v.pdf"]
    verdict_overview.main(Tables({"claims.claims": [src]}), outs, {})
    first = [p.read_bytes() for p in outs]
    verdict_overview.main(Tables({"claims.claims": [src]}), outs, {})
    assert [p.read_bytes() for p in outs] == first  # byte-identical rebuilds


def test_statistic_text_puts_the_number_first() -> None:
    st = _claims(True)["claims"][1]["statistic"]
    text = verdict_overview._text(st)
    assert text.startswith("0.11 [0.005, 0.9]") and text.endswith("needs ≥ 0.3")
    # the symbol is the check's own comparison: strict only where the check says so
    assert verdict_overview._text({**st, "strict": True}).endswith("needs > 0.3")


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
