"""Chapter 10's figures (knnlib/figures/wrapup.py), checked against hand computation."""

from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from knnlib.figures import wrapup  # noqa: E402
from knnlib.figures.wrapup import (  # noqa: E402
    SCORECARD,
    SEARCH_CHOICES,
    draw_search_advice,
    measure_scan_cost,
    plot_scorecard,
    recommend_search,
    scan_cost_per_query,
)
from knnlib.plotting import CLASS_COLORS  # noqa: E402
from knnlib.widgets import Slider, interactive_figure  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_scorecard_values_are_the_courses():
    assert SCORECARD == {"inference": 0.30, "accuracy": 0.65, "training": 1.00, "small size": 0.20}
    assert set(wrapup.SCORE_REASONS) == set(SCORECARD)


def test_plot_scorecard_draws_each_score(ax):
    drawn = plot_scorecard(ax=ax)
    widths = [bar.get_width() for bar in drawn["bars"]]
    assert widths == [0.30, 0.65, 1.00, 0.20]
    # First score at the top.
    heights = [bar.get_y() for bar in drawn["bars"]]
    assert heights == sorted(heights, reverse=True)
    assert [t.get_text() for t in drawn["labels"]] == ["0.30", "0.65", "1.00", "0.20"]
    by_height = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()]), reverse=True)
    assert [name for _, name in by_height] == ["inference", "accuracy", "training", "small size"]
    colors = [matplotlib.colors.to_hex(bar.get_facecolor()).upper() for bar in drawn["bars"]]
    assert colors == [CLASS_COLORS[1], CLASS_COLORS[0], CLASS_COLORS[0], CLASS_COLORS[1]]


@pytest.mark.parametrize("scores, error", [({}, TypeError), ([0.5], TypeError), ({"a": 1.5}, ValueError),
                                           ({"a": True}, ValueError), ({"a": "high"}, ValueError)])
def test_plot_scorecard_bad_scores(scores, error, ax):
    with pytest.raises(error):
        plot_scorecard(scores, ax=ax)


def test_scan_cost_by_hand():
    assert scan_cost_per_query(1000, 10, 1e-9) == pytest.approx(1e-5)
    assert scan_cost_per_query(10**6, 32, 5e-11) == pytest.approx(1.6e-3)
    with pytest.raises(ValueError, match="seconds_per_point_feature must be a positive number"):
        scan_cost_per_query(10, 2, 0.0)
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        scan_cost_per_query(0, 2, 1e-9)


def test_recommend_search_rules():
    c = 1e-9
    # 1e5 points x 10 features x 1e-9 s = 1 ms per query; at 1000 queries/s exactly one core: a scan keeps up.
    at_limit = recommend_search(100_000, 10, 1000, seconds_per_point_feature=c)
    assert at_limit["choice"] == "brute force"
    assert at_limit["scan_seconds"] == pytest.approx(1e-3)
    assert at_limit["cores_for_scan"] == pytest.approx(1.0)
    # Twice the rate: two cores' worth; 10 features is few enough for a tree.
    assert recommend_search(100_000, 10, 2000, seconds_per_point_feature=c)["choice"] == "k-d tree or ball tree"
    assert recommend_search(100_000, 16, 2000, seconds_per_point_feature=c)["choice"] == "k-d tree or ball tree"
    assert recommend_search(100_000, 17, 2000, seconds_per_point_feature=c)["choice"] == "approximate index (HNSW)"
    assert recommend_search(100_000, 17, 2000, seconds_per_point_feature=c,
                            tree_max_features=20)["choice"] == "k-d tree or ball tree"
    assert not recommend_search(10, 100, 1, seconds_per_point_feature=c)["reduce_dimension"]
    assert recommend_search(10, 101, 1, seconds_per_point_feature=c)["reduce_dimension"]
    for choice in ("brute force", "k-d tree or ball tree", "approximate index (HNSW)"):
        assert choice in SEARCH_CHOICES


def test_recommend_search_bad_input():
    with pytest.raises(ValueError, match="queries_per_second must be a positive number, got 0"):
        recommend_search(10, 2, 0, seconds_per_point_feature=1e-9)
    with pytest.raises(TypeError, match="n_features must be an integer"):
        recommend_search(10, 2.5, 1, seconds_per_point_feature=1e-9)


def test_draw_search_advice_numbers():
    fig = Figure()
    drawn = draw_search_advice(fig, n_samples=10_000_000, n_features=64, queries_per_second=1000,
                               seconds_per_point_feature=1e-9)
    heights = [bar.get_height() for bar in drawn["bars"]]
    assert heights == pytest.approx([0.64, 1e-3])  # 1e7 x 64 x 1e-9 s, and 1 / 1000 s
    ax = fig.axes[0]
    assert "a scan needs 640 cores" in ax.get_title()
    texts = [t.get_text() for t in ax.texts]
    assert "use: approximate index (HNSW)" in texts
    assert "640 ms" in texts and "1 ms" in texts


def test_draw_search_advice_keeps_up_and_reduce():
    fig = Figure()
    drawn = draw_search_advice(fig, n_samples=1000, n_features=300, queries_per_second=1,
                               seconds_per_point_feature=1e-9)
    assert drawn["choice"] == "brute force"
    assert "a scan keeps up on one core" in fig.axes[0].get_title()
    assert "use: brute force\n(and reduce the dimension first)" in [t.get_text() for t in fig.axes[0].texts]


def test_search_advice_widget_draws_every_frame():
    draw = functools.partial(draw_search_advice, seconds_per_point_feature=8e-11)
    widget = interactive_figure(
        draw,
        n_samples=Slider([1_000, 100_000, 10_000_000], value=10_000_000),
        n_features=Slider([2, 16, 64, 300], value=64),
        queries_per_second=Slider([1, 100, 10_000], value=100),
        precompute=True,
    )
    assert widget.n_frames == 36 and widget.frame_errors == {}


def test_measure_scan_cost_is_the_scan_time_per_point_feature():
    cost = measure_scan_cost(n_samples=2000, n_features=8, n_queries=20, repeats=1)
    assert 1e-13 < cost < 1e-6


def test_format_seconds():
    assert wrapup._format_seconds(3e-7) == "0.3 µs"
    assert wrapup._format_seconds(0.25) == "250 ms"
    assert wrapup._format_seconds(1234.0) == "1,234 s"
    assert np.isclose(float(wrapup._format_seconds(2.0).split()[0]), 2.0)
