r"""Figures and small computations for chapter 3, *Measuring distance*.

The computations are plain NumPy and are tested with plain numbers:

* :func:`city_block_routes`, :func:`route_length`, :func:`count_shortest_routes`:
  walking between two crossings of a street grid;
* :func:`unit_circle`: the points at distance 1 from the origin for a
  Minkowski exponent ``p``;
* :func:`bag_of_words`, :func:`topic_totals`: counting words in the chapter's
  three tiny documents (:data:`DOCUMENTS`);
* :func:`correlated_cloud`, :func:`mahalanobis_ellipse`: a correlated point
  cloud and the points at one Mahalanobis distance from its centre;
* :func:`boundary_segments`: the cell edges where a grid of predicted labels
  changes class.

The ``plot_*`` functions draw one figure each on a matplotlib ``ax`` (the
current axes when ``ax`` is None) and return a dict of what they drew *and
of the numbers they printed*, so tests can check every number on the page.
Every distance they print comes from :mod:`knnlib.metrics`.

The ``draw_*`` functions are the callbacks of the chapter's interactive
figures (:func:`knnlib.widgets.interactive_figure`): each takes a fresh
matplotlib ``Figure`` and one value per control, and returns what the
``plot_*`` function it wraps returned.

matplotlib is imported inside the drawing functions only.

Examples
--------
>>> routes = city_block_routes((1, 1), (5, 4))
>>> [route_length(route) for route in routes.values()]  # every one: Manhattan
[7.0, 7.0, 7.0]
>>> count_shortest_routes((1, 1), (5, 4))
35
"""

from __future__ import annotations

import math
import numbers
import re
from itertools import pairwise

import numpy as np

from .. import metrics
from ..estimators import KNNClassifier
from .._validation import check_positive_int
from ..plotting import CLASS_COLORS, DEFAULT_EXTENT, grid_centres, plot_decision_regions

__all__ = [
    "DOCUMENTS",
    "MAHALANOBIS_PROBES",
    "METRIC_STYLES",
    "P_VALUES",
    "STREETS",
    "STREET_START",
    "TOPICS",
    "UNIT_CIRCLE_PROBE",
    "VOCABULARY",
    "bag_of_words",
    "boundary_segments",
    "city_block_routes",
    "correlated_cloud",
    "count_shortest_routes",
    "draw_mahalanobis",
    "draw_metric_boundary",
    "draw_street_grid",
    "draw_unit_circles",
    "format_p",
    "mahalanobis_ellipse",
    "plot_documents",
    "plot_mahalanobis",
    "plot_metric_boundary",
    "plot_street_grid",
    "plot_unit_circles",
    "route_length",
    "topic_totals",
    "unit_circle",
]

#: Colour and line style of each metric in every figure of the chapter. The
#: colours are taken from the book's one palette (:data:`knnlib.plotting.CLASS_COLORS`),
#: black for the general Minkowski curve; the line styles differ too, so
#: colour is never the only cue.
METRIC_STYLES = {
    "euclidean": {"color": CLASS_COLORS[0], "linestyle": "-"},
    "manhattan": {"color": CLASS_COLORS[1], "linestyle": "--"},
    "chebyshev": {"color": CLASS_COLORS[2], "linestyle": ":"},
    "minkowski": {"color": "black", "linestyle": "-"},
    "mahalanobis": {"color": CLASS_COLORS[4], "linestyle": "-"},
}

#: The Minkowski exponents offered by the chapter's ``p`` control.
P_VALUES = (1, 1.5, 2, 3, 4, 8, math.inf)


def format_p(p):
    """``p`` as the page writes it: ``"1"``, ``"1.5"``, ``"∞"``.

    Examples
    --------
    >>> format_p(2), format_p(1.5), format_p(float("inf"))
    ('2', '1.5', '∞')
    """
    return "∞" if p == math.inf else f"{p:g}"


# -- walking on a street grid ------------------------------------------------------


def _check_crossing(point, name):
    """A street crossing: two integer coordinates."""
    try:
        x, y = point
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair of integers (x, y), got {point!r}") from None
    for value in (x, y):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(
                f"{name} must be a street crossing with integer coordinates, got {name} = {point!r}"
            )
    return int(x), int(y)


def _route_from_moves(start, moves):
    """Vertices visited when walking ``moves`` (unit steps (dx, dy)) from ``start``."""
    steps = np.array([(0, 0), *moves], dtype=np.float64).reshape(-1, 2)
    return np.asarray(start, dtype=np.float64) + np.cumsum(steps, axis=0)


def city_block_routes(start, end):
    r"""A few of the shortest routes along the streets from ``start`` to ``end``.

    The streets run along the lines of integer ``x`` and integer ``y``, so a
    route is a sequence of unit steps, each along one axis. A route is
    *shortest* when it never steps away from ``end``: it takes exactly
    :math:`|\Delta x|` steps along ``x`` and :math:`|\Delta y|` along ``y``, in
    some order. Three such orders are returned:

    * ``"L-shaped"``: every ``x`` step first, then every ``y`` step;
    * ``"L-shaped, y first"``: the other corner;
    * ``"staircase"``: the steps interleaved as evenly as possible, so the
      route hugs the straight line between the points (each ``x`` step is
      taken at the fraction :math:`(i + \tfrac12) / |\Delta x|` of the way,
      each ``y`` step at :math:`(j + \tfrac12) / |\Delta y|`).

    Routes that coincide (when the points share a street) are listed once.

    Parameters
    ----------
    start, end : pair of int
        Street crossings ``(x, y)``.

    Returns
    -------
    dict of str to ndarray of shape (n_steps + 1, 2)
        Route name to the crossings it passes, ``start`` first, ``end`` last.

    Examples
    --------
    >>> routes = city_block_routes((0, 0), (2, 1))
    >>> list(routes)
    ['L-shaped', 'L-shaped, y first', 'staircase']
    >>> routes["L-shaped"].tolist()
    [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.0, 1.0]]
    >>> routes["staircase"].tolist()
    [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]]
    >>> list(city_block_routes((0, 0), (3, 0)))  # one street: one route
    ['L-shaped']
    """
    x0, y0 = _check_crossing(start, "start")
    x1, y1 = _check_crossing(end, "end")
    n_x, n_y = abs(x1 - x0), abs(y1 - y0)
    step_x = (int(np.sign(x1 - x0)), 0)
    step_y = (0, int(np.sign(y1 - y0)))
    # Each step is placed at the fraction of the way where it is due; sorting
    # by that fraction interleaves the two kinds evenly (x first on a tie).
    due = [((i + 0.5) / n_x, 0, step_x) for i in range(n_x)]
    due += [((j + 0.5) / n_y, 1, step_y) for j in range(n_y)]
    orders = {
        "L-shaped": [step_x] * n_x + [step_y] * n_y,
        "L-shaped, y first": [step_y] * n_y + [step_x] * n_x,
        "staircase": [step for _, _, step in sorted(due)],
    }
    routes = {}
    for name, moves in orders.items():
        route = _route_from_moves((x0, y0), moves)
        if not any(np.array_equal(route, seen) for seen in routes.values()):
            routes[name] = route
    return routes


def route_length(route):
    r"""Length of a route through the given vertices: the sum of its straight segments.

    .. math:: L = \sum_i \lVert v_{i+1} - v_i \rVert_2

    Parameters
    ----------
    route : array-like of shape (n_vertices, 2)

    Examples
    --------
    >>> route_length([[0, 0], [3, 0], [3, 4]])  # an L along the streets
    7.0
    >>> route_length([[0, 0], [3, 4]])           # the straight diagonal
    5.0
    """
    route = np.asarray(route, dtype=np.float64)
    if route.ndim != 2 or route.shape[1] != 2 or len(route) < 1:
        raise ValueError(f"route must be an array of shape (n_vertices, 2), got shape {route.shape}")
    return float(sum(math.hypot(*(b - a)) for a, b in pairwise(route)))


def count_shortest_routes(start, end):
    r"""How many different shortest street routes lead from ``start`` to ``end``.

    A shortest route is an ordering of :math:`|\Delta x|` identical ``x`` steps
    and :math:`|\Delta y|` identical ``y`` steps, so there are

    .. math:: \binom{|\Delta x| + |\Delta y|}{|\Delta x|}

    of them, all of the same length: the Manhattan distance.

    Examples
    --------
    >>> count_shortest_routes((0, 0), (2, 1))  # xxy, xyx, yxx
    3
    >>> count_shortest_routes((1, 1), (5, 4))
    35
    """
    x0, y0 = _check_crossing(start, "start")
    x1, y1 = _check_crossing(end, "end")
    n_x, n_y = abs(x1 - x0), abs(y1 - y0)
    return math.comb(n_x + n_y, n_x)


# -- unit circles of the Minkowski family --------------------------------------------


def unit_circle(p, n_points=401):
    r"""Points at Minkowski distance exactly 1 from the origin, once around.

    Each direction :math:`u = (\cos t, \sin t)` is scaled to length 1 in the
    Minkowski ``p``-norm,

    .. math:: x = \frac{u}{\lVert u \rVert_p}, \qquad
              \lVert u \rVert_p = \big(|u_1|^p + |u_2|^p\big)^{1/p},
              \quad \lVert u \rVert_\infty = \max(|u_1|, |u_2|),

    for ``n_points`` angles :math:`t` from 0 to :math:`2\pi` (the last point
    repeats the first, closing the curve). With ``n_points - 1`` a multiple
    of 8 the angles include every multiple of 45 degrees, so the corners of
    the diamond (p = 1) and of the square (p = inf) are exact.

    Parameters
    ----------
    p : float >= 1 or inf
    n_points : int >= 9

    Returns
    -------
    ndarray of shape (n_points, 2)

    Examples
    --------
    >>> diamond = unit_circle(1, n_points=9)
    >>> diamond[::2].round(12).tolist()  # the corners: on the axes
    [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [-0.0, -1.0], [1.0, -0.0]]
    >>> unit_circle(math.inf, n_points=9)[1].round(12).tolist()  # a corner of the square
    [1.0, 1.0]
    """
    metric = metrics.get_metric("minkowski", p=p)  # validates p
    n_points = check_positive_int(n_points, "n_points")
    if n_points < 9:
        raise ValueError(f"n_points must be >= 9 to go once around, got n_points = {n_points}")
    angles = np.linspace(0.0, 2.0 * np.pi, n_points)
    directions = np.column_stack([np.cos(angles), np.sin(angles)])
    norms = metric.rowwise(directions, np.zeros(2))
    return directions / norms[:, None]


# -- cosine distance on word counts --------------------------------------------------

#: The chapter's three tiny documents: two match reports of very different
#: lengths and one piece of election news (written for this book).
DOCUMENTS = {
    "short match report": "Our team won the match with a late goal.",
    "long match report": (
        "What a match! Our team started fast and the first goal came early. "
        "The other team hit back, but our team kept control of the match and "
        "added a second goal and a third goal before the final whistle. "
        "A match to remember for the whole team."
    ),
    "election news": (
        "The party won the vote. After the election, the party leader thanked "
        "her team and every voter; the next vote is a year away, and so is the "
        "next election."
    ),
}

#: The words counted: three about football, three about elections.
VOCABULARY = ("team", "match", "goal", "party", "vote", "election")

#: Which vocabulary words belong to which topic (for :func:`topic_totals`).
TOPICS = {"football words": ("team", "match", "goal"), "election words": ("party", "vote", "election")}


def bag_of_words(documents, vocabulary=VOCABULARY):
    """Count how often each vocabulary word occurs in each document.

    The text is lower-cased and cut into words at every character that is not
    a letter, so ``"Match!"`` counts as ``match``; a word counts only when it
    matches exactly (``voter`` is not ``vote``). Word order is thrown away:
    that is the *bag* of words.

    Parameters
    ----------
    documents : sequence of str
    vocabulary : sequence of str
        Lower-case words, one column each.

    Returns
    -------
    ndarray of int, shape (n_documents, n_words)

    Examples
    --------
    >>> bag_of_words(["A goal! Then another goal.", "The vote"], ["goal", "vote"])
    array([[2, 0],
           [0, 1]])
    """
    if isinstance(documents, str):
        raise TypeError("documents must be a sequence of strings, got a single string; wrap it in a list")
    vocabulary = list(vocabulary)
    for word in vocabulary:
        if not isinstance(word, str) or not re.fullmatch(r"[a-z]+", word):
            raise ValueError(f"vocabulary words must be lower-case letters only, got {word!r}")
    column = {word: j for j, word in enumerate(vocabulary)}
    counts = np.zeros((len(documents), len(vocabulary)), dtype=np.int64)
    for i, text in enumerate(documents):
        if not isinstance(text, str):
            raise TypeError(f"documents[{i}] must be a string, got {type(text).__name__}")
        for word in re.findall(r"[a-z]+", text.lower()):
            if word in column:
                counts[i, column[word]] += 1
    return counts


def topic_totals(counts, vocabulary=VOCABULARY, topics=TOPICS):
    """Add up each document's counts of the words of each topic.

    Parameters
    ----------
    counts : array-like of shape (n_documents, n_words)
        From :func:`bag_of_words` with the same ``vocabulary``.
    vocabulary : sequence of str
    topics : dict of str to sequence of str
        Topic name to its words (each one in ``vocabulary``).

    Returns
    -------
    ndarray of shape (n_documents, n_topics)

    Examples
    --------
    >>> topic_totals([[1, 2, 0, 5]], ["team", "goal", "vote", "party"],
    ...              {"football": ["team", "goal"], "election": ["vote", "party"]})
    array([[3, 5]])
    """
    counts = np.asarray(counts)
    vocabulary = list(vocabulary)
    if counts.ndim != 2 or counts.shape[1] != len(vocabulary):
        raise ValueError(
            f"counts must have one column per vocabulary word ({len(vocabulary)}), got shape {counts.shape}"
        )
    columns = []
    for topic, words in topics.items():
        missing = [word for word in words if word not in vocabulary]
        if missing:
            raise ValueError(f"topic {topic!r} has words that are not in the vocabulary: {missing}")
        columns.append(counts[:, [vocabulary.index(word) for word in words]].sum(axis=1))
    return np.column_stack(columns)


# -- Mahalanobis distance on correlated features ------------------------------------

#: The two probe points of the Mahalanobis figure: one along the cloud's long
#: diagonal, one just across it (the cloud of :func:`correlated_cloud` is
#: centred near (5, 5)).
MAHALANOBIS_PROBES = {"A": (7.5, 7.5), "B": (4.0, 6.0)}


def correlated_cloud(n_samples=200, correlation=0.9, spread=1.5, centre=(5.0, 5.0), seed=0):
    r"""Seeded 2-D normal points whose two features are correlated.

    Both features have standard deviation ``spread`` and correlation
    ``correlation``, so the covariance matrix is

    .. math:: \Sigma = s^2 \begin{pmatrix} 1 & \rho \\ \rho & 1 \end{pmatrix}.

    The points are ``centre + Z L^T`` with ``Z`` standard normal draws from
    ``numpy.random.default_rng(seed)`` and :math:`L L^\top = \Sigma` (Cholesky),
    so they are the same for every ``correlation``, only stretched differently.

    Parameters
    ----------
    n_samples : int
    correlation : float in (-1, 1)
    spread : float > 0
    centre : pair of float
    seed : int

    Returns
    -------
    ndarray of shape (n_samples, 2)

    Examples
    --------
    >>> X = correlated_cloud(n_samples=5000, correlation=0.8, spread=1.0, seed=1)
    >>> round(float(np.corrcoef(X, rowvar=False)[0, 1]), 1)
    0.8
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    if isinstance(correlation, bool) or not isinstance(correlation, numbers.Real) or not -1 < correlation < 1:
        raise ValueError(f"correlation must be a number strictly between -1 and 1, got correlation = {correlation!r}")
    if isinstance(spread, bool) or not isinstance(spread, numbers.Real) or not spread > 0:
        raise ValueError(f"spread must be a positive number, got spread = {spread!r}")
    covariance = spread**2 * np.array([[1.0, correlation], [correlation, 1.0]])
    standard = np.random.default_rng(seed).standard_normal((n_samples, 2))
    return np.asarray(centre, dtype=np.float64) + standard @ np.linalg.cholesky(covariance).T


def mahalanobis_ellipse(centre, VI, radius=1.0, n_points=200):
    r"""Points at Mahalanobis distance ``radius`` from ``centre``: an ellipse.

    With the Cholesky factor :math:`V^{-1} = L L^\top`, the points
    :math:`x = c + r\,L^{-\top} u` for unit vectors :math:`u` satisfy

    .. math:: (x - c)^\top V^{-1} (x - c) = r^2\, u^\top L^{-1} L L^\top L^{-\top} u = r^2 .

    Parameters
    ----------
    centre : pair of float
    VI : array-like of shape (2, 2)
        Inverse covariance matrix (symmetric positive definite).
    radius : float > 0
    n_points : int >= 3
        The last point repeats the first, closing the curve.

    Returns
    -------
    ndarray of shape (n_points, 2)

    Examples
    --------
    >>> ellipse = mahalanobis_ellipse((0, 0), [[0.25, 0], [0, 1]], n_points=5)
    >>> ellipse.round(12).tolist()  # semi-axes 2 along x, 1 along y
    [[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [-0.0, -1.0], [2.0, -0.0]]
    """
    VI = metrics.get_metric("mahalanobis", VI=VI, data=np.zeros((1, 2))).VI  # validates VI
    if isinstance(radius, bool) or not isinstance(radius, numbers.Real) or not radius > 0:
        raise ValueError(f"radius must be a positive number, got radius = {radius!r}")
    n_points = check_positive_int(n_points, "n_points")
    if n_points < 3:
        raise ValueError(f"n_points must be >= 3 to draw a closed curve, got n_points = {n_points}")
    angles = np.linspace(0.0, 2.0 * np.pi, n_points)
    unit = np.column_stack([np.cos(angles), np.sin(angles)])
    cholesky = np.linalg.cholesky(VI)
    # Solve L^T w = u for each u instead of inverting L.
    offsets = np.linalg.solve(cholesky.T, unit.T).T
    return np.asarray(centre, dtype=np.float64) + radius * offsets


# -- decision boundaries -------------------------------------------------------------


def boundary_segments(labels, extent=DEFAULT_EXTENT):
    """The cell edges between neighbouring grid cells of different labels.

    ``labels`` is a grid of predicted labels as :func:`knnlib.plotting.plot_decision_regions`
    returns it (row 0 at the bottom, cells covering ``extent``). Every pair of
    side-by-side cells with different labels contributes the edge they share,
    so the segments trace the class boundary exactly as the grid resolves it.

    Parameters
    ----------
    labels : array-like of shape (n_rows, n_cols)
    extent : (x_min, x_max, y_min, y_max)

    Returns
    -------
    ndarray of shape (n_segments, 2, 2)
        Each segment as ``[[x0, y0], [x1, y1]]``.

    Examples
    --------
    >>> boundary_segments([[0, 1], [0, 0]], extent=(0, 2, 0, 2)).tolist()
    [[[1.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [2.0, 1.0]]]
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be a 2-D grid, got shape {labels.shape}")
    x_min, x_max, y_min, y_max = (float(v) for v in extent)
    n_rows, n_cols = labels.shape
    width, height = (x_max - x_min) / n_cols, (y_max - y_min) / n_rows
    segments = []
    # Vertical edges: between column c and c + 1 of the same row.
    for row, col in np.argwhere(labels[:, :-1] != labels[:, 1:]):
        x = x_min + (col + 1) * width
        segments.append([[x, y_min + row * height], [x, y_min + (row + 1) * height]])
    # Horizontal edges: between row r and r + 1 of the same column.
    for row, col in np.argwhere(labels[:-1, :] != labels[1:, :]):
        y = y_min + (row + 1) * height
        segments.append([[x_min + col * width, y], [x_min + (col + 1) * width, y]])
    return np.array(segments, dtype=np.float64).reshape(-1, 2, 2)


# -- drawing -------------------------------------------------------------------------


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def plot_street_grid(start, end, ax=None, *, streets=(0, 8, 0, 6)):
    """Two crossings of a street grid, the straight line and the street routes between them.

    Draws the streets (the integer grid lines of ``streets``), the straight
    diagonal from ``start`` to ``end`` (its length is the Euclidean distance),
    the routes of :func:`city_block_routes` (each as long as the Manhattan
    distance: the L-shaped route bold, the others thin), the two points, and
    both lengths, computed by :mod:`knnlib.metrics`, in the legend.

    Parameters
    ----------
    start, end : pair of int
        The crossings A and B.
    ax : matplotlib Axes, optional
    streets : (x_min, x_max, y_min, y_max) of int
        The part of the grid to draw.

    Returns
    -------
    dict
        ``"diagonal"`` (Line2D), ``"routes"`` (route name to Line2D),
        ``"points"`` (the two markers), ``"legend"``, and the numbers shown:
        ``"euclidean"``, ``"manhattan"`` (the two distances) and
        ``"n_shortest_routes"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> drawn = plot_street_grid((1, 1), (4, 5), ax=ax)
    >>> drawn["euclidean"], drawn["manhattan"], drawn["n_shortest_routes"]
    (5.0, 7.0, 35)
    >>> plt.close(fig)
    """
    start, end = _check_crossing(start, "start"), _check_crossing(end, "end")
    x_min, x_max, y_min, y_max = streets
    for name, (x, y) in (("start", start), ("end", end)):
        if not (x_min <= x <= x_max and y_min <= y <= y_max):
            raise ValueError(f"{name} = {(x, y)} lies outside the streets drawn, {streets}")
    ax = _get_ax(ax)
    euclidean = metrics.euclidean(start, end)
    manhattan = metrics.manhattan(start, end)
    n_routes = count_shortest_routes(start, end)

    for x in range(x_min, x_max + 1):
        ax.axvline(x, color="0.85", linewidth=3, zorder=0)
    for y in range(y_min, y_max + 1):
        ax.axhline(y, color="0.85", linewidth=3, zorder=0)

    manhattan_style = METRIC_STYLES["manhattan"]
    routes = {}
    for name, route in city_block_routes(start, end).items():
        bold = name == "L-shaped"
        label = f"along the streets (Manhattan): {manhattan:g} blocks" if bold else None
        (routes[name],) = ax.plot(
            route[:, 0], route[:, 1],
            color=manhattan_style["color"], linestyle=manhattan_style["linestyle"],
            linewidth=3 if bold else 1.5, alpha=1.0 if bold else 0.7, zorder=2, label=label,
        )
    (diagonal,) = ax.plot(
        [start[0], end[0]], [start[1], end[1]],
        color=METRIC_STYLES["euclidean"]["color"], linewidth=3, zorder=3,
        label=f"straight line (Euclidean): {euclidean:.2f} blocks",
    )
    points = []
    for name, here, other, away in (("A", start, end, -1), ("B", end, start, 1)):
        points.append(ax.scatter([here[0]], [here[1]], s=120, c="white", edgecolors="black", linewidths=1.5, zorder=4))
        # Put the letter on the side facing away from the other point, off the routes.
        offset = [10 * (np.sign(h - o) or away) for h, o in zip(here, other)]
        ax.annotate(
            name, here, xytext=offset, textcoords="offset points", fontsize=12, fontweight="bold",
            ha="center", va="center", zorder=5,
        )
    ax.set_xlim(x_min - 0.5, x_max + 0.5)
    ax.set_ylim(y_min - 0.5, y_max + 0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(x_min, x_max + 1))
    ax.set_yticks(range(y_min, y_max + 1))
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    routes_word = "route" if n_routes == 1 else "routes"
    legend = ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=1, fontsize=9, frameon=False,
        title=f"A = {start}, B = {end}: {n_routes} shortest street {routes_word}",
        title_fontsize=9,
    )
    return {
        "diagonal": diagonal,
        "routes": routes,
        "points": points,
        "legend": legend,
        "euclidean": euclidean,
        "manhattan": manhattan,
        "n_shortest_routes": n_routes,
    }


#: The point marked on the unit-circle figure: on the Euclidean unit circle.
UNIT_CIRCLE_PROBE = (0.6, 0.8)


def plot_unit_circles(p, ax=None, *, probe=UNIT_CIRCLE_PROBE):
    """The Minkowski unit circle for ``p``, over the ones for p = 1, 2 and inf.

    Every point on a curve is at distance exactly 1 from the centre in that
    curve's metric. The three reference curves (diamond, circle, square) are
    drawn thin; the one for ``p`` bold and lightly filled. The ``probe`` point
    is marked with its distance from the centre for this ``p``, computed by
    :func:`knnlib.metrics.minkowski`: inside the bold curve exactly when that
    distance is below 1.

    Parameters
    ----------
    p : float >= 1 or inf
    ax : matplotlib Axes, optional
    probe : pair of float

    Returns
    -------
    dict
        ``"curve"`` (the bold Line2D), ``"fill"``, ``"references"`` (p to
        Line2D), ``"probe"``, ``"title"`` and the number shown:
        ``"probe_distance"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_unit_circles(1, ax=ax)["probe_distance"]  # |0.6| + |0.8|
    1.4
    >>> plt.close(fig)
    """
    ax = _get_ax(ax)
    curve_points = unit_circle(p)
    references = {}
    reference_styles = {1: "manhattan", 2: "euclidean", math.inf: "chebyshev"}
    for reference_p, metric_name in reference_styles.items():
        outline = unit_circle(reference_p)
        style = METRIC_STYLES[metric_name]
        (references[reference_p],) = ax.plot(
            outline[:, 0], outline[:, 1], color=style["color"], linestyle=style["linestyle"],
            linewidth=1.2, alpha=0.8, zorder=1, label=f"p = {format_p(reference_p)} ({metric_name.capitalize()})",
        )
    bold = METRIC_STYLES["minkowski"]
    (fill,) = ax.fill(curve_points[:, 0], curve_points[:, 1], color="0.5", alpha=0.15, zorder=0)
    (curve,) = ax.plot(
        curve_points[:, 0], curve_points[:, 1], color=bold["color"], linewidth=3, zorder=2,
        label=f"p = {format_p(p)} (this figure)",
    )
    probe_distance = metrics.minkowski([0.0, 0.0], probe, p=p)
    # "on" allows for rounding: 0.6 and 0.8 have no exact binary form.
    if math.isclose(probe_distance, 1.0, rel_tol=1e-12):
        where = "on"
    else:
        where = "inside" if probe_distance < 1 else "outside"
    probe_marker = ax.scatter(
        [probe[0]], [probe[1]], marker="*", s=200, c="white", edgecolors="black", linewidths=1.2, zorder=3
    )
    ax.annotate(
        f"({probe[0]:g}, {probe[1]:g})\nd = {probe_distance:.3f}",
        probe, xytext=(10, 10), textcoords="offset points", fontsize=9, ha="left", va="bottom",
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"}, zorder=5,
    )
    ax.scatter([0], [0], marker="+", s=80, c="black", zorder=3)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=2, fontsize=8, frameon=False)
    title = ax.set_title(f"p = {format_p(p)}: the star is {where} the unit circle", fontsize=10)
    return {
        "curve": curve,
        "fill": fill,
        "references": references,
        "probe": probe_marker,
        "title": title,
        "probe_distance": probe_distance,
    }


def plot_documents(points, names, ax=None, *, axis_labels=tuple(TOPICS)):
    """Documents as arrows from the origin: length is size, direction is topic.

    Parameters
    ----------
    points : array-like of shape (n_documents, 2)
        Two numbers per document, for instance :func:`topic_totals`.
    names : sequence of str
        One label per document.
    ax : matplotlib Axes, optional
    axis_labels : pair of str

    Returns
    -------
    dict
        ``"arrows"`` (one per document) and ``"angles"`` (each arrow's angle
        with the x axis, in degrees, as drawn).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_documents([[3, 0], [1, 1]], ["a", "b"], ax=ax)["angles"]
    [0.0, 45.0]
    >>> plt.close(fig)
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(names):
        raise ValueError(
            f"points must have shape (n_documents, 2) with one row per name ({len(names)}), "
            f"got shape {points.shape}"
        )
    ax = _get_ax(ax)
    arrows, angles = [], []
    lengths = np.hypot(points[:, 0], points[:, 1])
    for i, ((x, y), name) in enumerate(zip(points, names)):
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        angle = math.degrees(math.atan2(y, x))
        # Shorter arrows on top, so one lying along a longer one stays visible;
        # its label goes below the arrow instead of on top of the other's.
        shares_direction = any(math.isclose(angle, other, abs_tol=1e-9) for other in angles)
        arrows.append(
            ax.annotate(
                "", xy=(x, y), xytext=(0, 0), zorder=3 + float(lengths.max() - lengths[i]),
                arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 2.5, "mutation_scale": 18},
            )
        )
        ax.annotate(
            name, (x, y), xytext=(0, -14 if shares_direction else 9), textcoords="offset points",
            fontsize=9, ha="center", va="center", color="black",
        )
        angles.append(angle)
    # Room beyond the farthest tip on each axis for the labels.
    x_reach, y_reach = (max(1.0, float(points[:, j].max())) * 1.25 for j in (0, 1))
    ax.set_xlim(-0.05 * x_reach, x_reach)
    ax.set_ylim(-0.1 * y_reach, y_reach)
    ax.set_aspect("equal")
    ax.set_xlabel(f"number of {axis_labels[0]}")
    ax.set_ylabel(f"number of {axis_labels[1]}")
    ax.grid(color="0.9")
    return {"arrows": arrows, "angles": angles}


def plot_mahalanobis(X, ax=None, *, probes=MAHALANOBIS_PROBES, radii=(1, 2, 3)):
    """A cloud, its Mahalanobis ellipses, and probes measured both ways.

    The centre is the mean of ``X`` and ``VI`` the inverse of its covariance
    (estimated from ``X``, as :func:`knnlib.metrics.pairwise_distances` does).
    Drawn: the points (grey), the ellipses at Mahalanobis distance ``radii``
    from the centre, the Euclidean circle through the first probe, and each
    probe with its Euclidean and Mahalanobis distance from the centre (from
    :mod:`knnlib.metrics`).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    ax : matplotlib Axes, optional
    probes : dict of str to pair of float
    radii : sequence of float

    Returns
    -------
    dict
        ``"ellipses"``, ``"circle"``, ``"points"``, ``"probes"`` (name to
        marker), and the numbers shown: ``"centre"``, ``"VI"`` and
        ``"distances"`` (probe name to ``{"euclidean": ..., "mahalanobis": ...}``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> X = correlated_cloud(correlation=0.9)
    >>> d = plot_mahalanobis(X, ax=ax)["distances"]
    >>> d["B"]["euclidean"] < d["A"]["euclidean"], d["B"]["mahalanobis"] > d["A"]["mahalanobis"]
    (True, True)
    >>> plt.close(fig)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2), got shape {X.shape}")
    ax = _get_ax(ax)
    centre = X.mean(axis=0)
    VI = np.linalg.inv(np.cov(X, rowvar=False))
    VI = (VI + VI.T) / 2  # exactly symmetric, as metrics.estimate_VI makes it
    points = ax.scatter(X[:, 0], X[:, 1], s=12, c="0.6", zorder=1, label="data")
    style = METRIC_STYLES["mahalanobis"]
    ellipses = []
    for i, radius in enumerate(radii):
        ellipse = mahalanobis_ellipse(centre, VI, radius)
        (line,) = ax.plot(
            ellipse[:, 0], ellipse[:, 1], color=style["color"], linewidth=2,
            label="Mahalanobis distance 1, 2, 3" if i == 0 else None, zorder=2,
        )
        ellipses.append(line)
    distances = {
        name: {
            "euclidean": metrics.euclidean(centre, probe),
            "mahalanobis": metrics.mahalanobis(centre, probe, VI=VI),
        }
        for name, probe in probes.items()
    }
    first = next(iter(probes))
    circle_radius = distances[first]["euclidean"]
    circle_points = centre + circle_radius * unit_circle(2)
    euclidean_style = METRIC_STYLES["euclidean"]
    (circle,) = ax.plot(
        circle_points[:, 0], circle_points[:, 1], color=euclidean_style["color"], linestyle="--",
        linewidth=2, zorder=2, label=f"Euclidean distance {circle_radius:.2f} (through {first})",
    )
    ax.scatter([centre[0]], [centre[1]], marker="+", s=100, c="black", zorder=3)
    probe_markers = {}
    for name, (x, y) in probes.items():
        probe_markers[name] = ax.scatter(
            [x], [y], marker="*", s=260, c="white", edgecolors="black", linewidths=1.5, zorder=4
        )
        d = distances[name]
        ax.annotate(
            f"{name}: Euclidean {d['euclidean']:.2f}\n    Mahalanobis {d['mahalanobis']:.2f}",
            # Labels point away from the centre, out of the cloud.
            # Up and to the left: the empty side of a cloud along the rising diagonal.
            (x, y), xytext=(-10, 12), textcoords="offset points", fontsize=9, ha="right", va="bottom",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"}, zorder=5,
        )
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.95)
    return {
        "points": points,
        "ellipses": ellipses,
        "circle": circle,
        "probes": probe_markers,
        "centre": centre,
        "VI": VI,
        "distances": distances,
    }


def plot_metric_boundary(X, y, metric, k, ax=None, *, reference="euclidean", grid=100):
    """KNN's decision regions under ``metric``, with the ``reference`` metric's boundary on top.

    Fits :class:`knnlib.KNNClassifier` with this ``metric`` and ``k`` (for
    mahalanobis, ``VI`` is estimated from ``X``), shades the plane with
    :func:`knnlib.plotting.plot_decision_regions`, and draws the boundary the
    ``reference`` metric gives on the same cells as a thin black line, so the
    change is visible.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)
    metric : str
        One of :data:`knnlib.metrics.METRICS` except minkowski.
    k : int
    ax : matplotlib Axes, optional
    reference : str
    grid : int
        Cells per side.

    Returns
    -------
    dict
        ``"regions"`` (:class:`knnlib.plotting.DecisionRegions`),
        ``"reference_boundary"`` (LineCollection), ``"reference_labels"``
        (grid of labels) and the number shown: ``"changed_fraction"``, the
        fraction of cells whose class differs from the reference metric's.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> X, y = [[2, 2], [8, 8]], [0, 1]
    >>> plot_metric_boundary(X, y, "manhattan", k=1, ax=ax, grid=10)["changed_fraction"]
    0.0
    >>> plt.close(fig)
    """
    from matplotlib.collections import LineCollection

    if metric == "minkowski":
        raise ValueError("metric must be a named metric without parameters, got metric = 'minkowski'")
    ax = _get_ax(ax)
    model = KNNClassifier(k=k, metric=metric).fit(X, y)
    regions = plot_decision_regions(model, X, y, ax=ax, grid=grid)
    # The reference metric's labels on the very cells plot_decision_regions used.
    reference_model = KNNClassifier(k=k, metric=reference).fit(X, y)
    xs, ys = grid_centres(grid, DEFAULT_EXTENT)
    grid_x, grid_y = np.meshgrid(xs, ys)
    cells = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    reference_labels = reference_model.predict(cells).reshape(grid, grid)
    segments = boundary_segments(reference_labels, DEFAULT_EXTENT)
    reference_boundary = LineCollection(
        segments, colors="black", linewidths=1.0, zorder=2, label=f"{reference} boundary"
    )
    ax.add_collection(reference_boundary)
    changed_fraction = float(np.mean(regions.labels != reference_labels))
    return {
        "regions": regions,
        "reference_boundary": reference_boundary,
        "reference_labels": reference_labels,
        "changed_fraction": changed_fraction,
    }


# -- the chapter's interactive figures -----------------------------------------------
#
# Each draw_* function is the pure callback of one knnlib.widgets.interactive_figure:
# it draws on the fresh matplotlib Figure it is given, for one value of each
# control, and returns what the plot_* function it wraps returned.

#: Where crossing A stays in the street-grid figure, and the streets drawn.
STREET_START = (1, 1)
STREETS = (0, 7, 0, 5)


def draw_street_grid(fig, *, x_b, y_b, start=STREET_START, streets=STREETS):
    """Widget callback: A fixed at ``start``, B at ``(x_b, y_b)`` (see :func:`plot_street_grid`).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = draw_street_grid(Figure(), x_b=4, y_b=5)
    >>> drawn["euclidean"], drawn["manhattan"]
    (5.0, 7.0)
    """
    ax = fig.subplots()
    drawn = plot_street_grid(start, (x_b, y_b), ax=ax, streets=streets)
    fig.subplots_adjust(left=0.05, right=0.95, bottom=0.06, top=0.8)
    return drawn


def draw_unit_circles(fig, *, p):
    """Widget callback: the unit circle for ``p`` (see :func:`plot_unit_circles`).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> draw_unit_circles(Figure(), p=math.inf)["probe_distance"]  # max(0.6, 0.8)
    0.8
    """
    ax = fig.subplots()
    drawn = plot_unit_circles(p, ax=ax)
    fig.subplots_adjust(left=0.1, right=0.95, bottom=0.2, top=0.92)
    return drawn


def draw_mahalanobis(fig, *, correlation):
    """Widget callback: the cloud of :func:`correlated_cloud` with this ``correlation``
    (see :func:`plot_mahalanobis`).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = draw_mahalanobis(Figure(), correlation=0.9)
    >>> sorted(drawn["distances"], key=lambda name: drawn["distances"][name]["mahalanobis"])
    ['A', 'B']
    """
    ax = fig.subplots()
    drawn = plot_mahalanobis(correlated_cloud(correlation=correlation), ax=ax)
    ax.set_title(f"correlation {correlation:g}", fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.97, bottom=0.07, top=0.93)
    return drawn


def draw_metric_boundary(fig, *, metric, k, preset="three_classes"):
    """Widget callback: one preset's decision regions under ``metric`` (see :func:`plot_metric_boundary`).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> draw_metric_boundary(Figure(), metric="euclidean", k=5)["changed_fraction"]
    0.0
    """
    from ..datasets import load_preset

    X, y = load_preset(preset)
    ax = fig.subplots()
    drawn = plot_metric_boundary(X, y, metric, k, ax=ax)
    ax.set_title(
        f"{metric}, k = {k}: {drawn['changed_fraction']:.1%} of the cells differ from euclidean", fontsize=10
    )
    fig.subplots_adjust(left=0.08, right=0.97, bottom=0.07, top=0.93)
    return drawn
