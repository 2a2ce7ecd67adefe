"""Each init's sample variance against the variance it targets; structure checks."""

from __future__ import annotations

import math

import pytest
import torch

from vanishing.core.inits import INITS, TRUNCATION, init_weights, weight_variance

SHAPE = (64, 48, 80)  # 64 networks of a 48×80 layer: ~250k samples per check


@pytest.mark.parametrize("name", sorted(INITS))
def test_sample_variance_matches_the_scheme(name: str) -> None:
    w = init_weights(name, SHAPE, torch.Generator().manual_seed(0)).double()
    target = weight_variance(name, fan_in=SHAPE[2], fan_out=SHAPE[1])
    if target == 0:
        assert torch.count_nonzero(w) == 0
        return
    # Sample variance of ~250k draws: relative error well under 2 %.
    assert w.var().item() == pytest.approx(target, rel=0.02)
    assert abs(w.mean().item()) < 3 * math.sqrt(target / w.numel()) + 1e-12


def test_orthogonal_rows_are_orthonormal() -> None:
    w = init_weights("orthogonal", (3, 20, 50), torch.Generator().manual_seed(1)).double()
    eye = torch.eye(20, dtype=torch.float64).expand(3, -1, -1)
    torch.testing.assert_close(w @ w.transpose(1, 2), eye, atol=1e-6, rtol=0)


def test_truncated_normal_stays_within_two_sigma() -> None:
    w = init_weights("truncated_normal", SHAPE, torch.Generator().manual_seed(2))
    assert w.abs().max().item() <= TRUNCATION
    plain = init_weights("normal", SHAPE, torch.Generator().manual_seed(2))
    assert plain.abs().max().item() > TRUNCATION


def test_glorot_standard_bounds() -> None:
    w = init_weights("glorot_standard", SHAPE, torch.Generator().manual_seed(3))
    assert w.abs().max().item() <= 1 / math.sqrt(SHAPE[2])


def test_same_generator_seed_same_weights() -> None:
    a = init_weights("he", SHAPE, torch.Generator().manual_seed(5))
    b = init_weights("he", SHAPE, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)


def test_unknown_init_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: normal"):
        init_weights("kaiming_fancy", SHAPE, torch.Generator())
