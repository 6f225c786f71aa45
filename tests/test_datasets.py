"""The 2-D presets: the contract of ARCHITECTURE.md, and the shape each one promises."""

from __future__ import annotations

import numpy as np
import pytest

from knnlib.datasets import PRESETS, load_preset

EXPECTED_NAMES = {"two_blobs", "moons", "xor", "sparse", "noisy_overlap", "three_classes"}


def test_the_six_presets_are_there():
    assert set(PRESETS) == EXPECTED_NAMES
    assert all(isinstance(text, str) and text for text in PRESETS.values())


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_contract(name):
    X, y = load_preset(name)
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2
    assert y.dtype == np.int64 and y.shape == (X.shape[0],)
    assert np.isfinite(X).all()
    assert (X >= 0).all() and (X <= 10).all(), "every point inside [0, 10] x [0, 10]"
    expected_classes = [0, 1, 2] if name == "three_classes" else [0, 1]
    assert np.unique(y).tolist() == expected_classes
    # Two decimals, as documented.
    np.testing.assert_array_equal(X, np.round(X, 2))


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_seeded(name):
    X1, y1 = load_preset(name, seed=3)
    X2, y2 = load_preset(name, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = load_preset(name, seed=4)
    assert not np.array_equal(X1, X3), "a different seed gives different points"


def test_returns_fresh_arrays():
    X, y = load_preset("moons")
    X[:] = -1.0
    y[:] = 7
    X2, y2 = load_preset("moons")
    assert (X2 >= 0).all() and set(y2.tolist()) == {0, 1}


def test_xor_labels_follow_the_quadrants():
    X, y = load_preset("xor")
    upper, right = X[:, 1] > 5, X[:, 0] > 5
    np.testing.assert_array_equal(y, (upper ^ right).astype(int))
    # No point sits on a dividing line.
    assert (np.abs(X - 5) > 0.3).all()


def test_sparse_has_three_minority_points():
    X, y = load_preset("sparse")
    assert len(X) == 13 and np.bincount(y).tolist() == [10, 3]


def test_two_blobs_are_separated_and_overlap_is_not():
    # Distance between the class means, relative to the spread: large for the
    # blobs, small for the overlap preset (a property of what each one shows).
    def separation(name):
        X, y = load_preset(name)
        gap = np.linalg.norm(X[y == 0].mean(axis=0) - X[y == 1].mean(axis=0))
        return gap / X[y == 0].std(axis=0).mean()

    assert separation("two_blobs") > 3
    assert separation("noisy_overlap") < 2


def test_moons_interleave():
    # The upper moon (class 0) reaches below the top of the lower moon (class 1)
    # and vice versa: no horizontal line separates them.
    X, y = load_preset("moons")
    assert X[y == 0, 1].min() < X[y == 1, 1].max()


@pytest.mark.parametrize("bad", ["circles", "", "Moons", None, 3])
def test_unknown_name(bad):
    with pytest.raises(ValueError, match="Unknown preset .*choose one of 'two_blobs'"):
        load_preset(bad)


@pytest.mark.parametrize(("seed", "error"), [(1.5, TypeError), ("1", TypeError), (True, TypeError), (-1, ValueError)])
def test_bad_seed(seed, error):
    with pytest.raises(error, match="seed"):
        load_preset("moons", seed=seed)
