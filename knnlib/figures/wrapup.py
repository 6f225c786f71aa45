r"""Figures for chapter 10, *Where it shines, where it breaks*.

* :data:`SCORECARD` and :func:`plot_scorecard`: KNN's trade-offs on a 0 to 1
  scale (higher is better), drawn as a bar chart.
* :func:`scan_cost_per_query`, :func:`recommend_search` and the interactive
  callback :func:`draw_search_advice`: which search to use for a given number
  of stored points, features and queries per second, from the book's rules of
  thumb and one measured constant (the exact scan's time per point and
  feature, see :func:`measure_scan_cost`).

Examples
--------
>>> SCORECARD["training"], SCORECARD["small size"]
(1.0, 0.2)
>>> recommend_search(1000, 4, 10, seconds_per_point_feature=1e-9)["choice"]
'brute force'
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_positive_int
from ..plotting import CLASS_COLORS

__all__ = [
    "SCORECARD",
    "SCORE_REASONS",
    "SEARCH_CHOICES",
    "TREE_MAX_FEATURES",
    "draw_search_advice",
    "measure_scan_cost",
    "plot_scorecard",
    "recommend_search",
    "scan_cost_per_query",
]

#: KNN's trade-offs, 0 to 1, higher is better (the course's scorecard).
SCORECARD = {"inference": 0.30, "accuracy": 0.65, "training": 1.00, "small size": 0.20}

#: Why each score is what it is, and the chapter that showed it.
SCORE_REASONS = {
    "inference": "every prediction searches the stored data (chapters 2, 7, 9)",
    "accuracy": "good on small, scaled, low-dimensional data; hurt by noise features (chapters 4, 5, 8)",
    "training": "nothing to train: fit() stores the data (chapter 1)",
    "small size": "the model is the whole training set, kept in memory (chapters 1, 9)",
}

#: Up to this many features, k-d and ball trees usually beat a scan (a rule of
#: thumb; chapter 7 measures where they stop on its data).
TREE_MAX_FEATURES = 16

#: The possible answers of :func:`recommend_search`, with the chapter behind each.
SEARCH_CHOICES = {
    "brute force": "exact scan, simplest (chapter 2)",
    "k-d tree or ball tree": "exact, skips most points in few dimensions (chapter 7)",
    "approximate index (HNSW)": "almost exact, a tiny share of the points per query (chapter 9)",
}

#: More features than this: reduce the dimension first, whatever the index (chapter 8).
HIGH_DIMENSION = 100


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _check_scores(scores):
    if not isinstance(scores, dict) or not scores:
        raise TypeError(f"scores must be a non-empty dict of name -> value, got scores = {scores!r}")
    for name, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(f"every score must be a number from 0 to 1, got {name!r}: {value!r}")
    return scores


def plot_scorecard(scores=SCORECARD, ax=None):
    """The scorecard as horizontal bars from 0 to 1 (higher is better), each labelled with its value.

    Parameters
    ----------
    scores : dict of str -> float
        Values from 0 to 1, drawn top to bottom in the dict's order.
    ax : matplotlib Axes, optional

    Returns
    -------
    dict
        ``"bars"`` (BarContainer) and ``"labels"`` (the value texts).
    """
    scores = _check_scores(scores)
    ax = _get_ax(ax)
    names = list(scores)
    values = [float(scores[name]) for name in names]
    positions = np.arange(len(names))[::-1]
    # Blue where KNN does well (> 0.5), orange where it does badly: with the value printed too.
    colors = [CLASS_COLORS[0] if v > 0.5 else CLASS_COLORS[1] for v in values]
    bars = ax.barh(positions, values, color=colors, height=0.6)
    labels = [ax.text(v + 0.02, y, f"{v:.2f}", va="center", fontsize=10) for v, y in zip(values, positions)]
    ax.set_yticks(positions, names)
    ax.set_xlim(0, 1.1)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.axvline(0.5, color="0.6", linestyle=":", linewidth=1)
    ax.set_xlabel("score (0 = poor, 1 = excellent)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    return {"bars": bars, "labels": labels}


def measure_scan_cost(n_samples=100_000, n_features=32, n_queries=200, repeats=3, seed=0):
    """Seconds per stored point and feature of knnlib's exact scan, measured on one thread.

    Times :class:`knnlib.BruteForce` with
    :func:`knnlib.figures.approximate.scan_throughput` and divides the time
    per query by ``n_samples * n_features``.

    Returns
    -------
    float
    """
    from .approximate import scan_throughput

    measured = scan_throughput([n_samples], n_features=n_features, n_queries=n_queries, repeats=repeats, seed=seed)
    return float(measured["seconds_per_query"][0] / (n_samples * n_features))


def scan_cost_per_query(n_samples, n_features, seconds_per_point_feature):
    r"""Estimated seconds per query of an exact scan: :math:`t = n \cdot d \cdot c`.

    A scan measures every stored point in every feature, so its time grows
    like the number of points :math:`n` times the number of features
    :math:`d`; :math:`c` is that cost per point and feature, measured once
    (a rough model: it ignores fixed costs per query).

    Examples
    --------
    >>> scan_cost_per_query(1_000_000, 100, 2e-9)
    0.2
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_features = check_positive_int(n_features, "n_features")
    if isinstance(seconds_per_point_feature, bool) or not isinstance(seconds_per_point_feature, numbers.Real) \
            or not seconds_per_point_feature > 0:
        raise ValueError(
            f"seconds_per_point_feature must be a positive number, got {seconds_per_point_feature!r}"
        )
    return n_samples * n_features * float(seconds_per_point_feature)


def recommend_search(n_samples, n_features, queries_per_second, *, seconds_per_point_feature,
                     tree_max_features=TREE_MAX_FEATURES):
    """Which nearest-neighbour search suits a workload, by the book's rules of thumb.

    1. If one core can scan for every query in time (``queries_per_second``
       times the scan's time per query is at most 1 second per second),
       use **brute force**: exact and simplest.
    2. Otherwise, with at most ``tree_max_features`` features, a **k-d tree
       or ball tree** answers exactly while skipping most points.
    3. Otherwise use an **approximate index (HNSW)**.

    With more than 100 features, the advice adds: reduce the dimension first
    (chapter 8), since distances lose contrast and noise features drown the
    useful ones whatever the index.

    Parameters
    ----------
    n_samples, n_features : int
    queries_per_second : float > 0
    seconds_per_point_feature : float > 0
        The scan's measured cost (:func:`measure_scan_cost`).
    tree_max_features : int

    Returns
    -------
    dict
        ``"choice"`` (a key of :data:`SEARCH_CHOICES`), ``"scan_seconds"``
        (per query), ``"cores_for_scan"`` (cores kept busy by an exact scan
        at this rate) and ``"reduce_dimension"`` (bool).

    Examples
    --------
    >>> advice = recommend_search(10_000_000, 64, 1000, seconds_per_point_feature=1e-9)
    >>> advice["choice"], round(advice["cores_for_scan"])
    ('approximate index (HNSW)', 640)
    >>> recommend_search(10_000_000, 3, 1000, seconds_per_point_feature=1e-9)["choice"]
    'k-d tree or ball tree'
    """
    scan_seconds = scan_cost_per_query(n_samples, n_features, seconds_per_point_feature)
    if isinstance(queries_per_second, bool) or not isinstance(queries_per_second, numbers.Real) \
            or not queries_per_second > 0:
        raise ValueError(f"queries_per_second must be a positive number, got {queries_per_second!r}")
    tree_max_features = check_positive_int(tree_max_features, "tree_max_features")
    cores = float(queries_per_second) * scan_seconds
    if cores <= 1:
        choice = "brute force"
    elif n_features <= tree_max_features:
        choice = "k-d tree or ball tree"
    else:
        choice = "approximate index (HNSW)"
    return {"choice": choice, "scan_seconds": scan_seconds, "cores_for_scan": cores,
            "reduce_dimension": n_features > HIGH_DIMENSION}


def draw_search_advice(fig, *, n_samples, n_features, queries_per_second, seconds_per_point_feature):
    """Interactive-figure callback: the exact scan's time per query against the time available, and the advice.

    Left bar: the estimated exact-scan time per query
    (:func:`scan_cost_per_query`); right bar: the time one core has per query
    at the requested rate, ``1 / queries_per_second``. If the first is longer,
    one core cannot keep up by scanning. The title gives
    :func:`recommend_search`'s advice.

    Returns
    -------
    dict
        What :func:`recommend_search` returned, plus ``"bars"``.
    """
    advice = recommend_search(n_samples, n_features, queries_per_second,
                              seconds_per_point_feature=seconds_per_point_feature)
    budget = 1.0 / queries_per_second
    ax = fig.subplots()
    keeps_up = advice["scan_seconds"] <= budget
    bars = ax.bar([0, 1], [advice["scan_seconds"], budget],
                  color=[CLASS_COLORS[0] if keeps_up else CLASS_COLORS[3], "0.7"], width=0.55)
    ax.set_xticks([0, 1], ["exact scan,\ntime per query", "time available\nper query (1 core)"])
    ax.set_yscale("log")
    ax.set_ylim(1e-7, 1e3)
    ax.set_ylabel("seconds (log scale)")
    for x, value in zip((0, 1), (advice["scan_seconds"], budget)):
        ax.text(x, value * 1.5, _format_seconds(value), ha="center", va="bottom", fontsize=10)
    verdict = "a scan keeps up on one core" if keeps_up else f"a scan needs {advice['cores_for_scan']:,.0f} cores"
    title = f"{n_samples:,} points, {n_features} features, {queries_per_second:,} queries/s:\n{verdict}"
    advice_text = f"use: {advice['choice']}"
    if advice["reduce_dimension"]:
        advice_text += "\n(and reduce the dimension first)"
    ax.set_title(title, fontsize=10)
    ax.text(0.5, 0.96, advice_text, transform=ax.transAxes, ha="center", va="top", fontsize=11,
            fontweight="bold", bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "0.6"})
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.tight_layout()
    return {**advice, "bars": bars}


def _format_seconds(seconds):
    """A duration in the unit that reads best.

    Examples
    --------
    >>> _format_seconds(2.5e-6), _format_seconds(0.0125), _format_seconds(42.0)
    ('2.5 µs', '12.5 ms', '42 s')
    """
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    if seconds < 100:
        return f"{seconds:.3g} s"
    return f"{seconds:,.0f} s"
