"""The KNN playground: an anywidget whose canvas is shaded by KNN's predictions.

Two halves:

* :class:`Playground`, the widget. Its state (the points, k, the metric, ...)
  lives in traitlets synced with the browser; the browser half
  (``playground.js``) computes the prediction of every grid cell itself, so
  the widget keeps working in the static book, where no Python runs.
* :func:`predict_grid`, the same computation in Python with knnlib: the pure
  callback that the static twin figure (:func:`plot_playground`) draws and the
  tests compare the JavaScript against, cell for cell, ties included.

Examples
--------
>>> from knnlib.widgets import Playground
>>> pg = Playground(preset="xor", k=3)
>>> pg.X.shape, pg.y.shape
((80, 2), (80,))
>>> pg.set_data([[1.0, 1.0], [2.0, 2.0], [8.0, 8.0]], [0, 0, 1])
>>> pg.X
array([[1., 1.],
       [2., 2.],
       [8., 8.]])
>>> pg.preset  # the points are no longer a preset
''
"""

from __future__ import annotations

import pathlib

import anywidget
import numpy as np
import traitlets

from .._validation import check_array, check_option
from ..datasets import PRESET_BOUNDS, PRESETS, load_preset
from ..estimators import KNNClassifier
from ..plotting import (
    DEFAULT_EXTENT,
    _check_extent,
    grid_centres,
    palette_for_js,
    plot_decision_regions,
    plot_neighbours,
)
from ..vote import class_scores, majority_vote, neighbor_weights, vote_ties

__all__ = ["PLAYGROUND_METRICS", "Playground", "plot_playground", "predict_cells", "predict_grid"]

#: Metrics offered by the playground (the ones its JavaScript implements).
PLAYGROUND_METRICS = ("euclidean", "manhattan", "chebyshev")
_WEIGHTS = ("uniform", "distance")
_MAX_CLASSES = 3
_K_MAX = 50
_GRID_MIN, _GRID_MAX = 150, 400

_HERE = pathlib.Path(__file__).parent


def _check_labels(y, n_samples=None, name="y"):
    """``y`` as an int64 array of labels in 0 .. _MAX_CLASSES - 1."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}")
    if y.size and y.dtype.kind not in "iu":
        if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}: {y[:5]!r}...")
    y = y.astype(np.int64)
    bad = (y < 0) | (y >= _MAX_CLASSES)
    if bad.any():
        raise ValueError(
            f"{name} must hold class labels 0..{_MAX_CLASSES - 1} (the playground shows up to "
            f"{_MAX_CLASSES} classes), got {name} = {y[bad][0]} at position {int(np.flatnonzero(bad)[0])}"
        )
    if n_samples is not None and y.shape[0] != n_samples:
        raise ValueError(f"{name} has {y.shape[0]} labels, but X has {n_samples} points")
    return y


def _check_points(X, extent, name="X"):
    """``X`` as an (n, 2) float64 array inside ``extent`` (zero rows allowed)."""
    X = check_array(X, name, allow_empty=True)
    if X.shape[1] != 2:
        raise ValueError(f"{name} must have 2 columns (x, y), got shape {X.shape}")
    x_min, x_max, y_min, y_max = extent
    outside = (X[:, 0] < x_min) | (X[:, 0] > x_max) | (X[:, 1] < y_min) | (X[:, 1] > y_max)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise ValueError(
            f"{name} has {int(outside.sum())} point(s) outside the canvas "
            f"[{x_min}, {x_max}] x [{y_min}, {y_max}]; the first is row {row}: {X[row].tolist()}"
        )
    return X


def predict_cells(X, y, cells, k=5, metric="euclidean", weights="uniform"):
    """Predicted label and tie flag of each query point, by knnlib's rules.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Training points.
    y : array-like of int, shape (n_samples,)
    cells : array-like of shape (m, 2)
        Query points.
    k : int, 1 <= k <= n_samples
    metric : {"euclidean", "manhattan", "chebyshev"}
    weights : {"uniform", "distance"}

    Returns
    -------
    labels : ndarray of shape (m,)
        What ``KNNClassifier(k, metric=metric, weights=weights).fit(X, y).predict(cells)`` returns.
    tied : ndarray of bool, shape (m,)
        Whether two or more classes share the top score.

    Examples
    --------
    Class 0 above and below the origin, class 1 left and right of it. With
    k = 4 every query sees all four points: a 2-2 tie, which goes to the
    smaller label. With k = 3, the query (0, 0.9) sees (0, 1) of class 0
    first, then both class-1 points (tied in distance), which out-vote it.

    >>> X = [[0, 1], [0, -1], [1, 0], [-1, 0]]
    >>> predict_cells(X, [0, 0, 1, 1], [[0, 0], [0, 0.9]], k=4)
    (array([0, 0]), array([ True,  True]))
    >>> predict_cells(X, [0, 0, 1, 1], [[0, 0.9]], k=3)
    (array([1]), array([False]))
    """
    check_option(metric, "metric", PLAYGROUND_METRICS)
    check_option(weights, "weights", _WEIGHTS)
    # Brute force: the playground's own search, and exact like every knnlib index.
    model = KNNClassifier(k=k, metric=metric, weights=weights, algorithm="brute").fit(X, y)
    dist, ind = model.kneighbors(cells)
    # The estimator's vote, kept as scores so the ties can be read off too.
    codes = np.searchsorted(model.classes_, np.asarray(y))
    scores = class_scores(codes[ind], neighbor_weights(dist, weights), len(model.classes_))
    return model.classes_[majority_vote(scores)], vote_ties(scores)


def predict_grid(X, y, k=5, metric="euclidean", weights="uniform", grid=150, extent=DEFAULT_EXTENT):
    """The playground's picture: predicted label and tie flag of every grid cell.

    The cells are those of :func:`knnlib.plotting.grid_centres` (each cell is
    predicted at its centre), the same cells the widget's JavaScript shades.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    y : array-like of int, shape (n_samples,)
    k : int, 1 <= k <= n_samples
    metric : {"euclidean", "manhattan", "chebyshev"}
    weights : {"uniform", "distance"}
    grid : int
        Cells per side.
    extent : (x_min, x_max, y_min, y_max)

    Returns
    -------
    labels : ndarray of shape (grid, grid)
        ``labels[row, col]``; row 0 is the bottom row.
    ties : ndarray of bool, shape (grid, grid)

    Examples
    --------
    One point of each class, both voting (k = 2) with weights 1 / distance:
    the boundary is the perpendicular bisector x = 5, and the cells whose
    centre is on it (the middle column) are exact ties, won by label 0.

    >>> labels, ties = predict_grid([[2.5, 5], [7.5, 5]], [0, 1], k=2, weights="distance", grid=5)
    >>> labels
    array([[0, 0, 0, 1, 1],
           [0, 0, 0, 1, 1],
           [0, 0, 0, 1, 1],
           [0, 0, 0, 1, 1],
           [0, 0, 0, 1, 1]])
    >>> ties[0]
    array([False, False,  True, False, False])
    """
    xs, ys = grid_centres(grid, extent)
    grid_x, grid_y = np.meshgrid(xs, ys)
    cells = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    labels, ties = predict_cells(X, y, cells, k=k, metric=metric, weights=weights)
    return labels.reshape(grid, grid), ties.reshape(grid, grid)


def plot_playground(X, y, k=5, metric="euclidean", weights="uniform", *, grid=150, probe=None, ax=None):
    """The playground's picture as a matplotlib figure (the widget's static twin).

    Shades :func:`predict_grid`'s labels, hatches its ties, draws the points
    and, if ``probe`` is given, the lines to the probe's k neighbours.

    Returns
    -------
    knnlib.plotting.DecisionRegions
        With ``neighbours`` set to the probe's (lines, marker), or None.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> X, y = load_preset("sparse")
    >>> drawn = plot_playground(X, y, k=7, ax=ax)
    >>> sorted(set(drawn.labels.ravel().tolist()))  # class 1 has vanished
    [0]
    >>> plt.close(fig)
    """
    X = _check_points(X, DEFAULT_EXTENT)
    y = _check_labels(y, len(X))

    def predict(cells):
        return predict_cells(X, y, cells, k=k, metric=metric, weights=weights)

    drawn = plot_decision_regions(predict, X, y, ax=ax, grid=grid, extent=DEFAULT_EXTENT)
    if probe is not None:
        model = KNNClassifier(k=k, metric=metric, weights=weights, algorithm="brute").fit(X, y)
        indices = model.kneighbors([probe], return_distance=False)[0]
        drawn.neighbours = plot_neighbours(probe, X, indices, ax=drawn.image.axes)
    return drawn


def _preset_state():
    """Every preset's points, embedded in the widget state for the kernel-less book."""
    state = {}
    for name, title in PRESETS.items():
        X, y = load_preset(name)
        state[name] = {
            "title": title.split(":")[0],
            "points": X.tolist(),
            "labels": y.tolist(),
            "n_classes": max(2, int(y.max()) + 1),
        }
    return state


class _TypeErrors:
    """Make a trait report a value of the wrong type as ``TypeError``, not ``TraitError``."""

    def error(self, obj, value, error=None, info=None):
        try:
            super().error(obj, value, error, info)
        except traitlets.TraitError as exc:
            raise TypeError(str(exc)) from None


class _Int(_TypeErrors, traitlets.Int):
    pass


class _Bool(_TypeErrors, traitlets.Bool):
    pass


class _Unicode(_TypeErrors, traitlets.Unicode):
    pass


class _List(_TypeErrors, traitlets.List):
    pass


class Playground(anywidget.AnyWidget):
    """Click-to-add-points KNN classification on a canvas, live and in the static book.

    Parameters
    ----------
    preset : str, default "moons"
        The starting data, a key of :data:`knnlib.datasets.PRESETS`, or ""
        for an empty canvas.
    k : int, default 5
        Number of neighbours that vote (1..50; the slider goes to 25).
    metric : {"euclidean", "manhattan", "chebyshev"}
    weights : {"uniform", "distance"}
    grid : int, default 150
        Cells per side of the shaded background (150..400).
    **kwargs
        Any other trait: ``n_classes`` (2 or 3), ``active_class``,
        ``show_ties``, ``probe`` ([x, y] or []).

    Attributes
    ----------
    X : ndarray of shape (n_points, 2)
        The training points on the canvas (a copy; assign to replace them).
    y : ndarray of int, shape (n_points,)
        Their class labels.

    Notes
    -----
    The synced state is plain JSON: ``points`` (a list of [x, y]) and
    ``labels`` (a list of ints) hold the data; :attr:`X` and :attr:`y` are
    NumPy views of them for the next cell,
    ``KNNClassifier().fit(pg.X, pg.y)``. The front end predicts every cell
    itself, following knnlib's rules exactly; :meth:`predict_grid` is the
    Python version of the picture.
    """

    _esm = _HERE / "playground.js"
    _css = _HERE / "playground.css"

    points = _List(_List(traitlets.Float(), minlen=2, maxlen=2)).tag(sync=True)
    labels = _List(_Int()).tag(sync=True)
    k = _Int(5).tag(sync=True)
    metric = _Unicode("euclidean").tag(sync=True)
    weights = _Unicode("uniform").tag(sync=True)
    n_classes = _Int(2).tag(sync=True)
    active_class = _Int(0).tag(sync=True)
    show_ties = _Bool(True).tag(sync=True)
    preset = _Unicode("").tag(sync=True)
    grid = _Int(_GRID_MIN).tag(sync=True)
    extent = _List(traitlets.Float(), minlen=4, maxlen=4, default_value=list(PRESET_BOUNDS)).tag(sync=True)
    probe = _List(traitlets.Float(), maxlen=2).tag(sync=True)
    palette = traitlets.Dict().tag(sync=True)
    presets = traitlets.Dict().tag(sync=True)

    def __init__(self, preset="moons", k=5, metric="euclidean", weights="uniform", grid=_GRID_MIN, **kwargs):
        super().__init__(
            palette=palette_for_js(), presets=_preset_state(), k=k, metric=metric, weights=weights,
            grid=grid, **kwargs,
        )
        self.preset = preset

    # -- validation of values set from Python or from the browser ------------
    @traitlets.validate("k")
    def _valid_k(self, proposal):
        k = proposal.value
        if isinstance(k, bool) or not 1 <= k <= _K_MAX:
            raise ValueError(f"k must be an integer from 1 to {_K_MAX}, got k = {k!r}")
        return k

    @traitlets.validate("metric")
    def _valid_metric(self, proposal):
        return check_option(proposal.value, "metric", PLAYGROUND_METRICS)

    @traitlets.validate("weights")
    def _valid_weights(self, proposal):
        return check_option(proposal.value, "weights", _WEIGHTS)

    @traitlets.validate("n_classes")
    def _valid_n_classes(self, proposal):
        if proposal.value not in (2, 3) or isinstance(proposal.value, bool):
            raise ValueError(f"n_classes must be 2 or 3, got n_classes = {proposal.value!r}")
        return proposal.value

    @traitlets.validate("active_class")
    def _valid_active_class(self, proposal):
        n_pickable = max(self.n_classes, max(self.labels, default=0) + 1)
        if isinstance(proposal.value, bool) or not 0 <= proposal.value < n_pickable:
            raise ValueError(
                f"active_class must be a class shown in the picker, 0..{n_pickable - 1}, "
                f"got active_class = {proposal.value!r}"
            )
        return proposal.value

    @traitlets.validate("grid")
    def _valid_grid(self, proposal):
        if isinstance(proposal.value, bool) or not _GRID_MIN <= proposal.value <= _GRID_MAX:
            raise ValueError(
                f"grid must be from {_GRID_MIN} to {_GRID_MAX} cells per side, got grid = {proposal.value!r}"
            )
        return proposal.value

    @traitlets.validate("preset")
    def _valid_preset(self, proposal):
        if proposal.value != "":
            check_option(proposal.value, "preset", tuple(PRESETS))
        return proposal.value

    @traitlets.validate("labels")
    def _valid_labels(self, proposal):
        return _check_labels(proposal.value, name="labels").tolist()

    @traitlets.validate("extent")
    def _valid_extent(self, proposal):
        return list(_check_extent(proposal.value))

    @traitlets.validate("probe")
    def _valid_probe(self, proposal):
        if len(proposal.value) not in (0, 2):
            raise ValueError(f"probe must be [x, y] or [] (no probe), got probe = {proposal.value!r}")
        return proposal.value

    @traitlets.observe("preset")
    def _load_preset(self, change):
        name = change["new"]
        if name:
            data = self.presets[name]
            with self.hold_sync():
                self.points, self.labels = data["points"], data["labels"]
                self.n_classes = data["n_classes"]
                if self.active_class >= self.n_classes:
                    self.active_class = 0

    @traitlets.observe("n_classes", "labels")
    def _keep_active_class_pickable(self, change):
        if self.active_class >= max(self.n_classes, max(self.labels, default=0) + 1):
            self.active_class = 0

    # -- the data as NumPy arrays -----------------------------------------------
    @property
    def X(self):
        """The points on the canvas as an (n_points, 2) float64 array (a copy)."""
        return np.array(self.points, dtype=np.float64).reshape(-1, 2)

    @X.setter
    def X(self, value):
        X = _check_points(value, self.extent)
        if len(X) != len(self.labels):
            raise ValueError(
                f"X has {len(X)} points but y has {len(self.labels)} labels; to change the "
                f"number of points set both at once with widget.set_data(X, y)"
            )
        with self.hold_sync():
            self.points = X.tolist()
            self.preset = ""

    @property
    def y(self):
        """The class label of each point as an int64 array (a copy)."""
        return np.array(self.labels, dtype=np.int64)

    @y.setter
    def y(self, value):
        self.set_data(self.X, value)

    def set_data(self, X, y):
        """Replace the points and their labels together (the canvas redraws).

        Parameters
        ----------
        X : array-like of shape (n_points, 2), inside the canvas ([0, 10] x [0, 10])
        y : array-like of int, shape (n_points,), labels 0, 1 or 2
        """
        X = _check_points(X, self.extent)
        y = _check_labels(y, len(X))
        with self.hold_sync():
            if y.size and y.max() + 1 > self.n_classes:
                self.n_classes = int(y.max()) + 1
            self.points, self.labels = X.tolist(), y.tolist()
            self.preset = ""

    def clear(self):
        """Remove every point."""
        self.set_data(np.empty((0, 2)), np.empty(0, dtype=np.int64))

    # -- the picture, computed in Python ----------------------------------------
    @property
    def k_effective(self):
        """The k the picture uses: ``k``, or the number of points if there are fewer."""
        return min(self.k, len(self.points))

    def predict_grid(self):
        """:func:`predict_grid` at the widget's current settings (k clamped to the points)."""
        if not self.points:
            raise ValueError("the playground has no points yet: add some (or pick a preset) first")
        return predict_grid(
            self.X, self.y, k=self.k_effective, metric=self.metric, weights=self.weights,
            grid=self.grid, extent=tuple(self.extent),
        )

    def plot(self, ax=None):
        """The static twin: this widget's current picture as a matplotlib figure."""
        if not self.points:
            raise ValueError("the playground has no points yet: add some (or pick a preset) first")
        probe = self.probe if len(self.probe) == 2 else None
        return plot_playground(
            self.X, self.y, k=self.k_effective, metric=self.metric, weights=self.weights,
            grid=self.grid, probe=probe, ax=ax,
        )
