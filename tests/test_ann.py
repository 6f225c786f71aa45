"""knnlib.ann: the LSH index against hand-built buckets, brute force and scikit-learn.

Expected values come from outside the code under test: buckets worked out by
hand, a plain-NumPy reference (bits and keys computed with explicit loops,
candidates by comparing keys, k best by sorting), knnlib's exact BruteForce
and scikit-learn's NearestNeighbors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.neighbors import NearestNeighbors

import knnlib.ann as ann
from knnlib import BruteForce
from knnlib.ann import MAX_BITS, LSHIndex, recall_at_k


def clustered(n_samples, n_features, seed, n_clusters=10):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_clusters, n_features))
    return centres[rng.integers(0, n_clusters, n_samples)] + rng.normal(size=(n_samples, n_features))


def reference_keys(X, directions, offsets):
    """Bucket keys by explicit loops: bit j of table t is 1 when w . x > b."""
    X = np.asarray(X, dtype=float)
    n_tables, n_bits, _ = directions.shape
    keys = np.zeros((len(X), n_tables), dtype=np.int64)
    for i, x in enumerate(X):
        for t in range(n_tables):
            for j in range(n_bits):
                if float(np.dot(directions[t, j], x)) > offsets[t, j]:
                    keys[i, t] += 2**j
    return keys


def reference_query(index, Q, k):
    """k best candidates by (distance, index), candidates from the reference keys."""
    train_keys = reference_keys(index.data, index.directions_, index.offsets_)
    query_keys = reference_keys(Q, index.directions_, index.offsets_)
    dist = np.full((len(Q), k), np.inf)
    ind = np.full((len(Q), k), -1)
    for i, q in enumerate(np.asarray(Q, dtype=float)):
        candidates = np.flatnonzero((train_keys == query_keys[i]).any(axis=1))
        d = np.sqrt(((index.data[candidates] - q) ** 2).sum(axis=1))
        order = np.lexsort((candidates, d))[:k]
        dist[i, : len(order)] = d[order]
        ind[i, : len(order)] = candidates[order]
    return dist, ind


# -- hand-built buckets -------------------------------------------------------------

QUADRANT_POINTS = np.array([[1.0, 1.0], [2.0, 1.0], [8.0, 8.0], [9.0, 2.0], [7.0, 9.0], [1.0, 6.0]])
# Table 0 asks "x > 5?" (bit 0) and "y > 5?" (bit 1): the four quadrants.
# Table 1 asks "x + y > 10?": the two sides of the anti-diagonal.
QUADRANTS = ([[[1.0, 0.0], [0.0, 1.0]]], [[5.0, 5.0]])


def test_hand_built_quadrants_keys_and_candidates():
    index = LSHIndex.from_hyperplanes(QUADRANT_POINTS, *QUADRANTS)
    # bottom-left 0, bottom-left 0, top-right 1 + 2, bottom-right 1, top-right 3, top-left 2
    assert index.keys_[:, 0].tolist() == [0, 0, 3, 1, 3, 2]
    assert index.candidates([[4.0, 4.0]])[0].tolist() == [0, 1]
    assert index.candidates([[6.0, 6.0]])[0].tolist() == [2, 4]
    assert index.candidates([[6.0, 1.0]])[0].tolist() == [3]
    assert index.hash([[6.0, 6.0], [0.0, 9.0]]).tolist() == [[3], [2]]


def test_hand_built_two_tables_union():
    directions = [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]]
    offsets = [[5.0, 5.0], [10.0, 10.0]]  # table 1: twice the same cut, keys 0 or 3
    index = LSHIndex.from_hyperplanes(QUADRANT_POINTS, directions, offsets)
    assert index.keys_[:, 1].tolist() == [0, 0, 3, 3, 3, 0]  # x + y = 2, 3, 16, 11, 16, 7
    # (4, 7): top-left quadrant {5} in table 0; x + y = 11 > 10, so {2, 3, 4} in table 1.
    assert index.candidates([[4.0, 7.0]])[0].tolist() == [2, 3, 4, 5]
    dist, ind = index.query([[4.0, 7.0]], k=3)
    assert ind.tolist() == [[5, 4, 2]]
    np.testing.assert_allclose(dist[0], [np.hypot(3, 1), np.hypot(3, 2), np.hypot(4, 1)])
    assert index.last_stats.n_candidates.tolist() == [4]
    assert index.last_stats.bucket_sizes.tolist() == [[1, 3]]


def test_fewer_candidates_than_k_are_padded():
    index = LSHIndex.from_hyperplanes(QUADRANT_POINTS, *QUADRANTS)
    dist, ind = index.query([[6.0, 1.0], [4.0, 4.0]], k=3)
    assert ind.tolist() == [[3, -1, -1], [1, 0, -1]]
    np.testing.assert_allclose(dist[0], [np.hypot(3, 1), np.inf, np.inf])
    np.testing.assert_allclose(dist[1], [np.hypot(2, 3), np.hypot(3, 3), np.inf])
    assert index.last_stats.n_candidates.tolist() == [1, 2]


def test_empty_bucket_gives_only_padding():
    index = LSHIndex.from_hyperplanes([[0.0], [1.0]], [[[1.0]]], [[5.0]])
    dist, ind = index.query([[9.0]], k=2)
    assert ind.tolist() == [[-1, -1]] and np.isinf(dist).all()
    assert index.last_stats.n_candidates.tolist() == [0]
    assert index.candidates([[9.0]])[0].tolist() == []


def test_one_bucket_holding_everything_is_exact_with_ties():
    # Every point and query is below the cut, so all share one bucket: the
    # answer must be brute force's, ties in distance going to the smaller index.
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    index = LSHIndex.from_hyperplanes(X, [[[1.0, 0.0]]], [[100.0]])
    Q = [[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]]
    dist, ind = index.query(Q, k=4)
    bf_dist, bf_ind = BruteForce(X).query(Q, k=4)
    assert np.array_equal(ind, bf_ind)
    assert np.array_equal(dist, bf_dist)
    assert ind[0].tolist() == [0, 4, 5, 1]  # 0 at 0; then 4 and 5 tie at sqrt(2); then 1, 2, 3 tie at 2
    assert index.last_stats.n_candidates.tolist() == [6, 6, 6]


@pytest.mark.parametrize("metric, params", [("euclidean", {}), ("manhattan", {}), ("chebyshev", {}),
                                            ("minkowski", {"p": 3})])
def test_exact_when_all_points_are_candidates(metric, params):
    X = clustered(300, 5, seed=1)
    Q = clustered(40, 5, seed=2)
    d = X.shape[1]
    # A cut beyond every point in every table: one bucket holds everything.
    directions = np.tile(np.eye(d)[:2], (3, 1, 1))
    offsets = np.full((3, 2), 1e6)
    index = LSHIndex.from_hyperplanes(X, directions, offsets, metric=metric, **params)
    dist, ind = index.query(Q, k=7)
    assert (index.last_stats.n_candidates == len(X)).all()
    bf_dist, bf_ind = BruteForce(X, metric=metric, **params).query(Q, k=7)
    assert np.array_equal(ind, bf_ind) and np.array_equal(dist, bf_dist)
    sk = NearestNeighbors(n_neighbors=7, metric="minkowski", p=params.get("p", {"euclidean": 2, "manhattan": 1,
                                                                                "chebyshev": np.inf}.get(metric)))
    sk_dist, sk_ind = sk.fit(X).kneighbors(Q)
    np.testing.assert_allclose(dist, sk_dist, rtol=1e-12)
    assert np.array_equal(ind, sk_ind)


def test_random_index_equals_brute_force_wherever_it_saw_everything():
    X = clustered(200, 3, seed=3)
    Q = clustered(100, 3, seed=4)
    index = LSHIndex(X, n_tables=16, n_bits=2, seed=0)
    dist, ind = index.query(Q, k=5)
    full = index.last_stats.n_candidates == len(X)
    assert full.any() and not full.all()  # a meaningful split of the queries
    bf_dist, bf_ind = BruteForce(X).query(Q[full], k=5)
    assert np.array_equal(ind[full], bf_ind) and np.array_equal(dist[full], bf_dist)


# -- against the plain reference ------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(
    n_samples=st.integers(1, 30),
    n_tables=st.integers(1, 4),
    n_bits=st.integers(1, 4),
    k=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_plain_reference_on_integer_grids(n_samples, n_tables, n_bits, k, seed):
    # Small integer coordinates: every distance is exact in floating point,
    # so the reference and the index must agree exactly, ties included.
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(n_samples, 2)).astype(float)
    Q = rng.integers(0, 5, size=(6, 2)).astype(float)
    directions = rng.integers(-2, 3, size=(n_tables, n_bits, 2)).astype(float)
    directions[~np.any(directions != 0, axis=2)] = [1.0, 0.0]
    offsets = rng.integers(-3, 8, size=(n_tables, n_bits)) + 0.5  # never exactly on a grid point's projection
    index = LSHIndex.from_hyperplanes(X, directions, offsets)
    k = min(k, n_samples)
    dist, ind = index.query(Q, k=k)
    ref_dist, ref_ind = reference_query(index, Q, k)
    assert np.array_equal(ind, ref_ind)
    assert np.array_equal(dist, ref_dist)
    assert index.hash(Q).tolist() == reference_keys(Q, index.directions_, index.offsets_).tolist()


def test_random_index_matches_reference_and_keys():
    X = clustered(400, 6, seed=5)
    Q = clustered(30, 6, seed=6)
    index = LSHIndex(X, n_tables=5, n_bits=7, seed=3)
    assert np.array_equal(index.keys_, reference_keys(X, index.directions_, index.offsets_))
    dist, ind = index.query(Q, k=8)
    ref_dist, ref_ind = reference_query(index, Q, 8)
    assert np.array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-13)
    # The returned distances are exact: the same as the exact index's for those points.
    found = ind >= 0
    rows = np.nonzero(found)[0]
    exact = BruteForce(X).metric.rowwise(Q[rows], X[ind[found]])
    assert np.array_equal(dist[found], exact)
    assert np.isinf(dist[~found]).all()


def test_stats_count_candidates_and_buckets():
    X = clustered(500, 4, seed=7)
    Q = clustered(20, 4, seed=8)
    index = LSHIndex(X, n_tables=3, n_bits=5, seed=1)
    index.query(Q, k=3)
    query_keys = reference_keys(Q, index.directions_, index.offsets_)
    expected_sizes = (index.keys_[None, :, :] == query_keys[:, None, :]).sum(axis=1)
    assert index.last_stats.bucket_sizes.tolist() == expected_sizes.tolist()
    expected_candidates = (index.keys_[None, :, :] == query_keys[:, None, :]).any(axis=2).sum(axis=1)
    assert index.last_stats.n_candidates.tolist() == expected_candidates.tolist()
    assert np.array_equal(index.last_stats.n_distance_evaluations, index.last_stats.n_candidates)
    assert [len(c) for c in index.candidates(Q)] == expected_candidates.tolist()


def test_small_batches_give_the_same_answer(monkeypatch):
    X = clustered(600, 4, seed=9)
    Q = clustered(50, 4, seed=10)
    index = LSHIndex(X, n_tables=4, n_bits=3, seed=2)
    expected = index.query(Q, k=6)
    expected_candidates = index.candidates(Q)
    monkeypatch.setattr(ann, "_PAIRS_PER_BATCH", 7)  # smaller than one query's buckets
    monkeypatch.setattr(ann, "_ROWS_PER_HASH_CHUNK", 5)
    got = index.query(Q, k=6)
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])
    assert all(np.array_equal(a, b) for a, b in zip(index.candidates(Q), expected_candidates))


# -- the random hyperplanes -----------------------------------------------------------

@pytest.mark.parametrize("n_samples", [1, 2, 500])
def test_each_hyperplane_goes_through_a_training_point(n_samples):
    X = clustered(n_samples, 3, seed=11)
    index = LSHIndex(X, n_tables=4, n_bits=6, seed=0)
    directions = index.directions_.reshape(-1, 3)
    np.testing.assert_allclose(np.linalg.norm(directions, axis=1), 1.0)
    gaps = X @ directions.T - index.offsets_.reshape(-1)  # (n_samples, hyperplanes)
    lengths = np.linalg.norm(X, axis=1)[:, None]
    # Some training point lies on each hyperplane, a hair (1e-9 of its length) on the 0 side ...
    on_plane = (gaps < 0) & (gaps > -2e-9 * lengths)
    assert on_plane.any(axis=0).all()
    # ... and every other point is clearly on one side.
    assert (np.abs(gaps)[~on_plane] > 1e-6).all()


def test_through_points_hash_the_same_alone_and_in_a_batch():
    X = clustered(5000, 24, seed=19)
    index = LSHIndex(X, n_tables=8, n_bits=20, seed=4)
    gaps = np.abs(X @ index.directions_.reshape(-1, 24).T - index.offsets_.reshape(-1))
    through = np.unique(np.argmin(gaps, axis=0))
    alone = np.vstack([index.hash(X[i : i + 1]) for i in through])
    assert np.array_equal(alone, index.keys_[through])
    assert np.array_equal(index.hash(X[through]), index.keys_[through])


def test_every_training_point_finds_itself():
    X = clustered(2000, 8, seed=12)
    index = LSHIndex(X, n_tables=2, n_bits=10, seed=0)
    dist, ind = index.query(X, k=1)
    assert np.array_equal(ind[:, 0], np.arange(len(X)))
    assert (dist[:, 0] == 0.0).all()
    one_at_a_time = np.vstack([index.hash(X[i : i + 1]) for i in range(0, 2000, 97)])
    assert np.array_equal(one_at_a_time, index.keys_[::97])


def test_seed_fixes_the_hyperplanes():
    X = clustered(300, 4, seed=13)
    a, b, c = LSHIndex(X, 3, 4, seed=5), LSHIndex(X, 3, 4, seed=5), LSHIndex(X, 3, 4, seed=6)
    assert np.array_equal(a.directions_, b.directions_) and np.array_equal(a.keys_, b.keys_)
    assert not np.array_equal(a.directions_, c.directions_)


def test_more_tables_contain_fewer_tables():
    X = clustered(300, 4, seed=14)
    small, large = LSHIndex(X, n_tables=2, n_bits=5, seed=1), LSHIndex(X, n_tables=6, n_bits=5, seed=1)
    assert np.array_equal(large.directions_[:2], small.directions_)
    assert np.array_equal(large.keys_[:, :2], small.keys_)


def test_recall_increases_with_tables():
    X = clustered(3000, 16, seed=15)
    Q = clustered(200, 16, seed=16)
    _, true = BruteForce(X).query(Q, k=10)
    recalls, mean_candidates, previous = [], [], None
    for n_tables in (1, 2, 4, 8, 16):
        index = LSHIndex(X, n_tables=n_tables, n_bits=4, seed=0)
        recalls.append(recall_at_k(index.query(Q, k=10)[1], true))
        mean_candidates.append(index.last_stats.n_candidates.mean())
        candidates = index.candidates(Q)
        if previous is not None:  # each query's candidates can only grow
            assert all(np.isin(p, c).all() for p, c in zip(previous, candidates))
        previous = candidates
    assert recalls == sorted(recalls)
    assert recalls[0] < 0.5 and recalls[-1] > 0.95, recalls
    assert mean_candidates == sorted(mean_candidates)


def test_recall_falls_with_bits():
    X = clustered(3000, 16, seed=17)
    Q = clustered(200, 16, seed=18)
    _, true = BruteForce(X).query(Q, k=10)
    recalls = [recall_at_k(LSHIndex(X, n_tables=4, n_bits=b, seed=0).query(Q, k=10)[1], true) for b in (2, 6, 12)]
    assert recalls[0] > recalls[1] > recalls[2]


# -- recall@k ---------------------------------------------------------------------------

def test_recall_at_k_by_hand():
    assert recall_at_k([[0, 1, 2], [5, 6, -1]], [[0, 2, 9], [5, 6, 7]]) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert recall_at_k([[3, 2, 1]], [[1, 2, 3]]) == 1.0  # order does not matter
    assert recall_at_k([[-1, -1]], [[0, 1]]) == 0.0
    assert recall_at_k(np.array([[4]], dtype=np.int32), np.array([[4]])) == 1.0


def test_recall_at_k_bad_input():
    with pytest.raises(ValueError, match=r"same shape \(m, k\), got shapes \(1, 2\) and \(1, 3\)"):
        recall_at_k([[0, 1]], [[0, 1, 2]])
    with pytest.raises(ValueError, match="2-D"):
        recall_at_k([0, 1], [0, 1])
    with pytest.raises(TypeError, match="integer indices"):
        recall_at_k([[0.5]], [[0]])


# -- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"n_tables": 0}, ValueError, "n_tables must be >= 1, got n_tables = 0"),
        ({"n_tables": 2.0}, TypeError, "n_tables must be an integer, got 2.0"),
        ({"n_tables": True}, TypeError, "n_tables must be an integer"),
        ({"n_bits": "8"}, TypeError, "n_bits must be an integer, got '8'"),
        ({"n_bits": 0}, ValueError, "n_bits must be >= 1"),
        ({"n_bits": MAX_BITS + 1}, ValueError, f"n_bits must be <= {MAX_BITS}.*got n_bits = {MAX_BITS + 1}"),
        ({"seed": -1}, ValueError, "seed must be >= 0, got seed = -1"),
        ({"seed": 1.5}, TypeError, "seed must be an integer, got seed = 1.5"),
        ({"metric": "cosine"}, ValueError, "LSHIndex does not support metric 'cosine'"),
        ({"metric": "hamming"}, ValueError, "Unknown metric 'hamming'"),
        ({"metric": "minkowski", "p": 0.5}, ValueError, "p must be >= 1"),
    ],
)
def test_bad_parameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        LSHIndex(clustered(20, 3, seed=0), **kwargs)


def test_bad_data_and_queries():
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        LSHIndex([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="X contains 1 non-finite value"):
        LSHIndex([[0.0, np.nan], [1.0, 1.0]])
    index = LSHIndex(clustered(20, 3, seed=0), n_tables=2, n_bits=2)
    with pytest.raises(ValueError, match="Q has 2 features, but the index was built on 3 features"):
        index.query([[0.0, 1.0]], k=1)
    with pytest.raises(ValueError, match="Expected k <= n_samples_fit, but k = 21, n_samples_fit = 20"):
        index.query([[0.0, 1.0, 2.0]], k=21)
    with pytest.raises(ValueError, match="k must be >= 1"):
        index.query([[0.0, 1.0, 2.0]], k=0)
    with pytest.raises(TypeError, match="Q must be a numeric array"):
        index.hash("points")
    with pytest.raises(ValueError, match="Q has 2 features"):
        index.candidates([[0.0, 1.0]])


@pytest.mark.parametrize(
    "directions, offsets, message",
    [
        ([[[1.0, 0.0, 0.0]]], [[0.0]], r"directions must have shape \(n_tables, n_bits, 2\)"),
        ([[1.0, 0.0]], [[0.0]], r"directions must have shape"),
        ([[[1.0, 0.0]]], [0.0], r"offsets must have shape \(1, 1\)"),
        ([[[0.0, 0.0]]], [[0.0]], r"directions\[0, 0\] is the zero vector"),
        ([[[np.nan, 1.0]]], [[0.0]], "must be finite"),
        ([[[1.0, 0.0]]], [[np.inf]], "must be finite"),
        (np.ones((1, MAX_BITS + 1, 2)), np.zeros((1, MAX_BITS + 1)), f"1 to {MAX_BITS} bits"),
    ],
)
def test_bad_hand_built_hyperplanes(directions, offsets, message):
    with pytest.raises(ValueError, match=message):
        LSHIndex.from_hyperplanes([[0.0, 0.0], [1.0, 1.0]], directions, offsets)


def test_repr():
    index = LSHIndex(clustered(20, 3, seed=0), n_tables=2, n_bits=3)
    assert repr(index) == "LSHIndex(n_samples=20, n_features=3, n_tables=2, n_bits=3, metric=Metric('euclidean'))"
