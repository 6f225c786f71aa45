r"""Chapter 8, high dimensions: distances concentrate, and irrelevant features drown the signal.

Two measurements, each with its figures:

* **Distance concentration.** For a query :math:`q` and points
  :math:`x_1, \dots, x_n` drawn uniformly from the unit cube
  :math:`[0, 1]^d`, the *relative contrast* of their distances
  :math:`d_i = \lVert q - x_i \rVert_2` is

  .. math:: C_d = \frac{\max_i d_i - \min_i d_i}{\min_i d_i} .

  As :math:`d` grows every squared distance is a sum of :math:`d`
  independent terms, so its mean grows like :math:`d` while its spread grows
  only like :math:`\sqrt d`: the distances cluster around their mean and
  :math:`C_d` shrinks roughly like :math:`1 / \sqrt d` (Beyer et al., "When
  is nearest neighbor meaningful?", ICDT 1999).
  :func:`contrast_against_dimension` measures it;
  :func:`plot_contrast`, :func:`plot_distance_histogram` and the
  interactive callback :func:`draw_distance_histogram` draw it.

* **Irrelevant features.** The wine data (178 wines, 13 chemical
  measurements, 3 cultivars; UCI Machine Learning Repository, shipped with
  scikit-learn as :func:`sklearn.datasets.load_wine`) gets ``n_noise``
  extra columns of pure noise (:func:`add_noise_features`), and three
  cross-validated pipelines (:func:`noise_pipelines`) are scored on it:
  plain KNN, PCA then KNN, and feature selection then KNN
  (:func:`accuracy_against_noise`, :func:`plot_accuracy_against_noise`).

Examples
--------
>>> from knnlib.figures import dimensions
>>> d1 = dimensions.query_distances(1, n_points=500)
>>> d1000 = dimensions.query_distances(1000, n_points=500)
>>> bool(dimensions.relative_contrast(d1) > 10 * dimensions.relative_contrast(d1000))
True
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import check_positive_int
from ..estimators import KNNClassifier
from ..metrics import pairwise_distances
from ..plotting import CLASS_COLORS
from ..timing import progress

__all__ = [
    "CONTRAST_DIMS",
    "HISTOGRAM_DIMS",
    "NOISE_COUNTS",
    "PIPELINE_NAMES",
    "ContrastCurve",
    "NoiseCurves",
    "accuracy_against_noise",
    "add_noise_features",
    "contrast_against_dimension",
    "draw_distance_histogram",
    "load_wine_data",
    "noise_pipelines",
    "plot_accuracy_against_noise",
    "plot_contrast",
    "plot_distance_histogram",
    "query_distances",
    "relative_contrast",
    "selected_real_features",
]

#: Dimensions of the contrast curve, from 1 to 1000, about evenly spaced on a log scale.
CONTRAST_DIMS = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000)

#: Dimensions offered by the histogram's slider.
HISTOGRAM_DIMS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)

#: Numbers of noise features added to the wine data.
NOISE_COUNTS = (0, 5, 10, 20, 50, 100, 200, 500)

#: The three pipelines of the noise experiment, in the order they are drawn.
PIPELINE_NAMES = ("KNN", "PCA, then KNN", "feature selection, then KNN")

_PIPELINE_STYLES = {
    "KNN": {"color": "0.3", "marker": "s", "linestyle": "-"},
    "PCA, then KNN": {"color": CLASS_COLORS[0], "marker": "o", "linestyle": "--"},
    "feature selection, then KNN": {"color": CLASS_COLORS[2], "marker": "^", "linestyle": "-"},
}

# Points and query of the histograms and the contrast curve: seeds of numpy's default_rng.
_POINTS_SEED = 0
_N_POINTS = 1000


def _check_dimension(d, name="d"):
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {name} = {d!r}")
    return int(d)


# ---------------------------------------------------------------------------
# Distance concentration
# ---------------------------------------------------------------------------


def query_distances(d, n_points=_N_POINTS, *, n_queries=1, seed=_POINTS_SEED):
    """Euclidean distances from random queries to ``n_points`` random points of the unit cube ``[0, 1]^d``.

    Points and queries are drawn uniformly with ``numpy.random.default_rng(seed)``
    (points first); distances come from :func:`knnlib.pairwise_distances`.

    Parameters
    ----------
    d : int >= 1
        The dimension.
    n_points : int >= 2
    n_queries : int >= 1
    seed : int

    Returns
    -------
    ndarray
        Shape ``(n_points,)`` for one query, else ``(n_queries, n_points)``.

    Examples
    --------
    >>> query_distances(3, n_points=4).shape, query_distances(3, n_points=4, n_queries=2).shape
    ((4,), (2, 4))
    """
    d = _check_dimension(d)
    n_points = check_positive_int(n_points, "n_points")
    if n_points < 2:
        raise ValueError(f"n_points must be at least 2 to compare distances, got n_points = {n_points}")
    n_queries = check_positive_int(n_queries, "n_queries")
    rng = np.random.default_rng(seed)
    X = rng.random((n_points, d))
    Q = rng.random((n_queries, d))
    D = pairwise_distances(Q, X)
    return D[0] if n_queries == 1 else D


def relative_contrast(distances):
    r"""The relative contrast :math:`(\max - \min) / \min` of distances (along the last axis).

    Parameters
    ----------
    distances : array-like of shape (n,) or (m, n)
        Positive distances from a query (or from each of m queries).

    Returns
    -------
    float or ndarray of shape (m,)

    Examples
    --------
    >>> relative_contrast([1.0, 2.0, 4.0])
    3.0
    >>> relative_contrast([[1.0, 1.5], [2.0, 3.0]])
    array([0.5, 0.5])
    """
    distances = np.asarray(distances, dtype=np.float64)
    if distances.ndim not in (1, 2) or distances.shape[-1] < 2:
        raise ValueError(
            f"distances must have shape (n,) or (m, n) with n >= 2, got shape {distances.shape}"
        )
    nearest = distances.min(axis=-1)
    if np.any(nearest <= 0) or not np.all(np.isfinite(distances)):
        raise ValueError("distances must be finite and positive (a zero distance has no relative contrast)")
    contrast = (distances.max(axis=-1) - nearest) / nearest
    return float(contrast) if contrast.ndim == 0 else contrast


@dataclass
class ContrastCurve:
    """Relative contrast against dimension, over several queries.

    Attributes
    ----------
    dims : ndarray of int
    mean, low, high : ndarray
        Mean, smallest and largest contrast over the queries, per dimension.
    n_points, n_queries : int
    """

    dims: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_points: int
    n_queries: int


def contrast_against_dimension(dims=CONTRAST_DIMS, *, n_points=_N_POINTS, n_queries=20, seed=_POINTS_SEED):
    """Relative contrast of ``n_queries`` random queries to ``n_points`` random points, per dimension.

    Each dimension uses :func:`query_distances` with the same ``seed``.

    Returns
    -------
    ContrastCurve

    Examples
    --------
    >>> curve = contrast_against_dimension([1, 100], n_points=200, n_queries=5)
    >>> bool(curve.mean[0] > curve.mean[1]), bool((curve.low <= curve.mean).all())
    (True, True)
    """
    dims = np.array([_check_dimension(d, "dims") for d in dims], dtype=np.int64)
    if len(dims) == 0:
        raise ValueError("dims must hold at least one dimension, got an empty list")
    n_queries = check_positive_int(n_queries, "n_queries")
    contrasts = np.array(
        [relative_contrast(np.atleast_2d(query_distances(int(d), n_points, n_queries=n_queries, seed=seed)))
         for d in dims]
    )
    return ContrastCurve(dims=dims, mean=contrasts.mean(axis=1), low=contrasts.min(axis=1),
                         high=contrasts.max(axis=1), n_points=n_points, n_queries=n_queries)


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def plot_contrast(curve, ax=None):
    r"""The relative contrast against dimension (log-log), with a :math:`1/\sqrt d` guide.

    Parameters
    ----------
    curve : ContrastCurve
    ax : matplotlib Axes, optional

    Returns
    -------
    dict
        ``"mean"`` (Line2D), ``"band"`` (the shaded range over queries) and
        ``"guide"`` (the dashed :math:`c / \sqrt d` line through the curve's
        value at its largest dimension).
    """
    ax = _get_ax(ax)
    band = ax.fill_between(curve.dims, curve.low, curve.high, color=CLASS_COLORS[0], alpha=0.18, linewidth=0,
                           label=f"range over {curve.n_queries} queries")
    (mean,) = ax.plot(curve.dims, curve.mean, "o-", color=CLASS_COLORS[0], label="mean relative contrast")
    scale = curve.mean[-1] * np.sqrt(curve.dims[-1])
    guide_dims = np.geomspace(max(curve.dims[0], 10), curve.dims[-1], 50)
    (guide,) = ax.plot(guide_dims, scale / np.sqrt(guide_dims), "--", color="0.4", linewidth=1.2,
                       label=r"$\propto 1/\sqrt{d}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("dimension d")
    ax.set_ylabel("(max - min) / min of the distances")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    return {"mean": mean, "band": band, "guide": guide}


def plot_distance_histogram(distances, ax=None, *, relative=True, bins=110, title=None):
    """Histogram of one query's distances, with the nearest and the farthest marked.

    Parameters
    ----------
    distances : array-like of shape (n,)
    ax : matplotlib Axes, optional
    relative : bool
        Divide by the mean distance (x axis from 0 to 2.2), so that
        histograms of different dimensions can be compared by their width.
    bins : int
    title : str, optional
        Default: the relative contrast.

    Returns
    -------
    dict
        ``"bars"`` (the BarContainer), ``"nearest"`` and ``"farthest"``
        (vertical Line2D at the smallest and largest distance, in the units
        shown), ``"values"`` (the numbers histogrammed).
    """
    distances = np.asarray(distances, dtype=np.float64)
    contrast = relative_contrast(distances)
    values = distances / distances.mean() if relative else distances
    ax = _get_ax(ax)
    edges = np.linspace(0.0, 2.2, bins + 1) if relative else bins
    _, _, bars = ax.hist(values, bins=edges, color=CLASS_COLORS[0], alpha=0.75)
    nearest = ax.axvline(values.min(), color=CLASS_COLORS[3], linewidth=2, label="nearest")
    farthest = ax.axvline(values.max(), color="0.3", linewidth=2, linestyle="--", label="farthest")
    if relative:
        ax.set_xlim(0, 2.2)
        ax.set_xlabel("distance / mean distance")
    else:
        ax.set_xlim(0, None)
        ax.set_xlabel("distance")
    ax.set_ylabel("points")
    ax.set_title(title if title is not None else f"relative contrast {contrast:.2f}", fontsize=10)
    return {"bars": bars, "nearest": nearest, "farthest": farthest, "values": values}


def draw_distance_histogram(fig, *, dimension, relative=True):
    """Interactive callback: the distances from one query to 1000 random points in ``dimension`` dimensions.

    Uses :func:`query_distances` (seed 0) and :func:`plot_distance_histogram`;
    the title gives the dimension, the nearest and farthest distance and
    the relative contrast.

    Returns
    -------
    dict
        What :func:`plot_distance_histogram` drew, plus ``"nearest_distance"``,
        ``"farthest_distance"`` and ``"contrast"`` (the numbers in the title).
    """
    distances = query_distances(dimension)
    ax = fig.subplots()
    nearest, farthest = float(distances.min()), float(distances.max())
    contrast = relative_contrast(distances)
    title = (f"d = {dimension}: nearest {nearest:.3g}, farthest {farthest:.3g}, "
             f"relative contrast {contrast:.2f}")
    drawn = plot_distance_histogram(distances, ax=ax, relative=relative, title=title)
    ax.legend(fontsize=9, loc="upper left")
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
    return dict(drawn, nearest_distance=nearest, farthest_distance=farthest, contrast=contrast)


# ---------------------------------------------------------------------------
# Irrelevant features
# ---------------------------------------------------------------------------


def load_wine_data():
    """The wine data: ``(X, y, feature_names)``, 178 wines, 13 measurements, 3 cultivars.

    From the UCI Machine Learning Repository (Forina et al., PARVUS, 1988;
    https://archive.ics.uci.edu/dataset/109/wine), shipped with scikit-learn
    (:func:`sklearn.datasets.load_wine`), so nothing is downloaded.

    Examples
    --------
    >>> X, y, names = load_wine_data()
    >>> X.shape, sorted(set(y.tolist())), names[0]
    ((178, 13), [0, 1, 2], 'alcohol')
    """
    from sklearn.datasets import load_wine

    data = load_wine()
    return data.data, data.target, list(data.feature_names)


def add_noise_features(X, n_noise, seed=0):
    """``X`` with ``n_noise`` extra columns of standard normal noise on the right.

    The noise knows nothing about the labels: any pattern KNN finds in it
    is chance. Seeded with ``numpy.random.default_rng(seed)``.

    Examples
    --------
    >>> X = np.ones((4, 2))
    >>> add_noise_features(X, 3).shape, bool((add_noise_features(X, 3)[:, :2] == 1).all())
    ((4, 5), True)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array, got shape {X.shape}")
    if isinstance(n_noise, bool) or not isinstance(n_noise, numbers.Integral) or n_noise < 0:
        raise ValueError(f"n_noise must be an integer >= 0, got n_noise = {n_noise!r}")
    noise = np.random.default_rng(seed).standard_normal((X.shape[0], int(n_noise)))
    return np.hstack([X, noise])


def noise_pipelines(k=5, *, n_components=5, n_selected=10):
    """The three pipelines of the noise experiment, by name (see :data:`PIPELINE_NAMES`).

    Every pipeline standardises first (chapter 5), then:

    * ``"KNN"``: ``KNNClassifier(k)`` on all features;
    * ``"PCA, then KNN"``: keeps the ``n_components`` directions of largest
      variance (:class:`sklearn.decomposition.PCA`), then KNN;
    * ``"feature selection, then KNN"``: keeps the ``n_selected`` features
      whose class means differ most (ANOVA F-test,
      :class:`sklearn.feature_selection.SelectKBest` with ``f_classif``),
      then KNN.

    Inside cross-validation each step is fitted on the training folds only.

    Examples
    --------
    >>> list(noise_pipelines())
    ['KNN', 'PCA, then KNN', 'feature selection, then KNN']
    """
    from sklearn.decomposition import PCA
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "KNN": make_pipeline(StandardScaler(), KNNClassifier(k=k)),
        "PCA, then KNN": make_pipeline(StandardScaler(), PCA(n_components=n_components), KNNClassifier(k=k)),
        "feature selection, then KNN": make_pipeline(
            StandardScaler(), SelectKBest(f_classif, k=n_selected), KNNClassifier(k=k)
        ),
    }


@dataclass
class NoiseCurves:
    """Cross-validated accuracy of each pipeline against the number of noise features.

    Attributes
    ----------
    noise_counts : ndarray of int
    accuracy : dict of str -> ndarray
        Mean accuracy over the folds, per pipeline name.
    fold_accuracy : dict of str -> ndarray of shape (len(noise_counts), n_folds)
    """

    noise_counts: np.ndarray
    accuracy: dict
    fold_accuracy: dict


def accuracy_against_noise(X, y, noise_counts=NOISE_COUNTS, *, k=5, n_splits=5, n_repeats=2, seed=0,
                           show_progress=False):
    """Cross-validated accuracy of :func:`noise_pipelines` as noise features are added.

    For each count, :func:`add_noise_features` (with ``seed``) and
    :func:`sklearn.model_selection.cross_val_score` with the same
    :class:`~sklearn.model_selection.RepeatedStratifiedKFold` splits
    (``n_splits`` folds, ``n_repeats`` times, ``random_state=seed``) for
    every pipeline.

    Returns
    -------
    NoiseCurves

    Examples
    --------
    >>> X, y, _ = load_wine_data()
    >>> curves = accuracy_against_noise(X, y, [0, 50], n_splits=3, n_repeats=1)
    >>> bool(curves.accuracy["KNN"][0] > curves.accuracy["KNN"][1])
    True
    """
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score

    counts = [n for n in noise_counts]
    for n in counts:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"noise_counts must be integers >= 0, got {n!r} in noise_counts = {counts!r}")
    cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    pipelines = noise_pipelines(k)
    fold_accuracy = {name: [] for name in pipelines}
    for n_noise in progress(counts, description="noise levels") if show_progress else counts:
        X_noisy = add_noise_features(X, n_noise, seed=seed)
        for name, pipeline in pipelines.items():
            fold_accuracy[name].append(cross_val_score(pipeline, X_noisy, y, cv=cv))
    fold_accuracy = {name: np.array(scores) for name, scores in fold_accuracy.items()}
    return NoiseCurves(
        noise_counts=np.array(counts, dtype=np.int64),
        accuracy={name: scores.mean(axis=1) for name, scores in fold_accuracy.items()},
        fold_accuracy=fold_accuracy,
    )


def selected_real_features(X, y, n_noise, *, n_selected=10, seed=0):
    """How many of the features feature selection keeps are real (not noise), fitted on all of ``X``.

    A look inside the pipeline, not an accuracy estimate: the selection is
    fitted once on the whole data. The real features are the first
    ``X.shape[1]`` columns.

    Returns
    -------
    int

    Examples
    --------
    >>> X, y, _ = load_wine_data()
    >>> selected_real_features(X, y, 100)
    10
    """
    pipeline = noise_pipelines(n_selected=n_selected)["feature selection, then KNN"]
    pipeline.fit(add_noise_features(X, n_noise, seed=seed), y)
    kept = pipeline.named_steps["selectkbest"].get_support(indices=True)
    return int(np.sum(kept < X.shape[1]))


def plot_accuracy_against_noise(curves, ax=None, *, chance=None):
    """Accuracy of each pipeline against the number of noise features (symlog x axis).

    Parameters
    ----------
    curves : NoiseCurves
    ax : matplotlib Axes, optional
    chance : float, optional
        Accuracy of always guessing the largest class, drawn as a dotted line.

    Returns
    -------
    dict of str -> Line2D
        One line per pipeline name (and ``"chance"`` if drawn).
    """
    ax = _get_ax(ax)
    lines = {}
    for name in PIPELINE_NAMES:
        (lines[name],) = ax.plot(curves.noise_counts, curves.accuracy[name], label=name, **_PIPELINE_STYLES[name])
    if chance is not None:
        lines["chance"] = ax.axhline(chance, color="0.5", linestyle=":", label="always the largest class")
    ax.set_xscale("symlog", linthresh=5)
    ax.set_xticks(curves.noise_counts)
    ax.set_xticklabels([str(n) for n in curves.noise_counts])
    ax.set_xlim(0, curves.noise_counts.max() * 1.2)
    ax.set_xlabel("noise features added")
    ax.set_ylabel("cross-validated accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9, loc="lower left")
    return lines

