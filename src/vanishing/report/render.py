"""Render the report (Markdown and LaTeX) from results/ with Jinja2.

Every number in the report comes from a file the pipeline wrote; the templates hold
prose and layout only. StrictUndefined makes a missing value fail the build instead of
printing an empty cell.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Required, TypedDict

import jinja2
import yaml

from ..claims.evaluate import CATALOGUE
from ..machinery import labels as lab
from ..machinery.tables import Tables
from . import prose
from .bibliography import bibtex, citations, load_references, md_reference, short_cite
from .citation import AUTHORS, KEYWORDS, SUBJECT, TITLE, report_bibtex
from .latex import tex_code, tex_escape, tex_path, tex_pdfstring, tex_text
from .provenance import config_identity, provenance
from .structure import THEMES, VERDICTS, one_line, theme_of

log = logging.getLogger("vanishing.report")

# The figure the abstract shows first (built from claims.json).
OVERVIEW_FIGURE = "verdict_overview"
# The figure of the "which gradient vanishes?" section, shown there (before the claims).
WHICH_FIGURE = "which_gradient"
# The claim that measures it, and the settings the section tabulates from its values.
WHICH_CLAIM = "E7"


def period(text: Any) -> str:
    """The text ending in exactly one full stop (a check's sentence may bring its own)."""
    s = str(text).rstrip()
    return s if s.endswith((".", "?", "!")) else s + "."


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


def relative_table(path: str, results_dir: str) -> str:
    """A table's path as the report prints it: relative to the results folder, so that
    the same path names the file in a local build (results/…) and beside the published
    report (data/…)."""
    prefix = results_dir.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def table_paths(names: list[str], config: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The paths the report prints for these tables: the published ones relative to the
    results folder (results/ in a local build, data/ beside the published report), and
    the raw logs (pipeline.RAW) by their local path, since they are not published."""
    from ..machinery import pipeline

    results_dir = str(config.get("results_dir", "results"))
    files = dict(config.get("table_files") or {})
    files.setdefault(pipeline.CLAIMS_TABLE, f"{results_dir}/claims.json")
    published = [
        relative_table(files.get(t, t), results_dir) for t in names if t not in pipeline.RAW
    ]
    raw = [files.get(t, t) for t in names if t in pipeline.RAW]
    return published, raw


def figure_tables(name: str, config: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The files a figure is drawn from (the manifest's tables for it; a glob for
    per-job tables), as table_paths prints them."""
    from ..machinery import pipeline

    figs = {f.name: f for f in pipeline.FIGURES + pipeline.CLAIM_FIGURES}
    return table_paths(list(figs[name].tables), config) if name in figs else ([], [])


def place_figures(claims: list[dict[str, Any]], available: list[str]) -> dict[str, str]:
    """Where each figure is shown (FIGURE_RULE, stated in the method section): the
    overview in the summary, the which-gradient figure in the method, and in its theme
    the first figure of each measured claim that is a theme's key claim or whose verdict
    is not "supported" (where the sources go wrong or the question stays open), and the
    figures a theme names for itself (``Theme.figures``); every other figure in the
    appendix, linked from the claims that cite it."""
    where = {f: part for f, part in ((OVERVIEW_FIGURE, "summary"), (WHICH_FIGURE, "method"))}
    where = {f: p for f, p in where.items() if f in available}
    by = {c["id"]: c for c in claims}
    for theme in THEMES:
        for f in theme.figures:
            if f in available:
                where.setdefault(f, theme.key)
    for theme in THEMES:
        for cid in theme.claims:
            c = by.get(cid) or {}
            first = [f for f in c.get("figures") or [] if f in available][:1]
            shown = cid in theme.key_claims or c.get("verdict") != "supported"
            if c.get("kind") == "measured" and shown and first and first[0] not in where:
                where[first[0]] = theme.key
    for f in available:
        where.setdefault(f, "appendix")
    return where


FIGURE_RULE = (
    "The main text shows, in each theme, the first figure of every measured claim that "
    "is the theme's key claim or whose verdict is not “supported” (and the view of the "
    "order-to-chaos line against width in the width theme); the other figures "
    "(analytic illustrations, further views of the same runs, the figures of supported "
    "measurements) are in the appendix, and every claim links to all of its figures."
)


def number_figures(where: dict[str, str]) -> dict[str, int]:
    """Figure numbers in the order the figures appear."""
    parts = ["method", "summary", *(t.key for t in THEMES), "appendix"]
    order = sorted(where, key=lambda f: parts.index(where[f]))  # stable: first mention
    return {name: k + 1 for k, name in enumerate(order)}


def figure_entry(name: str, number: int, config: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "number": number,
        "caption": caption(name),
        "module": f"vanishing.figures.{name}",
        "tables": (tables := figure_tables(name, config))[0],
        "raw_tables": tables[1],
    }


def statistic_text(
    st: dict[str, Any] | None, condition: str = "", needs: str = "the claim needs"
) -> str:
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
        need = f"; {needs} {lab.relation(st)} {lab.num(st['threshold'])}"
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
        env.filters["code"] = tex_code
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
    env.filters["period"] = period
    env.filters.update(lab.jinja_filters())
    return env


def _glossary(config: Mapping[str, Any], training: dict[str, Any] | None) -> dict[str, Any]:
    acts = list(config.get("activations", []))
    inits = list(config.get("inits", []))
    if training:
        acts += [a for a in training.get("activations", []) if a not in acts]
        inits += [i for i in training.get("inits", []) if i not in inits]
    return {
        "activations": lab.glossary(acts, "activation"),
        "inits": lab.glossary(inits, "init"),
    }


def _figure_refs(c: dict[str, Any], numbers: dict[str, int]) -> list[dict[str, Any]]:
    return [{"name": f, "number": numbers[f]} for f in c.get("figures") or [] if f in numbers]


def run_tables(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The appendix's run lists: each distinct table once, numbered, with the claims that
    cite it (B9, C5 and D2 cite the same divergence list); each claim gets
    ``run_refs`` pointing to its tables' numbers."""
    unique: dict[str, dict[str, Any]] = {}
    for c in claims:
        c["run_refs"] = []
        for tab in c.get("run_tables") or []:
            key = json.dumps(tab, sort_keys=True)
            entry = unique.setdefault(key, {"n": len(unique) + 1, "table": tab, "claims": []})
            entry["claims"].append(c["id"])
            c["run_refs"].append({"n": entry["n"], "title": tab["title"]})
    return list(unique.values())


def resolved_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with every study's parameters resolved (defaults included), for the
    scope the abstract and the limitations state."""
    from ..machinery import config_schema, pipeline

    names = config_schema.study_names()
    keep = {k: v for k, v in config.items() if k not in ("user_config", "table_files")}
    return {**keep, "studies": {n: pipeline.study(config, n) for n in names}}


def summary_number(st: dict[str, Any] | None, condition: str = "") -> str:
    """The summary table's deciding number: the value with its interval and the side the
    claim needs, then the condition it was measured under (the statistic's name is in
    the claim's own section)."""
    if not st:
        return ""
    # the interval's kind is printed in the claim's own paragraph, unless it is the
    # only thing left to say (a zero-width interval)
    point = st.get("lo") is not None and st.get("lo") == st.get("hi") == st.get("value")
    text = statistic_text(
        {**st, "name": "", "interval": st.get("interval") if point else ""}, needs="needs"
    )
    # 'part: condition' names the part of the claim, then the condition; a bare part
    # name adds nothing to the one-line claim beside it
    where = condition.partition(": ")[2] if condition else ""
    return f"{text} ({lab.humanise(where)})" if text and where else text


def summary_rows(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary table: per theme, one short line per claim, in the report's order."""
    by = {c["id"]: c for c in claims}
    groups = []
    for k, theme in enumerate(THEMES):
        rows = []
        for c in (by[i] for i in theme.claims if i in by):
            rows.append(
                {
                    "id": c["id"],
                    "claim": one_line().get(c["id"], c["text"]),
                    "verdict": c["verdict"],
                    "partly": bool(c.get("partly_tested")),
                    "number": summary_number(c.get("statistic"), c.get("condition", "")),
                    "figures": c["fig_refs"][:1],
                }
            )
        groups.append({"key": theme.key, "title": theme.title, "section": k + 4, "rows": rows})
    return groups


def build_context(
    inputs: Tables, config: Mapping[str, Any], refs: list[dict[str, Any]]
) -> dict[str, Any]:
    data = inputs.json("claims.claims")
    catalogue = yaml.safe_load(CATALOGUE.read_text())
    claims = data["claims"]
    by = {c["id"]: c for c in claims}
    available = list(config.get("figures", []))
    where = place_figures(claims, available)
    numbers = number_figures(where)
    entries = {f: figure_entry(f, numbers[f], config) for f in numbers}
    results_dir = str(config.get("results_dir", "results"))
    cites = citations(refs)
    themes_of = theme_of()
    for c in claims:
        # What the templates print around the check's strings.
        c["stat_text"] = statistic_text(c.get("statistic"), c.get("condition", ""))
        c["reading_text"] = lab.humanise(reading_text(c)) if c.get("form") else ""
        c["row_lines"] = row_lines(c)
        c["cite_list"] = cites.get(c["id"], [])
        c["fig_refs"] = _figure_refs(c, numbers)
        c["table_paths"], c["raw_tables"] = table_paths(c["tables"], config)
        c["one_line"] = one_line().get(c["id"], c["text"])
        # the speaker, as a label that starts a line ("Question author; Martin Thoma")
        c["who_label"] = c["who"][:1].upper() + c["who"][1:]
        c["untested_text"] = "; ".join(
            f"{u['part']} ({u['reason']})" for u in c.get("untested_parts") or []
        )
        c["theme"] = themes_of.get(c["id"], "")
        c.setdefault("run_tables", [])
    themes = []
    for th in THEMES:
        themes.append(
            {
                "key": th.key,
                "title": th.title,
                "framing": th.framing,
                "summary": prose.theme_summary(th, by),
                "claims": [by[i] for i in th.claims if i in by],
                "figures": [entries[f] for f, part in where.items() if part == th.key],
            }
        )
    sources = catalogue["sources"]
    maxima = inputs.json("theory.maxima")
    grid = {k: config[k] for k in ("activations", "inits", "depths", "seeds", "width")}
    # The config as the user gave it (the hash a reader can reproduce).
    cfg_for_hash = config.get("user_config") or {
        k: v for k, v in config.items() if k not in ("figures", "training", "table_files")
    }
    prov = provenance(cfg_for_hash, Path.cwd())
    ident = config_identity(config, prov["config_hash"])
    counts = verdict_counts(data)
    scope_config = resolved_config(config)
    return {
        "title": TITLE,
        "authors": AUTHORS,
        "subject": SUBJECT,
        "keywords": KEYWORDS,
        "claims": claims,
        "by_id": by,
        "counts": counts,
        "verdicts": VERDICTS,
        "partly_tested": sum(1 for c in claims if c.get("partly_tested")),
        "counts_by_kind": data.get("counts_by_kind") or {},
        "kinds_text": "; ".join(
            f"{kind} {sum(cs.values())} (" + ", ".join(f"{n} {v}" for v, n in cs.items() if n) + ")"
            for kind, cs in (data.get("counts_by_kind") or {}).items()
        ),
        "method": data.get("method", ""),
        "n_claims": len(claims),
        "abstract": prose.abstract(claims, counts, scope_config, maxima.get("data") or {}),
        "abstract_rule": prose.ABSTRACT_RULE,
        "figure_rule": FIGURE_RULE,
        "introduction": prose.introduction(sources, claims),
        "limitations": prose.limitations(claims, scope_config, maxima.get("data") or {}),
        "summary": summary_rows(claims),
        "themes": themes,
        "sources": [
            {"key": k, **v, "cites": cites.get(k, [])} for k, v in sources.items() if k != "E"
        ],
        "overview": entries.get(OVERVIEW_FIGURE),
        "which": which_gradient(claims),
        "which_figure": entries.get(WHICH_FIGURE),
        "appendix_figures": [entries[f] for f, part in where.items() if part == "appendix"],
        "run_tables": run_tables(claims),
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
        "results_dir": results_dir,
        "config": ident,
        "self_bibtex": report_bibtex(prov, ident),
    }


class ReportParams(TypedDict, total=False):
    """The report stage's parameters (workflow/rules/common.smk's ``report_params``): the
    merged config (vanishing.machinery.config_schema.Config's keys and ``studies``), and what the
    rule adds."""

    # the config
    activations: list[str]
    inits: list[str]
    depths: list[int]
    seeds: list[int]
    name: str
    results_dir: str
    report_dir: str
    logs_dir: str
    device: Literal["cpu", "cuda"]
    width: int
    widths: list[int]
    leaky_slope: float
    probe: dict[str, Any]
    studies: dict[str, Any] | None
    # added by the rule
    training: dict[str, Any]  # the training study's resolved parameters
    figures: list[str]  # every figure's name
    figure_dir: Required[str]
    templates: Required[str]
    user_config: dict[str, Any]  # the config as given (its hash is the report's)
    table_files: dict[str, str]  # table name -> its path as the report prints it


def run(p: ReportParams, inputs: Tables, outputs: dict[str, Path]) -> None:
    """The report stage: Markdown, LaTeX and its BibTeX file."""
    templates = Path(p["templates"])
    refs = load_references(templates)
    ctx = build_context(inputs, p, refs)
    ctx["references"] = [
        {"key": e["key"], "label": short_cite(e), "text": md_reference(e)} for e in refs
    ]
    outputs["bib"].write_text(bibtex(refs))
    for key, latex in (("md", False), ("tex", True)):
        # figures are linked relative to the report's own folder
        fig_dir = os.path.relpath(p["figure_dir"], outputs[key].parent)
        text = _environment(templates, latex=latex).get_template(f"report.{key}.j2")
        outputs[key].write_text(text.render(**ctx, fig_dir=fig_dir))
    log.info("wrote %s and %s (%d claims)", outputs["md"], outputs["tex"], ctx["n_claims"])
