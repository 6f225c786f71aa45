r"""Chapter 5, feature scaling: the penguins, who owns the distance, and the figures.

The chapter measures Palmer penguins (:func:`knnlib.datasets.load_penguins`)
by bill depth, in millimetres, and body mass, in grams. A Euclidean distance
adds the squared differences of the two features as if a millimetre and a
gram were the same size. Dividing body mass by a number of *grams per
millimetre* (an exchange rate) decides how many grams count as much as one
millimetre; the raw data uses 1 g per mm.

* :func:`squared_distance_shares`: which feature makes up the distances;
* :func:`scaling_pipelines`: KNN on raw features, after a z-score, after
  min-max scaling (the scaler inside a ``Pipeline``, so that
  cross-validation fits it on the training folds only);
* :func:`stretch_feature`, :func:`cv_accuracy_at_rate`: the exchange-rate
  view, and how accuracy depends on the rate;
* :func:`draw_penguin_neighbours` and :func:`draw_stretch_explorer`: one
  held-out penguin's neighbours and the boundary at a given rate (the
  chapter's interactive), returning the numbers they show.

Examples
--------
>>> import numpy as np
>>> X = np.array([[18.0, 3700.0], [15.0, 3800.0]])   # mm, g
>>> squared_distance_shares(X).round(4)   # 3 mm and 100 g apart: 9 + 10000
array([9.000e-04, 9.991e-01])
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from .._validation import check_array
from ..datasets import load_penguins
from ..estimators import KNNClassifier
from ..plotting import CLASS_COLORS, plot_decision_regions, plot_neighbours
from .choosing_k import labels_and_ties

__all__ = [
    "EXCHANGE_RATES",
    "EXPLORER_K",
    "PENGUIN_EXTENT",
    "PENGUIN_PAIR",
    "QUERY_INDEX",
    "RATE_CURVE",
    "chapter_cv",
    "cv_accuracy_at_rate",
    "draw_penguin_neighbours",
    "draw_stretch_explorer",
    "penguin_pair",
    "plot_rate_curve",
    "rate_curve",
    "scaling_pipelines",
    "squared_distance_shares",
    "stretch_feature",
]

#: The two features of the chapter's pictures: bill depth (mm) and body mass (g).
PENGUIN_PAIR = ("bill_depth_mm", "body_mass_g")

#: The interactive's choices: grams of body mass that count as much as 1 mm of
#: bill depth. 1 is the raw data; 400 is close to what z-scores do (the
#: standard deviations are about 801 g and 1.97 mm: 801 / 1.97 = 406).
EXCHANGE_RATES = (1, 10, 30, 100, 400, 1000, 3000, 10000)

#: The rates of the accuracy curve (a finer, log-spaced list around EXCHANGE_RATES).
RATE_CURVE = (1, 2, 5, 10, 20, 30, 50, 100, 200, 400, 700, 1000, 2000, 3000, 5000, 10000, 30000)

#: The held-out penguin the pictures follow: row 191 of ``load_penguins(PENGUIN_PAIR)``,
#: a light Gentoo (13.7 mm, 3950 g) that raw distances mistake for an Adelie.
QUERY_INDEX = 191

#: Neighbours in the chapter's pictures and accuracy table.
EXPLORER_K = 5


def chapter_cv():
    """The chapter's cross-validation: 5 stratified folds, shuffled with seed 0.

    Examples
    --------
    >>> chapter_cv()
    StratifiedKFold(n_splits=5, random_state=0, shuffle=True)
    """
    return StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def squared_distance_shares(X):
    r"""Each feature's share of the squared Euclidean distances between all pairs of rows.

    Over all ordered pairs :math:`(i, l)`, feature :math:`j` adds up to
    :math:`\sum_{i,l} (x_{ij} - x_{lj})^2 = 2 n^2 \sigma_j^2`, where
    :math:`\sigma_j^2` is the feature's (population) variance. So the share
    of feature :math:`j` in the total is

    .. math:: \frac{\sigma_j^2}{\sum_{j'} \sigma_{j'}^2}:

    a feature's say in the distances is its spread, squared, in whatever
    units it happens to be measured.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        At least two different rows.

    Returns
    -------
    shares : ndarray of shape (n_features,)
        Non-negative, summing to 1.

    Examples
    --------
    >>> squared_distance_shares([[0.0, 0.0], [3.0, 4.0]])   # 9 + 16 = 25
    array([0.36, 0.64])
    """
    X = check_array(X, "X")
    variances = X.var(axis=0)
    total = variances.sum()
    if total == 0:
        raise ValueError("X has no two different rows, so there are no distances to share out")
    return variances / total


def scaling_pipelines(k=EXPLORER_K):
    r"""KNN on the raw features, after a z-score, and after min-max scaling.

    Each scaler sits in a ``Pipeline`` in front of the classifier, so that
    ``fit`` learns the scaling from the training data only and ``predict``
    applies that same scaling to new points:

    * z-score (``StandardScaler``): :math:`(x - \mu) / \sigma`, with the
      mean and standard deviation of the training data;
    * min-max (``MinMaxScaler``): :math:`(x - \min) / (\max - \min)`, with
      the training data's extremes.

    Returns
    -------
    dict
        ``"raw"``, ``"z-score"``, ``"min-max"`` -> unfitted estimators.

    Examples
    --------
    >>> list(scaling_pipelines(k=5))
    ['raw', 'z-score', 'min-max']
    """
    return {
        "raw": KNNClassifier(k=k),
        "z-score": make_pipeline(StandardScaler(), KNNClassifier(k=k)),
        "min-max": make_pipeline(MinMaxScaler(), KNNClassifier(k=k)),
    }


def stretch_feature(X, grams_per_mm, column=1):
    """``X`` with one column divided by ``grams_per_mm`` (a copy).

    Dividing body mass by the rate makes ``grams_per_mm`` grams count as
    much as one millimetre in every distance.

    Examples
    --------
    >>> stretch_feature([[18.0, 4000.0]], 400)
    array([[18., 10.]])
    """
    X = check_array(X, "X")
    if isinstance(grams_per_mm, bool) or not isinstance(grams_per_mm, (int, float, np.integer, np.floating)) \
            or not np.isfinite(grams_per_mm) or grams_per_mm <= 0:
        raise ValueError(f"grams_per_mm must be a positive number, got grams_per_mm = {grams_per_mm!r}")
    stretched = X.copy()
    stretched[:, column] = stretched[:, column] / grams_per_mm
    return stretched


@functools.lru_cache(maxsize=None)
def penguin_pair():
    """``load_penguins(PENGUIN_PAIR)``, cached and read-only: X, y, feature_names, class_names.

    Examples
    --------
    >>> X, y, feature_names, class_names = penguin_pair()
    >>> X.shape, feature_names
    ((342, 2), ('bill_depth_mm', 'body_mass_g'))
    """
    X, y, feature_names, class_names = load_penguins(PENGUIN_PAIR)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y, tuple(feature_names), tuple(class_names)


def cv_accuracy_at_rate(X, y, grams_per_mm, *, k=EXPLORER_K, cv=None):
    """Mean cross-validated accuracy of KNN on ``X`` with column 1 divided by ``grams_per_mm``.

    The rate is a fixed number, not learned from the data, so dividing
    before the split leaks nothing.

    Examples
    --------
    >>> X, y, _, _ = penguin_pair()
    >>> round(cv_accuracy_at_rate(X, y, 1), 3)   # the raw data
    0.708
    """
    cv = chapter_cv() if cv is None else cv
    return float(cross_val_score(KNNClassifier(k=k), stretch_feature(X, grams_per_mm), y, cv=cv).mean())


@functools.lru_cache(maxsize=None)
def rate_curve(rates=RATE_CURVE, k=EXPLORER_K):
    """:func:`cv_accuracy_at_rate` on the penguins for each rate (cached): an array.

    Examples
    --------
    >>> rate_curve((1, 400)).round(3)
    array([0.708, 0.778])
    """
    X, y, _, _ = penguin_pair()
    return np.array([cv_accuracy_at_rate(X, y, rate, k=k) for rate in rates])


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------

#: The plotting window of the pictures: bill depth (mm) x body mass (g).
PENGUIN_EXTENT = (12.8, 22.0, 2500.0, 6500.0)


def _label_axes(ax, feature_names):
    names = {"bill_depth_mm": "bill depth (mm)", "body_mass_g": "body mass (g)"}
    ax.set_xlabel(names.get(feature_names[0], feature_names[0]))
    ax.set_ylabel(names.get(feature_names[1], feature_names[1]))


def draw_penguin_neighbours(ax, grams_per_mm, *, k=EXPLORER_K, query_index=QUERY_INDEX, grid=100,
                            show_legend=True):
    """One held-out penguin, its ``k`` neighbours and the boundary, at one exchange rate.

    The penguin ``query_index`` is taken out of the data; a ``KNNClassifier``
    is fitted on the other 341 with body mass divided by ``grams_per_mm``.
    The picture stays in millimetres and grams (the points never move); what
    changes with the rate is which penguins count as near, and so the
    dashed lines to the neighbours and the shaded regions.

    Parameters
    ----------
    ax : matplotlib Axes
    grams_per_mm : float > 0
    k : int, default 5
    query_index : int, default :data:`QUERY_INDEX`
    grid : int, default 100
        Cells per side of the shaded regions.
    show_legend : bool, default True

    Returns
    -------
    dict
        ``"regions"`` (:class:`~knnlib.plotting.DecisionRegions`),
        ``"neighbours"`` (indices into the full 342-penguin arrays, nearest
        first), ``"votes"`` (species name -> number of neighbours),
        ``"prediction"`` and ``"truth"`` (species names).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = draw_penguin_neighbours(Figure().subplots(), 1, grid=20)
    >>> drawn["truth"], drawn["prediction"], drawn["votes"]
    ('Gentoo', 'Adelie', {'Adelie': 3, 'Chinstrap': 2, 'Gentoo': 0})
    """
    X, y, feature_names, class_names = penguin_pair()
    others = np.flatnonzero(np.arange(len(X)) != query_index)
    model = KNNClassifier(k=k).fit(stretch_feature(X[others], grams_per_mm), y[others])
    query = X[query_index]
    stretched_query = stretch_feature(query[None, :], grams_per_mm)
    # The neighbours drawn come from the same search that makes the prediction.
    neighbour_rows = model.kneighbors(stretched_query, return_distance=False)[0]
    prediction = int(model.predict(stretched_query)[0])

    regions = plot_decision_regions(
        lambda cells: labels_and_ties(model)(stretch_feature(cells, grams_per_mm)),
        X[others], y[others], ax=ax, grid=grid, extent=PENGUIN_EXTENT,
    )
    for points, label in zip(regions.points, class_names):
        points.set_sizes([16])
        points.set_label(label)
    plot_neighbours(query, X[others], neighbour_rows, ax=ax, color="black")
    ax.set_aspect("auto")
    _label_axes(ax, feature_names)
    if show_legend:
        ax.legend(loc="upper right", fontsize="small", framealpha=0.9)

    neighbours = others[neighbour_rows]
    votes = {name: int(np.sum(y[neighbours] == code)) for code, name in enumerate(class_names)}
    return {
        "regions": regions,
        "neighbours": neighbours,
        "votes": votes,
        "prediction": class_names[prediction],
        "truth": class_names[y[query_index]],
    }


def plot_rate_curve(rates, accuracies, ax=None, *, current_rate=None):
    """Cross-validated accuracy against the exchange rate (log scale).

    Returns
    -------
    dict
        ``"curve"`` (Line2D) and, if drawn, ``"current"`` (the vertical line).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_rate_curve([1, 10, 100], [0.7, 0.75, 0.8], ax=ax)["curve"].get_ydata().tolist()
    [0.7, 0.75, 0.8]
    >>> plt.close(fig)
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    rates = np.asarray(rates, dtype=np.float64)
    accuracies = np.asarray(accuracies, dtype=np.float64)
    if accuracies.shape != rates.shape:
        raise ValueError(f"accuracies must hold one value per rate ({rates.size}), got shape {accuracies.shape}")
    drawn = {"curve": ax.plot(rates, accuracies, color="black", marker="o", markersize=4,
                              label="5-fold cross-validated accuracy")[0]}
    if current_rate is not None:
        drawn["current"] = ax.axvline(current_rate, color=CLASS_COLORS[0], linewidth=1.5,
                                      label=f"{current_rate:g} g per mm")
    ax.set_xscale("log")
    ax.set_xlabel("grams of body mass worth 1 mm of bill depth (log scale)")
    ax.set_ylabel("accuracy")
    ax.grid(True, alpha=0.3)
    return drawn


def draw_stretch_explorer(fig, *, grams_per_mm):
    """The chapter's interactive: the held-out penguin's neighbours beside accuracy against the rate.

    Left: :func:`draw_penguin_neighbours` at this rate. Right: the
    cross-validated accuracy of KNN (k = 5) for every rate of
    :data:`RATE_CURVE`, with the current rate marked; the title gives the
    accuracy at this rate and the neighbours' vote.

    Returns
    -------
    dict
        What :func:`draw_penguin_neighbours` returns, plus ``"accuracy"``
        (the cross-validated accuracy at this rate, as shown).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = draw_stretch_explorer(Figure(figsize=(10, 4.4)), grams_per_mm=400)
    >>> drawn["prediction"], round(drawn["accuracy"], 3)
    ('Gentoo', 0.778)
    """
    ax_neighbours, ax_curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
    drawn = draw_penguin_neighbours(ax_neighbours, grams_per_mm, show_legend=True)
    tally = ", ".join(f"{n} {name}" for name, n in drawn["votes"].items() if n)
    ax_neighbours.set_title(f"{grams_per_mm:g} g count as 1 mm: neighbours {tally}\n"
                            f"this {drawn['truth']} is predicted {drawn['prediction']}", fontsize="medium")

    X, y, _, _ = penguin_pair()
    accuracy = cv_accuracy_at_rate(X, y, grams_per_mm)
    plot_rate_curve(RATE_CURVE, rate_curve(), ax=ax_curve, current_rate=grams_per_mm)
    ax_curve.set_ylim(0.6, 0.85)
    ax_curve.set_title(f"accuracy at {grams_per_mm:g} g per mm: {accuracy:.3f}", fontsize="medium")
    ax_curve.legend(loc="lower center", fontsize="small")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
    drawn["accuracy"] = accuracy
    return drawn
