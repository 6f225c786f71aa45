"""Checkers for chapter 10, *Where it shines, where it breaks*.

* :func:`fit_against_predict`: the distances a brute-force ``predict`` computes for
  all 200,000 training points of the timing exercise.

Examples
--------
>>> from knnlib import check
>>> check.chapter10.fit_against_predict(200_000)
Fit against predict: not yet. That is the cost of one prediction. Predicting all the points repeats it for every one of them.
"""

from __future__ import annotations

from ._verdict import NotYet, checker, how_far, is_close, read_number

__all__ = ["fit_against_predict"]

#: *Fit against predict*: stored points, all of which are then predicted, and the timed batch.
N_POINTS, N_TIMED = 200_000, 2_000


@checker("Fit against predict")
def fit_against_predict(distances_for_all):
    """Distances computed by a brute-force ``predict`` of all 200,000 stored points.

    Parameters
    ----------
    distances_for_all : int or float

    Returns
    -------
    Verdict
    """
    value = read_number(distances_for_all, "distances_for_all")
    every_pair = N_POINTS * N_POINTS
    # A scan measures each query against every stored point, itself included;
    # leaving the point itself out is a fair reading too.
    if is_close(value, every_pair) or is_close(value, N_POINTS * (N_POINTS - 1)):
        return ("Tens of billions of distances, against none at all for fit: "
                "the cost of \"no training\" is paid at prediction time.")
    if is_close(value, N_POINTS):
        raise NotYet("That is the cost of one prediction. Predicting all the points repeats it "
                     "for every one of them.")
    if is_close(value, N_TIMED * N_POINTS):
        raise NotYet("That is the cost of the 2000 timed predictions. The question is about all of them.")
    if is_close(value, every_pair / 2) or is_close(value, N_POINTS * (N_POINTS - 1) / 2):
        raise NotYet("That counts each pair once. A scan does not reuse distances between queries: "
                     "every query measures every stored point.")
    raise NotYet(f"That number is {how_far(value, every_pair)}. Each prediction scans every stored point.")
