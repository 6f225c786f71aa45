r"""Figures and small computations for chapter 2, *How one prediction is made*.

One KNN prediction, taken apart into the steps the chapter steps through:

1. the distance from the query to every training point (:func:`predict_one`,
   the ``distances`` field, in training order);
2. the same points sorted by (distance, training index) (``order``);
3. the ``k`` nearest (``neighbours``, the first ``k`` of ``order``);
4. their vote, one per neighbour (``votes``);
5. the prediction: the class with the most votes, a tie going to the smallest
   label (``prediction``, ``tied``).

Every number comes from knnlib itself (distances from
:func:`knnlib.metrics.pairwise_distances`, votes from :mod:`knnlib.vote`), so
the figures show exactly what :class:`knnlib.KNNClassifier` computes; the
tests check that they agree.

The drawing functions take a matplotlib ``ax`` (the current axes when it is
None) or, for the whole step-through figure, a ``fig``, and return what they
drew. :func:`draw_workflow` is the pure callback of the chapter's
interactive figure. matplotlib is imported inside the drawing functions only.

The chapter's data, :func:`example_data`, is a dozen points made up for the
book (two features ``F1`` and ``F2``, classes 0 and 1), small enough to read
every distance. With the query ``A = (5, 5)`` and ``k = 5``, three neighbours
are of class 1 and two of class 0, so the prediction is 1:

>>> X, y = example_data()
>>> result = predict_one(X, y, EXAMPLE_QUERIES["A"], k=5)
>>> result.neighbours
array([4, 5, 1, 9, 7])
>>> y[result.neighbours]
array([0, 1, 1, 0, 1])
>>> result.votes, result.prediction, result.tied
(array([2, 3]), 1, False)
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_n_neighbors
from ..metrics import pairwise_distances
from ..plotting import CLASS_COLORS, CLASS_MARKERS, plot_neighbours, plot_points
from ..search import BruteForce
from ..vote import class_scores, majority_vote, uniform_weights, vote_ties

__all__ = [
    "EXAMPLE_QUERIES",
    "STEPS",
    "OnePrediction",
    "draw_workflow",
    "example_data",
    "format_table",
    "plot_step",
    "plot_table",
    "plot_vote_bar",
    "predict_one",
    "time_brute_force",
]

# The chapter's training points (F1, F2) and their classes. Made up for the
# book: two loose groups that meet around (5, 5), where the vote depends on k.
_EXAMPLE_POINTS = (
    (1.5, 7.5), (6.5, 4.6), (3.2, 3.1), (8.0, 3.0), (4.0, 4.2), (5.8, 6.1),
    (2.2, 8.6), (5.3, 3.2), (7.4, 7.2), (3.6, 5.9), (8.7, 4.5), (1.0, 5.6),
)
_EXAMPLE_LABELS = (0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0)

#: The test points offered by the chapter's interactive figure.
EXAMPLE_QUERIES = {"A": (5.0, 5.0), "B": (7.5, 5.5), "C": (5.5, 6.8)}

#: The five steps of the step-through figure (step s is ``STEPS[s - 1]``).
STEPS = (
    "measure the distance to every point",
    "sort by distance",
    "keep the k nearest",
    "count their votes",
    "predict the winner",
)

_HIGHLIGHT = "#FFF0B3"  # a pale yellow, for the rows of the k nearest (not a class colour)


def example_data():
    """The chapter's 12 training points and their classes (a fresh copy).

    Returns
    -------
    X : ndarray of shape (12, 2)
        Features ``F1`` and ``F2``.
    y : ndarray of int, shape (12,)
        Classes 0 (7 points) and 1 (5 points).

    Examples
    --------
    >>> X, y = example_data()
    >>> X[:2]
    array([[1.5, 7.5],
           [6.5, 4.6]])
    >>> np.bincount(y)
    array([7, 5])
    """
    return np.array(_EXAMPLE_POINTS, dtype=np.float64), np.array(_EXAMPLE_LABELS, dtype=np.int64)


@dataclass(frozen=True)
class OnePrediction:
    """Every intermediate result of one KNN classification (see :func:`predict_one`).

    Attributes
    ----------
    query : ndarray of shape (n_features,)
    k : int
    distances : ndarray of shape (n_samples,)
        Distance from the query to each training point, in training order.
    order : ndarray of int, shape (n_samples,)
        Training indices sorted by (distance, index).
    neighbours : ndarray of int, shape (k,)
        The first ``k`` of ``order``.
    classes : ndarray
        The class labels, sorted.
    votes : ndarray of int, shape (n_classes,)
        Neighbours of each class (in the order of ``classes``).
    prediction : label
        The class with the most votes; a tie goes to the smallest label.
    tied : bool
        Whether two or more classes share the most votes.
    """

    query: np.ndarray
    k: int
    distances: np.ndarray
    order: np.ndarray
    neighbours: np.ndarray
    classes: np.ndarray
    votes: np.ndarray
    prediction: object
    tied: bool


def predict_one(X, y, query, k=5, metric="euclidean"):
    r"""Classify one query by its ``k`` nearest neighbours, keeping every step.

    .. math::

        N_k(x) = \operatorname*{arg\,min}_{I \subseteq \{1..n\},\ |I| = k}
                 \sum_{i \in I} d(x, x_i), \qquad
        \hat y(x) = \operatorname{mode}\{\, y_i : i \in N_k(x) \,\}

    with points at equal distance taken in training order, and a tied mode
    going to the smallest label (knnlib's rules, ARCHITECTURE.md).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels.
    query : array-like of shape (n_features,)
    k : int, 1 <= k <= n_samples
    metric : str, default "euclidean"
        Any metric of :mod:`knnlib.metrics`.

    Returns
    -------
    OnePrediction

    Examples
    --------
    Four points at distance 1 from the origin: the tie in distance is broken
    by training index, and the 1-1 vote at k = 2 goes to the smaller label.

    >>> X = [[1, 0], [0, 1], [-1, 0], [0, -1]]
    >>> y = [1, 0, 1, 0]
    >>> r = predict_one(X, y, [0, 0], k=2)
    >>> r.neighbours, r.votes, r.prediction, r.tied
    (array([0, 1]), array([1, 1]), 0, True)
    >>> predict_one(X, y, [0, 0], k=3).prediction
    1
    """
    X = check_array(X, "X")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have one label per row of X, shape ({X.shape[0]},), got shape {y.shape}")
    query = np.asarray(query, dtype=np.float64)
    if query.shape != (X.shape[1],):
        raise ValueError(f"query must be one point of shape ({X.shape[1]},), got shape {query.shape}")
    k = check_n_neighbors(k, X.shape[0])
    distances = pairwise_distances(query[None, :], X, metric=metric)[0]
    # Sort by distance, then by training index (lexsort's last key is the primary one).
    order = np.lexsort((np.arange(X.shape[0]), distances))
    neighbours = order[:k]
    classes, codes = np.unique(y, return_inverse=True)
    neighbour_codes = codes[neighbours][None, :]
    scores = class_scores(neighbour_codes, uniform_weights(distances[neighbours][None, :]), len(classes))
    winner = int(majority_vote(scores)[0])
    return OnePrediction(
        query=query,
        k=k,
        distances=distances,
        order=order,
        neighbours=neighbours,
        classes=classes,
        votes=scores[0].astype(np.int64),
        prediction=classes[winner].item(),
        tied=bool(vote_ties(scores)[0]),
    )


def format_table(X, y, result, *, sort=False, decimals=3):
    """The distance table of ``result`` as text, one line per training point.

    Parameters
    ----------
    X, y : the training points and labels given to :func:`predict_one`.
    result : OnePrediction
    sort : bool, default False
        False: training order (step 1). True: sorted by (distance, index),
        with a ``rank`` column and a line under the k-th row (steps 2 and 3).
    decimals : int, default 3
        Decimals of the distances.

    Returns
    -------
    str

    Examples
    --------
    >>> X, y = example_data()
    >>> r = predict_one(X, y, EXAMPLE_QUERIES["A"], k=2)
    >>> for line in format_table(X, y, r, sort=True).splitlines()[:5]:
    ...     print(line)
    rank  i    F1    F2 class distance
       1  4  4.00  4.20     0    1.281
       2  5  5.80  6.10     1    1.360
    ---- k = 2 -----------------------
       3  1  6.50  4.60     1    1.552
    """
    lines = _table_rows(X, y, result, sort=sort, decimals=decimals)
    header, rows = lines[0], lines[1:]
    if sort:
        cut = f"---- k = {result.k} "
        rows.insert(result.k, cut + "-" * max(0, len(header) - len(cut)))
    return "\n".join([header, *rows])


def _table_rows(X, y, result, *, sort, decimals):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    rows = result.order if sort else np.arange(len(result.distances))
    width = max(8, decimals + 5)
    header = ("rank " if sort else "") + f"{'i':>2} {'F1':>5} {'F2':>5} {'class':>5} {'distance':>{width}}"
    lines = [header]
    for rank, i in enumerate(rows, start=1):
        start = f"{rank:4d} " if sort else ""
        lines.append(
            f"{start}{i:2d} {X[i, 0]:5.2f} {X[i, 1]:5.2f} {str(y[i]):>5} {result.distances[i]:{width}.{decimals}f}"
        )
    return lines


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _check_step(step):
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or not 1 <= step <= len(STEPS):
        raise ValueError(f"step must be an integer from 1 to {len(STEPS)}, got step = {step!r}")
    return int(step)


def plot_table(X, y, result, ax=None, *, sort=False, highlight=False, fontsize=8):
    """Draw the distance table on ``ax`` (axis lines off), one row per training point.

    Parameters
    ----------
    X, y, result : as for :func:`format_table`.
    ax : matplotlib Axes, optional
    sort : bool
        Rows in (distance, index) order with ranks, instead of training order.
    highlight : bool
        Shade the rows of the ``k`` nearest and draw the cut under the k-th.
    fontsize : float

    Returns
    -------
    dict
        ``"rows"``: the row indices in drawing order (top first), ``"texts"``:
        the Text artists (header first), ``"markers"``: the class markers (one
        collection per class),
        ``"highlights"``: the shading rectangles of the highlighted rows.
    """
    from matplotlib.patches import Rectangle

    ax = _get_ax(ax)
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    lines = _table_rows(X, y, result, sort=sort, decimals=3)
    rows = result.order if sort else np.arange(len(result.distances))
    n_lines = len(lines)
    step = 1.0 / (n_lines + 0.5)
    y_of = lambda line: 1.0 - (line + 0.75) * step  # noqa: E731 - a tiny layout rule
    texts = [ax.text(0.08, y_of(0), lines[0], family="monospace", fontsize=fontsize, fontweight="bold",
                     va="center", ha="left")]
    highlights = []
    neighbour_set = set(result.neighbours.tolist())
    for line, (text, i) in enumerate(zip(lines[1:], rows), start=1):
        chosen = highlight and int(i) in neighbour_set
        if chosen:
            patch = Rectangle((0.0, y_of(line) - step / 2), 1.0, step, color=_HIGHLIGHT, zorder=0)
            ax.add_patch(patch)
            highlights.append(patch)
        texts.append(ax.text(0.08, y_of(line), text, family="monospace", fontsize=fontsize, va="center",
                             ha="left", fontweight="bold" if chosen else "normal"))
    # Each row starts with its class's marker: one scatter per class.
    row_classes = np.searchsorted(result.classes, np.asarray(y)[rows])
    row_heights = y_of(np.arange(1, len(rows) + 1))
    markers = []
    for position in np.unique(row_classes):
        mine = row_classes == position
        markers.append(ax.scatter(np.full(mine.sum(), 0.035), row_heights[mine], s=28, c=CLASS_COLORS[position],
                                  marker=CLASS_MARKERS[position], edgecolors="black", linewidths=0.5))
    if highlight and sort:
        cut = y_of(result.k) - step / 2
        ax.plot([0, 1], [cut, cut], color="0.3", linewidth=1.0, linestyle="--")
    return {"rows": np.asarray(rows), "texts": texts, "markers": markers, "highlights": highlights}


def plot_vote_bar(result, ax=None, *, show_winner=True):
    """Draw the vote count of each class as a bar (one column per class).

    Parameters
    ----------
    result : OnePrediction
    ax : matplotlib Axes, optional
    show_winner : bool
        Write the winner (and the tie rule, on a tie) above the bars.

    Returns
    -------
    dict
        ``"bars"``: the BarContainer (one bar per class, in ``result.classes``
        order), ``"note"``: the winner's Text or None.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> X, y = example_data()
    >>> drawn = plot_vote_bar(predict_one(X, y, EXAMPLE_QUERIES["A"], k=4), ax=plt.figure().subplots())
    >>> [float(bar.get_height()) for bar in drawn["bars"]]
    [2.0, 2.0]
    >>> print(drawn["note"].get_text())
    tie 2-2:
    the smaller label,
    class 0, wins
    >>> plt.close("all")
    """
    ax = _get_ax(ax)
    positions = np.arange(len(result.classes))
    colors = [CLASS_COLORS[p % len(CLASS_COLORS)] for p in positions]
    bars = ax.bar(positions, result.votes, color=colors, edgecolor="black", linewidth=0.6, width=0.6)
    ax.set_xticks(positions, [str(c) for c in result.classes])
    ax.set_xlabel("class")
    ax.set_xlim(-0.6, len(positions) - 0.4)
    ax.set_ylim(0, result.k + 0.6)
    ax.set_yticks(range(result.k + 1))
    ax.set_ylabel("votes")
    ax.spines[["top", "right"]].set_visible(False)
    for bar, count in zip(bars, result.votes):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.08, str(count), ha="center", va="bottom",
                fontsize=9)
    note = None
    if show_winner:
        top = int(result.votes.max())
        if result.tied:
            note_text = f"tie {top}-{top}:\nthe smaller label,\nclass {result.prediction}, wins"
        else:
            note_text = f"class {result.prediction} wins"
        note = ax.set_title(note_text, fontsize=9)
    return {"bars": bars, "note": note}


def plot_step(X, y, result, step, ax=None):
    """Draw the training points and the query as they look at ``step`` (1 to 5).

    Steps 1 and 2 join the query to every point (every distance is measured;
    step 2 numbers the points by rank); from step 3 on only the ``k`` nearest
    are joined, inside a dashed circle through the k-th; at step 5 the query
    takes the colour and marker of the predicted class.

    Returns
    -------
    dict
        ``"lines"`` (LineCollection to the joined points), ``"joined"`` (their
        indices), ``"circle"`` (or None), ``"ranks"`` (Text labels, step 2),
        ``"query"`` (the query's marker).
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle

    step = _check_step(step)
    ax = _get_ax(ax)
    X = check_array(X, "X")
    y = np.asarray(y)
    query = result.query
    circle, ranks = None, []
    if step <= 2:
        joined = np.arange(len(X))
        lines = LineCollection([np.array([query, X[i]]) for i in joined], colors="0.6", linewidths=0.7, zorder=1)
        ax.add_collection(lines)
        plot_points(X, y, ax=ax)
        marker = ax.scatter([query[0]], [query[1]], marker="*", s=220, c="white", edgecolors="0.2",
                            linewidths=1.5, zorder=4, label="query")
        if step == 2:
            for rank, i in enumerate(result.order, start=1):
                ranks.append(ax.annotate(str(rank), X[i], xytext=(5, 4), textcoords="offset points", fontsize=8,
                                         color="0.15"))
    else:
        joined = result.neighbours
        others = np.setdiff1d(np.arange(len(X)), joined)
        plot_points(X[others], y[others], ax=ax, alpha=0.3)
        plot_points(X[joined], y[joined], ax=ax)
        radius = result.distances[result.neighbours[-1]]
        circle = Circle(query, radius, fill=False, linestyle="--", linewidth=1.0, edgecolor="0.35", zorder=1)
        ax.add_patch(circle)
        lines, marker = plot_neighbours(query, X, joined, ax=ax)
        if step == 5:
            position = int(np.searchsorted(result.classes, result.prediction))
            marker = ax.scatter([query[0]], [query[1]], marker=CLASS_MARKERS[position], s=150,
                                c=CLASS_COLORS[position], edgecolors="black", linewidths=1.5, zorder=5,
                                label=f"prediction: class {result.prediction}")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_aspect("equal")
    ax.set_xlabel("F1")
    ax.set_ylabel("F2")
    return {"lines": lines, "joined": np.asarray(joined), "circle": circle, "ranks": ranks, "query": marker}


def draw_workflow(fig, X, y, query, *, k, step):
    """The step-through figure: distance table, the points, and the vote, at ``step``.

    The pure callback of the chapter's interactive figure: it draws on the
    empty ``fig`` and returns the :class:`OnePrediction` it drew.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    X, y : training points (2 features) and labels.
    query : (F1, F2)
    k : int
    step : int, 1 to 5
        1: the distance table in training order; 2: sorted; 3: the k nearest
        highlighted in the table and on the plot; 4: the vote bar; 5: the
        prediction.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> X, y = example_data()
    >>> draw_workflow(Figure(), X, y, EXAMPLE_QUERIES["A"], k=5, step=5).prediction
    1
    """
    step = _check_step(step)
    result = predict_one(X, y, query, k=k)
    layout = fig.subplot_mosaic([["table", "plot", "vote"]], width_ratios=[2.3, 2.5, 0.85])
    fig.subplots_adjust(left=0.0, right=0.99, top=0.86, bottom=0.12, wspace=0.28)
    plot_table(X, y, result, ax=layout["table"], sort=step >= 2, highlight=step >= 3)
    plot_step(X, y, result, step, ax=layout["plot"])
    vote_ax = layout["vote"]
    if step >= 4:
        plot_vote_bar(result, ax=vote_ax, show_winner=step == 5)
    else:
        vote_ax.set_axis_off()
        vote_ax.text(0.5, 0.5, "the vote\ncomes at\nstep 4", ha="center", va="center", color="0.5", fontsize=9,
                     transform=vote_ax.transAxes)
    title = STEPS[step - 1].replace("the k nearest", f"the k = {result.k} nearest")
    fig.suptitle(f"Step {step} of {len(STEPS)}: {title}", x=0.02, ha="left", fontsize=12)
    return result


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def time_brute_force(sizes, *, n_features=2, n_queries=200, k=5, repeats=3, seed=0):
    """Seconds per query of knnlib's plain scan, for training sets of each size.

    Uses ``BruteForce(method="plain")``: the whole distance table and
    ``argpartition``, the code the chapter builds (its cost grows like
    ``n * d``). Uniform random data from ``numpy.random.default_rng(seed)``;
    the best of ``repeats`` runs (the least disturbed by other programs).

    Parameters
    ----------
    sizes : sequence of int
        Training set sizes ``n``.
    n_features, n_queries, k, repeats, seed : int

    Returns
    -------
    ndarray of float, shape (len(sizes),)

    Examples
    --------
    >>> seconds = time_brute_force([100, 200], n_queries=5, repeats=1)
    >>> seconds.shape, bool((seconds > 0).all())
    ((2,), True)
    """
    rng = np.random.default_rng(seed)
    queries = rng.random((n_queries, n_features))
    seconds = []
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < k:
            raise ValueError(f"sizes must be integers >= k = {k}, got {n!r} in sizes = {list(sizes)!r}")
        index = BruteForce(rng.random((int(n), n_features)), method="plain")
        best = np.inf
        for _ in range(repeats):
            started = time.perf_counter()
            index.query(queries, k=k)
            best = min(best, time.perf_counter() - started)
        seconds.append(best / n_queries)
    return np.array(seconds)
