r"""Brute force: measure the distance from each query to every training point.

This is k-nearest neighbours with no cleverness in *what* is measured: every
query looks at all ``n`` training points, so the cost is ``O(n d)`` per query
(``n`` points of ``d`` features). There are two ways of doing that scan here.

The plain path (every metric)
-----------------------------
For a chunk of queries, compute the whole table of distances with
:meth:`~knnlib.metrics.Metric.pairwise` (NumPy broadcasting), then keep the
``k`` smallest of each row. ``np.argpartition`` finds the k-th smallest value
without sorting the row; every point whose distance is *less than or equal
to* that value is a candidate (so a tie at the k-th place keeps all tied
points), and a small sort by (distance, index) of the candidates picks the
``k`` winners, the smaller index first among equals.

The fast path (Euclidean distance, ``method="gemm"``)
-----------------------------------------------------
The plain path spends most of its time not on arithmetic but on
``argpartition``, about 11 ns per distance against about 0.5 ns to compute
the distance itself with a matrix product. The fast path avoids looking at
every distance twice:

1. **Reduced distances by a matrix product.** With training points and
   queries centred on the training mean (``x <- x - mu``),

   .. math:: \lVert q - x \rVert^2 = \lVert q \rVert^2 - 2\, q \cdot x + \lVert x \rVert^2 .

   The first term is the same for every training point, so ranking by the
   *reduced distance* :math:`r(q, x) = \lVert x \rVert^2 - 2\, q \cdot x` ranks
   by distance. Stacking :math:`[-2x, \lVert x \rVert^2]` for every training
   point and :math:`[q, 1]` for every query turns all reduced distances into
   one matrix product (GEMM), the fastest thing a CPU does. It is computed a
   tile of training points at a time, so the numbers are still in the CPU
   cache when step 2 reads them.
2. **A cheap upper bound on the k-th distance.** The training points are
   split (in a fixed random order, so that neighbours in the input land in
   different blocks) into blocks of 16. One elementwise ``minimum`` pass
   gives each block's smallest reduced distance. The k smallest of these
   block minima belong to ``k`` different points, so the k-th smallest of them
   is at least the k-th smallest reduced distance overall: an upper bound
   ``t``, found by sorting a few hundred numbers per query instead of ``n``.
   (For speed, ``t`` is taken from minima over groups of blocks; still ``k``
   distinct points, still an upper bound.)
3. **Candidates.** Only blocks whose minimum is ``<= t + margin`` can hold a
   neighbour. Usually that is about ``k`` blocks out of thousands. Their
   points' reduced distances are recomputed and compared with the same
   threshold.
4. **Exact answer.** The few candidates get their true distances from
   :meth:`~knnlib.metrics.Metric.rowwise` (so an exact duplicate is at
   distance 0.0, and the result matches every other index bit for bit), and
   are sorted by (distance, index).

*Why a margin?* The matrix product is rounded, and catastrophically so when
two large numbers cancel. If a point's computed reduced distance came out a
hair above ``t`` when its true distance ties the k-th, dropping it could lose
the neighbour with the smaller index. With :math:`u = 2^{-53}` (the unit
roundoff), :math:`A = \max_i \lVert x_i - \mu \rVert`,
:math:`B = \lVert q - \mu \rVert` and the standard bound for a rounded dot
product of length :math:`d + 1`, the computed reduced distance and the
returned distance :math:`\hat d` of every point satisfy

.. math:: \bigl|\, \hat r(q, x) + \lVert q - \mu \rVert^2 - \hat d(q, x)^2 \bigr|
          \le \varepsilon = (3d + 8)\, \bigl(2 u\, (A + B)^2 + \lambda\bigr) ,

which covers the rounding of centring (:math:`3u`), of the squared norms
(:math:`d u`), of the GEMM in any summation order (:math:`(d + 1) u`) and of
``rowwise`` itself (:math:`(d + 4) u`), each times :math:`(A + B)^2`, with a
safety factor of 2; :math:`\lambda`, the smallest normal float, covers
underflow for points closer than about :math:`10^{-154}`. Any
point whose returned distance is at most the k-th returned distance then has
:math:`\hat r \le t + 2\varepsilon`, so ``t + 2 * eps`` is the threshold:
nothing that could be a neighbour, ties included, is ever dropped. Centring
keeps :math:`A` and :math:`B` small even for data far from the origin
(coordinates like :math:`10^6 + \text{small}`), so the margin stays tiny.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_option
from .base import NeighborsIndex, QueryStats

__all__ = ["BruteForce"]

METHODS = ("auto", "gemm", "plain")

# Plain path: queries per chunk are chosen so one chunk's distance table holds
# about this many entries (16 MiB of float64).
_PLAIN_PAIRS_PER_CHUNK = 2**21

# Fast path shapes, tuned on a 1 MiB-L2 CPU: a (2048 x 128) float64 tile of
# reduced distances is 2 MiB, small enough to stay in cache between the GEMM
# that writes it and the minimum pass that reads it.
_BLOCK_SIZE = 16
_BLOCKS_PER_TILE = 128
_QUERIES_PER_CHUNK = 128
# The bound t is the k-th smallest of about this many group minima (or 8 k).
_TARGET_GROUPS = 256
# "auto" uses the fast path from this many training points on; below it the
# plain path is just as quick and simpler to follow.
_GEMM_MIN_SAMPLES = 4096
# The fast path needs squared norms far from overflow.
_MAX_SQUARED_NORM = 1e150

_PADDING_REDUCED_DISTANCE = 1e300

_UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2
_SMALLEST_NORMAL = np.finfo(np.float64).tiny


class BruteForce(NeighborsIndex):
    """Exact nearest neighbours by scanning every training point.

    Supports every metric in :data:`knnlib.metrics.METRICS`. Each query costs
    ``n_samples`` distance evaluations (``last_stats.n_distance_evaluations``)
    and visits no tree nodes.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The training points.
    metric : str, default "euclidean"
        One of :data:`knnlib.metrics.METRICS`.
    method : {"auto", "gemm", "plain"}, default "auto"
        How to scan. ``"plain"``: the whole distance table plus
        ``argpartition`` (any metric). ``"gemm"``: the fast Euclidean path
        explained in :mod:`knnlib.search.brute` (euclidean, or minkowski with
        ``p=2``). ``"auto"``: ``"gemm"`` where it applies and the data has at
        least 4096 points, otherwise ``"plain"``. Both give identical results.
    **metric_params
        ``p`` for minkowski, ``VI`` for mahalanobis.

    Attributes
    ----------
    method_ : str
        The scan actually used, ``"gemm"`` or ``"plain"``.

    Examples
    --------
    >>> index = BruteForce([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    >>> dist, ind = index.query([[0.0, 0.0]], k=3)
    >>> ind
    array([[0, 1, 2]])
    >>> dist
    array([[0., 1., 1.]])
    >>> index.last_stats.n_distance_evaluations
    array([4])
    >>> dist, ind = index.query_radius([[0.0, 0.0]], r=1.0)
    >>> ind[0]
    array([0, 1, 2])
    """

    def __init__(self, X, metric="euclidean", *, method="auto", **metric_params):
        self.method = check_option(method, "method", METHODS)
        super().__init__(X, metric=metric, **metric_params)

    # -- building -------------------------------------------------------------------
    def _build(self):
        is_euclidean = self.metric.name in ("euclidean", "minkowski") and self.metric.p == 2
        if self.method == "gemm" and not is_euclidean:
            raise ValueError(
                f"method 'gemm' needs the Euclidean distance (metric 'euclidean', or "
                f"'minkowski' with p=2), got metric = {self.metric!r}; use method='plain'"
            )
        use_gemm = self.method == "gemm" or (
            self.method == "auto" and is_euclidean and self.n_samples >= _GEMM_MIN_SAMPLES
        )
        if use_gemm:
            use_gemm = self._build_gemm()
        self.method_ = "gemm" if use_gemm else "plain"

    def _build_gemm(self):
        """Lay the training points out for the fast path; False if their norms could overflow."""
        X = self.data
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            self._mean = X.mean(axis=0)
            centred = X - self._mean
            squared_norms = np.einsum("ij,ij->i", centred, centred)
        max_squared_norm = squared_norms.max()
        if not max_squared_norm <= _MAX_SQUARED_NORM:
            if self.method == "gemm":
                raise ValueError(
                    f"method 'gemm' cannot be used: the training points lie up to "
                    f"{np.sqrt(max_squared_norm):.3g} from their mean, and squares that "
                    f"large could overflow the matrix product; use method='plain'"
                )
            return False
        self._max_norm = float(np.sqrt(max_squared_norm))

        # Tiles of `tile_size` stored rows; inside a tile, block j is the rows
        # j, j + blocks_per_tile, j + 2 * blocks_per_tile, ... so that one
        # elementwise minimum over the tile's `_BLOCK_SIZE` slabs gives all the
        # block minima at once.
        n_blocks_needed = -(-self.n_samples // _BLOCK_SIZE)
        self._blocks_per_tile = min(_BLOCKS_PER_TILE, n_blocks_needed)
        self._tile_size = _BLOCK_SIZE * self._blocks_per_tile
        self._n_tiles = -(-self.n_samples // self._tile_size)
        n_stored = self._n_tiles * self._tile_size
        # Fewer queries at a time for huge data, so the block-minima table
        # (blocks x queries) stays within about 64 MB.
        n_blocks = n_stored // _BLOCK_SIZE
        self._queries_per_chunk = min(_QUERIES_PER_CHUNK, max(1, 2**23 // n_blocks))

        # A fixed random order spreads points that are neighbours in the input
        # (sorted data, grids) over different blocks. Padding rows go last, with
        # a huge (finite: inf would turn into NaN inside BLAS and poison the
        # block minima) reduced distance; they are filtered out in step 3.
        order = np.random.default_rng(0).permutation(self.n_samples)
        self._stored_index = np.full(n_stored, -1, dtype=np.intp)
        self._stored_index[: self.n_samples] = order
        stacked = np.zeros((n_stored, self.n_features + 1))
        stacked[: self.n_samples, :-1] = -2.0 * centred[order]
        stacked[: self.n_samples, -1] = squared_norms[order]
        stacked[self.n_samples :, -1] = _PADDING_REDUCED_DISTANCE
        self._stacked = stacked
        return True

    # -- k nearest ------------------------------------------------------------------
    def _query(self, Q, k):
        search = self._query_gemm if self.method_ == "gemm" else self._query_plain
        dist, ind = search(Q, k)
        return dist, ind, self._stats(Q.shape[0])

    def _stats(self, n_queries):
        return QueryStats(
            n_distance_evaluations=np.full(n_queries, self.n_samples, dtype=np.intp),
            n_nodes_visited=np.zeros(n_queries, dtype=np.intp),
        )

    def _query_plain(self, Q, k):
        """Whole distance table per chunk of queries, then tie-safe k smallest."""
        dist = np.empty((Q.shape[0], k))
        ind = np.empty((Q.shape[0], k), dtype=np.intp)
        step = max(1, _PLAIN_PAIRS_PER_CHUNK // self.n_samples)
        for start in range(0, Q.shape[0], step):
            chunk = slice(start, start + step)
            table = _checked(self.metric.pairwise(Q[chunk], self.data), start)
            dist[chunk], ind[chunk] = _k_smallest_per_row(table, k)
        return dist, ind

    def _query_gemm(self, Q, k):
        """The fast Euclidean path (see the module docstring for the four steps)."""
        dist = np.empty((Q.shape[0], k))
        ind = np.empty((Q.shape[0], k), dtype=np.intp)
        with np.errstate(over="ignore"):  # checked just below
            centred = Q - self._mean
            squared_norms = np.einsum("ij,ij->i", centred, centred)
        # Astronomically far queries would overflow the matrix product: scan them plainly.
        far = ~(squared_norms <= _MAX_SQUARED_NORM)
        if far.any():
            dist[far], ind[far] = self._query_plain(Q[far], k)
        near = np.flatnonzero(~far)
        for start in range(0, near.size, self._queries_per_chunk):
            chunk = near[start : start + self._queries_per_chunk]
            dist[chunk], ind[chunk] = self._query_gemm_chunk(Q[chunk], centred[chunk], k)
        return dist, ind

    def _query_gemm_chunk(self, Q, centred, k):
        n_queries, d = centred.shape
        # Queries as columns [q, 1], so that stacked @ lifted = ||x||^2 - 2 q.x.
        lifted = np.ones((d + 1, n_queries))
        lifted[:d] = centred.T

        # Step 1 and the first half of step 2: reduced distances tile by tile,
        # each tile folded straight into its block minima while still in cache.
        tile_size, blocks_per_tile = self._tile_size, self._blocks_per_tile
        tile = np.empty((tile_size, n_queries))
        block_minima = np.empty((self._n_tiles * blocks_per_tile, n_queries))
        for tile_number in range(self._n_tiles):
            rows = slice(tile_number * tile_size, (tile_number + 1) * tile_size)
            blocks = slice(tile_number * blocks_per_tile, (tile_number + 1) * blocks_per_tile)
            np.matmul(self._stacked[rows], lifted, out=tile)
            np.min(tile.reshape(_BLOCK_SIZE, blocks_per_tile, n_queries), axis=0, out=block_minima[blocks])

        # Step 2: t = the k-th smallest of the minima of groups of blocks.
        n_blocks = block_minima.shape[0]
        group_size = max(1, n_blocks // max(_TARGET_GROUPS, 8 * k))
        n_grouped = (n_blocks // group_size) * group_size
        group_minima = block_minima[:n_grouped].reshape(-1, group_size, n_queries).min(axis=1)
        group_minima = np.concatenate([group_minima, block_minima[n_grouped:]])
        if group_minima.shape[0] >= k:
            bound = np.partition(group_minima, k - 1, axis=0)[k - 1]
        else:  # fewer groups than k (tiny data): no bound, every block is a candidate
            bound = np.full(n_queries, np.inf)
        query_norms = np.sqrt(np.einsum("ij,ij->i", centred, centred))
        eps = (3 * d + 8) * (
            2.0 * _UNIT_ROUNDOFF * (self._max_norm + query_norms) ** 2 + _SMALLEST_NORMAL
        )
        threshold = bound + 2.0 * eps

        # Step 3: candidate blocks, then candidate points inside them.
        block_id, query_id = np.nonzero(block_minima <= threshold)
        tile_id, block_in_tile = np.divmod(block_id, blocks_per_tile)
        rows = (
            (tile_id * tile_size + block_in_tile)[:, None]
            + blocks_per_tile * np.arange(_BLOCK_SIZE)[None, :]
        )
        reduced = np.einsum("pbf,fp->pb", self._stacked[rows], lifted[:, query_id])
        pair, member = np.nonzero(reduced <= threshold[query_id][:, None])
        candidate_query = query_id[pair]
        candidate_index = self._stored_index[rows[pair, member]]
        real = candidate_index >= 0
        candidate_query, candidate_index = candidate_query[real], candidate_index[real]

        # Step 4: exact distances of the candidates, then the k best by (distance, index).
        # Every query has at least k candidates: the k points behind the bound.
        candidate_dist = self.metric.rowwise(Q[candidate_query], self.data[candidate_index])
        return _k_smallest_per_group(candidate_query, candidate_dist, candidate_index, n_queries, k)

    # -- within a radius ----------------------------------------------------------------
    def _query_radius(self, Q, r):
        """Whole distance table per chunk of queries, keeping every distance <= r."""
        query_parts, dist_parts, index_parts = [], [], []
        step = max(1, _PLAIN_PAIRS_PER_CHUNK // self.n_samples)
        for start in range(0, Q.shape[0], step):
            chunk = slice(start, start + step)
            table = _checked(self.metric.pairwise(Q[chunk], self.data), start)
            query_id, index = np.nonzero(table <= r[chunk, None])
            query_parts.append(query_id + start)
            dist_parts.append(table[query_id, index])
            index_parts.append(index)
        query_id = np.concatenate(query_parts)
        dist = np.concatenate(dist_parts)
        index = np.concatenate(index_parts)
        order = np.lexsort((index, dist, query_id))
        splits = np.cumsum(np.bincount(query_id, minlength=Q.shape[0]))[:-1]
        dists = np.split(dist[order], splits)
        indices = np.split(index[order], splits)
        return dists, indices, self._stats(Q.shape[0])


def _checked(table, first_query):
    """``table`` unchanged, or a clear error if a distance is NaN (it cannot be ranked)."""
    nan = np.isnan(table)
    if nan.any():
        row, column = np.argwhere(nan)[0]
        raise ValueError(
            f"The distance between query row {first_query + row} and training row "
            f"{column} is NaN: the coordinates are too large for this metric "
            f"(an intermediate result overflowed). Rescale the data."
        )
    return table


def _k_smallest_per_row(table, k):
    """The ``k`` smallest entries of each row of ``table``, ordered by (value, column).

    ``np.argpartition`` finds each row's k-th smallest value; every entry
    ``<=`` it is kept, so that when several points tie for the k-th place the
    one with the smallest column index can win.

    Examples
    --------
    >>> table = np.array([[3.0, 1.0, 2.0, 1.0, 2.0]])
    >>> _k_smallest_per_row(table, 3)
    (array([[1., 1., 2.]]), array([[1, 3, 2]]))
    """
    rows = np.arange(table.shape[0])
    kth_column = np.argpartition(table, k - 1, axis=1)[:, k - 1]
    kth_value = table[rows, kth_column]
    row, column = np.nonzero(table <= kth_value[:, None])
    return _k_smallest_per_group(row, table[row, column], column, table.shape[0], k)


def _k_smallest_per_group(group, dist, index, n_groups, k):
    """For each group 0..n_groups-1 (each with >= k entries), its k best by (dist, index).

    Examples
    --------
    >>> group = np.array([0, 0, 0, 1, 1])
    >>> dist = np.array([2.0, 1.0, 1.0, 5.0, 4.0])
    >>> index = np.array([7, 9, 3, 0, 1])
    >>> _k_smallest_per_group(group, dist, index, 2, 2)
    (array([[1., 1.],
           [4., 5.]]), array([[3, 9],
           [1, 0]]))
    """
    order = np.lexsort((index, dist, group))
    starts = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=n_groups))[:-1]])
    take = order[starts[:, None] + np.arange(k)[None, :]]
    return dist[take], index[take]
