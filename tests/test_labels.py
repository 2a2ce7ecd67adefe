"""Human labels, number formatting and the figures' palette convention."""

from __future__ import annotations

import yaml

from vanishing.figures import style
from vanishing.machinery.labels import (
    bracket,
    define,
    glossary,
    humanise,
    interval,
    label,
    labels,
    minus,
    num,
    pct,
    prose,
)

from .conftest import ROOT


def test_every_configured_name_has_a_label_and_a_definition() -> None:
    for cfg in ("config/config.yaml", "config/quick.yaml"):
        c = yaml.safe_load((ROOT / cfg).read_text())
        for kind, names in (("activation", c["activations"]), ("init", c["inits"])):
            for name in names:
                assert define(name, kind), name


def test_family_names_get_readable_labels() -> None:
    assert label("tanh_n2") == "tanh(2x)"
    assert label("tanh_n0.5", "activation") == "tanh(0.5x)"
    assert label("leaky_relu0.2") == "leaky ReLU (0.2)"
    assert label("glorot_standard", "init") == "U[±1/√fan_in]"
    assert label("lr_x_n2", "mapping") == "lr × n²"
    assert label("unknown_thing") == "unknown_thing"
    assert labels(["relu", "elu", "prelu"], "activation") == "ReLU, ELU and PReLU"
    assert [g["label"] for g in glossary(["he", "xavier"], "init")] == ["He", "Xavier"]


def test_humanise_replaces_code_names_but_not_paths_or_urls() -> None:
    text = "glorot_standard and necro_relu nets; results/probe/activation~relu/x.csv"
    out = humanise(text)
    assert out.startswith("U[±1/√fan_in] and NecroReLU nets")
    assert "results/probe/activation~relu/x.csv" in out
    url = "see https://docs.jax.dev/jax.nn.leaky_relu.html"
    assert humanise(url) == url
    # Words that double as code names stay words.
    assert humanise("the linear map he drew") == "the linear map he drew"


def test_humanise_reaches_a_code_name_that_ends_a_sentence() -> None:
    # B6's note once read "…, sgd/4 vs prelu." next to "adam/2 vs PReLU".
    assert humanise("sgd/4 vs prelu. Then relu, prelu") == "sgd/4 vs PReLU. Then ReLU, PReLU"
    assert humanise("written to relu.csv and prelu.json") == "written to relu.csv and prelu.json"


def test_true_minus_and_powers_of_ten() -> None:
    assert minus("x = -3.5, [-1, 1]") == "x = −3.5, [−1, 1]"
    assert minus("2017-07-10 and 2-3 and 1e-6") == "2017-07-10 and 2-3 and 1e-6"
    # one formatter: humanise relabels, it does not reformat a number that bypassed num
    assert humanise("p = 1.83e-11 for relu") == "p = 1.83e-11 for ReLU"
    assert num(-0.5) == "−0.5"
    assert num(2.5e-7) == "2.5 × 10⁻⁷"
    assert num(float("-inf")) == "−∞"
    assert num(None) == "n/a"


def test_num_never_prints_e_notation() -> None:
    # B2's count once read "1.14e+04": .3g switches to e-notation from 1000 on.
    assert num(11434.0) == "11,434"
    assert num(-2500) == "−2,500"
    assert num(1234.5) == "1,230"
    assert num(123.45) == "123"
    for x in (999.5, 1000.25, 12345.6, 99999.9, 1.5e5, 1e-3, 0.00099, 3e9, -4e-12):
        assert "e" not in num(x), (x, num(x))


def test_one_rule_for_where_scientific_notation_starts() -> None:
    # "≤ 5.00 × 10⁻⁴" next to "≤ 0.0005" once: the same number must always read the same.
    assert num(0.0005) == "5 × 10⁻⁴"
    assert num(0.001) == "0.001"
    assert num(0.00099996) == "0.001"  # decided on the rounded value
    assert num(1e-6) == "10⁻⁶" and num(-1e-6) == "−10⁻⁶"
    assert num(999_999.0) == "999,999"  # a count keeps its digits
    assert num(2.5e6) == "2.5 × 10⁶"
    assert num(12345.6) == "12,300"  # separators, not 1.23 × 10⁴


def test_percentages_have_one_style() -> None:
    assert pct(0.95) == "95 %"
    assert pct(0.683) == "68.3 %"
    assert pct(None) == "n/a"


def test_an_interval_never_prints_as_a_point() -> None:
    # "1 [1, 1]" and "0.999 [1, 1]" in the published report
    assert interval(1.0, 0.99992, 1.0) == "1 [0.9999, 1]"
    v, lo, hi = bracket(0.99931, 0.99912, 0.99948)
    assert lo != hi and float(lo) <= float(v) <= float(hi), (v, lo, hi)
    assert interval(0.74, 0.74, 0.74) == "0.74 (zero-width interval)"
    # a value that rounds onto an end moves inside it with one more digit
    v, lo, hi = bracket(0.1996, 0.1995, 0.25)
    assert float(lo) <= float(v), (v, lo, hi)
    assert interval(-11.93, -11.99, -11.74) == "−11.9 [−12, −11.7]"


def test_prose_starts_sentences_upper_case_and_has_no_double_periods() -> None:
    assert prose("paired by seed. none of 120 networks diverged") == (
        "paired by seed. None of 120 networks diverged"
    )
    assert prose("as in E4.. Then") == "as in E4. Then"
    # math and abbreviations are left alone; an ellipsis is not a double period
    assert prose("at s = 2. tanh saturates, e.g. here…") == "at s = 2. tanh saturates, e.g. here…"
    assert "wait..." in prose("wait... no")


def test_palette_gives_every_name_a_fixed_distinct_colour() -> None:
    c = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    acts = [style.activation_color(a) for a in c["activations"]]
    inits = [style.init_color(i) for i in c["inits"]]
    assert style.FALLBACK not in acts + inits
    assert len(set(acts)) == len(acts) and len(set(inits)) == len(inits)
    # A family is shades of one hue ordered by lightness: n = 0.5 lightest, n = 3 darkest.
    lum = [
        sum(int(style.activation_color(a)[i : i + 2], 16) for i in (1, 3, 5))
        for a in ("tanh_n0.5", "tanh", "tanh_n2", "tanh_n3")
    ]
    assert lum == sorted(lum, reverse=True)
    assert style.activation_order(["relu", "tanh_n2", "sigmoid", "tanh"]) == [
        "sigmoid",
        "tanh",
        "tanh_n2",
        "relu",
    ]
