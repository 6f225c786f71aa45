r"""The ball tree: nested balls.

Each node of a ball tree holds its points inside a ball: a centre ``c`` (the
mean of the points) and a radius ``R`` (the largest distance from ``c`` to
one of them). Nodes are split like the k-d tree's (at the median of the
feature with the largest spread), but the search only uses the balls.

By the triangle inequality, for a query ``q`` and any point ``x`` of the node,

.. math:: d(q, x) \ge d(q, c) - d(c, x) \ge d(q, c) - R,

so :math:`\max(0,\, d(q, c) - R)` is a lower bound on the distance from
``q`` to anything in the node, and the node can be skipped when that bound is
larger than the current k-th distance. Only the triangle inequality is used,
so the ball tree works for every true metric: the Minkowski family and
mahalanobis. Cosine distance breaks the triangle inequality, so it is not
supported (use :class:`~knnlib.search.BruteForce`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._tree import SearchTrace, TraceEvent, TreeIndex

__all__ = ["BallNode", "BallTree", "SearchTrace", "TraceEvent"]


@dataclass(frozen=True)
class BallNode:
    """One node of a :class:`BallTree`, for reading and drawing.

    Attributes
    ----------
    id : int
        The node id (the root is 0; the children of ``i`` are ``2i+1, 2i+2``).
    depth : int
        0 for the root.
    centre : ndarray of shape (n_features,)
        The mean of the node's points.
    radius : float
        The largest distance from ``centre`` to one of the node's points.
    children : tuple of int
        ``(left, right)``, or ``()`` for a leaf.
    point_indices : ndarray of int
        Rows of the training data in this node.
    """

    id: int
    depth: int
    centre: np.ndarray
    radius: float
    children: tuple
    point_indices: np.ndarray

    @property
    def is_leaf(self):
        """Whether this node is a leaf."""
        return not self.children


class BallTree(TreeIndex):
    r"""Exact k-nearest-neighbour search with a ball tree.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The training points.
    leaf_size : int, default 40
        Leaves hold between ``leaf_size`` and about ``2 * leaf_size`` points
        (as in scikit-learn).
    metric : {"euclidean", "manhattan", "chebyshev", "minkowski", "mahalanobis"}
        Any true metric of knnlib (cosine is not one).
    **metric_params
        ``p`` for minkowski, ``VI`` for mahalanobis (estimated from ``X``
        when omitted).

    Attributes
    ----------
    n_levels, n_nodes, n_leaves : int
        The tree is complete: node ``i`` has children ``2i+1`` and ``2i+2``
        and all leaves are at depth ``n_levels - 1``.
    idx_array : ndarray of int, shape (n_samples,)
        Training indices in tree order; node ``i`` owns
        ``idx_array[node_start[i]:node_end[i]]``.
    node_start, node_end, node_depth : ndarray of int, shape (n_nodes,)
    centres : ndarray of shape (n_nodes, n_features)
    radii : ndarray of shape (n_nodes,)
    split_dim, split_value : ndarray, shape (n_nodes,)
        How each internal node divided its points (-1 / NaN for leaves).
    nodes : list of BallNode
        The same, one small object per node.
    last_stats : QueryStats or None
        Work per query of the last :meth:`query` / :meth:`query_radius`:
        ``n_distance_evaluations`` (points measured) and ``n_nodes_visited``
        (nodes opened, leaves included).

    Notes
    -----
    Answers are exact and identical to :class:`~knnlib.search.BruteForce`,
    ties included. The bound :math:`d(q, c) - R` is computed in floating
    point, so a ball is skipped only when it exceeds the k-th distance by
    more than a safe multiple of the rounding error.

    Examples
    --------
    >>> import numpy as np
    >>> from knnlib import BallTree
    >>> X = np.array([[0., 0.], [1., 0.], [0., 1.], [1., 1.], [5., 5.], [6., 5.]])
    >>> tree = BallTree(X, leaf_size=1)
    >>> dist, ind = tree.query([[5.2, 5.0]], k=2)
    >>> ind, dist.round(3)
    (array([[4, 5]]), array([[0.2, 0.8]]))
    >>> leaf = tree.nodes[6]
    >>> leaf.centre, round(leaf.radius, 3), leaf.point_indices
    (array([5.5, 5. ]), 0.5, array([4, 5]))
    >>> [(e.node, e.action) for e in tree.trace([5.2, 5.0], k=1).events]
    [(0, 'visit'), (2, 'visit'), (6, 'leaf'), (5, 'prune'), (1, 'prune')]
    """

    supported_metrics = ("euclidean", "manhattan", "chebyshev", "minkowski", "mahalanobis")

    def __init__(self, X, leaf_size=40, metric="euclidean", **metric_params):
        super().__init__(X, leaf_size=leaf_size, metric=metric, **metric_params)

    def _build_bounds(self):
        n_nodes, d = self.n_nodes, self.n_features
        centres = np.empty((n_nodes, d))
        radii = np.empty(n_nodes)
        for level in range(self.n_levels):
            ids = np.arange(2**level - 1, 2 ** (level + 1) - 1)
            starts = self.node_start[ids]
            counts = self.node_end[ids] - starts
            centres[ids] = np.add.reduceat(self._points, starts, axis=0) / counts[:, None]
            owner = np.repeat(ids, counts)
            dist = self.metric.rowwise(self._points, centres[owner])
            radii[ids] = np.maximum.reduceat(dist, starts)
        self.centres, self.radii = centres, radii
        self._centres_fm = np.ascontiguousarray(centres.T)

    def _lower_bounds(self, queries_fm, qi, nodes):
        """Reduced lower bound ``max(0, d(q, c) - R)``, loosened for rounding.

        ``d(q, c)`` and ``R`` carry rounding errors of at most ``rel_tol``
        times their size, so the bound is lowered by that much before use.
        """
        to_centre = self._reduced.to_real(self._pair_reduced(queries_fm, qi, self._centres_fm, nodes))
        radius = self.radii[nodes]
        slack = self._reduced.rel_tol * (to_centre + radius)
        gap = np.maximum(to_centre - radius - slack, 0.0)
        return self._reduced.to_reduced(gap)

    @cached_property
    def nodes(self):
        """All nodes as :class:`BallNode` objects, indexed by node id."""
        out = []
        for i in range(self.n_nodes):
            leaf = i >= self._first_leaf
            out.append(
                BallNode(
                    id=i,
                    depth=int(self.node_depth[i]),
                    centre=self.centres[i].copy(),
                    radius=float(self.radii[i]),
                    children=() if leaf else (2 * i + 1, 2 * i + 2),
                    point_indices=self.node_points(i),
                )
            )
        return out
