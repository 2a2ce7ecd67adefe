"""Speed and memory of the hot paths, with targets. Prints a Markdown table.

    .venv/bin/python benchmarks/bench.py      (or: make bench)

Targets (why): the default report must build in about 15 minutes on 2 cores,
so one probe job (one activation: 8 inits × 6 depths × 5 seeds) should take
well under 15 s of CPU. The batched ensemble must be much faster than a loop
over per-seed models for the many small networks of the focused studies (e.g.
200 XOR nets), where a loop is all Python overhead; for wide networks it is
reported without a target.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable

import torch

from vanishing.activations import get_activation
from vanishing.data import digits, probe_batch
from vanishing.gradients import layer_stats
from vanishing.models import EnsembleMLP, ensemble_loss, reference_mlp
from vanishing.probe import run_probe

INITS = [
    "normal",
    "truncated_normal",
    "glorot_standard",
    "xavier",
    "he",
    "lecun",
    "orthogonal",
    "zeros",
]
DEPTHS = [2, 4, 8, 16, 32, 50]
SEEDS = [0, 1, 2, 3, 4]
TARGET_PROBE_JOB_S = 15.0
TARGET_SMALL_SPEEDUP = 5.0


def timed(fn: Callable[[], object], repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def batched_vs_loop(model: EnsembleMLP, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Forward+backward time of the ensemble, and of the same networks one by one."""
    refs = [reference_mlp(model, i) for i in range(model.n_models)]

    def batched() -> None:
        model.zero_grad()
        ensemble_loss(model(x).logits, y).backward()

    def looped() -> None:
        for ref in refs:
            ref.zero_grad()
            torch.nn.functional.cross_entropy(ref(x), y).backward()

    return timed(batched), timed(looped)


def main() -> None:
    torch.set_num_threads(1)
    data = digits()
    x, y = probe_batch(data, 128)
    x = x.double()

    t_job = timed(lambda: [run_probe("tanh", i, DEPTHS, SEEDS, 64, 128) for i in INITS], 1)

    act = get_activation("tanh")
    model = EnsembleMLP(act, "xavier", 32, 64, 64, 10, list(range(16)), torch.float64)
    t_batched, t_looped = batched_vs_loop(model, x, y)
    # Many tiny networks: 200 XOR-sized nets (2 → 4 → 4 → 2), the focused studies' case.
    small = EnsembleMLP(act, "xavier", 2, 4, 2, 2, list(range(200)), torch.float64)
    xor_x = torch.randn(4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    t_small_b, t_small_l = batched_vs_loop(small, xor_x, torch.tensor([0, 1, 1, 0]))
    t_stats = timed(lambda: layer_stats(model, x, y))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        (
            "probe job, 1 activation (8 inits × 6 depths × 5 seeds)",
            f"{t_job:.2f} s",
            f"< {TARGET_PROBE_JOB_S:g} s",
            t_job < TARGET_PROBE_JOB_S,
        ),
        ("forward+backward, 16 nets × 32 layers, batched", f"{t_batched * 1e3:.1f} ms", "", None),
        ("forward+backward, 16 nets × 32 layers, loop", f"{t_looped * 1e3:.1f} ms", "", None),
        # No target: at this size the matmuls dominate and the two are within noise;
        # batching is kept here for bit-identical results across thread counts.
        (
            "batched speed-up over the loop (16 nets, width 64)",
            f"{t_looped / t_batched:.2f}×",
            "",
            None,
        ),
        ("forward+backward, 200 XOR nets, batched", f"{t_small_b * 1e3:.1f} ms", "", None),
        ("forward+backward, 200 XOR nets, loop", f"{t_small_l * 1e3:.1f} ms", "", None),
        (
            "batched speed-up over the loop (200 XOR nets)",
            f"{t_small_l / t_small_b:.1f}×",
            f"> {TARGET_SMALL_SPEEDUP:g}×",
            t_small_l / t_small_b > TARGET_SMALL_SPEEDUP,
        ),
        ("layer_stats, 16 nets × 32 layers", f"{t_stats * 1e3:.1f} ms", "", None),
        ("peak resident memory", f"{peak_mb:.0f} MB", "< 2000 MB", peak_mb < 2000),
    ]
    print("| measurement | value | target | met |")
    print("|---|---|---|---|")
    for name, value, target, met in rows:
        verdict = "" if met is None else ("yes" if met else "NO")
        print(f"| {name} | {value} | {target} | {verdict} |")
    print(f"\n(torch {torch.__version__}, 1 thread, float64)")


if __name__ == "__main__":
    main()
