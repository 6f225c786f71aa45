"""Tests of KNNClassifier and KNNRegressor.

Expected values come from hand computation or from scikit-learn, never from
knnlib itself.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import knnlib
from knnlib import KNNClassifier, KNNRegressor

ALGORITHMS = ("brute", "kd_tree", "ball_tree")
# Which metrics each index supports (issue 2): k-d trees the Minkowski family,
# ball trees also mahalanobis, brute force everything.
MINKOWSKI_FAMILY = ("euclidean", "manhattan", "chebyshev", "minkowski")
SUPPORTED = {
    "brute": (*MINKOWSKI_FAMILY, "cosine", "mahalanobis"),
    "kd_tree": MINKOWSKI_FAMILY,
    "ball_tree": (*MINKOWSKI_FAMILY, "mahalanobis"),
}

# -- shared random data -----------------------------------------------------------------
_rng = np.random.default_rng(42)
X_TRAIN = _rng.normal(size=(80, 3))
X_TEST = _rng.normal(size=(30, 3))
Y_CLASS = _rng.integers(0, 3, size=80)
Y_REG = _rng.normal(size=80)
VI = np.linalg.inv(np.cov(X_TRAIN, rowvar=False))

# (case id, knnlib metric, knnlib metric_params, scikit-learn keyword arguments)
METRIC_CASES = [
    ("euclidean", "euclidean", None, {"metric": "euclidean"}),
    ("manhattan", "manhattan", None, {"metric": "manhattan"}),
    ("chebyshev", "chebyshev", None, {"metric": "chebyshev"}),
    ("minkowski-p3", "minkowski", {"p": 3}, {"metric": "minkowski", "p": 3}),
    ("minkowski-p1.5", "minkowski", {"p": 1.5}, {"metric": "minkowski", "p": 1.5}),
    ("cosine", "cosine", None, {"metric": "cosine"}),
    ("mahalanobis", "mahalanobis", {"VI": VI}, {"metric": "mahalanobis", "metric_params": {"VI": VI}}),
]


def _differential_cases():
    """Every (metric, algorithm) pair knnlib supports, with both weightings."""
    for case_id, metric, params, sk_kwargs in METRIC_CASES:
        for algorithm in ("auto", *ALGORITHMS):
            if algorithm != "auto" and metric not in SUPPORTED[algorithm]:
                continue
            for weights in ("uniform", "distance"):
                yield pytest.param(
                    metric, params, sk_kwargs, algorithm, weights,
                    id=f"{case_id}-{algorithm}-{weights}",
                )


DIFFERENTIAL_CASES = list(_differential_cases())


# -- scikit-learn's own estimator checks -----------------------------------------------


@parametrize_with_checks([KNNClassifier(), KNNRegressor()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# -- differential tests against scikit-learn ---------------------------------------------


@pytest.mark.parametrize("metric, params, sk_kwargs, algorithm, weights", DIFFERENTIAL_CASES)
def test_classifier_matches_sklearn(metric, params, sk_kwargs, algorithm, weights):
    ours = KNNClassifier(k=7, metric=metric, metric_params=params, algorithm=algorithm, weights=weights)
    theirs = KNeighborsClassifier(n_neighbors=7, algorithm="brute", weights=weights, **sk_kwargs)
    ours.fit(X_TRAIN, Y_CLASS)
    theirs.fit(X_TRAIN, Y_CLASS)

    our_dist, our_ind = ours.kneighbors(X_TEST)
    their_dist, their_ind = theirs.kneighbors(X_TEST)
    np.testing.assert_array_equal(our_ind, their_ind)
    np.testing.assert_allclose(our_dist, their_dist, rtol=1e-12, atol=0)

    np.testing.assert_array_equal(ours.predict(X_TEST), theirs.predict(X_TEST))
    np.testing.assert_allclose(ours.predict_proba(X_TEST), theirs.predict_proba(X_TEST), rtol=1e-12, atol=1e-15)
    assert ours.score(X_TEST, Y_CLASS[:30]) == theirs.score(X_TEST, Y_CLASS[:30])


@pytest.mark.parametrize("metric, params, sk_kwargs, algorithm, weights", DIFFERENTIAL_CASES)
def test_regressor_matches_sklearn(metric, params, sk_kwargs, algorithm, weights):
    ours = KNNRegressor(k=6, metric=metric, metric_params=params, algorithm=algorithm, weights=weights)
    theirs = KNeighborsRegressor(n_neighbors=6, algorithm="brute", weights=weights, **sk_kwargs)
    ours.fit(X_TRAIN, Y_REG)
    theirs.fit(X_TRAIN, Y_REG)
    np.testing.assert_array_equal(ours.kneighbors(X_TEST)[1], theirs.kneighbors(X_TEST)[1])
    np.testing.assert_allclose(ours.predict(X_TEST), theirs.predict(X_TEST), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case_id, metric, params, sk_kwargs", METRIC_CASES, ids=[c[0] for c in METRIC_CASES])
@pytest.mark.parametrize("k", [5, 6])
def test_uniform_median_is_numpy_median_of_sklearn_neighbours(case_id, metric, params, sk_kwargs, k):
    ours = KNNRegressor(k=k, metric=metric, metric_params=params, aggregate="median").fit(X_TRAIN, Y_REG)
    their_ind = NearestNeighbors(n_neighbors=k, algorithm="brute", **sk_kwargs).fit(X_TRAIN).kneighbors(
        X_TEST, return_distance=False
    )
    np.testing.assert_array_equal(ours.predict(X_TEST), np.median(Y_REG[their_ind], axis=1))


@pytest.mark.parametrize("case_id, metric, params, sk_kwargs", METRIC_CASES, ids=[c[0] for c in METRIC_CASES])
def test_kneighbors_without_X_excludes_each_point_itself_like_sklearn(case_id, metric, params, sk_kwargs):
    ours = KNNClassifier(k=4, metric=metric, metric_params=params).fit(X_TRAIN, Y_CLASS)
    theirs = KNeighborsClassifier(n_neighbors=4, algorithm="brute", **sk_kwargs).fit(X_TRAIN, Y_CLASS)
    our_dist, our_ind = ours.kneighbors()
    their_dist, their_ind = theirs.kneighbors()
    np.testing.assert_array_equal(our_ind, their_ind)
    np.testing.assert_allclose(our_dist, their_dist, rtol=1e-12)
    # X=None predictions are leave-one-out predictions, as in scikit-learn.
    np.testing.assert_array_equal(ours.predict(None), theirs.predict(None))


def test_many_features_match_sklearn():
    # d = 20 > 15: "auto" goes to brute force, like scikit-learn.
    rng = np.random.default_rng(3)
    X, Q, y = rng.normal(size=(100, 20)), rng.normal(size=(20, 20)), rng.integers(0, 2, 100)
    ours = KNNClassifier(k=5, weights="distance").fit(X, y)
    theirs = KNeighborsClassifier(n_neighbors=5, weights="distance", algorithm="brute").fit(X, y)
    assert ours.algorithm_ == "brute"
    np.testing.assert_array_equal(ours.kneighbors(Q)[1], theirs.kneighbors(Q)[1])
    np.testing.assert_allclose(ours.predict_proba(Q), theirs.predict_proba(Q), rtol=1e-12)


# -- algorithm="auto" --------------------------------------------------------------------


@pytest.mark.parametrize("case_id, metric, params, sk_kwargs", METRIC_CASES, ids=[c[0] for c in METRIC_CASES])
@pytest.mark.parametrize("n_features", [3, 15, 16])
@pytest.mark.parametrize("k", [1, 19, 20])
def test_auto_chooses_what_sklearn_chooses(case_id, metric, params, sk_kwargs, n_features, k):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, n_features)), np.arange(40) % 2
    if metric == "mahalanobis":
        params = {"VI": np.eye(n_features)}
        sk_kwargs = {"metric": "mahalanobis", "metric_params": params}
    ours = KNNClassifier(k=k, metric=metric, metric_params=params).fit(X, y)
    theirs = KNeighborsClassifier(n_neighbors=k, **sk_kwargs).fit(X, y)
    assert ours.algorithm_ == theirs._fit_method


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_index_is_the_knnlib_index_named_by_algorithm(algorithm):
    model = KNNRegressor(algorithm=algorithm).fit(X_TRAIN, Y_REG)
    index_class = {"brute": knnlib.BruteForce, "kd_tree": knnlib.KDTree, "ball_tree": knnlib.BallTree}
    assert model.algorithm_ == algorithm
    assert isinstance(model.index_, index_class[algorithm])
    assert model.n_samples_fit_ == 80 and model.n_features_in_ == 3


# -- hand-built cases with known answers --------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_two_vs_two_split_goes_to_the_smallest_label(algorithm):
    X = [[0.0], [1.0], [2.0], [3.0]]
    for y, smallest in [([1, 0, 1, 0], 0), (["dog", "cat", "dog", "cat"], "cat"), ([5, 5, -2, -2], -2)]:
        model = KNNClassifier(k=4, algorithm=algorithm).fit(X, y)
        assert model.predict([[1.2]])[0] == smallest
        np.testing.assert_array_equal(model.predict_proba([[1.2]]), [[0.5, 0.5]])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_exact_match_takes_the_whole_distance_weighted_vote(algorithm):
    X = [[0, 0], [1, 0], [0, 1], [1, 1], [5, 5]]
    query = [[0, 0]]  # an exact copy of training point 0; points 1, 2, 3 are near
    clf = KNNClassifier(k=4, weights="distance", algorithm=algorithm).fit(X, [1, 0, 0, 0, 0])
    assert clf.predict(query)[0] == 1
    np.testing.assert_array_equal(clf.predict_proba(query), [[0.0, 1.0]])
    # With uniform votes the three near points outvote the exact match.
    assert clf.set_params(weights="uniform").fit(X, [1, 0, 0, 0, 0]).predict(query)[0] == 0

    y = [10.0, 20.0, 30.0, 40.0, 50.0]
    for aggregate in ("mean", "median"):
        reg = KNNRegressor(k=4, weights="distance", aggregate=aggregate, algorithm=algorithm)
        assert reg.fit(X, y).predict(query)[0] == 10.0


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_two_exact_matches_share_the_vote(algorithm):
    X = [[0, 0], [0, 0], [1, 0], [0, 1]]
    query = [[0, 0]]
    clf = KNNClassifier(k=3, weights="distance", algorithm=algorithm).fit(X, [1, 0, 2, 2])
    np.testing.assert_array_equal(clf.predict_proba(query), [[0.5, 0.5, 0.0]])
    assert clf.predict(query)[0] == 0  # the tie goes to the smaller label
    for aggregate in ("mean", "median"):
        reg = KNNRegressor(k=3, weights="distance", aggregate=aggregate, algorithm=algorithm)
        assert reg.fit(X, [10.0, 30.0, 0.0, 0.0]).predict(query)[0] == 20.0


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_k_equal_to_n_samples_predicts_majority_and_mean_everywhere(algorithm):
    rng = np.random.default_rng(5)
    X, queries = rng.uniform(0, 10, size=(9, 2)), rng.uniform(-5, 15, size=(25, 2))
    y_class = np.array([2, 0, 2, 0, 2, 2, 0, 0, 2])  # five 2s, four 0s
    clf = KNNClassifier(k=9, algorithm=algorithm).fit(X, y_class)
    np.testing.assert_array_equal(clf.predict(queries), np.full(25, 2))
    np.testing.assert_allclose(clf.predict_proba(queries), np.tile([4 / 9, 5 / 9], (25, 1)), rtol=1e-15)

    y_reg = rng.normal(size=9)
    reg = KNNRegressor(k=9, algorithm=algorithm).fit(X, y_reg)
    np.testing.assert_allclose(reg.predict(queries), np.full(25, y_reg.mean()), rtol=1e-14)
    reg_median = KNNRegressor(k=9, aggregate="median", algorithm=algorithm).fit(X, y_reg)
    np.testing.assert_array_equal(reg_median.predict(queries), np.full(25, np.median(y_reg)))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("metric, params", [("euclidean", None), ("manhattan", None), ("chebyshev", None), ("minkowski", {"p": 3})])
def test_four_equidistant_points_are_ordered_by_index(algorithm, metric, params):
    # Training points 1..4 all lie at distance exactly 1 from the origin.
    X = [[3, 3], [0, -1], [-1, 0], [0, 1], [1, 0]]
    y = [1, 0, 1, 1, 0]
    clf = KNNClassifier(k=2, metric=metric, metric_params=params, algorithm=algorithm).fit(X, y)
    dist, ind = clf.kneighbors([[0, 0]])
    np.testing.assert_array_equal(ind, [[1, 2]])
    np.testing.assert_array_equal(dist, [[1.0, 1.0]])
    np.testing.assert_array_equal(clf.kneighbors([[0, 0]], k=4)[1], [[1, 2, 3, 4]])
    assert clf.predict([[0, 0]])[0] == 0  # neighbours 1, 2 have labels 0, 1: tie -> 0
    assert clf.set_params(k=3).fit(X, y).predict([[0, 0]])[0] == 1  # labels 0, 1, 1


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_duplicates_beyond_k_keep_the_smallest_indices(algorithm):
    X = [[0, 0], [2, 2], [9, 9], [2, 2], [2, 2], [2, 2], [2, 2]]
    y = [0, 1, 0, 1, 0, 0, 0]  # the duplicates of [2, 2] are mostly class 0 ...
    clf = KNNClassifier(k=3, algorithm=algorithm).fit(X, y)
    for query in ([[2, 2]], [[2.1, 2.1]]):
        np.testing.assert_array_equal(clf.kneighbors(query)[1], [[1, 3, 4]])
        assert clf.predict(query)[0] == 1  # ... but only rows 1, 3, 4 (labels 1, 1, 0) vote
    # Without X, each duplicate's neighbours are the other duplicates, lowest index first.
    ind = clf.kneighbors(k=2, return_distance=False)
    np.testing.assert_array_equal(ind[[1, 3, 4, 5, 6]], [[3, 4], [1, 4], [1, 3], [1, 3], [1, 3]])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_distance_weighted_median_by_hand(algorithm):
    X = [[0.0], [4.0], [5.0]]
    y = [100.0, 1.0, 2.0]
    # From 0.5 the distances are 0.5, 3.5, 4.5: weights 2, 2/7, 2/9 (total about
    # 2.51). Sorted targets 1, 2, 100 accumulate 0.29, 0.51, 2.51: the first to
    # reach half the total (1.25) is 100. The plain median is 2.
    weighted = KNNRegressor(k=3, weights="distance", aggregate="median", algorithm=algorithm).fit(X, y)
    uniform = KNNRegressor(k=3, aggregate="median", algorithm=algorithm).fit(X, y)
    assert weighted.predict([[0.5]])[0] == 100.0
    assert uniform.predict([[0.5]])[0] == 2.0

    X = [[0.0], [2.0], [-1.0], [3.0]]
    # From 1 the distances are 1, 1, 2, 2: weights 1, 1, 1/2, 1/2 (total 3).
    # Targets 10, 20, 30, 40 accumulate 1, 2, ...: 20 is the first past 1.5.
    model = KNNRegressor(k=4, weights="distance", aggregate="median", algorithm=algorithm)
    assert model.fit(X, [10.0, 20.0, 30.0, 40.0]).predict([[1.0]])[0] == 20.0
    # Targets 10, 40, 20, 30: sorted 10, 20, 30, 40 with weights 1, 1/2, 1/2, 1
    # accumulate 1, 1.5: exactly half at 20, so average with 30.
    assert model.fit(X, [10.0, 40.0, 20.0, 30.0]).predict([[1.0]])[0] == 25.0


def test_string_labels_and_sorted_classes():
    X = [[0.0], [1.0], [2.0], [10.0], [11.0], [20.0]]
    y = np.array(["zebra", "zebra", "zebra", "ant", "ant", "mole"])
    model = KNNClassifier(k=3).fit(X, y)
    np.testing.assert_array_equal(model.classes_, ["ant", "mole", "zebra"])
    np.testing.assert_array_equal(model.predict([[0.5], [10.5]]), ["zebra", "ant"])
    # From 10.5: neighbours 10, 11 (ant) and 2 (zebra, distance 8.5) vs 20 (9.5).
    np.testing.assert_allclose(model.predict_proba([[10.5]]), [[2 / 3, 0.0, 1 / 3]])


def test_default_k_is_used_unless_overridden():
    model = KNNClassifier(k=3).fit(X_TRAIN, Y_CLASS)
    assert model.kneighbors(X_TEST)[1].shape == (30, 3)
    assert model.kneighbors(X_TEST, k=7)[1].shape == (30, 7)
    assert model.kneighbors(X_TEST, return_distance=False).shape == (30, 3)


# -- scikit-learn tools --------------------------------------------------------------------


def test_grid_search_in_a_pipeline_matches_sklearn():
    X, y = make_classification(n_samples=150, n_features=4, n_informative=3, n_redundant=0, random_state=0)
    grid = {"k": [1, 3, 5, 9], "weights": ["uniform", "distance"]}
    cv = KFold(5, shuffle=True, random_state=0)

    ours = GridSearchCV(make_pipeline(StandardScaler(), KNNClassifier()), {f"knnclassifier__{p}": v for p, v in grid.items()}, cv=cv)
    theirs = GridSearchCV(
        make_pipeline(StandardScaler(), KNeighborsClassifier(algorithm="brute")),
        {"kneighborsclassifier__n_neighbors": grid["k"], "kneighborsclassifier__weights": grid["weights"]},
        cv=cv,
    )
    ours.fit(X, y)
    theirs.fit(X, y)
    np.testing.assert_array_equal(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
    assert ours.best_params_["knnclassifier__k"] == theirs.best_params_["kneighborsclassifier__n_neighbors"]
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_cross_val_score_matches_sklearn(weights):
    X, y = make_regression(n_samples=120, n_features=3, noise=5.0, random_state=1)
    ours = cross_val_score(KNNRegressor(k=4, weights=weights), X, y, cv=4)
    theirs = cross_val_score(KNeighborsRegressor(n_neighbors=4, weights=weights, algorithm="brute"), X, y, cv=4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)

    X, y = make_classification(n_samples=120, n_features=3, n_informative=3, n_redundant=0, random_state=1)
    ours = cross_val_score(KNNClassifier(k=4, weights=weights), X, y, cv=4)
    theirs = cross_val_score(KNeighborsClassifier(n_neighbors=4, weights=weights, algorithm="brute"), X, y, cv=4)
    np.testing.assert_array_equal(ours, theirs)


def test_predict_ties_marks_exactly_the_shared_top_scores():
    # Training labels on a line: 0 at x=0 and x=1, 1 at x=3 and x=4. With k=2,
    # a query at x=2 has neighbours at distance 1 from both classes (x=1, x=3):
    # a 1-vs-1 vote, tied, predicted as the smaller label 0 by the tie rule.
    X = np.array([[0.0], [1.0], [3.0], [4.0]])
    y = np.array([0, 0, 1, 1])
    model = KNNClassifier(k=2).fit(X, y)
    queries = np.array([[2.0], [0.2], [3.9]])
    assert model.predict_ties(queries).tolist() == [True, False, False]
    assert model.predict(queries).tolist() == [0, 0, 1]
    # Distance weights break the tie only when the distances differ.
    weighted = KNNClassifier(k=2, weights="distance").fit(X, y)
    assert weighted.predict_ties([[2.0], [2.1]]).tolist() == [True, False]
