"""Process set-up shared by every pipeline step: threads, device, dtype, logging."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DTYPE_NAMES = ("float16", "bfloat16", "float32", "float64")


def __getattr__(name: str) -> object:
    # DTYPES needs torch; build it lazily so that figure and report jobs, which
    # never touch torch, do not pay its ~3 s import.
    if name == "DTYPES":
        import torch

        return {n: getattr(torch, n) for n in DTYPE_NAMES}
    raise AttributeError(name)


# cuBLAS picks its reduction order by workspace unless given a fixed one; it must be
# set before CUDA is initialised (the first CUDA call, not `import torch`).
CUBLAS_WORKSPACE = ":4096:8"


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
        torch.use_deterministic_algorithms(True)
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
