"""Shared helpers for the knnlib benchmarks.

Import this module *before* NumPy (``from _common import ...`` as the first
import of a benchmark script): it pins every BLAS / OpenMP pool to one thread,
so that knnlib and scikit-learn are compared on equal, single-threaded terms
and the timings do not depend on how busy the other cores are.

What is here:

* :func:`median_ratio` (from :mod:`knnlib.timing`, re-exported) times several
  contenders on the same task, interleaved inside each repeat, and reports
  median times and median ratios;
* :func:`uniform_data`, :func:`clustered_data` and :func:`make_data`: seeded
  data generators;
* :func:`print_table`: a plain-text table of result rows (list of dicts);
* :func:`benchmark_arg_parser`: the ``--quick`` / ``--repeats`` command line
  every benchmark script shares.
"""

from __future__ import annotations

import os

# These must be set before NumPy (and its BLAS) is first imported; when NumPy
# was imported earlier, the threadpoolctl limit below still takes effect.
for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_variable] = "1"

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

# Kept alive for the whole process: the limit lasts as long as this object.
_THREAD_LIMIT = threadpool_limits(limits=1)

__all__ = [
    "benchmark_arg_parser",
    "clustered_data",
    "make_data",
    "median_ratio",
    "print_table",
    "thread_report",
    "uniform_data",
]


def thread_report():
    """One line naming each native thread pool and its current size (should all be 1)."""
    pools = [f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()]
    return "thread pools: " + (", ".join(pools) if pools else "none found")


# -- timing ---------------------------------------------------------------------------
# median_ratio lives in knnlib.timing so that the book's speed chapter measures
# exactly as the benchmarks do (knnlib must not import benchmarks/); it is
# re-exported here for the benchmark scripts.
from knnlib.timing import median_ratio  # noqa: E402


# -- data -----------------------------------------------------------------------------
def uniform_data(n_samples, n_features, seed=0):
    """``n_samples`` points drawn uniformly from the unit cube ``[0, 1)^n_features``.

    Examples
    --------
    >>> uniform_data(4, 3, seed=1).shape
    (4, 3)
    """
    rng = np.random.default_rng(seed)
    return rng.random((n_samples, n_features))


def clustered_data(n_samples, n_features, seed=0, *, n_clusters=20, spread=0.02):
    """Points in ``n_clusters`` Gaussian blobs with centres uniform in the unit cube.

    Cluster sizes are unequal (drawn from a Dirichlet distribution), as in
    real data, and each blob has standard deviation ``spread`` per feature.
    The same ``seed`` always gives the same centres, so training points and
    queries drawn with different seeds but the same ``centre_seed`` share
    clusters: see :func:`make_data`.

    Examples
    --------
    >>> X = clustered_data(1000, 2, seed=0)
    >>> X.shape
    (1000, 2)
    """
    return _clustered(n_samples, n_features, seed, seed, n_clusters, spread)


def _clustered(n_samples, n_features, seed, centre_seed, n_clusters, spread):
    centres = np.random.default_rng(centre_seed).random((n_clusters, n_features))
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(n_clusters))
    labels = rng.choice(n_clusters, size=n_samples, p=weights)
    return centres[labels] + spread * rng.standard_normal((n_samples, n_features))


def make_data(kind, n_samples, n_queries, n_features, seed=0):
    """Training points and queries from the same distribution: ``(X, Q)``.

    Parameters
    ----------
    kind : {"uniform", "clustered"}
    n_samples, n_queries, n_features : int
    seed : int
        Training points use ``seed``, queries ``seed + 1``; clustered queries
        fall in the same clusters as the training points.

    Examples
    --------
    >>> X, Q = make_data("clustered", 500, 10, 3)
    >>> X.shape, Q.shape
    ((500, 3), (10, 3))
    """
    if kind == "uniform":
        return (
            uniform_data(n_samples, n_features, seed),
            uniform_data(n_queries, n_features, seed + 1),
        )
    if kind == "clustered":
        return (
            _clustered(n_samples, n_features, seed, seed, 20, 0.02),
            _clustered(n_queries, n_features, seed + 1, seed, 20, 0.02),
        )
    raise ValueError(f"Unknown kind {kind!r}; choose one of 'uniform', 'clustered'")


# -- output ---------------------------------------------------------------------------
def _format_cell(value, float_format):
    if isinstance(value, float):
        return format(value, float_format)
    return str(value)


def print_table(rows, columns=None, *, float_format=".3g", file=None):
    """Print a list of dicts as an aligned plain-text (Markdown-compatible) table.

    Parameters
    ----------
    rows : list of dict
    columns : list of str, optional
        Which keys to show, in order; default all keys of the first row.
    float_format : str
        Format spec for float cells.

    Examples
    --------
    >>> print_table([{"d": 3, "ratio": 0.81234}, {"d": 16, "ratio": 1.2}])
    | d  | ratio |
    |----|-------|
    | 3  | 0.812 |
    | 16 | 1.2   |
    """
    if not rows:
        print("(no rows)", file=file)
        return
    if columns is None:
        columns = list(rows[0])
    cells = [[_format_cell(row.get(col, ""), float_format) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]

    def line(values):
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    print(line(columns), file=file)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=file)
    for r in cells:
        print(line(r), file=file)


def benchmark_arg_parser(description):
    """The command line shared by benchmark scripts: ``--quick`` and ``--repeats``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for a smoke test (seconds, not minutes)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed rounds per case (default: 7, or 3 with --quick)"
    )
    return parser
