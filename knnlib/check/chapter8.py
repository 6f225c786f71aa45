"""Checkers for chapter 8, *High dimensions*.

* :func:`points_on_a_plane`: the relative contrast of distances between points on
  a flat plane inside 1000-dimensional space;
* :func:`selection_leak`: two cross-validated accuracies on shuffled labels,
  feature selection inside the pipeline (honest) and before it (leaky).

The expected answers are computed with knnlib and scikit-learn from the
same seeded data as the exercises.

Examples
--------
>>> from knnlib import check
>>> check.chapter8.selection_leak(0.9, "0.4")
Selection leak: not yet. Expected a number, got a string ('0.4'): leave out the quotes.
"""

from __future__ import annotations

import functools

import numpy as np

from ..figures import dimensions
from ..metrics import pairwise_distances
from ._verdict import ROUNDED_SHARE, NotYet, checker, how_far, is_close, read_number

__all__ = ["points_on_a_plane", "selection_leak"]

#: *Points on a plane*: the ambient dimension and the number of stored points.
AMBIENT_DIMENSION, N_PLANE_POINTS = 1000, 1000

#: *Selection leak*: noise columns, columns kept by the selection, the seeds.
N_NOISE, N_SELECTED = 500, 10


@functools.cache
def _plane_contrast():
    rng = np.random.default_rng(0)
    plane = rng.standard_normal((2, AMBIENT_DIMENSION))
    on_plane = rng.random((N_PLANE_POINTS + 1, 2)) @ plane
    distances = pairwise_distances(on_plane[:1], on_plane[1:])[0]
    return float(dimensions.relative_contrast(distances))


@checker("Points on a plane")
def points_on_a_plane(contrast):
    """The relative contrast (max - min) / min for the points on the plane.

    Parameters
    ----------
    contrast : float
        Three significant digits are enough.

    Returns
    -------
    Verdict
    """
    value = read_number(contrast, "contrast")
    expected = _plane_contrast()
    if is_close(value, expected, rel=5e-3):
        return ("A contrast like the 2-D one: the points have 1000 coordinates but vary in only two "
                "directions, and that is what distances feel.")
    if 0 < value < 1:
        raise NotYet("That is the contrast of random points in 1000 dimensions. Were the points "
                     "made on the plane (on_plane = rng.random((1001, 2)) @ plane)?")
    raise NotYet(f"That contrast is {how_far(value, expected)}. Measure from the first point "
                 "(the query) to the 1000 others, then take (max - min) / min.")


@functools.cache
def _leak_accuracies():
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X, y, _ = dimensions.load_wine_data()
    y_shuffled = np.random.default_rng(1).permutation(y)
    X_noisy = dimensions.add_noise_features(X, N_NOISE)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    pipelines = dimensions.noise_pipelines()
    honest = cross_val_score(pipelines["feature selection, then KNN"], X_noisy, y_shuffled, cv=cv).mean()
    X_chosen = SelectKBest(f_classif, k=N_SELECTED).fit_transform(X_noisy, y_shuffled)
    leaky = cross_val_score(pipelines["KNN"], X_chosen, y_shuffled, cv=cv).mean()
    return float(honest), float(leaky)


@checker("Selection leak")
def selection_leak(honest_accuracy, leaky_accuracy):
    """Mean cross-validated accuracy with selection inside the pipeline, and before it.

    Parameters
    ----------
    honest_accuracy : float
        Selection inside the pipeline, fitted on the training folds only.
    leaky_accuracy : float
        Selection on all the data first, then cross-validation.
        Three decimals are enough for both.

    Returns
    -------
    Verdict
    """
    honest = read_number(honest_accuracy, "honest_accuracy")
    leaky = read_number(leaky_accuracy, "leaky_accuracy")
    expected_honest, expected_leaky = _leak_accuracies()
    right_honest = is_close(honest, expected_honest, abs=ROUNDED_SHARE)
    right_leaky = is_close(leaky, expected_leaky, abs=ROUNDED_SHARE)
    if right_honest and right_leaky:
        return ("The pipeline stays near chance, as it must with shuffled labels; selecting on all "
                "the data first looks far better, and that gain is pure leakage.")
    if is_close(honest, expected_leaky, abs=ROUNDED_SHARE) and is_close(leaky, expected_honest, abs=ROUNDED_SHARE):
        raise NotYet("The two accuracies are swapped: which of them saw the test folds' labels "
                     "when choosing the columns?")
    if not (0 <= honest <= 1 and 0 <= leaky <= 1):
        raise NotYet("An accuracy is a share between 0 and 1 (cross_val_score(...).mean()).")
    if right_honest:
        raise NotYet(f"honest_accuracy is right; leaky_accuracy is {how_far(leaky, expected_leaky)}. "
                     "Select 10 columns with SelectKBest(f_classif, k=10) on all of X_noisy and "
                     "y_shuffled, then cross-validate the plain KNN pipeline on them.")
    if right_leaky:
        raise NotYet(f"leaky_accuracy is right; honest_accuracy is {how_far(honest, expected_honest)}. "
                     "Cross-validate the whole \"feature selection, then KNN\" pipeline on X_noisy "
                     "and y_shuffled with cv.")
    raise NotYet(f"Both are off: honest_accuracy is {how_far(honest, expected_honest)}, leaky_accuracy "
                 f"{how_far(leaky, expected_leaky)}. Use y_shuffled, X_noisy and the cv of the exercise.")
