"""Checkers for chapter 2, *How one prediction is made*.

* :func:`manhattan_neighbours`: the vectorised search redone with the
  Manhattan distance: the 5 nearest neighbours of the test points A and B;
* :func:`music_service_bill`: the bill of a plain scan for a music service.

The expected neighbours come from knnlib's ``BruteForce`` index with
``metric="manhattan"``, on the chapter's twelve example points.

Examples
--------
>>> from knnlib import check
>>> check.chapter2.manhattan_neighbours([[4, 5, 1, 9, 7]])
Manhattan neighbours: not yet. Expected neighbours of shape (2, 5) (one row per test point (A, then B), one column per neighbour), got shape (1, 5).
"""

from __future__ import annotations

import functools

import numpy as np

from ..figures.workflow import EXAMPLE_QUERIES, example_data
from ..search import BruteForce
from ._verdict import NotYet, checker, how_far, is_close, read_array, read_number

__all__ = ["manhattan_neighbours", "music_service_bill"]

#: *Manhattan neighbours*: the neighbours asked for.
K = 5

#: *A music service's bill*: songs stored, numbers per song, queries a second.
N_SONGS = 50_000_000
N_FEATURES = 128
QUERIES_PER_SECOND = 2_000


def _queries():
    return np.array([EXAMPLE_QUERIES["A"], EXAMPLE_QUERIES["B"]])


@functools.cache
def _neighbours(metric):
    X, _ = example_data()
    distances, indices = BruteForce(X, metric=metric).query(_queries(), k=K)
    return distances, indices


@checker("Manhattan neighbours")
def manhattan_neighbours(neighbours):
    """The 5 Manhattan neighbours of A and B, nearest first.

    Parameters
    ----------
    neighbours : array-like of int, shape (2, 5)
        Row 0 for A, row 1 for B: indices into ``X``, ordered by distance
        (then by index).

    Returns
    -------
    Verdict
    """
    answer = read_array(neighbours, "neighbours", (2, K),
                        what="one row per test point (A, then B), one column per neighbour")
    manhattan_distances, expected = _neighbours("manhattan")
    if np.array_equal(answer, expected):
        return "The same neighbours, in the same order, as BruteForce(X, metric=\"manhattan\")."
    if not np.array_equal(answer, np.round(answer)):
        if np.allclose(np.sort(answer, axis=1), np.sort(manhattan_distances, axis=1)):
            raise NotYet("Those are the distances of the neighbours. The exercise asks for their indices "
                         "(the rows of X), as np.argpartition gives them.")
        raise NotYet("Expected whole numbers: the indices of the neighbours in X, not distances.")
    answer = answer.astype(int)
    if np.array_equal(answer, _neighbours("euclidean")[1]):
        raise NotYet("Those are the Euclidean neighbours. Did you change the line that combines the "
                     "differences? Manhattan adds up their absolute values, with no squares and no root.")
    if np.array_equal(answer - 1, expected):
        raise NotYet("Every index is one too large: Python counts rows from 0.")
    if np.array_equal(np.sort(answer, axis=1), np.sort(expected, axis=1)):
        raise NotYet("The right neighbours, in the wrong order. Sort each row by distance "
                     "(np.lexsort with the indices as the tie-breaker, as in the chapter).")
    n_right_rows = sum(np.array_equal(a, e) for a, e in zip(answer, expected))
    if n_right_rows == 1:
        which = "A" if np.array_equal(answer[0], expected[0]) else "B"
        raise NotYet(f"The row for {which} is right, the other is not. Are the queries in the order A, B?")
    n_found = sum(len(np.intersect1d(a, e)) for a, e in zip(answer, expected))
    raise NotYet(f"{n_found} of the 10 neighbours are among the true 5 nearest of their test point. "
                 "Compute the Manhattan distance from every query to every training point, "
                 "then keep the 5 smallest per row.")


@functools.cache
def _expected_costs():
    distances_per_second = N_SONGS * QUERIES_PER_SECOND
    # Per Euclidean distance over d features: d subtractions, d multiplications and
    # d - 1 additions (the square root is one more). Any count from 2 to 4
    # operations per feature is a fair "roughly".
    operations = (distances_per_second * 2 * N_FEATURES, distances_per_second * 4 * N_FEATURES)
    return distances_per_second, operations


@checker("A music service's bill")
def music_service_bill(distances_per_second, operations_per_second):
    """Distances and arithmetic operations per second for the music service.

    Parameters
    ----------
    distances_per_second : int or float
    operations_per_second : int or float
        A rough count: anything that counts the subtractions, multiplications
        and additions of each distance is accepted.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> music_service_bill(2e3, ...)
    A music service's bill: no answer yet. Replace the ... with your answer and run the cell again.
    """
    distances = read_number(distances_per_second, "distances_per_second")
    operations = read_number(operations_per_second, "operations_per_second")
    expected, (fewest_operations, most_operations) = _expected_costs()
    if not is_close(distances, expected):
        if is_close(distances, N_SONGS):
            raise NotYet("distances_per_second is the cost of one query. The service answers 2000 a second.")
        if is_close(distances, expected * N_FEATURES):
            raise NotYet("distances_per_second counts one operation per feature. A distance is one number, "
                         "however many features it adds up.")
        raise NotYet(f"distances_per_second is {how_far(distances, expected)}. A plain scan measures one "
                     "distance per stored song for every query.")
    if fewest_operations <= operations <= most_operations:
        return ("Every distance touches all 128 numbers of every song: tens of trillions of operations "
                "a second, far beyond one machine.")
    if is_close(operations, expected * N_FEATURES):
        raise NotYet("distances_per_second is right. For the operations, one per feature is too few: "
                     "a Euclidean distance subtracts, squares and adds for each feature.")
    off = how_far(operations, expected * 3 * N_FEATURES)
    raise NotYet(f"distances_per_second is right, but operations_per_second is {off}. "
                 "Count the subtractions, multiplications and additions of one distance over 128 features.")
