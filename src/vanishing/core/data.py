"""Data that needs no download: scikit-learn's bundled digits, XOR, Gaussians."""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

# The split is fixed (not per seed) so that every network sees the same data
# and differences between seeds come from the weights alone.
SPLIT_SEED = 20170710
TEST_FRACTION = 0.25


@dataclass(frozen=True)
class Dataset:
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    name: str

    @property
    def n_in(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_out(self) -> int:
        return int(self.y_train.max()) + 1


@lru_cache(maxsize=1)
def digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits as (pixels 0..16 float64, labels int64), the
    arrays ``sklearn.datasets.load_digits`` returns (a test keeps them equal).

    Read from the package's own file rather than through ``load_digits``: importing
    ``sklearn.datasets`` costs about 2 s of start-up in every job that uses digits."""
    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("scikit-learn (its bundled digits data) is not installed")
    path = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(np.int64)


def split() -> tuple[np.ndarray, np.ndarray]:
    """Indices of the fixed (test, train) split of digits."""
    n = len(digits_raw()[1])
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    n_test = int(round(TEST_FRACTION * n))
    return order[:n_test], order[n_test:]


@lru_cache(maxsize=1)
def digits() -> Dataset:
    """The 8×8 digits (1,797 images, 64 features, 10 classes), standardised
    per feature with the training split's statistics."""
    pixels, labels = digits_raw()
    x = pixels.astype(np.float32)
    y = labels
    test, train = split()
    mean = x[train].mean(axis=0)
    # Some corner pixels are always 0: keep their scale at 1 rather than divide by 0.
    std = x[train].std(axis=0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    return Dataset(
        torch.from_numpy(x[train]),
        torch.from_numpy(y[train]),
        torch.from_numpy(x[test]),
        torch.from_numpy(y[test]),
        "sklearn digits (8x8)",
    )


def describe(ds: Dataset) -> dict[str, int | str]:
    """Size of a data set, for the report (so no count is typed into a template)."""
    n_in = ds.n_in
    side = int(round(n_in**0.5))
    return {
        "name": ds.name,
        "n_examples": len(ds.x_train) + len(ds.x_test),
        "n_train": len(ds.x_train),
        "n_test": len(ds.x_test),
        "n_features": n_in,
        "n_classes": ds.n_out,
        "image_side": side if side * side == n_in else 0,
    }


def xor(n_per_corner: int = 1) -> tuple[Tensor, Tensor]:
    """The four XOR points in {-1, 1}² (repeated), labels 0/1."""
    x = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y = torch.tensor([0, 1, 1, 0])
    return x.repeat(n_per_corner, 1), y.repeat(n_per_corner)


def gaussian_inputs(n: int, dim: int, seed: int) -> Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn((n, dim), generator=g)


def probe_batch(dataset: Dataset, size: int) -> tuple[Tensor, Tensor]:
    """The first ``size`` training examples: a fixed batch for gradients at init."""
    return dataset.x_train[:size], dataset.y_train[:size]
