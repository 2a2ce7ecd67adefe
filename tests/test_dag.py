"""The DAG knows what each output depends on: editing any module of the
package reruns exactly the jobs whose code imports it, and what reads their
tables; config strings never reach a shell; `snakemake --report` is complete."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from vanishing.machinery import imports, pipeline
from vanishing.machinery.config_check import merge

from .conftest import QUICK, ROOT, copy_checkout, snakemake

RUNNER = ["vanishing.machinery.jobs", "vanishing.core.runtime"]
# Modules no job imports: the command line (cli, __main__, and publish, which
# `vanishing publish` runs), the import closure the Snakefile computes (imports), the
# FLOP counts of benchmarks/bench.py (flops).
NOT_JOB_CODE = {
    "vanishing.__main__",
    "vanishing.cli",
    "vanishing.publish",
    "vanishing.machinery.textlint",  # tests and `python -m vanishing.machinery.textlint`
    "vanishing.machinery.imports",
    "vanishing.core.flops",
}


def _quick_config(work: Path) -> dict:
    # layered as Snakemake layers config files: nested sections merge key by key
    base = yaml.safe_load((work / "config/config.yaml").read_text())
    return merge(base, yaml.safe_load((work / "config/quick.yaml").read_text()))


def _nodes(config: dict) -> dict[str, tuple[list[str], set[str], set[str]]]:
    """Every job of the quick DAG: (its code modules, tables read, tables written)."""
    nodes = {}
    for s in pipeline.STAGES:
        for job in s.job_names(config):
            key = f"{s.name}[{job}]" if s.jobs else s.name
            nodes[key] = ([s.module], set(s.inputs), set(s.tables))
    for f in pipeline.FIGURES:
        nodes[f"figure[{f.name}]"] = ([f.module], set(f.tables), {f"figure.{f.name}"})
    checks = [m for m in imports.all_modules() if m.startswith("vanishing.claims.checks_")]
    nodes["claims"] = (["vanishing.claims.evaluate", *checks], set(pipeline.all_tables()), {"c"})
    for f in pipeline.CLAIM_FIGURES:
        nodes[f"claims_figure[{f.name}]"] = ([f.module], {"c"}, {f"figure.{f.name}"})
    every = pipeline.FIGURES + pipeline.CLAIM_FIGURES
    figs = {f"figure.{f.name}" for f in every}
    nodes["report"] = (["vanishing.report.render", *(f.module for f in every)], figs | {"c"}, set())
    return nodes


def expected_jobs(module_file: Path, config: dict) -> set[str]:
    """Jobs whose import closure holds the file, and everything downstream of them."""
    nodes = _nodes(config)
    hit = {
        k for k, (mods, _, _) in nodes.items() if module_file in imports.closure([*RUNNER, *mods])
    }
    todo = list(hit)
    while todo:
        made = nodes[todo.pop()][2]
        for k, (_, reads, _) in nodes.items():
            if k not in hit and reads & made:
                hit.add(k)
                todo.append(k)
    return hit


def _job_blocks(out: str) -> Iterator[tuple[str, str]]:
    """(job, its block of text) for each job a dry run lists, named like expected_jobs
    names them."""
    # one block per job, from its "rule x:" line to the next (Snakemake 9.27 prints no
    # blank line between jobs)
    for block in re.split(r"(?m)^(?=\s*(?:local)?rule \w+:)", out):
        m = re.match(r"\s*(?:local)?rule (\w+):", block)
        # "all", and report_pdf where latexmk exists, follow the report
        if not m or m.group(1) in ("all", "report_pdf"):
            continue
        wc = re.search(r"wildcards: (?:job|figure)=(\S+)", block)
        yield (f"{m.group(1)}[{wc.group(1)}]" if wc else m.group(1)), block


def parse_jobs(out: str) -> set[str]:
    """Jobs a dry run's text lists, named like expected_jobs names them."""
    return {job for job, _ in _job_blocks(out)}


def dag_graph(out: str) -> dict[str, tuple[set[str], set[str]]]:
    """{job: (its input files, its output files)} from a dry run of every job."""
    graph = {}
    for job, block in _job_blocks(out):
        files = {
            key: set(m.group(1).split(", "))
            if (m := re.search(rf"^\s*{key}: (.*)$", block, re.M))
            else set()
            for key in ("input", "output")
        }
        graph[job] = (files["input"], files["output"])
    return graph


def scheduled_jobs(work: Path) -> set[str]:
    """Jobs `snakemake -n` would run."""
    return parse_jobs(snakemake(work, "-n", "--configfile", "config/quick.yaml").stdout)


def scheduled_after_edits(work: Path, files: list[str]) -> dict[str, set[str]]:
    """{file: jobs a dry run schedules once that file is edited}, one file at a time, in
    one process (tests/snakemake_worker.py)."""
    worker = Path(__file__).with_name("snakemake_worker.py")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [sys.executable, str(worker), "edits", "config/quick.yaml", *files],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {r["file"]: parse_jobs(r["stdout"]) for r in rows}


@contextmanager
def edited(path: Path) -> Iterator[None]:
    """Append a comment (a real edit, newer than every output), then restore."""
    text, st = path.read_text(), path.stat()
    path.write_text(text + "\n# edited\n")
    os.utime(path, (st.st_atime + 1e6, st.st_mtime + 1e6))
    try:
        yield
    finally:
        path.write_text(text)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def predicted_jobs(graph: dict[str, tuple[set[str], set[str]]], file: str) -> set[str]:
    """What Snakemake reruns once ``file`` is newer than every output: the jobs that
    have it as an input, and every job downstream of them."""
    hit = {job for job, (ins, _) in graph.items() if file in ins}
    made = set().union(*(graph[job][1] for job in hit))
    while True:
        more = {job for job, (ins, _) in graph.items() if job not in hit and ins & made}
        if not more:
            return hit
        hit |= more
        made |= set().union(*(graph[job][1] for job in more))


def edit_sample(expected: dict[str, set[str]]) -> list[str]:
    """Modules whose edit is dry-run for real: in each package, one whose edit reruns
    the most jobs and one the fewest, and one module that no job imports."""
    sample = set()
    for package in {m.rsplit(".", 1)[0] for m in expected}:
        members = sorted(m for m in expected if m.rsplit(".", 1)[0] == package and expected[m])
        if members:
            sample.add(max(members, key=lambda m: len(expected[m])))
            sample.add(min(members, key=lambda m: len(expected[m])))
    return sorted(sample) + sorted(m for m in expected if not expected[m])[:1]


@pytest.mark.e2e
def test_editing_any_module_reruns_exactly_its_importers(quick_run: Path) -> None:
    """For every module of the package: the jobs whose code imports it, and what reads
    their tables. Read off the DAG Snakemake builds (each job's input and output files,
    from one dry run of every job) for all modules, and confirmed for a sample by real
    edits and dry runs: what Snakemake schedules after an edit is what the DAG predicts."""
    assert scheduled_jobs(quick_run) == set(), "the quick build should be complete"
    config = _quick_config(quick_run)
    modules = imports.all_modules()
    root = imports.ROOT.parent.parent
    rel = {m: str(imports.module_file(m).relative_to(root)) for m in modules}
    expected = {m: expected_jobs(root / rel[m], config) for m in modules}
    sample = edit_sample(expected)
    # first, and not beside the edits: its parse imports the package
    every = snakemake(quick_run, "-n", "--forceall", "--configfile", "config/quick.yaml")
    graph = dag_graph(every.stdout)
    got = scheduled_after_edits(quick_run, [rel[m] for m in sample])
    assert set(graph) == set(_nodes(config)), "the DAG's jobs are the manifest's"
    predicted = {m: predicted_jobs(graph, rel[m]) for m in modules}
    wrong = {
        m: (sorted(predicted[m] - expected[m]), sorted(expected[m] - predicted[m]))
        for m in modules
        if predicted[m] != expected[m]
    }
    assert not wrong, f"module: (scheduled but not importing, importing but not scheduled): {wrong}"
    # the graph's prediction is what Snakemake does when a module is edited
    assert len(sample) >= 10
    assert {m: got[rel[m]] for m in sample} == {m: expected[m] for m in sample}
    # every module is used by some job, else it is dead code, or code for people and
    # the workflow rather than jobs
    assert {m for m in modules if not expected[m]} == NOT_JOB_CODE


PAYLOAD = "x'\"$(touch INJECTED)`touch INJECTED2`;touch INJECTED3\ny"


def test_no_rule_builds_a_shell_command_from_config() -> None:
    """Every rule runs a script (parameters pickled, no shell), except the PDF rule,
    whose shell command holds only Snakemake-quoted paths."""
    text = "\n".join(p.read_text() for p in Path("workflow/rules").glob("*.smk"))
    # a rule's shell: the string lines indented under "shell:"
    shells = re.findall(r"shell:\s*\n((?:[ \t]+\S.*\n?)+)", text)
    assert len(shells) == 1
    quoted = r"\{(input\.\w+|output\.\w+|log|output):q\}"
    assert re.sub(quoted, "", shells[0]).count("{") == 0, shells[0]


def test_free_form_strings_arrive_intact_or_are_refused(tmp_path: Path) -> None:
    """A payload of quotes, $( ), backticks, ; and a newline in every string of
    the config: refused before any job with its key named, or handed to the job
    unchanged. Checked in-process for every study's string fields, and through
    Snakemake for the top-level strings."""
    from vanishing.machinery.config_check import ConfigError, check_config
    from vanishing.machinery.config_schema import schema

    base = _quick_config(ROOT)
    studies = schema()["properties"]["studies"]["properties"]
    tried = 0
    for name, study_schema in studies.items():
        for key, s in study_schema["properties"].items():
            if s.get("type") != "string":
                continue
            tried += 1
            config = {**base, "studies": {name: {key: PAYLOAD}}}
            try:
                check_config(config, machine=False)
            except ConfigError as e:
                assert f"studies.{name}.{key}" in str(e), (name, key, str(e))
            else:
                assert pipeline.study(config, name)[key] == PAYLOAD, (name, key)
    assert tried >= 10  # every string a study takes (init names, dtypes, optimisers, ...)
    work = copy_checkout(tmp_path)
    for key, overlay in (
        ("name", {"name": PAYLOAD}),
        ("results_dir", {"results_dir": PAYLOAD}),
    ):
        (work / "config/payload.yaml").write_text(yaml.safe_dump(overlay))
        proc = snakemake(
            work,
            "--cores",
            "1",
            "--configfile",
            "config/quick.yaml",
            "config/payload.yaml",
            check=False,
        )
        assert proc.returncode != 0 and key in proc.stdout + proc.stderr, key
        assert not (work / "results").exists() and not list(work.glob("INJECTED*"))


@pytest.mark.e2e
def test_html_report_shows_every_figure_grouped_by_source(quick_run: Path) -> None:
    out = quick_run / "results/report.html"
    snakemake(quick_run, "--configfile", "config/quick.yaml", "--report", str(out))
    html = out.read_text()
    figures = sorted(p.name for p in (quick_run / QUICK / "figures").glob("*.png"))
    assert len(figures) == len(pipeline.FIGURES + pipeline.CLAIM_FIGURES)
    missing = [f for f in figures if f not in html]
    assert not missing
    for title in pipeline.SECTIONS.values():
        # the report embeds its data as JSON: non-ASCII may arrive \u-escaped
        assert title in html or json.dumps(title)[1:-1] in html
    assert "claims.csv" in html


def test_grid_overrides_through_an_overlay_file(tmp_path: Path) -> None:
    """The README's way to change grid lists from the command line: an overlay
    YAML after the config (Snakemake's --config reads list items as strings)."""
    work = copy_checkout(tmp_path)
    (work / "config/overlay.yaml").write_text("depths: [2, 3]\nseeds: [0, 1, 2]\n")
    proc = snakemake(
        work, "-n", "--configfile", "config/quick.yaml", "config/overlay.yaml", check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    config = {**_quick_config(work), "depths": [2, 3], "seeds": [0, 1, 2]}
    assert pipeline.stage("probe").job_params(config, "relu")["depths"] == [2, 3]


def test_device_cuda_asks_the_cluster_for_a_gpu_for_device_bound_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`device: cuda` gives gpu=1 (sbatch --gpus=1) to exactly the stages that honour
    the device; VANISHING_SUBMIT_ONLY=1 lets a GPU-less login node submit them."""
    work = copy_checkout(tmp_path)
    with monkeypatch.context() as m:
        m.setenv("VANISHING_SUBMIT_ONLY", "1")
        args = ("-n", "--configfile", "config/quick.yaml", "--config", "device=cuda")
        out = snakemake(work, *args).stdout
    blocks = re.split(r"(?m)^(?=\s*(?:local)?rule \w+:)", out)[1:]
    with_gpu = {re.match(r"\s*(?:local)?rule (\w+):", b).group(1) for b in blocks if "gpu=1" in b}
    assert with_gpu == {s.name for s in pipeline.STAGES if s.device_bound}
    # without the variable, the CUDA check refuses before any job on a CPU-only host
    import torch

    if not torch.cuda.is_available():
        proc = snakemake(work, "-n", "--config", "device=cuda", check=False)
        assert proc.returncode != 0 and "device: expected cpu" in proc.stdout + proc.stderr
