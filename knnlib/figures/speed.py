r"""Chapter 7, making it fast: trees drawn, searches replayed, work and time measured.

A plain scan measures the distance from a query to all :math:`n` training
points. A k-d tree or a ball tree measures far fewer: it skips every node
whose *lower bound* (the distance from the query to the node's box or ball)
is larger than the k-th smallest distance found so far. This module holds the
chapter's pieces:

* the 2-D demonstration data and trees (:func:`demo_points`,
  :func:`demo_tree`);
* :func:`search_steps`, which replays the trace of one query
  (:meth:`knnlib.KDTree.trace`) step by step: which nodes were opened,
  measured or skipped so far, the k-th distance and the neighbours so far;
* drawings that take an ``ax`` and return what they drew: the k-d tree's
  cells at one depth (:func:`plot_kd_partition`), the ball tree's balls
  (:func:`plot_ball_level`), one step of a search
  (:func:`plot_search_step`, :func:`plot_search_progress`) and the pure
  callbacks of the chapter's interactive figures (``draw_*``);
* measurements: distance evaluations per query against the training set
  size (:func:`evaluations_against_n`) and against the dimension, with
  timings (:func:`sweep_dimensions`, :func:`crossover_dimension`), and
  knnlib's three indexes timed beside scikit-learn's
  (:func:`compare_with_sklearn`). Timings use
  :func:`knnlib.timing.median_ratio` on one thread, as the benchmarks do.

The lower bounds, for a query :math:`q`:

.. math::

    \text{box } [lo, hi]:\quad \Bigl\lVert \max(lo - q,\ 0,\ q - hi) \Bigr\rVert_2 ,
    \qquad
    \text{ball } (c, R):\quad \max\bigl(0,\ \lVert q - c \rVert_2 - R\bigr) .

Examples
--------
>>> from knnlib.figures import speed
>>> tree = speed.demo_tree("kd")
>>> trace, steps = speed.search_steps(tree, speed.DEMO_QUERY, k=speed.DEMO_K)
>>> len(steps) == len(trace.events)
True
>>> steps[-1].n_distance_evaluations == trace.n_distance_evaluations
True
>>> bool((steps[-1].neighbours == trace.indices).all())
True
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_option, check_positive_int
from ..plotting import CLASS_COLORS, DEFAULT_EXTENT
from ..search import BallTree, BruteForce, KDTree
from ..timing import median_ratio, progress

__all__ = [
    "DEMO_K",
    "DEMO_LEAF_SIZE",
    "DEMO_N_POINTS",
    "DEMO_QUERY",
    "DEMO_SEED",
    "INDEX_NAMES",
    "INDEX_STYLES",
    "TREE_KINDS",
    "DimensionSweep",
    "LibraryTimings",
    "SearchStep",
    "compare_with_sklearn",
    "crossover_dimension",
    "demo_n_steps",
    "demo_points",
    "demo_tree",
    "describe_step",
    "draw_ball_levels",
    "draw_ball_search",
    "draw_kd_partition",
    "draw_kd_search",
    "evaluations_against_n",
    "plot_against_dimension",
    "plot_ball_level",
    "plot_evaluations_against_n",
    "plot_kd_partition",
    "plot_search_progress",
    "plot_search_step",
    "plot_timings",
    "search_steps",
    "sweep_dimensions",
    "uniform_points",
]

# ---------------------------------------------------------------------------
# The 2-D demonstration
# ---------------------------------------------------------------------------

#: The two trees of the chapter, by short name.
TREE_KINDS = {"kd": KDTree, "ball": BallTree}

#: Points in the drawings, their seed, the leaf size (small, so that the
#: tree has 5 levels and 16 leaves), the traced query and its k.
DEMO_N_POINTS = 100
DEMO_SEED = 0
DEMO_LEAF_SIZE = 6
DEMO_QUERY = (7.3, 2.1)
DEMO_K = 3

#: The three indexes, in the order the chapter lists them, with display names.
INDEX_NAMES = {"brute": "brute force", "kd": "k-d tree", "ball": "ball tree"}

#: One look per index in every plot of the chapter (colours from the book's palette).
INDEX_STYLES = {
    "brute": {"color": "0.3", "marker": "s", "linestyle": "-"},
    "kd": {"color": CLASS_COLORS[0], "marker": "o", "linestyle": "-"},
    "ball": {"color": CLASS_COLORS[2], "marker": "^", "linestyle": "--"},
}

_INDEX_CLASSES = {"brute": BruteForce, "kd": KDTree, "ball": BallTree}

# Colours of the search pictures: what was measured, skipped, and the step now.
_MEASURED_COLOR = CLASS_COLORS[2]  # bluish green
_PRUNED_COLOR = "0.55"
_ACTION_COLORS = {"visit": CLASS_COLORS[0], "leaf": CLASS_COLORS[2], "prune": CLASS_COLORS[3]}
_POINT_COLOR = "0.35"


def demo_points(n_points=DEMO_N_POINTS, seed=DEMO_SEED):
    """The chapter's 2-D points: uniform in the square [0, 10] x [0, 10], two decimals.

    Parameters
    ----------
    n_points : int
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    ndarray of shape (n_points, 2)

    Examples
    --------
    >>> X = demo_points()
    >>> X.shape, bool(X.min() >= 0), bool(X.max() <= 10)
    ((100, 2), True, True)
    """
    n_points = check_positive_int(n_points, "n_points")
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(0.0, 10.0, size=(n_points, 2)), 2)


@functools.lru_cache(maxsize=None)
def demo_tree(kind):
    """The chapter's k-d tree (``kind="kd"``) or ball tree (``"ball"``) on :func:`demo_points`.

    Built once per kind (cached) with ``leaf_size=DEMO_LEAF_SIZE``: 5 levels,
    16 leaves of 6 or 7 points.

    Examples
    --------
    >>> tree = demo_tree("ball")
    >>> tree.n_levels, tree.n_leaves
    (5, 16)
    """
    kind = check_option(kind, "kind", tuple(TREE_KINDS))
    return TREE_KINDS[kind](demo_points(), leaf_size=DEMO_LEAF_SIZE)


# ---------------------------------------------------------------------------
# Replaying a traced search
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchStep:
    """The state of a traced search just after one of its decisions.

    Attributes
    ----------
    number : int
        1 for the first decision.
    event : knnlib.search.TraceEvent
        The decision: ``node``, ``action`` (``"visit"``, ``"leaf"`` or
        ``"prune"``), ``lower_bound`` and ``kth_distance`` (before it).
    opened, measured, pruned : tuple of int
        Internal nodes opened, leaves measured and nodes skipped so far.
    n_distance_evaluations : int
        Points measured so far.
    kth_distance : float
        The k-th smallest distance found so far, after this step (``inf``
        while fewer than ``k`` points have been measured).
    neighbours : ndarray of int
        The best (at most ``k``) training indices so far, ordered by
        (distance, index).
    neighbour_distances : ndarray
        Their distances.
    """

    number: int
    event: object
    opened: tuple
    measured: tuple
    pruned: tuple
    n_distance_evaluations: int
    kth_distance: float
    neighbours: np.ndarray
    neighbour_distances: np.ndarray


def search_steps(tree, query, k):
    """Trace one query with ``tree.trace`` and replay it, one :class:`SearchStep` per decision.

    The replay measures each leaf's points itself (with the tree's metric)
    and keeps the ``k`` best by (distance, index), so each step knows the
    neighbours found so far; the tests check that the replay agrees with
    the trace (the k-th distance each decision saw, the final answer).

    Parameters
    ----------
    tree : KDTree or BallTree
    query : array-like of shape (n_features,)
    k : int

    Returns
    -------
    trace : knnlib.search.SearchTrace
    steps : list of SearchStep

    Examples
    --------
    >>> import numpy as np
    >>> from knnlib import KDTree
    >>> tree = KDTree(np.array([[0., 0.], [0., 1.], [4., 0.], [4., 1.]]), leaf_size=1)
    >>> trace, steps = search_steps(tree, [0.2, 0.9], k=1)
    >>> [(s.event.action, s.n_distance_evaluations, round(s.kth_distance, 3)) for s in steps]
    [('visit', 0, inf), ('leaf', 2, 0.224), ('prune', 2, 0.224)]
    """
    if not isinstance(tree, (KDTree, BallTree)):
        raise TypeError(f"tree must be a knnlib KDTree or BallTree, got tree = {tree!r}")
    trace = tree.trace(query, k=k)
    q = np.asarray(query, dtype=np.float64).reshape(1, -1)
    opened, measured, pruned = [], [], []
    best_d = np.zeros(0)
    best_i = np.zeros(0, dtype=np.intp)
    n_measured = 0
    steps = []
    for number, event in enumerate(trace.events, start=1):
        if event.action == "visit":
            opened.append(event.node)
        elif event.action == "prune":
            pruned.append(event.node)
        else:
            measured.append(event.node)
            members = tree.node_points(event.node)
            dist = tree.metric.rowwise(np.repeat(q, len(members), axis=0), tree.data[members])
            n_measured += len(members)
            pool_d = np.concatenate([best_d, dist])
            pool_i = np.concatenate([best_i, members])
            keep = np.lexsort((pool_i, pool_d))[:k]
            best_d, best_i = pool_d[keep], pool_i[keep]
        kth = float(best_d[k - 1]) if len(best_d) >= k else math.inf
        steps.append(
            SearchStep(
                number=number,
                event=event,
                opened=tuple(opened),
                measured=tuple(measured),
                pruned=tuple(pruned),
                n_distance_evaluations=n_measured,
                kth_distance=kth,
                neighbours=best_i.copy(),
                neighbour_distances=best_d.copy(),
            )
        )
    return trace, steps



def describe_step(step, tree_kind):
    """One sentence saying what a search step did, for the figure's title.

    Parameters
    ----------
    step : SearchStep
    tree_kind : {"kd", "ball"}
        Says "box" or "ball".

    Examples
    --------
    >>> from knnlib.search.kdtree import TraceEvent
    >>> event = TraceEvent(node=6, action="prune", lower_bound=2.5, kth_distance=1.25)
    >>> step = SearchStep(3, event, (), (), (6,), 10, 1.25, np.array([1]), np.array([1.25]))
    >>> describe_step(step, "kd")
    'skip node 6: its box is 2.50 away, more than the k-th distance 1.25'
    """
    shape = {"kd": "box", "ball": "ball"}[check_option(tree_kind, "tree_kind", tuple(TREE_KINDS))]
    event = step.event
    if event.action == "prune":
        return (
            f"skip node {event.node}: its {shape} is {event.lower_bound:.2f} away, "
            f"more than the k-th distance {event.kth_distance:.2f}"
        )
    kth = "none yet" if math.isinf(event.kth_distance) else f"{event.kth_distance:.2f}"
    if event.action == "leaf":
        return f"measure leaf {event.node}: its {shape} is {event.lower_bound:.2f} away (k-th distance: {kth})"
    return f"open node {event.node}: its {shape} is {event.lower_bound:.2f} away (k-th distance: {kth})"


# ---------------------------------------------------------------------------
# Drawing the trees
# ---------------------------------------------------------------------------


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _check_depth(tree, depth):
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) or not 0 <= depth < tree.n_levels:
        raise ValueError(f"depth must be an integer from 0 to {tree.n_levels - 1}, got depth = {depth!r}")
    return int(depth)


def _level_nodes(depth):
    """Node ids at ``depth`` in heap order."""
    return range(2**depth - 1, 2 ** (depth + 1) - 1)


def _check_2d_tree(tree, kind):
    if not isinstance(tree, TREE_KINDS[kind]):
        raise TypeError(f"tree must be a knnlib {TREE_KINDS[kind].__name__}, got tree = {tree!r}")
    if tree.n_features != 2:
        raise ValueError(f"tree must hold 2-D points to be drawn, got n_features = {tree.n_features}")


def _clip_box(lo, hi, extent):
    x_min, x_max, y_min, y_max = extent
    return (max(lo[0], x_min), max(lo[1], y_min)), (min(hi[0], x_max), min(hi[1], y_max))


def _plot_demo_points(X, ax, **style):
    kwargs = {"s": 10, "color": _POINT_COLOR, "zorder": 3, "linewidths": 0}
    kwargs.update(style)
    return ax.scatter(X[:, 0], X[:, 1], **kwargs)


def plot_kd_partition(tree, depth, ax=None, *, extent=DEFAULT_EXTENT, show_boxes=False):
    """The k-d tree's cells at ``depth``: the cuts of every level down to it.

    Each internal node above ``depth`` cuts its cell at ``split_value``
    along ``split_dim``; the cuts of the deepest level drawn are coloured.
    The cells at ``depth`` tile the plane; each title counts them.

    Parameters
    ----------
    tree : KDTree on 2-D points
    depth : int, 0 <= depth < tree.n_levels
    ax : matplotlib Axes, optional
    extent : (x_min, x_max, y_min, y_max)
        Where the infinite outer cells are cut off for drawing.
    show_boxes : bool
        Also draw (dashed) each cell's bounding box: the smallest box around
        its points, which is what the search measures against.

    Returns
    -------
    dict
        ``"cuts"`` (list of Line2D, one per split above ``depth``, in node
        order), ``"new_cuts"`` (the ones made by the level just above
        ``depth``), ``"boxes"`` (Rectangles; empty unless ``show_boxes``),
        ``"points"`` (PathCollection) and ``"cells"``: the node ids drawn.
    """
    _check_2d_tree(tree, "kd")
    depth = _check_depth(tree, depth)
    from matplotlib.patches import Rectangle

    ax = _get_ax(ax)
    cuts, new_cuts = [], []
    for node in range(2**depth - 1):
        dim, value = int(tree.split_dim[node]), float(tree.split_value[node])
        (x0, y0), (x1, y1) = _clip_box(tree.cell_lo[node], tree.cell_hi[node], extent)
        xs, ys = ([value, value], [y0, y1]) if dim == 0 else ([x0, x1], [value, value])
        newest = tree.node_depth[node] == depth - 1
        (line,) = ax.plot(
            xs, ys, color=CLASS_COLORS[3] if newest else "black",
            linewidth=2.2 if newest else 1.0 + 1.2 / (1 + tree.node_depth[node]), zorder=2,
        )
        cuts.append(line)
        if newest:
            new_cuts.append(line)
    boxes = []
    if show_boxes:
        for node in _level_nodes(depth):
            lo, hi = tree.node_lo[node], tree.node_hi[node]
            box = Rectangle(lo, *(hi - lo), fill=False, linestyle="--", linewidth=0.9,
                            edgecolor=CLASS_COLORS[0], zorder=2)
            ax.add_patch(box)
            boxes.append(box)
    points = _plot_demo_points(tree.data, ax)
    x_min, x_max, y_min, y_max = extent
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    n_cells = 2**depth
    sizes = [tree.node_end[i] - tree.node_start[i] for i in _level_nodes(depth)]
    size_text = f"{min(sizes)} points" if min(sizes) == max(sizes) else f"{min(sizes)} to {max(sizes)} points"
    ax.set_title(f"depth {depth}: {n_cells} cell{'s' if n_cells > 1 else ''} of {size_text}", fontsize=10)
    return {"cuts": cuts, "new_cuts": new_cuts, "boxes": boxes, "points": points,
            "cells": list(_level_nodes(depth))}


def _ball_limits(tree):
    """Square axis limits holding the root ball (so every level is drawn at the same scale)."""
    centre, radius = tree.centres[0], tree.radii[0]
    half = radius * 1.04
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def plot_ball_level(tree, depth, ax=None):
    """The ball tree's balls at ``depth`` (filled), inside their parents' balls (dashed).

    Parameters
    ----------
    tree : BallTree on 2-D points
    depth : int, 0 <= depth < tree.n_levels
    ax : matplotlib Axes, optional

    Returns
    -------
    dict
        ``"balls"`` (Circles at ``depth``, in node order), ``"parents"``
        (Circles one level up), ``"centres"`` (Line2D of the ``+`` marks),
        ``"points"`` and ``"nodes"`` (the node ids at ``depth``).
    """
    _check_2d_tree(tree, "ball")
    depth = _check_depth(tree, depth)
    from matplotlib.patches import Circle

    ax = _get_ax(ax)
    balls, parents = [], []
    nodes = list(_level_nodes(depth))
    for node in nodes:
        ball = Circle(tree.centres[node], tree.radii[node], facecolor=CLASS_COLORS[2], alpha=0.13,
                      edgecolor="none", zorder=1)
        edge = Circle(tree.centres[node], tree.radii[node], fill=False, edgecolor=CLASS_COLORS[2],
                      linewidth=1.4, zorder=2)
        ax.add_patch(ball)
        ax.add_patch(edge)
        balls.append(edge)
    if depth > 0:
        for node in _level_nodes(depth - 1):
            parent = Circle(tree.centres[node], tree.radii[node], fill=False, edgecolor="0.3",
                            linestyle="--", linewidth=1.0, zorder=2)
            ax.add_patch(parent)
            parents.append(parent)
    (centres,) = ax.plot(tree.centres[nodes, 0], tree.centres[nodes, 1], "+", color="black",
                         markersize=7, zorder=4)
    points = _plot_demo_points(tree.data, ax)
    xlim, ylim = _ball_limits(tree)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    n_balls = len(nodes)
    ax.set_title(f"depth {depth}: {n_balls} ball{'s' if n_balls > 1 else ''}", fontsize=10)
    return {"balls": balls, "parents": parents, "centres": centres, "points": points, "nodes": nodes}


def _node_patch(tree, node, **style):
    """The shape the search measures for ``node``: its bounding box or its ball."""
    from matplotlib.patches import Circle, Rectangle

    if isinstance(tree, BallTree):
        return Circle(tree.centres[node], tree.radii[node], **style)
    lo, hi = tree.node_lo[node], tree.node_hi[node]
    return Rectangle(lo, *(hi - lo), **style)


def plot_search_step(tree, steps, step, query, ax=None):
    """One step of a traced search, drawn on the plane.

    Grey, hatched: nodes skipped so far. Green: leaves measured so far (their
    points in green). Thin dashed outlines: internal nodes opened. Bold
    outline: the node decided at this step (blue: opened, green: measured,
    vermillion: skipped). The star is the query; the dashed circle has the
    k-th distance found so far as its radius, and lines join the query to
    the neighbours found so far.

    Parameters
    ----------
    tree : KDTree or BallTree on 2-D points
    steps : list of SearchStep
        From :func:`search_steps` for this ``tree`` and ``query``.
    step : int
        1 to ``len(steps)``.
    query : array-like of shape (2,)
    ax : matplotlib Axes, optional

    Returns
    -------
    dict
        ``"pruned"``, ``"measured"``, ``"opened"`` (patches, in step order),
        ``"current"`` (the bold patch), ``"radius"`` (the k-th distance
        Circle, or None), ``"neighbour_lines"`` (Line2D list) and
        ``"measured_points"`` (PathCollection or None).
    """
    kind = "ball" if isinstance(tree, BallTree) else "kd"
    _check_2d_tree(tree, kind)
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or not 1 <= step <= len(steps):
        raise ValueError(f"step must be an integer from 1 to {len(steps)}, got step = {step!r}")
    from matplotlib.patches import Circle

    ax = _get_ax(ax)
    state = steps[step - 1]
    query = np.asarray(query, dtype=np.float64)
    drawn = {"pruned": [], "measured": [], "opened": []}
    for node in state.opened:
        patch = _node_patch(tree, node, fill=False, edgecolor="0.45", linestyle="--", linewidth=0.8, zorder=2)
        drawn["opened"].append(ax.add_patch(patch))
    for node in state.pruned:
        patch = _node_patch(tree, node, facecolor="0.85", edgecolor=_PRUNED_COLOR, hatch="///",
                            linewidth=0.8, alpha=0.8, zorder=1)
        drawn["pruned"].append(ax.add_patch(patch))
    for node in state.measured:
        patch = _node_patch(tree, node, facecolor=_MEASURED_COLOR, edgecolor=_MEASURED_COLOR,
                            alpha=0.18, linewidth=0.8, zorder=1)
        drawn["measured"].append(ax.add_patch(patch))
    action = state.event.action
    current = _node_patch(tree, state.event.node, fill=False, edgecolor=_ACTION_COLORS[action],
                          linewidth=2.6, zorder=5)
    drawn["current"] = ax.add_patch(current)

    _plot_demo_points(tree.data, ax, s=8, color="0.6")
    measured_points = None
    if state.measured:
        members = np.concatenate([tree.node_points(node) for node in state.measured])
        measured_points = _plot_demo_points(tree.data[members], ax, s=14, color=_MEASURED_COLOR,
                                            edgecolors="black", linewidths=0.4)
    drawn["measured_points"] = measured_points
    lines = []
    for index in state.neighbours:
        (line,) = ax.plot(*zip(query, tree.data[index]), color="black", linewidth=1.0, zorder=4)
        lines.append(line)
    drawn["neighbour_lines"] = lines
    drawn["radius"] = None
    if math.isfinite(state.kth_distance):
        drawn["radius"] = ax.add_patch(Circle(query, state.kth_distance, fill=False, edgecolor="black",
                                              linestyle=(0, (4, 3)), linewidth=1.2, zorder=4))
    ax.plot(*query, marker="*", markersize=15, color="black", markeredgecolor="white", zorder=6)
    if kind == "ball":
        xlim, ylim = _ball_limits(tree)
    else:
        xlim, ylim = (DEFAULT_EXTENT[0], DEFAULT_EXTENT[1]), (DEFAULT_EXTENT[2], DEFAULT_EXTENT[3])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    return drawn


def plot_search_progress(steps, step, n_samples, ax_bound, ax_count):
    """The k-th distance (top) and the distances computed (bottom), step by step up to ``step``.

    The steps still to come are drawn faintly, so the axes stay the same
    while the reader steps through.

    Parameters
    ----------
    steps : list of SearchStep
    step : int
        The current step, marked on both panels.
    n_samples : int
        Training set size: the count a plain scan would need (dotted line).
    ax_bound, ax_count : matplotlib Axes

    Returns
    -------
    dict
        ``"bound"`` and ``"count"``: the Line2D of each panel up to
        ``step`` (its data are the values shown); ``"markers"``: the
        current-step markers.
    """
    numbers_ = np.arange(1, len(steps) + 1)
    kth = np.array([s.kth_distance for s in steps])
    counts = np.array([s.n_distance_evaluations for s in steps])
    finite = np.isfinite(kth)
    done = numbers_ <= step
    ax_bound.step(numbers_[finite], kth[finite], where="post", color="0.85")
    (bound_line,) = ax_bound.step(numbers_[finite & done], kth[finite & done], where="post", color="black")
    ax_bound.set_ylabel("k-th distance\nso far", fontsize=9)
    ax_bound.set_xlim(0.5, len(steps) + 0.5)
    if finite.any():
        ax_bound.set_ylim(0, 1.1 * kth[finite].max())
    ax_count.step(numbers_, counts, where="post", color="0.85")
    (count_line,) = ax_count.step(numbers_[done], counts[done], where="post", color=_MEASURED_COLOR)
    ax_count.axhline(n_samples, color="0.3", linestyle=":", linewidth=1.2)
    ax_count.text(len(steps) + 0.4, n_samples, f"scan: {n_samples}", ha="right", va="bottom", fontsize=8)
    ax_count.set_ylim(0, 1.15 * n_samples)
    ax_count.set_xlim(0.5, len(steps) + 0.5)
    ax_count.set_ylabel("distances\ncomputed", fontsize=9)
    ax_count.set_xlabel("step")
    markers = []
    current = steps[step - 1]
    color = _ACTION_COLORS[current.event.action]
    if math.isfinite(current.kth_distance):
        markers.append(ax_bound.plot(step, current.kth_distance, "o", color=color)[0])
    markers.append(ax_count.plot(step, current.n_distance_evaluations, "o", color=color)[0])
    for ax in (ax_bound, ax_count):
        ax.tick_params(labelsize=8)
    return {"bound": bound_line, "count": count_line, "markers": markers}


@functools.lru_cache(maxsize=None)
def _demo_steps(kind):
    return search_steps(demo_tree(kind), DEMO_QUERY, DEMO_K)


def demo_n_steps(kind):
    """Number of decisions in the chapter's traced search with the ``kind`` tree.

    Examples
    --------
    >>> demo_n_steps("kd") >= 3
    True
    """
    return len(_demo_steps(kind)[1])



def _draw_demo_search(fig, kind, step):
    tree = demo_tree(kind)
    trace, steps = _demo_steps(kind)
    grid = fig.add_gridspec(2, 2, width_ratios=(1.55, 1), hspace=0.12, wspace=0.32,
                            left=0.03, right=0.97, top=0.86, bottom=0.11)
    ax_map = fig.add_subplot(grid[:, 0])
    ax_bound = fig.add_subplot(grid[0, 1])
    ax_count = fig.add_subplot(grid[1, 1], sharex=ax_bound)
    ax_bound.tick_params(labelbottom=False)
    drawn = plot_search_step(tree, steps, step, DEMO_QUERY, ax=ax_map)
    ax_map.set_xticks([])
    ax_map.set_yticks([])
    progress_drawn = plot_search_progress(steps, step, tree.n_samples, ax_bound, ax_count)
    state = steps[step - 1]
    fig.suptitle(f"step {step} of {len(steps)}: {describe_step(state, kind)}", fontsize=10)
    return {"map": drawn, "progress": progress_drawn, "step": state, "trace": trace}


def draw_kd_search(fig, *, step):
    """Interactive callback: step ``step`` of the k-d tree's search for :data:`DEMO_QUERY`.

    Left, :func:`plot_search_step`; right, :func:`plot_search_progress`;
    the title says what the step did (:func:`describe_step`).

    Returns
    -------
    dict
        ``"map"`` and ``"progress"`` (what the two helpers drew), ``"step"``
        (the :class:`SearchStep` shown) and ``"trace"``.
    """
    return _draw_demo_search(fig, "kd", step)


def draw_ball_search(fig, *, step):
    """Interactive callback: step ``step`` of the ball tree's search (see :func:`draw_kd_search`)."""
    return _draw_demo_search(fig, "ball", step)


def draw_kd_partition(fig, *, depth, show_boxes=False):
    """Interactive callback: :func:`plot_kd_partition` of the chapter's k-d tree at ``depth``."""
    ax = fig.subplots()
    drawn = plot_kd_partition(demo_tree("kd"), depth, ax=ax, show_boxes=show_boxes)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.subplots_adjust(left=0.03, right=0.97, bottom=0.03, top=0.92)
    return drawn


def draw_ball_levels(fig, *, depth):
    """Interactive callback: :func:`plot_ball_level` of the chapter's ball tree at ``depth``."""
    ax = fig.subplots()
    drawn = plot_ball_level(demo_tree("ball"), depth, ax=ax)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.subplots_adjust(left=0.03, right=0.97, bottom=0.03, top=0.92)
    return drawn


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def uniform_points(n_samples, n_features, seed=0):
    """``n_samples`` points drawn uniformly from the unit cube ``[0, 1)^n_features``.

    Examples
    --------
    >>> uniform_points(3, 2, seed=1).shape
    (3, 2)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_features = check_positive_int(n_features, "n_features")
    return np.random.default_rng(seed).random((n_samples, n_features))


@contextlib.contextmanager
def _timing_conditions():
    """One thread, as in the benchmarks, and a frozen heap.

    Native thread pools (BLAS, OpenMP) are pinned to one thread, so that
    knnlib and scikit-learn are compared on equal terms. ``median_ratio``
    runs a full garbage collection before every timed call; in a notebook
    full of figures and widgets each one walks a few hundred thousand
    objects (about 0.1 s). ``gc.freeze`` moves the objects that exist now
    out of the collector's sight, so those collections only look at what
    the measurement itself creates; the timed calls are unaffected.
    """
    from threadpoolctl import threadpool_limits

    gc.collect()
    gc.freeze()
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        gc.unfreeze()


def _check_sizes(values, name, minimum):
    try:
        values = [v for v in values]
    except TypeError:
        raise TypeError(f"{name} must be a list of integers, got {name} = {values!r}") from None
    if not values or any(
        isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum for v in values
    ):
        raise ValueError(f"{name} must be a non-empty list of integers >= {minimum}, got {name} = {values!r}")
    return np.array(values, dtype=np.int64)


def evaluations_against_n(sizes, *, n_features=2, n_queries=20, k=5, seed=0, show_progress=False):
    """Mean distance evaluations per query of each index, for training sets of each size.

    The counts come from each index's ``last_stats.n_distance_evaluations``
    after one batch query. Training points are the first ``n`` rows of one
    seeded uniform sample (so a larger set contains the smaller ones); the
    queries come from the same distribution.

    Parameters
    ----------
    sizes : list of int
        Training set sizes, each >= k.
    n_features, n_queries, k, seed : int
    show_progress : bool
        Show a progress bar (in a Jupyter kernel) while the trees are built.

    Returns
    -------
    dict
        ``"sizes"`` (ndarray) and, for ``"brute"``, ``"kd"`` and ``"ball"``,
        an ndarray of the mean evaluations per query at each size.

    Examples
    --------
    >>> counts = evaluations_against_n([50, 500], n_queries=5, k=1)
    >>> counts["brute"].tolist()
    [50.0, 500.0]
    >>> bool(counts["kd"][1] < 500)
    True
    """
    k = check_positive_int(k, "k")
    sizes = _check_sizes(sizes, "sizes", k)
    X_all = uniform_points(int(sizes.max()), n_features, seed)
    Q = uniform_points(n_queries, n_features, seed + 1)
    counts = {name: np.zeros(len(sizes)) for name in _INDEX_CLASSES}
    jobs = [(i, n, name) for i, n in enumerate(sizes) for name in _INDEX_CLASSES]
    for i, n, name in progress(jobs, description="indexes") if show_progress else jobs:
        index = _INDEX_CLASSES[name](X_all[:n])
        index.query(Q, k)
        counts[name][i] = index.last_stats.n_distance_evaluations.mean()
    return {"sizes": sizes, **counts}


@dataclass
class DimensionSweep:
    """Work and time per query of the three indexes at several dimensions.

    Attributes
    ----------
    dims : ndarray of int
    n_samples, n_queries, k : int
    evaluations : dict of str -> ndarray
        Mean distance evaluations per query, by index name.
    seconds : dict of str -> ndarray
        Median seconds per query (NaN where not timed), by index name.
    ratios : dict of str -> ndarray
        Median over repeats of (index time / brute-force time) (NaN where not timed).
    """

    dims: np.ndarray
    n_samples: int
    n_queries: int
    k: int
    evaluations: dict
    seconds: dict
    ratios: dict

    @property
    def fraction_measured(self):
        """Evaluations per query as a fraction of ``n_samples``, by index name."""
        return {name: counts / self.n_samples for name, counts in self.evaluations.items()}

    def crossover(self, name):
        """The dimension from which index ``name`` is never faster than the scan (:func:`crossover_dimension`)."""
        found = crossover_dimension(self.dims, self.ratios[name])
        return None if found is None else int(found)

    def measures_over(self, name, share=0.5):
        """The first dimension at which index ``name`` measures more than ``share`` of the points (None if none)."""
        over = np.flatnonzero(self.fraction_measured[name] > share)
        return int(self.dims[over[0]]) if len(over) else None


def sweep_dimensions(dims, *, n_samples=20_000, n_queries=100, k=5, timed_up_to=32, repeats=3, seed=0,
                     show_progress=False):
    """Distance evaluations (every dimension) and timings (up to ``timed_up_to``) of the three indexes.

    For each dimension ``d``: ``n_samples`` uniform training points and
    ``n_queries`` uniform queries (seeded by ``seed + d``), one index of each
    kind, one counted batch query each; then, where ``d <= timed_up_to``,
    :func:`knnlib.timing.median_ratio` with ``repeats`` interleaved rounds,
    on one thread, brute force as the baseline.

    Parameters
    ----------
    dims : list of int
        Dimensions, increasing.
    n_samples, n_queries, k : int
        Training points, queries and neighbours, the same at every dimension.
    timed_up_to : int
        Time the queries only up to this dimension (beyond it the trees
        measure every point, slowly, and counting them is enough).
    repeats : int
        Timed rounds per dimension.
    seed : int
    show_progress : bool
        Show a progress bar (in a Jupyter kernel), one step per dimension.

    Returns
    -------
    DimensionSweep

    Examples
    --------
    >>> sweep = sweep_dimensions([2, 4], n_samples=300, n_queries=5, timed_up_to=2, repeats=1)
    >>> sweep.evaluations["brute"].tolist()
    [300.0, 300.0]
    >>> bool(np.isnan(sweep.seconds["kd"][1])), float(sweep.ratios["brute"][0])
    (True, 1.0)
    """
    k = check_positive_int(k, "k")
    dims = _check_sizes(dims, "dims", 1)
    n_samples = check_positive_int(n_samples, "n_samples")
    names = list(_INDEX_CLASSES)
    evaluations = {name: np.zeros(len(dims)) for name in names}
    seconds = {name: np.full(len(dims), np.nan) for name in names}
    ratios = {name: np.full(len(dims), np.nan) for name in names}
    loop = list(enumerate(dims))
    with _timing_conditions():
        for i, d in progress(loop, description="dimensions") if show_progress else loop:
            X = uniform_points(n_samples, int(d), seed + int(d))
            Q = uniform_points(n_queries, int(d), seed + int(d) + 10_000)
            indexes = {name: cls(X) for name, cls in _INDEX_CLASSES.items()}
            for name, index in indexes.items():
                index.query(Q, k)
                evaluations[name][i] = index.last_stats.n_distance_evaluations.mean()
            if d <= timed_up_to:
                timed = median_ratio(
                    {name: functools.partial(index.query, Q, k) for name, index in indexes.items()},
                    repeats=repeats, baseline="brute", warmup=0,
                )
                for name in names:
                    seconds[name][i] = timed["times"][name] / n_queries
                    ratios[name][i] = timed["ratios"][name]
    return DimensionSweep(dims=dims, n_samples=n_samples, n_queries=n_queries, k=k,
                          evaluations=evaluations, seconds=seconds, ratios=ratios)


def crossover_dimension(dims, ratios):
    """The smallest dimension from which on a tree is never faster than the scan.

    Parameters
    ----------
    dims : sequence of int
        Increasing dimensions.
    ratios : sequence of float
        Tree time / scan time at each dimension (NaN: not measured, ignored).

    Returns
    -------
    int or None
        The first ``d`` such that the ratio is >= 1 there and at every
        larger measured dimension; None if the tree still wins at the
        largest measured dimension.

    Examples
    --------
    >>> crossover_dimension([2, 4, 8, 16, 32], [0.1, 0.5, 1.2, 1.5, 3.0])
    8
    >>> crossover_dimension([2, 4, 8, 16, 32], [0.1, 0.5, 1.2, 0.9, 3.0])  # wins again at 16
    32
    >>> crossover_dimension([2, 4], [0.1, 0.5]) is None
    True
    """
    dims = list(dims)
    ratios = np.asarray(ratios, dtype=np.float64)
    if len(dims) != len(ratios):
        raise ValueError(f"dims and ratios must have the same length, got {len(dims)} and {len(ratios)}")
    measured = [(d, r) for d, r in zip(dims, ratios) if not np.isnan(r)]
    crossover = None
    for d, r in reversed(measured):
        if r < 1.0:
            break
        crossover = d
    return crossover


@dataclass
class LibraryTimings:
    """knnlib's three indexes beside scikit-learn's on one task.

    Attributes
    ----------
    n_samples, n_features, n_queries, k : int
    seconds : dict of (library, index) -> float
        Median seconds per query; library ``"knnlib"`` or ``"scikit-learn"``,
        index ``"brute"``, ``"kd"`` or ``"ball"``.
    ratios : dict of (library, index) -> float
        Median over repeats of (time / knnlib brute-force time).
    knnlib_identical : bool
        Whether knnlib's three indexes returned bit-for-bit the same
        distances and the same indices.
    same_as_sklearn : bool
        Whether scikit-learn's three indexes returned the same indices as knnlib's.
    """

    n_samples: int
    n_features: int
    n_queries: int
    k: int
    seconds: dict
    ratios: dict
    knnlib_identical: bool
    same_as_sklearn: bool

    def speed_up(self, name):
        """How many times as fast as knnlib's scan knnlib's index ``name`` answered (median ratio)."""
        return 1.0 / self.ratios[("knnlib", name)]

    def rows(self):
        """One dict per index: microseconds per query of each library and their ratio."""
        out = []
        for name in _INDEX_CLASSES:
            ours, theirs = self.seconds[("knnlib", name)], self.seconds[("scikit-learn", name)]
            out.append({
                "d": self.n_features,
                "index": INDEX_NAMES[name],
                "knnlib (µs/query)": round(ours * 1e6, 1),
                "scikit-learn (µs/query)": round(theirs * 1e6, 1),
                "knnlib / scikit-learn": round(ours / theirs, 2),
                "knnlib speed-up over its scan": round(self.speed_up(name), 1),
            })
        return out


def compare_with_sklearn(X, Q, k=5, *, repeats=3):
    """Time knnlib's ``BruteForce``, ``KDTree`` and ``BallTree`` beside scikit-learn's, and check answers.

    scikit-learn's contenders are ``NearestNeighbors(algorithm="brute")``,
    ``sklearn.neighbors.KDTree`` and ``BallTree``, all with the default leaf
    size 40 (as knnlib's). Building is not timed. The six query calls run
    interleaved (:func:`knnlib.timing.median_ratio`) on one thread.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Q : array-like of shape (n_queries, n_features)
    k : int
    repeats : int

    Returns
    -------
    LibraryTimings

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> timings = compare_with_sklearn(rng.random((500, 2)), rng.random((20, 2)), k=3, repeats=1)
    >>> timings.knnlib_identical, timings.same_as_sklearn
    (True, True)
    >>> timings.ratios[("knnlib", "brute")]
    1.0
    """
    from sklearn import neighbors as skn

    X = check_array(X, "X")
    Q = check_array(Q, "Q")
    k = check_positive_int(k, "k")
    ours = {name: cls(X) for name, cls in _INDEX_CLASSES.items()}
    theirs = {
        "brute": skn.NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X),
        "kd": skn.KDTree(X),
        "ball": skn.BallTree(X),
    }
    calls = {("knnlib", name): functools.partial(index.query, Q, k) for name, index in ours.items()}
    calls[("scikit-learn", "brute")] = functools.partial(theirs["brute"].kneighbors, Q)
    calls[("scikit-learn", "kd")] = functools.partial(theirs["kd"].query, Q, k)
    calls[("scikit-learn", "ball")] = functools.partial(theirs["ball"].query, Q, k)
    with _timing_conditions():
        answers = {key: call() for key, call in calls.items()}
        timed = median_ratio(calls, repeats=repeats, baseline=("knnlib", "brute"), warmup=0)
    brute_dist, brute_ind = answers[("knnlib", "brute")]
    knnlib_identical = all(
        np.array_equal(answers[("knnlib", name)][0], brute_dist)
        and np.array_equal(answers[("knnlib", name)][1], brute_ind)
        for name in ("kd", "ball")
    )
    same_as_sklearn = all(np.array_equal(answers[("scikit-learn", name)][1], brute_ind) for name in theirs)
    m = Q.shape[0]
    return LibraryTimings(
        n_samples=X.shape[0], n_features=X.shape[1], n_queries=m, k=k,
        seconds={key: t / m for key, t in timed["times"].items()},
        ratios=dict(timed["ratios"]),
        knnlib_identical=knnlib_identical,
        same_as_sklearn=same_as_sklearn,
    )


# ---------------------------------------------------------------------------
# Plotting the measurements
# ---------------------------------------------------------------------------


def plot_evaluations_against_n(counts, ax=None):
    """Distance evaluations per query against training set size, log-log, one line per index.

    Parameters
    ----------
    counts : dict
        As returned by :func:`evaluations_against_n`.
    ax : matplotlib Axes, optional

    Returns
    -------
    dict of str -> Line2D
        One line per index name.
    """
    ax = _get_ax(ax)
    lines = {}
    for name in _INDEX_CLASSES:
        (lines[name],) = ax.plot(counts["sizes"], counts[name], label=INDEX_NAMES[name], **INDEX_STYLES[name])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training points n")
    ax.set_ylabel("distances computed per query")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return lines


def plot_against_dimension(sweep, ax_fraction, ax_time, *, crossovers=None):
    """Left: share of the points each index measures; right: time per query; both against dimension.

    Parameters
    ----------
    sweep : DimensionSweep
    ax_fraction, ax_time : matplotlib Axes
    crossovers : dict of str -> int or None, optional
        Dimension from which each tree loses to the scan, marked by a
        vertical line on the time panel.

    Returns
    -------
    dict
        ``"fraction"`` and ``"time"``: dicts of Line2D by index name;
        ``"crossovers"``: list of the vertical lines drawn.
    """
    fraction_lines, time_lines, marks = {}, {}, []
    timed = ~np.isnan(sweep.seconds["brute"])
    for name in _INDEX_CLASSES:
        style = dict(INDEX_STYLES[name], label=INDEX_NAMES[name])
        (fraction_lines[name],) = ax_fraction.plot(sweep.dims, sweep.fraction_measured[name], **style)
        (time_lines[name],) = ax_time.plot(sweep.dims[timed], sweep.seconds[name][timed] * 1e6, **style)
    for ax in (ax_fraction, ax_time):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("dimension d")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    ax_fraction.set_xticks(sweep.dims)
    ax_fraction.set_xticklabels([str(d) for d in sweep.dims], fontsize=8)
    ax_time.set_xticks(sweep.dims[timed])
    ax_time.set_xticklabels([str(d) for d in sweep.dims[timed]], fontsize=8)
    ax_fraction.set_ylabel(f"share of the {sweep.n_samples:,} points measured")
    ax_fraction.set_ylim(0, 1.05)
    ax_time.set_yscale("log")
    ax_time.set_ylabel("microseconds per query")
    for name, d in (crossovers or {}).items():
        if d is not None:
            marks.append(ax_time.axvline(d, color=INDEX_STYLES[name]["color"], linestyle=":", linewidth=1.5))
    return {"fraction": fraction_lines, "time": time_lines, "crossovers": marks}


def plot_timings(timings, ax=None):
    """Bars: microseconds per query of each index, knnlib (solid) beside scikit-learn (hatched).

    Parameters
    ----------
    timings : LibraryTimings
    ax : matplotlib Axes, optional

    Returns
    -------
    dict of (library, index) -> Rectangle
        One bar per contender.
    """
    ax = _get_ax(ax)
    bars = {}
    width = 0.38
    for position, name in enumerate(_INDEX_CLASSES):
        color = INDEX_STYLES[name]["color"]
        for offset, library, style in ((-width / 2, "knnlib", {}), (width / 2, "scikit-learn", {"hatch": "//"})):
            value = timings.seconds[(library, name)] * 1e6
            (bar,) = ax.bar(position + offset, value, width, color="white" if style else color,
                            edgecolor=color, linewidth=1.5, **style)
            bars[(library, name)] = bar
            ax.text(position + offset, value * 1.08, f"{value:.0f}" if value >= 10 else f"{value:.1f}",
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(_INDEX_CLASSES)))
    ax.set_xticklabels([INDEX_NAMES[name] for name in _INDEX_CLASSES])
    ax.set_yscale("log")
    top = max(timings.seconds.values()) * 1e6
    ax.set_ylim(top=top * 3)
    ax.set_ylabel("microseconds per query")
    ax.set_title(f"d = {timings.n_features}, n = {timings.n_samples:,}, k = {timings.k}", fontsize=10)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(facecolor="0.5", edgecolor="0.5", label="knnlib"),
                       Patch(facecolor="white", edgecolor="0.5", hatch="//", label="scikit-learn")],
              fontsize=8, loc="upper right")
    return bars
