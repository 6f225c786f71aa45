r"""Figures and small computations for chapter 6, *Regression: predicting house prices*.

KNN regression predicts a number: the mean (or median) target of the ``k``
nearest training points,

.. math::

    \hat y(x) = \frac{1}{k} \sum_{i \in N_k(x)} y_i
    \qquad\text{or}\qquad
    \hat y(x) = \operatorname{median}\{\, y_i : i \in N_k(x) \,\}.

The chapter's data are the Ames house sales (:func:`knnlib.datasets.load_house_prices`),
living area against sale price. The computations, tested with plain numbers:

* :func:`chapter_data`: living area and price of the houses up to
  :data:`LARGE_HOUSE_AREA` square feet;
* :func:`prediction_steps`: the whole prediction curve of one feature, exactly,
  as the step function it is;
* :func:`explain_prediction`: one query's prediction and the neighbours that made it;
* :func:`fold_errors`: the mean absolute error of every (``k``, fold) pair of a
  fitted ``GridSearchCV``;
* :func:`kth_neighbour_ties`: which queries have a tie in distance at the
  ``k``-th neighbour (where two correct searches may pick different houses).

The ``plot_*`` functions draw one figure each on a matplotlib ``ax`` (the
current axes when ``ax`` is None) and return a dict of what they drew *and of
the numbers they printed*; :func:`draw_regression_explorer` is the chapter's
interactive (a pure function of its controls, for
:func:`knnlib.widgets.interactive_figure`). Every prediction and every
neighbour drawn comes from :class:`knnlib.KNNRegressor`. matplotlib is imported
inside the drawing functions only.
"""

from __future__ import annotations

import functools

import numpy as np

from .._validation import check_array, check_option, check_positive_int
from ..datasets import load_house_prices
from ..estimators import AGGREGATES, KNNRegressor
from ..plotting import CLASS_COLORS, plot_neighbours

__all__ = [
    "AGGREGATE_STYLES",
    "EXPLORER_AREAS",
    "EXPLORER_KS",
    "LARGE_HOUSE_AREA",
    "chapter_data",
    "chapter_steps",
    "draw_regression_explorer",
    "explain_prediction",
    "fold_errors",
    "format_dollars",
    "kth_neighbour_ties",
    "plot_error_against_k",
    "plot_mean_vs_median",
    "plot_prediction",
    "prediction_steps",
    "step_outline",
]

#: Houses larger than this (square feet) are left out of the chapter: De Cock
#: (2011) advises removing the five sales above 4000 sq ft before teaching
#: with the data (three partial sales of unfinished houses, two huge houses).
LARGE_HOUSE_AREA = 4000

#: Living areas (square feet) offered by the interactive's query slider.
EXPLORER_AREAS = (1000, 1600, 2300, 2800, 3400)

#: Neighbour counts offered by the interactive's ``k`` slider.
EXPLORER_KS = (1, 5, 20, 75)

#: Colour and line style of the mean and of the median in every figure of the
#: chapter (from the book's one palette; the line styles differ too).
AGGREGATE_STYLES = {
    "mean": {"color": CLASS_COLORS[0], "linestyle": "-"},
    "median": {"color": CLASS_COLORS[1], "linestyle": "--"},
}

_HOUSE_COLOR = "0.72"  # every house, in light grey: the data, not a class
_NEIGHBOUR_COLOR = CLASS_COLORS[3]  # vermillion: the k houses that make the prediction
_AREA_LABEL = "living area (square feet)"
_PRICE_LABEL = "sale price (US dollars)"


def format_dollars(value):
    """A price as the page writes it: ``"$252,070"`` (rounded to the dollar).

    Examples
    --------
    >>> format_dollars(252070.4), format_dollars(1e6)
    ('$252,070', '$1,000,000')
    """
    return f"${value:,.0f}"


def _plain(text):
    """``text`` for matplotlib, which would read a pair of ``$`` as mathematics."""
    return text.replace("$", r"\$")


def _price_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: _plain(f"${value / 1000:,.0f}k"))


@functools.lru_cache(maxsize=None)
def _chapter_arrays():
    houses = load_house_prices(["living_area"])
    keep = houses.data[:, 0] <= LARGE_HOUSE_AREA
    X, y = houses.data[keep], houses.target[keep]
    X.setflags(write=False)  # cached and shared: nobody may change it
    y.setflags(write=False)
    return X, y


def chapter_data():
    """Living area and sale price of the Ames houses up to :data:`LARGE_HOUSE_AREA` sq ft.

    Returns
    -------
    X : ndarray of shape (2925, 1), float64, read-only
        Living area in square feet (the one feature).
    y : ndarray of shape (2925,), float64, read-only
        Sale price in US dollars.

    Examples
    --------
    >>> X, y = chapter_data()
    >>> X.shape, y.shape, X.max() <= LARGE_HOUSE_AREA
    ((2925, 1), (2925,), np.True_)
    """
    return _chapter_arrays()


def _check_one_feature(X, y):
    X = check_array(X, "X")
    if X.shape[1] != 1:
        raise ValueError(f"X must have exactly one feature (one column), got shape {X.shape}")
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must hold one price per row of X ({X.shape[0]}), got shape {y.shape}")
    return X, y


def prediction_steps(X, y, k, aggregate="mean", x_range=None):
    r"""The whole one-feature prediction curve of KNN regression, exactly, as steps.

    With one feature, the ``k`` nearest training points of a query ``x`` are
    a window of ``k`` consecutive points in sorted order
    :math:`x_{(1)} \le \dots \le x_{(n)}`. As ``x`` moves right, the window
    starting at :math:`x_{(i)}` hands over to the one starting at
    :math:`x_{(i+1)}` exactly where ``x`` is as far from both ends:

    .. math::

        b_i = \frac{x_{(i)} + x_{(i+k)}}{2}, \qquad i = 1, \dots, n - k.

    Between two consecutive breakpoints the neighbours do not change, so
    neither does the prediction: the curve is a step function. Its value on
    each step is what :class:`knnlib.KNNRegressor` predicts at the step's
    middle (where nothing is tied). Neighbouring steps with the same value
    are merged.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1)
    y : array-like of shape (n_samples,)
    k : int, 1 <= k <= n_samples
    aggregate : {"mean", "median"}, default "mean"
    x_range : (float, float), optional
        The stretch of the axis to cover; default: from the smallest to the
        largest training ``x``.

    Returns
    -------
    edges : ndarray of shape (n_steps + 1,)
        Increasing; step ``j`` covers ``edges[j]`` to ``edges[j + 1]``.
    values : ndarray of shape (n_steps,)
        The prediction on each step. :func:`step_outline` turns both into
        a line to draw.

    Examples
    --------
    Three houses; with k = 2 the neighbours change once, halfway between the
    first and the third house (at (1 + 5) / 2 = 3):

    >>> edges, values = prediction_steps([[1.0], [2.0], [5.0]], [10.0, 20.0, 50.0], k=2)
    >>> edges.tolist(), values.tolist()
    ([1.0, 3.0, 5.0], [15.0, 35.0])
    """
    X, y = _check_one_feature(X, y)
    k = check_positive_int(k, "k")
    check_option(aggregate, "aggregate", AGGREGATES)
    model = KNNRegressor(k=k, aggregate=aggregate).fit(X, y)  # also checks k <= n_samples at predict
    x_sorted = np.sort(X[:, 0])
    low, high = (x_sorted[0], x_sorted[-1]) if x_range is None else (float(x_range[0]), float(x_range[1]))
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, got x_range = {x_range!r}")
    breaks = (x_sorted[:-k] + x_sorted[k:]) / 2 if k < len(x_sorted) else np.empty(0)
    breaks = np.unique(breaks[(breaks > low) & (breaks < high)])
    edges = np.concatenate([[low], breaks, [high]])
    values = model.predict(((edges[:-1] + edges[1:]) / 2)[:, None])
    # Keep an edge only where the value changes (a new window may hold the same prices' mean).
    changes = np.flatnonzero(values[1:] != values[:-1]) + 1
    return np.concatenate([[low], edges[changes], [high]]), values[np.concatenate([[0], changes])]


@functools.lru_cache(maxsize=None)
def chapter_steps(k, aggregate="mean"):
    """:func:`prediction_steps` on :func:`chapter_data` (cached: the interactive reuses it)."""
    edges, values = prediction_steps(*chapter_data(), k, aggregate)
    edges.setflags(write=False)
    values.setflags(write=False)
    return edges, values


def explain_prediction(X, y, query, k, aggregate="mean"):
    """One query's prediction, with the neighbours that made it.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    query : array-like of shape (n_features,)
    k : int
    aggregate : {"mean", "median"}, default "mean"

    Returns
    -------
    dict
        ``"prediction"`` (float, from ``KNNRegressor.predict``),
        ``"indices"`` (the ``k`` neighbours' rows of ``X``, nearest first,
        from the same fitted index), ``"distances"`` and ``"prices"``
        (``y`` of the neighbours, in the same order).

    Examples
    --------
    >>> X = [[50], [60], [70], [80], [85]]
    >>> price = [100.0, 120.0, 140.0, 160.0, 2000.0]
    >>> found = explain_prediction(X, price, [75], k=4)
    >>> found["indices"].tolist(), found["prediction"]
    ([2, 3, 4, 1], 605.0)
    >>> explain_prediction(X, price, [75], k=4, aggregate="median")["prediction"]
    150.0
    """
    X = check_array(X, "X")
    y = np.asarray(y, dtype=np.float64)
    query = np.asarray(query, dtype=np.float64).reshape(1, -1)
    model = KNNRegressor(k=k, aggregate=aggregate).fit(X, y)
    distances, indices = model.kneighbors(query)
    return {
        "prediction": float(model.predict(query)[0]),
        "indices": indices[0],
        "distances": distances[0],
        "prices": y[indices[0]],
    }


def fold_errors(search):
    """The mean absolute error of every (``k``, fold) pair of a fitted ``GridSearchCV``.

    Parameters
    ----------
    search : sklearn.model_selection.GridSearchCV
        Fitted with ``scoring="neg_mean_absolute_error"`` over one parameter
        (``"k"``, or ``"<step>__k"`` for a ``Pipeline``).

    Returns
    -------
    ks : ndarray of int, shape (n_ks,)
        The grid's values, in the order of ``search.cv_results_``.
    errors : ndarray of shape (n_ks, n_folds)
        ``errors[i, j]``: the mean absolute error of ``ks[i]`` on held-out fold ``j``.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV, KFold
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0.0, 10.0, 20.0, 30.0]
    >>> search = GridSearchCV(KNNRegressor(), {"k": [1, 2]}, cv=KFold(2),
    ...                       scoring="neg_mean_absolute_error").fit(X, y)
    >>> ks, errors = fold_errors(search)
    >>> ks.tolist(), errors.tolist()
    ([1, 2], [[15.0, 15.0], [20.0, 20.0]])
    """
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise ValueError("search is not fitted yet: call search.fit(X, y) first")
    if search.scoring != "neg_mean_absolute_error":
        raise ValueError(f"search must score with 'neg_mean_absolute_error', got scoring = {search.scoring!r}")
    params = [key for key in results if key.startswith("param_")]
    if len(params) != 1:
        raise ValueError(f"search must be a grid over one parameter (k), got {sorted(params)}")
    ks = np.asarray(results[params[0]], dtype=np.int64)
    errors = -np.column_stack([results[f"split{fold}_test_score"] for fold in range(search.n_splits_)])
    return ks, errors


def kth_neighbour_ties(model, X, k=None):
    """Which queries have a tie in distance at their ``k``-th neighbour.

    A query is *tied* when its ``k``-th and ``(k+1)``-th nearest training
    points are exactly as far away. Then the ``k`` nearest are not unique:
    knnlib keeps the smaller training index, another library may keep the
    other point, and if the two have different targets the predictions differ
    although both searches are correct.

    Parameters
    ----------
    model : fitted KNNRegressor or KNNClassifier
    X : array-like of shape (m, n_features)
        The queries, as the model sees them (already scaled, for instance).
    k : int, default ``model.k``

    Returns
    -------
    ndarray of bool, shape (m,)

    Examples
    --------
    The query 1.5 is as far from 1 as from 2:

    >>> model = KNNRegressor(k=1).fit([[1.0], [2.0], [4.0]], [0.0, 1.0, 2.0])
    >>> kth_neighbour_ties(model, [[1.5], [1.2]]).tolist()
    [True, False]
    """
    k = model.k if k is None else check_positive_int(k, "k")
    distances, _ = model.kneighbors(X, k=k + 1)
    return distances[:, k - 1] == distances[:, k]


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def step_outline(edges, values, window=None):
    """The corners of a step function, ready for ``ax.plot``: flat treads joined by risers.

    Parameters
    ----------
    edges : array-like of shape (n_steps + 1,)
    values : array-like of shape (n_steps,)
        As returned by :func:`prediction_steps`.
    window : (float, float), optional
        Keep only the steps that reach into this range (default: all).

    Returns
    -------
    x, y : ndarrays of shape (2 * n_kept,)
        Step ``j`` runs from ``(edges[j], values[j])`` to ``(edges[j + 1], values[j])``.

    Examples
    --------
    >>> x, y = step_outline([0.0, 1.0, 3.0], [5.0, 7.0])
    >>> x.tolist(), y.tolist()
    ([0.0, 1.0, 1.0, 3.0], [5.0, 5.0, 7.0, 7.0])
    """
    edges = np.asarray(edges, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if edges.shape != (len(values) + 1,):
        raise ValueError(f"edges must hold one more entry than values ({len(values) + 1}), got shape {edges.shape}")
    keep = np.ones(len(values), dtype=bool)
    if window is not None:
        keep = (edges[1:] >= window[0]) & (edges[:-1] <= window[1])
    x = np.column_stack([edges[:-1][keep], edges[1:][keep]]).ravel()
    y = np.repeat(values[keep], 2)
    return x, y


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _window(query_area, radius, x_range):
    """The zoom window around a query: wide enough to show all its neighbours."""
    half_width = max(100.0, 1.15 * radius)
    return max(x_range[0], query_area - half_width), min(x_range[1], query_area + half_width)


def plot_prediction(X, y, query_area, k, aggregate="mean", ax=None, *, window=None, steps=None):
    """Houses, the prediction curve, and one query's prediction with lines to its neighbours.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1)
        Living areas.
    y : array-like of shape (n_samples,)
        Prices.
    query_area : float
        The living area of the house to price.
    k : int
    aggregate : {"mean", "median"}, default "mean"
    ax : matplotlib Axes, optional
    window : (float, float), optional
        Show only living areas in this range (the prices shown are those of
        the houses inside it). Default: all houses.
    steps : (edges, values), optional
        The curve, if already computed by :func:`prediction_steps` for the
        same ``X``, ``y``, ``k`` and ``aggregate`` (default: computed here).

    Returns
    -------
    dict
        Artists: ``"houses"``, ``"neighbours"`` (PathCollections), ``"curve"``
        (Line2D of the steps), ``"lines"`` (LineCollection to the neighbours),
        ``"query"`` (the star at the prediction). Numbers: ``"prediction"``,
        ``"indices"`` (the neighbours' rows, nearest first), ``"edges"`` and
        ``"values"`` (the curve).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> drawn = plot_prediction([[1.0], [2.0], [5.0]], [10.0, 20.0, 50.0], 1.8, k=2, ax=ax)
    >>> drawn["prediction"], drawn["indices"].tolist()
    (15.0, [1, 0])
    >>> plt.close(fig)
    """
    X, y = _check_one_feature(X, y)
    ax = _get_ax(ax)
    found = explain_prediction(X, y, [query_area], k, aggregate)
    edges, values = prediction_steps(X, y, k, aggregate) if steps is None else steps
    style = AGGREGATE_STYLES[aggregate]
    if window is None:
        window = (min(X[:, 0].min(), query_area), max(X[:, 0].max(), query_area))
    inside = (X[:, 0] >= window[0]) & (X[:, 0] <= window[1])
    # Thousands of houses: small dots under the curve. A handful: big ones on top of it.
    few = inside.sum() <= 50
    drawn = {
        "houses": ax.scatter(X[inside, 0], y[inside], s=40 if few else 8, color="0.45" if few else _HOUSE_COLOR,
                             linewidths=0, zorder=4 if few else 1, label="a house sold"),
        "curve": ax.plot(*step_outline(edges, values, window), color=style["color"],
                         linestyle=style["linestyle"], linewidth=1.8, zorder=3,
                         label=f"prediction curve ({aggregate})")[0],
        "neighbours": ax.scatter(X[found["indices"], 0], found["prices"], s=36, color=_NEIGHBOUR_COLOR,
                                 edgecolors="black", linewidths=0.6, zorder=5, label=f"its {k} nearest"),
    }
    drawn["lines"], drawn["query"] = plot_neighbours(
        [query_area, found["prediction"]], np.column_stack([X[:, 0], y]), found["indices"], ax=ax)
    drawn["query"].set_label(_plain(f"prediction: {format_dollars(found['prediction'])}"))
    shown_prices = np.concatenate([y[inside], [found["prediction"]]])
    margin = 0.06 * (shown_prices.max() - shown_prices.min() + 1.0)
    ax.set_xlim(*window)
    ax.set_ylim(shown_prices.min() - margin, shown_prices.max() + margin)
    ax.yaxis.set_major_formatter(_price_formatter())
    ax.set_xlabel(_AREA_LABEL)
    ax.set_ylabel(_PRICE_LABEL)
    ax.grid(True, alpha=0.3)
    drawn.update(prediction=found["prediction"], indices=found["indices"], edges=edges, values=values)
    return drawn


def draw_regression_explorer(fig, *, area, k, aggregate):
    """The chapter's interactive: price a house of ``area`` sq ft from its ``k`` nearest.

    Left: every house of :func:`chapter_data` with the whole prediction curve
    and the query. Right: a zoom on the query, wide enough to hold its ``k``
    neighbours, with dashed lines from the prediction (the star) to each of
    them. The title gives the prediction and, for comparison, the other
    aggregate's.

    Returns
    -------
    dict
        ``"overview"`` and ``"zoom"``: what :func:`plot_prediction` drew on
        each panel; ``"other"``: the other aggregate's prediction.
    """
    X, y = chapter_data()
    steps = chapter_steps(k, aggregate)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
    overview = plot_prediction(X, y, area, k, aggregate, ax=axes[0], steps=steps)
    overview["lines"].set_visible(False)  # too small to see at this scale: the zoom shows them
    x_range = (float(X[:, 0].min()), float(X[:, 0].max()))
    radius = float(abs(X[overview["indices"][-1], 0] - area))
    window = _window(area, radius, x_range)
    axes[0].axvspan(*window, color=_NEIGHBOUR_COLOR, alpha=0.12, zorder=0, label="zoom (right)")
    axes[0].set_title("all houses", fontsize=10)
    axes[0].legend(loc="upper left", fontsize=7.5, framealpha=0.9)
    zoom = plot_prediction(X, y, area, k, aggregate, ax=axes[1], window=window, steps=steps)
    axes[1].set_ylabel("")
    axes[1].set_title(f"zoom on {area:,} sq ft", fontsize=10)
    other_name = "median" if aggregate == "mean" else "mean"
    other = explain_prediction(X, y, [area], k, other_name)["prediction"]
    fig.suptitle(_plain(
        f"{area:,} sq ft, k = {k}: the {aggregate} of the neighbours' prices is "
        f"{format_dollars(overview['prediction'])}  ({other_name}: {format_dollars(other)})"),
        fontsize=10.5,
    )
    # Fixed margins, not a layout engine: every frame keeps its axes in the
    # same place (and drawing is twice as fast).
    fig.subplots_adjust(left=0.1, right=0.985, bottom=0.13, top=0.86, wspace=0.17)
    return {"overview": overview, "zoom": zoom, "other": other}


def plot_mean_vs_median(price_sets, ax=None):
    """A few sets of prices on number lines, each with its mean and its median marked.

    Parameters
    ----------
    price_sets : dict of str -> array-like of float
        One row per entry, top to bottom: a label and the prices.
    ax : matplotlib Axes, optional

    Returns
    -------
    dict
        ``"means"``, ``"medians"``: the numbers, one per row; ``"points"``,
        ``"mean_marks"``, ``"median_marks"``: the artists.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> drawn = plot_mean_vs_median({"all": [1.0, 2.0, 3.0, 10.0], "cheap": [1.0, 2.0, 3.0]}, ax=ax)
    >>> drawn["means"], drawn["medians"]
    ([4.0, 2.0], [2.5, 2.0])
    >>> plt.close(fig)
    """
    if not isinstance(price_sets, dict) or not price_sets:
        raise TypeError(f"price_sets must be a non-empty dict of label -> prices, got {price_sets!r}")
    ax = _get_ax(ax)
    drawn = {"means": [], "medians": [], "points": [], "mean_marks": [], "median_marks": []}
    rows = list(price_sets.items())
    for row, (label, prices) in enumerate(rows):
        prices = np.asarray(prices, dtype=np.float64)
        height = len(rows) - 1 - row
        mean, median = float(np.mean(prices)), float(np.median(prices))
        ax.axhline(height, color="0.85", linewidth=1, zorder=0)
        drawn["points"].append(ax.scatter(prices, np.full(len(prices), height), s=60, color=_NEIGHBOUR_COLOR,
                                          edgecolors="black", linewidths=0.6, zorder=3,
                                          label="a neighbour's price" if row == 0 else None))
        for name, value, marks in (("mean", mean, "mean_marks"), ("median", median, "median_marks")):
            style = AGGREGATE_STYLES[name]
            drawn[marks].append(ax.plot([value, value], [height - 0.28, height + 0.28], linewidth=2.5,
                                        zorder=2, label=name if row == 0 else None, **style)[0])
            above = name == "mean"
            ax.annotate(_plain(f"{name} {format_dollars(value)}"), (value, height + (0.3 if above else -0.3)),
                        ha="center", va="bottom" if above else "top", fontsize=8.5, color=style["color"])
        drawn["means"].append(mean)
        drawn["medians"].append(median)
    ax.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)])
    ax.set_ylim(-0.75, len(rows) - 0.25)
    ax.xaxis.set_major_formatter(_price_formatter())
    ax.set_xlabel(_PRICE_LABEL)
    ax.legend(loc="lower right", fontsize=8, ncols=3)
    return drawn


def plot_error_against_k(curves, ax=None):
    """Cross-validated mean absolute error against ``k``, one line per model.

    Parameters
    ----------
    curves : dict of str -> (ks, errors)
        For each model's label, what :func:`fold_errors` returns: the ``k``
        values and the (n_ks, n_folds) errors.
    ax : matplotlib Axes, optional

    Returns
    -------
    dict of str -> dict
        For each label: ``"line"`` (Line2D of the mean over folds),
        ``"band"`` (mean +- one standard deviation over folds), ``"best"``
        (the star), and the numbers ``"best_k"`` (lowest mean error; the
        smallest such ``k`` if several share it, as ``GridSearchCV`` picks)
        and ``"best_error"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> drawn = plot_error_against_k({"one": ([1, 5, 20], [[3.0, 5.0], [2.0, 2.0], [2.5, 2.5]])}, ax=ax)
    >>> drawn["one"]["best_k"], drawn["one"]["best_error"]
    (5, 2.0)
    >>> plt.close(fig)
    """
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves must be a non-empty dict of label -> (ks, errors), got {curves!r}")
    ax = _get_ax(ax)
    drawn = {}
    markers = ("o", "s", "^", "D")
    for position, (label, (ks, errors)) in enumerate(curves.items()):
        ks = np.asarray(ks)
        errors = np.asarray(errors, dtype=np.float64)
        if errors.ndim != 2 or errors.shape[0] != len(ks):
            raise ValueError(
                f"errors of {label!r} must have shape (len(ks), n_folds) = ({len(ks)}, n_folds), "
                f"got {errors.shape}"
            )
        mean, spread = errors.mean(axis=1), errors.std(axis=1)
        color = CLASS_COLORS[position % len(CLASS_COLORS)]
        best = int(np.argmin(mean))
        drawn[label] = {
            "band": ax.fill_between(ks, mean - spread, mean + spread, color=color, alpha=0.15, linewidth=0),
            "line": ax.plot(ks, mean, color=color, marker=markers[position % len(markers)], markersize=4,
                            label=label)[0],
            "best": ax.plot([ks[best]], [mean[best]], linestyle="none", marker="*", markersize=15, color=color,
                            markeredgecolor="black", zorder=5)[0],
            "best_k": int(ks[best]),
            "best_error": float(mean[best]),
        }
        ax.annotate(_plain(f"k = {ks[best]}: {format_dollars(mean[best])}"), (ks[best], mean[best]),
                    xytext=(0, -14), textcoords="offset points", ha="center", va="top", fontsize=8.5,
                    color=color)
    all_ks = sorted({int(k) for ks, _ in curves.values() for k in ks})
    ax.set_xscale("log")
    ticks = [t for t in (1, 3, 10, 30, 100, 300) if all_ks[0] <= t <= all_ks[-1]] + [all_ks[-1]]
    ax.set_xticks(sorted(set(ticks)), [str(t) for t in sorted(set(ticks))])
    ax.minorticks_off()
    ax.set_xlabel("k (number of neighbours, log scale)")
    n_folds = {np.asarray(errors).shape[1] for _, errors in curves.values()}
    ax.set_ylabel("mean absolute error" + (f", {n_folds.pop()}-fold CV" if len(n_folds) == 1 else ""))
    ax.set_ylim(bottom=0)  # from zero, so that the gaps between the curves read as ratios
    ax.yaxis.set_major_formatter(_price_formatter())
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8.5, loc="lower left")
    return drawn
