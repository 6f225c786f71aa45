r"""Chapter 4, choosing k: the data, the error curves and the figures.

The chapter works on two noisy half-moons (:func:`noisy_moons`): a training
set of 200 points and, drawn from the same recipe with another seed, a large
validation set of 1000 points that plays "new data". The pieces:

* :func:`error_curves`: training and validation error for a list of ``k``
  (one :class:`~knnlib.KNNClassifier` per ``k``);
* :func:`best_k`: the ``k`` with the lowest error (the smallest such ``k``
  on a tie, as :class:`~sklearn.model_selection.GridSearchCV` picks);
* :func:`cv_fold_scores`: the per-fold scores out of a fitted ``GridSearchCV``;
* :func:`tie_share`: how much of the plane has a tied vote (why odd ``k``);
* drawing helpers that take an ``ax`` and return what they drew, and
  :func:`draw_k_explorer`, the pure callback of the chapter's interactive.

The error rate of a classifier on points :math:`(x_i, y_i)_{i=1}^m` is

.. math:: \operatorname{err} = \frac{1}{m} \sum_{i=1}^{m} [\hat y(x_i) \ne y_i]
          = 1 - \text{accuracy}.

Examples
--------
>>> from knnlib.figures.choosing_k import best_k, error_curves, noisy_moons
>>> X, y = noisy_moons(noise=0.5, n_per_moon=30, seed=0)
>>> X_val, y_val = noisy_moons(noise=0.5, n_per_moon=100, seed=1)
>>> curves = error_curves(X, y, X_val, y_val, ks=[1, 5, 59])
>>> float(curves.train_error[0])       # each training point is its own nearest neighbour
0.0
>>> best_k(curves.ks, curves.validation_error) in (1, 5, 59)
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_positive_int
from ..estimators import KNNClassifier
from ..plotting import CLASS_COLORS, DEFAULT_EXTENT, grid_centres, plot_decision_regions
from ..vote import class_scores, majority_vote, vote_ties

__all__ = [
    "CURVE_KS",
    "EXPLORER_KS",
    "NOISE_LEVELS",
    "ErrorCurves",
    "best_k",
    "chapter_curves",
    "chapter_data",
    "cv_fold_scores",
    "draw_k_explorer",
    "error_curves",
    "labels_and_ties",
    "noisy_moons",
    "plot_cv_scores",
    "plot_error_curves",
    "tie_share",
]

#: The noise levels the chapter offers (standard deviation of the jitter, in
#: the plane's units; the moons are about 7 units wide).
NOISE_LEVELS = (0.25, 0.5, 0.75, 1.0)

#: The k values of the error curves: odd (no two-class vote ties), spread
#: roughly evenly on a log scale from 1 to n - 1 = 199.
CURVE_KS = (1, 3, 5, 7, 9, 11, 15, 21, 31, 41, 51, 71, 101, 151, 199)

#: The k values of the interactive's slider (a subset of CURVE_KS).
EXPLORER_KS = (1, 3, 7, 11, 21, 51, 101, 199)

# The chapter's data: 200 training points, 1000 validation points.
TRAIN_PER_MOON, VALIDATION_PER_MOON = 100, 500
TRAIN_SEED, VALIDATION_SEED = 0, 1

# Where the moons sit in the [0, 10] square: the classic shape spans
# x in [-1, 2], y in [-0.5, 1]; its centre goes to (5, 5), scaled by 2.4,
# which leaves room around it for the noise.
_MOON_SCALE = 2.4
_MOON_CENTRE = np.array([0.5, 0.25])
# Points are kept this far inside the square (as the presets are).
_MARGIN = 0.25


def noisy_moons(noise=0.75, n_per_moon=100, seed=0):
    r"""Two interleaving half-moons in the square [0, 10] x [0, 10], with Gaussian noise.

    Class 0 lies along the upper half of a circle, class 1 along the lower
    half of another circle shifted so the two hook into each other:

    .. math::

        \text{class 0: } (\cos t, \sin t), \qquad
        \text{class 1: } (1 - \cos t, \tfrac12 - \sin t), \qquad t \sim U[0, \pi],

    scaled by 2.4 about the shape's centre and moved to (5, 5); then every
    point gets independent normal noise of standard deviation ``noise`` in
    each coordinate. A point the noise would push outside
    [0.25, 9.75]^2 gets a fresh draw of noise (not clipped: clipping would
    pile points up on the edge).

    Parameters
    ----------
    noise : float >= 0, default 0.75
        Standard deviation of the noise, in the plane's units.
    n_per_moon : int >= 1, default 100
        Points per class.
    seed : int >= 0, default 0
        Seed of ``numpy.random.default_rng``; the same arguments always give
        the same points.

    Returns
    -------
    X : ndarray of shape (2 * n_per_moon, 2)
        Rounded to two decimals, like the presets.
    y : ndarray of int64, shape (2 * n_per_moon,)
        ``n_per_moon`` zeros, then ``n_per_moon`` ones.

    Examples
    --------
    >>> X, y = noisy_moons(noise=0.0, n_per_moon=3, seed=0)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 0, 0, 1, 1, 1])
    >>> bool(X.min() >= 0.25 and X.max() <= 9.75)
    True
    >>> noisy_moons(noise=-1)
    Traceback (most recent call last):
    ...
    ValueError: noise must be a finite number >= 0, got noise = -1
    """
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating, np.integer)) \
            or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got noise = {noise!r}")
    n_per_moon = check_positive_int(n_per_moon, "n_per_moon")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got seed = {seed!r}")
    rng = np.random.default_rng(int(seed))
    t_upper, t_lower = rng.uniform(0.0, np.pi, size=(2, n_per_moon))
    clean = np.vstack([
        np.column_stack([np.cos(t_upper), np.sin(t_upper)]),
        np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)]),
    ])
    clean = (clean - _MOON_CENTRE) * _MOON_SCALE + 5.0
    X = clean + rng.normal(scale=noise, size=clean.shape)
    low, high = _MARGIN, 10.0 - _MARGIN
    for _ in range(1000):
        outside = np.any((X < low) | (X > high), axis=1)
        if not outside.any():
            break
        X[outside] = clean[outside] + rng.normal(scale=noise, size=(int(outside.sum()), 2))
    else:  # pragma: no cover - only for absurd noise levels
        raise ValueError(f"noise = {noise} is too large to keep the points inside the square")
    return np.round(X, 2), np.repeat(np.array([0, 1], dtype=np.int64), n_per_moon)


@functools.lru_cache(maxsize=None)
def chapter_data(noise=0.75):
    """The chapter's training set (200 points, seed 0) and validation set (1000 points, seed 1).

    Cached (every frame of the interactive uses it); the arrays are read-only
    so that no caller can change the cached copy by accident.

    Returns
    -------
    X_train, y_train, X_val, y_val : ndarray

    Examples
    --------
    >>> X_train, y_train, X_val, y_val = chapter_data(0.75)
    >>> X_train.shape, X_val.shape
    ((200, 2), (1000, 2))
    """
    arrays = (*noisy_moons(noise, TRAIN_PER_MOON, TRAIN_SEED), *noisy_moons(noise, VALIDATION_PER_MOON, VALIDATION_SEED))
    for array in arrays:
        array.flags.writeable = False
    return arrays


@dataclass(frozen=True)
class ErrorCurves:
    """Training and validation error rates, one entry per ``k``.

    Attributes
    ----------
    ks : tuple of int
    train_error : ndarray of shape (len(ks),)
        Error on the training points themselves (each point is among its own
        neighbours, at distance 0).
    validation_error : ndarray of shape (len(ks),)
        Error on the validation points.
    weights : str
        The voting rule used: ``"uniform"`` or ``"distance"``.
    """

    ks: tuple
    train_error: np.ndarray
    validation_error: np.ndarray
    weights: str = "uniform"

    @property
    def best_k(self):
        """The ``k`` with the lowest validation error (see :func:`best_k`)."""
        return best_k(self.ks, self.validation_error)


def _check_ks(ks, n_samples):
    if isinstance(ks, (str, bytes)) or not hasattr(ks, "__iter__"):
        raise TypeError(f"ks must be a list of integers, got ks = {ks!r}")
    ks = tuple(check_positive_int(k, "k in ks") for k in ks)
    if not ks:
        raise ValueError("ks must hold at least one k, got an empty list")
    too_big = [k for k in ks if k > n_samples]
    if too_big:
        raise ValueError(
            f"every k in ks must be <= the number of training points ({n_samples}), got {too_big}"
        )
    return ks


def error_curves(X_train, y_train, X_val, y_val, ks=CURVE_KS, *, weights="uniform"):
    """Training and validation error of a ``KNNClassifier`` for each ``k`` in ``ks``.

    Parameters
    ----------
    X_train, y_train : array-like
        The training set (what the classifier stores).
    X_val, y_val : array-like
        Points the classifier has not seen.
    ks : sequence of int, default :data:`CURVE_KS`
        Each between 1 and the number of training points.
    weights : {"uniform", "distance"}, default "uniform"

    Returns
    -------
    ErrorCurves

    Examples
    --------
    Two training points per class on a line. The validation point 2.4 (class
    1) is nearest to the class 0 point at 2, so k = 1 gets it wrong; its three
    nearest (2, 3, 4) vote 1 to 2 for class 1, so k = 3 gets it right:

    >>> X = [[0.0], [2.0], [3.0], [4.0]]
    >>> y = [0, 0, 1, 1]
    >>> curves = error_curves(X, y, [[2.4]], [1], ks=[1, 3])
    >>> curves.train_error.tolist(), curves.validation_error.tolist()
    ([0.0, 0.0], [1.0, 0.0])
    """
    X_train = check_array(X_train, "X_train")
    X_val = check_array(X_val, "X_val")
    y_train, y_val = np.asarray(y_train), np.asarray(y_val)
    ks = _check_ks(ks, len(X_train))
    train_error, validation_error = [], []
    for k in ks:
        model = KNNClassifier(k=k, weights=weights).fit(X_train, y_train)
        train_error.append(np.mean(model.predict(X_train) != y_train))
        validation_error.append(np.mean(model.predict(X_val) != y_val))
    return ErrorCurves(ks, np.array(train_error), np.array(validation_error), weights)


def best_k(ks, errors):
    """The ``k`` with the lowest error; the smallest such ``k`` if several share it.

    Taking the first of equals is what ``GridSearchCV`` does with a grid in
    increasing order, so both choose the same ``k`` from the same scores.

    Examples
    --------
    >>> best_k([1, 3, 5, 7], [0.3, 0.1, 0.1, 0.2])
    3
    """
    errors = np.asarray(errors, dtype=np.float64)
    if errors.shape != (len(ks),):
        raise ValueError(f"errors must hold one value per k ({len(ks)}), got shape {errors.shape}")
    return int(ks[int(np.argmin(errors))])


@functools.lru_cache(maxsize=None)
def chapter_curves(noise=0.75, weights="uniform"):
    """:func:`error_curves` over :data:`CURVE_KS` on :func:`chapter_data` (cached).

    Examples
    --------
    >>> curves = chapter_curves(0.75)
    >>> curves.best_k, round(float(curves.validation_error.min()), 3)
    (11, 0.099)
    """
    return error_curves(*chapter_data(noise), CURVE_KS, weights=weights)


def cv_fold_scores(search):
    """The score of every (``k``, fold) pair out of a fitted ``GridSearchCV`` over ``k``.

    Parameters
    ----------
    search : sklearn.model_selection.GridSearchCV
        Fitted, with a grid over the single parameter ``"k"``.

    Returns
    -------
    ks : ndarray of int, shape (n_ks,)
        In the order of ``search.cv_results_``.
    scores : ndarray of shape (n_ks, n_folds)
        ``scores[i, j]``: the score of ``ks[i]`` on fold ``j``.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> X, y = noisy_moons(noise=0.5, n_per_moon=20)
    >>> search = GridSearchCV(KNNClassifier(), {"k": [1, 5, 9]}, cv=4).fit(X, y)
    >>> ks, scores = cv_fold_scores(search)
    >>> ks.tolist(), scores.shape
    ([1, 5, 9], (3, 4))
    """
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise ValueError("search is not fitted yet: call search.fit(X, y) first")
    if "param_k" not in results:
        raise ValueError(f"search must be a grid over 'k', got parameters {sorted(search.param_grid)}")
    n_folds = search.n_splits_
    ks = np.asarray(results["param_k"], dtype=np.int64)
    scores = np.column_stack([results[f"split{fold}_test_score"] for fold in range(n_folds)])
    return ks, scores


def labels_and_ties(model):
    """A function of points giving ``model``'s labels and tie mask from ONE ``predict_proba`` call.

    :func:`~knnlib.plotting.plot_decision_regions` given a fitted model calls
    both ``predict`` and ``predict_proba``, so it searches the neighbours
    twice; for large ``k`` the search is what takes the time. The label is the
    first class with the highest probability, which is the classifier's own
    rule (the highest score wins, a tie goes to the smallest label:
    probabilities are the scores divided by one common total).

    Examples
    --------
    >>> model = KNNClassifier(k=2).fit([[0.0], [1.0], [5.0]], [0, 1, 1])
    >>> labels, tied = labels_and_ties(model)(np.array([[0.4], [4.0]]))
    >>> labels.tolist(), tied.tolist()
    ([0, 1], [True, False])
    """

    def predict(points):
        proba = model.predict_proba(points)
        tied = (proba == proba.max(axis=1, keepdims=True)).sum(axis=1) >= 2
        return model.classes_[np.argmax(proba, axis=1)], tied

    return predict


def tie_share(X, y, k, *, weights="uniform", grid=100, extent=DEFAULT_EXTENT):
    """The share of a ``grid`` x ``grid`` lattice of cells whose vote is tied.

    A cell is tied when two or more classes have the same, highest score
    among its ``k`` neighbours (the tie then goes to the smallest label). With
    two classes and uniform votes that needs an even ``k``.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    One point of each class: with k = 2 every cell sees one vote each.

    >>> tie_share([[2.0, 5.0], [8.0, 5.0]], [0, 1], k=2, grid=10)
    1.0
    >>> tie_share([[2.0, 5.0], [8.0, 5.0]], [0, 1], k=1, grid=10)
    0.0
    """
    _, tied = labels_and_ties(KNNClassifier(k=k, weights=weights).fit(X, y))(_grid_cells(grid, extent))
    return float(np.mean(tied))


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------

# Curves are not classes, so they are drawn in greys, not in class colours.
_TRAIN_STYLE = {"color": "0.45", "linestyle": "--", "marker": "o", "markersize": 4}
_VALIDATION_STYLE = {"color": "black", "linestyle": "-", "marker": "o", "markersize": 4}


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _log_k_axis(ax, ks):
    ax.set_xscale("log")
    ticks = [t for t in (1, 3, 10, 30, 100, 300) if min(ks) <= t <= max(ks)] + [max(ks)]
    ax.set_xticks(sorted(set(ticks)))
    ax.set_xticklabels([str(t) for t in sorted(set(ticks))])
    ax.minorticks_off()
    ax.set_xlabel("k (number of neighbours, log scale)")


def plot_error_curves(curves, ax=None, *, current_k=None, mark_best=True, label_suffix="", color=None):
    """Training and validation error against ``k`` on the same axes.

    Parameters
    ----------
    curves : ErrorCurves
    ax : matplotlib Axes, optional
    current_k : int, optional
        Draw a vertical line at this ``k`` (the interactive's slider).
    mark_best : bool, default True
        Mark the ``k`` with the lowest validation error with a star.
    label_suffix : str
        Appended to the legend labels (to tell two sets of curves apart).
    color : matplotlib colour, optional
        One colour for both curves and the star (to draw a second set of
        curves beside the default greys).

    Returns
    -------
    dict
        ``"train"``, ``"validation"`` (Line2D), and if drawn ``"best"``
        (the star, a Line2D) and ``"current"`` (the vertical line).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> curves = ErrorCurves((1, 3, 5), np.array([0.0, 0.1, 0.2]), np.array([0.3, 0.2, 0.25]))
    >>> fig, ax = plt.subplots()
    >>> drawn = plot_error_curves(curves, ax=ax, current_k=5)
    >>> drawn["best"].get_xydata().tolist()
    [[3.0, 0.2]]
    >>> plt.close(fig)
    """
    ax = _get_ax(ax)
    ks = np.asarray(curves.ks)
    recolour = {} if color is None else {"color": color}
    drawn = {
        "train": ax.plot(ks, curves.train_error, label=f"training error{label_suffix}",
                         **{**_TRAIN_STYLE, **recolour})[0],
        "validation": ax.plot(ks, curves.validation_error, label=f"validation error{label_suffix}",
                              **{**_VALIDATION_STYLE, **recolour})[0],
    }
    if mark_best:
        k_star = curves.best_k
        error_star = curves.validation_error[list(curves.ks).index(k_star)]
        drawn["best"] = ax.plot([k_star], [error_star], linestyle="none", marker="*", markersize=16,
                                color=CLASS_COLORS[3] if color is None else color, markeredgecolor="black", zorder=5,
                                label=f"lowest validation error: k = {k_star}")[0]
    if current_k is not None:
        drawn["current"] = ax.axvline(current_k, color=CLASS_COLORS[0], linewidth=1.5, alpha=0.8,
                                      label=f"k = {current_k}")
    _log_k_axis(ax, ks)
    ax.set_ylabel("error rate (share misclassified)")
    ax.grid(True, alpha=0.3)
    return drawn


def plot_cv_scores(ks, fold_scores, ax=None, *, chosen_k=None):
    """Cross-validation accuracy against ``k``: every fold's score, their mean and spread.

    Parameters
    ----------
    ks : array-like of int, shape (n_ks,)
    fold_scores : array-like, shape (n_ks, n_folds)
        As returned by :func:`cv_fold_scores`.
    ax : matplotlib Axes, optional
    chosen_k : int, optional
        Marked with a vertical line (the ``k`` the search chose).

    Returns
    -------
    dict
        ``"folds"`` (PathCollection of the single scores), ``"mean"``
        (Line2D), ``"spread"`` (the band of mean +- one standard deviation),
        and ``"chosen"`` if drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> drawn = plot_cv_scores([1, 3], [[0.8, 0.9], [0.85, 0.95]], ax=ax, chosen_k=3)
    >>> drawn["mean"].get_ydata().tolist()
    [0.85, 0.9]
    >>> plt.close(fig)
    """
    ax = _get_ax(ax)
    ks = np.asarray(ks)
    fold_scores = np.asarray(fold_scores, dtype=np.float64)
    if fold_scores.ndim != 2 or fold_scores.shape[0] != len(ks):
        raise ValueError(
            f"fold_scores must have shape (len(ks), n_folds) = ({len(ks)}, n_folds), got {fold_scores.shape}"
        )
    mean, spread = fold_scores.mean(axis=1), fold_scores.std(axis=1)
    n_folds = fold_scores.shape[1]
    drawn = {
        "folds": ax.scatter(np.repeat(ks, n_folds), fold_scores.ravel(), s=14, color="0.55", alpha=0.7,
                            zorder=2, label=f"one fold ({n_folds} per k)"),
        "spread": ax.fill_between(ks, mean - spread, mean + spread, color=CLASS_COLORS[0], alpha=0.15,
                                  linewidth=0, label="mean ± 1 standard deviation"),
        "mean": ax.plot(ks, mean, color=CLASS_COLORS[0], marker="o", markersize=4, zorder=3,
                        label="mean over the folds")[0],
    }
    if chosen_k is not None:
        drawn["chosen"] = ax.axvline(chosen_k, color=CLASS_COLORS[3], linestyle=":", linewidth=2,
                                     label=f"chosen: k = {chosen_k}")
    _log_k_axis(ax, ks)
    ax.set_ylabel("accuracy on the held-out fold")
    ax.grid(True, alpha=0.3)
    return drawn


def _grid_cells(grid, extent=DEFAULT_EXTENT):
    """The cell centres :func:`~knnlib.plotting.plot_decision_regions` predicts at, in its order."""
    xs, ys = grid_centres(grid, extent)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.column_stack([grid_x.ravel(), grid_y.ravel()])


@functools.lru_cache(maxsize=None)
def _grid_neighbour_labels(noise, grid):
    """Class labels of ALL training points, nearest first, for every cell (cached, read-only).

    One search with k = n answers every k at once: the index returns the
    neighbours in (distance, index) order, the order a full stable sort
    gives, so the first k columns are exactly the k nearest. The explorer's
    frames share it instead of searching again for each k (for large k the
    search is what takes the time).
    """
    X_train, y_train, _, _ = chapter_data(noise)
    model = KNNClassifier(k=len(X_train)).fit(X_train, y_train)
    neighbours = model.kneighbors(_grid_cells(grid), return_distance=False)
    labels = y_train[neighbours].astype(np.int8)
    labels.flags.writeable = False
    return labels


def _explorer_regions(noise, k, grid):
    """``f(cells) -> (labels, tie_mask)`` for the explorer's grid, by knnlib's vote on the first k columns."""
    neighbour_labels = _grid_neighbour_labels(noise, grid)[:, :k]
    scores = class_scores(neighbour_labels, np.ones(neighbour_labels.shape), n_classes=2)
    labels, tied = majority_vote(scores), vote_ties(scores)

    def predict(cells):
        if not np.array_equal(cells, _grid_cells(grid)):
            raise ValueError("the explorer's regions are precomputed for its own grid of cells only")
        return labels, tied

    return predict


def draw_k_explorer(fig, *, k, noise, grid=80):
    """The chapter's interactive: the boundary at ``k`` beside the error curves.

    Left: the decision regions of a ``KNNClassifier(k)`` trained on the
    chapter's 200 training points at this ``noise`` (:func:`chapter_data`),
    the points on top. Right: training and validation error against ``k``
    (:func:`chapter_curves`), a line at the current ``k`` and a star at the
    lowest validation error. The title states both errors at ``k``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    k : int
        Between 1 and 200.
    noise : float
        One of :data:`NOISE_LEVELS` (any level >= 0 works; those are cached).
    grid : int, default 80
        Cells per side of the decision-region picture.

    Returns
    -------
    dict
        ``"regions"`` (:class:`~knnlib.plotting.DecisionRegions`),
        ``"curves"`` (what :func:`plot_error_curves` drew),
        ``"train_error"`` and ``"validation_error"`` (the numbers shown).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = draw_k_explorer(Figure(figsize=(9.5, 4)), k=1, noise=0.75, grid=20)
    >>> drawn["train_error"], drawn["validation_error"]
    (0.0, 0.16)
    """
    X_train, y_train, X_val, y_val = chapter_data(noise)
    k = check_positive_int(k, "k")
    if k > len(X_train):
        raise ValueError(f"k must be <= the {len(X_train)} training points, got k = {k}")
    curves = chapter_curves(noise)
    if k in curves.ks:  # computed already, by the same fit and predict
        train_error = float(curves.train_error[curves.ks.index(k)])
        validation_error = float(curves.validation_error[curves.ks.index(k)])
    else:
        one_k = error_curves(X_train, y_train, X_val, y_val, [k])
        train_error, validation_error = float(one_k.train_error[0]), float(one_k.validation_error[0])

    ax_regions, ax_curves = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
    regions = plot_decision_regions(_explorer_regions(noise, k, grid), X_train, y_train, ax=ax_regions, grid=grid)
    for points in regions.points:
        points.set_sizes([18])
    ax_regions.set_title(f"k = {k}, noise = {noise:g}")
    ax_regions.set_xticks([])
    ax_regions.set_yticks([])

    drawn_curves = plot_error_curves(curves, ax=ax_curves, current_k=k)
    ax_curves.set_ylim(-0.01, 0.5)  # a little room below 0, where the training error starts
    ax_curves.legend(loc="upper left", fontsize="small")
    ax_curves.set_title(f"at k = {k}: training error {train_error:.1%}, validation error {validation_error:.1%}",
                        fontsize="medium")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.14, top=0.9, wspace=0.18)
    return {"regions": regions, "curves": drawn_curves, "train_error": train_error,
            "validation_error": validation_error}
