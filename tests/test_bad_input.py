"""Every bad input of issue 2's "Bad input" list, at the estimator level.

Each case asserts the exception type and that the message names the parameter
and the offending value, so a student reading it knows what to fix. A fuzz
test at the end checks that nothing but ValueError / TypeError /
NotFittedError ever escapes (in particular, never an IndexError).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from knnlib import KNNClassifier, KNNRegressor

X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 8.0]])  # 4 samples, 2 features
Y = np.array([0, 1, 0, 1])


def with_value(X, row, col, value):
    X = X.copy()
    X[row, col] = value
    return X


def fitted(model):
    return model.fit(X, Y)


# (case id, action, expected exception, phrases the message must contain)
CASES = [
    # NaN or inf
    ("nan-in-X-fit", lambda: KNNClassifier(k=2).fit(with_value(X, 1, 0, np.nan), Y),
     ValueError, ["X contains", "NaN at row 1, column 0"]),
    ("inf-in-X-fit", lambda: KNNRegressor(k=2).fit(with_value(X, 2, 1, np.inf), Y),
     ValueError, ["X contains", "infinity at row 2, column 1"]),
    ("nan-in-X-predict", lambda: fitted(KNNClassifier(k=2)).predict([[1.0, 2.0], [np.nan, 1.0]]),
     ValueError, ["X contains", "NaN at row 1, column 0"]),
    ("inf-in-X-kneighbors", lambda: fitted(KNNRegressor(k=2)).kneighbors([[1.0, -np.inf]]),
     ValueError, ["X contains", "infinity at row 0, column 1"]),
    ("nan-in-y-regressor", lambda: KNNRegressor(k=2).fit(X, [0.0, np.nan, 1.0, 2.0]),
     ValueError, ["y contains NaN", "y[1] = nan"]),
    ("inf-in-y-regressor", lambda: KNNRegressor(k=2).fit(X, [0.0, 1.0, np.inf, 2.0]),
     ValueError, ["y contains NaN or infinity", "y[2] = inf"]),
    ("nan-in-y-classifier", lambda: KNNClassifier(k=2).fit(X, [0.0, 1.0, 0.0, np.nan]),
     ValueError, ["y contains NaN", "y[3] = nan"]),
    # 1-D or 3-D arrays
    ("1d-X-fit", lambda: KNNClassifier(k=2).fit(np.arange(4.0), Y),
     ValueError, ["X must be 2-D", "1-D array of shape (4,)", "reshape"]),
    ("1d-X-predict", lambda: fitted(KNNClassifier(k=2)).predict([1.0, 2.0]),
     ValueError, ["X must be 2-D", "1-D array of shape (2,)", "reshape"]),
    ("3d-X-fit", lambda: KNNRegressor(k=2).fit(np.zeros((4, 2, 2)), Y),
     ValueError, ["X must be a 2-D array", "3-D array of shape (4, 2, 2)"]),
    ("3d-X-predict", lambda: fitted(KNNRegressor(k=2)).predict(np.zeros((1, 1, 2))),
     ValueError, ["X must be a 2-D array", "3-D array of shape (1, 1, 2)"]),
    # zero samples (and zero features)
    ("0-samples-fit", lambda: KNNClassifier(k=2).fit(np.zeros((0, 2)), []),
     ValueError, ["X has 0 samples", "(0, 2)"]),
    ("0-samples-predict", lambda: fitted(KNNClassifier(k=2)).predict(np.zeros((0, 2))),
     ValueError, ["X has 0 samples", "(0, 2)"]),
    ("0-features-fit", lambda: KNNRegressor(k=2).fit(np.zeros((4, 0)), Y),
     ValueError, ["X has 0 feature(s)", "(4, 0)"]),
    # mismatched feature counts
    ("features-predict", lambda: fitted(KNNClassifier(k=2)).predict(np.zeros((1, 3))),
     ValueError, ["X has 3 features", "expecting 2 features"]),
    ("features-proba", lambda: fitted(KNNClassifier(k=2)).predict_proba(np.zeros((2, 1))),
     ValueError, ["X has 1 features", "expecting 2 features"]),
    ("features-kneighbors", lambda: fitted(KNNRegressor(k=2)).kneighbors(np.zeros((1, 5))),
     ValueError, ["X has 5 features", "expecting 2 features"]),
    # k < 1
    ("k-zero", lambda: KNNClassifier(k=0).fit(X, Y), ValueError, ["k must be >= 1", "k = 0"]),
    ("k-negative", lambda: KNNRegressor(k=-3).fit(X, Y), ValueError, ["k must be >= 1", "k = -3"]),
    ("k-zero-kneighbors", lambda: fitted(KNNClassifier(k=2)).kneighbors(X, k=0),
     ValueError, ["k must be >= 1", "k = 0"]),
    # k > n_samples
    ("k-too-big-predict", lambda: KNNClassifier(k=5).fit(X, Y).predict(X),
     ValueError, ["Expected k <= n_samples_fit", "k = 5", "n_samples_fit = 4"]),
    ("k-too-big-regressor", lambda: KNNRegressor(k=9).fit(X, Y).predict(X),
     ValueError, ["Expected k <= n_samples_fit", "k = 9", "n_samples_fit = 4"]),
    ("k-too-big-kneighbors", lambda: fitted(KNNClassifier(k=2)).kneighbors(X, k=7),
     ValueError, ["Expected k <= n_samples_fit", "k = 7", "n_samples_fit = 4"]),
    ("k-too-big-without-X", lambda: fitted(KNNClassifier(k=4)).kneighbors(),
     ValueError, ["Expected k < n_samples_fit when X is None", "k = 4", "n_samples_fit = 4"]),
    # non-integer k
    ("k-float", lambda: KNNClassifier(k=2.5).fit(X, Y), TypeError, ["k must be an integer", "2.5"]),
    ("k-whole-float", lambda: KNNClassifier(k=3.0).fit(X, Y), TypeError, ["k must be an integer", "3.0"]),
    ("k-string", lambda: KNNRegressor(k="3").fit(X, Y), TypeError, ["k must be an integer", "'3'"]),
    ("k-bool", lambda: KNNClassifier(k=True).fit(X, Y), TypeError, ["k must be an integer", "True"]),
    ("k-none", lambda: KNNClassifier(k=None).fit(X, Y), TypeError, ["k must be an integer", "None"]),
    ("k-float-kneighbors", lambda: fitted(KNNClassifier(k=2)).kneighbors(X, k=1.5),
     TypeError, ["k must be an integer", "1.5"]),
    # unknown metric / algorithm / weights / aggregate
    ("unknown-metric", lambda: KNNClassifier(metric="hamming").fit(X, Y),
     ValueError, ["Unknown metric 'hamming'", "'euclidean'"]),
    ("unknown-algorithm", lambda: KNNRegressor(algorithm="fast").fit(X, Y),
     ValueError, ["Unknown algorithm 'fast'", "'kd_tree'"]),
    ("unknown-weights", lambda: KNNClassifier(weights="inverse").fit(X, Y),
     ValueError, ["Unknown weights 'inverse'", "'distance'"]),
    ("unknown-aggregate", lambda: KNNRegressor(aggregate="mode").fit(X, Y),
     ValueError, ["Unknown aggregate 'mode'", "'median'"]),
    ("metric-not-a-string", lambda: KNNClassifier(metric=2).fit(X, Y), ValueError, ["Unknown metric 2"]),
    ("kd-tree-cosine", lambda: KNNClassifier(k=2, algorithm="kd_tree", metric="cosine").fit(X + 1, Y),
     ValueError, ["does not support metric 'cosine'"]),
    ("ball-tree-cosine", lambda: KNNClassifier(k=2, algorithm="ball_tree", metric="cosine").fit(X + 1, Y),
     ValueError, ["does not support metric 'cosine'"]),
    ("kd-tree-mahalanobis",
     lambda: KNNRegressor(k=2, algorithm="kd_tree", metric="mahalanobis", metric_params={"VI": np.eye(2)}).fit(X, Y),
     ValueError, ["does not support metric 'mahalanobis'"]),
    ("unknown-metric-param", lambda: KNNClassifier(metric="euclidean", metric_params={"q": 3}).fit(X, Y),
     TypeError, ["metric 'euclidean' takes no parameter(s) ['q']"]),
    ("metric-params-not-a-dict", lambda: KNNClassifier(metric_params=[3]).fit(X, Y),
     TypeError, ["metric_params must be a dict", "[3]"]),
    ("leaf-size-zero", lambda: KNNClassifier(leaf_size=0).fit(X, Y), ValueError, ["leaf_size must be >= 1", "leaf_size = 0"]),
    # p < 1
    ("p-below-1", lambda: KNNClassifier(k=2, metric="minkowski", metric_params={"p": 0.5}).fit(X, Y),
     ValueError, ["p must be >= 1", "p = 0.5"]),
    ("p-zero", lambda: KNNRegressor(k=2, metric="minkowski", metric_params={"p": 0}).fit(X, Y),
     ValueError, ["p must be >= 1", "p = 0"]),
    ("p-string", lambda: KNNRegressor(k=2, metric="minkowski", metric_params={"p": "2"}).fit(X, Y),
     TypeError, ["p must be a number", "'2'"]),
    # a singular covariance for mahalanobis
    ("singular-covariance-collinear",  # second column = 2 * first
     lambda: KNNClassifier(k=2, metric="mahalanobis").fit(np.c_[np.arange(6.0), 2 * np.arange(6.0)], [0, 1] * 3),
     ValueError, ["mahalanobis", "singular", "condition number"]),
    ("singular-covariance-too-few-samples", lambda: KNNClassifier(k=2, metric="mahalanobis").fit(X[:2], Y[:2]),
     ValueError, ["mahalanobis", "2 samples in 2 features", "singular"]),
    ("singular-VI", lambda: KNNClassifier(k=2, metric="mahalanobis", metric_params={"VI": [[1.0, 1.0], [1.0, 1.0]]}).fit(X, Y),
     ValueError, ["VI must be positive definite"]),
    ("VI-wrong-shape", lambda: KNNClassifier(k=2, metric="mahalanobis", metric_params={"VI": np.eye(3)}).fit(X, Y),
     ValueError, ["VI has shape (3, 3)", "2 features"]),
    # an all-zero vector with cosine
    ("cosine-zero-row-fit", lambda: KNNClassifier(k=2, metric="cosine").fit(with_value(with_value(X, 2, 0, 0), 2, 1, 0), Y),
     ValueError, ["X has 1 all-zero row(s)", "row 2", "cosine"]),
    ("cosine-zero-row-predict", lambda: KNNClassifier(k=2, metric="cosine").fit(X + 1, Y).predict([[1.0, 1.0], [0.0, 0.0]]),
     ValueError, ["X has 1 all-zero row(s)", "row 1", "cosine"]),
    # labels of the wrong length (and of the wrong shape or kind)
    ("y-too-short", lambda: KNNClassifier(k=2).fit(X, [0, 1, 0]), ValueError, ["y has 3 labels", "X has 4 samples"]),
    ("y-too-long", lambda: KNNRegressor(k=2).fit(X, [0.0, 1.0, 2.0, 3.0, 4.0]),
     ValueError, ["y has 5 labels", "X has 4 samples"]),
    ("y-2d", lambda: KNNRegressor(k=2).fit(X, np.zeros((4, 2))), ValueError, ["y must be 1-D", "shape (4, 2)"]),
    ("y-multi-output-classifier", lambda: KNNClassifier(k=2).fit(X, [[0, 1]] * 4),
     ValueError, ["y must be 1-D", "shape (4, 2)", "multi-output"]),
    ("y-none", lambda: KNNClassifier(k=2).fit(X, None), ValueError, ["requires y", "y is None"]),
    ("y-strings-regressor", lambda: KNNRegressor(k=2).fit(X, ["a", "b", "c", "d"]),
     ValueError, ["y must hold numbers", "'a'"]),
    ("y-continuous-classifier", lambda: KNNClassifier(k=2).fit(X, [0.5, 1.2, 3.3, 4.4]),
     ValueError, ["Unknown label type", "continuous"]),
    # predict before fit
    ("unfitted-predict", lambda: KNNClassifier().predict(X), NotFittedError, ["KNNClassifier", "not fitted"]),
    ("unfitted-proba", lambda: KNNClassifier().predict_proba(X), NotFittedError, ["KNNClassifier", "not fitted"]),
    ("unfitted-regressor", lambda: KNNRegressor().predict(X), NotFittedError, ["KNNRegressor", "not fitted"]),
    ("unfitted-kneighbors", lambda: KNNRegressor().kneighbors(X), NotFittedError, ["KNNRegressor", "not fitted"]),
    ("unfitted-score", lambda: KNNClassifier().score(X, Y), NotFittedError, ["KNNClassifier", "not fitted"]),
    # inputs of the wrong kind
    ("sparse-X", lambda: KNNClassifier(k=2).fit(scipy.sparse.csr_matrix(X), Y),
     TypeError, ["sparse", "toarray"]),
    ("string-X", lambda: KNNClassifier(k=2).fit([["a", "b"]] * 4, Y), TypeError, ["X must be a numeric array", "<U1"]),
    ("object-X", lambda: KNNClassifier(k=2).fit(np.array([[{"a": 1}, 1.0]] * 4, dtype=object), Y),
     TypeError, ["X must contain only numbers", "dict"]),
    ("complex-X", lambda: KNNRegressor(k=2).fit(X + 1j, Y), ValueError, ["Complex data not supported", "complex128"]),
    ("overflowing-distances", lambda: KNNClassifier(k=2).fit([[1e200, 0.0], [-1e200, 0.0], [3e200, 1.0]], [0, 1, 0]).predict([[0.0, 5e200]]),
     ValueError, ["query row 0", "overflowed to inf", "Rescale"]),
    ("ragged-X", lambda: KNNClassifier(k=1).fit([[1.0, 2.0], [3.0]], [0, 1]), ValueError, ["X could not be turned into an array"]),
]


@pytest.mark.parametrize("action, error, phrases", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(action, error, phrases):
    with pytest.raises(error) as excinfo:
        action()
    # pytest.raises(ValueError) would also accept a subclass; make sure it is
    # never an IndexError in disguise, and that the message says what is wrong.
    assert not isinstance(excinfo.value, (IndexError, KeyError))
    message = str(excinfo.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"


def test_the_bad_input_list_of_the_issue_is_covered():
    # Issue 2's list, each item mapped to the case ids above that cover it.
    covered = {
        "NaN or inf": "nan-in-X-fit inf-in-X-fit nan-in-X-predict nan-in-y-regressor",
        "1-D or 3-D arrays": "1d-X-fit 1d-X-predict 3d-X-fit 3d-X-predict",
        "zero samples": "0-samples-fit 0-samples-predict",
        "mismatched feature counts": "features-predict features-proba features-kneighbors",
        "k < 1": "k-zero k-negative",
        "k > n_samples": "k-too-big-predict k-too-big-kneighbors k-too-big-without-X",
        "non-integer k": "k-float k-whole-float k-string",
        "unknown metric / algorithm / weights / aggregate":
            "unknown-metric unknown-algorithm unknown-weights unknown-aggregate",
        "p < 1": "p-below-1 p-zero",
        "a singular covariance for mahalanobis": "singular-covariance-collinear singular-VI",
        "an all-zero vector with cosine": "cosine-zero-row-fit cosine-zero-row-predict",
        "labels of the wrong length": "y-too-short y-too-long",
        "predict before fit": "unfitted-predict unfitted-regressor unfitted-kneighbors",
    }
    case_ids = {c[0] for c in CASES}
    for item, ids in covered.items():
        assert set(ids.split()) <= case_ids, item


def test_predict_on_a_fitted_model_is_unharmed_by_a_failed_call():
    model = fitted(KNNClassifier(k=3))
    expected = model.predict(X)
    with pytest.raises(ValueError):
        model.predict([[np.nan, 0.0]])
    np.testing.assert_array_equal(model.predict(X), expected)


def test_a_failed_fit_leaves_no_half_fitted_model():
    model = KNNClassifier(k=2, metric="mahalanobis")
    with pytest.raises(ValueError, match="singular"):
        model.fit(X[:2], Y[:2])  # fails while building the index
    with pytest.raises(NotFittedError):
        model.predict(X)
    # A failed refit keeps the previous fit whole.
    model.set_params(metric="euclidean").fit(X, Y)
    expected = model.predict(X)
    with pytest.raises(ValueError, match="singular"):
        model.set_params(metric="mahalanobis").fit(np.c_[X[:, 0], 2 * X[:, 0]], Y)
    np.testing.assert_array_equal(model.predict(X), expected)


# -- fuzz: only the documented exceptions may escape ---------------------------------------

_shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
_values = st.sampled_from([0.0, 1.0, -2.5, 3.0, np.nan, np.inf, 1e300])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    train_shape=_shapes,
    query_shape=_shapes,
    fill=_values,
    n_labels=st.integers(0, 5),
    k=st.sampled_from([-1, 0, 1, 2, 3, 4, 5, 2.0, "2", None]),
    query_k=st.sampled_from([None, 0, 1, 3, 6]),
    metric=st.sampled_from(["euclidean", "manhattan", "chebyshev", "minkowski", "cosine", "mahalanobis", "nope"]),
    algorithm=st.sampled_from(["auto", "brute", "kd_tree", "ball_tree", "nope"]),
    weights=st.sampled_from(["uniform", "distance", "nope"]),
    regression=st.booleans(),
    use_X=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_only_value_type_or_not_fitted_errors_escape(
    train_shape, query_shape, fill, n_labels, k, query_k, metric, algorithm, weights, regression, use_X, seed
):
    rng = np.random.default_rng(seed)
    X_train = rng.integers(-2, 3, size=train_shape).astype(float)
    if X_train.size:
        X_train.flat[rng.integers(X_train.size)] = fill
    X_query = rng.integers(-2, 3, size=query_shape).astype(float) if use_X else None
    y = rng.integers(0, 2, size=n_labels)
    Model = KNNRegressor if regression else KNNClassifier
    model = Model(k=k, metric=metric, algorithm=algorithm, weights=weights)
    calls = [lambda: model.fit(X_train, y), lambda: model.predict(X_query),
             lambda: model.kneighbors(X_query, k=query_k)]
    if not regression:
        calls.append(lambda: model.predict_proba(X_query))
    for call in calls:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call()
        except (ValueError, TypeError) as exc:  # NotFittedError is a ValueError
            assert not isinstance(exc, (IndexError, KeyError))
            assert str(exc)
