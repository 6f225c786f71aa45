"""Figure helpers and the one palette every chapter and widget uses.

Colours come from the Okabe-Ito palette, designed to stay distinguishable
under the common forms of colour blindness. Colour is never the only cue:
each class also has its own marker shape, in the matplotlib figures and in
the playground's canvas alike (the widget receives the same lists through
:func:`palette_for_js`).

Every helper takes an optional matplotlib ``ax``, draws on it (on the
current axes when ``ax`` is None) and returns what it drew, so a notebook can
restyle or test the artists. matplotlib is imported inside the helpers only:
importing :mod:`knnlib.plotting` for the palette does not need it.

Class ``c`` means position ``c`` in the palette when the labels are small
non-negative integers (the book's convention: 0, 1, 2), so class 2 is green in
every chapter even when a subset holds no class-1 point. Any other labels
(strings, say) take the palette in sorted order.

Examples
--------
>>> from knnlib.plotting import CLASS_COLORS, CLASS_MARKERS
>>> CLASS_COLORS[:3]
('#0072B2', '#E69F00', '#009E73')
>>> CLASS_MARKERS[:3]
('o', '^', 's')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_array, check_positive_int

__all__ = [
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "CLASS_MARKER_NAMES",
    "DEFAULT_EXTENT",
    "REGION_COLORS",
    "TIE_COLOR",
    "DecisionRegions",
    "class_style",
    "grid_centres",
    "palette_for_js",
    "plot_decision_regions",
    "plot_neighbours",
    "plot_points",
]

#: Point colours, one per class: Okabe-Ito blue, orange, bluish green,
#: vermillion, reddish purple, sky blue, yellow.
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")

#: matplotlib marker codes, one per class (circle, triangle, square, diamond,
#: down-triangle, plus, cross).
CLASS_MARKERS = ("o", "^", "s", "D", "v", "P", "X")

#: The same shapes by name, for code that draws them itself (the widget's canvas).
CLASS_MARKER_NAMES = ("circle", "triangle", "square", "diamond", "triangle_down", "plus", "cross")

#: Colour of the hatching that marks tied cells.
TIE_COLOR = "#333333"

#: The plotting square of the presets and the playground: (x_min, x_max, y_min, y_max).
DEFAULT_EXTENT = (0.0, 10.0, 0.0, 10.0)

# How much of the class colour shows in a background region (the rest is white),
# light enough that points and hatching stay readable on top.
_REGION_STRENGTH = 0.3


def _hex_to_rgb(color):
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def _tint(color, strength):
    """``color`` mixed with white: ``strength`` of the colour, the rest white."""
    rgb = _hex_to_rgb(color)
    mixed = (round(255 - strength * (255 - c)) for c in rgb)
    return "#" + "".join(f"{c:02X}" for c in mixed)


#: Background colours of the predicted-class regions: light tints of CLASS_COLORS.
REGION_COLORS = tuple(_tint(c, _REGION_STRENGTH) for c in CLASS_COLORS)


def palette_for_js():
    """The palette as plain lists, ready to send to the browser.

    Returns
    -------
    dict
        ``colors``, ``region_colors``, ``markers`` (shape names) and
        ``tie_color``: JSON-serialisable lists and strings.

    Examples
    --------
    >>> palette = palette_for_js()
    >>> palette["colors"][0], palette["markers"][0], palette["region_colors"][0]
    ('#0072B2', 'circle', '#B2D5E8')
    """
    return {
        "colors": list(CLASS_COLORS),
        "region_colors": list(REGION_COLORS),
        "markers": list(CLASS_MARKER_NAMES),
        "tie_color": TIE_COLOR,
    }


def _class_positions(labels):
    """Palette position of each label (see the module docstring for the rule)."""
    labels = np.asarray(labels)
    if labels.dtype.kind in "iub" and labels.size and labels.min() >= 0 and labels.max() < len(CLASS_COLORS):
        return labels.astype(np.int64)
    classes, positions = np.unique(labels, return_inverse=True)
    if len(classes) > len(CLASS_COLORS):
        raise ValueError(
            f"the palette has {len(CLASS_COLORS)} colours, but y has {len(classes)} classes"
        )
    return positions.reshape(labels.shape)


def class_style(label):
    """Colour, marker and region colour of one integer class label.

    Examples
    --------
    >>> class_style(1)
    {'color': '#E69F00', 'marker': '^', 'region_color': '#F8E2B2'}
    >>> class_style(9)
    Traceback (most recent call last):
    ...
    ValueError: label must be an integer in 0..6 (one per palette colour), got label = 9
    """
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < len(CLASS_COLORS):
        raise ValueError(
            f"label must be an integer in 0..{len(CLASS_COLORS) - 1} (one per palette colour), "
            f"got label = {label!r}"
        )
    return {"color": CLASS_COLORS[label], "marker": CLASS_MARKERS[label], "region_color": REGION_COLORS[label]}


def grid_centres(grid, extent=DEFAULT_EXTENT):
    r"""Centres of a ``grid`` x ``grid`` lattice of cells covering ``extent``.

    Cell ``(row, col)`` (row 0 at the bottom) has its centre at

    .. math::

        x = x_{min} + (col + 0.5) \cdot \frac{x_{max} - x_{min}}{grid}, \qquad
        y = y_{min} + (row + 0.5) \cdot \frac{y_{max} - y_{min}}{grid}

    evaluated in exactly this order, which is also the order the playground's
    JavaScript uses, so both compute bit-identical centres.

    Parameters
    ----------
    grid : int >= 1
        Cells per side.
    extent : (x_min, x_max, y_min, y_max)

    Returns
    -------
    xs : ndarray of shape (grid,)
        Centre x of each column.
    ys : ndarray of shape (grid,)
        Centre y of each row.

    Examples
    --------
    >>> xs, ys = grid_centres(4, (0.0, 8.0, 0.0, 4.0))
    >>> xs
    array([1., 3., 5., 7.])
    >>> ys
    array([0.5, 1.5, 2.5, 3.5])
    """
    grid = check_positive_int(grid, "grid")
    x_min, x_max, y_min, y_max = _check_extent(extent)
    steps = np.arange(grid, dtype=np.float64) + 0.5
    xs = x_min + steps * ((x_max - x_min) / grid)
    ys = y_min + steps * ((y_max - y_min) / grid)
    return xs, ys


def _check_extent(extent):
    try:
        x_min, x_max, y_min, y_max = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise TypeError(
            f"extent must be four numbers (x_min, x_max, y_min, y_max), got {extent!r}"
        ) from None
    if not (np.isfinite([x_min, x_max, y_min, y_max]).all() and x_min < x_max and y_min < y_max):
        raise ValueError(
            f"extent must be finite with x_min < x_max and y_min < y_max, got {extent!r}"
        )
    return x_min, x_max, y_min, y_max


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def plot_points(X, y, ax=None, *, size=40, **scatter_kwargs):
    """Scatter 2-D points, one colour *and* one marker shape per class.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)
        Class labels.
    ax : matplotlib Axes, optional
        Drawn on the current axes if None.
    size : float
        Marker area in points^2.
    **scatter_kwargs
        Passed on to :meth:`matplotlib.axes.Axes.scatter`.

    Returns
    -------
    list of matplotlib.collections.PathCollection
        One per class present, in sorted label order, labelled ``"class <label>"``
        for a legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> artists = plot_points([[1, 1], [2, 2], [3, 1]], [0, 1, 1], ax=ax)
    >>> [a.get_label() for a in artists]
    ['class 0', 'class 1']
    >>> plt.close(fig)
    """
    X = check_array(X, "X")
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns to be drawn in the plane, got shape {X.shape}")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got shape {y.shape}")
    ax = _get_ax(ax)
    positions = _class_positions(y)
    artists = []
    for label in np.unique(y):
        members = y == label
        position = int(positions[members][0])
        style = {
            "s": size,
            "c": CLASS_COLORS[position],
            "marker": CLASS_MARKERS[position],
            "edgecolors": "black",
            "linewidths": 0.6,
            "zorder": 3,
            "label": f"class {label}",
        }
        style.update(scatter_kwargs)
        artists.append(ax.scatter(X[members, 0], X[members, 1], **style))
    return artists


@dataclass
class DecisionRegions:
    """What :func:`plot_decision_regions` drew, and the grid it drew from.

    Attributes
    ----------
    image : matplotlib.image.AxesImage
        The background, one cell per grid cell, tinted by predicted class.
    ties : matplotlib.collections.PatchCollection or None
        Hatched rectangles covering exactly the tied cells (None when no
        cell is tied, ties are not shown, or the model cannot report them).
    points : list of PathCollection
        The training points (empty if none were given).
    labels : ndarray of shape (grid, grid)
        Predicted label of each cell; row 0 is the bottom row.
    tie_mask : ndarray of bool, shape (grid, grid), or None
        Which cells had a tied vote (None when the model cannot report ties).
    neighbours : tuple or None
        (lines, marker) from :func:`plot_neighbours`, for figures that add a
        probe (the playground's static twin); None otherwise.
    """

    image: object
    ties: object
    points: list
    labels: np.ndarray
    tie_mask: np.ndarray | None
    neighbours: tuple | None = None


def _predict_cells(model_or_callable, cells):
    """Labels and tie mask (or None) for the (m, 2) array of cell centres."""
    if hasattr(model_or_callable, "predict"):
        model = model_or_callable
        if not hasattr(model, "classes_"):
            raise ValueError(
                f"{type(model).__name__} is not fitted yet: call .fit(X, y) before "
                f"plot_decision_regions"
            )
        labels = np.asarray(model.predict(cells))
        if hasattr(model, "predict_ties"):
            return labels, np.asarray(model.predict_ties(cells), dtype=bool)
        if hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(cells))
            # Equal scores give equal probabilities: a tie is a shared maximum.
            tied = (proba == proba.max(axis=1, keepdims=True)).sum(axis=1) >= 2
            return labels, tied
        return labels, None
    if callable(model_or_callable):
        result = model_or_callable(cells)
        if isinstance(result, tuple) and len(result) == 2:
            labels, tied = result
            return np.asarray(labels), np.asarray(tied, dtype=bool)
        return np.asarray(result), None
    raise TypeError(
        "model_or_callable must be a fitted classifier (with .predict) or a function "
        f"of an (m, 2) array of points, got {type(model_or_callable).__name__}"
    )


def _tie_rectangles(tie_mask, extent):
    """Axis-aligned rectangles covering the True cells, one per horizontal run.

    Merging each row's consecutive tied cells keeps the patch count small
    (a tie-heavy lattice has long runs), so drawing stays fast.
    """
    from matplotlib.patches import Rectangle

    grid_rows, grid_cols = tie_mask.shape
    x_min, x_max, y_min, y_max = extent
    width, height = (x_max - x_min) / grid_cols, (y_max - y_min) / grid_rows
    rectangles = []
    for row in range(grid_rows):
        padded = np.concatenate([[False], tie_mask[row], [False]])
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        for start, stop in zip(edges[::2], edges[1::2]):
            rectangles.append(
                Rectangle((x_min + start * width, y_min + row * height), (stop - start) * width, height)
            )
    return rectangles


def plot_decision_regions(
    model_or_callable, X=None, y=None, ax=None, grid=150, extent=DEFAULT_EXTENT, *, show_ties=True, hatch="////"
):
    """Shade the plane by predicted class and hatch the cells whose vote is tied.

    The plane (``extent``) is cut into ``grid`` x ``grid`` cells; each cell is
    predicted at its centre (:func:`grid_centres`), the same cells the
    playground shades.

    Parameters
    ----------
    model_or_callable : fitted classifier or callable
        A fitted classifier with ``predict`` (ties are found with its
        ``predict_ties`` method if it has one, else from ``predict_proba``:
        a tie is a top probability shared by two classes), or a function
        ``f(points) -> labels`` or ``f(points) -> (labels, tie_mask)`` of an
        ``(m, 2)`` array.
    X, y : array-like, optional
        Training points to draw on top (with :func:`plot_points`).
    ax : matplotlib Axes, optional
    grid : int, default 150
        Cells per side.
    extent : (x_min, x_max, y_min, y_max), default (0, 10, 0, 10)
    show_ties : bool, default True
        Hatch the tied cells.
    hatch : str
        matplotlib hatch pattern for tied cells.

    Returns
    -------
    DecisionRegions
        The artists (``image``, ``ties``, ``points``) and the data drawn
        (``labels``, ``tie_mask``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> def left_or_right(points):  # class 1 right of x = 5, a tie on the line
    ...     return (points[:, 0] > 5).astype(int), points[:, 0] == 5
    >>> drawn = plot_decision_regions(left_or_right, ax=ax, grid=4, extent=(0, 10, 0, 10))
    >>> drawn.labels
    array([[0, 0, 1, 1],
           [0, 0, 1, 1],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
    >>> drawn.ties is None  # no cell centre lies on x = 5
    True
    >>> plt.close(fig)
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import to_rgb

    extent = _check_extent(extent)
    xs, ys = grid_centres(grid, extent)
    grid_x, grid_y = np.meshgrid(xs, ys)  # row r holds y = ys[r]
    cells = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    labels, tie_mask = _predict_cells(model_or_callable, cells)
    if labels.shape != (cells.shape[0],):
        raise ValueError(
            f"the prediction must give one label per cell ({cells.shape[0]}), got shape {labels.shape}"
        )
    labels = labels.reshape(grid, grid)
    if tie_mask is not None:
        tie_mask = tie_mask.reshape(grid, grid)

    ax = _get_ax(ax)
    region_rgb = np.array([to_rgb(c) for c in REGION_COLORS])
    image = ax.imshow(
        region_rgb[_class_positions(labels)],
        origin="lower",
        extent=extent,
        interpolation="nearest",
        aspect="auto",
        zorder=0,
    )
    ties = None
    if show_ties and tie_mask is not None and tie_mask.any():
        ties = PatchCollection(
            _tie_rectangles(tie_mask, extent),
            facecolor="none",
            edgecolor=TIE_COLOR,
            linewidth=0.0,
            hatch=hatch,
            zorder=1,
            label="tied vote",
        )
        ax.add_collection(ties)
    points = []
    if X is not None:
        if y is None:
            raise ValueError("pass y together with X to draw the training points")
        points = plot_points(X, y, ax=ax)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    return DecisionRegions(image=image, ties=ties, points=points, labels=labels, tie_mask=tie_mask)


def plot_neighbours(query, X, indices, ax=None, *, color="0.2"):
    """Draw lines from ``query`` to its neighbours ``X[indices]`` and mark the query.

    Pass the ``indices`` returned by the very search that made the prediction
    (for instance ``model.kneighbors([query], return_distance=False)[0]``), so
    the picture cannot disagree with the answer.

    Parameters
    ----------
    query : array-like of shape (2,)
    X : array-like of shape (n_samples, 2)
        The training points the indices refer to.
    indices : array-like of int, shape (k,)
    ax : matplotlib Axes, optional
    color : matplotlib colour of the lines and the query marker.

    Returns
    -------
    lines : matplotlib.collections.LineCollection
        One segment per neighbour, in the order of ``indices``.
    marker : matplotlib.collections.PathCollection
        The query point (a star).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> lines, marker = plot_neighbours([0, 0], [[1, 0], [0, 2], [5, 5]], [0, 1], ax=ax)
    >>> [segment.tolist() for segment in lines.get_segments()]
    [[[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]]
    >>> plt.close(fig)
    """
    from matplotlib.collections import LineCollection

    query = np.asarray(query, dtype=np.float64)
    if query.shape != (2,):
        raise ValueError(f"query must be one 2-D point of shape (2,), got shape {query.shape}")
    X = check_array(X, "X")
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns, got shape {X.shape}")
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.dtype.kind not in "iu":
        raise TypeError(
            f"indices must be a 1-D array of integers (one query's neighbours), got "
            f"shape {indices.shape} and dtype {indices.dtype}"
        )
    if indices.size and (indices.min() < 0 or indices.max() >= len(X)):
        raise ValueError(
            f"indices must be rows of X (0..{len(X) - 1}), got values from {indices.min()} to {indices.max()}"
        )
    ax = _get_ax(ax)
    segments = [np.array([query, X[i]]) for i in indices]
    lines = LineCollection(segments, colors=color, linewidths=1.2, linestyles="--", zorder=2)
    ax.add_collection(lines)
    marker = ax.scatter(
        [query[0]], [query[1]], marker="*", s=220, c="white", edgecolors=color, linewidths=1.5, zorder=4,
        label="query",
    )
    return lines, marker
