r"""Distance metrics.

Each metric is a small function of two points with its formula in the
docstring, plus :func:`pairwise_distances` for whole arrays.

Behind them sits one routine per metric, :meth:`Metric.rowwise`, which every
search index in knnlib uses to compute the distances it *returns*. It walks
the features in a fixed order with elementwise NumPy operations, so the
distance between two given points is bit-for-bit the same whatever the shape
of the batch it was computed in. That is what lets brute force, the k-d tree
and the ball tree return identical answers, ties included.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import check_array, check_option

__all__ = [
    "METRICS",
    "Metric",
    "chebyshev",
    "cosine",
    "euclidean",
    "get_metric",
    "mahalanobis",
    "manhattan",
    "minkowski",
    "pairwise_distances",
]

#: Names accepted wherever knnlib takes ``metric=``.
METRICS = ("euclidean", "manhattan", "chebyshev", "minkowski", "cosine", "mahalanobis")

# Pairwise work is done in row chunks of at most this many (row, column) pairs,
# so that a large pairwise call never builds a giant temporary array.
_PAIRS_PER_CHUNK = 2**21


class Metric:
    """A distance function with its parameters bound.

    Build one with :func:`get_metric`. Attributes used by the search indexes:

    ``name``
        One of :data:`METRICS`.
    ``params``
        The resolved parameters (``p`` for minkowski, ``VI`` for mahalanobis).
    ``p``
        The Minkowski exponent (1, 2, a float > 1 or ``inf``) for metrics of the
        Minkowski family, else ``None``. k-d trees need this.
    ``is_true_metric``
        Whether the triangle inequality holds (ball trees need it). Cosine
        distance breaks it.
    """

    def __init__(self, name, p=None, VI=None):
        self.name = name
        self.p = p
        self.VI = VI
        self.is_true_metric = name != "cosine"
        self.params = {}
        if name == "minkowski":
            self.params["p"] = p
        if name == "mahalanobis":
            self.params["VI"] = VI

    def __repr__(self):
        extra = f", p={self.p}" if self.name == "minkowski" else ""
        return f"Metric({self.name!r}{extra})"

    # -- the one distance routine -------------------------------------------------
    def rowwise(self, A, B):
        """Distances between matching rows of ``A`` and ``B`` (broadcast on ``...``).

        ``A`` and ``B`` have shapes that broadcast to ``(..., n_features)``; the
        result has shape ``(...)``. The arithmetic for one pair of points does
        not depend on the batch shape, so results are reproducible bit for bit.
        """
        A = np.asarray(A, dtype=np.float64)
        B = np.asarray(B, dtype=np.float64)
        if A.ndim == 1 and B.ndim == 1:
            # One pair: compute it as a batch of one. On 0-d values NumPy falls
            # back to scalar math, whose pow() can differ in the last bit from
            # the vectorised pow() used for arrays (seen for p = 1.5).
            return self._rowwise(A[None, :], B[None, :])[0]
        return self._rowwise(A, B)

    def _rowwise(self, A, B):
        n_features = A.shape[-1]
        if self.name == "cosine":
            dot = sq_a = sq_b = 0.0
            for j in range(n_features):
                a, b = A[..., j], B[..., j]
                dot = dot + a * b
                sq_a = sq_a + a * a
                sq_b = sq_b + b * b
            with np.errstate(invalid="ignore", divide="ignore"):
                out = 1.0 - dot / np.sqrt(sq_a * sq_b)
            return np.clip(out, 0.0, 2.0)
        if self.name == "mahalanobis":
            diffs = [A[..., j] - B[..., j] for j in range(n_features)]
            acc = 0.0
            for j in range(n_features):
                row = 0.0
                for i in range(n_features):
                    row = row + self.VI[j, i] * diffs[i]
                acc = acc + diffs[j] * row
            return np.sqrt(np.maximum(acc, 0.0))
        p = self.p
        acc = None
        for j in range(n_features):
            diff = np.abs(A[..., j] - B[..., j])
            if p == np.inf:
                acc = diff if acc is None else np.maximum(acc, diff)
                continue
            if p == 1:
                term = diff
            elif p == 2:
                term = diff * diff
            else:
                term = diff**p
            acc = term if acc is None else acc + term
        if p == 2:
            return np.sqrt(acc)
        if p in (1, np.inf):
            return acc
        return acc ** (1.0 / p)

    def pairwise(self, X, Y):
        """All distances between rows of ``X`` (m, d) and rows of ``Y`` (n, d): (m, n)."""
        m, n = X.shape[0], Y.shape[0]
        out = np.empty((m, n), dtype=np.float64)
        step = max(1, _PAIRS_PER_CHUNK // max(n, 1))
        for start in range(0, m, step):
            stop = min(m, start + step)
            out[start:stop] = self.rowwise(X[start:stop, None, :], Y[None, :, :])
        return out

    def check_data(self, X, name):
        """Raise if ``X`` holds points this metric cannot measure (zero vectors for cosine)."""
        if self.name == "cosine":
            zero = ~np.any(X != 0, axis=1)
            if zero.any():
                row = int(np.flatnonzero(zero)[0])
                raise ValueError(
                    f"{name} has {int(zero.sum())} all-zero row(s) (the first is row "
                    f"{row}); cosine distance is undefined for a zero vector"
                )


def _check_p(p):
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"p must be a number >= 1 (or numpy.inf), got {p!r}")
    if math.isnan(p) or p < 1:
        raise ValueError(f"p must be >= 1 for the Minkowski distance, got p = {p}")
    return float(p) if p != np.inf else np.inf


def _check_VI(VI, n_features):
    VI = np.asarray(VI, dtype=np.float64)
    if VI.ndim != 2 or VI.shape[0] != VI.shape[1]:
        raise ValueError(f"VI must be a square 2-D matrix, got shape {VI.shape}")
    if n_features is not None and VI.shape[0] != n_features:
        raise ValueError(
            f"VI has shape {VI.shape}, but the data has {n_features} features; "
            f"expected shape ({n_features}, {n_features})"
        )
    if not np.all(np.isfinite(VI)):
        row, col = np.argwhere(~np.isfinite(VI))[0]
        raise ValueError(
            f"VI contains NaN or infinity: VI[{row}, {col}] = {VI[row, col]}"
        )
    if not np.allclose(VI, VI.T, rtol=1e-10, atol=1e-12):
        row, col = np.unravel_index(np.argmax(np.abs(VI - VI.T)), VI.shape)
        raise ValueError(
            "VI must be symmetric (it is the inverse of a covariance matrix), but "
            f"VI[{row}, {col}] = {VI[row, col]} and VI[{col}, {row}] = {VI[col, row]}"
        )
    try:
        np.linalg.cholesky(VI)
    except np.linalg.LinAlgError:
        raise ValueError(
            "VI must be positive definite (the inverse of a non-singular covariance "
            "matrix); the one given is not: its smallest eigenvalue is "
            f"{np.linalg.eigvalsh(VI)[0]:.6g}"
        ) from None
    return VI


def estimate_VI(X):
    """The inverse covariance of ``X``'s columns, or a clear error when it is singular."""
    if X.shape[0] <= X.shape[1]:
        raise ValueError(
            f"Cannot estimate a covariance for mahalanobis from {X.shape[0]} samples "
            f"in {X.shape[1]} features: it is singular (need more samples than "
            f"features). Pass VI= explicitly."
        )
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    cond = np.linalg.cond(cov)
    if not np.isfinite(cond) or cond > 1e12:
        raise ValueError(
            f"The covariance of the data is singular (condition number {cond:.3g}): "
            f"some features are constant or linear combinations of others, so "
            f"mahalanobis is undefined. Drop them or pass VI= explicitly."
        )
    VI = np.linalg.inv(cov)
    return (VI + VI.T) / 2


def get_metric(metric="euclidean", *, data=None, **params):
    """Resolve a metric name and its parameters to a :class:`Metric`.

    Parameters
    ----------
    metric : str
        One of :data:`METRICS`.
    data : ndarray, optional
        The training data; mahalanobis estimates ``VI`` from it when no ``VI``
        is given, and it fixes the expected number of features.
    **params
        ``p`` for minkowski, ``VI`` for mahalanobis. Anything else is an error.

    Examples
    --------
    >>> get_metric("minkowski", p=3)
    Metric('minkowski', p=3.0)
    >>> get_metric("hamming")
    Traceback (most recent call last):
    ...
    ValueError: Unknown metric 'hamming'; choose one of 'euclidean', 'manhattan', 'chebyshev', 'minkowski', 'cosine', 'mahalanobis'
    """
    if isinstance(metric, Metric):
        return metric
    check_option(metric, "metric", METRICS)
    allowed = {"minkowski": {"p"}, "mahalanobis": {"VI"}}.get(metric, set())
    unknown = set(params) - allowed
    if unknown:
        raise TypeError(
            f"metric {metric!r} takes no parameter(s) {sorted(unknown)}"
            + (f"; it accepts {sorted(allowed)}" if allowed else "")
        )
    n_features = None if data is None else data.shape[1]
    if metric == "euclidean":
        return Metric("euclidean", p=2)
    if metric == "manhattan":
        return Metric("manhattan", p=1)
    if metric == "chebyshev":
        return Metric("chebyshev", p=np.inf)
    if metric == "minkowski":
        return Metric("minkowski", p=_check_p(params.get("p", 2)))
    if metric == "cosine":
        return Metric("cosine")
    # mahalanobis
    if params.get("VI") is not None:
        return Metric("mahalanobis", VI=_check_VI(params["VI"], n_features))
    if data is None:
        raise ValueError("mahalanobis needs VI= (an inverse covariance) or data to estimate it from")
    return Metric("mahalanobis", VI=estimate_VI(data))


def _two_points(x, y):
    x = check_array(np.atleast_2d(np.asarray(x, dtype=float)), "x")
    y = check_array(np.atleast_2d(np.asarray(y, dtype=float)), "y")
    if x.shape != (1, y.shape[1]) or y.shape[0] != 1:
        raise ValueError(
            f"x and y must be two points with the same number of coordinates, "
            f"got shapes {x.shape[1:]} and {y.shape[1:]}"
        )
    return x[0], y[0]


def euclidean(x, y):
    r"""Euclidean (straight-line) distance.

    .. math:: d(x, y) = \sqrt{\sum_j (x_j - y_j)^2}

    Examples
    --------
    >>> euclidean([0, 0], [3, 4])
    5.0
    """
    x, y = _two_points(x, y)
    return float(get_metric("euclidean").rowwise(x, y))


def manhattan(x, y):
    r"""Manhattan (city-block) distance: walk along the axes only.

    .. math:: d(x, y) = \sum_j |x_j - y_j|

    Examples
    --------
    >>> manhattan([0, 0], [3, 4])
    7.0
    """
    x, y = _two_points(x, y)
    return float(get_metric("manhattan").rowwise(x, y))


def chebyshev(x, y):
    r"""Chebyshev distance: the largest difference along any one axis.

    .. math:: d(x, y) = \max_j |x_j - y_j|

    Examples
    --------
    >>> chebyshev([0, 0], [3, 4])
    4.0
    """
    x, y = _two_points(x, y)
    return float(get_metric("chebyshev").rowwise(x, y))


def minkowski(x, y, p=2):
    r"""Minkowski distance of order ``p`` (p >= 1; ``numpy.inf`` allowed).

    .. math:: d_p(x, y) = \Big(\sum_j |x_j - y_j|^p\Big)^{1/p}

    ``p=1`` is Manhattan, ``p=2`` Euclidean, ``p=inf`` Chebyshev.

    Examples
    --------
    >>> minkowski([0, 0], [3, 4], p=1)
    7.0
    >>> round(minkowski([0, 0], [3, 4], p=3), 4)
    4.4979
    """
    x, y = _two_points(x, y)
    return float(get_metric("minkowski", p=p).rowwise(x, y))


def cosine(x, y):
    r"""Cosine distance: one minus the cosine of the angle between ``x`` and ``y``.

    .. math:: d(x, y) = 1 - \frac{\sum_j x_j y_j}{\lVert x \rVert_2 \, \lVert y \rVert_2}

    It ranges from 0 (same direction) to 2 (opposite directions) and ignores
    length, which is why it suits word counts: a long and a short document on
    the same topic point the same way. Undefined for an all-zero vector.

    Examples
    --------
    >>> cosine([1, 0], [0, 1])
    1.0
    >>> cosine([1, 2], [10, 20])
    0.0
    """
    x, y = _two_points(x, y)
    metric = get_metric("cosine")
    metric.check_data(np.vstack([x, y]), "x and y")
    return float(metric.rowwise(x, y))


def mahalanobis(x, y, VI):
    r"""Mahalanobis distance with inverse covariance matrix ``VI``.

    .. math:: d(x, y) = \sqrt{(x - y)^\top V^{-1} (x - y)}

    With ``VI`` the identity it is the Euclidean distance; with the inverse of
    the data's covariance, a step along a direction in which the data varies a
    lot counts for less than the same step across it.

    Examples
    --------
    >>> mahalanobis([0, 0], [3, 4], VI=[[1, 0], [0, 1]])
    5.0
    >>> mahalanobis([0, 0], [2, 0], VI=[[0.25, 0], [0, 1]])
    1.0
    """
    x, y = _two_points(x, y)
    return float(get_metric("mahalanobis", VI=VI, data=x[None, :]).rowwise(x, y))


def pairwise_distances(X, Y=None, metric="euclidean", **params):
    """Distances between every row of ``X`` and every row of ``Y``.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features), default ``X``
    metric : str
        One of :data:`METRICS`.
    **params
        ``p`` for minkowski, ``VI`` for mahalanobis (estimated from the stacked
        rows of ``X`` and ``Y`` when omitted, as SciPy does).

    Returns
    -------
    D : ndarray of shape (n_samples_X, n_samples_Y)

    Examples
    --------
    >>> pairwise_distances([[0, 0], [1, 1]], [[3, 4]], metric="manhattan")
    array([[7.],
           [5.]])
    """
    X = check_array(X, "X")
    Y = X if Y is None else check_array(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features, got {X.shape[1]} and {Y.shape[1]}"
        )
    data = np.vstack([X, Y]) if Y is not X else X
    metric = get_metric(metric, data=data, **params)
    metric.check_data(X, "X")
    metric.check_data(Y, "Y")
    return metric.pairwise(X, Y)
