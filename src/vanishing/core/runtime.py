"""Process set-up shared by every pipeline step: threads, device, dtype, logging."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    # built on first use by __getattr__ below
    DTYPES: dict[str, torch.dtype]

DTYPE_NAMES = ("float16", "bfloat16", "float32", "float64")


def __getattr__(name: str) -> object:
    # DTYPES needs torch; build it lazily so that figure and report jobs, which
    # never touch torch, do not pay its ~1.5 s import.
    if name == "DTYPES":
        import torch

        return {n: getattr(torch, n) for n in DTYPE_NAMES}
    raise AttributeError(name)


# cuBLAS picks its reduction order by workspace unless given a fixed one; it must be
# set before CUDA is initialised (the first CUDA call, not `import torch`).
CUBLAS_WORKSPACE = ":4096:8"


def resident_mb() -> float:
    """This process's resident memory now, in MB (0 where /proc is not available)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def release_freed_memory(above_mb: float = 0.0) -> None:
    """Give freed heap memory back to the system (glibc's malloc_trim), if this
    process holds more than ``above_mb`` MB.

    A training job's monitoring pass allocates large temporaries once per logged
    step; glibc keeps their freed space in a fragmented heap, and a default
    training job's resident memory grew to 12.9 GB for about 0.5 GB of live
    tensors. Trimming after each pass held it at 1.9 GB for 16 % more CPU time
    (a fixed mmap threshold held 1.0 GB but cost 63 %). With the leaner monitor
    (backward.py hooks) the heap grows by tens of MB per pass, so a trim only past
    a budget bounds the peak for no measurable time: the pages a trim returns are
    faulted back in by the next pass, which is what costs the 16 %."""
    if _LIBC is not None and (not above_mb or resident_mb() > above_mb):
        _LIBC.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None  # musl has none


_LIBC = _glibc()


def setup(threads: int = 1, use_torch: bool = True) -> logging.Logger:
    """Pin the thread count (two 1-thread jobs beat one 2-thread job here), make
    torch kernels deterministic, and return a logger that writes to stderr."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
    if use_torch:
        import torch

        torch.set_num_threads(threads)
        # An op without a deterministic kernel (on CUDA, e.g. index_add_ or
        # scatter_add_) raises instead of silently changing the numbers per run.
        # torch.use_deterministic_algorithms also sets the compiler's flag, which
        # imports torch._dynamo: 1.5 s of every job's start-up. No job compiles, so
        # set the kernel switch alone, and the compiler's only if it is loaded.
        torch._C._set_deterministic_algorithms(True)
        inductor: Any = sys.modules.get("torch._inductor.config")  # a config module
        if inductor is not None:
            inductor.deterministic = True
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s: %(message)s"
    )
    return logging.getLogger("vanishing")


def device(name: str) -> torch.device:
    """The configured device; a clear error rather than a silent CPU fallback."""
    import torch

    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("config says device: cuda, but torch.cuda.is_available() is False")
    return torch.device(name)
