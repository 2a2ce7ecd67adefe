"""The bundled digits, read without scikit-learn's loader, and the fixed split."""

from __future__ import annotations

import numpy as np

from vanishing.core import data


def test_digits_raw_equals_scikit_learns_loader() -> None:
    from sklearn.datasets import load_digits

    pixels, labels = data.digits_raw()
    bunch = load_digits()
    np.testing.assert_array_equal(pixels, bunch.data)
    np.testing.assert_array_equal(labels, bunch.target)
    assert labels.dtype == np.int64


def test_split_is_a_fixed_partition() -> None:
    test, train = data.split()
    n = len(data.digits_raw()[1])
    assert sorted([*test, *train]) == list(range(n))
    assert len(test) == round(data.TEST_FRACTION * n)
    np.testing.assert_array_equal(data.split()[0], test)
