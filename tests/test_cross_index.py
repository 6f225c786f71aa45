"""Property tests: BruteForce, KDTree and BallTree give identical answers.

Identical means bit for bit: the same indices in the same order and the same
distances, on random data and on tie-heavy data (integer lattices, exact
duplicates, ``k`` ending in the middle of a group of tied distances), for
every metric each index supports, for ``query`` and ``query_radius``. Each
answer is also checked against a reference that sorts the whole distance
table by (distance, index) with ``np.lexsort``.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from knnlib import BallTree, BruteForce, KDTree
from knnlib.metrics import get_metric

# (metric, params); mahalanobis gets a fixed, well-conditioned VI built per dimension.
METRIC_CASES = [
    ("euclidean", {}),
    ("manhattan", {}),
    ("chebyshev", {}),
    ("minkowski", {"p": 1.5}),
    ("minkowski", {"p": 3}),
    ("minkowski", {"p": np.inf}),
    ("mahalanobis", None),
]


def mahalanobis_VI(d):
    return np.eye(d) + 0.3 * np.ones((d, d))


def indexes_for(metric):
    return [cls for cls in (BruteForce, KDTree, BallTree) if metric in cls.supported_metrics]


@st.composite
def tie_heavy_problems(draw):
    """(X, Q, k, leaf_size): random floats, integer lattices or exact duplicates."""
    kind = draw(st.sampled_from(["floats", "lattice", "duplicates"]))
    n = draw(st.integers(1, 150))
    d = draw(st.integers(1, 3))
    m = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "floats":
        X = rng.standard_normal((n, d)) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
        Q = rng.standard_normal((m, d)) * np.abs(X).max()
    elif kind == "lattice":
        side = draw(st.integers(1, 5))
        X = rng.integers(0, side, (n, d)).astype(float)
        Q = rng.integers(0, 2 * side, (m, d)) / 2.0  # lattice points and half-way points
    else:
        pool = rng.random((draw(st.integers(1, 6)), d))
        X = pool[rng.integers(0, len(pool), n)]
        Q = np.vstack([pool, rng.random((m, d))])[:m]
    # Some queries are training points themselves (distance exactly 0).
    from_training = rng.random(m) < 0.3
    Q[from_training] = X[rng.integers(0, n, from_training.sum())]
    leaf_size = draw(st.integers(1, 8))
    k_mode = draw(st.sampled_from(["any", "tie boundary", "all"]))
    return X, Q, k_mode, draw(st.integers(1, n)), leaf_size


def reference(X, Q, metric, params):
    table = get_metric(metric, data=X, **params).pairwise(Q, X)
    index = np.broadcast_to(np.arange(X.shape[0]), table.shape)
    order = np.lexsort((index, table), axis=-1)
    return table, order


def choose_k(table, order, k_mode, k_any):
    """A k in 1..n; "tie boundary" ends k inside a group of equal distances when there is one."""
    n = table.shape[1]
    if k_mode == "all":
        return n
    if k_mode == "tie boundary":
        sorted_row = table[0, order[0]]
        tied = np.flatnonzero(sorted_row[1:] == sorted_row[:-1])  # positions i with d[i] == d[i+1]
        if len(tied):
            return int(tied[len(tied) // 2]) + 1  # the k-th and (k+1)-th distances are equal
    return k_any


def metric_params(metric, params, d):
    return {"VI": mahalanobis_VI(d)} if params is None else params


@pytest.mark.parametrize("metric, params", METRIC_CASES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=tie_heavy_problems())
def test_query_is_identical_across_indexes(metric, params, problem):
    X, Q, k_mode, k_any, leaf_size = problem
    params = metric_params(metric, params, X.shape[1])
    table, order = reference(X, Q, metric, params)
    k = choose_k(table, order, k_mode, k_any)
    ref_ind = order[:, :k]
    ref_dist = np.take_along_axis(table, ref_ind, 1)
    for cls in indexes_for(metric):
        extra = {} if cls is BruteForce else {"leaf_size": leaf_size}
        dist, ind = cls(X, metric=metric, **extra, **params).query(Q, k=k)
        assert_array_equal(ind, ref_ind, err_msg=f"{cls.__name__} indices, k={k}")
        assert_array_equal(dist, ref_dist, err_msg=f"{cls.__name__} distances, k={k}")


@pytest.mark.parametrize("metric, params", METRIC_CASES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=tie_heavy_problems())
def test_query_radius_is_identical_across_indexes(metric, params, problem):
    X, Q, k_mode, k_any, leaf_size = problem
    params = metric_params(metric, params, X.shape[1])
    table, order = reference(X, Q, metric, params)
    k = choose_k(table, order, k_mode, k_any)
    # A radius equal to a real distance puts points exactly on the boundary (inclusive).
    r = table[0, order[0, k - 1]]
    answers = []
    for cls in indexes_for(metric):
        extra = {} if cls is BruteForce else {"leaf_size": leaf_size}
        dist, ind = cls(X, metric=metric, **extra, **params).query_radius(Q, r)
        answers.append((cls.__name__, dist, ind))
    for row in range(len(Q)):
        inside = np.flatnonzero(table[row] <= r)
        expected = inside[np.lexsort((inside, table[row, inside]))]
        for name, dist, ind in answers:
            assert_array_equal(ind[row], expected, err_msg=f"{name} row {row}")
            assert_array_equal(dist[row], table[row, expected], err_msg=f"{name} row {row}")
    assert k <= len(answers[0][2][0])  # the first query's k nearest are all inside


@settings(max_examples=30, deadline=None)
@given(problem=tie_heavy_problems())
def test_trace_agrees_with_the_batch_on_tie_heavy_data(problem):
    X, Q, k_mode, k_any, leaf_size = problem
    table, order = reference(X, Q, "euclidean", {})
    k = choose_k(table, order, k_mode, k_any)
    for cls in (KDTree, BallTree):
        tree = cls(X, leaf_size=leaf_size)
        dist, ind = tree.query(Q, k=k)
        record = tree.trace(Q[0], k=k)
        assert_array_equal(record.indices, ind[0])
        assert_array_equal(record.distances, dist[0])
