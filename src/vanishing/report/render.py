"""Render the report (Markdown and LaTeX) from results/ with Jinja2.

Every number in the report comes from a file the pipeline wrote; the templates hold
prose and layout only. StrictUndefined makes a missing value fail the build instead of
printing an empty cell.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from pathlib import Path
from typing import Any

import jinja2
import yaml

from .. import labels as lab
from ..claims.evaluate import CATALOGUE
from ..tables import Tables
from .bibliography import bibtex, citations, load_references, md_reference, short_cite
from .citation import AUTHORS, KEYWORDS, SUBJECT, TITLE, report_bibtex
from .latex import tex_escape, tex_path, tex_pdfstring, tex_text
from .provenance import config_identity, provenance

log = logging.getLogger("vanishing.report")

SECTIONS = {
    "A": "Source A: tanh(n·x) and the vanishing gradient",
    "B": "Source B: how ReLU addresses vanishing gradients",
    "C": "Source C: where did my gradient go?",
    "D": "Source D: exploding and vanishing gradients, a tutorial",
    "E": "Beyond the sources: the literature",
}
VERDICTS = ("supported", "qualified", "refuted", "inconclusive", "not tested")
# The figure the abstract shows first (built from claims.json).
OVERVIEW_FIGURE = "verdict_overview"
# The figure of the "which gradient vanishes?" section, shown there (before the claims).
WHICH_FIGURE = "which_gradient"
# The claim that measures it, and the settings the section tabulates from its values.
WHICH_CLAIM = "E7"


def md_cell(value: Any) -> str:
    """Make text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_text(value: Any) -> str:
    """Free text from a check, for a Markdown cell: labels, true minus signs, escaped."""
    return md_cell(lab.humanise(value))


def caption(name: str) -> str:
    """The figure module's docstring, first paragraph, as one line."""
    try:
        doc = importlib.import_module(f"vanishing.figures.{name}").__doc__ or ""
    except ModuleNotFoundError:
        return name
    first = doc.strip().split("\n\n")[0]
    return " ".join(first.split())


def figure_tables(name: str, config: dict[str, Any]) -> list[str]:
    """The files a figure is drawn from (the manifest's tables for it, as the report
    prints their paths; a glob for per-job tables)."""
    from .. import pipeline

    figs = {f.name: f for f in pipeline.FIGURES + pipeline.CLAIM_FIGURES}
    if name not in figs:
        return []
    files = dict(config.get("table_files") or {})
    files.setdefault(pipeline.CLAIMS_TABLE, f"{config.get('results_dir', 'results')}/claims.json")
    return [files.get(t, t) for t in figs[name].tables]


def number_figures(claims: list[dict[str, Any]], available: list[str]) -> dict[str, int]:
    """Figure numbers in order of first mention: the overview first, then as the claims
    cite them; figures no claim cites come last."""
    order = [f for f in (OVERVIEW_FIGURE, WHICH_FIGURE) if f in available]
    for c in claims:
        order += [f for f in c.get("figures") or [] if f in available and f not in order]
    order += [f for f in available if f not in order]
    return {name: k + 1 for k, name in enumerate(order)}


def figure_entry(name: str, number: int, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "number": number,
        "caption": caption(name),
        "module": f"vanishing.figures.{name}",
        "tables": figure_tables(name, config),
    }


def statistic_text(st: dict[str, Any] | None, condition: str = "") -> str:
    """'share of dead units (ReLU, He, depth 32): 0.12 [0.08, 0.17] (95 % bootstrap over
    seeds)': the tested number first, with the condition it was measured under, its
    interval and unit; '' when the check recorded none."""
    words = (st or {}).get("nonfinite") or {}
    if not st or (st.get("value") is None and "value" not in words):
        return ""

    # the value and its ends at one number of digits, enough that the interval never
    # prints as a point and the value never prints outside it (labels.bracket)
    v, a, b = lab.bracket(st.get("value"), st.get("lo"), st.get("hi"))
    printed = {"value": v, "lo": a, "hi": b}

    def show(key: str) -> str | None:
        if st.get(key) is not None:
            return printed[key]
        return words.get(key)

    unit = f" {st['unit'].strip()}" if (st.get("unit") or "").strip() else ""
    lo, hi = show("lo"), show("hi")
    interval = f" [{lo}, {hi}]" if lo is not None and hi is not None else ""
    kind = f" ({st['interval']})" if st.get("interval") and interval else ""
    if interval and st.get("lo") is not None and st.get("lo") == st.get("hi") == st.get("value"):
        # every resample gave the same number: no '0.74 [0.74, 0.74]'
        interval, kind = "", f" (zero-width interval: {st['interval']})"
    need = ""
    if st.get("threshold") is not None and st.get("side") in ("above", "below"):
        need = f"; the claim needs {lab.relation(st)} {lab.num(st['threshold'])}"
    where = f" ({lab.humanise(condition)})" if condition else ""
    name = f"{lab.humanise(st['name'])}{where}: " if st.get("name") else ""
    return f"{name}{show('value')}{interval}{unit}{kind}{need}"


# How the report names each quantity a claim can be about (catalogue: quantity.name).
QUANTITY_LABELS = {
    "delta": "back-propagated error δ_l",
    "weight_grad": "weight gradient ∂L/∂W_l",
    "update_ratio": "update ratio ‖∂L/∂W_l‖/‖W_l‖",
    "loss": "loss or accuracy",
    "none": "no gradient",
}
FORM_LABELS = {
    "identity": "analytic identity",
    "bound": "bound",
    "existence": "existence ('can', 'some', 'may')",
    "general": "general statement",
    "comparison": "comparison",
    "trend": "trend",
}


def reading_text(c: dict[str, Any]) -> str:
    """'Form: bound (necessary). Scope: … Quantity: … (why).': how the claim is read."""
    form = FORM_LABELS.get(c.get("form", ""), c.get("form", ""))
    if c.get("bound"):
        form += f" ({c['bound']} condition)"
    q = c.get("quantity") or {}
    qty = QUANTITY_LABELS.get(q.get("name", ""), q.get("name", ""))
    why = f" ({q['why']})" if q.get("why") else ""
    return f"Form: {form}. Scope: {c.get('scope', '')}. Quantity: {qty}{why}."


def _clause(items: list[str], limit: int = 8) -> str:
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def row_lines(c: dict[str, Any]) -> list[str]:
    """What a row prints beyond the check's own strings: both sides of a qualified
    verdict, the untested parts, the conditions outside the scope, the runs an
    inconclusive verdict would need, and where the English original differs from the
    translation."""
    out = []
    if c.get("holds_under") or c.get("fails_under"):
        out.append(
            f"Holds under: {_clause(c.get('holds_under') or ['(none named)'])}. "
            f"Fails under: {_clause(c.get('fails_under') or ['(none named)'])}."
        )
    if c.get("untested_parts"):
        parts = [f"{u['part']} ({u['reason']})" for u in c["untested_parts"]]
        out.append(f"Partly tested; not tested: {_clause(parts)}.")
    gen = c.get("generalisation") or []
    if gen:
        tally = {v: sum(1 for g in gen if g["verdict"] == v) for v in VERDICTS}
        said = ", ".join(f"{n} {v}" for v, n in tally.items() if n)
        out.append(
            f"Outside the claim's scope (reported as generalisation, not counted): {len(gen)} "
            f"conditions, {said}."
        )
    if c["verdict"] == "inconclusive":
        more = c.get("more_runs_needed")
        out.append(
            f"About {more:,} more runs would settle it if the estimate held."
            if more
            else "More runs of these settings would not settle it: the undecided part rests on "
            "exact values (counts or maxima over every run) or on a case none of the conditions "
            "tried showed."
        )
    if c.get("translation_note"):
        out.append(f"English original: {c['translation_note']}")
    return [lab.humanise(x) for x in out]


def _first_clause(text: str) -> str:
    """The first clause of a measured string (up to ';'), for the abstract."""
    return lab.humanise(re.split(r";\s", str(text), maxsplit=1)[0]).rstrip(".")


def findings(claims: list[dict[str, Any]], most: int = 5) -> list[dict[str, Any]]:
    """The abstract's findings, chosen by a fixed rule: where the sources are wrong
    (refuted, up to 2), where the literature reproduces (source E supported, up to 2),
    where a claim holds only under a condition (qualified with a note, up to 1); then
    filled up to ``most`` in catalogue order from the rest of these groups."""
    refuted = [c for c in claims if c["verdict"] == "refuted"]
    literature = [c for c in claims if c["source"] == "E" and c["verdict"] == "supported"]
    qualified = [c for c in claims if c["verdict"] == "qualified" and c.get("note")]
    picks = refuted[:2] + literature[:2] + qualified[:1]
    for c in refuted[2:] + literature[2:] + qualified[1:]:
        if len(picks) >= most:
            break
        picks.append(c)
    picks = sorted(picks[:most], key=claims.index)
    return [
        {
            "id": c["id"],
            "verdict": c["verdict"],
            "text": c["text"],
            "result": statistic_text(c.get("statistic"), c.get("condition", ""))
            or _first_clause(c["measured"]),
        }
        for c in picks
    ]


def which_gradient(claims: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The numbers the "which gradient vanishes?" section prints, from E7's values:
    per setting, the median log10 first/last ratio of δ and of ∂L/∂W."""
    c = next((c for c in claims if c["id"] == WHICH_CLAIM), None)
    if c is None or c["verdict"] == "not tested":
        return None
    v = c.get("values") or {}
    rows = []
    for act in lab.ACTIVATIONS:
        for init in lab.INITS:
            key = f"{act}_{init}"
            d, w = v.get(f"delta_{key}"), v.get(f"wgrad_{key}")
            if d is None and w is None:
                continue
            rows.append(
                {
                    "setting": f"{lab.label(act, 'activation')}, {lab.label(init, 'init')}",
                    "delta": lab.num(d) if d is not None else "—",
                    "wgrad": lab.num(w) if w is not None else "—",
                }
            )
    if not rows:
        return None
    return {
        "rows": rows,
        "depth": int(v["depth"]) if v.get("depth") else None,
        "n_seeds": int(v["n_seeds"]) if v.get("n_seeds") else None,
        "verdict": c["verdict"],
    }


def verdict_counts(data: dict[str, Any]) -> dict[str, int]:
    """Counts of all five verdicts (claims.json may predate 'inconclusive')."""
    counts = {v: 0 for v in VERDICTS}
    for c in data["claims"]:
        counts[c["verdict"]] = counts.get(c["verdict"], 0) + 1
    return counts


def _environment(templates: Path, latex: bool) -> jinja2.Environment:
    if latex:
        # LaTeX-friendly delimiters so braces and % in the template need no escaping.
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            undefined=jinja2.StrictUndefined,
            block_start_string="((*",
            block_end_string="*))",
            variable_start_string="(((",
            variable_end_string=")))",
            comment_start_string="((#",
            comment_end_string="#))",
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        env.filters["e"] = tex_escape
        env.filters["t"] = tex_text
        env.filters["path"] = tex_path
        env.filters["pdf"] = tex_pdfstring
    else:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        env.filters["cell"] = md_cell
        env.filters["t"] = md_text
    env.filters.update(lab.jinja_filters())
    return env


def _glossary(config: dict[str, Any], training: dict[str, Any] | None) -> dict[str, Any]:
    acts = list(config.get("activations", []))
    inits = list(config.get("inits", []))
    if training:
        acts += [a for a in training.get("activations", []) if a not in acts]
        inits += [i for i in training.get("inits", []) if i not in inits]
    return {
        "activations": lab.glossary(acts, "activation"),
        "inits": lab.glossary(inits, "init"),
    }


def build_context(
    inputs: Tables, config: dict[str, Any], refs: list[dict[str, Any]]
) -> dict[str, Any]:
    data = inputs.json("claims.claims")
    catalogue = yaml.safe_load(CATALOGUE.read_text())
    claims = data["claims"]
    available = list(config.get("figures", []))
    numbers = number_figures(claims, available)
    shown: set[str] = set()
    if OVERVIEW_FIGURE in numbers:
        shown.add(OVERVIEW_FIGURE)
    which = which_gradient(claims)
    which_figure = None
    if WHICH_FIGURE in numbers:
        shown.add(WHICH_FIGURE)
        which_figure = figure_entry(WHICH_FIGURE, numbers[WHICH_FIGURE], config)
    cites = citations(refs)
    sections = []
    for key, title in SECTIONS.items():
        rows = [c for c in claims if c["source"] == key]
        first = []
        for c in rows:
            for f in c.get("figures") or []:
                if f in numbers and f not in shown:
                    shown.add(f)
                    first.append(f)
        sections.append(
            {
                "key": key,
                "title": title,
                "source": catalogue["sources"][key],
                "claims": rows,
                "notes": [c for c in rows if c.get("note")],
                "figures": [figure_entry(f, numbers[f], config) for f in first],
                "cites": cites.get(key, []),
            }
        )
    others = [figure_entry(f, n, config) for f, n in numbers.items() if f not in shown]
    overview = (
        figure_entry(OVERVIEW_FIGURE, numbers[OVERVIEW_FIGURE], config)
        if OVERVIEW_FIGURE in numbers
        else None
    )
    maxima = inputs.json("theory.maxima")
    grid = {k: config[k] for k in ("activations", "inits", "depths", "seeds", "width")}
    # The config as the user gave it (the hash a reader can reproduce).
    cfg_for_hash = config.get("user_config") or {
        k: v for k, v in config.items() if k not in ("figures", "training", "table_files")
    }
    prov = provenance(cfg_for_hash, Path.cwd())
    ident = config_identity(config, prov["config_hash"])
    counts = verdict_counts(data)
    for c in claims:
        # What the templates print around the check's strings.
        c["stat_text"] = statistic_text(c.get("statistic"), c.get("condition", ""))
        c["reading_text"] = lab.humanise(reading_text(c)) if c.get("form") else ""
        c["row_lines"] = row_lines(c)
        c["cite_list"] = cites.get(c["id"], [])
        c["fig_refs"] = [
            {"name": f, "number": numbers[f]} for f in c.get("figures") or [] if f in numbers
        ]
    return {
        "title": TITLE,
        "authors": AUTHORS,
        "subject": SUBJECT,
        "keywords": KEYWORDS,
        "claims": claims,
        "by_id": {c["id"]: c for c in claims},
        "counts": counts,
        "partly_tested": sum(1 for c in claims if c.get("partly_tested")),
        "counts_by_kind": data.get("counts_by_kind") or {},
        "kinds_text": "; ".join(
            f"{kind} {sum(cs.values())} (" + ", ".join(f"{n} {v}" for v, n in cs.items() if n) + ")"
            for kind, cs in (data.get("counts_by_kind") or {}).items()
        ),
        "method": data.get("method", ""),
        "n_claims": len(claims),
        "findings": findings(claims),
        "sections": sections,
        "overview": overview,
        "which": which,
        "which_figure": which_figure,
        "other_figures": others,
        "figure_numbers": numbers,
        "cites": cites,
        "maxima": maxima,
        "grid": grid,
        "training": config.get("training"),
        "glossary": _glossary(config, config.get("training")),
        "n_networks": len(grid["activations"])
        * len(grid["inits"])
        * len(grid["depths"])
        * len(grid["seeds"]),
        "provenance": prov,
        "table_files": config.get("table_files") or {},
        "results_dir": config.get("results_dir", "results"),
        "config": ident,
        "self_bibtex": report_bibtex(prov, ident),
    }


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    """The report stage: Markdown, LaTeX and its BibTeX file."""
    templates = Path(params["templates"])
    refs = load_references(templates)
    ctx = build_context(inputs, params, refs)
    ctx["references"] = [
        {"key": e["key"], "label": short_cite(e), "text": md_reference(e)} for e in refs
    ]
    outputs["bib"].write_text(bibtex(refs))
    for key, latex in (("md", False), ("tex", True)):
        # figures are linked relative to the report's own folder
        fig_dir = os.path.relpath(params["figure_dir"], outputs[key].parent)
        text = _environment(templates, latex=latex).get_template(f"report.{key}.j2")
        outputs[key].write_text(text.render(**ctx, fig_dir=fig_dir))
    log.info("wrote %s and %s (%d claims)", outputs["md"], outputs["tex"], ctx["n_claims"])
