"""Checkers for chapter 6, *Regression: predicting house prices*.

* :func:`ties_on_living_area`: on living area alone, how many test
  predictions of knnlib and scikit-learn differ, and how many test houses
  are tied at their 5th neighbour;
* :func:`median_with_seven_features`: the k and the cross-validated mean
  absolute error of the median with seven standardised features;
* :func:`deciding_feature_share`: how much of the squared distances the
  deciding feature owns when the seven features are not scaled.

The expected answers are computed here with knnlib and scikit-learn, on the
Ames houses shipped with knnlib, split exactly as in the chapter.

Examples
--------
>>> from knnlib import check
>>> check.chapter6.deciding_feature_share("most of it")
The feature that decides: not yet. Expected a number, got a string ('most of it'): leave out the quotes.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.model_selection import KFold, train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.preprocessing import StandardScaler

from ..datasets import load_house_prices
from ..estimators import KNNRegressor
from ..figures.regression import LARGE_HOUSE_AREA
from ..search import BruteForce
from ._verdict import ROUNDED_SHARE, NotYet, checker, how_far, is_close, read_int, read_number

__all__ = ["ties_on_living_area", "median_with_seven_features", "deciding_feature_share"]

#: *Ties on living area*: the neighbours of the one-feature models.
K_TIES = 5

#: *The feature that decides*: small shares recognised when typed with about three significant digits.
TYPED_DIGITS = 2e-3

#: *The median with seven features*: the chapter's grid of k and its folds.
SEARCH_KS = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200)


def _houses():
    """The chapter's seven features and prices, without the five houses above 4000 sq ft."""
    houses = load_house_prices()
    keep = houses.data[:, houses.feature_names.index("living_area")] <= LARGE_HOUSE_AREA
    return houses.data[keep], houses.target[keep], houses.feature_names


def _split():
    X_all, y, _ = _houses()
    return train_test_split(X_all, y, test_size=0.25, random_state=0)


@functools.cache
def _ties_and_differences(k):
    X_train, X_test, y_train, _ = _split()
    area_train, area_test = X_train[:, :1], X_test[:, :1]
    ours = KNNRegressor(k=k).fit(area_train, y_train).predict(area_test)
    theirs = KNeighborsRegressor(n_neighbors=k).fit(area_train, y_train).predict(area_test)
    # Tied: the k-th and (k+1)-th nearest training houses are exactly as far away.
    distances, _ = BruteForce(area_train).query(area_test, k=k + 1)
    tied = distances[:, k - 1] == distances[:, k]
    return int(np.sum(ours != theirs)), int(np.sum(tied))


@checker("Ties on living area")
def ties_on_living_area(n_differ, n_tied):
    """With living area alone and k = 5, how many test predictions differ, how many are tied.

    Parameters
    ----------
    n_differ : int
        Test houses where ``KNNRegressor(k=5)`` and ``KNeighborsRegressor(n_neighbors=5)`` disagree.
    n_tied : int
        Test houses whose 5th and 6th nearest training houses are at the same distance.

    Returns
    -------
    Verdict
    """
    n_differ = read_int(n_differ, "n_differ")
    n_tied = read_int(n_tied, "n_tied")
    expected_differ, expected_tied = _ties_and_differences(K_TIES)
    if (n_differ, n_tied) == (expected_differ, expected_tied):
        return ("Every difference is at a tied test house: both libraries are right, they just keep "
                "different houses among equally distant ones.")
    if (n_tied, n_differ) == (expected_differ, expected_tied):
        raise NotYet("The two numbers are swapped: the differing predictions first, then the tied houses.")
    if (n_differ, n_tied) == _ties_and_differences(7):
        raise NotYet("Those are the counts for k = 7, the chapter's k. This exercise uses k = 5.")
    if n_differ > n_tied:
        raise NotYet("More differences than ties? Every difference should be at a tied house. "
                     "Are both models fitted on X_train[:, :1] and asked about X_test[:, :1]?")
    problems = []
    if n_differ != expected_differ:
        problems.append(f"n_differ is {how_far(n_differ, expected_differ)} "
                        "(compare the two arrays of predictions with !=, then sum)")
    if n_tied != expected_tied:
        problems.append(f"n_tied is {how_far(n_tied, expected_tied)} "
                        "(use regression.kth_neighbour_ties on the knnlib model and X_test[:, :1])")
    raise NotYet(_sentence_list(problems))


def _sentence_list(parts):
    return "; ".join(parts) + "."


@functools.cache
def _median_search():
    """The chapter's 5-fold search for the median on seven standardised features, done directly.

    Not through GridSearchCV (the exercise's route, which refits for every k):
    one knnlib search per fold for the largest k, whose first k neighbours are
    the k nearest (the (distance, index) order makes every prefix exact), then
    the median price of each prefix. Same folds, same scaler per training fold.
    """
    X_all, y, _ = _houses()
    fold_errors = []
    for train, test in KFold(n_splits=5, shuffle=True, random_state=0).split(X_all):
        scaler = StandardScaler().fit(X_all[train])
        _, neighbours = BruteForce(scaler.transform(X_all[train])).query(scaler.transform(X_all[test]),
                                                                         k=max(SEARCH_KS))
        prices = y[train][neighbours]
        fold_errors.append([np.mean(np.abs(np.median(prices[:, :k], axis=1) - y[test])) for k in SEARCH_KS])
    mean_errors = np.mean(fold_errors, axis=0)
    best = int(np.argmin(mean_errors))  # the first of equal errors, as GridSearchCV ranks them
    return SEARCH_KS[best], float(mean_errors[best])


@checker("The median with seven features")
def median_with_seven_features(best_k, mae):
    """The best k and cross-validated MAE (dollars) of the median on seven standardised features.

    Parameters
    ----------
    best_k : int
    mae : float
        The mean absolute error in dollars, a positive number (``-search.best_score_``).

    Returns
    -------
    Verdict

    Examples
    --------
    >>> median_with_seven_features(7, "$22,000")
    The median with seven features: not yet. Expected a number, got a string ('$22,000'): leave out the quotes.
    """
    best_k = read_int(best_k, "best_k")
    mae = read_number(mae, "mae")
    if best_k not in SEARCH_KS:
        raise NotYet(f"k = {best_k} is not in the chapter's grid ks.")
    if mae < 0:
        raise NotYet("mae is negative: scikit-learn's score is minus the error. Give -search.best_score_.")
    expected_k, expected_mae = _median_search()
    if best_k == expected_k and is_close(mae, expected_mae, abs=0.5):  # in dollars, to the cent or rounded
        return ("With neighbours that match on quality, age and size, extreme prices are rare among them, "
                "so ignoring them gains little.")
    if best_k == expected_k:
        raise NotYet(f"best_k is right, but mae is {how_far(mae, expected_mae)}. Give -search.best_score_.")
    raise NotYet(f"The median search does not choose k = {best_k}. Check aggregate=\"median\", the "
                 "StandardScaler in the pipeline, all seven features and search_k's folds.")


@functools.cache
def _variance_shares():
    X_all, _, names = _houses()
    variances = X_all.var(axis=0)
    return dict(zip(names, variances / variances.sum()))


@checker("The feature that decides")
def deciding_feature_share(share):
    r"""The share of the squared distances owned by the feature that decides, unscaled.

    Chapter 5's formula: summed over all pairs of houses, feature :math:`j`
    contributes a share :math:`\sigma_j^2 / \sum_{j'} \sigma_{j'}^2` of the squared
    Euclidean distances. The feature with the largest share decides who the
    neighbours are.

    Parameters
    ----------
    share : float
        A fraction between 0 and 1.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> deciding_feature_share(-0.5)
    The feature that decides: not yet. A share is a fraction between 0 and 1.
    """
    value = read_number(share, "share")
    shares = _variance_shares()
    expected = max(shares.values())
    if is_close(value, expected, abs=ROUNDED_SHARE):
        return ("One feature owns nearly all of every distance, so the other six hardly count: "
                "the raw seven-feature model is close to a one-feature model.")
    if 1 < value <= 100 and is_close(value / 100, expected, abs=ROUNDED_SHARE):
        raise NotYet("That looks like a percentage: give the share as a fraction between 0 and 1.")
    if not 0 <= value <= 1:
        raise NotYet("A share is a fraction between 0 and 1.")
    X_all, _, names = _houses()
    deviations = X_all.std(axis=0)
    if any(is_close(value, d / deviations.sum(), rel=TYPED_DIGITS) for d in deviations):
        raise NotYet("That share uses standard deviations. The distance adds up *squared* differences, "
                     "so use the variances (the standard deviations squared).")
    if is_close(value, 1 - expected, rel=TYPED_DIGITS):
        raise NotYet("That is the share of all the other features together. The exercise asks for the "
                     "share of the one feature that decides.")
    if any(is_close(value, other, rel=TYPED_DIGITS) for other in shares.values()):
        raise NotYet("That is the share of a feature, but not of the one with the largest spread.")
    raise NotYet(f"Your share is {how_far(value, expected)}. Divide that feature's variance by the sum "
                 "of the variances of all seven features.")
