"""KNNClassifier and KNNRegressor: k-nearest neighbours, scikit-learn style.

Fitting stores the training set in a search index (there is nothing else to
learn); predicting asks the index for each query's ``k`` nearest training
points and lets them vote (:mod:`knnlib.vote`). Both estimators follow
scikit-learn's conventions, so they work in ``Pipeline``, ``GridSearchCV`` and
``cross_val_score``.

Examples
--------
>>> X = [[0.0], [1.0], [2.0], [10.0], [11.0]]
>>> y = ["low", "low", "low", "high", "high"]
>>> model = KNNClassifier(k=3).fit(X, y)
>>> model.predict([[1.5], [10.5]])
array(['low', 'high'], dtype='<U4')
>>> model.algorithm_  # what algorithm="auto" chose: k >= n_samples // 2
'brute'
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._validation import check_array, check_n_neighbors, check_option, check_positive_int
from .metrics import METRICS
from .search import BallTree, BruteForce, KDTree
from .vote import (
    WEIGHTS,
    class_probabilities,
    class_scores,
    majority_vote,
    neighbor_weights,
    vote_ties,
    weighted_mean,
    weighted_median,
)

__all__ = ["ALGORITHMS", "AGGREGATES", "KNNClassifier", "KNNRegressor", "choose_algorithm"]

#: The search index behind each ``algorithm=`` name.
INDEXES = {"brute": BruteForce, "kd_tree": KDTree, "ball_tree": BallTree}
#: Names accepted for ``algorithm=``.
ALGORITHMS = ("auto", *INDEXES)
#: Names accepted for ``aggregate=`` (regression).
AGGREGATES = ("mean", "median")


def choose_algorithm(metric, n_samples, n_features, k):
    """The index ``algorithm="auto"`` picks, by scikit-learn's ``NearestNeighbors`` rule.

    A tree only pays off when it can prune: brute force when there are more
    than 15 features or ``k >= n_samples // 2``; otherwise a k-d tree if it
    supports the metric, else a ball tree if it does, else brute force.

    Examples
    --------
    >>> choose_algorithm("euclidean", n_samples=1000, n_features=2, k=5)
    'kd_tree'
    >>> choose_algorithm("mahalanobis", n_samples=1000, n_features=2, k=5)
    'ball_tree'
    >>> choose_algorithm("euclidean", n_samples=1000, n_features=50, k=5)
    'brute'
    """
    if n_features > 15 or k >= n_samples // 2:
        return "brute"
    for algorithm in ("kd_tree", "ball_tree"):
        if metric in INDEXES[algorithm].supported_metrics:
            return algorithm
    return "brute"


def _check_X(X):
    """``check_array(X, "X")``, after four checks worded as scikit-learn's own tests expect.

    scikit-learn's estimator checks look for particular phrases ("Reshape your
    data", "Complex data not supported", ...), so these cases are caught here
    first; everything else is :func:`knnlib._validation.check_array`'s job.
    """
    if hasattr(X, "toarray"):  # sparse input: check_array says what to do
        return check_array(X, "X")
    try:
        arr = np.asarray(X)
    except ValueError:  # ragged lists: check_array explains
        return check_array(X, "X")
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: X has complex dtype {arr.dtype}")
    if arr.dtype == object:
        try:
            arr.astype(np.float64)
        except TypeError as exc:
            raise TypeError(f"X must contain only numbers; converting it failed with: {exc}") from None
    if arr.ndim == 1:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features), got a 1-D array of shape {arr.shape}. "
            f"Reshape your data: X.reshape(1, -1) for a single sample, "
            f"X.reshape(-1, 1) for a single feature."
        )
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"X has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
    return check_array(arr, "X")


def _check_y(y, n_samples):
    """``y`` as a 1-D array with one entry per training sample, without NaN or infinity."""
    if y is None:
        raise ValueError("KNN requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            f"A column-vector y was passed when a 1d array was expected: y has shape "
            f"{y.shape}, so it was flattened to shape ({y.shape[0]},) with y.ravel()",
            DataConversionWarning,
            stacklevel=4,
        )
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1-D (one target per sample), got an array of shape {y.shape}; "
            f"multi-output targets are not supported"
        )
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} labels, but X has {n_samples} samples")
    if y.dtype.kind == "f":
        _check_finite_y(y)
    return y


def _check_finite_y(y):
    if not np.isfinite(y).all():
        row = int(np.flatnonzero(~np.isfinite(y))[0])
        raise ValueError(
            f"y contains NaN or infinity: y[{row}] = {y[row]}. Remove or impute it first."
        )


def _regression_targets(y):
    """``y`` as finite float64 numbers."""
    if y.dtype.kind not in "biufO":  # O: an object array, fine if it holds numbers
        raise ValueError(f"y must hold numbers for regression, got dtype {y.dtype} (y[0] = {y[0]!r})")
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y must hold numbers for regression; converting it failed: {exc}") from None
    _check_finite_y(y)  # again: an object y may have held NaN
    return y


class _KNNBase(BaseEstimator):
    """What both estimators share: fitting the index and finding neighbours."""

    def _check_params_and_data(self, X, y):
        """Validate the settings, ``X`` and ``y``; return ``X`` and ``y`` as arrays."""
        check_positive_int(self.k, "k")
        check_positive_int(self.leaf_size, "leaf_size")
        check_option(self.metric, "metric", METRICS)
        check_option(self.algorithm, "algorithm", ALGORITHMS)
        check_option(self.weights, "weights", WEIGHTS)
        if not isinstance(self.metric_params, (dict, type(None))):
            raise TypeError(
                f"metric_params must be a dict such as {{'p': 3}} or None, got {self.metric_params!r}"
            )
        X = _check_X(X)
        return X, _check_y(y, X.shape[0])

    def _fit_index(self, X):
        """Choose the algorithm and build the index, then (only then) record the fit."""
        algorithm = self.algorithm
        if algorithm == "auto":
            algorithm = choose_algorithm(self.metric, *X.shape, self.k)
        tree_params = {} if algorithm == "brute" else {"leaf_size": self.leaf_size}
        index = INDEXES[algorithm](X, metric=self.metric, **tree_params, **(self.metric_params or {}))
        self.index_, self.algorithm_ = index, algorithm
        self.n_samples_fit_, self.n_features_in_ = X.shape

    def kneighbors(self, X=None, k=None, return_distance=True):
        """The ``k`` nearest training points of each query, nearest first.

        Parameters
        ----------
        X : array-like of shape (m, n_features), default None
            The queries. ``None`` means the training points themselves, each
            *excluding itself* from its neighbours (as scikit-learn does).
        k : int, default ``self.k``
        return_distance : bool, default True

        Returns
        -------
        distances : ndarray of shape (m, k), only if ``return_distance``
        indices : ndarray of int of shape (m, k)
            Rows of the training data, ordered by (distance, index).
        """
        check_is_fitted(self)
        k = self.k if k is None else k
        if X is not None:
            X = _check_X(X)
            if X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input"
                )
            self.index_.metric.check_data(X, "X")
            check_n_neighbors(k, self.n_samples_fit_)
            return self.index_.query(X, k, return_distance=return_distance)

        n = self.n_samples_fit_
        check_positive_int(k, "k")
        if k >= n:
            raise ValueError(
                f"Expected k < n_samples_fit when X is None (a training point is not "
                f"its own neighbour), but k = {k}, n_samples_fit = {n}"
            )
        dist, ind = self.index_.query(self.index_.data, k + 1)
        # Drop each point from its own list. If exact duplicates fill all k + 1
        # places before it, it is not in the list: drop the farthest instead.
        drop = ind == np.arange(n)[:, None]
        drop[~drop.any(axis=1), -1] = True
        dist, ind = dist[~drop].reshape(n, k), ind[~drop].reshape(n, k)
        return (dist, ind) if return_distance else ind

    def _neighbors_and_weights(self, X):
        dist, ind = self.kneighbors(X)
        if not np.isfinite(dist).all():
            # Coordinates near 1e154 and beyond overflow float64 when squared:
            # such distances cannot rank neighbours, so no vote can be trusted.
            row = int(np.flatnonzero(~np.isfinite(dist).all(axis=1))[0])
            raise ValueError(
                f"The distances from query row {row} overflowed to {dist[row].max()}: X or "
                f"the training data hold values too large to measure. Rescale the "
                f"features (e.g. with sklearn.preprocessing.StandardScaler)."
            )
        return ind, neighbor_weights(dist, self.weights)


class KNNClassifier(ClassifierMixin, _KNNBase):
    r"""Classify by a vote among the k nearest training points.

    Parameters
    ----------
    k : int, default 5
        Number of neighbours that vote.
    metric : str, default "euclidean"
        One of :data:`knnlib.metrics.METRICS`.
    algorithm : {"auto", "brute", "kd_tree", "ball_tree"}, default "auto"
        The search index. All give identical answers; "auto" picks one by
        :func:`choose_algorithm` and records the choice in ``algorithm_``.
    weights : {"uniform", "distance"}, default "uniform"
        "uniform": one vote each. "distance": votes weighted by 1 / distance;
        exact matches (distance 0), if any, take the whole vote.
    leaf_size : int, default 40
        Points per tree leaf (ignored by brute force).
    metric_params : dict, optional
        ``{"p": ...}`` for minkowski, ``{"VI": ...}`` for mahalanobis (without
        ``VI``, the inverse covariance of the training data is used).

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted; probability columns follow this order.
    n_features_in_, n_samples_fit_ : int
        Shape of the training data.
    algorithm_ : str
        The algorithm actually used.
    index_ : BruteForce, KDTree or BallTree
        The search index holding the training data.

    Notes
    -----
    For a query :math:`x` with neighbours :math:`N_k(x)` and weights
    :math:`w_i`, class :math:`c` scores :math:`s_c = \sum_{i \in N_k(x)} w_i [y_i = c]`.
    The prediction is the class with the highest score; a tie goes to the
    smallest label. Neighbours tied in distance are ordered by training index.
    ``y`` must be one label per sample (multi-output is rejected).

    Examples
    --------
    >>> X = [[0, 0], [0, 1], [1, 0], [5, 5], [5, 6]]
    >>> y = [0, 0, 0, 1, 1]
    >>> model = KNNClassifier(k=3).fit(X, y)
    >>> model.predict([[0.5, 0.5], [4, 5]])
    array([0, 1])
    >>> model.predict_proba([[4, 5]])
    array([[0.33333333, 0.66666667]])
    >>> dist, ind = model.kneighbors([[4, 5]], k=2)
    >>> ind
    array([[3, 4]])
    """

    def __init__(
        self,
        k=5,
        metric="euclidean",
        algorithm="auto",
        weights="uniform",
        leaf_size=40,
        metric_params=None,
    ):
        self.k = k
        self.metric = metric
        self.algorithm = algorithm
        self.weights = weights
        self.leaf_size = leaf_size
        self.metric_params = metric_params

    def fit(self, X, y):
        """Store the training data in a search index and record the classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).

        Returns
        -------
        self
        """
        X, y = self._check_params_and_data(X, y)
        check_classification_targets(y)
        classes, y_codes = np.unique(y, return_inverse=True)
        self._fit_index(X)
        self.classes_, self._y_codes = classes, y_codes
        return self

    def _class_scores(self, X):
        ind, weights = self._neighbors_and_weights(X)
        return class_scores(self._y_codes[ind], weights, len(self.classes_))

    def predict_proba(self, X):
        """Class probabilities: each class's share of the neighbours' weight.

        Parameters
        ----------
        X : array-like of shape (m, n_features), or None (see :meth:`kneighbors`)

        Returns
        -------
        proba : ndarray of shape (m, n_classes), columns in the order of ``classes_``
        """
        return class_probabilities(self._class_scores(X))

    def predict(self, X):
        """The winning class of each query (a tie goes to the smallest label).

        Parameters
        ----------
        X : array-like of shape (m, n_features), or None (see :meth:`kneighbors`)

        Returns
        -------
        labels : ndarray of shape (m,)
        """
        winners = majority_vote(self._class_scores(X))
        return self.classes_[winners]

    def predict_ties(self, X):
        """Whether each query's vote is tied: two or more classes share the top score.

        A tied vote still has a prediction (the smallest tied label); this
        says where that rule, not the data, decided. The playground hatches
        these cells.

        Parameters
        ----------
        X : array-like of shape (m, n_features), or None (see :meth:`kneighbors`)

        Returns
        -------
        tied : ndarray of bool, shape (m,)

        Examples
        --------
        >>> model = KNNClassifier(k=2).fit([[0.0], [1.0], [5.0]], [0, 1, 1])
        >>> model.predict_ties([[0.4], [4.0]])
        array([ True, False])
        """
        return vote_ties(self._class_scores(X))


class KNNRegressor(RegressorMixin, _KNNBase):
    r"""Predict the mean (or median) target of the k nearest training points.

    Parameters
    ----------
    k, metric, algorithm, weights, leaf_size, metric_params
        As in :class:`KNNClassifier`.
    aggregate : {"mean", "median"}, default "mean"
        How the neighbours' targets are combined, with the weights above: the
        weighted mean, or the weighted median (with uniform weights, the plain
        median, which an outlier among the neighbours cannot drag away).

    Attributes
    ----------
    n_features_in_, n_samples_fit_, algorithm_, index_
        As in :class:`KNNClassifier`.

    Notes
    -----
    With weights :math:`w_i` over the neighbours :math:`N_k(x)`,
    ``aggregate="mean"`` predicts
    :math:`\hat y = \sum_i w_i y_i / \sum_i w_i`;
    ``aggregate="median"`` the weighted median of
    :func:`knnlib.vote.weighted_median`. ``y`` must be one finite number per
    sample (multi-output is rejected).

    Examples
    --------
    Living area against price, with one outlier (a mansion) at 85:

    >>> X = [[50], [60], [70], [80], [85]]
    >>> price = [100.0, 120.0, 140.0, 160.0, 2000.0]
    >>> KNNRegressor(k=3).fit(X, price).predict([[55]])
    array([120.])
    >>> mean = KNNRegressor(k=4).fit(X, price).predict([[75]])
    >>> median = KNNRegressor(k=4, aggregate="median").fit(X, price).predict([[75]])
    >>> mean, median  # the mansion drags the mean, not the median
    (array([605.]), array([150.]))
    """

    def __init__(
        self,
        k=5,
        metric="euclidean",
        algorithm="auto",
        weights="uniform",
        aggregate="mean",
        leaf_size=40,
        metric_params=None,
    ):
        self.k = k
        self.metric = metric
        self.algorithm = algorithm
        self.weights = weights
        self.aggregate = aggregate
        self.leaf_size = leaf_size
        self.metric_params = metric_params

    def fit(self, X, y):
        """Store the training data and targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Finite numeric targets.

        Returns
        -------
        self
        """
        check_option(self.aggregate, "aggregate", AGGREGATES)
        X, y = self._check_params_and_data(X, y)
        y = _regression_targets(y)
        self._fit_index(X)
        self._y = y
        return self

    def predict(self, X):
        """The weighted mean or median of each query's neighbours' targets.

        Parameters
        ----------
        X : array-like of shape (m, n_features), or None (see :meth:`kneighbors`)

        Returns
        -------
        y_pred : ndarray of shape (m,)
        """
        ind, weights = self._neighbors_and_weights(X)
        combine = weighted_mean if self.aggregate == "mean" else weighted_median
        return combine(self._y[ind], weights)
