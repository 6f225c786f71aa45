r"""Figures, data and measurements for chapter 9, *At scale: approximate neighbours*.

The chapter's pieces, each a pure function of plain values:

* **Data.** :func:`embedding_like_data`: seeded clustered vectors, a stand-in
  for learned embeddings (a few dozen coordinates per item, items of a kind
  close together, the clusters living in a low-dimensional subspace).
* **Why exact search stops being enough.** :func:`scan_throughput` times
  knnlib's exact scan (:class:`knnlib.BruteForce`) at several sizes;
  :func:`extrapolate_throughput` continues the line, since a scan's cost
  grows like :math:`n`.
* **LSH drawn in 2-D.** :func:`demo_points`, :func:`candidate_region` (the
  part of the plane that shares a bucket with the query in some table),
  :func:`plot_lsh_demo` and its interactive callback :func:`draw_lsh`;
  :func:`candidate_probability`, the amplification curve
  :math:`1 - (1 - p^B)^T`, and :func:`plot_amplification`.
* **A graph index in one picture.** :func:`neighbour_graph`,
  :func:`greedy_walk` and :func:`plot_greedy_walk`: the walk a graph index
  such as HNSW takes towards a query.
* **The benchmark.** :func:`run_ann_benchmark` measures recall@k and queries
  per second for knnlib's exact scan, faiss's exact ``IndexFlatL2``,
  knnlib's :class:`~knnlib.ann.LSHIndex` and faiss's ``IndexHNSWFlat``, all on
  one thread; :func:`plot_recall_qps` draws it ann-benchmarks style and
  :func:`plot_distance_work` counts the distances each one computed.
* **The production story.** :func:`plot_recommendation_pipeline` and
  :func:`more_like_this`.

matplotlib and faiss are imported inside the functions that need them.

Examples
--------
>>> data = embedding_like_data(1000, 10, seed=0)
>>> data.X.shape, data.Q.shape, data.cluster.shape
((1000, 32), (10, 32), (1000,))
>>> round(candidate_probability(0.9, n_bits=8, n_tables=4), 4)   # 1 - (1 - 0.9**8)**4
0.8948
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_array, check_positive_int
from ..ann import LSHIndex, recall_at_k
from ..metrics import get_metric
from ..plotting import CLASS_COLORS, CLASS_MARKERS, DEFAULT_EXTENT, REGION_COLORS, grid_centres
from ..search import BruteForce
from ..timing import median_ratio, progress

__all__ = [
    "DEMO_K",
    "DEMO_QUERY",
    "WALK_N_POINTS",
    "WALK_START",
    "EF_SEARCH_VALUES",
    "Embeddings",
    "BenchmarkResult",
    "LSH_SETTINGS",
    "METHOD_STYLES",
    "candidate_probability",
    "candidate_region",
    "demo_points",
    "draw_greedy_walk",
    "draw_lsh",
    "embedding_like_data",
    "extrapolate_throughput",
    "greedy_walk",
    "more_like_this",
    "neighbour_graph",
    "plot_amplification",
    "plot_distance_work",
    "plot_greedy_walk",
    "plot_lsh_demo",
    "plot_recall_qps",
    "plot_recommendation_pipeline",
    "plot_scan_throughput",
    "run_ann_benchmark",
    "scan_throughput",
]

#: The 2-D demonstration: its query point and number of neighbours.
DEMO_QUERY = (4.4, 5.4)
DEMO_K = 5

#: (n_bits, n_tables) of the LSH indexes in the benchmark, from few
#: candidates (fast, low recall) to many (slower, higher recall).
LSH_SETTINGS = ((52, 16), (52, 32), (44, 32), (48, 64), (40, 64))

#: efSearch values of the HNSW index in the benchmark (the length of the
#: list of best candidates its search keeps; faiss uses at least k).
EF_SEARCH_VALUES = (10, 16, 32, 64, 128)

#: The graph-walk demonstration: a smaller 2-D set, and where the walk starts.
WALK_N_POINTS = 120
WALK_START = (9.5, 0.5)

#: Colour and marker of each method in the benchmark figures.
METHOD_STYLES = {
    "knnlib exact": {"color": CLASS_COLORS[0], "marker": CLASS_MARKERS[0]},
    "faiss exact": {"color": CLASS_COLORS[5], "marker": CLASS_MARKERS[2]},
    "knnlib LSH": {"color": CLASS_COLORS[1], "marker": CLASS_MARKERS[1]},
    "faiss HNSW": {"color": CLASS_COLORS[2], "marker": CLASS_MARKERS[3]},
}


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _one_thread():
    """Pin NumPy's BLAS (and any OpenMP pool) to one thread, as faiss is pinned below."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass
class Embeddings:
    """Training and query vectors from :func:`embedding_like_data`.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        The stored items (think: one vector per song).
    Q : ndarray of shape (n_queries, n_features)
        New vectors from the same clusters, to search with.
    cluster : ndarray of int, shape (n_samples,)
        The cluster each item was drawn from (think: its genre).
    query_cluster : ndarray of int, shape (n_queries,)
    """

    X: np.ndarray
    Q: np.ndarray
    cluster: np.ndarray
    query_cluster: np.ndarray


def embedding_like_data(n_samples, n_queries=0, *, n_features=32, n_clusters=100, latent_dim=8, seed=0):
    r"""Seeded clustered vectors that stand in for learned embeddings.

    Each vector is drawn in three steps: pick one of ``n_clusters`` cluster
    centres :math:`c` in a ``latent_dim``-dimensional space (centres normal
    with spread 2), add normal noise of spread 0.7, map the result linearly
    into ``n_features`` dimensions with a fixed random matrix :math:`A`, and
    add a little noise (spread 0.1) in every direction:

    .. math:: x = (c + 0.7\, z) A + 0.1\, \varepsilon .

    Real embeddings (of songs, images, sentences) also put similar items in
    clusters and fill only a thin slice of their space; the numbers here are
    made up and only imitate that shape.

    Parameters
    ----------
    n_samples : int
        Stored vectors.
    n_queries : int, default 0
        Query vectors, drawn the same way (independently of the stored ones).
    n_features, n_clusters, latent_dim : int
    seed : int

    Returns
    -------
    Embeddings

    Examples
    --------
    >>> data = embedding_like_data(5, 2, n_features=4, n_clusters=3, latent_dim=2)
    >>> data.X.shape, data.Q.shape
    ((5, 4), (2, 4))
    >>> set(data.cluster.tolist()) <= {0, 1, 2}
    True
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    if isinstance(n_queries, bool) or not isinstance(n_queries, numbers.Integral) or n_queries < 0:
        raise ValueError(f"n_queries must be an integer >= 0, got n_queries = {n_queries!r}")
    n_features = check_positive_int(n_features, "n_features")
    n_clusters = check_positive_int(n_clusters, "n_clusters")
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(n_clusters, latent_dim))
    mixing = rng.normal(size=(latent_dim, n_features)) / np.sqrt(latent_dim)
    n_total = n_samples + int(n_queries)
    cluster = rng.integers(0, n_clusters, size=n_total)
    latent = centres[cluster] + 0.7 * rng.normal(size=(n_total, latent_dim))
    vectors = latent @ mixing
    vectors += 0.1 * rng.normal(size=(n_total, n_features))
    return Embeddings(
        X=vectors[:n_samples], Q=vectors[n_samples:], cluster=cluster[:n_samples], query_cluster=cluster[n_samples:]
    )


# ---------------------------------------------------------------------------
# Why exact search stops being enough
# ---------------------------------------------------------------------------


def _check_sizes(sizes, name):
    try:
        values = list(sizes)
    except TypeError:
        raise TypeError(f"{name} must be a list of integers, got {name} = {sizes!r}") from None
    if not values or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in values):
        raise ValueError(f"{name} must be a non-empty list of integers >= 1, got {name} = {sizes!r}")
    return np.array(values, dtype=np.int64)


def scan_throughput(sizes, *, n_features=32, n_queries=100, k=10, repeats=3, seed=0, show_progress=False):
    """Queries per second of knnlib's exact scan, measured at each training set size.

    For each size ``n``: draw :func:`embedding_like_data` (``n`` items,
    ``n_queries`` queries), build a :class:`knnlib.BruteForce` index, and
    time one batch query of all the queries, ``repeats`` times, on one
    thread. The median time gives the throughput.

    Parameters
    ----------
    sizes : list of int
        Training set sizes (each at least ``k``).
    n_features, n_queries, k, repeats, seed : int
    show_progress : bool
        Show a progress bar over the sizes (in a Jupyter kernel).

    Returns
    -------
    dict
        ``"sizes"``, ``"seconds_per_query"`` and ``"queries_per_second"``,
        ndarrays in the order of ``sizes``.

    Examples
    --------
    >>> out = scan_throughput([1000, 4000], n_queries=20, repeats=1)
    >>> out["sizes"].tolist(), bool((out["queries_per_second"] > 0).all())
    ([1000, 4000], True)
    """
    sizes = _check_sizes(sizes, "sizes")
    k = check_positive_int(k, "k")
    n_queries = check_positive_int(n_queries, "n_queries")
    repeats = check_positive_int(repeats, "repeats")
    if sizes.min() < k:
        raise ValueError(f"every size must be >= k = {k}, got sizes = {sizes.tolist()}")
    seconds = np.empty(len(sizes))
    steps = progress(list(enumerate(sizes)), description="timing the exact scan") if show_progress else enumerate(sizes)
    with _one_thread():
        for i, n in steps:
            data = embedding_like_data(int(n), n_queries, n_features=n_features, seed=seed)
            index = BruteForce(data.X)
            timing = median_ratio({"scan": lambda: index.query(data.Q, k)}, repeats=repeats, warmup=1)
            seconds[i] = timing["times"]["scan"] / n_queries
            del data, index
    return {"sizes": sizes, "seconds_per_query": seconds, "queries_per_second": 1.0 / seconds}


def extrapolate_throughput(measured, sizes):
    r"""Queries per second of the exact scan at larger ``sizes``, assuming cost grows like n.

    A scan computes one distance per stored point, so its time per query is
    proportional to :math:`n`. From the largest measured size :math:`n_0` with
    throughput :math:`r_0`:

    .. math:: r(n) = r_0 \, \frac{n_0}{n} .

    Parameters
    ----------
    measured : dict
        As returned by :func:`scan_throughput`.
    sizes : list of int

    Returns
    -------
    ndarray of float
        Estimated queries per second at each size (an estimate, not a measurement).

    Examples
    --------
    >>> measured = {"sizes": np.array([1000, 10_000]), "queries_per_second": np.array([900.0, 100.0])}
    >>> extrapolate_throughput(measured, [100_000, 1_000_000]).tolist()
    [10.0, 1.0]
    """
    sizes = _check_sizes(sizes, "sizes")
    largest = int(np.argmax(measured["sizes"]))
    n0 = float(measured["sizes"][largest])
    r0 = float(measured["queries_per_second"][largest])
    return r0 * n0 / sizes.astype(float)


def plot_scan_throughput(measured, extrapolated_sizes, ax=None, *, target_qps=None):
    """Exact-scan throughput against training set size, log-log: measured points, then the extrapolated line.

    Parameters
    ----------
    measured : dict
        As returned by :func:`scan_throughput`.
    extrapolated_sizes : list of int
        Sizes beyond the measurement to continue the line to (dashed, labelled estimate).
    ax : matplotlib Axes, optional
    target_qps : float, optional
        A required throughput, drawn as a horizontal line.

    Returns
    -------
    dict
        ``"measured"`` and ``"extrapolated"`` (Line2D), ``"target"`` (Line2D or None),
        ``"extrapolated_qps"`` (ndarray).
    """
    ax = _get_ax(ax)
    style = METHOD_STYLES["knnlib exact"]
    (measured_line,) = ax.plot(measured["sizes"], measured["queries_per_second"], marker=style["marker"],
                               color=style["color"], label="measured on this machine (1 thread)")
    sizes = _check_sizes(extrapolated_sizes, "extrapolated_sizes")
    estimate = extrapolate_throughput(measured, sizes)
    largest = int(np.argmax(measured["sizes"]))
    xs = np.concatenate([[measured["sizes"][largest]], sizes])
    ys = np.concatenate([[measured["queries_per_second"][largest]], estimate])
    (extrapolated_line,) = ax.plot(xs, ys, linestyle="--", marker="o", markerfacecolor="white",
                                   color=style["color"], label="extrapolated (time grows like n)")
    target = None
    if target_qps is not None:
        target = ax.axhline(target_qps, color=CLASS_COLORS[3], linestyle=":",
                            label=f"needed: {target_qps:,.0f} queries per second")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("stored vectors n (32 dimensions)")
    ax.set_ylabel("queries per second (exact scan)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    return {"measured": measured_line, "extrapolated": extrapolated_line, "target": target,
            "extrapolated_qps": estimate}


# ---------------------------------------------------------------------------
# LSH in 2-D
# ---------------------------------------------------------------------------


def demo_points(n_points=300, seed=0):
    """Seeded 2-D points in five loose clusters inside [0, 10] x [0, 10].

    Examples
    --------
    >>> X = demo_points()
    >>> X.shape, bool(X.min() >= 0 and X.max() <= 10)
    ((300, 2), True)
    """
    n_points = check_positive_int(n_points, "n_points")
    rng = np.random.default_rng(seed)
    centres = np.array([[2.5, 2.5], [7.5, 3.0], [5.0, 7.5], [2.0, 7.0], [8.0, 8.0]])
    X = centres[rng.integers(0, len(centres), n_points)] + rng.normal(scale=1.0, size=(n_points, 2))
    return np.clip(X, 0.2, 9.8)


def candidate_region(index, query, extent=DEFAULT_EXTENT, grid=200):
    """Which cells of a grid share a bucket with ``query`` in at least one table.

    A training point is a candidate for the query exactly when it lies in
    this region, so drawing it shows what LSH will look at.

    Parameters
    ----------
    index : LSHIndex
        A 2-D index.
    query : (float, float)
    extent : (x_min, x_max, y_min, y_max)
    grid : int
        Cells per side.

    Returns
    -------
    ndarray of bool, shape (grid, grid)
        Row 0 at the bottom (as :func:`knnlib.plotting.grid_centres`).

    Examples
    --------
    >>> index = LSHIndex.from_hyperplanes([[1.0, 1.0]], [[[1.0, 0.0]]], [[5.0]])
    >>> region = candidate_region(index, (2.0, 2.0), grid=4)
    >>> region.astype(int)          # left half: x <= 5
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [1, 1, 0, 0],
           [1, 1, 0, 0]])
    """
    if index.n_features != 2:
        raise ValueError(f"candidate_region draws 2-D indexes, got an index on {index.n_features} features")
    xs, ys = grid_centres(grid, extent)
    cells = np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))])
    cell_keys = index.hash(cells)
    query_keys = index.hash(np.asarray(query, dtype=float).reshape(1, 2))
    return (cell_keys == query_keys).any(axis=1).reshape(len(ys), len(xs))


def _hyperplane_segment(direction, offset, extent):
    """The two ends of the line ``direction . x = offset`` inside ``extent`` (None if it misses)."""
    x_min, x_max, y_min, y_max = extent
    w = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
    b = offset / np.linalg.norm(direction)
    foot = b * w  # the point of the line nearest the origin
    along = np.array([-w[1], w[0]])
    reach = 4 * max(abs(x_min), abs(x_max), abs(y_min), abs(y_max)) + abs(b)
    ends = []
    # Clip the long segment foot +- reach * along to the box (Liang-Barsky).
    t0, t1 = -reach, reach
    for p, q in ((-along[0], foot[0] - x_min), (along[0], x_max - foot[0]),
                 (-along[1], foot[1] - y_min), (along[1], y_max - foot[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    if t0 > t1:
        return None
    for t in (t0, t1):
        ends.append(foot + t * along)
    return np.array(ends)


def plot_lsh_demo(X, query, index, k=DEMO_K, ax=None, *, extent=DEFAULT_EXTENT, grid=200):
    """One query's LSH search in 2-D: hyperplanes, candidate region, candidates, found and missed neighbours.

    Draws the region of the plane that shares a bucket with the query in at
    least one table (shaded), the hyperplanes of table 1 (solid) and of the
    other tables (thin, dashed), every training point (grey; the candidates
    in colour), the query (star), its true ``k`` nearest neighbours (ringed)
    and the ones LSH missed (crossed).

    Parameters
    ----------
    X : array-like of shape (n, 2)
        The training points the index was built on.
    query : (float, float)
    index : LSHIndex
    k : int
    ax : matplotlib Axes, optional
    extent : (x_min, x_max, y_min, y_max)
    grid : int
        Cells per side of the shaded region.

    Returns
    -------
    dict
        ``"candidates"`` (training indices), ``"n_candidates"``,
        ``"true_neighbours"`` (from :class:`knnlib.BruteForce`), ``"found"``
        (LSH's answer, ``-1`` padded), ``"recall"``, ``"lines"``, ``"region"``
        (the boolean grid) and the artists ``"image"``, ``"points"``.
    """
    import matplotlib.colors as mcolors

    ax = _get_ax(ax)
    X = check_array(X, "X")
    query = np.asarray(query, dtype=float).reshape(1, 2)
    candidates = index.candidates(query)[0]
    _, found = index.query(query, k=k)
    _, true = BruteForce(X).query(query, k=k)
    region = candidate_region(index, query[0], extent=extent, grid=grid)
    x_min, x_max, y_min, y_max = extent
    image = ax.imshow(region.astype(float), origin="lower", extent=extent, interpolation="nearest",
                      cmap=mcolors.ListedColormap(["white", REGION_COLORS[0]]), vmin=0, vmax=1, zorder=0)
    lines = []
    for table in range(index.n_tables):
        for bit in range(index.n_bits):
            ends = _hyperplane_segment(index.directions_[table, bit], index.offsets_[table, bit], extent)
            if ends is None:
                continue
            style = ({"color": "black", "linewidth": 1.3} if table == 0
                     else {"color": "0.45", "linewidth": 0.7, "linestyle": "--"})
            lines.append(ax.plot(ends[:, 0], ends[:, 1], zorder=1, **style)[0])
    is_candidate = np.zeros(len(X), dtype=bool)
    is_candidate[candidates] = True
    others = ax.scatter(X[~is_candidate, 0], X[~is_candidate, 1], s=12, color="0.7", zorder=2)
    chosen = ax.scatter(X[is_candidate, 0], X[is_candidate, 1], s=18, color=CLASS_COLORS[0], zorder=3,
                        label=f"candidates ({len(candidates)})")
    found_set = set(found[0][found[0] >= 0].tolist())
    missed = [i for i in true[0] if i not in found_set]
    rings = ax.scatter(X[true[0], 0], X[true[0], 1], s=110, facecolors="none", edgecolors="black",
                       linewidths=1.3, zorder=4, label=f"true {k} nearest")
    crosses = ax.scatter(X[missed, 0], X[missed, 1], s=90, marker="x", color=CLASS_COLORS[3], linewidths=2,
                         zorder=5, label="missed by LSH") if missed else None
    star = ax.scatter(query[0, 0], query[0, 1], s=220, marker="*", color="black", zorder=6, label="query")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    recall = recall_at_k(found, true)
    return {
        "candidates": candidates,
        "n_candidates": len(candidates),
        "true_neighbours": true[0],
        "found": found[0],
        "recall": recall,
        "lines": lines,
        "region": region,
        "image": image,
        "points": {"others": others, "candidates": chosen, "true": rings, "missed": crosses, "query": star},
    }


def draw_lsh(fig, *, n_bits, n_tables, seed=0):
    """Interactive-figure callback: the 2-D LSH demo for ``n_bits`` hyperplanes per table and ``n_tables`` tables.

    Builds an :class:`~knnlib.ann.LSHIndex` on :func:`demo_points` (seeded,
    so the tables of a smaller ``n_tables`` are the first tables of a larger
    one) and draws :func:`plot_lsh_demo` for :data:`DEMO_QUERY`.

    Returns
    -------
    dict
        What :func:`plot_lsh_demo` returned.
    """
    X = demo_points()
    index = LSHIndex(X, n_tables=n_tables, n_bits=n_bits, seed=seed)
    ax = fig.subplots()
    drawn = plot_lsh_demo(X, DEMO_QUERY, index, k=DEMO_K, ax=ax)
    n_found = int(round(drawn["recall"] * DEMO_K))
    ax.set_title(
        f"{_plural(n_bits, 'bit')} x {_plural(n_tables, 'table')}: {drawn['n_candidates']} of "
        f"{len(X)} points are candidates,\n{n_found} of the {DEMO_K} nearest found",
        fontsize=10,
    )
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    return drawn


def _plural(count, word):
    """``"1 bit"``, ``"2 bits"``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def candidate_probability(p, n_bits, n_tables):
    r"""Chance that a point becomes a candidate, if each bit agrees with probability ``p`` independently.

    .. math:: P = 1 - \bigl(1 - p^{B}\bigr)^{T}

    ``p^B``: all ``B`` bits of one table agree (same bucket);
    ``(1 - p^B)^T``: no table puts the point in the query's bucket.

    Parameters
    ----------
    p : float or array-like in [0, 1]
    n_bits, n_tables : int

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> candidate_probability(0.5, n_bits=1, n_tables=2)   # 1 - (1 - 0.5)^2
    0.75
    >>> candidate_probability([0.0, 1.0], n_bits=10, n_tables=5).tolist()
    [0.0, 1.0]
    """
    n_bits = check_positive_int(n_bits, "n_bits")
    n_tables = check_positive_int(n_tables, "n_tables")
    p_arr = np.asarray(p, dtype=float)
    if not np.all((p_arr >= 0) & (p_arr <= 1)):
        raise ValueError(f"p must be a probability in [0, 1], got p = {p!r}")
    out = 1.0 - (1.0 - p_arr**n_bits) ** n_tables
    return float(out) if out.ndim == 0 else out


def plot_amplification(settings, ax=None):
    """The S-curves :func:`candidate_probability` against ``p`` for several (n_bits, n_tables).

    Parameters
    ----------
    settings : list of (int, int)
        (n_bits, n_tables) pairs, one curve each.
    ax : matplotlib Axes, optional

    Returns
    -------
    list of Line2D
    """
    ax = _get_ax(ax)
    p = np.linspace(0, 1, 401)
    lines = []
    for i, (n_bits, n_tables) in enumerate(settings):
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        (line,) = ax.plot(p, candidate_probability(p, n_bits, n_tables), color=color, linewidth=2,
                          label=f"B = {_plural(n_bits, 'bit')}, T = {_plural(n_tables, 'table')}")
        lines.append(line)
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1, label="1 bit, 1 table: P = p")
    ax.set_xlabel("p: chance that one hyperplane keeps the two points together")
    ax.set_ylabel("chance of becoming a candidate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    return lines


# ---------------------------------------------------------------------------
# A graph index in one picture
# ---------------------------------------------------------------------------


def neighbour_graph(X, n_links=4, *, n_long_links=1, seed=0):
    """Links from each point to its ``n_links`` nearest others, plus a few random long links.

    The short links make a walk precise near its goal; the long links, to
    points drawn at random, let it cross empty space and clusters quickly.
    HNSW builds such a graph in layers (few points and long links on top,
    every point and short links at the bottom); this flat version keeps only
    the idea.

    Parameters
    ----------
    X : array-like of shape (n, d)
    n_links : int
        Nearest neighbours linked from each point (found by :class:`knnlib.BruteForce`).
    n_long_links : int, default 1
        Random other points linked from each point (0 for none).
    seed : int

    Returns
    -------
    ndarray of int, shape (n, n_links + n_long_links)
        Row ``i`` lists the points linked from point ``i``.

    Examples
    --------
    >>> X = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]
    >>> neighbour_graph(X, n_links=1, n_long_links=0).ravel().tolist()
    [1, 0, 1, 2]
    """
    X = check_array(X, "X")
    n_links = check_positive_int(n_links, "n_links")
    if isinstance(n_long_links, bool) or not isinstance(n_long_links, numbers.Integral) or n_long_links < 0:
        raise ValueError(f"n_long_links must be an integer >= 0, got n_long_links = {n_long_links!r}")
    if n_links + n_long_links > X.shape[0] - 1:
        raise ValueError(
            f"n_links + n_long_links must be at most n - 1 = {X.shape[0] - 1} (links go to other points), "
            f"got {n_links} + {n_long_links}"
        )
    _, nearest = BruteForce(X).query(X, k=n_links + 1)
    # Each point is its own nearest neighbour (distance 0, smallest index among duplicates at most):
    # drop it wherever it appears, keeping the n_links nearest others.
    is_self = nearest == np.arange(X.shape[0])[:, None]
    short = np.array([row[~mask][:n_links] for row, mask in zip(nearest, is_self)])
    rng = np.random.default_rng(seed)
    # A random other point: draw from n - 1 and skip over the point itself.
    long = rng.integers(0, X.shape[0] - 1, size=(X.shape[0], n_long_links))
    long += long >= np.arange(X.shape[0])[:, None]
    return np.hstack([short, long]).astype(np.intp)


def greedy_walk(X, graph, query, start=0):
    r"""Greedy search on a graph: hop to the linked point nearest the query until none is nearer.

    From the current point :math:`v`, look at its linked points :math:`N(v)`
    and move to :math:`\arg\min_{u \in N(v)} d(u, q)` if that is nearer the
    query :math:`q` than :math:`v` itself; otherwise stop. The walk only
    measures the distances of the points it looks at, which is why a graph
    index is fast, and it can stop at a point that is only the best in its
    neighbourhood, which is why it is approximate (HNSW keeps a list of the
    ``efSearch`` best points seen instead of one, to recover from that).

    Parameters
    ----------
    X : array-like of shape (n, d)
    graph : ndarray of int, shape (n, n_links)
        As returned by :func:`neighbour_graph`.
    query : array-like of shape (d,)
    start : int
        The entry point.

    Returns
    -------
    dict
        ``"path"`` (visited points, the entry first, the stop last),
        ``"n_distance_evaluations"`` (distinct points measured).

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> graph = np.array([[1], [2], [3], [2]])      # a one-way chain
    >>> greedy_walk(X, graph, query=[2.2], start=0)["path"]
    [0, 1, 2]
    """
    X = check_array(X, "X")
    graph = np.asarray(graph)
    if graph.ndim != 2 or graph.shape[0] != X.shape[0] or graph.dtype.kind not in "iu":
        raise ValueError(f"graph must be an integer array with one row per point ({X.shape[0]}), got shape {graph.shape}")
    query = np.asarray(query, dtype=float).reshape(1, -1)
    if query.shape[1] != X.shape[1]:
        raise ValueError(f"query must have {X.shape[1]} coordinates, got {query.shape[1]}")
    if isinstance(start, bool) or not isinstance(start, numbers.Integral) or not 0 <= start < X.shape[0]:
        raise ValueError(f"start must be a point index in 0..{X.shape[0] - 1}, got start = {start!r}")
    metric = get_metric("euclidean")
    measured = {int(start): float(metric.rowwise(X[start], query[0]))}
    path = [int(start)]
    while True:
        current = path[-1]
        links = graph[current]
        for u, d in zip(links.tolist(), metric.rowwise(X[links], query).tolist()):
            measured[u] = d
        best = min(links.tolist(), key=lambda u: (measured[u], u))
        if (measured[best], best) >= (measured[current], current):
            return {"path": path, "n_distance_evaluations": len(measured)}
        path.append(best)


def plot_greedy_walk(X, graph, query, path, ax=None):
    """The graph (thin grey links), the walk (arrows) from its entry point to where it stopped, and the query.

    The query's true nearest neighbour (from :class:`knnlib.BruteForce`) is
    drawn as a black square outline, so a walk that stopped elsewhere shows.

    Returns
    -------
    dict
        ``"links"`` (LineCollection), ``"arrows"`` (list of annotations),
        ``"points"``, ``"query"`` and ``"nearest"`` (the index of the true
        nearest neighbour).
    """
    from matplotlib.collections import LineCollection

    ax = _get_ax(ax)
    X = check_array(X, "X")
    segments = [(X[i], X[j]) for i in range(len(X)) for j in graph[i]]
    links = LineCollection(segments, colors="0.8", linewidths=0.5, zorder=1)
    ax.add_collection(links)
    points = ax.scatter(X[:, 0], X[:, 1], s=10, color="0.55", zorder=2)
    arrows = []
    for a, b in zip(path[:-1], path[1:]):
        arrows.append(ax.annotate("", xy=X[b], xytext=X[a], zorder=4,
                                  arrowprops={"arrowstyle": "->", "color": CLASS_COLORS[2], "linewidth": 2}))
    ax.scatter(*X[path[0]], s=80, marker="s", color=CLASS_COLORS[2], zorder=5, label="entry point")
    ax.scatter(*X[path[-1]], s=120, facecolors="none", edgecolors=CLASS_COLORS[2], linewidths=2, zorder=5,
               label="where the walk stops")
    nearest = int(BruteForce(X).query(np.asarray(query, dtype=float).reshape(1, -1), k=1)[1][0, 0])
    ax.scatter(*X[nearest], s=170, marker="s", facecolors="none", edgecolors="black", linewidths=1.2, zorder=5,
               label="true nearest")
    star = ax.scatter(*np.asarray(query, dtype=float), s=220, marker="*", color="black", zorder=6, label="query")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    return {"links": links, "arrows": arrows, "points": points, "query": star, "nearest": nearest}


def draw_greedy_walk(fig, *, n_links, n_long_links):
    """Interactive-figure callback: the greedy walk on a graph of ``n_links`` short and ``n_long_links`` long links.

    The graph is built on :func:`demo_points` (:data:`WALK_N_POINTS` of
    them) with :func:`neighbour_graph`; the walk starts at the point nearest
    :data:`WALK_START` and heads for :data:`DEMO_QUERY`.

    Returns
    -------
    dict
        What :func:`plot_greedy_walk` returned, plus ``"walk"`` (what
        :func:`greedy_walk` returned) and ``"found"`` (whether the walk
        stopped at the true nearest neighbour).
    """
    X = demo_points(WALK_N_POINTS, seed=1)
    graph = neighbour_graph(X, n_links=n_links, n_long_links=n_long_links, seed=0)
    start = int(BruteForce(X).query([WALK_START], k=1)[1][0, 0])
    walk = greedy_walk(X, graph, DEMO_QUERY, start=start)
    ax = fig.subplots()
    drawn = plot_greedy_walk(X, graph, DEMO_QUERY, walk["path"], ax=ax)
    found = walk["path"][-1] == drawn["nearest"]
    ax.set_title(
        f"{n_links} short + {n_long_links} long link{'' if n_long_links == 1 else 's'} per point: "
        f"{_plural(len(walk['path']) - 1, 'hop')}, {walk['n_distance_evaluations']} distances,\n"
        f"{'stopped at the true nearest neighbour' if found else 'stuck: the true nearest is elsewhere'}",
        fontsize=10,
    )
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    fig.tight_layout()
    return {**drawn, "walk": walk, "found": found}


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------


@dataclass
class BenchmarkResult:
    """What :func:`run_ann_benchmark` measured.

    Attributes
    ----------
    rows : list of dict
        One per method and setting: ``"method"``, ``"setting"``, ``"recall"``
        (recall@k against knnlib's exact answer), ``"queries_per_second"``,
        ``"distances_per_query"`` (mean exact distances computed per query)
        and ``"build_seconds"`` (the index's build time; shared by every
        efSearch value of the one HNSW index).
    true_indices : ndarray of int, shape (n_queries, k)
        The exact k nearest neighbours of every query.
    n_samples, n_features, n_queries, k : int
    hnsw : faiss.IndexHNSWFlat
        The HNSW index, reusable (e.g. by :func:`more_like_this`).
    """

    rows: list
    true_indices: np.ndarray
    n_samples: int
    n_features: int
    n_queries: int
    k: int
    hnsw: object = field(repr=False, default=None)

    def best(self, method, min_recall):
        """The fastest row of ``method`` with recall at least ``min_recall`` (None if there is none).

        Examples
        --------
        >>> result = BenchmarkResult(rows=[
        ...     {"method": "x", "recall": 0.8, "queries_per_second": 900.0},
        ...     {"method": "x", "recall": 0.95, "queries_per_second": 400.0}],
        ...     true_indices=np.zeros((1, 1), dtype=int), n_samples=1, n_features=1, n_queries=1, k=1)
        >>> result.best("x", 0.9)["queries_per_second"]
        400.0
        """
        rows = [r for r in self.rows if r["method"] == method and r["recall"] >= min_recall]
        return max(rows, key=lambda r: r["queries_per_second"]) if rows else None


def _check_settings(lsh_settings):
    try:
        pairs = [tuple(s) for s in lsh_settings]
    except TypeError:
        raise TypeError(f"lsh_settings must be a list of (n_bits, n_tables) pairs, got {lsh_settings!r}") from None
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"lsh_settings must hold (n_bits, n_tables) pairs, got {pair!r}")
        check_positive_int(pair[0], "n_bits")
        check_positive_int(pair[1], "n_tables")
    return pairs


def run_ann_benchmark(data, *, k=10, lsh_settings=LSH_SETTINGS, ef_values=EF_SEARCH_VALUES, hnsw_links=16,
                      ef_construction=40, repeats=3, show_progress=False):
    """Recall@k and queries per second of exact, LSH and HNSW search, on one thread.

    Contenders, all asked for the ``k`` nearest neighbours of every query of
    ``data.Q`` in one batch call:

    * **knnlib exact**: :class:`knnlib.BruteForce` (its answer is the truth
      the recall is measured against);
    * **faiss exact**: ``faiss.IndexFlatL2``, an exact scan in compiled code
      (on float32 copies of the data, as faiss requires);
    * **knnlib LSH**: :class:`knnlib.ann.LSHIndex` for each (n_bits, n_tables)
      of ``lsh_settings``;
    * **faiss HNSW**: one ``faiss.IndexHNSWFlat`` with ``hnsw_links`` links
      per point (its ``M``), searched with each ``efSearch`` of ``ef_values``.

    Every contender runs on one thread (``faiss.omp_set_num_threads(1)``, and
    NumPy's BLAS pinned with threadpoolctl), so the comparison is per core.
    Each contender runs once untimed (for its recall and distance count, and
    to warm up), then ``repeats`` timed times, interleaved with the others by
    :func:`knnlib.timing.median_ratio`; throughput is ``n_queries`` over the
    median time.

    Parameters
    ----------
    data : Embeddings
    k : int
    lsh_settings : list of (int, int)
    ef_values : list of int
    hnsw_links, ef_construction, repeats : int
    show_progress : bool
        Show a progress bar over the build and timing steps (in a Jupyter kernel).

    Returns
    -------
    BenchmarkResult
    """
    import faiss

    k = check_positive_int(k, "k")
    lsh_settings = _check_settings(lsh_settings)
    ef_values = [check_positive_int(ef, "efSearch") for ef in ef_values]
    hnsw_links = check_positive_int(hnsw_links, "hnsw_links")
    ef_construction = check_positive_int(ef_construction, "ef_construction")
    repeats = check_positive_int(repeats, "repeats")
    X, Q = check_array(data.X, "data.X"), check_array(data.Q, "data.Q")
    if X.shape[1] != Q.shape[1]:
        raise ValueError(f"data.X and data.Q must have the same number of features, got {X.shape[1]} and {Q.shape[1]}")
    n_samples, n_features = X.shape
    n_queries = Q.shape[0]
    X32, Q32 = np.ascontiguousarray(X, dtype=np.float32), np.ascontiguousarray(Q, dtype=np.float32)

    searches = {}  # (method, setting) -> zero-argument search returning indices
    build_seconds = {}
    distances = {}

    def build_exact():
        index = BruteForce(X)
        searches[("knnlib exact", "scan")] = lambda: index.query(Q, k)[1]
        distances[("knnlib exact", "scan")] = lambda: float(n_samples)
        flat = faiss.IndexFlatL2(n_features)
        flat.add(X32)
        searches[("faiss exact", "IndexFlatL2")] = lambda: flat.search(Q32, k)[1]
        distances[("faiss exact", "IndexFlatL2")] = lambda: float(n_samples)

    def build_lsh(n_bits, n_tables):
        index = LSHIndex(X, n_tables=n_tables, n_bits=n_bits, seed=0)
        setting = f"{n_bits} bits x {n_tables} tables"
        searches[("knnlib LSH", setting)] = lambda: index.query(Q, k)[1]
        distances[("knnlib LSH", setting)] = lambda: float(index.last_stats.n_candidates.mean())
        return setting

    hnsw = faiss.IndexHNSWFlat(n_features, hnsw_links)

    def build_hnsw():
        hnsw.hnsw.efConstruction = ef_construction
        hnsw.add(X32)
        for ef in ef_values:
            def search(ef=ef):
                hnsw.hnsw.efSearch = ef
                return hnsw.search(Q32, k)[1]
            searches[("faiss HNSW", f"efSearch {ef}")] = search
            distances[("faiss HNSW", f"efSearch {ef}")] = lambda: faiss.cvar.hnsw_stats.ndis / n_queries

    rows = []

    def answer_all():
        """One untimed run of every search: its recall, its work count, and a warm-up."""
        true = None
        for key, search in searches.items():
            faiss.cvar.hnsw_stats.reset()
            found = np.asarray(search()).astype(np.int64)
            if true is None:  # the first search is knnlib's exact scan: the truth
                true = found
            rows.append({"method": key[0], "setting": key[1], "recall": recall_at_k(found, true),
                         "distances_per_query": distances[key](), "build_seconds": build_seconds[key]})
        return true

    def time_all():
        """Every search ``repeats`` times, interleaved; throughput from the median time."""
        timing = median_ratio({str(key): fn for key, fn in searches.items()}, repeats=repeats, warmup=0)
        for row, key in zip(rows, searches):
            row["queries_per_second"] = n_queries / timing["times"][str(key)]

    steps = [("exact indexes", build_exact)]
    steps += [(f"LSH {b} bits x {t} tables", lambda b=b, t=t: build_lsh(b, t)) for b, t in lsh_settings]
    steps += [("HNSW graph", build_hnsw), ("answers", answer_all), ("timing", time_all)]

    previous_threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        with _one_thread():
            stepper = progress(steps, description="building and timing") if show_progress else steps
            outputs = {}
            for name, step in stepper:
                keys_before = set(searches)
                started = time.perf_counter()
                outputs[name] = step()
                for key in set(searches) - keys_before:
                    build_seconds[key] = time.perf_counter() - started
    finally:
        faiss.omp_set_num_threads(previous_threads)
    true = outputs["answers"].astype(np.intp)
    return BenchmarkResult(rows=rows, true_indices=true, n_samples=n_samples, n_features=n_features,
                           n_queries=n_queries, k=k, hnsw=hnsw)


def _rows_by_method(rows):
    methods = {}
    for row in rows:
        methods.setdefault(row["method"], []).append(row)
    return methods


def plot_recall_qps(rows, ax=None, *, label_points=True):
    """Queries per second (log) against recall@k, one line per method: the ann-benchmarks picture.

    Up and to the right is better. Each method's settings are joined in
    order of recall; with ``label_points`` each LSH and HNSW point is
    labelled with its setting.

    Parameters
    ----------
    rows : list of dict
        :attr:`BenchmarkResult.rows`.
    ax : matplotlib Axes, optional
    label_points : bool

    Returns
    -------
    dict of str -> Line2D
        One line per method.
    """
    ax = _get_ax(ax)
    lines = {}
    for method, method_rows in _rows_by_method(rows).items():
        method_rows = sorted(method_rows, key=lambda r: r["recall"])
        recall = [r["recall"] for r in method_rows]
        qps = [r["queries_per_second"] for r in method_rows]
        (lines[method],) = ax.plot(recall, qps, label=method, linewidth=1.5, markersize=7,
                                   **METHOD_STYLES.get(method, {"marker": "o"}))
        if label_points and method in ("knnlib LSH", "faiss HNSW"):
            for r in method_rows:
                short = r["setting"].replace(" bits x ", "b x ").replace(" tables", "t").replace("efSearch ", "ef ")
                ax.annotate(short, (r["recall"], r["queries_per_second"]), textcoords="offset points",
                            xytext=(4, 4), fontsize=7, color=lines[method].get_color())
    ax.set_yscale("log")
    ax.set_xlabel("recall@k (share of the true k nearest neighbours found)")
    ax.set_ylabel("queries per second (1 thread, log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=9, loc="lower left")
    return lines


def plot_distance_work(rows, n_samples, ax=None):
    """Distances computed per query (as a share of n, log) against recall@k, one line per method.

    This is the machine-independent side of the benchmark: how many stored
    points each method had to measure.

    Returns
    -------
    dict of str -> Line2D
    """
    ax = _get_ax(ax)
    lines = {}
    for method, method_rows in _rows_by_method(rows).items():
        method_rows = sorted(method_rows, key=lambda r: r["recall"])
        share = [r["distances_per_query"] / n_samples for r in method_rows]
        (lines[method],) = ax.plot([r["recall"] for r in method_rows], share, label=method, linewidth=1.5,
                                   markersize=7, **METHOD_STYLES.get(method, {"marker": "o"}))
    ax.set_yscale("log")
    ax.set_xlabel("recall@k")
    ax.set_ylabel("distances computed per query / n")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    return lines


# ---------------------------------------------------------------------------
# The production story
# ---------------------------------------------------------------------------

_PIPELINE_OFFLINE = ("listening sessions\n(who played what)", "train an\nembedding model",
                     "one vector\nper song", "build an\nHNSW index")
_PIPELINE_ONLINE = ("you play\na song", "look up\nits vector", "HNSW search:\n10 nearest, ~1 ms",
                    "\"More like this\"\n\"Fans also like\"")


def plot_recommendation_pipeline(ax=None):
    """A diagram of embedding-based recommendations: built offline, searched online with HNSW.

    Returns
    -------
    dict
        ``"boxes"`` (text artists, offline row then online row) and ``"arrows"``.
    """
    ax = _get_ax(ax)
    boxes, arrows = [], []
    step, gap = 2.4, 0.88  # distance between box centres; arrows keep this far from a centre
    rows = ((_PIPELINE_OFFLINE, 1.0, 1.42, "offline, once a day or so", CLASS_COLORS[5]),
            (_PIPELINE_ONLINE, 0.0, -0.42, "online, for every listener, many times a second", CLASS_COLORS[2]))
    for labels, y, title_y, title, color in rows:
        ax.text(-0.8, title_y, title, fontsize=10.5, style="italic", va="center")
        for i, label in enumerate(labels):
            boxes.append(ax.text(i * step, y, label, ha="center", va="center", fontsize=10.5,
                                 bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": color,
                                       "linewidth": 1.5}))
            if i:
                arrows.append(ax.annotate("", xy=(i * step - gap, y), xytext=((i - 1) * step + gap, y),
                                          arrowprops={"arrowstyle": "->", "color": "0.3"}))
    # The vectors and the index made offline are what the online steps use.
    dashed = {"arrowstyle": "->", "color": "0.3", "linestyle": "--"}
    arrows.append(ax.annotate("", xy=(2 * step, 0.3), xytext=(3 * step, 0.7), arrowprops=dashed))
    arrows.append(ax.annotate("", xy=(step, 0.3), xytext=(2 * step, 0.7), arrowprops=dashed))
    ax.set_xlim(-1.0, 3 * step + 1.0)
    ax.set_ylim(-0.6, 1.6)
    ax.axis("off")
    return {"boxes": boxes, "arrows": arrows}


def more_like_this(hnsw, X, item, k=5, ef_search=64):
    """The ``k`` items most similar to ``item``, found by an HNSW index (the item itself left out).

    Parameters
    ----------
    hnsw : faiss.IndexHNSWFlat
        An index holding the rows of ``X`` (as float32), e.g. :attr:`BenchmarkResult.hnsw`.
    X : ndarray of shape (n, d)
    item : int
        Row of ``X`` to find similar items for.
    k : int
    ef_search : int

    Returns
    -------
    indices : ndarray of int, shape (k,)
    distances : ndarray of float, shape (k,)
        Euclidean distances recomputed by :mod:`knnlib.metrics` (faiss reports
        squared float32 distances).
    """
    X = check_array(X, "X")
    k = check_positive_int(k, "k")
    if isinstance(item, bool) or not isinstance(item, numbers.Integral) or not 0 <= item < X.shape[0]:
        raise ValueError(f"item must be a row of X, 0..{X.shape[0] - 1}, got item = {item!r}")
    if hnsw.ntotal != X.shape[0] or hnsw.d != X.shape[1]:
        raise ValueError(f"hnsw holds {hnsw.ntotal} vectors of {hnsw.d} features, but X has shape {X.shape}")
    hnsw.hnsw.efSearch = check_positive_int(ef_search, "ef_search")
    _, found = hnsw.search(np.ascontiguousarray(X[[item]], dtype=np.float32), k + 1)
    found = found[0]
    found = found[(found != item) & (found >= 0)][:k]
    distances = get_metric("euclidean").rowwise(X[found], X[item][None, :])
    order = np.lexsort((found, distances))
    return found[order], distances[order]
