"""Checkers for chapter 7, *Making it fast: k-d trees and ball trees*.

* :func:`far_query`: how many distances the chapter's small k-d tree
  measures for a query far away from all the data, at (30, 30);
* :func:`clustered_data`: the share of 20,000 clustered points in 16 dimensions
  that a k-d tree measures per query.

The expected answers come from knnlib's own trees (``trace`` and
``last_stats``), built on the chapter's data.

Examples
--------
>>> from knnlib import check
>>> check.chapter7.far_query(100)
A far query: not yet. 100 is every point of the drawing: that is what a plain scan measures. The tree skips every box that cannot hold a closer point.
"""

from __future__ import annotations

import functools

import numpy as np

from ..figures import speed
from ..search import KDTree
from ._verdict import ROUNDED_SHARE, NotYet, checker, how_far, is_close, read_int, read_number

__all__ = ["far_query", "clustered_data"]

#: *A far query*: the query and the number of neighbours.
FAR_QUERY = (30.0, 30.0)
K_DEMO = speed.DEMO_K

#: *Clustered data*: the data, as the exercise makes it.
N_CLUSTERS, N_BLOB_FEATURES, N_BLOB_POINTS, N_BLOB_QUERIES, K_BLOBS = 20, 16, 20_000, 200, 5


@functools.cache
def _far_query_count():
    tree = speed.demo_tree("kd")
    return int(tree.trace(FAR_QUERY, k=K_DEMO).n_distance_evaluations)


@checker("A far query")
def far_query(n_distances):
    """Distances the small k-d tree measures for the query (30, 30), k = 3.

    Parameters
    ----------
    n_distances : int
        ``small_tree.trace((30, 30), k=3).n_distance_evaluations``, or your prediction.

    Returns
    -------
    Verdict
    """
    answer = read_int(n_distances, "n_distances")
    expected = _far_query_count()
    if answer == expected:
        return ("One leaf, and every other box is farther than the three points it holds. "
                "A far query is cheap.")
    if answer == speed.DEMO_N_POINTS:
        raise NotYet(f"{answer} is every point of the drawing: that is what a plain scan measures. "
                     "The tree skips every box that cannot hold a closer point.")
    if answer == K_DEMO:
        raise NotYet("k = 3 is how many neighbours the search keeps, not how many distances it measures: "
                     "it measures every point of each leaf it opens.")
    star_count = int(speed.demo_tree("kd").trace(speed.DEMO_QUERY, k=K_DEMO).n_distance_evaluations)
    if answer == star_count:
        raise NotYet("That is the star's count. Trace the query (30, 30) instead.")
    raise NotYet(f"That number is {how_far(answer, expected)}. Count the points of every leaf the "
                 "search measures (the `leaf` events of the trace).")


@functools.cache
def _clustered_share():
    from sklearn.datasets import make_blobs

    centres = np.random.default_rng(0).uniform(-10, 10, size=(N_CLUSTERS, N_BLOB_FEATURES))
    X_blobs, _ = make_blobs(N_BLOB_POINTS, centers=centres, random_state=1)
    Q_blobs, _ = make_blobs(N_BLOB_QUERIES, centers=centres, random_state=2)
    tree = KDTree(X_blobs)
    tree.query(Q_blobs, k=K_BLOBS)
    return float(tree.last_stats.n_distance_evaluations.mean()) / N_BLOB_POINTS


@checker("Clustered data")
def clustered_data(share_measured):
    """The mean share of the 20,000 clustered points a k-d tree measures per query.

    Parameters
    ----------
    share_measured : float
        Mean distances per query divided by the number of stored points, between 0 and 1.
        Three decimals are enough.

    Returns
    -------
    Verdict
    """
    share = read_number(share_measured, "share_measured")
    expected = _clustered_share()
    if is_close(share, expected, rel=1e-6, abs=ROUNDED_SHARE):
        return ("A few percent, against about 90 % on uniform data in 16 dimensions: the data "
                "spreads over few dimensions near each query, and the tree skips whole clusters.")
    if share > 1 and is_close(share / N_BLOB_POINTS, expected, rel=1e-6, abs=ROUNDED_SHARE):
        raise NotYet("That is the mean number of distances per query. Divide it by the number of "
                     "stored points to get a share.")
    if share > 1 and is_close(share / 100, expected, rel=1e-6, abs=ROUNDED_SHARE):
        raise NotYet("That looks like a percentage. Give the share as a number between 0 and 1.")
    if not 0 < share <= 1:
        raise NotYet(f"A share of the points is between 0 and 1, got {share}.")
    raise NotYet(f"That share is {how_far(share, expected)}. Build the tree on X_blobs, query Q_blobs "
                 "with k = 5, and average last_stats.n_distance_evaluations.")
