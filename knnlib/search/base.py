"""The interface every knnlib search index shares.

An index is built once from training points ``X`` and then answers
``query(Q, k)``: for each row of ``Q``, the ``k`` nearest training points.

The contract, for every index and every metric it supports:

* Neighbours are ordered by (distance, training index): exactly what a full
  stable sort of all ``n`` distances would return. Ties at the k-th place go
  to the smaller training index, so all indexes return identical answers.
* Returned distances come from :meth:`knnlib.metrics.Metric.rowwise` on the
  coordinates, never from a faster approximate formula (an exact duplicate of
  a training point is at distance exactly 0.0). Fast formulas may only choose
  candidates, conservatively.
* After each query, :attr:`NeighborsIndex.last_stats` says how much work each
  query took.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_n_features, check_n_neighbors
from ..metrics import METRICS, get_metric

__all__ = ["NeighborsIndex", "QueryStats", "stable_k_smallest"]


@dataclass
class QueryStats:
    """Work done by the last query, one entry per query point.

    Attributes
    ----------
    n_distance_evaluations : ndarray of int, shape (m,)
        Point-to-point distances computed for that query (brute force: n).
    n_nodes_visited : ndarray of int, shape (m,)
        Tree nodes whose bound was checked and found worth opening (0 for brute force).
    """

    n_distance_evaluations: np.ndarray
    n_nodes_visited: np.ndarray


def stable_k_smallest(dist, ind, k):
    """Keep the ``k`` best of each row of candidate ``(dist, ind)``, ordered by (distance, index).

    ``dist`` and ``ind`` have shape (m, c) with c >= k; padding entries use
    ``dist = inf`` and ``ind = iinfo.max``. Returns arrays of shape (m, k).

    Examples
    --------
    >>> d = np.array([[2.0, 1.0, 1.0, 0.5]])
    >>> i = np.array([[7, 9, 3, 5]])
    >>> stable_k_smallest(d, i, 3)
    (array([[0.5, 1. , 1. ]]), array([[5, 3, 9]]))
    """
    order = np.lexsort((ind, dist), axis=-1)[:, :k]
    return np.take_along_axis(dist, order, 1), np.take_along_axis(ind, order, 1)


class NeighborsIndex:
    """Base class: validation, the public query methods and work counters.

    Subclasses set :attr:`supported_metrics` and implement ``_build()``,
    ``_query(Q, k) -> (dist, ind, QueryStats)`` and
    ``_query_radius(Q, r) -> (list of dist arrays, list of ind arrays, QueryStats)``.
    """

    #: Metric names this index can search with.
    supported_metrics = METRICS

    def __init__(self, X, metric="euclidean", **metric_params):
        self.data = check_array(X, "X")
        self.n_samples, self.n_features = self.data.shape
        self.metric = get_metric(metric, data=self.data, **metric_params)
        if self.metric.name not in self.supported_metrics:
            raise ValueError(
                f"{type(self).__name__} does not support metric {self.metric.name!r}; "
                f"it supports {', '.join(map(repr, self.supported_metrics))}. "
                f"BruteForce supports every metric."
            )
        self.metric.check_data(self.data, "X")
        self.last_stats = None
        self._build()

    def __repr__(self):
        return (
            f"{type(self).__name__}(n_samples={self.n_samples}, "
            f"n_features={self.n_features}, metric={self.metric!r})"
        )

    def _check_query(self, Q):
        Q = check_array(Q, "Q")
        check_n_features(Q, self.n_features, "Q")
        self.metric.check_data(Q, "Q")
        return Q

    def query(self, Q, k=1, return_distance=True):
        """The ``k`` nearest training points of each row of ``Q``.

        Parameters
        ----------
        Q : array-like of shape (m, n_features)
        k : int, 1 <= k <= n_samples
        return_distance : bool

        Returns
        -------
        distances : ndarray of shape (m, k), only if ``return_distance``
        indices : ndarray of int of shape (m, k)
            Rows of the training data, nearest first; ties broken by index.
        """
        Q = self._check_query(Q)
        k = check_n_neighbors(k, self.n_samples)
        dist, ind, stats = self._query(Q, k)
        self.last_stats = stats
        return (dist, ind) if return_distance else ind

    def query_radius(self, Q, r, return_distance=True):
        """All training points within distance ``r`` (inclusive) of each row of ``Q``.

        Parameters
        ----------
        Q : array-like of shape (m, n_features)
        r : float >= 0, or array of shape (m,)
        return_distance : bool

        Returns
        -------
        distances : object ndarray of shape (m,), only if ``return_distance``
            Each entry an array of the distances, in increasing order.
        indices : object ndarray of shape (m,)
            Each entry an int array ordered by (distance, index).
        """
        Q = self._check_query(Q)
        r_arr = np.asarray(r, dtype=np.float64) if np.ndim(r) else None
        if r_arr is None:
            if isinstance(r, bool) or not np.isscalar(r) or not np.isreal(r):
                raise TypeError(f"r must be a number >= 0, got {r!r}")
            r_arr = np.full(Q.shape[0], float(r))
        if r_arr.shape != (Q.shape[0],):
            raise ValueError(
                f"r must be a number or an array of shape ({Q.shape[0]},), got shape {r_arr.shape}"
            )
        if not np.all(np.isfinite(r_arr)) or np.any(r_arr < 0):
            bad = r_arr[~(np.isfinite(r_arr) & (r_arr >= 0))][0]
            raise ValueError(f"r must be finite and >= 0, got r = {bad}")
        dists, inds, stats = self._query_radius(Q, r_arr)
        self.last_stats = stats
        ind_out = np.empty(len(inds), dtype=object)
        dist_out = np.empty(len(dists), dtype=object)
        for i, (d, j) in enumerate(zip(dists, inds)):
            ind_out[i], dist_out[i] = j, d
        return (dist_out, ind_out) if return_distance else ind_out

    # -- implemented by subclasses --------------------------------------------------
    def _build(self):
        raise NotImplementedError

    def _query(self, Q, k):
        raise NotImplementedError

    def _query_radius(self, Q, r):
        raise NotImplementedError
