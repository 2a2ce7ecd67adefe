"""Human labels for the code names a reader meets in the report and the figures.

One table per kind of name (activation, init, optimiser, learning-rate mapping,
input scaling, dtype). ``label(name)`` gives the short label used in legends,
tables and evidence strings; ``define(name)`` gives the one-line definition the
report's glossary prints. The claim checks should write ``label("glorot_standard")``
rather than the code name; the report's ``label`` and ``humanise`` Jinja filters
(see ``jinja_filters``) do the same for templates and free text.

Numbers: ``num(x)`` is the one number formatter (true minus sign, thousands
separators, ``× 10ⁿ`` instead of ``e-n``, one rule for when scientific notation
starts); ``pct`` writes a share as a percentage in the one style ("95 %");
``interval`` / ``bracket`` print a value with its interval so that neither collapses
to a point; ``minus(s)`` turns hyphen-minus signs in front of digits into U+2212.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..core import vocabulary

MINUS = "\u2212"

# ---- the label tables ----------------------------------------------------------

# (short label, definition). Definitions say what the code computes.
# Activations and inits: from their one home, vocabulary.py (with colour, family, ...).
ACTIVATIONS: dict[str, tuple[str, str]] = {
    n: (w.label, w.definition) for n, w in vocabulary.ACTIVATIONS.items()
}
INITS: dict[str, tuple[str, str]] = {
    n: (w.label, w.definition) for n, w in vocabulary.INITS.items()
}
OPTIMIZERS: dict[str, tuple[str, str]] = {
    "gd": ("full-batch GD", "gradient descent on the whole training set"),
    "sgd": ("SGD", "mini-batch stochastic gradient descent"),
    "adam": ("Adam", "Adam (β = 0.9, 0.999; ε = 10⁻⁸)"),
}
# How the tanh(x) net's learning rate is set to follow a tanh(n·x) net (A15).
MAPPINGS: dict[str, tuple[str, str]] = {
    "reference": ("tanh(n·x) net", "the tanh(n·x) network itself"),
    "same_lr": ("same lr", "the same learning rate for every parameter"),
    "lr_x_n": ("lr × n", "every learning rate × n"),
    "lr_x_n2": ("lr × n²", "every learning rate × n²"),
    "exact": ("exact map", "the derived map: hidden lr × n² (GD, SGD) or × n and ε / n (Adam)"),
    "exact_eps_aside": ("exact map, ε unscaled", "Adam with hidden lr × n but ε left as is"),
}
INPUTS: dict[str, tuple[str, str]] = {
    "standardised": ("standardised digits", "8×8 digits, each feature to mean 0, sd 1"),
    "unit": ("digits in [0, 1]", "8×8 digits, pixels divided by 16"),
    "mnist_like": (
        "MNIST-like digits",
        "digits in [0, 1] upsampled to 20×20 and centred in a 28×28 frame (784 inputs)",
    ),
}
DTYPES: dict[str, tuple[str, str]] = {
    "float64": ("float64", "IEEE double precision"),
    "float32": ("float32", "IEEE single precision"),
    "float16": ("float16", "IEEE half precision"),
    "bfloat16": ("bfloat16", "brain floating point: float32's range, 8-bit mantissa"),
}
TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "activation": ACTIVATIONS,
    "init": INITS,
    "optimizer": OPTIMIZERS,
    "mapping": MAPPINGS,
    "inputs": INPUTS,
    "dtype": DTYPES,
}


def _family(name: str) -> tuple[str, str] | None:
    """tanh_n<n> and leaky_relu<slope>: the activations named by a number."""
    lab, definition = vocabulary.activation_label(name), vocabulary.activation_definition(name)
    return (lab, definition) if lab is not None and definition is not None else None


def _lookup(name: str, kind: str | None) -> tuple[str, str] | None:
    tables = [TABLES[kind]] if kind else list(TABLES.values())
    for table in tables:
        if name in table:
            return table[name]
    if kind in (None, "activation"):
        return _family(name)
    return None


def label(name: Any, kind: str | None = None) -> str:
    """The reader's label of a code name (unknown names come back unchanged).

    ``kind`` ("activation", "init", "optimizer", "mapping", "inputs", "dtype")
    settles the few names two tables could share; without it the first table that
    knows the name wins.
    """
    found = _lookup(str(name), kind)
    return found[0] if found else str(name)


def define(name: Any, kind: str | None = None) -> str:
    """One-line definition of a code name, for the report's glossary."""
    found = _lookup(str(name), kind)
    return found[1] if found else ""


def labels(names: Iterable[Any], kind: str | None = None) -> str:
    """'ReLU, leaky ReLU and ELU': a list of names as English."""
    out = [label(n, kind) for n in names]
    if len(out) <= 1:
        return "".join(out)
    return ", ".join(out[:-1]) + " and " + out[-1]


def glossary(names: Iterable[Any], kind: str) -> list[dict[str, str]]:
    """Rows {name, label, definition} for the names that occur, in the given order."""
    return [{"name": str(n), "label": label(n, kind), "definition": define(n, kind)} for n in names]


# ---- numbers -------------------------------------------------------------------

SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
# A hyphen-minus that is a sign: before a digit (or decimal point), not inside a word,
# a number range (2-3) or an exponent (1e-6).
_SIGN = re.compile(r"(?<![\w.)\]])-(?=\.?\d)")


def minus(text: str) -> str:
    """Replace hyphen-minus signs in front of numbers by the true minus sign (U+2212)."""
    return _SIGN.sub(MINUS, text)


# The one number style of the report and of every string a check writes:
# - plain decimals from SCI_BELOW up to SCI_FROM, scientific (× 10ⁿ, Unicode
#   superscripts, never 1e-6) outside, decided on the rounded value so that 0.0005 and
#   5 × 10⁻⁴ can never both appear;
# - thousands separators in the integer part (1,797), never in years or IDs, which are
#   not numbers a check formats;
# - percentages with a space: "95 %" (PERCENT), as the interval levels are written.
SCI_BELOW = 1e-3
SCI_FROM = 1e6
PERCENT = " %"


def _mantissa(x: float, digits: int) -> str:
    """'5 × 10⁻⁴', '−1.25 × 10⁷', '10⁻⁶': scientific with trailing zeros dropped, as a
    plain number drops them (0.5, not 0.500)."""
    mant, exp = f"{x:.{digits - 1}e}".split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    power = "10" + str(int(exp)).translate(SUPERSCRIPT)
    if mant in ("1", "-1"):
        return minus(mant[:-1] + power)
    return minus(f"{mant} × {power}")


def _grouped(text: str) -> str:
    """'-12345.6' → '−12,345.6': thousands separators in the integer part only."""
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    out = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return minus(sign + out)


def num(x: float | None, digits: int = 3) -> str:
    """A number for a reader, in the one style (see SCI_BELOW): ``digits`` significant
    digits, all the digits of a whole number below SCI_FROM (a count), true minus."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < SCI_FROM:
        return _grouped(str(int(x)))  # a count, all its digits (11,434, not 1.14 × 10⁴)
    rounded = float(f"{x:.{digits}g}")
    if abs(rounded) < SCI_BELOW or abs(rounded) >= SCI_FROM:
        return _mantissa(x, digits)
    if rounded.is_integer():
        return _grouped(str(int(rounded)))  # 12,345.6 at 3 digits: 12,300
    return _grouped(f"{x:.{digits}g}")


def pct(share: float | None, digits: int = 3) -> str:
    """A share as a percentage in the one style: 0.683 → '68.3 %'."""
    return "n/a" if share is None else f"{num(100 * share, digits)}{PERCENT}"


_SUP = "⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹"
_PRINTED = re.compile(
    rf"^(?P<sign>[−-])?(?:(?P<mant>[\d,]+(?:\.\d+)?)(?: × 10(?P<e1>[{_SUP}]+))?"
    rf"|10(?P<e2>[{_SUP}]+)|(?P<inf>∞))$"
)


def parse_num(text: str) -> float:
    """The number num() printed ('−1.2 × 10⁻³' → -0.0012, '10⁻⁶', '1,230', '∞'), for
    comparing printed numbers with each other."""
    m = _PRINTED.match(text.strip())
    if not m:
        raise ValueError(f"not a number num() prints: {text!r}")
    sign = -1.0 if m["sign"] else 1.0
    if m["inf"]:
        return sign * math.inf
    exp = m["e1"] or m["e2"]
    power = 10.0 ** int(exp.translate(str.maketrans(_SUP, "-+0123456789"))) if exp else 1.0
    mant = float(m["mant"].replace(",", "")) if m["mant"] else 1.0
    return sign * mant * power


def bracket(
    value: float | None, lo: float | None, hi: float | None, digits: int = 3
) -> tuple[str, str, str]:
    """The value and the ends of its interval, printed with enough digits that the ends
    differ when they do and the value sits inside its printed interval (0.9996
    [0.99985, 1], never '1 [1, 1]'). Each end is None-safe ('n/a')."""
    nums = [v for v in (value, lo, hi) if v is not None and math.isfinite(v)]
    for d in range(digits, 13):
        out = (num(value, d), num(lo, d), num(hi, d))
        if value is None or lo is None or hi is None or len(nums) < 3:
            return out
        if _reads_right(value, lo, hi, out):
            return out
    return out


def _reads_right(value: float, lo: float, hi: float, out: tuple[str, str, str]) -> bool:
    pv, plo, phi = (parse_num(t) for t in out)
    if lo != hi and plo == phi:
        return False  # an interval of some width printed as a point
    inside = lo <= value <= hi
    return not inside or plo <= pv <= phi


def interval(value: float | None, lo: float | None, hi: float | None, digits: int = 3) -> str:
    """'0.41 [0.35, 0.47]'; a value whose interval has no width at all (every resample
    gave the same number) prints as '0.74 (zero-width interval)', never '0.74 [0.74,
    0.74]'."""
    v, a, b = bracket(value, lo, hi, digits)
    if lo is not None and lo == hi == value:
        return f"{v} (zero-width interval)"
    return f"{v} [{a}, {b}]"


# ---- free text -------------------------------------------------------------------

# Code names that are never English words: safe to replace inside free text. Plain
# words that double as code names (sigmoid, tanh, linear, zeros, normal, abs, he) are
# left alone there; write label() around them where they are code names.
_IDENTIFIER = re.compile(
    r"(?<![\w/.~])("
    r"tanh_n\d+(?:\.\d+)?|leaky_relu\d+(?:\.\d+)?|"
    + "|".join(
        re.escape(n)
        for table in TABLES.values()
        for n in sorted(table, key=len, reverse=True)
        if "_" in n or n in ("relu", "prelu", "elu", "gd", "sgd", "adam", "xavier", "lecun")
    )
    # not before a letter, a path separator or a suffix (relu.csv); a full stop is fine
    + r")(?![\w/~]|\.\w)"
)


URL = re.compile(r"(https?://[^\s)\]]+)")


def humanise(text: Any) -> str:
    """Free text for a reader: code names → labels.

    Numbers are not touched: every number reaches the text through ``num`` (and its
    ``pct``/``interval`` siblings) where the sentence is built, so there is one
    formatter; the text lint (``vanishing.machinery.textlint``) finds a number that bypassed it.
    It leaves paths and file names (``results/…/relu.csv``) alone, and does not touch
    Python reprs: those are bugs in the string's producer and the text lint reports them.
    """
    parts = URL.split(str(text))
    # split() with a group keeps the URLs at the odd positions: leave them as they are.
    return "".join(
        p if k % 2 else _IDENTIFIER.sub(lambda m: label(m.group(1)), p) for k, p in enumerate(parts)
    )


# Words a sentence may start with in lower case (math and code, not English), and the
# abbreviations after which ". x" does not end a sentence. The text lint shares them.
LOWER_STARTS = frozenset(
    {"tanh", "ln", "log", "log10", "exp", "sech", "softplus", "t1", "n", "x", "lr", "doi", "arXiv"}
)
ABBREVIATIONS = frozenset({"e.g", "i.e", "al", "vs", "cf", "approx", "resp", "etc", "fig", "eq"})
_SENTENCE_START = re.compile(r"(?P<before>[\w.)\]]+)\. (?P<word>[a-z][\w'’]*)")
_DOUBLE_PERIOD = re.compile(r"(?<!\.)\.\s?\.(?!\.)")


def lower_start(before: str, word: str) -> bool:
    """Is ``word`` after '<before>. ' a sentence that starts lower-case? Not when it is
    math, an abbreviation's tail or a code name (its label is capitalised as it should
    be; 'lecun' must not become 'Lecun')."""
    return (
        before.lower().rstrip(".") not in ABBREVIATIONS
        and word not in LOWER_STARTS
        and len(word) > 1
        and _lookup(word, None) is None
    )


def prose(text: str) -> str:
    """A check's string as sentences: each starts upper-case ('… by seed. None of 240
    networks diverged'), and a sentence joined to one that ends with its own full stop
    keeps one ('… (E4).. Then' → '… (E4). Then'). Checks build their strings from
    parts (diverged_text and others start lower-case to fit mid-sentence too), so the
    rule is applied once here rather than at every join."""
    text = _DOUBLE_PERIOD.sub(".", text)

    def upper(m: re.Match[str]) -> str:
        before, word = m.group("before"), m.group("word")
        if not lower_start(before, word):
            return m.group()
        return f"{before}. {word[0].upper()}{word[1:]}"

    return _SENTENCE_START.sub(upper, text)


def jinja_filters() -> dict[str, Callable[..., str]]:
    """The Jinja filters the report templates use: label, labels, humanise, num."""
    return {"label": label, "labels": labels, "humanise": humanise, "num": num}


def relation(st: dict) -> str:
    """The side a statistic must fall on, as its check decides it: '≥', '>', '≤' or
    '<' (``strict`` in claims.json; non-strict unless the check says so)."""
    strict = bool(st.get("strict"))
    if st.get("side") == "above":
        return ">" if strict else "≥"
    return "<" if strict else "≤"
