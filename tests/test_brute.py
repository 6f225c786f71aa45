"""Tests of knnlib.search.BruteForce (both scans: "plain" and the fast "gemm" path).

Expected answers come from hand computation, from scikit-learn, or from a
reference that sorts the whole distance table by (distance, index) with
``np.lexsort``: never from BruteForce itself.
"""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose
from sklearn.neighbors import NearestNeighbors

from knnlib import BruteForce
from knnlib.metrics import get_metric
from knnlib.search import brute

EUCLIDEAN_METHODS = ("plain", "gemm")


# -- the reference: a full stable sort of every distance ---------------------------------------
def reference_query(X, Q, k, metric="euclidean", **params):
    """The k nearest by a full sort of the distance table by (distance, index)."""
    table = get_metric(metric, data=np.asarray(X, float), **params).pairwise(
        np.asarray(Q, float), np.asarray(X, float)
    )
    index = np.broadcast_to(np.arange(table.shape[1]), table.shape)
    order = np.lexsort((index, table), axis=-1)[:, :k]
    return np.take_along_axis(table, order, 1), order


def reference_radius(X, Q, r, metric="euclidean", **params):
    """Per query: every index with distance <= r, ordered by (distance, index)."""
    table = get_metric(metric, data=np.asarray(X, float), **params).pairwise(
        np.asarray(Q, float), np.asarray(X, float)
    )
    dists, inds = [], []
    for row in table:
        inside = np.flatnonzero(row <= r)
        order = np.lexsort((inside, row[inside]))
        dists.append(row[inside][order])
        inds.append(inside[order])
    return dists, inds


def assert_same_as_reference(index, X, Q, k, metric="euclidean", **params):
    dist, ind = index.query(Q, k)
    ref_dist, ref_ind = reference_query(X, Q, k, metric, **params)
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_array_equal(dist, ref_dist)  # bit for bit: both from Metric.rowwise


# A fast-path layout small enough that tiny data still has several tiles,
# groups and padding rows, and several query chunks.
SMALL_LAYOUT = dict(_BLOCK_SIZE=3, _BLOCKS_PER_TILE=4, _QUERIES_PER_CHUNK=5, _TARGET_GROUPS=3)


def build_and_query(X, Q, k, method, layout=None):
    if layout is None:
        index = BruteForce(X, method=method)
        return index, index.query(Q, k)
    with mock.patch.multiple(brute, **layout):
        index = BruteForce(X, method=method)
        return index, index.query(Q, k)


# -- hand-built cases --------------------------------------------------------------------------
@pytest.mark.parametrize("method", EUCLIDEAN_METHODS)
def test_four_equidistant_points_come_in_index_order(method):
    # The query (0, 0) is at distance exactly 1 from the points 1, 2, 4, 5.
    X = [[3.0, 3.0], [0.0, 1.0], [-1.0, 0.0], [2.0, 2.0], [1.0, 0.0], [0.0, -1.0]]
    index = BruteForce(X, method=method)
    dist, ind = index.query([[0.0, 0.0]], k=4)
    assert ind.tolist() == [[1, 2, 4, 5]]
    assert dist.tolist() == [[1.0, 1.0, 1.0, 1.0]]
    dist, ind = index.query([[0.0, 0.0]], k=2)
    assert ind.tolist() == [[1, 2]]  # a tie at the k-th place goes to the smaller index
    dist, ind = index.query([[0.0, 0.0]], k=5)
    assert ind.tolist() == [[1, 2, 4, 5, 3]]
    assert dist[0, 4] == np.sqrt(8.0)


@pytest.mark.parametrize("metric", ["manhattan", "chebyshev", "minkowski"])
def test_four_equidistant_points_for_other_metrics(metric):
    X = [[3.0, 3.0], [0.0, 2.0], [-2.0, 0.0], [3.0, 1.0], [2.0, 0.0], [0.0, -2.0]]
    dist, ind = BruteForce(X, metric=metric).query([[0.0, 0.0]], k=3)
    assert ind.tolist() == [[1, 2, 4]]
    assert dist.tolist() == [[2.0, 2.0, 2.0]]


@pytest.mark.parametrize("method", EUCLIDEAN_METHODS)
def test_duplicates_beyond_k_keep_the_smallest_indices(method):
    # Six copies of one point, all at distance 5 from the query; k = 3.
    X = np.array([[9.0, 9.0]] + [[3.0, 4.0]] * 6 + [[-9.0, 9.0]])
    dist, ind = BruteForce(X, method=method).query([[0.0, 0.0]], k=3)
    assert ind.tolist() == [[1, 2, 3]]
    assert dist.tolist() == [[5.0, 5.0, 5.0]]


@pytest.mark.parametrize("method", EUCLIDEAN_METHODS)
def test_k_equal_to_n_samples_sorts_everything(method):
    X = [[4.0], [1.0], [-1.0], [2.0], [1.0]]
    dist, ind = BruteForce(X, method=method).query([[0.0], [3.0]], k=5)
    assert ind.tolist() == [[1, 2, 4, 3, 0], [0, 3, 1, 4, 2]]
    assert dist.tolist() == [[1.0, 1.0, 1.0, 2.0, 4.0], [1.0, 1.0, 2.0, 2.0, 4.0]]


@pytest.mark.parametrize("method", EUCLIDEAN_METHODS)
def test_an_exact_duplicate_is_at_distance_exactly_zero(method):
    # Far from the origin, ||q||^2 - 2 q.x + ||x||^2 would not give 0 here.
    rng = np.random.default_rng(3)
    X = 1e6 + rng.random((500, 3))
    Q = X[[7, 123, 499]]
    dist, ind = BruteForce(X, method=method).query(Q, k=1)
    assert ind.ravel().tolist() == [7, 123, 499]
    assert np.all(dist == 0.0)


@pytest.mark.parametrize(
    "metric, params",
    [("manhattan", {}), ("chebyshev", {}), ("minkowski", {"p": 3}), ("cosine", {}),
     ("mahalanobis", {"VI": np.diag([1.0, 4.0])})],
)
def test_an_exact_duplicate_is_at_distance_zero_for_every_metric(metric, params):
    X = np.array([[1.5, 2.5], [3.0, -1.0], [0.1, 0.2]])
    dist, ind = BruteForce(X, metric=metric, **params).query(X, k=1)
    assert ind.ravel().tolist() == [0, 1, 2]
    assert np.all(dist == 0.0)


def test_return_distance_false_returns_only_the_indices():
    X = [[0.0], [1.0], [3.0]]
    ind = BruteForce(X).query([[2.9]], k=2, return_distance=False)
    assert ind.tolist() == [[2, 1]]
    ind = BruteForce(X).query_radius([[2.9]], r=2.0, return_distance=False)
    assert ind[0].tolist() == [2, 1]


def test_work_counters_say_every_point_was_measured():
    X = np.random.default_rng(0).random((5000, 2))
    index = BruteForce(X)
    index.query(X[:7], k=3)
    assert index.last_stats.n_distance_evaluations.tolist() == [5000] * 7
    assert index.last_stats.n_nodes_visited.tolist() == [0] * 7
    index.query_radius(X[:4], r=0.1)
    assert index.last_stats.n_distance_evaluations.tolist() == [5000] * 4
    assert index.last_stats.n_nodes_visited.tolist() == [0] * 4


def test_auto_picks_the_fast_path_only_where_it_applies():
    big = np.random.default_rng(0).random((5000, 3))
    assert BruteForce(big).method_ == "gemm"
    assert BruteForce(big, metric="minkowski", p=2).method_ == "gemm"
    assert BruteForce(big, metric="minkowski", p=3).method_ == "plain"
    assert BruteForce(big, metric="manhattan").method_ == "plain"
    assert BruteForce(big[:100]).method_ == "plain"
    assert BruteForce(big[:100], method="gemm").method_ == "gemm"
    # Norms that would overflow the matrix product: auto falls back to the plain scan.
    assert BruteForce(big * 1e100).method_ == "plain"


# -- against scikit-learn ----------------------------------------------------------------------
_rng = np.random.default_rng(11)
X_FLOAT = _rng.normal(size=(600, 4))
Q_FLOAT = _rng.normal(size=(80, 4))
VI = np.linalg.inv(np.cov(X_FLOAT, rowvar=False))

# (case id, knnlib metric and params, scikit-learn NearestNeighbors keyword arguments, knnlib method)
SKLEARN_CASES = [
    ("euclidean-plain", "euclidean", {}, {"metric": "euclidean"}, "plain"),
    ("euclidean-gemm", "euclidean", {}, {"metric": "euclidean"}, "gemm"),
    ("minkowski-p2-gemm", "minkowski", {"p": 2}, {"metric": "minkowski", "p": 2}, "gemm"),
    ("manhattan", "manhattan", {}, {"metric": "manhattan"}, "auto"),
    ("chebyshev", "chebyshev", {}, {"metric": "chebyshev"}, "auto"),
    ("minkowski-p1.5", "minkowski", {"p": 1.5}, {"metric": "minkowski", "p": 1.5}, "auto"),
    ("minkowski-p3", "minkowski", {"p": 3}, {"metric": "minkowski", "p": 3}, "auto"),
    ("cosine", "cosine", {}, {"metric": "cosine"}, "auto"),
    ("mahalanobis", "mahalanobis", {"VI": VI}, {"metric": "mahalanobis", "metric_params": {"VI": VI}}, "auto"),
]


@pytest.mark.parametrize("k", [1, 5, 40])
@pytest.mark.parametrize(
    "metric, params, sk_kwargs, method", [c[1:] for c in SKLEARN_CASES], ids=[c[0] for c in SKLEARN_CASES]
)
def test_same_neighbours_as_scikit_learn(metric, params, sk_kwargs, method, k):
    dist, ind = BruteForce(X_FLOAT, metric=metric, method=method, **params).query(Q_FLOAT, k)
    sk_dist, sk_ind = NearestNeighbors(n_neighbors=k, algorithm="brute", **sk_kwargs).fit(X_FLOAT).kneighbors(Q_FLOAT)
    np.testing.assert_array_equal(ind, sk_ind)
    assert_allclose(dist, sk_dist, rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", ["uniform", "clustered"])
def test_fast_path_agrees_with_scikit_learn_at_a_realistic_size(kind):
    rng = np.random.default_rng(5)
    if kind == "uniform":
        X, Q = rng.random((20_000, 3)), rng.random((300, 3))
    else:
        centres = rng.random((10, 3))
        X = centres[rng.integers(0, 10, 20_000)] + 0.01 * rng.normal(size=(20_000, 3))
        Q = centres[rng.integers(0, 10, 300)] + 0.01 * rng.normal(size=(300, 3))
    index = BruteForce(X)
    assert index.method_ == "gemm"
    dist, ind = index.query(Q, k=5)
    sk_dist, sk_ind = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(X).kneighbors(Q)
    np.testing.assert_array_equal(ind, sk_ind)
    # scikit-learn's own distances come from the rounded GEMM formula; 1e-9 is its accuracy here.
    assert_allclose(dist, sk_dist, rtol=1e-9, atol=0)
    assert_same_as_reference(index, X, Q, 5)


def test_query_radius_matches_scikit_learn():
    index = BruteForce(X_FLOAT, metric="manhattan")
    dists, inds = index.query_radius(Q_FLOAT, r=2.5)
    sk_dists, sk_inds = NearestNeighbors(algorithm="brute", metric="manhattan").fit(X_FLOAT).radius_neighbors(
        Q_FLOAT, radius=2.5, sort_results=True
    )
    for d, i, sk_d, sk_i in zip(dists, inds, sk_dists, sk_inds):
        np.testing.assert_array_equal(i, sk_i)
        assert_allclose(d, sk_d, rtol=1e-12, atol=0)


# -- tie-heavy data against the full stable sort -----------------------------------------------
def lattice(rng, n, n_features, side):
    return rng.integers(0, side, size=(n, n_features)).astype(float)


@pytest.mark.parametrize("layout", [None, SMALL_LAYOUT], ids=["default-layout", "small-layout"])
@pytest.mark.parametrize("method", EUCLIDEAN_METHODS)
def test_integer_lattice_with_many_ties(method, layout):
    rng = np.random.default_rng(1)
    X = lattice(rng, 400, 2, 6)  # 400 points on 36 sites: every distance is tied many times
    Q = np.vstack([lattice(rng, 30, 2, 6), lattice(rng, 30, 2, 6) + 0.5])
    for k in (1, 3, 11, 12, 13, 50, 400):
        index, (dist, ind) = build_and_query(X, Q, k, method, layout)
        ref_dist, ref_ind = reference_query(X, Q, k)
        np.testing.assert_array_equal(ind, ref_ind)
        np.testing.assert_array_equal(dist, ref_dist)


@pytest.mark.parametrize("metric, params", [
    ("manhattan", {}), ("chebyshev", {}), ("minkowski", {"p": 3}), ("minkowski", {"p": np.inf}),
    ("cosine", {}), ("mahalanobis", {"VI": np.array([[2.0, 0.5], [0.5, 1.0]])}),
])
def test_integer_lattice_with_many_ties_other_metrics(metric, params):
    rng = np.random.default_rng(2)
    X = lattice(rng, 300, 2, 5) + 1.0  # + 1: no zero vectors for cosine
    Q = np.vstack([lattice(rng, 20, 2, 5) + 1.0, lattice(rng, 20, 2, 5) + 1.5])
    for k in (1, 4, 9, 30, 300):
        assert_same_as_reference(BruteForce(X, metric=metric, **params), X, Q, k, metric, **params)


def test_k_at_the_tie_boundary():
    # Query at the origin; the 4 points at distance 1 are tied for places 2 to 5.
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, 2.0]])
    X = np.tile(X, (3, 1))  # and each point three times: 12 points at distance 1
    for method in EUCLIDEAN_METHODS:
        for k in (3, 4, 14, 15):
            index, (dist, ind) = build_and_query(X, [[0.0, 0.0]], k, method, SMALL_LAYOUT)
            ref_dist, ref_ind = reference_query(X, [[0.0, 0.0]], k)
            np.testing.assert_array_equal(ind, ref_ind)
            np.testing.assert_array_equal(dist, ref_dist)
    _, ind = BruteForce(X).query([[0.0, 0.0]], k=4)
    assert ind.tolist() == [[0, 7, 14, 2]]


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n_features=st.integers(1, 4),
    side=st.integers(1, 4),
    n_samples=st.integers(1, 120),
    n_queries=st.integers(1, 12),
    method=st.sampled_from(EUCLIDEAN_METHODS),
    small_layout=st.booleans(),
)
def test_property_lattices_and_duplicates_match_the_full_sort(
    data, n_features, side, n_samples, n_queries, method, small_layout
):
    X = data.draw(hnp.arrays(np.int8, (n_samples, n_features), elements=st.integers(0, side))).astype(float)
    Q = data.draw(hnp.arrays(np.int8, (n_queries, n_features), elements=st.integers(-1, side + 1))).astype(float)
    Q = Q / data.draw(st.sampled_from([1.0, 2.0]))  # queries on the lattice or halfway between
    k = data.draw(st.integers(1, n_samples))
    index, (dist, ind) = build_and_query(X, Q, k, method, SMALL_LAYOUT if small_layout else None)
    ref_dist, ref_ind = reference_query(X, Q, k)
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_array_equal(dist, ref_dist)


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    metric=st.sampled_from(["euclidean", "manhattan", "chebyshev", "minkowski", "cosine"]),
)
def test_property_random_floats_with_duplicates_match_the_full_sort(data, metric):
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_samples, n_features = data.draw(st.integers(1, 80)), data.draw(st.integers(1, 5))
    X = rng.normal(size=(n_samples, n_features))
    X = X[rng.integers(0, n_samples, n_samples)]  # many exact duplicates
    Q = np.vstack([X[: data.draw(st.integers(0, 5))], rng.normal(size=(3, n_features))])
    k = data.draw(st.integers(1, n_samples))
    assert_same_as_reference(BruteForce(X, metric=metric), X, Q, k, metric)


# -- the fast path on adversarial data ---------------------------------------------------------
def adversarial_cases():
    rng = np.random.default_rng(0)
    L = lattice(rng, 3000, 3, 5)
    base = rng.random((3000, 2))
    near_duplicates = np.repeat(base[:300], 10, axis=0) + np.spacing(1.0) * rng.integers(-3, 4, (3000, 2))
    with_outlier = rng.random((3000, 2))
    with_outlier[17] = 1e7
    return {
        # A lattice 1e8 from the origin: ties everywhere, and a centring that is not exact.
        "lattice-at-1e8": (1e8 + L, 1e8 + np.vstack([lattice(rng, 100, 3, 5), lattice(rng, 100, 3, 5) + 0.5])),
        # 1e6 + small spread: the uncentred formula would cancel catastrophically.
        "offset-1e6-spread-1e-3": (1e6 + 1e-3 * L, 1e6 + 1e-3 * (lattice(rng, 200, 3, 5) + 0.5)),
        # Clumps of points a few units in the last place apart.
        "near-duplicates": (near_duplicates, base[:200] + 1e-9),
        # One point far away inflates the margin for everyone.
        "far-outlier": (with_outlier, rng.random((200, 2))),
        # Queries far outside the data, and some astronomically far (plain fallback).
        "far-queries": (rng.random((3000, 2)), np.vstack([1e5 + rng.random((50, 2)), 1e80 * rng.random((5, 2))])),
    }


ADVERSARIAL = adversarial_cases()


@pytest.mark.parametrize("k", [1, 5, 17])
@pytest.mark.parametrize("case", list(ADVERSARIAL))
def test_fast_path_is_exact_on_adversarial_data(case, k):
    X, Q = ADVERSARIAL[case]
    index = BruteForce(X, method="gemm")
    assert index.method_ == "gemm"
    assert_same_as_reference(index, X, Q, k)


def test_adversarial_data_really_needs_the_rounding_margin():
    # Switching the margin off makes the fast path wrong on these inputs, so the
    # test above would catch a margin that is too small.
    for case in ("lattice-at-1e8", "near-duplicates", "far-outlier"):
        X, Q = ADVERSARIAL[case]
        _, ref_ind = reference_query(X, Q, 5)
        with mock.patch.multiple(brute, _UNIT_ROUNDOFF=0.0, _SMALLEST_NORMAL=0.0):
            try:
                _, ind = BruteForce(X, method="gemm").query(Q, 5)
                wrong = not np.array_equal(ind, ref_ind)
            except IndexError:  # fewer than k candidates survived
                wrong = True
        assert wrong, case


def test_fast_and_plain_paths_agree_over_several_query_chunks():
    rng = np.random.default_rng(9)
    X = rng.random((7000, 5))
    Q = rng.random((brute._QUERIES_PER_CHUNK * 2 + 7, 5))
    fast = BruteForce(X, method="gemm").query(Q, 8)
    plain = BruteForce(X, method="plain").query(Q, 8)
    np.testing.assert_array_equal(fast[1], plain[1])
    np.testing.assert_array_equal(fast[0], plain[0])


def test_plain_path_chunking_does_not_change_the_answer():
    rng = np.random.default_rng(4)
    X, Q = lattice(rng, 200, 2, 5), lattice(rng, 30, 2, 5)
    whole = BruteForce(X, metric="manhattan").query(Q, 7)
    with mock.patch.object(brute, "_PLAIN_PAIRS_PER_CHUNK", 1):
        chunked = BruteForce(X, metric="manhattan").query(Q, 7)
        chunked_radius = BruteForce(X, metric="manhattan").query_radius(Q, 2.0)
    np.testing.assert_array_equal(whole[1], chunked[1])
    ref_dists, ref_inds = reference_radius(X, Q, 2.0, "manhattan")
    for i, ref_i in zip(chunked_radius[1], ref_inds):
        np.testing.assert_array_equal(i, ref_i)


# -- query_radius ------------------------------------------------------------------------------
def test_query_radius_is_inclusive():
    X = [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [2.0, 0.0], [0.0, 0.5]]
    index = BruteForce(X)
    dists, inds = index.query_radius([[0.0, 0.0]], r=1.0)
    assert inds[0].tolist() == [4, 0, 1, 2]  # ordered by (distance, index); the three at exactly 1 included
    assert dists[0].tolist() == [0.5, 1.0, 1.0, 1.0]
    dists, inds = index.query_radius([[0.0, 0.0]], r=np.nextafter(1.0, 0.0))
    assert inds[0].tolist() == [4]
    dists, inds = index.query_radius([[0.0, 0.0], [5.0, 5.0]], r=[0.5, 0.1])
    assert inds[0].tolist() == [4]
    assert inds[1].tolist() == [] and inds[1].dtype.kind == "i"
    assert dists[1].tolist() == []


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    metric=st.sampled_from(["euclidean", "manhattan", "chebyshev", "minkowski", "mahalanobis"]),
)
def test_property_query_radius_matches_the_reference(data, metric):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n_features = data.draw(st.integers(1, 3))
    X = lattice(rng, data.draw(st.integers(1, 60)), n_features, 4)
    Q = lattice(rng, data.draw(st.integers(1, 6)), n_features, 4)
    params = {"VI": np.eye(n_features) * 2.0} if metric == "mahalanobis" else {}
    table = get_metric(metric, **params).pairwise(Q, X)
    r = float(data.draw(st.sampled_from(sorted(set(table.ravel().tolist())))))  # a radius some points sit exactly on
    dists, inds = BruteForce(X, metric=metric, **params).query_radius(Q, r)
    ref_dists, ref_inds = reference_radius(X, Q, r, metric, **params)
    assert len(inds) == len(ref_inds) == Q.shape[0]
    for d, i, ref_d, ref_i in zip(dists, inds, ref_dists, ref_inds):
        np.testing.assert_array_equal(i, ref_i)
        np.testing.assert_array_equal(d, ref_d)


def test_query_radius_fast_metric_on_large_data_matches_the_reference():
    rng = np.random.default_rng(6)
    X, Q = rng.random((6000, 3)), rng.random((40, 3))
    index = BruteForce(X)
    assert index.method_ == "gemm"
    dists, inds = index.query_radius(Q, r=0.05)
    ref_dists, ref_inds = reference_radius(X, Q, 0.05)
    for d, i, ref_d, ref_i in zip(dists, inds, ref_dists, ref_inds):
        np.testing.assert_array_equal(i, ref_i)
        np.testing.assert_array_equal(d, ref_d)


# -- bad input -----------------------------------------------------------------------------------
X4 = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 8.0]])

# (case id, action, expected exception, phrases the message must contain)
BAD_INPUT = [
    ("k-zero", lambda: BruteForce(X4).query(X4, k=0), ValueError, ["k must be >= 1", "k = 0"]),
    ("k-negative", lambda: BruteForce(X4).query(X4, k=-2), ValueError, ["k must be >= 1", "k = -2"]),
    ("k-too-large", lambda: BruteForce(X4).query(X4, k=5), ValueError, ["k = 5", "n_samples_fit = 4"]),
    ("k-too-large-gemm", lambda: BruteForce(X4, method="gemm").query(X4, k=9), ValueError, ["k = 9", "n_samples_fit = 4"]),
    ("k-float", lambda: BruteForce(X4).query(X4, k=2.0), TypeError, ["k must be an integer", "2.0", "float"]),
    ("k-bool", lambda: BruteForce(X4).query(X4, k=True), TypeError, ["k must be an integer", "True", "bool"]),
    ("k-string", lambda: BruteForce(X4).query(X4, k="3"), TypeError, ["k must be an integer", "'3'", "str"]),
    ("k-none", lambda: BruteForce(X4).query(X4, k=None), TypeError, ["k must be an integer", "None"]),
    ("Q-wrong-features", lambda: BruteForce(X4).query([[1.0, 2.0, 3.0]], k=1),
     ValueError, ["Q has 3 features", "built on 2 features"]),
    ("Q-wrong-features-radius", lambda: BruteForce(X4).query_radius([[1.0]], r=1.0),
     ValueError, ["Q has 1 features", "built on 2 features"]),
    ("Q-nan", lambda: BruteForce(X4).query([[1.0, np.nan]], k=1), ValueError, ["Q contains", "NaN at row 0, column 1"]),
    ("Q-inf-gemm", lambda: BruteForce(X4, method="gemm").query([[0.0, 0.0], [np.inf, 1.0]], k=1),
     ValueError, ["Q contains", "infinity at row 1, column 0"]),
    ("Q-1d", lambda: BruteForce(X4).query([1.0, 2.0], k=1), ValueError, ["Q must be a 2-D array", "shape (2,)"]),
    ("Q-empty", lambda: BruteForce(X4).query(np.zeros((0, 2)), k=1), ValueError, ["Q has 0 samples"]),
    ("Q-cosine-zero-row", lambda: BruteForce(X4 + 1, metric="cosine").query([[0.0, 0.0]], k=1),
     ValueError, ["Q has 1 all-zero row(s)", "row 0"]),
    ("r-negative", lambda: BruteForce(X4).query_radius(X4, r=-0.5), ValueError, ["r must be finite and >= 0", "r = -0.5"]),
    ("r-nan", lambda: BruteForce(X4).query_radius(X4, r=float("nan")), ValueError, ["r must be finite and >= 0", "r = nan"]),
    ("r-inf", lambda: BruteForce(X4).query_radius(X4, r=np.inf), ValueError, ["r must be finite and >= 0", "r = inf"]),
    ("r-string", lambda: BruteForce(X4).query_radius(X4, r="1"), TypeError, ["r must be a number", "'1'"]),
    ("r-bool", lambda: BruteForce(X4).query_radius(X4, r=True), TypeError, ["r must be a number", "True"]),
    ("r-wrong-length", lambda: BruteForce(X4).query_radius(X4, r=[1.0, 2.0]), ValueError, ["r must be", "shape (2,)"]),
    ("X-nan", lambda: BruteForce(np.array([[0.0, np.nan]])), ValueError, ["X contains", "NaN at row 0, column 1"]),
    ("X-3d", lambda: BruteForce(np.zeros((2, 2, 2))), ValueError, ["X must be a 2-D array", "(2, 2, 2)"]),
    ("X-empty", lambda: BruteForce(np.zeros((0, 2))), ValueError, ["X has 0 samples"]),
    ("unknown-metric", lambda: BruteForce(X4, metric="hamming"), ValueError, ["Unknown metric 'hamming'"]),
    ("unknown-metric-param", lambda: BruteForce(X4, metric="manhattan", p=1), TypeError, ["metric 'manhattan'", "['p']"]),
    ("p-below-1", lambda: BruteForce(X4, metric="minkowski", p=0.5), ValueError, ["p must be >= 1", "p = 0.5"]),
    ("unknown-method", lambda: BruteForce(X4, method="fast"), ValueError, ["Unknown method 'fast'", "'gemm'"]),
    ("gemm-with-manhattan", lambda: BruteForce(X4, metric="manhattan", method="gemm"),
     ValueError, ["method 'gemm'", "Euclidean", "manhattan"]),
    ("gemm-with-minkowski-p3", lambda: BruteForce(X4, metric="minkowski", p=3, method="gemm"),
     ValueError, ["method 'gemm'", "p=3.0"]),
    ("gemm-with-overflowing-norms", lambda: BruteForce(X4 * 1e100, method="gemm"),
     ValueError, ["method 'gemm'", "4.8e+100 from their mean", "method='plain'"]),
    ("nan-distance-cosine", lambda: BruteForce([[1e300, 1e300], [1.0, 2.0]], metric="cosine").query([[1e300, 1.0]], k=1),
     ValueError, ["query row 0", "training row 0", "NaN", "Rescale"]),
]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the NaN-distance case overflows on purpose
@pytest.mark.parametrize("action, error, phrases", [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_raises_a_clear_error(action, error, phrases):
    with pytest.raises(error) as excinfo:
        action()
    message = str(excinfo.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
