"""What a config's grid will cost, estimated from its shapes before any job runs.

Each job's peak memory is modelled from the tensors it holds at once (weights,
gradients and copies of them; the hidden activations of the largest batch it
pushes through the net, kept for the backward pass) plus the fixed cost of a
worker process; its time from the multiply-adds of its forward and backward
passes. The constants were fitted to measured peak RSS (tests/test_resources.py
checks the model against a real job); the estimates are meant to be right
within a factor of about two, enough to refuse a grid that cannot fit.

The stages' ``mem_mb`` (pipeline.py) are peaks measured by ``make bench``
(benchmarks/bench.py runs each job in a process of its own). A local build's
``benchmark:`` files measure only the job's client when the fork server
(forkserver.py) runs it; the job's peak is the last line of its log.

``check_resources`` compares the largest jobs with the memory available:
/proc/meminfo's MemAvailable, or ``VANISHING_MEMORY_MB`` when set (a cluster
node's memory, or a deliberate override).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config_schema import study_names, widths_of
from .config_types import N_DIGITS, N_TRAIN
from .params.training import inits_of, job_activations

N_IN, N_OUT = 64, 10  # digits: 8×8 pixels, 10 classes
N_TEST = N_DIGITS - N_TRAIN
ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}
# A worker: python + torch + pandas + the digits set (measured ~420 MB RSS here).
BASE_BYTES = 450e6
# Effective multiply-add rate of one thread on small batched matmuls (measured
# 10-25 GFLOP/s on the development machine; the lower end, for an upper estimate).
FLOPS = 2e10
ENV_MEMORY = "VANISHING_MEMORY_MB"


@dataclass(frozen=True)
class Job:
    """One kind of job: how many of them the grid has, what one costs, and the
    config keys its size comes from."""

    label: str
    keys: dict[str, Any]  # config key path -> its value, the shape's drivers
    bytes: float
    seconds: float
    count: int = 1
    reference: dict[str, Any] = field(default_factory=dict)  # the same keys at their defaults


def mlp_params(n_in: int, width: int, depth: int, n_out: int) -> int:
    return n_in * width + (depth - 1) * width * width + width * n_out + depth * width + n_out


def mlp_job(
    nets: int,
    width: int,
    depth: int,
    rows: int,
    itemsize: int,
    *,
    weight_copies: float = 3.0,
    steps: float = 1.0,
    step_rows: int | None = None,
    n_in: int = N_IN,
    n_out: int = N_OUT,
) -> tuple[float, float]:
    """(peak bytes, seconds) of ``nets`` MLPs trained ``steps`` steps on batches of
    ``step_rows`` and evaluated (with a backward pass) on ``rows`` examples.
    ``weight_copies``: weights, gradients, optimiser state and snapshots held at once."""
    params = nets * mlp_params(n_in, width, depth, n_out)
    # forward keeps pre- and post-activations of every hidden layer; backward adds as much
    acts = 4 * nets * rows * (depth * width + n_out)
    # per-layer statistics: a float64 copy of the largest weight gradient, sorted (quantiles)
    stats = 3 * 8 * nets * width * max(width, n_in)
    mem = BASE_BYTES + itemsize * (weight_copies * params + acts) + stats
    macs = params / nets * nets * (rows + steps * (step_rows or rows))
    return mem, 3 * 2 * macs / FLOPS


def _g(d: Mapping[str, Any] | None, key: str, default: Any) -> Any:
    return (d or {}).get(key, default)


def probe_jobs(cfg: Mapping[str, Any]) -> list[Job]:
    probe = cfg.get("probe") or {}
    batch = min(_g(probe, "batch_size", 128), N_TRAIN)
    itemsize = ITEMSIZE[_g(probe, "dtype", "float64")]
    seeds, width = len(cfg["seeds"]), cfg.get("width", 64)
    deepest = max(cfg["depths"])
    mem, _ = mlp_job(seeds, width, deepest, batch, itemsize)
    sec = sum(mlp_job(seeds, width, d, batch, itemsize)[1] for d in cfg["depths"])
    keys = {
        "width": width,
        "depths": deepest,
        "seeds": seeds,
        "probe.batch_size": batch,
        "probe.dtype": _g(probe, "dtype", "float64"),
    }
    per_job = _g(probe, "activations_per_job", 7)
    acts = len(cfg["activations"])
    return [
        Job(
            "probe job",
            keys,
            mem,
            sec * len(cfg["inits"]) * min(per_job, acts),
            math.ceil(acts / per_job),
        )
    ]


def training_jobs(p: Mapping[str, Any]) -> list[Job]:
    """``p``: the training study's full parameters (defaults filled in)."""
    itemsize = ITEMSIZE[p["dtype"]]
    # the widest ensemble: an activation with extra settings trains more inits at once
    acts = job_activations(p)
    n_inits = max(len(inits_of(p, a)) for a in acts)
    nets = n_inits * len(p["seeds"])
    monitor = p["monitor_size"] or N_TRAIN
    logs = p["steps"] / p["log_every"] + 2
    # weights, gradients, the initial and previous weights for the update statistics
    kw = dict(weight_copies=5.0, steps=p["steps"] / logs, step_rows=p["batch_size"])
    deepest = max(p["depths"])
    mem, _ = mlp_job(nets, p["width"], deepest, monitor + N_TEST, itemsize, **kw)
    sec = sum(
        mlp_job(nets, p["width"], d, monitor + N_TEST, itemsize, **kw)[1] * logs
        for d in p["depths"]
    )
    per_job = min(p["activations_per_job"], len(acts))
    n_jobs = math.ceil(len(acts) / p["activations_per_job"])
    s = "studies.training."
    grid = Job(
        "training grid job",
        {
            s + "width": p["width"],
            s + "depths": deepest,
            s + "seeds": len(p["seeds"]),
            s + "inits": n_inits,
            s + "steps": p["steps"],
            s + "monitor_size": p["monitor_size"],
        },
        mem,
        sec * per_job,
        n_jobs,
    )
    e2_nets = len(p["e2_inits"]) * len(p["e2_seeds"])
    e2_logs = p["e2_steps"] / p["log_every"] + 2
    mem2, sec2 = mlp_job(
        e2_nets,
        p["e2_width"],
        p["e2_depth"],
        monitor + N_TEST,
        itemsize,
        weight_copies=5.0,
        steps=p["e2_steps"] / e2_logs,
        step_rows=p["batch_size"],
    )
    e2 = Job(
        "training e2 job",
        {s + "e2_width": p["e2_width"], s + "e2_depth": p["e2_depth"], s + "e2_seeds": e2_nets},
        mem2,
        sec2 * e2_logs,
    )
    return [grid, e2]


def _digits_study(
    name: str, p: Mapping[str, Any], runs: int, *, rows: int = N_TRAIN + N_TEST, copies: float = 4
) -> Job:
    """A study training ``runs`` ensembles of its (width, depth, seeds) MLP on digits."""
    itemsize = ITEMSIZE[p.get("dtype", "float32")]
    mem, sec = mlp_job(
        len(p["seeds"]),
        p["width"],
        p["depth"],
        rows,
        itemsize,
        weight_copies=copies,
        steps=p.get("steps", 1),
        step_rows=p.get("batch_size", rows),
    )
    s = f"studies.{name}."
    keys = {s + "width": p["width"], s + "depth": p["depth"], s + "seeds": len(p["seeds"])}
    return Job(f"{name} study", keys, mem, sec * runs)


def study_jobs(name: str, p: Mapping[str, Any], cfg: Mapping[str, Any]) -> list[Job]:
    """The heaviest job of one study, from its full parameters ``p``."""
    s = f"studies.{name}."
    if name == "training":
        return training_jobs(p)
    if name in ("sparsity", "leaky_slope"):
        runs = len(p.get("l1", p.get("slopes", [0]))) * len(p.get("activations", [0]))
        return [_digits_study(name, p, runs)]
    if name == "lr_sweep":
        return [_digits_study(name, p, len(p["lrs"]))]
    if name == "equivalence":
        # every (n, reference) pair of every seed trains in one stacked ensemble
        q = {**p, "seeds": p["seeds"] * 2 * len(p["ns"]), "dtype": "float64"}
        return [_digits_study(name, q, len(p["optimizers"]), copies=5)]
    if name == "source_d":
        q = {**p, "seeds": p["seeds"] * len(p["inits"])}
        return [_digits_study(name, q, 1, rows=N_TRAIN, copies=6)]
    if name == "underflow":
        mem, sec = mlp_job(len(p["seeds"]), p["width"], max(p["depths"]), p["batch_size"], 8)
        keys = {
            s + "width": p["width"],
            s + "depths": max(p["depths"]),
            s + "seeds": len(p["seeds"]),
        }
        # a float64 reference plus one copy per dtype
        extra = (
            (len(p["dtypes"]) + 1)
            * 8
            * len(p["seeds"])
            * mlp_params(N_IN, p["width"], max(p["depths"]), N_OUT)
        )
        n = len(p["inits"]) * len(p["depths"]) * len(p["dtypes"])
        return [Job("underflow study", keys, mem + extra, sec * n)]
    if name == "backprop":
        mem, sec = mlp_job(len(p["seeds"]), p["width"], max(p["depths"]), p["batch_size"], 8)
        timing = 8 * 6 * p["timing_numel"]  # x, y, the autograd graph and a few results
        keys = {
            s + "width": p["width"],
            s + "depths": max(p["depths"]),
            s + "seeds": len(p["seeds"]),
            s + "timing_numel": p["timing_numel"],
        }
        return [Job("backprop study", keys, max(mem, BASE_BYTES + timing), sec * 2)]
    if name == "facts":
        keys = {s + "n_samples": p["n_samples"]}
        return [Job("facts study", keys, BASE_BYTES + 8 * 3 * p["n_samples"], p["n_samples"] / 1e8)]
    if name == "products":
        kmax = max([*p["ks"], p["inside_k"], p["cancel_k"]])
        arr = 8 * p["samples"] * kmax
        keys = {s + "samples": p["samples"], s + "ks": kmax}
        n = len(p["ns"]) * len(p["scales"]) * len(p["seeds"])
        return [Job("products study", keys, BASE_BYTES + 6 * arr, n * arr / 8 / 5e8)]
    if name == "meanfield":
        deepest = max(p["e4_depths"])
        e4 = len(p["e4_seeds"])
        mem, sec = mlp_job(e4, p["e4_width"], deepest, p["e4_examples"], 8)
        # the Jacobian of every example: (examples, width, width) per network
        jac = 3 * 8 * e4 * p["e4_examples"] * p["e4_width"] ** 2
        grid = mlp_job(1, cfg.get("width", 64), 2, N_TRAIN, 8)[0]
        keys = {
            s + "e4_width": p["e4_width"],
            s + "e4_depths": deepest,
            s + "e4_seeds": e4,
            s + "e4_examples": p["e4_examples"],
        }
        n = len(p["e4_activations"]) * len(p["e4_inits"]) * len(p["e4_depths"])
        return [Job("meanfield study", keys, max(mem + jac, grid), sec * n)]
    if name == "dying":
        born = (
            8 * 4 * p["n_seeds"] * p["n_inputs"] * max(p["widths"])
            + 8 * p["n_seeds"] * max(p["widths"]) ** 2
        )
        zero, _ = mlp_job(len(p["zero_seeds"]), p["zero_width"], p["zero_depth"], N_TRAIN, 8)
        keys = {
            s + "n_seeds": p["n_seeds"],
            s + "n_inputs": p["n_inputs"],
            s + "widths": max(p["widths"]),
        }
        secs = p["n_seeds"] * p["n_inputs"] * max(p["widths"]) ** 2 * sum(p["depths"]) * 2 / FLOPS
        return [Job("dying study", keys, max(BASE_BYTES + born, zero), secs)]
    if name == "minibatch":
        deepest = max(s["depth"] for s in p["settings"])
        q = {**p, "seeds": p["orders"], "depth": deepest}
        job = _digits_study(name, q, 2 * len(p["settings"]))
        keys = {
            s + "width": p["width"],
            s + "settings": deepest,
            s + "orders": len(p["orders"]),
            s + "steps": p["steps"],
        }
        return [replace(job, keys=keys)]
    if name == "phase":
        # every (σw², σb², seed) network of one activation and depth is one ensemble
        nets = len(p["sigma_w2"]) * len(p["sigma_b2"]) * len(p["seeds"])
        depth = max(p["depths"])
        mem, sec = mlp_job(nets, p["width"], depth, p["batch_size"], 8)
        keys = {
            s + "sigma_w2": len(p["sigma_w2"]),
            s + "sigma_b2": len(p["sigma_b2"]),
            s + "seeds": len(p["seeds"]),
            s + "depths": depth,
        }
        return [Job("phase study", keys, mem, sec * len(p["activations"]) * len(p["depths"]))]
    if name == "phase_width":
        # the widest job: one seed's networks at a time (every σ_w² × σ_b² cell in the batch
        # dimension), the unit draws held twice (EnsembleMLP's and the copy) besides a
        # float32 draw; every seed, activation and depth in turn
        width = max(widths_of(cfg))
        cells = p["points"] * len(p["sigma_b2"])
        batch = max(1, -(-p["batch_size"] * p["reference_width"] // width))
        mem, sec = mlp_job(1, width, max(p["depths"]), cells * batch, 8)
        keys = {
            "widths": width,
            s + "points": p["points"],
            s + "sigma_b2": len(p["sigma_b2"]),
            s + "activations": len(p["activations"]),
        }
        n = len(p["seeds"]) * len(p["activations"]) * len(p["depths"])
        return [Job("phase_width study (widest job)", keys, mem, sec * n)]
    if name == "isometry":
        # four settings' Jacobians (seeds, width, width) float64, one layer's two weight
        # draws and the singular values; per layer four batched width³ products, and one
        # SVD (about 10 width³) per setting, seed and recorded depth
        s_, w, deepest = len(p["seeds"]), p["width"], max(p["depths"])
        mem = BASE_BYTES + 8 * s_ * w * w * 8
        flops = 4 * s_ * (deepest * 2 * w**3 + len(p["depths"]) * 10 * w**3)
        keys = {s + "width": w, s + "depths": deepest, s + "seeds": s_}
        return [Job("isometry study", keys, mem, flops / FLOPS)]
    if name == "width":
        # one job per width; the widest holds a chunk of ``chunk_mb`` of weights (and its
        # float32 copy while it is built) and draws depth·width² normals per seed
        n, deepest, seeds = max(widths_of(cfg)), max(p["depths"]), len(p["seeds"])
        weights = ITEMSIZE[p["dtype"]] * deepest * n * n
        # a chunk holds as many seeds' weights as fit in chunk_mb, and never more seeds
        # than there are (the quick config's few narrow nets are far below chunk_mb)
        chunk = min(seeds, max(1, int(p["chunk_mb"] * 1e6 // weights))) * weights
        keys = {"widths": n, s + "depths": deepest, s + "seeds": seeds}
        draws = seeds * deepest * n * n / 1.5e8  # one thread draws ~1.5e8 normals a second
        macs = seeds * p["examples"] * n * n * (deepest + sum(p["depths"]))
        return [Job("width study", keys, BASE_BYTES + 2 * chunk, draws + 2 * macs / FLOPS)]
    if name == "xor":
        nets = p["n_seeds"]
        steps = max(o["steps"] for o in p["optimizers"])
        mem, sec = mlp_job(nets, max(p["widths"]), 1, 4, 8, steps=steps, n_in=2, n_out=2)
        keys = {s + "n_seeds": nets, s + "widths": max(p["widths"])}
        n = len(p["activations"]) * len(p["widths"]) * len(p["optimizers"])
        return [Job("xor study", keys, mem, sec * n)]
    return []


# The probe grid of config/config.yaml: the reference a probe job's keys are compared with.
PROBE_REFERENCE = {
    "activations": ["tanh"],
    "inits": ["he"],
    "depths": [2, 4, 8, 16, 32, 50],
    "seeds": [0, 1, 2, 3, 4],
    "width": 64,
    "probe": {"batch_size": 128, "dtype": "float64"},
}


def plan(
    cfg: Mapping[str, Any],
    study_params: Callable[[str], Mapping[str, Any]],
    study_defaults: Callable[[str], Mapping[str, Any]],
) -> list[Job]:
    """Every kind of job of the config, each with the same job of the defaults
    (``study_params(name)``: a study's full parameters; ``study_defaults(name)``:
    its Params defaults)."""
    pairs = list(zip(probe_jobs(cfg), probe_jobs(PROBE_REFERENCE), strict=True))
    for name in study_names():
        mine = study_jobs(name, study_params(name), cfg)
        ref = study_jobs(name, study_defaults(name), PROBE_REFERENCE)
        pairs += zip(mine, ref, strict=True)
    return [replace(job, reference=ref.keys) for job, ref in pairs]


def responsible(job: Job) -> str:
    """The key whose value is furthest above its default: the one to shrink first."""

    def ratio(key: str) -> float:
        value, ref = job.keys[key], job.reference.get(key)
        if not isinstance(value, int | float) or not isinstance(ref, int | float) or ref <= 0:
            return 0.0
        return value / ref

    return max(job.keys, key=ratio)


def available_bytes() -> tuple[float | None, str]:
    """Memory the run may use, and where that number came from."""
    env = os.environ.get(ENV_MEMORY)
    if env:
        return float(env) * 1e6, f"{ENV_MEMORY}={env}"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024, "MemAvailable in /proc/meminfo"
    return None, "unknown"


def _gb(b: float) -> str:
    return f"{b / 1e9:.1f} GB"


def duration(sec: float) -> str:
    if sec < 90:
        return f"{sec:.0f} s"
    if sec < 5400:
        return f"{sec / 60:.0f} min"
    if sec < 2 * 86400:
        return f"{sec / 3600:.1f} h"
    return f"{sec / 86400:.0f} days"


def _describe(job: Job) -> str:
    shape = ", ".join(f"{k}={v}" for k, v in job.keys.items())
    return f"{job.label} needs about {_gb(job.bytes)} ({shape}; about {duration(job.seconds)} each)"


def check_resources(jobs: list[Job], cores: int = 1) -> list[str]:
    """Errors, naming the keys, for jobs that cannot fit in the available memory
    (one at a time, or ``cores`` of the largest at once)."""
    avail, source = available_bytes()
    if avail is None:
        return []
    hint = "" if source.startswith(ENV_MEMORY) else f"; set {ENV_MEMORY} to override"
    where = f"{_gb(avail)} available ({source}{hint})"
    errors = []
    for job in sorted(jobs, key=lambda j: -j.bytes):
        if job.bytes > avail:
            errors.append(f"{responsible(job)}: {_describe(job)}, more than the {where}")
    if errors or cores <= 1:
        return errors
    biggest = sorted((j for j in jobs for _ in range(j.count)), key=lambda j: -j.bytes)[:cores]
    together = sum(j.bytes for j in biggest)
    if together > avail:
        job = biggest[0]
        errors.append(
            f"{responsible(job)}: with --cores {cores}, {len(biggest)} jobs at once need about "
            f"{_gb(together)} ({_describe(job)}), more than the {where}; "
            f"run with fewer cores (--cores {max(1, int(avail // job.bytes))}) or shrink the grid"
        )
    return errors


def total_seconds(jobs: list[Job]) -> float:
    return sum(j.seconds * j.count for j in jobs)
