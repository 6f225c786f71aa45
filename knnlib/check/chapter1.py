"""Checkers for chapter 1, *The boundary is the data* (the playground).

* :func:`training_accuracy`: the training accuracy of KNN with k = 1 on the
  noisy-overlap preset;
* :func:`vanishing_class`: the smallest k at which class 1 vanishes from the
  *Sparse* preset's map (uniform votes);
* :func:`redraw_bill`: how many distances a redraw of the playground, and a
  busy web service, compute with a plain scan.

Each expected answer is computed here, with knnlib, from the chapter's own
data (:func:`redraw_bill` by running the scan and reading its distance
counter).

Examples
--------
>>> from knnlib import check
>>> check.chapter1.vanishing_class(2)
When a class vanishes: not yet. At k = 2 class 1 still wins some cells of the map: try a larger k.
"""

from __future__ import annotations

import functools

import numpy as np

from ..datasets import PRESET_BOUNDS, load_preset
from ..estimators import KNNClassifier
from ..plotting import grid_centres
from ..search import BruteForce
from ._verdict import ROUNDED_SHARE, NotYet, checker, how_far, is_close, read_int, read_number, size_of

__all__ = ["training_accuracy", "vanishing_class", "redraw_bill"]

#: The playground's background: cells per side (chapter 1's 150 x 150 grid).
PLAYGROUND_GRID = 150


@functools.cache
def _training_accuracy_k1():
    X, y = load_preset("noisy_overlap")
    return KNNClassifier(k=1).fit(X, y).score(X, y)


@checker("Training accuracy at k = 1")
def training_accuracy(accuracy):
    """The share of the noisy-overlap training points that k = 1 classifies correctly.

    Parameters
    ----------
    accuracy : float
        A fraction between 0 and 1, for example ``(model.predict(X) == y).mean()``.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> training_accuracy("all of them")
    Training accuracy at k = 1: not yet. Expected a number, got a string ('all of them'): leave out the quotes.
    """
    X, y = load_preset("noisy_overlap")
    if size_of(accuracy) == len(y):
        raise NotYet("That looks like the predictions themselves. Compare them with y and take the mean: "
                     "(model.predict(X) == y).mean().")
    value = read_number(accuracy, "accuracy")
    expected = _training_accuracy_k1()
    if is_close(value, expected, abs=ROUNDED_SHARE):
        return "Each training point is its own nearest neighbour (at distance 0), so it votes for its own label."
    if 1 < value <= 100 and is_close(value / 100, expected):
        raise NotYet("That looks like a percentage: give the share as a fraction between 0 and 1.")
    if not 0 <= value <= 1:
        raise NotYet("An accuracy is a share of the points: a number between 0 and 1.")
    if is_close(value, 1 - expected):
        raise NotYet("That is the share of points classified *wrongly* (predictions != y). "
                     "The exercise asks for the share classified correctly.")
    raise NotYet(f"Your accuracy is {how_far(value, expected)}. Fit KNNClassifier(k=1) on X, y "
                 "and predict the same X it was fitted on.")


def _class1_cells(k):
    """How many cells of the playground grid predict class 1 on the Sparse preset."""
    X, y = load_preset("sparse")
    xs, ys = grid_centres(PLAYGROUND_GRID, PRESET_BOUNDS)
    cells = np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))])
    return int(np.sum(KNNClassifier(k=k).fit(X, y).predict(cells) == 1))


@functools.cache
def _vanishing_k():
    n_points = len(load_preset("sparse")[1])
    return next(k for k in range(1, n_points + 1) if _class1_cells(k) == 0)


@checker("When a class vanishes")
def vanishing_class(k):
    """The smallest k for which class 1 disappears from the Sparse preset's map.

    Uniform votes, Euclidean distance, the playground's 150 x 150 cells.

    Parameters
    ----------
    k : int

    Returns
    -------
    Verdict

    Examples
    --------
    >>> vanishing_class(0)
    When a class vanishes: not yet. k counts neighbours: it is at least 1, and at most the 13 points of the preset.
    """
    n_points = len(load_preset("sparse")[1])
    k = read_int(k, "k")
    if not 1 <= k <= n_points:
        raise NotYet(f"k counts neighbours: it is at least 1, and at most the {n_points} points of the preset.")
    expected = _vanishing_k()
    if k == expected:
        return ("From this k on, class 1 cannot get more votes than class 0 in any cell, "
                "and a tied vote goes to the smaller label.")
    if k < expected:
        raise NotYet(f"At k = {k} class 1 still wins some cells of the map: try a larger k.")
    raise NotYet(f"At k = {k} class 1 is gone, but it was already gone at a smaller k. "
                 "Which k is the first? Think about what happens to a tied vote.")


def _count_scan_distances(n_points, n_queries_side):
    """Run a plain scan over a grid of queries and read its distance counter."""
    rng = np.random.default_rng(0)
    index = BruteForce(rng.uniform(0.0, 10.0, size=(n_points, 2)))
    xs, ys = grid_centres(n_queries_side, PRESET_BOUNDS)
    index.query(np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))]), k=1)
    return int(index.last_stats.n_distance_evaluations.sum())


@functools.cache
def _expected_costs():
    per_redraw = _count_scan_distances(300, PLAYGROUND_GRID)
    # 10 million points cannot be scanned here; the counter above shows that a
    # scan costs one distance per stored point and query, so multiply.
    per_second = 10_000_000 * 1_000
    return per_redraw, per_second


@checker("The bill of a redraw")
def redraw_bill(per_redraw, per_second):
    """Distances computed by one redraw of 300 points, and per second by the web service.

    Parameters
    ----------
    per_redraw : int
        Distances for one redraw of the 150 x 150 background with 300 points.
    per_second : int or float
        Distances per second for 10 million stored points and 1000 queries a second.

    Returns
    -------
    Verdict
    """
    per_redraw = read_number(per_redraw, "per_redraw")
    per_second = read_number(per_second, "per_second")
    expected_redraw, expected_second = _expected_costs()
    if not is_close(per_redraw, expected_redraw):
        if is_close(per_redraw, PLAYGROUND_GRID * 300):
            raise NotYet("per_redraw counts one row of the grid only: the background has 150 rows of 150 cells.")
        if is_close(per_redraw, PLAYGROUND_GRID**2):
            raise NotYet("per_redraw is the number of cells. How many distances does each cell need?")
        raise NotYet(f"per_redraw is {how_far(per_redraw, expected_redraw)}. Every cell is one query, "
                     "and a plain scan measures the distance from a query to every stored point.")
    if not is_close(per_second, expected_second):
        if is_close(per_second, 10_000_000):
            raise NotYet("per_second is the cost of one query. The service answers 1000 of them a second.")
        raise NotYet(f"per_redraw is right, but per_second is {how_far(per_second, expected_second)}.")
    return ("A scan pays one distance per stored point for every query, which is why chapters 7 and 9 "
            "look for ways to skip most of them.")
