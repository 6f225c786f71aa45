r"""Approximate nearest neighbours: a readable locality-sensitive hashing index.

Exact search (:mod:`knnlib.search`) must, in the worst case, look at every
stored point. *Locality-sensitive hashing* (LSH) gives that up: it puts the
points into buckets so that near points usually share a bucket and far points
usually do not, and then only looks inside the query's buckets. It is fast
because it looks at few points, and approximate because a true neighbour that
landed in another bucket is never seen.

The hash: random hyperplanes
----------------------------
One *bit* is one hyperplane: a random unit direction :math:`w` (uniform on
the sphere) through a random training point :math:`x_r`, so that its offset
is :math:`b = w \cdot x_r`. A point :math:`x` gets the bit

.. math:: h(x) = \mathbf{1}\,[\, w \cdot x > b \,]

(which side of the hyperplane it lies on). Two points get different bits
exactly when the hyperplane passes between them, and a random hyperplane is
more likely to pass between far points than between near ones: that is the
*locality* in locality-sensitive. Threading each hyperplane through a
training point puts the cuts where the data is: dense regions get many cuts
and small cells, empty space few.

A *table* uses ``n_bits`` hyperplanes at once. The bits of a point, read as
a binary number, are its bucket key,

.. math:: \text{key}(x) = \sum_{j=0}^{B-1} h_j(x)\, 2^j ,

so a bucket is one cell of the arrangement of ``B = n_bits`` hyperplanes.
If one hyperplane keeps two points together with probability :math:`p`, all
``B`` of them do with probability :math:`p^B`: more bits, smaller and purer
buckets, but also more true neighbours cut off.

Several tables: second chances
------------------------------
The index builds ``n_tables`` independent tables. A training point is a
*candidate* for a query if it shares the query's bucket in **at least one**
table, so a neighbour is missed only if every table separates it:

.. math:: P(\text{candidate}) = 1 - \bigl(1 - p^{B}\bigr)^{T} .

Bits make each bucket picky (an AND); tables give a neighbour several chances
(an OR). Together they turn "slightly more likely to collide when close" into
a steep S-curve in :math:`p`. The candidates are then **re-ranked exactly**:
their true distances come from :meth:`knnlib.metrics.Metric.rowwise`, the
routine every exact index uses, and the ``k`` best are returned in
(distance, index) order. So every returned distance is exact; only a missed
neighbour makes the answer approximate.

Projections are computed with a matrix product, whose last bit of rounding
can depend on the batch. That never touches a returned distance. It could
decide the bit of the one point a hyperplane passes through, so each offset
is nudged up by a hair (:math:`10^{-9} \lVert x_r \rVert`, far above any
rounding error): :math:`x_r` gets bit 0 whether it is hashed at build time
or as a query, alone or in a batch.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import check_array, check_n_features, check_n_neighbors, check_positive_int
from .metrics import get_metric

__all__ = ["LSH_METRICS", "LSHIndex", "LSHStats", "MAX_BITS", "recall_at_k"]

#: Metrics the index re-ranks with. The hyperplane hash suits distances
#: that grow along every direction (the Minkowski family); cosine distance
#: would want hyperplanes through the origin, Mahalanobis a rescaled space.
LSH_METRICS = ("euclidean", "manhattan", "chebyshev", "minkowski")

#: Most bits per table: keys are stored in 64-bit integers.
MAX_BITS = 62

# Candidate (query, point) pairs re-ranked at a time: the two gathered
# coordinate arrays of one batch stay near 2 x 64 MB at 32 features.
_PAIRS_PER_BATCH = 2**18

# Training rows hashed at a time: the (rows, n_tables * n_bits) table of
# 64-bit bit values stays under about 64 MB even for 32 tables of 62 bits.
_ROWS_PER_HASH_CHUNK = 2**12

# How far each hyperplane is moved past the training point it goes through,
# relative to that point's length.
_NUDGE = 1e-9


@dataclass
class LSHStats:
    """Work done by the last :meth:`LSHIndex.query`, one row per query.

    Attributes
    ----------
    n_candidates : ndarray of int, shape (m,)
        Distinct training points found in the query's buckets (the union over
        tables). This many exact distances were computed for the query.
    bucket_sizes : ndarray of int, shape (m, n_tables)
        Size of the query's bucket in each table (a point in several of them
        is counted in each, so rows can sum to more than ``n_candidates``).
    """

    n_candidates: np.ndarray
    bucket_sizes: np.ndarray

    @property
    def n_distance_evaluations(self):
        """Exact distances computed per query (the same as ``n_candidates``).

        Named like :attr:`knnlib.search.QueryStats.n_distance_evaluations`, so
        LSH and the exact indexes can be compared on the same count.
        """
        return self.n_candidates


class LSHIndex:
    r"""Approximate k nearest neighbours by random-hyperplane hashing.

    Builds ``n_tables`` hash tables of ``n_bits`` random hyperplanes each (see
    :mod:`knnlib.ann` for the formulas), then answers a query by re-ranking,
    with exact distances, the training points that share one of its buckets.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The training points.
    n_tables : int, default 8
        Number of independent hash tables :math:`T`. More tables, more
        candidates: higher recall, slower queries.
    n_bits : int, default 12
        Hyperplanes per table :math:`B` (1 to :data:`MAX_BITS`). More bits,
        smaller buckets: fewer candidates, faster queries, lower recall.
    metric : str, default "euclidean"
        Distance used to re-rank the candidates, one of :data:`LSH_METRICS`.
    seed : int, default 0
        Seed of the random hyperplanes (``numpy.random.default_rng(seed)``).
        Tables are drawn one after another, so with the same ``seed`` and
        ``n_bits`` an index with more tables holds all the tables of one with
        fewer: its candidates, and its recall, can only grow.
    **metric_params
        ``p`` for minkowski.

    Attributes
    ----------
    directions_ : ndarray of shape (n_tables, n_bits, n_features)
        Normal vector :math:`w` of each hyperplane (unit length when random).
    offsets_ : ndarray of shape (n_tables, n_bits)
        Offset :math:`b` of each hyperplane: the bit is ``w @ x > b``.
    keys_ : ndarray of int64, shape (n_samples, n_tables)
        Bucket key of every training point in every table.
    last_stats : LSHStats or None
        Candidate counts of the last :meth:`query`.

    Notes
    -----
    A query whose buckets hold fewer than ``k`` distinct points cannot be
    given ``k`` neighbours. Its missing places are **padded** with distance
    ``inf`` and index ``-1`` (nothing else is searched: no silent fall back to
    a scan), and ``last_stats.n_candidates`` says how many points it saw.
    Filter with ``ind >= 0``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 8))
    >>> index = LSHIndex(X, n_tables=4, n_bits=6, seed=0)
    >>> dist, ind = index.query(X[:3], k=2)
    >>> ind[:, 0]                       # each training point finds itself
    array([0, 1, 2])
    >>> dist[:, 0]
    array([0., 0., 0.])
    >>> bool(index.last_stats.n_candidates.max() < 1000)   # far fewer than a scan
    True

    Hand-built buckets: one table whose two bits ask "x > 5?" and "y > 5?".

    >>> points = [[1.0, 1.0], [2.0, 1.0], [8.0, 8.0], [9.0, 2.0]]
    >>> quadrants = LSHIndex.from_hyperplanes(
    ...     points, directions=[[[1.0, 0.0], [0.0, 1.0]]], offsets=[[5.0, 5.0]])
    >>> quadrants.keys_[:, 0]           # bucket = x_bit * 1 + y_bit * 2
    array([0, 0, 3, 1])
    >>> quadrants.query([[3.0, 3.0]], k=3)   # only the bottom-left bucket is searched
    (array([[2.23606798, 2.82842712,        inf]]), array([[ 1,  0, -1]]))
    """

    def __init__(self, X, n_tables=8, n_bits=12, *, metric="euclidean", seed=0, **metric_params):
        data = check_array(X, "X")
        n_tables = check_positive_int(n_tables, "n_tables")
        n_bits = check_positive_int(n_bits, "n_bits")
        if n_bits > MAX_BITS:
            raise ValueError(f"n_bits must be <= {MAX_BITS} (keys are 64-bit integers), got n_bits = {n_bits}")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be an integer, got seed = {seed!r} of type {type(seed).__name__}")
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got seed = {seed}")
        _check_metric(metric, data, metric_params)  # before the work of drawing hyperplanes
        directions, offsets = _random_hyperplanes(data, n_tables, n_bits, int(seed))
        self._setup(data, directions, offsets, metric, metric_params)
        self.seed = int(seed)

    @classmethod
    def from_hyperplanes(cls, X, directions, offsets, *, metric="euclidean", **metric_params):
        """An index with the hyperplanes given, instead of random ones.

        For teaching and testing: choose the buckets by hand.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        directions : array-like of shape (n_tables, n_bits, n_features)
            The normal vector of each hyperplane (any nonzero length: the bit
            ``w @ x > b`` only needs ``b`` on the same scale).
        offsets : array-like of shape (n_tables, n_bits)
        metric : str, default "euclidean"
        **metric_params

        Examples
        --------
        >>> index = LSHIndex.from_hyperplanes([[0.0], [2.0], [4.0]], [[[1.0]]], [[1.0]])
        >>> index.keys_[:, 0]
        array([0, 1, 1])
        """
        data = check_array(X, "X")
        directions = np.asarray(directions, dtype=np.float64)
        offsets = np.asarray(offsets, dtype=np.float64)
        if directions.ndim != 3 or directions.shape[2] != data.shape[1]:
            raise ValueError(
                f"directions must have shape (n_tables, n_bits, {data.shape[1]}) "
                f"(one vector per hyperplane, as many features as X), got shape {directions.shape}"
            )
        if offsets.shape != directions.shape[:2]:
            raise ValueError(
                f"offsets must have shape {directions.shape[:2]} (one per hyperplane), got shape {offsets.shape}"
            )
        if not 1 <= directions.shape[1] <= MAX_BITS or directions.shape[0] < 1:
            raise ValueError(
                f"directions must hold at least 1 table and 1 to {MAX_BITS} bits per table, "
                f"got shape {directions.shape}"
            )
        if not (np.all(np.isfinite(directions)) and np.all(np.isfinite(offsets))):
            raise ValueError("directions and offsets must be finite (no NaN or infinity)")
        if np.any(~np.any(directions != 0, axis=2)):
            table, bit = np.argwhere(~np.any(directions != 0, axis=2))[0]
            raise ValueError(f"directions[{table}, {bit}] is the zero vector; a hyperplane needs a normal direction")
        index = cls.__new__(cls)
        index._setup(data, directions, offsets, metric, metric_params)
        index.seed = None
        return index

    def _setup(self, data, directions, offsets, metric, metric_params):
        self.data = data
        self.n_samples, self.n_features = data.shape
        self.metric = _check_metric(metric, data, metric_params)
        self.directions_ = directions
        self.offsets_ = offsets
        self.n_tables, self.n_bits = offsets.shape
        self.last_stats = None
        self.keys_ = self.hash(data)
        # One sorted copy of the keys per table: a bucket is then a run of
        # equal keys, found for any number of queries at once by searchsorted.
        self._order = np.argsort(self.keys_, axis=0, kind="stable").T  # (n_tables, n_samples)
        self._sorted_keys = np.take_along_axis(self.keys_.T, self._order, axis=1)
        # Feature-major copy: gathering candidates column by column keeps each
        # feature contiguous for Metric.rowwise (several times faster).
        self._columns = np.ascontiguousarray(data.T)

    def __repr__(self):
        return (
            f"LSHIndex(n_samples={self.n_samples}, n_features={self.n_features}, "
            f"n_tables={self.n_tables}, n_bits={self.n_bits}, metric={self.metric!r})"
        )

    # -- hashing --------------------------------------------------------------------
    def hash(self, Q):
        r"""Bucket key of each row of ``Q`` in each table.

        Parameters
        ----------
        Q : array-like of shape (m, n_features)

        Returns
        -------
        keys : ndarray of int64, shape (m, n_tables)
            :math:`\sum_j \mathbf{1}[w_j \cdot q > b_j]\, 2^j` per table.

        Examples
        --------
        >>> index = LSHIndex.from_hyperplanes([[0.0, 0.0]], [[[1.0, 0.0], [0.0, 1.0]]], [[5.0, 5.0]])
        >>> index.hash([[9.0, 1.0], [1.0, 9.0], [9.0, 9.0]])
        array([[1],
               [2],
               [3]])
        """
        Q = self._check_points(Q, "Q")
        return _keys(Q, self.directions_, self.offsets_)

    # -- candidates -----------------------------------------------------------------
    def _bucket_ranges(self, keys):
        """Where each query's bucket sits in each table's sorted order: (start, stop), each (m, T)."""
        start = np.empty(keys.shape, dtype=np.intp)
        stop = np.empty(keys.shape, dtype=np.intp)
        for table in range(self.n_tables):  # a handful of tables; every query at once
            start[:, table] = np.searchsorted(self._sorted_keys[table], keys[:, table], side="left")
            stop[:, table] = np.searchsorted(self._sorted_keys[table], keys[:, table], side="right")
        return start, stop

    def _candidate_pairs(self, start, stop):
        """Distinct (query, training point) pairs in the buckets, sorted by query then point.

        ``start`` and ``stop`` (shape (m, T)) delimit each query's bucket in
        each table's sorted order. A point in the query's bucket in several
        tables is listed once per table but is one candidate: each pair is
        coded as the number ``query * n_samples + point``, the codes are
        sorted, and repeats (now side by side) are dropped.
        """
        sizes = stop - start  # (m, T)
        n_queries = sizes.shape[0]
        query_id = np.repeat(np.arange(n_queries), sizes.sum(axis=1))
        table_id = np.repeat(np.tile(np.arange(self.n_tables), n_queries), sizes.ravel())
        # Position inside the sorted table: each range's start, plus 0, 1, 2, ... along the range.
        first_of_range = np.repeat(np.cumsum(sizes.ravel()) - sizes.ravel(), sizes.ravel())
        position = np.repeat(start.ravel(), sizes.ravel()) + (np.arange(query_id.size) - first_of_range)
        codes = np.sort(query_id * self.n_samples + self._order[table_id, position])
        codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])] if codes.size else codes
        return np.divmod(codes, self.n_samples)

    def candidates(self, Q):
        """The training points sharing at least one bucket with each row of ``Q``.

        Parameters
        ----------
        Q : array-like of shape (m, n_features)

        Returns
        -------
        candidates : object ndarray of shape (m,)
            Each entry a sorted int array of training indices.

        Examples
        --------
        >>> index = LSHIndex.from_hyperplanes([[0.0], [2.0], [4.0]], [[[1.0]], [[1.0]]], [[1.0], [3.0]])
        >>> index.candidates([[1.5]])[0]   # table 0: {1, 2} (x > 1); table 1: {0, 1} (x <= 3)
        array([0, 1, 2])
        """
        Q = self._check_points(Q, "Q")
        start, stop = self._bucket_ranges(self.hash(Q))
        out = np.empty(Q.shape[0], dtype=object)
        for queries in self._batches(stop - start):
            query_id, point = self._candidate_pairs(start[queries], stop[queries])
            splits = np.cumsum(np.bincount(query_id, minlength=queries.stop - queries.start))[:-1]
            for i, part in enumerate(np.split(point, splits), start=queries.start):
                out[i] = part
        return out

    # -- k nearest among the candidates ------------------------------------------------
    def query(self, Q, k=1, return_distance=True):
        """The ``k`` nearest candidates of each row of ``Q``, with exact distances.

        Parameters
        ----------
        Q : array-like of shape (m, n_features)
        k : int, 1 <= k <= n_samples
        return_distance : bool

        Returns
        -------
        distances : ndarray of shape (m, k), only if ``return_distance``
            Exact distances (:meth:`knnlib.metrics.Metric.rowwise`), increasing;
            ``inf`` where a query had fewer than ``k`` candidates.
        indices : ndarray of int, shape (m, k)
            Training rows ordered by (distance, index); ``-1`` where padded.
        """
        Q = self._check_points(Q, "Q")
        k = check_n_neighbors(k, self.n_samples)
        start, stop = self._bucket_ranges(self.hash(Q))
        dist = np.full((Q.shape[0], k), np.inf)
        ind = np.full((Q.shape[0], k), -1, dtype=np.intp)
        n_candidates = np.zeros(Q.shape[0], dtype=np.intp)
        query_columns = np.ascontiguousarray(Q.T)
        for queries in self._batches(stop - start):
            query_id, point = self._candidate_pairs(start[queries], stop[queries])
            n_candidates[queries] = np.bincount(query_id, minlength=queries.stop - queries.start)
            query_id += queries.start
            # Exact distances of every candidate pair, by the one routine of knnlib.metrics.
            candidate_dist = self.metric.rowwise(
                np.take(query_columns, query_id, axis=1).T, np.take(self._columns, point, axis=1).T
            )
            # Order by (query, distance); lexsort is stable and `point` is
            # already increasing within a query, so ties go to the smaller index.
            order = np.lexsort((candidate_dist, query_id))
            query_id, point, candidate_dist = query_id[order], point[order], candidate_dist[order]
            rank = np.arange(query_id.size) - np.searchsorted(query_id, query_id, side="left")
            kept = rank < k
            dist[query_id[kept], rank[kept]] = candidate_dist[kept]
            ind[query_id[kept], rank[kept]] = point[kept]
        self.last_stats = LSHStats(n_candidates=n_candidates, bucket_sizes=stop - start)
        return (dist, ind) if return_distance else ind

    @staticmethod
    def _batches(sizes):
        """Slices of consecutive queries small enough to handle at once (at least one query each).

        A batch's buckets hold at most ``_PAIRS_PER_BATCH`` entries in all.
        """
        cumulative = np.cumsum(sizes.sum(axis=1))
        start = 0
        while start < cumulative.size:
            budget = (cumulative[start - 1] if start else 0) + _PAIRS_PER_BATCH
            stop = max(start + 1, int(np.searchsorted(cumulative, budget, side="right")))
            yield slice(start, stop)
            start = stop

    def _check_points(self, Q, name):
        Q = check_array(Q, name)
        check_n_features(Q, self.n_features, name)
        return Q


def _check_metric(metric, data, metric_params):
    """The :class:`~knnlib.metrics.Metric` for ``metric``, or an error if LSH cannot re-rank with it."""
    resolved = get_metric(metric, data=data, **metric_params)
    if resolved.name not in LSH_METRICS:
        raise ValueError(
            f"LSHIndex does not support metric {resolved.name!r}; it supports "
            f"{', '.join(map(repr, LSH_METRICS))}"
        )
    return resolved


def _keys(X, directions, offsets):
    """Bucket keys (n, T) of the rows of ``X`` for hyperplanes (T, B, d) and offsets (T, B)."""
    n_tables, n_bits, n_features = directions.shape
    weights = np.left_shift(np.int64(1), np.arange(n_bits, dtype=np.int64))  # 1, 2, 4, ...
    flat_directions = directions.reshape(-1, n_features)
    flat_offsets = offsets.reshape(-1)
    keys = np.empty((X.shape[0], n_tables), dtype=np.int64)
    for start in range(0, X.shape[0], _ROWS_PER_HASH_CHUNK):
        rows = slice(start, start + _ROWS_PER_HASH_CHUNK)
        bits = X[rows] @ flat_directions.T > flat_offsets  # (rows, T * B)
        keys[rows] = bits.reshape(-1, n_tables, n_bits).astype(np.int64) @ weights
    return keys


def _random_hyperplanes(X, n_tables, n_bits, seed):
    """Unit directions, uniform on the sphere, each through a random training point.

    Tables are drawn one after another from one generator, so the tables of
    a smaller ``n_tables`` are the first tables of a larger one.
    """
    rng = np.random.default_rng(seed)
    n_samples, n_features = X.shape
    directions = np.empty((n_tables, n_bits, n_features))
    through = np.empty((n_tables, n_bits), dtype=np.intp)
    for table in range(n_tables):
        gaussian = rng.normal(size=(n_bits, n_features))  # a normal vector points anywhere equally
        directions[table] = gaussian / np.sqrt(np.sum(gaussian * gaussian, axis=1, keepdims=True))
        through[table] = rng.integers(0, n_samples, size=n_bits)
    points = X[through]  # (n_tables, n_bits, n_features)
    offsets = np.einsum("tbf,tbf->tb", directions, points)
    # The nudge (see the module docstring): a dot product of d terms is off by
    # at most about d * 1.1e-16 * ||x_r||, far below 1e-9 * ||x_r||.
    offsets += _NUDGE * np.sqrt(np.einsum("tbf,tbf->tb", points, points))
    return directions, offsets


def recall_at_k(found, true):
    r"""Mean share of the true ``k`` nearest neighbours that were found.

    .. math:: \text{recall@}k = \frac{1}{m} \sum_{i=1}^{m}
              \frac{|\,\text{found}_i \cap \text{true}_i\,|}{k}

    Parameters
    ----------
    found : array-like of int, shape (m, k)
        Indices returned by an approximate search (``-1`` padding never matches).
    true : array-like of int, shape (m, k)
        The exact k nearest neighbours (e.g. from :class:`knnlib.BruteForce`).

    Returns
    -------
    float

    Examples
    --------
    >>> recall_at_k([[0, 1, 2], [5, 6, -1]], [[0, 2, 9], [5, 6, 7]])
    0.6666666666666666
    """
    found = np.asarray(found)
    true = np.asarray(true)
    if found.ndim != 2 or found.shape != true.shape:
        raise ValueError(
            f"found and true must be 2-D arrays of the same shape (m, k), got shapes {found.shape} and {true.shape}"
        )
    if found.dtype.kind not in "iu" or true.dtype.kind not in "iu":
        raise TypeError(f"found and true must hold integer indices, got dtypes {found.dtype} and {true.dtype}")
    if true.shape[1] == 0:
        raise ValueError("k must be at least 1: found and true have 0 columns")
    # found[i, a] == true[i, b] for some b; valid indices are distinct within a row.
    hits = (found[:, :, None] == true[:, None, :]) & (found[:, :, None] >= 0)
    return float(hits.any(axis=2).sum(axis=1).mean() / true.shape[1])
