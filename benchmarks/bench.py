"""What the pipeline's compute stages cost, against targets. Prints a Markdown table.

    .venv/bin/python benchmarks/bench.py [--stages probe,training] [--repeat 3] [--out FILE]
        [--pipeline none|quick|all] [--readme README.md]
    make bench        (all stages and whole runs, into benchmarks/RESULTS.md and the
                       README's "Time and size" section)

Each stage runs its real code on the default config's shapes, in a fresh
subprocess with one thread (as the pipeline's jobs run), which reports:

* wall and CPU time of the stage's compute (the interpreter's start and
  ``import torch``, about 3 s a process here, are left out and shown apart);
* peak resident memory of that process (``ru_maxrss``, torch's import included),
  read before anything else runs in it;
* the matrix products it performed, counted from their shapes: 2·b·m·k·n FLOPs
  per (b × m×k)·(k×n) product (vanishing/flops.py). Elementwise work
  (activations, statistics, the loss) is not counted, so it shows as time below
  the ceiling, never as extra FLOPs;
* the ceiling, measured in the same process right after the stage: a bare
  ``torch.bmm``/``torch.mm`` on each of the stage's product shapes and dtypes, on
  operands that stay in cache, timed by CPU time (best of five). Its GFLOP/s is
  the FLOPs divided by the summed time of those bare products, and "% of
  ceiling" is that time over the stage's CPU time.

CPU time, not wall, sets the GFLOP/s because the machine is shared: a
descheduled process's wall time says nothing about the code. The load average
is printed with the table.

What runs (the default config, config/config.yaml):

* probe: all 14 probe jobs' compute (one per activation: 8 inits × 6 depths ×
  5 seeds, batch 128, float64), tables written as CSV, in one process.
* training: every grid job's networks (9 activations × 3 inits × depths 4/16/32 ×
  the config's seeds, batch 32, float32) and the E2 job, for a quarter of their steps (200
  of 800, 250 of 1000), logging every 40 steps as the pipeline does; "full
  stage" scales its CPU time by the FLOP ratio of the full jobs to this slice.
* source_d, equivalence, meanfield, products: each study's ``run`` with the
  default parameters (meanfield reads a synthetic probe summary with the default
  grid's rows, so its comparison does the full grid's work; products is numpy
  only and has no matrix products).

With ``--pipeline``, whole ``snakemake --cores 2`` runs in a fresh copy of the
checkout, by wall time: the quick config from clean, the rebuild after one figure
module is edited, and (``all``) the default report from clean.

Targets (issue 9): training and probe at ≥ 40 % of their same-run ceiling; every
job ≤ 2 GB peak resident memory; the quick config ≤ 45 s, a figure edit ≤ 10 s, the
default report ≤ 8 min. The batched ensemble stays much faster than a
loop over per-seed models for the focused studies' many tiny networks (> 5×).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's library, whatever an editable install elsewhere points to.
sys.path.insert(0, str(ROOT / "src"))
STAGES = [
    "probe",
    "training",
    "width",
    "phase_width",
    "isometry",
    "source_d",
    "equivalence",
    "meanfield",
    "products",
    "ensemble",
]
TARGET_RATIO = {"probe": 0.40, "training": 0.40}
TARGET_RSS_MB = 2000.0
TARGET_SMALL_SPEEDUP = 5.0
# Training slice: this fraction of every job's steps (the log interval unchanged).
TRAINING_SLICE = 4


def _config() -> dict:
    from vanishing.machinery.config_check import load_yaml

    return load_yaml(ROOT / "config/config.yaml")


# ---- stage workloads --------------------------------------------------------------
# Each job runs as the pipeline runs it: the manifest's stage (vanishing/pipeline.py)
# with the parameters its rule passes, via pipeline.run_stage. ``WORKLOADS[stage]``
# returns (product shapes done, product shapes of the full job).

# The bench's stages and the manifest stages they cover.
MANIFEST = {
    "probe": ["probe"],
    "training": ["training", "training_e2"],
    "source_d": ["source_d"],
    "equivalence": ["equivalence"],
    "meanfield": ["meanfield"],
    "products": ["products"],
    # the width axis: E9's fluctuations, E6 and E1 against width, E10's spectra
    "width": ["width"],
    "phase_width": ["phase_width"],
    "isometry": ["isometry"],
}


def _jobs() -> dict[str, list[str]]:
    """Job names per bench stage, "<manifest stage>:<job>"."""
    from vanishing.machinery import pipeline

    cfg = _config()
    out = {"ensemble": ["ensemble"]}
    for stage, names in MANIFEST.items():
        out[stage] = [f"{n}:{job}" for n in names for job in pipeline.stage(n).job_names(cfg)]
    return out


def _params(job: str) -> tuple[str, str, dict]:
    from vanishing.machinery import pipeline

    name, _, sub = job.partition(":")
    return name, sub, pipeline.stage(name).job_params(_config(), sub)


def probe(job: str, tmp: Path) -> tuple[Counter, Counter]:
    from vanishing.core.flops import probe_shapes
    from vanishing.machinery import pipeline

    name, sub, p = _params(job)
    pipeline.run_stage(name, p, tmp, sub)
    # Per activation of the job: every init's seeds batched together, one ensemble per depth.
    nets = len(p["seeds"]) * len(p["inits"])
    one = probe_shapes(p["depths"], nets, p["width"], p["batch_size"], 64, 10, p["dtype"])
    shapes = Counter({k: v * len(p["activations"]) for k, v in one.items()})
    return shapes, shapes


def training(job: str, tmp: Path) -> tuple[Counter, Counter]:
    from vanishing.core.data import digits
    from vanishing.core.flops import scaled, training_shapes
    from vanishing.machinery import pipeline

    name, sub, full = _params(job)
    data = digits()
    p = dict(full)
    if full["job"] == "e2":
        p["e2_steps"] = full["e2_steps"] // TRAINING_SLICE
        inits, depths, seeds, width = p["e2_inits"], [p["e2_depth"]], p["e2_seeds"], p["e2_width"]
        steps = (p["e2_steps"], full["e2_steps"])
    else:
        p["steps"] = full["steps"] // TRAINING_SLICE
        inits, depths, seeds, width = p["inits"], p["depths"], p["seeds"], p["width"]
        steps = (p["steps"], full["steps"])
    pipeline.run_stage(name, p, tmp, sub)
    n_acts = 1 if full["job"] == "e2" else len(full["job"].split("+"))
    done, whole = (
        training_shapes(
            depths,
            len(inits) * len(seeds),
            width,
            n,
            p["batch_size"],
            p["log_every"],
            p["monitor_size"] or len(data.x_train),
            len(data.x_test),
            data.n_in,
            data.n_out,
            p["dtype"],
        )
        for n in steps
    )
    return scaled(done, n_acts), scaled(whole, n_acts)


def _meanfield_summary(tmp: Path, p: dict) -> None:
    """The probe summary meanfield reads: the default grid's (activation, init,
    depth, seed) rows, so its comparison does the full grid's work."""
    import pandas as pd

    from vanishing.machinery import pipeline

    cfg = _config()
    rows = [
        {"activation": a, "init": i, "depth": d, "seed": s, "slope_ln_delta": 0.0}
        for a in p["activations"]
        for i in p["inits"]
        for d in cfg["depths"]
        for s in cfg["seeds"]
    ]
    (path,) = pipeline.table_paths(cfg, "probe.summary", str(tmp))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


def study(job: str, tmp: Path) -> tuple[Counter, Counter]:
    """A focused study's run: counted on a first run (the dispatch hook that counts
    would slow a timed one), then timed on a second by the caller."""
    from vanishing.core.flops import MatmulCounter
    from vanishing.machinery import pipeline

    name, sub, p = _params(job)
    if name == "meanfield":
        _meanfield_summary(tmp, p)
    counter = MatmulCounter()
    with counter:
        pipeline.run_stage(name, p, tmp, sub)
    _TIMED.append(lambda: pipeline.run_stage(name, p, tmp, sub))
    return counter.shapes, counter.shapes


_TIMED: list[Callable[[], object]] = []
NOTES = {
    "probe": "{n} jobs of several activations, each at every init × depth × seed of the grid",
    "training": f"{{n}} jobs (grid + E2) at 1/{TRAINING_SLICE} of their steps",
    "source_d": "default parameters",
    "equivalence": "default parameters",
    "meanfield": "default parameters, synthetic probe summary",
    "products": "default parameters (numpy; no matrix products)",
    "width": "{n} jobs, one per width of the width axis (E9)",
    "phase_width": "{n} jobs, one per width of the width axis (E6 and E1 against width)",
    "isometry": "default parameters (E10)",
}


# ---- the ceiling -------------------------------------------------------------


def _best_cpu(fn: Callable[[], object], min_time: float = 0.02, repeats: int = 5) -> float:
    """CPU seconds per call, best of ``repeats`` batches of at least ``min_time``."""
    fn()
    n, t = 1, 0.0
    while True:
        c = time.process_time()
        for _ in range(n):
            fn()
        t = time.process_time() - c
        if t >= min_time:
            break
        n *= 2
    best = t / n
    for _ in range(repeats - 1):
        c = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - c) / n)
    return best


def ceiling_seconds(shapes: Counter) -> float:
    """CPU seconds that bare bmm/mm calls take for every product in ``shapes``."""
    import torch

    g = torch.Generator().manual_seed(0)
    total = 0.0
    for (dtype, b, m, k, n), count in shapes.items():
        dt = getattr(torch, dtype)
        x = torch.randn(b, m, k, generator=g, dtype=dt)
        y = torch.randn(b, k, n, generator=g, dtype=dt)
        if b == 1:
            x2, y2 = x[0].contiguous(), y[0].contiguous()
            per_call = _best_cpu(lambda x2=x2, y2=y2: torch.mm(x2, y2))
        else:
            per_call = _best_cpu(lambda x=x, y=y: torch.bmm(x, y))
        total += per_call * count
    return total


# ---- the focused studies' case: many tiny networks ------------------------------


def ensemble_speedup() -> dict:
    import torch

    from vanishing.core.activations import get_activation
    from vanishing.core.models import EnsembleMLP, ensemble_loss, reference_mlp

    act = get_activation("tanh")
    model = EnsembleMLP(act, "xavier", 2, 4, 2, 2, list(range(200)), torch.float64)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 2, dtype=torch.float64, generator=g)
    y = torch.tensor([0, 1, 1, 0])
    refs = [reference_mlp(model, i) for i in range(model.n_models)]

    def batched() -> None:
        model.zero_grad()
        ensemble_loss(model(x).logits, y).backward()

    def looped() -> None:
        for ref in refs:
            ref.zero_grad()
            torch.nn.functional.cross_entropy(ref(x), y).backward()

    return {"batched_s": _best_cpu(batched), "loop_s": _best_cpu(looped)}


# ---- child and parent ------------------------------------------------------------


def child(stage: str, job: str) -> dict:
    t_import = time.perf_counter()
    # What a pipeline job does first (vanishing.machinery.jobs): pandas, torch, the runtime set-up.
    import pandas  # noqa: F401

    from vanishing.core.data import digits
    from vanishing.core.runtime import setup

    setup(1)
    digits()  # loads the data: part of start-up

    import_s = time.perf_counter() - t_import
    if stage == "ensemble":
        return {"stage": stage, "import_s": import_s, **ensemble_speedup()}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if stage in ("probe", "training"):
            w, c = time.perf_counter(), time.process_time()
            done, whole = {"probe": probe, "training": training}[stage](job, tmp)
            wall, cpu = time.perf_counter() - w, time.process_time() - c
        else:
            done, whole = study(job, tmp)
            w, c = time.perf_counter(), time.process_time()
            _TIMED.pop()()
            wall, cpu = time.perf_counter() - w, time.process_time() - c
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from vanishing.core.flops import flops

    return {
        "stage": stage,
        "job": job,
        "import_s": import_s,
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_mb": rss_mb,
        "flops": flops(done),
        "full_flops": flops(whole),
        "ceiling_s": ceiling_seconds(done) if done else 0.0,
    }


def run_child(stage: str, job: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", stage, "--job", job],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_stage(stage: str, jobs: list[str]) -> dict:
    """Every job of the stage, each in a fresh process; times and FLOPs add up, the
    peak memory is the largest job's, and the full stage's CPU time is each job's
    scaled by its FLOP ratio (1 unless the job ran a slice)."""
    runs = [run_child(stage, job) for job in jobs]
    out = {
        "stage": stage,
        "jobs": len(runs),
        "import_s": statistics.median(r["import_s"] for r in runs),
    }
    if stage == "ensemble":
        return {**out, "batched_s": runs[0]["batched_s"], "loop_s": runs[0]["loop_s"]}
    for key in ("wall_s", "cpu_s", "flops", "full_flops", "ceiling_s"):
        out[key] = sum(r[key] for r in runs)
    out["full_cpu_s"] = sum(
        r["cpu_s"] * r["full_flops"] / r["flops"] if r["flops"] else r["cpu_s"] for r in runs
    )
    biggest = max(runs, key=lambda r: r["rss_mb"])
    out["rss_mb"], out["rss_job"] = biggest["rss_mb"], biggest["job"].removesuffix(":")
    out["per_job"] = {
        r["job"].removesuffix(":"): {k: r[k] for k in ("wall_s", "cpu_s", "rss_mb")} for r in runs
    }
    return out


def _fmt_s(s: float) -> str:
    return f"{s:.1f} s" if s < 100 else f"{s / 60:.1f} min"


def _verdict(ok: bool, miss: str) -> str:
    return "met" if ok else f"missed by {miss}"


# ---- the whole pipeline, as a user runs it -------------------------------------------
# Wall times of `snakemake` in a fresh copy of the checkout (2 cores, PDF included
# where latexmk exists): the quick config from clean, the rebuild after one figure
# module is edited, and (--default) the default report from clean.
PIPELINE_TARGETS = {"dry_run": 2.0, "quick": 45.0, "figure_edit": 10.0, "default": 8 * 60.0}
PIPELINE_NOTES = {
    "dry_run": "`snakemake -n` on the default config (parse, config check, DAG; median of 3)",
    "quick": "quick config from clean (`--configfile config/quick.yaml`)",
    "figure_edit": "quick config, after editing one figure module (figures/thresholds.py)",
    "default": "default report from clean (`make report`)",
}
CHECKOUT = ["Snakefile", "environment.yml", "profiles", "workflow", "config", "report/templates"]


def _snakemake_s(work: Path, *args: str) -> tuple[float, str]:
    """Wall seconds of one snakemake run in ``work``, and the last progress line."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    done = [ln for ln in proc.stderr.splitlines() if "steps (100%) done" in ln]
    return wall, (done[-1].strip() if done else "nothing to do")


def time_pipeline(default: bool) -> dict[str, tuple[float, str]]:
    import shutil

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for item in [*CHECKOUT, "src"]:
            src = ROOT / item
            if src.is_dir():
                shutil.copytree(src, work / item, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                (work / item).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, work / item)
        quick = ("--configfile", "config/quick.yaml")
        # parsing the workflow: what every snakemake command pays before its first job
        runs = sorted(_snakemake_s(work, "-n", "-q")[0] for _ in range(3))
        out["dry_run"] = (runs[1], "nothing to do")
        out["quick"] = _snakemake_s(work, *quick)
        fig = work / "src/vanishing/figures/thresholds.py"
        fig.write_text(fig.read_text() + "\n# edited by benchmarks/bench.py\n")
        out["figure_edit"] = _snakemake_s(work, *quick)
        if default:
            out["default"] = _snakemake_s(work)
    return out


def _plugins_note() -> str:
    """Snakemake imports every installed plugin when it starts; the SLURM executor's
    brings pandas, about 0.4 s of every command. Say which case was measured."""
    import importlib.util

    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "; SLURM plugin not installed, as after `make report`"
    return "; SLURM plugin installed (`make test-slurm`), which Snakemake imports at start"


def pipeline_table(times: dict[str, tuple[float, str]]) -> list[str]:
    lines = ["| run | wall | jobs | target | met |", "|---|---|---|---|---|"]
    for key, (wall, done) in times.items():
        goal = PIPELINE_TARGETS[key]
        note = PIPELINE_NOTES[key] + (_plugins_note() if key == "dry_run" else "")
        lines.append(
            f"| {note} | {_fmt_s(wall)} | {done.removesuffix(' done')} "
            f"| ≤ {_fmt_s(goal)} | {_verdict(wall <= goal, _fmt_s(wall - goal))} |"
        )
    return lines


def table(results: dict[str, list[dict]]) -> list[str]:
    lines = [
        "| stage | what runs | wall | CPU | peak RSS (largest job) | GFLOP | GFLOP/s "
        "| ceiling GFLOP/s | % of ceiling | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for stage in [s for s in STAGES if s in results and s != "ensemble"]:
        runs = results[stage]
        med = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "rss_mb")}
        r0 = runs[0]
        ratios = [r["ceiling_s"] / r["cpu_s"] for r in runs if r["flops"]]
        targets, verdicts = [], []
        if stage in TARGET_RATIO:
            goal = TARGET_RATIO[stage]
            got = statistics.median(ratios)
            targets.append(f"≥ {goal:.0%} of ceiling")
            verdicts.append(_verdict(got >= goal, f"{100 * (goal - got):.0f} points"))
        targets.append(f"≤ {TARGET_RSS_MB / 1000:g} GB")
        rss_ok = med["rss_mb"] <= TARGET_RSS_MB
        verdicts.append(_verdict(rss_ok, f"{med['rss_mb'] - TARGET_RSS_MB:.0f} MB"))
        if r0["flops"]:
            gflop = r0["flops"] / 1e9
            rate = gflop / med["cpu_s"]
            ceil = statistics.median(r["flops"] / r["ceiling_s"] for r in runs) / 1e9
            ratio = statistics.median(ratios)
            spread = f" ({min(ratios):.0%}–{max(ratios):.0%})" if len(ratios) > 1 else ""
            cols = [f"{gflop:.0f}", f"{rate:.1f}", f"{ceil:.1f}", f"{ratio:.0%}{spread}"]
        else:
            cols = ["—", "—", "—", "—"]
        what = NOTES[stage].format(n=r0["jobs"])
        if r0["full_flops"] != r0["flops"]:
            full_cpu = statistics.median(r["full_cpu_s"] for r in runs)
            what += f"; full stage ≈ {_fmt_s(full_cpu)} CPU"
        lines.append(
            f"| {stage} | {what} | {_fmt_s(med['wall_s'])} | {_fmt_s(med['cpu_s'])} "
            f"| {med['rss_mb']:.0f} MB ({r0['rss_job']}) | "
            + " | ".join(cols)
            + f" | {'; '.join(targets)} | {'; '.join(verdicts)} |"
        )
    if "ensemble" in results:
        runs = results["ensemble"]
        speedup = statistics.median(r["loop_s"] / r["batched_s"] for r in runs)
        lines.append(
            f"| ensemble | 200 XOR nets, forward+backward: batched "
            f"{1e3 * statistics.median(r['batched_s'] for r in runs):.2f} ms vs loop "
            f"{1e3 * statistics.median(r['loop_s'] for r in runs):.1f} ms | | | | | | | "
            f"{speedup:.0f}× faster | > {TARGET_SMALL_SPEEDUP:g}× | "
            f"{_verdict(speedup > TARGET_SMALL_SPEEDUP, f'{TARGET_SMALL_SPEEDUP - speedup:.1f}×')}"
            " |"
        )
    return lines


def job_table(results: dict[str, list[dict]]) -> list[str]:
    """Per job (one pipeline process each): what a rule's ``resources:`` can declare."""
    lines = ["| job | wall | CPU | peak RSS |", "|---|---|---|---|"]
    for stage in [s for s in STAGES if s in results and s != "ensemble"]:
        first = results[stage][0]["per_job"]
        for job in first:
            cell = {
                k: statistics.median(r["per_job"][job][k] for r in results[stage])
                for k in ("wall_s", "cpu_s", "rss_mb")
            }
            name = job.removesuffix(":")
            if stage == "training":
                name += f" (1/{TRAINING_SLICE} of the steps)"
            lines.append(
                f"| {name} | {_fmt_s(cell['wall_s'])} | {_fmt_s(cell['cpu_s'])} "
                f"| {cell['rss_mb']:.0f} MB |"
            )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--repeat", type=int, default=1, help="runs per stage (medians shown)")
    ap.add_argument("--jobs", action="store_true", help="also print the per-job table")
    ap.add_argument("--out", type=Path, help="also write the table(s) to this file")
    ap.add_argument(
        "--pipeline",
        choices=["none", "quick", "all"],
        default="none",
        help="also time whole snakemake runs: the quick config and a figure edit (quick), "
        "plus the default report from clean (all)",
    )
    ap.add_argument("--readme", type=Path, help="put the tables into this README's markers")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--job", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.job)))
        return
    jobs = _jobs()
    load0 = os.getloadavg()
    results: dict[str, list[dict]] = {}
    for stage in a.stages.split(","):
        if stage not in STAGES:
            raise SystemExit(f"unknown stage {stage!r}; known: {', '.join(STAGES)}")
        for _ in range(a.repeat):
            results.setdefault(stage, []).append(run_stage(stage, jobs[stage]))
            print(f"{stage}: {json.dumps(results[stage][-1])}", file=sys.stderr)
    load1 = os.getloadavg()
    import torch

    imports = [r["import_s"] for runs in results.values() for r in runs]
    lines = table(results)
    lines += [
        "",
        f"torch {torch.__version__}, 1 thread per job, {os.cpu_count()} cores "
        f"({platform.machine()}); load average {load0[0]:.1f} at the start, {load1[0]:.1f} "
        f"at the end; {a.repeat} run(s) per stage, medians (range of % of ceiling in "
        f"brackets). Each job runs in its own process, as in the pipeline; its start-up "
        f"(interpreter, torch, pandas, the data: {statistics.median(imports):.1f} s wall) "
        f"is not included above.",
    ]
    if a.jobs:
        lines += ["", *job_table(results)]
    if a.pipeline != "none":
        lines += ["", *pipeline_table(time_pipeline(default=a.pipeline == "all"))]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text)
    if a.readme:
        put_in_readme(a.readme, text)


def put_in_readme(readme: Path, text: str) -> None:
    """Replace what stands between the README's bench markers with ``text``."""
    from vanishing.publish import put_in_readme as put

    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if not put(readme, text, start, end):
        raise SystemExit(f"{readme} has no {start} … {end} markers")


if __name__ == "__main__":
    main()
