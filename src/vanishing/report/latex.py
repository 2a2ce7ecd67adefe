r"""Text → LaTeX for the report (typeset by XeLaTeX; report/templates/preamble.tex.j2).

The text of the catalogue and the checks is Unicode with a few plain-text conventions,
and each becomes LaTeX here:

- a subscript written ``X_y`` (``σ_b²``, ``δ_out``, ``h_(l−1)``, ``W_{i+1}``) → math,
  ``$\sigma_{b}^{2}$``; code names (``leaky_slope``) keep their underscore;
- Markdown's ``**bold**``, ``*emphasis*`` and ```code``` → \textbf, \emph, \texttt;
- Greek letters and mathematical symbols → math, by a fixed mapping (``_TEX_UNICODE``;
  Greek letters and sub/superscripts by name), so that the text font needs no Greek;
- runs of CJK characters → ``\cjk{...}`` (the preamble's CJK font).

A character without a mapping stops the build with its name, rather than printing "?"
or a missing glyph.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from typing import Any

from ..machinery import labels as lab

# The font of CJK runs (\cjk in report/templates/preamble.tex.j2): Debian's fonts-noto-cjk.
CJK_FONT = "Noto Serif CJK TC"
# What the PDF needs besides latexmk, and the one line that installs it on Debian/Ubuntu
# (the Makefile's `latex` target runs it as root).
LATEX_ENGINE = "xelatex"
LATEX_APT = "apt-get install -y --no-install-recommends texlive-xetex fonts-noto-cjk"


def latex_ready() -> bool:
    """Whether this machine can typeset the PDF: latexmk, XeLaTeX and the CJK font (found
    by fontconfig, as XeTeX finds it). Without them the pipeline builds the Markdown
    report only, rather than a PDF job that must fail."""
    if not (shutil.which("latexmk") and shutil.which(LATEX_ENGINE) and shutil.which("fc-list")):
        return False
    found = subprocess.run(
        ["fc-list", f":family={CJK_FONT}", "family"], capture_output=True, text=True, check=False
    ).stdout
    return CJK_FONT in found


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# Symbols pdfLaTeX's utf8 input does not know, as math.
_TEX_UNICODE = {
    "σ": r"$\sigma$",
    "χ": r"$\chi$",
    "φ": r"$\phi$",
    "δ": r"$\delta$",
    "ε": r"$\varepsilon$",
    "α": r"$\alpha$",
    "θ": r"$\theta$",
    "λ": r"$\lambda$",
    "μ": r"$\mu$",
    "∂": r"$\partial$",
    "∇": r"$\nabla$",
    "±": r"$\pm$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "≈": r"$\approx$",
    "≠": r"$\neq$",
    "∞": r"$\infty$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "√": r"$\surd$",
    "‖": r"$\|$",
    "⊙": r"$\odot$",
    "∈": r"$\in$",
    "→": r"$\to$",
    "←": r"$\leftarrow$",
    "⇔": r"$\Leftrightarrow$",
    "−": r"$-$",
    "↦": r"$\mapsto$",
    "⇒": r"$\Rightarrow$",
    "↔": r"$\leftrightarrow$",
    "∓": r"$\mp$",
    "∘": r"$\circ$",
    "≲": r"$\lesssim$",
    "≳": r"$\gtrsim$",
    "∉": r"$\notin$",
    "⊂": r"$\subset$",
    "∩": r"$\cap$",
    "∪": r"$\cup$",
    "∀": r"$\forall$",
    "∃": r"$\exists$",
    "ℝ": r"$\mathbb{R}$",
    "ℕ": r"$\mathbb{N}$",
    "⌈": r"$\lceil$",
    "⌉": r"$\rceil$",
    "⌊": r"$\lfloor$",
    "⌋": r"$\rfloor$",
    "✗": "no",
    "\u2009": r"\,",
    "\u202f": r"\,",
    "\u2011": "-",
    "′": r"$'$",
    "″": r"$''$",
    "…": r"\dots{}",
    "–": "--",
    "—": "---",
    "“": "``",
    "”": "''",
    "’": "'",
    "‘": "`",
    "✓": "yes",
    "†": r"\textdagger{}",
    "◇": r"$\diamond$",
    "∑": r"$\sum$",
    "∏": r"$\prod$",
    "∝": r"$\propto$",
    "≪": r"$\ll$",
    "≫": r"$\gg$",
    "⟨": r"$\langle$",
    "⟩": r"$\rangle$",
    "∼": r"$\sim$",
    "≡": r"$\equiv$",
    "⋯": r"$\cdots$",
    "\u00a0": "~",
}
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]+")


_GREEK_UPPER_IN_TEX = {
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
}
_SCRIPT_DIGITS = {
    "ZERO": "0",
    "ONE": "1",
    "TWO": "2",
    "THREE": "3",
    "FOUR": "4",
    "FIVE": "5",
    "SIX": "6",
    "SEVEN": "7",
    "EIGHT": "8",
    "NINE": "9",
    "MINUS": "-",
    "PLUS": "+",
}


_SCRIPT_CHARS = "\u2070-\u209f\u00b2\u00b3\u00b9\u1d37\u1d40"
_SCRIPT = re.compile(f"[{_SCRIPT_CHARS}]+")
_GREEK = "\u0391-\u03a9\u03b1-\u03c9"
# A subscript as the catalogue and the checks write it: one letter (or `fan`, as in
# fan_in) that does not end a longer word, an underscore, then a run of letters and
# digits, a (parenthesised) or {braced} group, and an optional superscript run.
# "leaky_slope" or "x86_64" do not match: their base is part of a longer word.
_SUBSCRIPT = re.compile(
    rf"(?<![\w.])(?P<base>fan|[A-Za-z{_GREEK}∇])_"
    rf"(?:\((?P<paren>[^()\s]{{1,12}})\)|\{{(?P<brace>[^{{}}\s]{{1,12}})\}}"
    rf"|(?P<run>[A-Za-z0-9{_GREEK}]+)(?!_))"
    rf"(?P<sup>[{_SCRIPT_CHARS}]*)"
)
# Markdown markup the method text and some claim strings carry: `code`, **bold**,
# *emphasis* (an asterisk inside a word, as in 2*x, or next to a slash, as in a glob
# grid/*/layers.csv, is not markup).
_MARKUP = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|(?<![\w*/])\*\*(?P<bold>[^\s*/](?:[^\n]*?[^\s*/])?)\*\*(?![\w*/])"
    r"|(?<![\w*/])\*(?P<emph>[^\s*/](?:[^*]*[^\s*/])?)\*(?![\w*/])"
)


def _script_chars(run: str) -> tuple[str, list[str]]:
    """A run of superscript (or subscript) characters → ('super' or 'sub', the
    characters as math: digits, letters, '-', '+', '\\top')."""
    out, kind = [], None
    for ch in run:
        name = unicodedata.name(ch, "")
        k = "sub" if name.startswith("SUBSCRIPT") else "super"
        if kind and k != kind:
            raise ValueError(f"mixed sub- and superscripts in {run!r}")
        kind = k
        word = name.split()[-1]
        if word == "T" and "MODIFIER" in name:
            out.append(r"\top")
        elif "MODIFIER LETTER CAPITAL" in name:
            out.append(word)
        elif word in _SCRIPT_DIGITS:
            out.append(_SCRIPT_DIGITS[word])
        elif name.startswith(("SUPERSCRIPT LATIN SMALL LETTER", "SUBSCRIPT LATIN SMALL LETTER")):
            out.append(word.lower())
        else:
            raise ValueError(f"no LaTeX for {ch!r} ({name})")
    return kind or "super", out


def _script_run(m: re.Match[str]) -> str:
    """A run of superscript (or subscript) characters in text as LaTeX groups, one per
    stretch of one kind: '⁻¹¹' → '\\textsuperscript{\\ensuremath{-}11}'; 'W₁ᵀ' gives a
    subscript group, then a superscript one."""
    run = m.group(0)
    kinds = ["sub" if unicodedata.name(ch, "").startswith("SUBSCRIPT") else "super" for ch in run]
    stretches = [k for k in range(1, len(run)) if kinds[k] != kinds[k - 1]]
    if stretches:
        cut = [0, *stretches, len(run)]
        return "".join(_script_group(run[a:b]) for a, b in zip(cut, cut[1:], strict=False))
    return _script_group(run)


def _script_group(run: str) -> str:
    """One stretch of superscript (or subscript) characters as one LaTeX group."""
    kind, chars = _script_chars(run)
    text = "".join(
        r"\ensuremath{-}" if c == "-" else r"\ensuremath{\top}" if c == r"\top" else c
        for c in chars
    )
    cmd = r"\textsubscript" if kind == "sub" else r"\textsuperscript"
    return f"{cmd}{{{text}}}"


def _math_char(ch: str) -> str:
    """One character inside math mode."""
    if ch.isascii() and (ch.isalnum() or ch in "+-=,.'()/|"):
        return ch
    mapped = _TEX_UNICODE.get(ch) or _tex_char(ch)
    if mapped.startswith("$") and mapped.endswith("$"):
        return mapped[1:-1]
    raise ValueError(f"no math-mode LaTeX for {ch!r} (U+{ord(ch):04X}) in a subscript")


def _math(text: str) -> str:
    """Subscript or base text as math: words of two or more letters upright ('out' →
    '\\mathrm{out}'), single letters italic, Greek by name."""
    parts = []
    for word in re.findall(r"[A-Za-z]{2,}|.", text):
        if len(word) > 1:
            parts.append(rf"\mathrm{{{word}}}")
            continue
        m = _math_char(word)
        parts.append(m)
    out = ""
    for p in parts:  # a command name must not run into a following letter
        if out and re.search(r"\\[A-Za-z]+$", out) and p[:1].isalpha():
            out += " "
        out += p
    return out


def _subscript(m: re.Match[str]) -> str:
    """'σ_b²' → '$\\sigma_{b}^{2}$', 'h_(l−1)' → '$h_{l-1}$'."""
    sub = m.group("paren") or m.group("brace") or m.group("run")
    tex = f"{_math(m.group('base'))}_{{{_math(sub)}}}"
    if m.group("sup"):
        kind, chars = _script_chars(m.group("sup"))
        if kind != "super":
            raise ValueError(f"a subscript after a subscript in {m.group(0)!r}")
        tex += f"^{{{''.join(chars)}}}"
    return f"${tex}$"


def _tex_char(ch: str) -> str:
    """One character of text: a symbol or Greek letter as math, Latin as it is."""
    if ch in _TEX_UNICODE:
        return _TEX_UNICODE[ch]
    if ord(ch) < 0x250:  # ASCII, Latin-1 and Latin Extended: in the text font
        return ch
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK "):
        letter = name.split()[-1].capitalize()
        if "CAPITAL" in name:
            return f"$\\{letter}$" if letter in _GREEK_UPPER_IN_TEX else letter[0]
        return f"$\\{letter.lower()}$"
    raise ValueError(
        f"no LaTeX for {ch!r} (U+{ord(ch):04X} {name}): add it to _TEX_UNICODE in report/latex.py"
    )


def cjk_runs(s: str) -> str:
    """Each run of CJK characters in the preamble's CJK font: '深度' → '\\cjk{深度}'."""
    return _CJK.sub(lambda m: rf"\cjk{{{m.group(0)}}}", s)


def _plain(s: str) -> str:
    """Text without markup or subscripts: specials escaped, symbols mapped, CJK runs in
    the CJK font."""
    s = "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)
    parts, last = [], 0
    for m in re.finditer(f"{_SCRIPT.pattern}|{_CJK.pattern}", s):
        parts.append("".join(_tex_char(ch) for ch in s[last : m.start()]))
        if _CJK.fullmatch(m.group(0)):
            parts.append(cjk_runs(m.group(0)))
        else:
            parts.append(_script_run(m))
        last = m.end()
    parts.append("".join(_tex_char(ch) for ch in s[last:]))
    return "".join(parts)


# Names the text writes with a digit for a subscript (χ1, t1(n)): set as χ_1, t_1(n).
_DIGIT_INDEX = re.compile(r"(?<![\w/.])(χ|t)(1)(?=[\s(),.;:]|$)")
# A number and its per cent sign stay on one line.
_PERCENT = re.compile(r"(\d) %")


def _prose(s: str) -> str:
    """Text without markup: subscripts as math, the rest plain."""
    s = _PERCENT.sub("\\1\u00a0%", _DIGIT_INDEX.sub(r"\1_\2", s))
    parts, last = [], 0
    for m in _SUBSCRIPT.finditer(s):
        parts += [_plain(s[last : m.start()]), _subscript(m)]
        last = m.end()
    return "".join(parts) + _plain(s[last:])


def tex_code(value: Any) -> str:
    """Code or a name in typewriter type, as written (no subscripts), breakable at
    underscores, dots and slashes."""
    s = _plain(str(value))
    return r"\texttt{" + re.sub(r"(\\_|\.|/)", r"\1\\allowbreak{}", s) + "}"


def _curly_quotes(s: str) -> str:
    """Straight quotes → curly ones (a straight one prints as a closing quote on both
    sides), by what precedes each: an opening one follows a space, a bracket or the
    start. A single quote after a letter (an apostrophe, φ') stays; code spans keep
    theirs."""

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1)
        before = s[m.start() - 1] if m.start() else " "
        opening = before.isspace() or before in "([{"
        if m.group(0) == '"':
            return "“" if opening else "”"
        return "‘" if opening else "'"

    return re.sub(r"(`[^`\n]+`)|[\"']", one, s)


def tex_escape(value: Any) -> str:
    """Text → LaTeX: Markdown markup and subscripts as LaTeX, specials escaped, every
    symbol mapped (an unknown one is an error)."""
    s = _curly_quotes(str(value))
    parts, last = [], 0
    for m in _MARKUP.finditer(s):
        parts.append(_prose(s[last : m.start()]))
        if m.group("code") is not None:
            parts.append(tex_code(m.group("code")))
        elif m.group("bold") is not None:
            parts.append(rf"\textbf{{{tex_escape(m.group('bold'))}}}")
        else:
            parts.append(rf"\emph{{{tex_escape(m.group('emph'))}}}")
        last = m.end()
    return "".join(parts) + _prose(s[last:])


def tex_text(value: Any) -> str:
    """Free text from a check → LaTeX: labels and true minus signs first, then escaped;
    URLs become breakable links."""
    parts = lab.URL.split(lab.humanise(value))
    return "".join(tex_url(p) if k % 2 else tex_escape(p) for k, p in enumerate(parts))


def tex_pdfstring(value: Any) -> str:
    """A string for the PDF's outline or metadata (hyperref's Unicode strings under
    XeLaTeX): specials escaped, Unicode kept as it is, since no math is allowed there."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(value))


def tex_url(url: str) -> str:
    """A URL that may break at any character (xurl)."""
    for ch in "\\{}%#":
        url = url.replace(ch, "\\" + ch)
    return f"\\url{{{url}}}"


def tex_path(value: Any) -> str:
    """A path or URL that may break at any character (xurl), unescaped inside."""
    v = str(value).replace("\\", "/")
    for ch in "{}%#":
        v = v.replace(ch, "\\" + ch)
    return f"\\nolinkurl{{{v}}}"
