r"""The k-d tree: nested axis-aligned boxes.

Each node of a k-d tree holds the points inside a box. An internal node cuts
its box in two along one feature (the one along which its points spread the
most), at the median, so each child gets half of the points. A query then
skips every box that cannot hold anything closer than the k-th neighbour
found so far.

The lower bound for a box with corners ``lo`` and ``hi`` is the distance from
the query ``q`` to the nearest point of the box: along each feature the gap

.. math:: g_j = \max(lo_j - q_j,\; 0,\; q_j - hi_j)

is how far ``q`` is outside the box's extent, and the bound is the
Minkowski norm of the gaps, :math:`\lVert g \rVert_p` (zero if ``q`` is
inside the box). It works for every metric of the Minkowski family, and only
for those: that is why the k-d tree supports euclidean, manhattan, chebyshev
and minkowski, and the ball tree (which only needs the triangle inequality)
also supports mahalanobis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._tree import SearchTrace, TraceEvent, TreeIndex

__all__ = ["KDNode", "KDTree", "SearchTrace", "TraceEvent"]


@dataclass(frozen=True)
class KDNode:
    """One node of a :class:`KDTree`, for reading and drawing.

    Attributes
    ----------
    id : int
        The node id (the root is 0; the children of ``i`` are ``2i+1, 2i+2``).
    depth : int
        0 for the root.
    lo, hi : ndarray of shape (n_features,)
        Corners of the bounding box of the node's points (the box the search
        measures against).
    cell_lo, cell_hi : ndarray of shape (n_features,)
        Corners of the region of space the node owns, cut out by its
        ancestors' splits (``-inf`` / ``inf`` where no ancestor cut). The
        cells of one level tile space; draw them to show the partition.
    split_dim : int or None
        The feature this node splits on (None for a leaf).
    split_value : float or None
        Points with ``x[split_dim] < split_value`` are in the left child,
        points with ``>`` in the right one; points equal to it may be in
        either (None for a leaf).
    children : tuple of int
        ``(left, right)``, or ``()`` for a leaf.
    point_indices : ndarray of int
        Rows of the training data in this node.
    """

    id: int
    depth: int
    lo: np.ndarray
    hi: np.ndarray
    cell_lo: np.ndarray
    cell_hi: np.ndarray
    split_dim: int | None
    split_value: float | None
    children: tuple
    point_indices: np.ndarray

    @property
    def is_leaf(self):
        """Whether this node is a leaf."""
        return not self.children


class KDTree(TreeIndex):
    r"""Exact k-nearest-neighbour search with a k-d tree.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The training points.
    leaf_size : int, default 40
        Leaves hold between ``leaf_size`` and about ``2 * leaf_size`` points
        (as in scikit-learn). Smaller leaves: more nodes, fewer distances.
    metric : {"euclidean", "manhattan", "chebyshev", "minkowski"}
        A metric of the Minkowski family.
    **metric_params
        ``p`` for minkowski (``p >= 1``, ``numpy.inf`` allowed).

    Attributes
    ----------
    n_levels, n_nodes, n_leaves : int
        The tree is complete: node ``i`` has children ``2i+1`` and ``2i+2``
        and all leaves are at depth ``n_levels - 1``.
    idx_array : ndarray of int, shape (n_samples,)
        Training indices in tree order; node ``i`` owns
        ``idx_array[node_start[i]:node_end[i]]``.
    node_start, node_end, node_depth : ndarray of int, shape (n_nodes,)
    node_lo, node_hi : ndarray of shape (n_nodes, n_features)
        Bounding box of each node's points.
    cell_lo, cell_hi : ndarray of shape (n_nodes, n_features)
        The region each node owns (see :class:`KDNode`).
    split_dim : ndarray of int, shape (n_nodes,)
        Split feature of each internal node (-1 for leaves).
    split_value : ndarray of shape (n_nodes,)
        Split value of each internal node (NaN for leaves).
    nodes : list of KDNode
        The same, one small object per node.
    last_stats : QueryStats or None
        Work per query of the last :meth:`query` / :meth:`query_radius`:
        ``n_distance_evaluations`` (points measured) and ``n_nodes_visited``
        (nodes opened, leaves included).

    Notes
    -----
    Answers are exact and identical to :class:`~knnlib.search.BruteForce`,
    ties included: neighbours come in (distance, training index) order and
    a box is skipped only when its lower bound is larger than the current
    k-th distance by more than rounding error. All queries are searched
    together, level by level (see :mod:`knnlib.search._tree`); :meth:`trace`
    runs the classic one-query recursive search and records it.

    Examples
    --------
    >>> import numpy as np
    >>> from knnlib import KDTree
    >>> X = np.array([[0., 0.], [1., 0.], [0., 1.], [1., 1.], [5., 5.], [6., 5.]])
    >>> tree = KDTree(X, leaf_size=1)
    >>> dist, ind = tree.query([[0.9, 0.2]], k=2)
    >>> ind
    array([[1, 3]])
    >>> tree.n_levels, tree.n_nodes
    (3, 7)
    >>> root = tree.nodes[0]
    >>> int(root.split_dim), float(root.split_value), root.children
    (0, 1.0, (1, 2))
    >>> tree.node_points(1)
    array([0, 2, 1])
    >>> int(tree.last_stats.n_distance_evaluations[0])
    4

    One query, traced: which nodes were opened, measured or skipped.

    >>> record = tree.trace([0.9, 0.2], k=2)
    >>> [(e.node, e.action) for e in record.events]
    [(0, 'visit'), (1, 'visit'), (4, 'leaf'), (3, 'leaf'), (2, 'visit'), (5, 'leaf'), (6, 'prune')]
    >>> record.indices
    array([1, 3])
    """

    supported_metrics = ("euclidean", "manhattan", "chebyshev", "minkowski")

    def __init__(self, X, leaf_size=40, metric="euclidean", **metric_params):
        super().__init__(X, leaf_size=leaf_size, metric=metric, **metric_params)

    def _build_bounds(self):
        n_nodes, d = self.n_nodes, self.n_features
        lo = np.empty((n_nodes, d))
        hi = np.empty((n_nodes, d))
        leaf_start = self.node_start[self._first_leaf :]
        lo[self._first_leaf :] = np.minimum.reduceat(self._points, leaf_start, axis=0)
        hi[self._first_leaf :] = np.maximum.reduceat(self._points, leaf_start, axis=0)
        for level in range(self.n_levels - 2, -1, -1):
            ids = np.arange(2**level - 1, 2 ** (level + 1) - 1)
            lo[ids] = np.minimum(lo[2 * ids + 1], lo[2 * ids + 2])
            hi[ids] = np.maximum(hi[2 * ids + 1], hi[2 * ids + 2])
        self.node_lo, self.node_hi = lo, hi
        self._lo_fm = np.ascontiguousarray(lo.T)
        self._hi_fm = np.ascontiguousarray(hi.T)

        cell_lo = np.full((n_nodes, d), -np.inf)
        cell_hi = np.full((n_nodes, d), np.inf)
        for level in range(self.n_levels - 1):
            ids = np.arange(2**level - 1, 2 ** (level + 1) - 1)
            left, right = 2 * ids + 1, 2 * ids + 2
            for child in (left, right):
                cell_lo[child], cell_hi[child] = cell_lo[ids], cell_hi[ids]
            dims = self.split_dim[ids]
            cell_hi[left, dims] = self.split_value[ids]
            cell_lo[right, dims] = self.split_value[ids]
        self.cell_lo, self.cell_hi = cell_lo, cell_hi
        self._cell_lo_fm = np.ascontiguousarray(cell_lo.T)
        self._cell_hi_fm = np.ascontiguousarray(cell_hi.T)

    def _lower_bounds(self, queries_fm, qi, nodes):
        """Reduced distance from query ``qi[t]`` to the box of ``nodes[t]``.

        The gaps are formed with the same rounded subtraction as point
        differences, and rounding is monotone, so the bound never exceeds
        the reduced distance of a point inside the box.
        """
        acc, gap, beyond, q = (np.empty(len(qi)) for _ in range(4))
        for j in range(queries_fm.shape[0]):
            # np.take with out= and mode="clip" (the indices are valid) is
            # the fastest gather NumPy offers here.
            np.take(queries_fm[j], qi, out=q, mode="clip")
            np.take(self._lo_fm[j], nodes, out=gap, mode="clip")
            np.subtract(gap, q, out=gap)
            np.take(self._hi_fm[j], nodes, out=beyond, mode="clip")
            np.subtract(q, beyond, out=beyond)
            np.maximum(gap, beyond, out=gap)
            np.maximum(gap, 0.0, out=gap)
            self._reduced.accumulate(acc, gap, j == 0)
        return acc

    def _start_levels(self, queries_fm, bound, home, home_level):
        """Deepest ancestor of ``home`` whose cell holds everything within ``bound``.

        A point outside a cell has, along some feature ``j``, a coordinate at
        or beyond the cell's wall, so its reduced distance is at least the
        reduced value of the query's smallest gap to a wall. If that exceeds
        the bound, nothing outside the cell can be a neighbour and the
        search may start at the cell's node instead of the root. (Rounding
        is monotone, so the computed gap never exceeds a point's computed
        coordinate difference.)
        """
        levels = np.arange(home_level + 1)
        ancestors = ((home[:, None] + 1) >> (home_level - levels)) - 1  # (m, levels)
        wall_gap = np.full(ancestors.shape, np.inf)
        wall = np.empty(ancestors.shape)
        for j in range(queries_fm.shape[0]):
            q = queries_fm[j][:, None]
            np.take(self._cell_lo_fm[j], ancestors, out=wall, mode="clip")
            np.subtract(q, wall, out=wall)
            np.minimum(wall_gap, wall, out=wall_gap)
            np.take(self._cell_hi_fm[j], ancestors, out=wall, mode="clip")
            np.subtract(wall, q, out=wall)
            np.minimum(wall_gap, wall, out=wall_gap)
        inside = self._reduced.to_reduced(wall_gap) > bound[:, None]
        # Cells shrink with depth, so "inside" holds for a prefix of levels.
        return inside.sum(axis=1) - 1

    @cached_property
    def nodes(self):
        """All nodes as :class:`KDNode` objects, indexed by node id."""
        out = []
        for i in range(self.n_nodes):
            leaf = i >= self._first_leaf
            out.append(
                KDNode(
                    id=i,
                    depth=int(self.node_depth[i]),
                    lo=self.node_lo[i].copy(),
                    hi=self.node_hi[i].copy(),
                    cell_lo=self.cell_lo[i].copy(),
                    cell_hi=self.cell_hi[i].copy(),
                    split_dim=None if leaf else int(self.split_dim[i]),
                    split_value=None if leaf else float(self.split_value[i]),
                    children=() if leaf else (2 * i + 1, 2 * i + 2),
                    point_indices=self.node_points(i),
                )
            )
        return out
