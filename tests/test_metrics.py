"""Tests of knnlib.metrics: values, bit-reproducibility and bad input.

Expected values come from SciPy and scikit-learn, never from knnlib itself.
"""

import numpy as np
import pytest
import scipy.spatial.distance as ssd
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.metrics import pairwise_distances as sk_pairwise_distances

from knnlib import metrics
from knnlib.metrics import METRICS, get_metric, pairwise_distances

RTOL = 1e-12

_rng = np.random.default_rng(7)
X = _rng.normal(size=(40, 4))
Y = _rng.normal(size=(25, 4))
# An inverse covariance that is clearly not the identity (correlated features).
_A = _rng.normal(size=(4, 4))
VI = np.linalg.inv(_A @ _A.T + 0.5 * np.eye(4))
VI = (VI + VI.T) / 2

# (case id, knnlib metric, knnlib params, SciPy cdist metric and params, scikit-learn metric and params)
CASES = [
    ("euclidean", "euclidean", {}, ("euclidean", {}), ("euclidean", {})),
    ("manhattan", "manhattan", {}, ("cityblock", {}), ("manhattan", {})),
    ("chebyshev", "chebyshev", {}, ("chebyshev", {}), ("chebyshev", {})),
    ("minkowski-p1", "minkowski", {"p": 1}, ("minkowski", {"p": 1}), ("minkowski", {"p": 1})),
    ("minkowski-p1.5", "minkowski", {"p": 1.5}, ("minkowski", {"p": 1.5}), ("minkowski", {"p": 1.5})),
    ("minkowski-p2", "minkowski", {"p": 2}, ("minkowski", {"p": 2}), ("minkowski", {"p": 2})),
    ("minkowski-p3", "minkowski", {"p": 3}, ("minkowski", {"p": 3}), ("minkowski", {"p": 3})),
    ("minkowski-p7.5", "minkowski", {"p": 7.5}, ("minkowski", {"p": 7.5}), ("minkowski", {"p": 7.5})),
    ("minkowski-pinf", "minkowski", {"p": np.inf}, ("chebyshev", {}), ("chebyshev", {})),
    ("cosine", "cosine", {}, ("cosine", {}), ("cosine", {})),
    ("mahalanobis", "mahalanobis", {"VI": VI}, ("mahalanobis", {"VI": VI}), ("mahalanobis", {"VI": VI})),
]
CASE_IDS = [case[0] for case in CASES]


def test_every_metric_is_covered():
    assert {case[1] for case in CASES} == set(METRICS)


# -- values against SciPy and scikit-learn ----------------------------------------------------
@pytest.mark.parametrize("case_id, metric, params, scipy_case, sklearn_case", CASES, ids=CASE_IDS)
def test_pairwise_distances_match_scipy_cdist(case_id, metric, params, scipy_case, sklearn_case):
    scipy_metric, scipy_params = scipy_case
    expected = ssd.cdist(X, Y, scipy_metric, **scipy_params)
    assert_allclose(pairwise_distances(X, Y, metric=metric, **params), expected, rtol=RTOL, atol=0)


@pytest.mark.parametrize("case_id, metric, params, scipy_case, sklearn_case", CASES, ids=CASE_IDS)
def test_pairwise_distances_match_scikit_learn(case_id, metric, params, scipy_case, sklearn_case):
    sklearn_metric, sklearn_params = sklearn_case
    expected = sk_pairwise_distances(X, Y, metric=sklearn_metric, **sklearn_params)
    assert_allclose(pairwise_distances(X, Y, metric=metric, **params), expected, rtol=RTOL, atol=0)


@pytest.mark.parametrize("case_id, metric, params, scipy_case, sklearn_case", CASES, ids=CASE_IDS)
def test_metric_rowwise_matches_scipy_cdist(case_id, metric, params, scipy_case, sklearn_case):
    scipy_metric, scipy_params = scipy_case
    expected = ssd.cdist(X, Y, scipy_metric, **scipy_params)
    computed = get_metric(metric, **params).rowwise(X[:, None, :], Y[None, :, :])
    assert_allclose(computed, expected, rtol=RTOL, atol=0)


def test_mahalanobis_estimates_VI_from_the_data_as_scipy_does():
    # SciPy's cdist estimates VI from the stacked rows of both arrays.
    expected = ssd.cdist(X, Y, "mahalanobis")
    assert_allclose(pairwise_distances(X, Y, metric="mahalanobis"), expected, rtol=RTOL, atol=0)


def test_pairwise_distances_of_X_with_itself_matches_scipy_pdist():
    expected = ssd.squareform(ssd.pdist(X, "cityblock"))
    assert_allclose(pairwise_distances(X, metric="manhattan"), expected, rtol=RTOL, atol=0)


SCALAR_CASES = [
    ("euclidean", lambda x, y: metrics.euclidean(x, y), lambda x, y: ssd.euclidean(x, y)),
    ("manhattan", lambda x, y: metrics.manhattan(x, y), lambda x, y: ssd.cityblock(x, y)),
    ("chebyshev", lambda x, y: metrics.chebyshev(x, y), lambda x, y: ssd.chebyshev(x, y)),
    ("minkowski-p3", lambda x, y: metrics.minkowski(x, y, p=3), lambda x, y: ssd.minkowski(x, y, p=3)),
    ("minkowski-p1.5", lambda x, y: metrics.minkowski(x, y, p=1.5), lambda x, y: ssd.minkowski(x, y, p=1.5)),
    ("cosine", lambda x, y: metrics.cosine(x, y), lambda x, y: ssd.cosine(x, y)),
    ("mahalanobis", lambda x, y: metrics.mahalanobis(x, y, VI=VI), lambda x, y: ssd.mahalanobis(x, y, VI)),
]


@pytest.mark.parametrize("name, ours, scipys", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_scalar_functions_match_scipy(name, ours, scipys):
    for x, y in zip(X[:10], Y[:10]):
        value = ours(x, y)
        assert isinstance(value, float)
        assert_allclose(value, scipys(x, y), rtol=RTOL, atol=0)


def test_hand_computed_values():
    # A 3-4-5 triangle, a 45 degree angle, and a diagonal VI that halves one axis.
    assert metrics.euclidean([1, 1], [4, 5]) == 5.0
    assert metrics.manhattan([1, 1], [4, 5]) == 7.0
    assert metrics.chebyshev([1, 1], [4, 5]) == 4.0
    assert metrics.minkowski([1, 1], [4, 5], p=1) == 7.0
    assert metrics.minkowski([1, 1], [4, 5], p=np.inf) == 4.0
    assert metrics.cosine([1, 0], [1, 1]) == pytest.approx(1 - np.sqrt(0.5), rel=1e-15)
    assert metrics.cosine([1, 0], [-3, 0]) == 2.0
    assert metrics.mahalanobis([0, 0], [4, 3], VI=[[0.25, 0], [0, 1]]) == pytest.approx(np.sqrt(13), rel=1e-15)


def test_exact_duplicates_are_at_distance_exactly_zero():
    points = np.array([[0.1, 0.7, 1e6 + 0.3], [-2.5, 3.3, 1e-9]])
    for metric, params in [(c[1], c[2]) for c in CASES if c[1] != "mahalanobis"]:
        m = get_metric(metric, **params)
        assert np.all(m.rowwise(points, points) == 0.0), metric
    m = get_metric("mahalanobis", VI=np.diag([1.0, 2.0, 3.0]))
    assert np.all(m.rowwise(points, points) == 0.0)


# -- one distance routine, bit-reproducible -----------------------------------------------------
@pytest.mark.parametrize("case_id, metric, params, scipy_case, sklearn_case", CASES, ids=CASE_IDS)
def test_rowwise_is_bit_reproducible_across_batch_shapes(case_id, metric, params, scipy_case, sklearn_case):
    m = get_metric(metric, **params)
    full = m.rowwise(X[:, None, :], Y[None, :, :])  # (40, 25) in one broadcast
    one_pair_at_a_time = np.array([[m.rowwise(x, y) for y in Y] for x in X])
    by_query_row = np.stack([m.rowwise(x[None, :], Y) for x in X])
    gathered = m.rowwise(np.repeat(X, len(Y), axis=0), np.tile(Y, (len(X), 1))).reshape(len(X), len(Y))
    batched_3d = m.rowwise(X.reshape(8, 5, 1, 4), Y[None, None, :, :]).reshape(len(X), len(Y))
    assert np.array_equal(full, one_pair_at_a_time)
    assert np.array_equal(full, by_query_row)
    assert np.array_equal(full, gathered)
    assert np.array_equal(full, batched_3d)
    assert np.array_equal(full, m.pairwise(X, Y))


def test_pairwise_is_bit_reproducible_whatever_the_chunking(monkeypatch):
    # Force pairwise to work in chunks of one row: the numbers must not move.
    m = get_metric("minkowski", p=3)
    whole = m.pairwise(X, Y)
    monkeypatch.setattr(metrics, "_PAIRS_PER_CHUNK", 1)
    assert np.array_equal(m.pairwise(X, Y), whole)


@pytest.mark.parametrize("case_id, metric, params, scipy_case, sklearn_case", CASES, ids=CASE_IDS)
def test_rowwise_is_exactly_symmetric(case_id, metric, params, scipy_case, sklearn_case):
    m = get_metric(metric, **params)
    assert np.array_equal(m.rowwise(X[:, None, :], Y[None, :, :]), m.rowwise(Y[None, :, :], X[:, None, :]))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_features=st.integers(1, 6),
    metric_index=st.integers(0, len(CASES) - 1),
    split=st.integers(1, 11),
)
def test_rowwise_of_a_subset_equals_the_same_entries_of_the_whole(seed, n_features, metric_index, split):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(12, n_features)) * rng.choice([1e-3, 1.0, 1e4], size=n_features)
    B = rng.normal(size=(9, n_features))
    metric, params = CASES[metric_index][1], dict(CASES[metric_index][2])
    if metric == "mahalanobis":
        params["VI"] = np.eye(n_features) + 0.1 * np.ones((n_features, n_features))
    m = get_metric(metric, **params)
    whole = m.rowwise(A[:, None, :], B[None, :, :])
    part = m.rowwise(A[split:, None, :], B[None, ::2, :])
    assert np.array_equal(whole[split:, ::2], part)


# -- bad input ------------------------------------------------------------------------------------
P2 = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 8.0]])


def with_value(A, row, col, value):
    A = A.copy()
    A[row, col] = value
    return A


# (case id, action, expected exception, phrases the message must contain: parameter and value)
BAD_INPUT = [
    ("unknown-metric", lambda: get_metric("hamming"), ValueError, ["metric", "'hamming'"]),
    ("unknown-metric-pairwise", lambda: pairwise_distances(P2, metric="l2"), ValueError, ["metric", "'l2'"]),
    ("metric-not-a-string", lambda: get_metric(3), ValueError, ["metric", "3"]),
    ("p-below-1", lambda: get_metric("minkowski", p=0.5), ValueError, ["p must be >= 1", "p = 0.5"]),
    ("p-negative", lambda: pairwise_distances(P2, metric="minkowski", p=-2), ValueError, ["p must be >= 1", "p = -2"]),
    ("p-nan", lambda: get_metric("minkowski", p=float("nan")), ValueError, ["p must be >= 1", "p = nan"]),
    ("p-string", lambda: get_metric("minkowski", p="2"), TypeError, ["p must be a number", "'2'"]),
    ("p-bool", lambda: get_metric("minkowski", p=True), TypeError, ["p must be a number", "True"]),
    ("p-list", lambda: metrics.minkowski([0, 0], [1, 1], p=[2]), TypeError, ["p must be a number", "[2]"]),
    ("VI-not-square", lambda: get_metric("mahalanobis", VI=np.ones((2, 3))), ValueError, ["VI", "(2, 3)"]),
    ("VI-1d", lambda: get_metric("mahalanobis", VI=np.ones(2)), ValueError, ["VI", "(2,)"]),
    ("VI-wrong-size-for-data", lambda: pairwise_distances(P2, metric="mahalanobis", VI=np.eye(3)),
     ValueError, ["VI has shape (3, 3)", "2 features"]),
    ("VI-not-symmetric", lambda: get_metric("mahalanobis", VI=[[2.0, 0.5], [0.25, 2.0]]),
     ValueError, ["VI must be symmetric", "VI[0, 1] = 0.5", "VI[1, 0] = 0.25"]),
    ("VI-not-positive-definite", lambda: get_metric("mahalanobis", VI=[[1.0, 2.0], [2.0, 1.0]]),
     ValueError, ["VI must be positive definite", "eigenvalue", "-1"]),
    ("VI-singular", lambda: get_metric("mahalanobis", VI=[[1.0, 1.0], [1.0, 1.0]]),
     ValueError, ["VI must be positive definite", "eigenvalue", "0"]),
    ("VI-nan", lambda: get_metric("mahalanobis", VI=[[1.0, np.nan], [np.nan, 1.0]]),
     ValueError, ["VI contains", "nan"]),
    ("VI-missing-without-data", lambda: get_metric("mahalanobis"), ValueError, ["mahalanobis", "VI"]),
    ("singular-covariance-collinear",  # second column = 3 * first + 1
     lambda: pairwise_distances(np.c_[np.arange(6.0), 3 * np.arange(6.0) + 1], metric="mahalanobis"),
     ValueError, ["covariance", "singular", "condition number"]),
    ("singular-covariance-constant-feature",
     lambda: pairwise_distances(np.c_[np.arange(6.0), np.ones(6)], metric="mahalanobis"),
     ValueError, ["covariance", "singular", "condition number"]),
    ("singular-covariance-too-few-samples", lambda: pairwise_distances(P2[:2], metric="mahalanobis"),
     ValueError, ["mahalanobis", "2 samples in 2 features", "singular"]),
    ("cosine-zero-row-X", lambda: pairwise_distances(with_value(with_value(P2, 2, 0, 0), 2, 1, 0), metric="cosine"),
     ValueError, ["X has 1 all-zero row(s)", "row 2", "cosine"]),
    ("cosine-zero-row-Y", lambda: pairwise_distances(P2, np.zeros((2, 2)), metric="cosine"),
     ValueError, ["Y has 2 all-zero row(s)", "row 0", "cosine"]),
    ("cosine-zero-vector-scalar", lambda: metrics.cosine([0, 0], [1, 2]), ValueError, ["all-zero", "row 0", "cosine"]),
    ("nan-in-X", lambda: pairwise_distances(with_value(P2, 1, 0, np.nan)), ValueError, ["X contains", "NaN at row 1, column 0"]),
    ("inf-in-Y", lambda: pairwise_distances(P2, with_value(P2, 3, 1, -np.inf)),
     ValueError, ["Y contains", "infinity at row 3, column 1"]),
    ("nan-scalar", lambda: metrics.euclidean([0, np.nan], [1, 1]), ValueError, ["x contains", "NaN at row 0, column 1"]),
    ("X-1d", lambda: pairwise_distances([1.0, 2.0, 3.0]), ValueError, ["X must be a 2-D array", "shape (3,)"]),
    ("X-3d", lambda: pairwise_distances(np.zeros((2, 2, 2))), ValueError, ["X must be a 2-D array", "shape (2, 2, 2)"]),
    ("Y-3d", lambda: pairwise_distances(P2, np.zeros((1, 4, 2))), ValueError, ["Y must be a 2-D array", "3-D"]),
    ("scalar-point-2d", lambda: metrics.euclidean([[0, 0], [1, 1]], [1, 1]), ValueError, ["x and y", "(2,)"]),
    ("X-zero-samples", lambda: pairwise_distances(np.zeros((0, 2))), ValueError, ["X has 0 samples", "(0, 2)"]),
    ("Y-zero-samples", lambda: pairwise_distances(P2, np.zeros((0, 2))), ValueError, ["Y has 0 samples", "(0, 2)"]),
    ("X-zero-features", lambda: pairwise_distances(np.zeros((3, 0))), ValueError, ["X has 0 features", "(3, 0)"]),
    ("mismatched-features", lambda: pairwise_distances(P2, np.zeros((2, 3))),
     ValueError, ["X and Y", "same number of features", "2 and 3"]),
    ("mismatched-coordinates-scalar", lambda: metrics.manhattan([0, 0], [1, 1, 1]), ValueError, ["x and y", "(2,) and (3,)"]),
    ("unknown-param", lambda: get_metric("euclidean", q=3), TypeError, ["metric 'euclidean'", "['q']"]),
    ("unknown-param-pairwise", lambda: pairwise_distances(P2, metric="minkowski", p=3, w=[1, 2]),
     TypeError, ["metric 'minkowski'", "['w']", "['p']"]),
    ("VI-for-cosine", lambda: get_metric("cosine", VI=np.eye(2)), TypeError, ["metric 'cosine'", "['VI']"]),
    ("string-X", lambda: pairwise_distances([["a", "b"]]), TypeError, ["X must be a numeric array", "<U1"]),
]


@pytest.mark.parametrize("action, error, phrases", [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_raises_a_clear_error(action, error, phrases):
    with pytest.raises(error) as excinfo:
        action()
    message = str(excinfo.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
