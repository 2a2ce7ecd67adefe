"""Text → LaTeX for the report.

pdfLaTeX with a fixed mapping from every Unicode symbol the text uses to a LaTeX
command (``_TEX_UNICODE``; Greek letters and sub/superscripts by name). A character
without a mapping stops the build with its name, rather than printing "?" or a missing
glyph.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .. import labels as lab

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


_SCRIPT = re.compile("[\u2070-\u209f\u00b2\u00b3\u00b9\u1d37\u1d40]+")


def _script_run(m: re.Match[str]) -> str:
    """A run of superscript (or subscript) characters as one LaTeX group: '⁻¹¹' →
    '\\textsuperscript{$-$11}'."""
    out, kind = [], None
    for ch in m.group(0):
        name = unicodedata.name(ch, "")
        k = "sub" if name.startswith("SUBSCRIPT") else "super"
        if kind and k != kind:
            raise ValueError(f"mixed sub- and superscripts in {m.group(0)!r}")
        kind = k
        word = name.split()[-1]
        if word == "T" and "MODIFIER" in name:
            out.append(r"\ensuremath{\top}")
        elif "MODIFIER LETTER CAPITAL" in name:
            out.append(word)
        elif word in _SCRIPT_DIGITS:
            digit = _SCRIPT_DIGITS[word]
            out.append(r"\ensuremath{-}" if digit == "-" else digit)
        elif name.startswith(("SUPERSCRIPT LATIN SMALL LETTER", "SUBSCRIPT LATIN SMALL LETTER")):
            out.append(word.lower())
        else:
            raise ValueError(f"no LaTeX for {ch!r} ({name})")
    cmd = r"\textsubscript" if kind == "sub" else r"\textsuperscript"
    return f"{cmd}{{{''.join(out)}}}"


def _tex_char(ch: str) -> str:
    """One character as pdfLaTeX can typeset it (utf8 inputenc covers Latin-1)."""
    if ch in _TEX_UNICODE:
        return _TEX_UNICODE[ch]
    if ord(ch) < 0x250:  # ASCII, Latin-1 and Latin Extended: inputenc knows them
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


def tex_escape(value: Any) -> str:
    """Text → LaTeX: specials escaped, every symbol mapped (an unknown one is an error)."""
    s = str(value)
    s = "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)
    # pdfLaTeX has no CJK fonts by default; the English title stands alone.
    s = _CJK.sub("", s).replace("()", "").replace("( )", "")
    parts = []
    last = 0
    for m in _SCRIPT.finditer(s):
        parts.append("".join(_tex_char(ch) for ch in s[last : m.start()]))
        parts.append(_script_run(m))
        last = m.end()
    parts.append("".join(_tex_char(ch) for ch in s[last:]))
    return "".join(parts)


def tex_text(value: Any) -> str:
    """Free text from a check → LaTeX: labels and true minus signs first, then escaped;
    URLs become breakable links."""
    parts = lab.URL.split(lab.humanise(value))
    return "".join(tex_url(p) if k % 2 else tex_escape(p) for k, p in enumerate(parts))


def tex_pdfstring(value: Any) -> str:
    """A heading for the PDF's bookmarks: specials escaped, symbols outside Latin-1
    dropped (hyperref cannot put math there)."""
    s = "".join(ch for ch in str(value) if ord(ch) < 0x100)
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)


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
