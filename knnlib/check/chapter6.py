"""Checkers for chapter 6, *Regression: predicting house prices*.

* :func:`exercise3`: on living area alone, how many test predictions of
  knnlib and scikit-learn differ, and how many test houses are tied at
  their 5th neighbour;
* :func:`exercise4`: the k and the cross-validated mean absolute error of
  the median with seven standardised features;
* :func:`exercise5`: which feature decides the neighbours when the seven
  features are not scaled.

The expected answers are computed here with knnlib and scikit-learn, on the
Ames houses shipped with knnlib, split exactly as in the chapter.

Examples
--------
>>> from knnlib import check
>>> check.chapter6.exercise5("garage")
Chapter 6, exercise 5: not yet. 'garage' is not one of the seven features: living_area, overall_quality, year_built, lot_area, bedrooms, full_baths, year_sold.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..datasets import load_house_prices
from ..estimators import KNNRegressor
from ..figures.regression import LARGE_HOUSE_AREA
from ..search import BruteForce
from ._verdict import NotYet, checker, how_far, is_close, read_int, read_number, read_text

__all__ = ["exercise3", "exercise4", "exercise5"]

#: Exercise 3: the neighbours of the one-feature models.
K_TIES = 5

#: Exercise 4: the chapter's grid of k and its folds.
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


@checker("Chapter 6, exercise 3")
def exercise3(n_differ, n_tied):
    """Exercise 3: with living area alone and k = 5, how many test predictions differ, how many are tied.

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
    X_all, y, _ = _houses()
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    pipeline = make_pipeline(StandardScaler(), KNNRegressor(aggregate="median"))
    search = GridSearchCV(pipeline, {"knnregressor__k": list(SEARCH_KS)}, cv=folds,
                          scoring="neg_mean_absolute_error").fit(X_all, y)
    return search.best_params_["knnregressor__k"], -search.best_score_


@checker("Chapter 6, exercise 4")
def exercise4(best_k, mae):
    """Exercise 4: the best k and cross-validated MAE (dollars) of the median on seven standardised features.

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
    >>> exercise4(7, "$22,000")
    Chapter 6, exercise 4: not yet. Expected a number, got a string ('$22,000'): leave out the quotes.
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


def _normalise(name):
    return name.strip().lower().replace(" ", "_").replace("-", "_")


@checker("Chapter 6, exercise 5")
def exercise5(feature):
    """Exercise 5: the feature that decides the neighbours when the seven features are not scaled.

    Parameters
    ----------
    feature : str
        One of ``houses.feature_names`` (``"lot area"`` and ``"lot_area"`` both work for ``lot_area``).

    Returns
    -------
    Verdict
    """
    text = read_text(feature, "feature")
    X_all, _, names = _houses()
    if _normalise(text) not in names:
        raise NotYet(f"{text!r} is not one of the seven features: {', '.join(names)}.")
    # The distance's share of each feature is its variance (chapter 5): the largest spread decides.
    expected = names[int(np.argmax(X_all.std(axis=0)))]
    if _normalise(text) == expected:
        return ("Its spread, in its own units, dwarfs the others, so the nearest houses are the ones "
                "with similar lots.")
    raise NotYet(f"{text} does not have the largest spread. Compare the standard deviations of the "
                 "seven features, each in its own units.")
