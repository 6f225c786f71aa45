"""Checkers for chapter 5, *Feature scaling*.

* :func:`body_mass_in_kilograms`: the cross-validated accuracy of unscaled
  KNN when body mass is stored in kilograms;
* :func:`grid_search_with_scaler`: the k chosen by ``GridSearchCV`` for a
  ``StandardScaler`` + ``KNNClassifier`` pipeline on all four penguin
  measurements, and its mean accuracy.

The expected answers are computed here with knnlib and scikit-learn, on the
Palmer penguins shipped with the ``palmerpenguins`` package.

Examples
--------
>>> from knnlib import check
>>> check.chapter5.body_mass_in_kilograms([0.7, 0.8, 0.75, 0.8, 0.8])
Body mass in kilograms: not yet. Those look like the five fold scores: give their mean, scores.mean().
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..datasets import PENGUIN_FEATURES, load_penguins
from ..estimators import KNNClassifier
from ..figures.scaling import PENGUIN_PAIR, chapter_cv
from ._verdict import ROUNDED_SHARE, NotYet, checker, how_far, is_close, read_int, read_number, size_of

__all__ = ["body_mass_in_kilograms", "grid_search_with_scaler"]

#: *Body mass in kilograms*: the classifier of the chapter.
K = 5

#: *Grid search with the scaler inside*: the grid of k.
GRID_KS = (1, 3, 5, 7, 9, 11, 15, 21, 31)


def _pair_accuracy(column_divisors):
    X, y, _, _ = load_penguins(list(PENGUIN_PAIR))
    scores = cross_val_score(KNNClassifier(k=K), X / np.asarray(column_divisors, dtype=float), y, cv=chapter_cv())
    return scores.mean()


@checker("Body mass in kilograms")
def body_mass_in_kilograms(accuracy):
    """5-fold accuracy of KNN (k = 5) on bill depth (mm) and body mass in kilograms.

    Parameters
    ----------
    accuracy : float
        The mean over the folds of ``cross_val_score(..., cv=scaling.chapter_cv())``.

    Returns
    -------
    Verdict
    """
    if size_of(accuracy) == 5:
        raise NotYet("Those look like the five fold scores: give their mean, scores.mean().")
    value = read_number(accuracy, "accuracy")
    expected = _pair_accuracy([1, 1000])
    if is_close(value, expected, abs=ROUNDED_SHARE):
        return ("A change of units alone moved raw KNN onto the plateau of the exchange-rate curve: "
                "unscaled, the answer depends on the units you happened to pick.")
    if 1 < value <= 100 and is_close(value / 100, expected, abs=ROUNDED_SHARE):
        raise NotYet("That looks like a percentage: give the accuracy as a fraction between 0 and 1.")
    if is_close(value, _pair_accuracy([1, 1]), abs=ROUNDED_SHARE):
        # Grams, body mass multiplied by 1000, or bill depth divided by 1000 all score the
        # same: in each, body mass decides alone.
        raise NotYet("That is what KNN scores when body mass decides alone: in grams, or multiplied "
                     "instead of divided, or with bill depth divided instead. Divide the second column, "
                     "body mass: X / [1, 1000].")
    raise NotYet(f"Your accuracy is {how_far(value, expected)}. Use KNNClassifier(k=5), "
                 "X / [1, 1000] and cv=scaling.chapter_cv(), and take the mean of the fold scores.")


def _grid_search(with_scaler):
    X, y, _, _ = load_penguins(PENGUIN_FEATURES)
    steps = [StandardScaler(), KNNClassifier()] if with_scaler else [KNNClassifier()]
    pipeline = make_pipeline(*steps)
    search = GridSearchCV(pipeline, {"knnclassifier__k": list(GRID_KS)}, cv=chapter_cv()).fit(X, y)
    return search.best_params_["knnclassifier__k"], search.best_score_


@functools.cache
def _scaled_search():
    return _grid_search(with_scaler=True)


@functools.cache
def _raw_search():
    return _grid_search(with_scaler=False)


@checker("Grid search with the scaler inside")
def grid_search_with_scaler(best_k, best_score):
    """The k chosen for StandardScaler + KNNClassifier on four features, and its mean accuracy.

    Parameters
    ----------
    best_k : int
        ``search.best_params_["knnclassifier__k"]``.
    best_score : float
        ``search.best_score_``, the mean accuracy over the folds.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> grid_search_with_scaler(4, 0.9)
    Grid search with the scaler inside: not yet. k = 4 is not in the grid [1, 3, 5, 7, 9, 11, 15, 21, 31].
    """
    best_k = read_int(best_k, "best_k")
    score = read_number(best_score, "best_score")
    if best_k not in GRID_KS:
        raise NotYet(f"k = {best_k} is not in the grid {list(GRID_KS)}.")
    if 1 < score <= 100:
        raise NotYet("best_score looks like a percentage: give the mean accuracy as a fraction, search.best_score_.")
    expected_k, expected_score = _scaled_search()
    if best_k == expected_k and is_close(score, expected_score, abs=ROUNDED_SHARE):
        return "With the scaler inside the pipeline it is refitted on the training folds of every split: no leak."
    raw_k, raw_score = _raw_search()
    if best_k == raw_k and is_close(score, raw_score, abs=ROUNDED_SHARE):
        raise NotYet("That is the search without the scaler. Put StandardScaler() first in make_pipeline.")
    if best_k == expected_k:
        raise NotYet(f"best_k is right, but best_score is {how_far(score, expected_score)}. "
                     "Give search.best_score_, the mean accuracy over the 5 folds.")
    raise NotYet(f"The search does not choose k = {best_k}. Check the pipeline (StandardScaler, then "
                 "KNNClassifier), the grid, all four features and cv=scaling.chapter_cv().")

