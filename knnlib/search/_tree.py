r"""Machinery shared by :class:`~knnlib.search.KDTree` and :class:`~knnlib.search.BallTree`.

Both trees have the same *shape*; they differ only in what each node
remembers about its points (a box for the k-d tree, a ball for the ball tree)
and so in the lower bound they give on the distance from a query to anything
inside a node.

The shape
---------
The tree is a complete binary tree stored in "heap order": node ``i`` has
children ``2i + 1`` and ``2i + 2``, the root is node 0 and all leaves sit at
the same depth. As in scikit-learn, the number of levels is
``1 + floor(log2(max(1, (n - 1) / leaf_size)))``, so a leaf holds between
``leaf_size`` and about ``2 * leaf_size`` points (fewer only if ``n`` itself
is smaller). The training points are *reordered* so that every node owns a
contiguous slice ``node_start[i]:node_end[i]`` of that order; a node's
points are ``idx_array[node_start[i]:node_end[i]]`` (original row numbers).

Each internal node splits its points at the median of the feature along
which they spread the most: the left child gets ``size // 2`` points with
the smaller values, the right child the rest. The build works level by level
(all nodes of one level in one NumPy call), not node by node.

The search
----------
All queries are processed together, without a Python loop over queries:

1. **A first guess.** Each query walks down the split values to its "home"
   leaf (or, when ``k`` is larger than a leaf, the deepest node holding at
   least ``k`` points) and measures all its points. The k-th smallest
   distance found is an upper bound ``b`` on the true k-th distance.
2. **Frontier.** Pairs (query, node) are opened from the top down; a pair
   survives only if the node's lower bound is at most the query's ``b``.
   Pairs go down two levels per step (the bound of a grandchild is at least
   that of its parent, so nothing is lost, and there are half as many NumPy
   calls). What is left at the bottom are the (query, leaf) pairs that might
   hold a neighbour. The k-d tree starts each query not at the root but at
   the deepest ancestor of its home leaf whose cell provably contains every
   point within ``b`` (see ``KDTree._start_levels``).
3. **Rounds.** The first guess can be loose (in more than a few
   dimensions, or for queries far from the data), so the frontier is opened
   in rounds, nearest first: each round opens only
   the nodes whose bound is below a growing fraction of ``b``, measures the
   leaves it reaches, keeps the best ``k`` per query and tightens ``b``;
   nodes that the tighter ``b`` rules out are never opened.
4. **Exact answer.** Leaf distances are first computed as *reduced*
   distances (for Euclidean, the sum of squares without the square root).
   A leaf offers a query only its points within ``b``, and at most its own
   ``k`` nearest of them (plus ties). Only those candidates get their
   returned distance from :meth:`~knnlib.metrics.Metric.rowwise`, and the
   best ``k`` of each query are kept in (distance, index) order.

Never skipping a tie
--------------------
A node may be skipped only if *nothing* in it can tie the current k-th
distance, because a tied point with a smaller index would win. Bounds and
reduced distances are computed in floating point, so every comparison
allows a relative slack ``rel_tol`` (about :math:`10^{-10}`, far above the
rounding error and far below any distance that matters; larger for
mahalanobis with an ill-conditioned ``VI``, whose rounding error grows with
the condition number): a node is pruned
only when its lower bound exceeds :math:`b\,(1 + \text{rel\_tol})`, and a
point is kept as a candidate whenever its reduced distance is at most
:math:`b\,(1 + \text{rel\_tol})`. Extra candidates cost a little time; the
final selection by exact distance and index decides.

Teaching tools
--------------
``trace(q, k)`` runs the classic recursive search (nearest child first) for
one query and records every decision; ``last_stats`` counts the work of the
last batch query. Both trees expose their nodes for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_n_features, check_n_neighbors, check_positive_int
from ..metrics import METRICS
from .base import NeighborsIndex, QueryStats

__all__ = ["SearchTrace", "TraceEvent", "TreeIndex"]

# Index used for "no point" in padded candidate arrays: larger than any real
# index, so it loses every tie.
_NO_INDEX = np.iinfo(np.intp).max

# How many reduced distances one block of leaf work computes at once. Small
# enough for the temporary arrays to stay in the CPU cache.
_BLOCK_DISTANCES = 1 << 15

# How many (query, leaf-point) distances the first guess may hold in memory.
_HOME_DISTANCES = 1 << 22

# Round schedules for measuring leaves: in round r, open the nodes whose
# lower bound is at most FRACTIONS[r] times the current k-th distance; the
# last entry (None) means "everything still allowed". In more dimensions the
# first guess is loose, and measuring the nearest leaves first (so that the
# bound tightens before the farther ones are opened) halves the work. In few
# dimensions the first guess is usually close, and a second round only pays
# for queries far from the data (clustered data). Measured with n = 100,000
# and 20,000, k = 5, uniform and clustered data.
_ROUNDS_FEW_DIMENSIONS = (0.7, None)
_ROUNDS_MANY_DIMENSIONS = (0.6, 0.85, None)
_FEW_DIMENSIONS = 4


@dataclass(frozen=True)
class TraceEvent:
    """One decision of a traced search.

    Attributes
    ----------
    node : int
        The node id.
    action : str
        ``"visit"`` (an internal node is opened), ``"leaf"`` (a leaf's points
        are measured) or ``"prune"`` (the node is skipped: its lower bound is
        larger than the current k-th distance).
    lower_bound : float
        The node's lower bound on the distance from the query to any of its
        points; the number that decided the action.
    kth_distance : float
        The k-th smallest distance found so far when the decision was made
        (``inf`` until ``k`` points have been measured).
    """

    node: int
    action: str
    lower_bound: float
    kth_distance: float


@dataclass
class SearchTrace:
    """The record of one traced query: its decisions and its answer.

    Attributes
    ----------
    events : list of TraceEvent
        Every decision, in the order the search made it.
    distances : ndarray of shape (k,)
    indices : ndarray of int, shape (k,)
        The answer, ordered by (distance, index): the same as ``query``.
    n_distance_evaluations : int
        Points measured (the sum of the sizes of the ``"leaf"`` nodes).
    """

    events: list
    distances: np.ndarray
    indices: np.ndarray
    n_distance_evaluations: int

    @property
    def visited(self):
        """Ids of the nodes opened or measured, in order."""
        return [e.node for e in self.events if e.action != "prune"]

    @property
    def pruned(self):
        """Ids of the nodes skipped, in order."""
        return [e.node for e in self.events if e.action == "prune"]


class _ReducedDistance:
    r"""A cheaper stand-in for a metric that orders points the same way.

    For the Minkowski family with exponent ``p`` the reduced distance is
    :math:`\sum_j |x_j - y_j|^p` (no final root; for ``p = inf`` it is the
    distance itself). It is monotone in the true distance, so it can choose
    candidates; returned distances still come from ``Metric.rowwise``.
    ``power`` is its degree of homogeneity: scaling a distance by ``c``
    scales the reduced distance by ``c ** power``. For mahalanobis the
    reduced distance is the distance itself, computed by ``rowwise``.
    """

    def __init__(self, metric, n_features):
        self.metric = metric
        eps = np.finfo(np.float64).eps
        if metric.name == "mahalanobis":
            self.p = None
            self.power = 1.0
            # Rounding in a quadratic form can be amplified by the
            # conditioning of VI; the tolerance says so.
            cond = float(np.linalg.cond(metric.VI))
            self.rel_tol = 1e-10 + 16.0 * n_features**1.5 * eps * cond
        else:
            self.p = metric.p
            self.power = 1.0 if self.p == np.inf else float(self.p)
            self.rel_tol = 1e-10 + 16.0 * (n_features + self.power) * eps

    def to_real(self, reduced):
        """Turn reduced distances into distances (elementwise)."""
        if self.p == 2:
            return np.sqrt(reduced)
        if self.p is None or self.p in (1, np.inf):
            return reduced
        return reduced ** (1.0 / self.p)

    def to_reduced(self, distance):
        """Turn distances into reduced distances (elementwise)."""
        if self.p == 2:
            return distance * distance
        if self.p is None or self.p in (1, np.inf):
            return distance
        return distance**self.p

    def accumulate(self, acc, diff, first):
        """Fold one feature's differences ``diff`` into ``acc`` in place.

        ``diff`` is overwritten. With ``first`` the result replaces ``acc``.
        """
        p = self.p
        if p == 2:
            np.multiply(diff, diff, out=diff)
        else:
            np.abs(diff, out=diff)
            if p not in (1, np.inf):
                np.power(diff, p, out=diff)
        if first:
            acc[...] = diff
        elif p == np.inf:
            np.maximum(acc, diff, out=acc)
        else:
            np.add(acc, diff, out=acc)


class TreeIndex(NeighborsIndex):
    """Base class of the k-d tree and the ball tree (see the module docstring).

    Subclasses implement ``_build_bounds()`` (fill in what each node knows
    about its points) and ``_lower_bounds(query_rows, qi, nodes)`` (reduced
    lower bounds for pairs of queries and nodes, already loosened for
    rounding), plus the ``nodes`` view for teaching.
    """

    def __init__(self, X, leaf_size=40, metric="euclidean", **metric_params):
        self.leaf_size = check_positive_int(leaf_size, "leaf_size")
        if isinstance(metric, str) and metric in METRICS and metric not in self.supported_metrics:
            # Say so before mahalanobis tries to estimate a covariance.
            raise ValueError(
                f"{type(self).__name__} does not support metric {metric!r}; "
                f"it supports {', '.join(map(repr, self.supported_metrics))}. "
                f"BruteForce supports every metric."
            )
        super().__init__(X, metric=metric, **metric_params)

    # ------------------------------------------------------------------ build
    def _build(self):
        n, d = self.data.shape
        self._reduced = _ReducedDistance(self.metric, d)
        self.n_levels = int(np.log2(max(1.0, (n - 1) / self.leaf_size))) + 1
        self.n_nodes = 2**self.n_levels - 1
        self.n_leaves = 2 ** (self.n_levels - 1)
        self._first_leaf = self.n_leaves - 1

        order = np.arange(n)
        points = self.data  # the training points in the current tree order
        start = np.zeros(self.n_nodes, dtype=np.intp)
        end = np.zeros(self.n_nodes, dtype=np.intp)
        end[0] = n
        depth = np.zeros(self.n_nodes, dtype=np.intp)
        split_dim = np.full(self.n_nodes, -1, dtype=np.intp)
        split_value = np.full(self.n_nodes, np.nan)
        for level in range(self.n_levels - 1):
            ids = np.arange(2**level - 1, 2 ** (level + 1) - 1)
            depth[ids] = level
            lo_start, lo_end = start[ids], end[ids]
            # Split along the feature with the largest spread in each node.
            spread = np.maximum.reduceat(points, lo_start, axis=0) - np.minimum.reduceat(
                points, lo_start, axis=0
            )
            dims = np.argmax(spread, axis=1)
            # Sizes at one level differ by at most one, so the nodes fit in
            # the rows of one padded matrix; argpartition puts the size // 2
            # smallest values of each row first (padding is +inf: last).
            sizes = lo_end - lo_start
            halves = sizes // 2
            width = int(sizes.max())
            pos = lo_start[:, None] + np.arange(width)
            valid = pos < lo_end[:, None]
            pos = np.where(valid, pos, 0)
            values = np.where(valid, points[pos, dims[:, None]], np.inf)
            perm = np.argpartition(values, np.unique(halves), axis=1)
            new_pos = np.take_along_axis(pos, perm, axis=1)[np.take_along_axis(valid, perm, axis=1)]
            order = order[new_pos]
            points = points[new_pos]
            mid = lo_start + halves
            left, right = 2 * ids + 1, 2 * ids + 2
            start[left], end[left] = lo_start, mid
            start[right], end[right] = mid, lo_end
            split_dim[ids] = dims
            split_value[ids] = points[mid, dims]
        depth[self._first_leaf :] = self.n_levels - 1

        self.idx_array = order
        self.node_start = start
        self.node_end = end
        self.node_depth = depth
        self.split_dim = split_dim
        self.split_value = split_value
        self._points = np.ascontiguousarray(points)

        # Leaves as a padded block (feature, leaf, slot), NaN in unused slots:
        # a NaN distance fails every "<=" test, so padding never becomes a
        # candidate. The slot of a point is its offset from the leaf start.
        leaf_start = start[self._first_leaf :]
        self._leaf_size_of = (end - start)[self._first_leaf :]
        self._leaf_width = int(self._leaf_size_of.max())
        slots = leaf_start[:, None] + np.arange(self._leaf_width)
        in_leaf = slots < end[self._first_leaf :, None]
        leaf_points = points[np.where(in_leaf, slots, 0)].transpose(2, 0, 1)
        self._leaf_fm = np.ascontiguousarray(np.where(in_leaf[None], leaf_points, np.nan))
        self._points_fm = np.ascontiguousarray(points.T)
        self._build_bounds()

    def _build_bounds(self):
        raise NotImplementedError

    def _lower_bounds(self, queries_fm, qi, nodes):
        raise NotImplementedError

    # ----------------------------------------------------------- node helpers
    def is_leaf(self, node_id):
        """Whether ``node_id`` is a leaf."""
        return self._check_node(node_id) >= self._first_leaf

    def children(self, node_id):
        """The two children of ``node_id``, or ``()`` for a leaf."""
        node_id = self._check_node(node_id)
        if node_id >= self._first_leaf:
            return ()
        return (2 * node_id + 1, 2 * node_id + 2)

    def node_points(self, node_id):
        """Original training indices of the points in node ``node_id`` (in tree order)."""
        node_id = self._check_node(node_id)
        return self.idx_array[self.node_start[node_id] : self.node_end[node_id]].copy()

    def _check_node(self, node_id):
        if isinstance(node_id, bool) or not isinstance(node_id, (int, np.integer)):
            raise TypeError(f"node_id must be an integer, got {node_id!r}")
        if not 0 <= node_id < self.n_nodes:
            raise ValueError(
                f"node_id must be in [0, {self.n_nodes - 1}] (the tree has "
                f"{self.n_nodes} nodes), got node_id = {node_id}"
            )
        return int(node_id)

    # ------------------------------------------------------------ primitives
    def _pair_reduced(self, queries_fm, qi, points_fm, pj):
        """Reduced distances between query ``qi[t]`` and point column ``pj[t]``."""
        if self._reduced.p is None:
            a = queries_fm[:, qi].T
            b = points_fm[:, pj].T
            return self.metric.rowwise(a, b)
        acc, diff, other = (np.empty(len(qi)) for _ in range(3))
        for j in range(queries_fm.shape[0]):
            np.take(queries_fm[j], qi, out=diff, mode="clip")
            np.take(points_fm[j], pj, out=other, mode="clip")
            np.subtract(diff, other, out=diff)
            self._reduced.accumulate(acc, diff, j == 0)
        return acc

    def _leaf_reduced(self, queries_fm, qi, leaves, out, buffer):
        """Reduced distances from query ``qi[t]`` to every slot of leaf ``leaves[t]``.

        Fills ``out`` (shape (len(qi), leaf_width)); padding slots get NaN.
        """
        if self._reduced.p is None:
            pts = np.moveaxis(self._leaf_fm[:, leaves, :], 0, -1)
            out[...] = self.metric.rowwise(queries_fm[:, qi].T[:, None, :], pts)
            return out
        for j in range(queries_fm.shape[0]):
            # mode='clip' (indices are valid anyway) avoids a buffered copy
            np.take(self._leaf_fm[j], leaves, axis=0, out=buffer, mode="clip")
            np.subtract(buffer, queries_fm[j][qi][:, None], out=buffer)
            self._reduced.accumulate(out, buffer, j == 0)
        return out

    def _exact(self, queries, qi, pos):
        """Returned distances (from ``Metric.rowwise``) of query ``qi`` to tree position ``pos``."""
        # Gather feature by feature (1-D takes are fast) into (d, len) blocks;
        # their transposes are (len, d) views whose feature columns are
        # contiguous, which is what rowwise walks.
        a = np.empty((self.n_features, len(qi)))
        b = np.empty((self.n_features, len(pos)))
        for j in range(self.n_features):
            np.take(queries[:, j], qi, out=a[j], mode="clip")
            np.take(self._points_fm[j], pos, out=b[j], mode="clip")
        return self.metric.rowwise(a.T, b.T)

    # -------------------------------------------------------------- k-NN query
    def _query(self, Q, k):
        m = Q.shape[0]
        dist = np.empty((m, k))
        ind = np.empty((m, k), dtype=np.intp)
        n_evals = np.zeros(m, dtype=np.intp)
        n_nodes = np.zeros(m, dtype=np.intp)
        home_level = self._home_level(k)
        home_points = int(self._leaf_width * 2 ** (self.n_levels - 1 - home_level))
        chunk = max(1, min(4096, _HOME_DISTANCES // home_points))
        for lo in range(0, m, chunk):
            hi = min(m, lo + chunk)
            dist[lo:hi], ind[lo:hi], n_evals[lo:hi], n_nodes[lo:hi] = self._query_chunk(
                Q[lo:hi], k, home_level
            )
        return dist, ind, QueryStats(n_evals, n_nodes)

    def _home_level(self, k):
        """The deepest level whose every node holds at least ``k`` points."""
        level = self.n_levels - 1
        while level > 0:
            ids = slice(2**level - 1, 2 ** (level + 1) - 1)
            if (self.node_end[ids] - self.node_start[ids]).min() >= k:
                break
            level -= 1
        return level

    def _descend(self, Q, level):
        """Node at ``level`` reached by following the split values from the root."""
        node = np.zeros(Q.shape[0], dtype=np.intp)
        rows = np.arange(Q.shape[0])
        for _ in range(level):
            go_right = Q[rows, self.split_dim[node]] >= self.split_value[node]
            node = 2 * node + 1 + go_right
        return node

    def _start_levels(self, Q_fm, bound, home, home_level):
        """Level of the node where each query's frontier may start (0: the root).

        Trees that can prove that no point outside some ancestor of the home
        node is within ``bound`` override this; the default starts at the root.
        """
        return np.zeros(len(home), dtype=np.intp)

    def _query_chunk(self, Q, k, home_level):
        m = Q.shape[0]
        Q_fm = np.ascontiguousarray(Q.T)
        tol = 1.0 + self._reduced.rel_tol
        width = self._leaf_width

        # 1. The first guess: every point of the home node.
        home = self._descend(Q, home_level)
        span = 2 ** (self.n_levels - 1 - home_level)
        first_leaf = (home + 1) * span - 1 - self._first_leaf
        qi = np.repeat(np.arange(m), span)
        leaves = (first_leaf[:, None] + np.arange(span)).ravel()
        reduced = np.empty((len(qi), width))
        self._leaf_reduced(Q_fm, qi, leaves, reduced, np.empty_like(reduced))
        reduced = reduced.reshape(m, span * width)
        kth = np.partition(reduced, k - 1, axis=1)[:, k - 1]
        rows, cols = np.divmod(np.flatnonzero(reduced <= (kth * tol)[:, None]), span * width)
        pos = self.node_start[self._first_leaf + first_leaf[rows] + cols // width] + cols % width
        best_d, best_i = self._merge(Q, k, None, None, rows, pos)
        n_evals = self.node_end[home] - self.node_start[home]
        n_nodes = np.ones(m, dtype=np.intp)
        bound = self._reduced.to_reduced(best_d[:, k - 1]) * tol

        # 2. Where each query's frontier starts (the root, unless the tree
        #    can prove that a smaller subtree holds everything in reach).
        start_level = self._start_levels(Q_fm, bound, home, home_level)
        n_nodes += start_level  # the ancestors above the start are opened
        qi = np.flatnonzero(start_level < home_level)
        nodes = ((home[qi] + 1) >> (home_level - start_level[qi])) - 1
        lbs = np.zeros(len(qi))

        # 3. Rounds: open the nodes whose bound is below a growing fraction
        #    of the k-th distance, measure the leaves reached, tighten.
        few = self.n_features <= _FEW_DIMENSIONS
        for fraction in _ROUNDS_FEW_DIMENSIONS if few else _ROUNDS_MANY_DIMENSIONS:
            if len(qi) == 0:
                break
            limit = bound if fraction is None else bound * fraction**self._reduced.power
            leaf_q, leaf_n, (qi, nodes, lbs), opened = self._expand(
                Q_fm, qi, nodes, lbs, bound, limit, home_level, home
            )
            n_nodes += opened
            if len(leaf_q) == 0:
                continue
            measured = np.bincount(leaf_q, weights=self._leaf_size_of[leaf_n], minlength=m)
            n_evals += measured.astype(np.intp)
            n_nodes += np.bincount(leaf_q, minlength=m)
            rows, pos = self._candidates(Q_fm, leaf_q, leaf_n, bound, k)
            self._merge(Q, k, best_d, best_i, rows, pos)
            bound = self._reduced.to_reduced(best_d[:, k - 1]) * tol
            still = lbs <= bound[qi]
            qi, nodes, lbs = qi[still], nodes[still], lbs[still]
        return best_d, best_i, n_evals, n_nodes

    def _expand(self, Q_fm, qi, nodes, lbs, bound, limit, skip_level=None, skip=None):
        """Open (query, node) pairs down to the leaves, as far as ``limit`` allows.

        Pairs whose lower bound is <= ``limit`` of their query are opened,
        two levels at a time: the bounds of a node's four grandchildren are
        computed directly. A node's bound holds for its own points whatever
        its parent's is, so skipping the middle level is safe; it halves the
        number of NumPy calls, and for the k-d tree it prunes nothing less (a
        grandchild's box lies inside its parent's). Descendants above ``bound`` are
        dropped, those above ``limit`` wait for a later round, the rest are
        opened in turn until they reach the leaves. Leaves inside the node
        ``skip[query]`` at level ``skip_level`` are dropped (that node was
        measured already).

        Returns the reached leaves (query, leaf number) sorted by query, the
        waiting pairs (query, node, lower bound) and the number of nodes each
        query opened.
        """
        m = Q_fm.shape[1]
        leaf_level = self.n_levels - 1
        if limit is bound:
            q, n, waiting = qi, nodes, []
        else:
            ready = lbs <= limit[qi]
            q, n = qi[ready], nodes[ready]
            waiting = [(qi[~ready], nodes[~ready], lbs[~ready])]
        opened = np.zeros(m, dtype=np.intp)
        reached_q, reached_n = [], []
        # Nodes an odd number of levels above the leaves go down one level
        # first, so that every later step of two lands exactly on the leaves.
        odd = (leaf_level - self.node_depth[n]) % 2 == 1
        if odd.any():
            q_odd, n_odd = q[odd], n[odd]
            opened += np.bincount(q_odd, minlength=m)
            q_odd, n_odd, lb, _ = self._descendants(Q_fm, q_odd, n_odd, 1)
            within = lb <= bound[q_odd]
            q_now, n_now = self._split_by_limit(q_odd, n_odd, lb, within, bound, limit, waiting)
            q, n = np.concatenate([q[~odd], q_now]), np.concatenate([n[~odd], n_now])
        while len(q):
            at_leaf = n >= self._first_leaf
            if at_leaf.any():
                reached_q.append(q[at_leaf])
                reached_n.append(n[at_leaf])
                q, n = q[~at_leaf], n[~at_leaf]
                if len(q) == 0:
                    break
            q, n, lb, parent_q = self._descendants(Q_fm, q, n, 2)
            keep = lb <= bound[q]
            # Opened: each pair's node, and each middle node with a surviving
            # child (grandchildren come in fours, two per middle node).
            middle_opened = np.add(keep[0::4] | keep[1::4], keep[2::4] | keep[3::4], dtype=np.intp)
            opened += np.bincount(parent_q, minlength=m)
            opened += np.bincount(parent_q, weights=middle_opened, minlength=m).astype(np.intp)
            q, n = self._split_by_limit(q, n, lb, keep, bound, limit, waiting)
        if waiting:
            waiting = tuple(np.concatenate(parts) for parts in zip(*waiting))
        else:
            waiting = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0))
        if not reached_q:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), waiting, opened
        reached_q, reached_n = np.concatenate(reached_q), np.concatenate(reached_n)
        if skip is not None:
            inside_skip = ((reached_n + 1) >> (leaf_level - skip_level)) - 1 == skip[reached_q]
            reached_q, reached_n = reached_q[~inside_skip], reached_n[~inside_skip]
        order = np.argsort(reached_q, kind="stable")
        return reached_q[order], reached_n[order] - self._first_leaf, waiting, opened

    def _descendants(self, Q_fm, qi, nodes, levels):
        """The descendants ``levels`` below each node, with their lower bounds.

        Returns (query, descendant, lower bound, the query of each parent pair).
        """
        fan_out = 2**levels
        first = ((nodes + 1) << levels) - 1
        q = np.repeat(qi, fan_out)
        n = (first[:, None] + np.arange(fan_out)).ravel()
        return q, n, self._lower_bounds(Q_fm, q, n), qi

    @staticmethod
    def _split_by_limit(q, n, lb, within_bound, bound, limit, waiting):
        """Pairs within ``limit`` are opened now; the others within ``bound`` wait in ``waiting``."""
        if limit is bound:
            return q[within_bound], n[within_bound]
        now = within_bound & (lb <= limit[q])
        later = within_bound & ~now
        waiting.append((q[later], n[later], lb[later]))
        return q[now], n[now]

    def _candidates(self, Q_fm, qi, leaves, bound, k=None):
        """Points of leaf ``leaves[t]`` whose reduced distance to ``qi[t]`` is <= ``bound[qi[t]]``.

        With ``k``, a leaf offers at most its own ``k`` nearest points to a
        query (plus any that tie the k-th of them within the tolerance): the
        others cannot be among the query's ``k`` nearest. Returns (query
        rows, tree positions), sorted by query when ``qi`` is.
        """
        width = self._leaf_width
        tol = 1.0 + self._reduced.rel_tol
        block = max(1, _BLOCK_DISTANCES // width)
        out = np.empty((block, width))
        buffer = np.empty_like(out)
        found_rows, found_pos = [], []
        for lo in range(0, len(qi), block):
            q, lv = qi[lo : lo + block], leaves[lo : lo + block]
            reduced = self._leaf_reduced(Q_fm, q, lv, out[: len(q)], buffer[: len(q)])
            flat = np.flatnonzero(reduced <= bound[q][:, None])
            r, c = np.divmod(flat, width)
            if k is not None and k < width:
                crowded = np.flatnonzero(np.bincount(r, minlength=len(q)) > k)
                if len(crowded):
                    cut = np.full(len(q), np.inf)
                    cut[crowded] = np.partition(reduced[crowded], k - 1, axis=1)[:, k - 1] * tol
                    offered = reduced.ravel()[flat] <= cut[r]
                    r, c = r[offered], c[offered]
            found_rows.append(q[r])
            found_pos.append(self.node_start[self._first_leaf + lv[r]] + c)
        if not found_rows:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
        return np.concatenate(found_rows), np.concatenate(found_pos)

    def _merge(self, Q, k, best_d, best_i, rows, pos):
        """Merge candidates (query ``rows``, tree position ``pos``) into the best-k arrays.

        ``rows`` must be sorted. The candidates get their exact distances
        here; each touched query keeps its ``k`` best by (distance, index).
        With ``best_d is None`` every query has at least ``k`` candidates and
        new best-k arrays are returned.
        """
        if len(rows) == 0:
            return best_d, best_i
        dist = self._exact(Q, rows, pos)
        index = self.idx_array[pos]
        starts, counts = _groups(rows)
        if best_d is None and (counts == k).all():
            # The usual first guess: exactly k candidates per query.
            return _k_smallest(dist.reshape(-1, k), index.reshape(-1, k), k)
        # One row per touched query: its current best k (if any), then its
        # candidates. A few queries (far from the data, with a loose first
        # guess) may have thousands of candidates; they are cut to their own
        # k best first by one sort of their candidates, so the table stays
        # narrow.
        old = 0 if best_d is None else k
        cap = 4 * k
        group = np.repeat(np.arange(len(starts)), counts)
        slot = np.arange(len(rows)) - np.repeat(starts, counts)
        crowded = counts > cap
        if crowded.any():
            in_crowded = crowded[group]
            order = np.lexsort((index[in_crowded], dist[in_crowded], group[in_crowded]))
            crowd_group = group[in_crowded][order]
            crowd_starts, crowd_counts = _groups(crowd_group)
            crowd_slot = np.arange(len(order)) - np.repeat(crowd_starts, crowd_counts)
            best = crowd_slot < k
            plain = ~in_crowded
            group = np.concatenate([group[plain], crowd_group[best]])
            slot = np.concatenate([slot[plain], crowd_slot[best]])
            dist = np.concatenate([dist[plain], dist[in_crowded][order][best]])
            index = np.concatenate([index[plain], index[in_crowded][order][best]])
        table_d = np.full((len(starts), old + int(slot.max()) + 1), np.inf)
        table_i = np.full(table_d.shape, _NO_INDEX, dtype=np.intp)
        table_d[group, old + slot] = dist
        table_i[group, old + slot] = index
        if best_d is None:
            return _k_smallest(table_d, table_i, k)
        touched = rows[starts]
        table_d[:, :k], table_i[:, :k] = best_d[touched], best_i[touched]
        best_d[touched], best_i[touched] = _k_smallest(table_d, table_i, k)
        return best_d, best_i

    # ---------------------------------------------------------- radius query
    def _query_radius(self, Q, r):
        m = Q.shape[0]
        tol = 1.0 + self._reduced.rel_tol
        dists, inds = [], []
        n_evals = np.zeros(m, dtype=np.intp)
        n_nodes = np.zeros(m, dtype=np.intp)
        leaf_level = self.n_levels - 1
        chunk = 1024
        for lo in range(0, m, chunk):
            hi = min(m, lo + chunk)
            Qc = Q[lo:hi]
            Q_fm = np.ascontiguousarray(Qc.T)
            bound = self._reduced.to_reduced(r[lo:hi]) * tol
            home = self._descend(Qc, leaf_level)
            start_level = self._start_levels(Q_fm, bound, home, leaf_level)
            start = ((home + 1) >> (leaf_level - start_level)) - 1
            everyone = np.arange(hi - lo)
            qi, leaves, _, opened = self._expand(Q_fm, everyone, start, np.zeros(hi - lo), bound, bound)
            n_evals[lo:hi] = np.bincount(qi, weights=self._leaf_size_of[leaves], minlength=hi - lo)
            n_nodes[lo:hi] = start_level + opened + np.bincount(qi, minlength=hi - lo)
            rows, pos = self._candidates(Q_fm, qi, leaves, bound)
            dist = self._exact(Qc, rows, pos)
            inside = dist <= r[lo:hi][rows]
            rows, dist, index = rows[inside], dist[inside], self.idx_array[pos[inside]]
            order = np.lexsort((index, dist, rows))
            rows, dist, index = rows[order], dist[order], index[order]
            cuts = np.searchsorted(rows, np.arange(1, hi - lo))
            dists.extend(np.split(dist, cuts))
            inds.extend(np.split(index, cuts))
        return dists, inds, QueryStats(n_evals, n_nodes)

    # ------------------------------------------------------------------ trace
    def trace(self, q, k=1):
        """Search for the ``k`` nearest neighbours of one point, recording every decision.

        This is the textbook recursive search, written to be read: open a
        node only if its lower bound can beat the current k-th distance, and
        open the nearer child first so that the k-th distance shrinks early.
        It returns the same answer as :meth:`query` (tests check it); its
        work counts can differ, because :meth:`query` visits nodes in a
        different (batched) order.

        Parameters
        ----------
        q : array-like of shape (n_features,) or (1, n_features)
        k : int, 1 <= k <= n_samples

        Returns
        -------
        SearchTrace
            ``events`` (node, action, lower bound, k-th distance at the time),
            the answer ``distances`` and ``indices``, and the number of
            distances computed.

        Examples
        --------
        >>> import numpy as np
        >>> from knnlib import KDTree
        >>> X = np.array([[0., 0.], [0., 1.], [4., 0.], [4., 1.]])
        >>> record = KDTree(X, leaf_size=1).trace([0.2, 0.9], k=1)
        >>> for event in record.events:
        ...     print(event.node, event.action, round(event.lower_bound, 2), round(event.kth_distance, 2))
        0 visit 0.0 inf
        1 leaf 0.2 inf
        2 prune 3.8 0.22
        >>> record.indices, record.n_distance_evaluations
        (array([1]), 2)
        """
        q = np.asarray(q, dtype=np.float64) if not isinstance(q, str) else q
        if np.ndim(q) == 1:
            q = np.reshape(q, (1, -1))
        q = check_array(q, "q")
        if q.shape[0] != 1:
            raise ValueError(f"q must be a single point, got {q.shape[0]} rows")
        check_n_features(q, self.n_features, "q")
        self.metric.check_data(q, "q")
        k = check_n_neighbors(k, self.n_samples)
        tol = 1.0 + self._reduced.rel_tol
        q_fm = np.ascontiguousarray(q.T)
        zero = np.zeros(1, dtype=np.intp)

        found_d, found_i = [], []  # the k best so far, ordered by (distance, index)
        events = []
        n_measured = 0

        def kth_distance():
            return found_d[k - 1] if len(found_d) >= k else np.inf

        def lower_bound(node):  # reduced units, already loosened for rounding
            return float(self._lower_bounds(q_fm, zero, np.array([node]))[0])

        def search(node, node_bound):
            nonlocal n_measured
            kth = kth_distance()
            shown = float(self._reduced.to_real(max(node_bound, 0.0)))
            if node_bound > self._reduced.to_reduced(kth) * tol:
                events.append(TraceEvent(node, "prune", shown, kth))
                return
            if node >= self._first_leaf:
                events.append(TraceEvent(node, "leaf", shown, kth))
                start, end = self.node_start[node], self.node_end[node]
                dist = self.metric.rowwise(q, self._points[start:end])
                n_measured += end - start
                pool_d = np.concatenate([found_d, dist])
                pool_i = np.concatenate([found_i, self.idx_array[start:end]])
                keep = np.lexsort((pool_i, pool_d))[:k]
                found_d[:], found_i[:] = pool_d[keep].tolist(), pool_i[keep].tolist()
                return
            events.append(TraceEvent(node, "visit", shown, kth))
            left, right = 2 * node + 1, 2 * node + 2
            lb_left, lb_right = lower_bound(left), lower_bound(right)
            near, far = ((left, lb_left), (right, lb_right))
            if lb_right < lb_left:
                near, far = far, near
            search(*near)
            search(*far)

        search(0, 0.0)
        return SearchTrace(
            events=events,
            distances=np.array(found_d),
            indices=np.array(found_i, dtype=np.intp),
            n_distance_evaluations=int(n_measured),
        )


def _groups(rows):
    """Start offsets and sizes of the runs of equal values in sorted ``rows``."""
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    return starts, np.diff(np.r_[starts, len(rows)])


def _k_smallest(dist, index, k):
    """The ``k`` best entries of each row by (distance, index), in that order.

    A quick sort of each row by distance alone is right unless two of its
    first ``k + 1`` distances are equal (then the index decides, and may
    even decide which entry makes the cut); only those rows are sorted
    again by (distance, index). Rows are short (a few times ``k``).
    """
    rows, width = dist.shape
    look = min(width, k + 1)
    order = np.argsort(dist, axis=1)[:, :look]
    flat = (order + (np.arange(rows) * width)[:, None]).ravel()
    top_d = dist.ravel()[flat].reshape(rows, look)
    top_i = index.ravel()[flat].reshape(rows, look)
    tied = np.flatnonzero((top_d[:, 1:] == top_d[:, :-1]).any(axis=1))
    if len(tied):
        order = np.lexsort((index[tied], dist[tied]), axis=1)[:, :look]
        top_d[tied] = np.take_along_axis(dist[tied], order, axis=1)
        top_i[tied] = np.take_along_axis(index[tied], order, axis=1)
    return top_d[:, :k], top_i[:, :k]
