"""k-d tree and ball tree: knnlib beside scikit-learn, knnlib's brute force and a plain NumPy floor.

Times, single-threaded and interleaved (see ``_common.median_ratio``):

* **query**: ``knnlib.KDTree`` / ``knnlib.BallTree`` against
  ``sklearn.neighbors.KDTree`` / ``BallTree``, n = 100,000 training points,
  m = 10,000 queries, k = 5, leaf_size = 40, Euclidean, uniform and
  clustered data, k-d tree at d = 3 and 8, ball tree at d = 3. Also the
  ratio to the plain NumPy brute force (one GEMM per 100 queries,
  ``argpartition``; ``bench_brute.numpy_floor_query``). That floor is slow,
  so it is timed on the first 1,000 queries and scaled by m / 1,000 (brute
  force costs the same per query). Targets: knnlib / sklearn <= 1.5 for the
  k-d tree, <= 1.2 for the ball tree.
* **build**: the same trees' construction. Target: knnlib / sklearn <= 5.
* **kd vs brute**: knnlib's own ``KDTree`` against knnlib's own
  ``BruteForce`` at n = 100,000, d = 2, m = 1,000, k = 5, uniform data, and
  the k-d tree's mean distance evaluations per query. Targets: the tree at
  least 20 times faster, fewer than 200 evaluations per query.

Run ``python benchmarks/bench_trees.py`` (``--quick`` for a smoke test with
smaller sizes, whose ratios are not the targets' sizes), or
``from bench_trees import run`` in a combined script.
"""

from __future__ import annotations

try:  # imported as part of a package
    from ._common import benchmark_arg_parser, make_data, median_ratio, print_table, thread_report
    from .bench_brute import numpy_floor_query
except ImportError:  # run as a script, or imported with benchmarks/ on sys.path
    from _common import benchmark_arg_parser, make_data, median_ratio, print_table, thread_report
    from bench_brute import numpy_floor_query

import time

import numpy as np
from sklearn import neighbors as skn

from knnlib import BallTree, BruteForce, KDTree

FULL_SIZE = {"n_samples": 100_000, "n_queries": 10_000, "floor_queries": 1_000, "brute_queries": 1_000}
QUICK_SIZE = {"n_samples": 20_000, "n_queries": 2_000, "floor_queries": 200, "brute_queries": 200}
K = 5
LEAF_SIZE = 40
KINDS = ("uniform", "clustered")
# (tree name, knnlib class, scikit-learn class, dimension, target for knnlib / sklearn query time)
QUERY_CASES = (
    ("kd", KDTree, skn.KDTree, 3, 1.5),
    ("kd", KDTree, skn.KDTree, 8, 1.5),
    ("ball", BallTree, skn.BallTree, 3, 1.2),
)
BUILD_TARGET = 5.0
SPEEDUP_TARGET = 20.0  # knnlib BruteForce time / knnlib KDTree time, d = 2
EVALUATIONS_TARGET = 200  # mean distance evaluations per query, k-d tree, d = 2


def _time_once(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def query_rows(repeats, size, kinds=KINDS, cases=QUERY_CASES, k=K, verbose=True):
    """One row per (data kind, tree, dimension): query and build timings and ratios."""
    rows = []
    for kind in kinds:
        for tree_name, ours_cls, theirs_cls, d, target in cases:
            X, Q = make_data(kind, size["n_samples"], size["n_queries"], d, seed=0)
            Q_floor = Q[: size["floor_queries"]]
            floor_scale = len(Q) / len(Q_floor)
            ours = ours_cls(X, leaf_size=LEAF_SIZE)
            theirs = theirs_cls(X, leaf_size=LEAF_SIZE)
            our_dist, our_ind = ours.query(Q, k)
            their_dist, their_ind = theirs.query(Q, k)
            evaluations = float(ours.last_stats.n_distance_evaluations.mean())
            query = median_ratio(
                {
                    "sklearn": lambda: theirs.query(Q, k),
                    "knnlib": lambda: ours.query(Q, k),
                    "numpy_floor": lambda: numpy_floor_query(X, Q_floor, k),
                },
                repeats=repeats,
                baseline="sklearn",
            )
            build = median_ratio(
                {
                    "sklearn": lambda: theirs_cls(X, leaf_size=LEAF_SIZE),
                    "knnlib": lambda: ours_cls(X, leaf_size=LEAF_SIZE),
                },
                repeats=repeats,
                baseline="sklearn",
            )
            all_times = query["all_times"]
            knnlib_over_floor = float(
                np.median(np.divide(all_times["knnlib"], np.multiply(all_times["numpy_floor"], floor_scale)))
            )
            row = {
                "benchmark": "tree",
                "tree": tree_name,
                "data": kind,
                "d": d,
                "n": size["n_samples"],
                "m": size["n_queries"],
                "k": k,
                "knnlib_s": query["times"]["knnlib"],
                "sklearn_s": query["times"]["sklearn"],
                "knnlib/sklearn": query["ratios"]["knnlib"],
                "target": target,
                "met": bool(query["ratios"]["knnlib"] <= target),
                "numpy_floor_s": query["times"]["numpy_floor"] * floor_scale,
                "knnlib/numpy_floor": knnlib_over_floor,
                "build_knnlib_s": build["times"]["knnlib"],
                "build_sklearn_s": build["times"]["sklearn"],
                "build knnlib/sklearn": build["ratios"]["knnlib"],
                "build_met": bool(build["ratios"]["knnlib"] <= BUILD_TARGET),
                "evaluations/query": evaluations,
                # Random floats have no ties, so scikit-learn's answer is the exact one.
                "same_as_sklearn": bool(
                    np.array_equal(our_ind, their_ind) and np.allclose(our_dist, their_dist, rtol=1e-12)
                ),
            }
            rows.append(row)
            if verbose:
                print(
                    f"  {tree_name:4s} {kind:9s} d={d}  query knnlib {row['knnlib_s'] * 1e3:7.1f} ms  "
                    f"sklearn {row['sklearn_s'] * 1e3:7.1f} ms  ({row['knnlib/sklearn']:.2f}x)   "
                    f"build {row['build_knnlib_s'] * 1e3:6.1f} ms vs {row['build_sklearn_s'] * 1e3:6.1f} ms",
                    flush=True,
                )
    return rows


def kd_versus_brute_row(repeats, size, k=K, verbose=True):
    """knnlib's KDTree against knnlib's BruteForce at d = 2 (uniform data)."""
    X, Q = make_data("uniform", size["n_samples"], size["brute_queries"], 2, seed=0)
    tree = KDTree(X, leaf_size=LEAF_SIZE)
    brute = BruteForce(X)
    tree_dist, tree_ind = tree.query(Q, k)
    evaluations = float(tree.last_stats.n_distance_evaluations.mean())
    brute_dist, brute_ind = brute.query(Q, k)
    result = median_ratio(
        {"knnlib_kd": lambda: tree.query(Q, k), "knnlib_brute": lambda: brute.query(Q, k)},
        repeats=repeats,
        baseline="knnlib_kd",
    )
    speedup = result["ratios"]["knnlib_brute"]
    row = {
        "benchmark": "kd vs brute",
        "data": "uniform",
        "d": 2,
        "n": size["n_samples"],
        "m": size["brute_queries"],
        "k": k,
        "kd_s": result["times"]["knnlib_kd"],
        "brute_s": result["times"]["knnlib_brute"],
        "brute/kd": speedup,
        "target": SPEEDUP_TARGET,
        "met": bool(speedup >= SPEEDUP_TARGET),
        "evaluations/query": evaluations,
        "evaluations_target": EVALUATIONS_TARGET,
        "evaluations_met": bool(evaluations < EVALUATIONS_TARGET),
        "same_answer": bool(np.array_equal(tree_ind, brute_ind) and np.array_equal(tree_dist, brute_dist)),
    }
    if verbose:
        print(
            f"  kd vs brute d=2  kd {row['kd_s'] * 1e3:6.1f} ms  brute {row['brute_s'] * 1e3:6.1f} ms  "
            f"({speedup:.1f}x faster), {evaluations:.1f} distance evaluations per query",
            flush=True,
        )
    return row


def run(repeats=7, quick=False, verbose=True):
    """Time every case and return a list of dicts (see :func:`query_rows`, :func:`kd_versus_brute_row`).

    Tree rows (``benchmark == "tree"``) carry the median query and build
    times of knnlib and scikit-learn, their median ratios and targets, the
    ratio to the NumPy floor, the mean distance evaluations per query and
    whether the neighbours agree with scikit-learn. The last row
    (``benchmark == "kd vs brute"``) compares knnlib's k-d tree with knnlib's
    brute force at d = 2.
    """
    size = QUICK_SIZE if quick else FULL_SIZE
    rows = query_rows(repeats, size, verbose=verbose)
    rows.append(kd_versus_brute_row(repeats, size, verbose=verbose))
    return rows


def main(argv=None):
    args = benchmark_arg_parser(__doc__.splitlines()[0]).parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    print(thread_report())
    print(
        f"trees, euclidean, k={K}, leaf_size={LEAF_SIZE}, {repeats} interleaved repeats"
        + (" (quick sizes)" if args.quick else "")
    )
    rows = run(repeats=repeats, quick=args.quick)
    print()
    print_table(
        [r for r in rows if r["benchmark"] == "tree"],
        ["tree", "data", "d", "n", "m", "knnlib_s", "sklearn_s", "knnlib/sklearn", "target", "met",
         "build knnlib/sklearn", "build_met", "knnlib/numpy_floor", "evaluations/query", "same_as_sklearn"],
    )
    print()
    print_table(
        [r for r in rows if r["benchmark"] == "kd vs brute"],
        ["data", "d", "n", "m", "kd_s", "brute_s", "brute/kd", "target", "met",
         "evaluations/query", "evaluations_met", "same_answer"],
    )
    return rows


if __name__ == "__main__":
    main()
