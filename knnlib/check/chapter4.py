"""Checkers for chapter 4, *Choosing k*.

* :func:`repeated_cross_validation`: the k that 10 times repeated,
  stratified 5-fold cross-validation chooses on the noisy moons, and its
  validation error;
* :func:`k_equals_n`: the validation accuracy of k = n on a 120 to 80
  training set;
* :func:`tied_k`: which k from 1 to 6 leave tied cells on the three-class
  preset.

The expected answers are computed here with knnlib and scikit-learn's
``GridSearchCV``, on the chapter's own data.

Examples
--------
>>> from knnlib import check
>>> check.chapter4.tied_k([2, "four"])
Tied k with three classes: not yet. Expected whole numbers k from 1 to 6, got 'four'.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.model_selection import GridSearchCV, RepeatedStratifiedKFold, StratifiedKFold

from ..datasets import load_preset
from ..estimators import KNNClassifier
from ..figures import choosing_k
from ._verdict import ROUNDED_SHARE, NotYet, checker, how_far, is_close, read_int, read_number

__all__ = ["repeated_cross_validation", "k_equals_n", "tied_k"]

#: *Repeated cross-validation*: the grid of k (every k of the chapter's curve that fits in a training fold of 160).
SEARCH_KS = tuple(k for k in choosing_k.CURVE_KS if k <= 151)

#: *k = n*: the class counts of the training set.
N_CLASS_0, N_CLASS_1 = 120, 80

#: *Tied k with three classes*: the values of k asked about.
TIE_KS = tuple(range(1, 7))


def _best_k(cv):
    X, y, _, _ = choosing_k.chapter_data(noise=0.75)
    return GridSearchCV(KNNClassifier(), {"k": list(SEARCH_KS)}, cv=cv).fit(X, y)


@functools.cache
def _repeated_search():
    search = _best_k(RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0))
    _, _, X_val, y_val = choosing_k.chapter_data(noise=0.75)
    return search.best_params_["k"], 1 - search.best_estimator_.score(X_val, y_val)


@functools.cache
def _single_split_k():
    return _best_k(StratifiedKFold(n_splits=5, shuffle=True, random_state=0)).best_params_["k"]


@checker("Repeated cross-validation")
def repeated_cross_validation(best_k, validation_error):
    """The k chosen by repeated cross-validation, and its error on the validation points.

    Parameters
    ----------
    best_k : int
        ``search.best_params_["k"]``.
    validation_error : float
        ``1 - search.best_estimator_.score(X_val, y_val)``, a fraction.

    Returns
    -------
    Verdict
    """
    best_k = read_int(best_k, "best_k")
    error = read_number(validation_error, "validation_error")
    if best_k not in SEARCH_KS:
        raise NotYet(f"k = {best_k} is not in the grid ks of the chapter: the search can only choose one of them.")
    expected_k, expected_error = _repeated_search()
    if best_k != expected_k:
        if best_k == _single_split_k():
            raise NotYet("That is the k of the chapter's single shuffled 5-fold split. "
                         "Pass the RepeatedStratifiedKFold splitter as cv.")
        if best_k == choosing_k.chapter_curves(noise=0.75).best_k:
            raise NotYet("That is the best k on the validation curve. The exercise asks which k "
                         "repeated cross-validation chooses from the 200 training points alone.")
        raise NotYet(f"Repeated cross-validation does not choose k = {best_k}. Use "
                     "RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0) as cv.")
    if is_close(error, expected_error, abs=ROUNDED_SHARE):
        return ("Averaging over ten cuts of the data steadies the choice, and the chosen k is "
                "within a point of the best on the curve.")
    if 1 < error <= 100 and is_close(error / 100, expected_error, abs=ROUNDED_SHARE):
        raise NotYet("best_k is right; validation_error looks like a percentage: give it as a fraction.")
    if is_close(error, 1 - expected_error, abs=ROUNDED_SHARE):
        raise NotYet("best_k is right; validation_error is the accuracy. The error is one minus it.")
    raise NotYet(f"best_k is right, but validation_error is {how_far(error, expected_error)}. Score "
                 "search.best_estimator_ on X_val, y_val.")


@functools.cache
def _majority_accuracy():
    # Any positions will do: with k = n every query hears every training point.
    rng = np.random.default_rng(0)
    y_train = np.repeat([0, 1], [N_CLASS_0, N_CLASS_1])
    y_val = np.repeat([0, 1], [3 * N_CLASS_0, 3 * N_CLASS_1])     # the same proportions
    model = KNNClassifier(k=len(y_train)).fit(rng.uniform(0, 10, (len(y_train), 2)), y_train)
    return model.score(rng.uniform(0, 10, (len(y_val), 2)), y_val)


@checker("k = n")
def k_equals_n(accuracy):
    """The validation accuracy of uniform KNN with k = n = 200 (120 of class 0, 80 of class 1).

    Parameters
    ----------
    accuracy : float
        A fraction between 0 and 1.

    Returns
    -------
    Verdict
    """
    value = read_number(accuracy, "accuracy")
    expected = _majority_accuracy()
    if is_close(value, expected, abs=ROUNDED_SHARE):
        return "With k = n every query hears the same 200 votes: the model always guesses the majority class."
    if 1 < value <= 100 and is_close(value / 100, expected):
        raise NotYet("That looks like a percentage: give the accuracy as a fraction between 0 and 1.")
    if is_close(value, 1 - expected):
        raise NotYet("That would be right if the model always predicted class 1. Which class wins a "
                     "vote of all 200 training points?")
    raise NotYet(f"Your accuracy is {how_far(value, expected)}. Which class does every query get, "
                 "and how many validation points have that class?")


@functools.cache
def _tied_ks():
    X3, y3 = load_preset("three_classes")
    return frozenset(k for k in TIE_KS if choosing_k.tie_share(X3, y3, k) > 0)


def _read_ks(ks):
    if isinstance(ks, (str, bytes)) or not hasattr(ks, "__iter__"):
        raise NotYet("Expected a list of the values of k, for example [2, 4], got a single value.")
    values = set()
    for k in ks:
        try:
            values.add(read_int(k, "k"))
        except NotYet:
            raise NotYet(f"Expected whole numbers k from 1 to 6, got {k!r}.") from None
    outside = sorted(k for k in values if k not in TIE_KS)
    if outside:
        raise NotYet(f"The exercise asks about k = 1 to 6 only; remove {outside}.")
    return values


@checker("Tied k with three classes")
def tied_k(tied_ks):
    """Which k in 1, ..., 6 leave at least one tied cell on the three-class preset.

    Parameters
    ----------
    tied_ks : list (or set) of int
        The values of k whose map has tied cells, e.g. ``[2, 4]``.

    Returns
    -------
    Verdict
    """
    answer = _read_ks(tied_ks)
    expected = _tied_ks()
    if answer == expected:
        return ("With three classes every k from 2 up can tie: two classes can share the top count, "
                "whatever the parity of k. Only k = 1 is safe.")
    if 1 in answer:
        raise NotYet("k = 1 can never tie: a single neighbour gives one class one vote.")
    if answer == {k for k in TIE_KS if k % 2 == 0} or answer < expected:
        raise NotYet("Some k you left out have tied cells too. With three classes, can an odd k split evenly?")
    raise NotYet("Your list has a k whose map has no tied cell. Check each k with choosing_k.tie_share(X3, y3, k).")
