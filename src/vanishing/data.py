"""Data that needs no download: scikit-learn's bundled digits, XOR, Gaussians."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

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
def digits() -> Dataset:
    """The 8×8 digits (1,797 images, 64 features, 10 classes), standardised
    per feature with the training split's statistics."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.data.astype(np.float32)
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_test = int(round(TEST_FRACTION * len(x)))
    test, train = order[:n_test], order[n_test:]
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
