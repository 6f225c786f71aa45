r"""Turning neighbours into a prediction: weights, votes, averages.

A search index hands back, for each of ``m`` queries, the distances to its
``k`` nearest training points and their row numbers, both of shape ``(m, k)``
and ordered by (distance, training index). Everything in this module works on
such arrays, all queries at once, in the order the neighbours arrive.

The rules (the playground's JavaScript follows exactly the same ones):

* **weights**: ``"uniform"`` gives every neighbour weight 1. ``"distance"``
  gives weight :math:`1 / d`, except that when some neighbours sit at distance
  exactly 0 (an exact match), only those count, with weight 1 each
  (scikit-learn's rule; it avoids dividing by zero).
* **class scores**: the sum of the weights of the neighbours of each class,
  added in neighbour order.
* **vote**: the class with the highest score; equal top scores go to the
  smallest class label. A *tie* is two or more classes sharing the top score.
* **probabilities**: scores divided by their sum.
* **regression**: the weighted mean, or the weighted median.

Classes are handled as *codes* ``0 .. n_classes - 1``: positions in the sorted
array of class labels (``classes_`` in the estimators), so "smallest code"
means "smallest label".

Examples
--------
Three neighbours of one query, two of class 1 and one of class 0:

>>> dist = np.array([[1.0, 2.0, 4.0]])
>>> codes = np.array([[1, 0, 1]])
>>> scores = class_scores(codes, neighbor_weights(dist, "uniform"), n_classes=2)
>>> scores
array([[1., 2.]])
>>> majority_vote(scores), class_probabilities(scores)
(array([1]), array([[0.33333333, 0.66666667]]))

With distance weights the close class-0 neighbour outweighs the two far ones:

>>> scores = class_scores(codes, neighbor_weights(dist, "distance"), n_classes=2)
>>> scores
array([[0.5 , 1.25]])
"""

from __future__ import annotations

import numpy as np

from ._validation import check_option

__all__ = [
    "WEIGHTS",
    "class_probabilities",
    "class_scores",
    "distance_weights",
    "majority_vote",
    "neighbor_weights",
    "uniform_weights",
    "vote_ties",
    "weighted_mean",
    "weighted_median",
]

#: Names accepted wherever knnlib takes ``weights=``.
WEIGHTS = ("uniform", "distance")


def uniform_weights(dist):
    """Weight 1 for every neighbour.

    Parameters
    ----------
    dist : ndarray of shape (m, k)
        Distances to the neighbours (only the shape is used).

    Returns
    -------
    weights : ndarray of shape (m, k), all ones

    Examples
    --------
    >>> uniform_weights(np.array([[0.0, 3.0]]))
    array([[1., 1.]])
    """
    return np.ones_like(dist, dtype=np.float64)


def distance_weights(dist):
    r"""Inverse-distance weights with scikit-learn's rule for exact matches.

    .. math::

        w_{ij} = \begin{cases}
            1 / d_{ij} & \text{if no neighbour of query } i \text{ is at distance 0,} \\
            1 & \text{if } d_{ij} = 0, \\
            0 & \text{if } d_{ij} > 0 \text{ but another neighbour of query } i
                \text{ is at distance 0.}
        \end{cases}

    An exact match is infinitely close, so it takes the whole vote; several
    exact matches share it equally.

    Parameters
    ----------
    dist : ndarray of shape (m, k)
        Distances to the neighbours, each >= 0.

    Returns
    -------
    weights : ndarray of shape (m, k)

    Examples
    --------
    >>> distance_weights(np.array([[0.5, 2.0], [0.0, 1.0]]))
    array([[2. , 0.5],
           [1. , 0. ]])
    """
    dist = np.asarray(dist, dtype=np.float64)
    is_exact_match = dist == 0.0
    has_exact_match = is_exact_match.any(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):  # 1 / 0 only where it is overwritten below
        inverse = 1.0 / dist
    return np.where(has_exact_match, is_exact_match.astype(np.float64), inverse)


def neighbor_weights(dist, weights="uniform"):
    """The weight of each neighbour under the rule named by ``weights``.

    Parameters
    ----------
    dist : ndarray of shape (m, k)
    weights : {"uniform", "distance"}

    Returns
    -------
    weights : ndarray of shape (m, k)

    Examples
    --------
    >>> neighbor_weights(np.array([[1.0, 4.0]]), "distance")
    array([[1.  , 0.25]])
    >>> neighbor_weights(np.array([[1.0, 4.0]]), "inverse")
    Traceback (most recent call last):
    ...
    ValueError: Unknown weights 'inverse'; choose one of 'uniform', 'distance'
    """
    check_option(weights, "weights", WEIGHTS)
    if weights == "uniform":
        return uniform_weights(dist)
    return distance_weights(dist)


def class_scores(neighbor_codes, weights, n_classes):
    r"""Each class's total weight among each query's neighbours.

    .. math:: s_{ic} = \sum_{j=1}^{k} w_{ij} \, [\, y_{ij} = c \,]

    The sum runs over the neighbours in the order given (nearest first), so
    the floating-point result is the same wherever this rule is implemented.

    Parameters
    ----------
    neighbor_codes : ndarray of int, shape (m, k)
        Class code (0 .. n_classes - 1) of each neighbour.
    weights : ndarray of shape (m, k)
    n_classes : int

    Returns
    -------
    scores : ndarray of shape (m, n_classes)

    Examples
    --------
    >>> class_scores(np.array([[2, 0, 2]]), np.array([[1.0, 1.0, 1.0]]), n_classes=3)
    array([[1., 0., 2.]])
    """
    neighbor_codes = np.asarray(neighbor_codes)
    weights = np.asarray(weights, dtype=np.float64)
    n_queries, k = neighbor_codes.shape
    scores = np.zeros((n_queries, n_classes), dtype=np.float64)
    rows = np.arange(n_queries)
    # One column (the j-th nearest neighbour of every query) at a time: within a
    # column each query appears once, so the fancy-index += never collides.
    for j in range(k):
        scores[rows, neighbor_codes[:, j]] += weights[:, j]
    return scores


def majority_vote(scores):
    """The winning class code of each query: highest score, ties to the smallest code.

    Parameters
    ----------
    scores : ndarray of shape (m, n_classes)

    Returns
    -------
    codes : ndarray of int, shape (m,)

    Examples
    --------
    A 2-vs-2 split goes to the smaller class:

    >>> majority_vote(np.array([[0.0, 2.0, 2.0], [3.0, 1.0, 0.0]]))
    array([1, 0])
    """
    # argmax returns the first position holding the maximum: the smallest code.
    return np.argmax(scores, axis=1)


def vote_ties(scores):
    """Whether two or more classes share each query's top score exactly.

    Parameters
    ----------
    scores : ndarray of shape (m, n_classes)

    Returns
    -------
    tied : ndarray of bool, shape (m,)

    Examples
    --------
    >>> vote_ties(np.array([[0.0, 2.0, 2.0], [3.0, 1.0, 0.0]]))
    array([ True, False])
    """
    top = scores.max(axis=1, keepdims=True)
    return (scores == top).sum(axis=1) >= 2


def class_probabilities(scores):
    r"""Class scores rescaled to sum to 1 for each query.

    .. math:: P(c \mid x_i) = s_{ic} \,/\, \sum_{c'} s_{ic'}

    Parameters
    ----------
    scores : ndarray of shape (m, n_classes)

    Returns
    -------
    proba : ndarray of shape (m, n_classes)

    Examples
    --------
    >>> class_probabilities(np.array([[1.0, 3.0]]))
    array([[0.25, 0.75]])
    """
    return scores / scores.sum(axis=1, keepdims=True)


def weighted_mean(values, weights):
    r"""Weighted mean of each row of ``values``.

    .. math:: \hat y_i = \frac{\sum_j w_{ij} \, y_{ij}}{\sum_j w_{ij}}

    With uniform weights this is the plain mean of the neighbours' targets.

    Parameters
    ----------
    values : ndarray of shape (m, k)
        The neighbours' targets.
    weights : ndarray of shape (m, k)

    Returns
    -------
    means : ndarray of shape (m,)

    Examples
    --------
    >>> weighted_mean(np.array([[1.0, 2.0, 6.0]]), np.array([[1.0, 1.0, 1.0]]))
    array([3.])
    >>> weighted_mean(np.array([[1.0, 4.0]]), np.array([[3.0, 1.0]]))
    array([1.75])
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    return (values * weights).sum(axis=1) / weights.sum(axis=1)


def weighted_median(values, weights):
    r"""Weighted median of each row of ``values``.

    Sort the targets, accumulate their weights, and let :math:`W` be the total.
    The *lower* median is the first target whose cumulative weight reaches
    :math:`W / 2`, the *upper* median the first whose cumulative weight
    exceeds :math:`W / 2`. The median is their average: they are the same
    target unless the cumulative weight lands exactly on :math:`W / 2`.

    With uniform weights this is :func:`numpy.median`: for odd ``k`` the middle
    value, for even ``k`` the mean of the two middle values. Targets of weight
    0 never count (an exact match makes all the other neighbours weight 0).

    Parameters
    ----------
    values : ndarray of shape (m, k)
        The neighbours' targets.
    weights : ndarray of shape (m, k)
        Non-negative, with a positive sum in every row.

    Returns
    -------
    medians : ndarray of shape (m,)

    Examples
    --------
    >>> weighted_median(np.array([[5.0, 1.0, 3.0, 100.0]]), np.ones((1, 4)))
    array([4.])

    A heavy neighbour pulls the median to itself:

    >>> weighted_median(np.array([[1.0, 2.0, 9.0]]), np.array([[1.0, 1.0, 5.0]]))
    array([9.])
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    order = np.argsort(values, axis=1, kind="stable")
    sorted_values = np.take_along_axis(values, order, axis=1)
    cumulative = np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1)
    half = cumulative[:, -1:] / 2.0
    # argmax of a boolean row is the position of its first True.
    lower = np.argmax(cumulative >= half, axis=1)
    upper = np.argmax(cumulative > half, axis=1)
    rows = np.arange(values.shape[0])
    low_value, high_value = sorted_values[rows, lower], sorted_values[rows, upper]
    return np.where(lower == upper, low_value, (low_value + high_value) / 2.0)
