"""Checkers for chapter 3, *Measuring distance*.

* :func:`minkowski_distances`: Minkowski distances from (0, 0) to (3, 4) for
  p = 1, 2, 3, 10, 100;
* :func:`repeated_document`: the Euclidean and cosine distances between the
  short match report and the same report repeated ten times.

The expected values come from SciPy's distance functions (not from knnlib,
whose metrics the exercises use), on the chapter's own documents.

Examples
--------
>>> from knnlib import check
>>> check.chapter3.minkowski_distances([7, 5, 4.5])
Minkowski distances as p grows: not yet. Expected distances of shape (5,) (one distance for each p = 1, 2, 3, 10, 100, in that order), got shape (3,).
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.spatial import distance as scipy_distance

from ..figures.distances import DOCUMENTS, bag_of_words
from ._verdict import NotYet, checker, how_far, is_close, read_array, read_number

__all__ = ["minkowski_distances", "repeated_document"]

#: *Minkowski distances as p grows*: the two points and the exponents asked for.
START, END = (0.0, 0.0), (3.0, 4.0)
P_VALUES = (1, 2, 3, 10, 100)

#: *A repeated document*: the document repeated, and how often.
SHORT_REPORT = "short match report"
REPEATS = 10

#: Distances typed with four significant digits (4.498) count as right.
TYPED_DIGITS = 5e-4


@functools.cache
def _minkowski_distances():
    return np.array([scipy_distance.minkowski(START, END, p=p) for p in P_VALUES])


@checker("Minkowski distances as p grows")
def minkowski_distances(distances):
    """The Minkowski distance from (0, 0) to (3, 4) for each p = 1, 2, 3, 10, 100.

    Parameters
    ----------
    distances : sequence of 5 floats, in the order of p

    Returns
    -------
    Verdict
    """
    answer = read_array(distances, "distances", (len(P_VALUES),),
                        what="one distance for each p = 1, 2, 3, 10, 100, in that order")
    expected = _minkowski_distances()
    if np.allclose(answer, expected, rtol=TYPED_DIGITS, atol=0):
        return ("The distances fall towards 4 = max(3, 4), the Chebyshev distance: "
                "as p grows, the largest difference takes over.")
    without_root = np.array([abs(END[0] - START[0]) ** p + abs(END[1] - START[1]) ** p for p in P_VALUES])
    if np.allclose(answer, without_root, rtol=TYPED_DIGITS):
        raise NotYet("Those are the sums of |difference| ** p, before the root: take the p-th root, ** (1 / p).")
    if np.allclose(answer[::-1], expected, rtol=TYPED_DIGITS):
        raise NotYet("The right distances in the reverse order: list them for p = 1, 2, 3, 10, 100.")
    wrong = [p for p, a, e in zip(P_VALUES, answer, expected) if not is_close(a, e, rel=TYPED_DIGITS)]
    shown = ", ".join(str(p) for p in wrong)
    raise NotYet(f"The distances for p = {shown} are not right (the others are). "
                 "Use metrics.minkowski(A, B, p=p) for each p.")


@functools.cache
def _document_distances():
    short = DOCUMENTS[SHORT_REPORT]
    counts = bag_of_words([short, " ".join([short] * REPEATS)]).astype(float)
    euclidean = float(scipy_distance.euclidean(counts[0], counts[1]))
    cosine = float(scipy_distance.cosine(counts[0], counts[1]))
    return euclidean, cosine


@checker("A repeated document")
def repeated_document(euclidean, cosine):
    """Euclidean and cosine distance between the short report and its ten-fold repeat.

    Parameters
    ----------
    euclidean : float
    cosine : float

    Returns
    -------
    Verdict
    """
    euclidean = read_number(euclidean, "euclidean")
    cosine = read_number(cosine, "cosine")
    expected_euclidean, expected_cosine = _document_distances()
    euclidean_right = is_close(euclidean, expected_euclidean, rel=TYPED_DIGITS)
    cosine_right = is_close(cosine, expected_cosine, abs=1e-6)
    if euclidean_right and cosine_right:
        return ("Far apart in a straight line, yet at cosine distance 0 (up to rounding): "
                "the same words in the same proportions point the same way.")
    if is_close(euclidean, expected_cosine, abs=1e-6) and is_close(cosine, expected_euclidean, rel=TYPED_DIGITS):
        raise NotYet("The two numbers are swapped: Euclidean first, cosine second.")
    problems = []
    if not euclidean_right:
        if is_close(euclidean, expected_euclidean**2, rel=TYPED_DIGITS):
            problems.append("euclidean is the squared distance: take its square root")
        else:
            problems.append(f"euclidean is {how_far(euclidean, expected_euclidean)}; did you compare the "
                            "short report with its ten-fold repeat?")
    if not cosine_right:
        if is_close(cosine, 1 - expected_cosine, rel=TYPED_DIGITS):
            problems.append("cosine is the cosine *similarity*; the distance is one minus it")
        else:
            problems.append("cosine is not right; use pairwise_distances(counts, metric=\"cosine\")")
    right = "euclidean is right; " if euclidean_right else "cosine is right; " if cosine_right else ""
    raise NotYet(right + "; ".join(problems) + ".")
