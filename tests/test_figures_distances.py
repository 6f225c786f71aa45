"""Chapter 3's figures and computations (knnlib/figures/distances.py).

Every number the chapter prints is checked here against an independent
source: hand computation, SciPy, scikit-learn or brute-force enumeration.
"""

from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.spatial import distance as scipy_distance  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from knnlib import metrics, pairwise_distances  # noqa: E402
from knnlib.datasets import load_preset  # noqa: E402
from knnlib.figures import distances  # noqa: E402
from knnlib.figures.distances import (  # noqa: E402
    DOCUMENTS,
    MAHALANOBIS_PROBES,
    P_VALUES,
    VOCABULARY,
    bag_of_words,
    boundary_segments,
    city_block_routes,
    correlated_cloud,
    count_shortest_routes,
    format_p,
    mahalanobis_ellipse,
    plot_documents,
    plot_mahalanobis,
    plot_metric_boundary,
    plot_street_grid,
    plot_unit_circles,
    route_length,
    topic_totals,
    unit_circle,
)
from knnlib.plotting import grid_centres  # noqa: E402
from knnlib.widgets import Dropdown, Slider, interactive_figure  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


crossings = st.tuples(st.integers(-6, 6), st.integers(-6, 6))


# -- street-grid routes -----------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(start=crossings, end=crossings)
def test_every_route_walks_unit_steps_along_the_streets_and_never_away(start, end):
    n_steps = abs(end[0] - start[0]) + abs(end[1] - start[1])
    for route in city_block_routes(start, end).values():
        assert route[0].tolist() == list(start) and route[-1].tolist() == list(end)
        assert len(route) == n_steps + 1  # a shortest route: no step is wasted
        steps = np.diff(route, axis=0)
        # Each step moves exactly one block along exactly one axis.
        assert np.all(np.abs(steps).sum(axis=1) == 1)
        assert route_length(route) == n_steps == scipy_distance.cityblock(start, end)


@settings(max_examples=100, deadline=None)
@given(start=crossings, end=crossings)
def test_routes_are_distinct_and_the_l_shape_turns_at_most_once(start, end):
    routes = city_block_routes(start, end)
    for a, b in itertools.combinations(routes.values(), 2):
        assert not np.array_equal(a, b)
    steps = np.diff(routes["L-shaped"], axis=0)
    turns = np.count_nonzero(np.any(steps[1:] != steps[:-1], axis=1)) if len(steps) > 1 else 0
    assert turns <= 1


@settings(max_examples=100, deadline=None)
@given(start=crossings, end=crossings)
def test_staircase_hugs_the_straight_line_closer_than_the_l_shapes(start, end):
    """The staircase's farthest crossing from the diagonal is no farther than the L's."""
    start_v, end_v = np.array(start, float), np.array(end, float)
    direction = end_v - start_v
    if not direction.any():
        return

    def farthest_from_line(route):
        offsets = route - start_v
        cross = np.abs(offsets[:, 0] * direction[1] - offsets[:, 1] * direction[0])
        return cross.max() / np.hypot(*direction)

    routes = city_block_routes(start, end)
    staircase = routes.get("staircase", routes["L-shaped"])
    assert farthest_from_line(staircase) <= farthest_from_line(routes["L-shaped"]) + 1e-12
    # Stepping evenly keeps every crossing within one block of the line.
    assert farthest_from_line(staircase) <= 1.0


def test_routes_by_hand():
    routes = city_block_routes((5, 4), (3, 3))  # walking left and down
    assert routes["L-shaped"].tolist() == [[5, 4], [4, 4], [3, 4], [3, 3]]
    assert routes["L-shaped, y first"].tolist() == [[5, 4], [5, 3], [4, 3], [3, 3]]
    assert routes["staircase"].tolist() == [[5, 4], [4, 4], [4, 3], [3, 3]]
    assert list(city_block_routes((2, 2), (2, 2))) == ["L-shaped"]
    assert city_block_routes((2, 2), (2, 2))["L-shaped"].tolist() == [[2, 2]]
    assert list(city_block_routes((0, 0), (0, 3))) == ["L-shaped"]


@pytest.mark.parametrize("start, end", [((0, 0), (2, 1)), ((1, 1), (5, 4)), ((3, 0), (0, 2)), ((1, 1), (1, 1))])
def test_count_of_shortest_routes_matches_enumeration(start, end):
    dx, dy = end[0] - start[0], end[1] - start[1]
    moves = [(int(np.sign(dx)), 0)] * abs(dx) + [(0, int(np.sign(dy)))] * abs(dy)
    distinct_orders = set(itertools.permutations(moves))
    assert count_shortest_routes(start, end) == len(distinct_orders)


def test_count_of_shortest_routes_by_hand():
    assert count_shortest_routes((0, 0), (2, 1)) == 3  # xxy, xyx, yxx
    assert count_shortest_routes((1, 1), (5, 4)) == 35  # C(7, 3)
    assert count_shortest_routes((0, 0), (0, 5)) == 1
    assert count_shortest_routes((4, 4), (0, 0)) == 70  # C(8, 4), either direction


@pytest.mark.parametrize("bad", [(1.5, 2), (True, 2), "ab", (1, 2, 3), 7, (1, "2")])
def test_crossings_must_be_integer_pairs(bad):
    with pytest.raises(TypeError, match="start"):
        city_block_routes(bad, (0, 0))
    with pytest.raises(TypeError, match="end"):
        count_shortest_routes((0, 0), bad)


def test_route_length_by_hand_and_bad_shape():
    assert route_length([[0, 0], [3, 4]]) == 5.0
    assert route_length([[0, 0], [3, 0], [3, 4], [0, 4]]) == 10.0
    assert route_length([[1, 1]]) == 0.0
    with pytest.raises(ValueError, match="route must be an array of shape"):
        route_length([1, 2, 3])


# -- unit circles ------------------------------------------------------------------


@pytest.mark.parametrize("p", P_VALUES)
def test_unit_circle_points_are_at_distance_one(p):
    curve = unit_circle(p)
    if p == math.inf:
        norms = [scipy_distance.chebyshev(point, [0, 0]) for point in curve]
    else:
        norms = [scipy_distance.minkowski(point, [0, 0], p=p) for point in curve]
    np.testing.assert_allclose(norms, 1.0, rtol=1e-12)
    np.testing.assert_allclose(curve[0], curve[-1], atol=1e-12)  # closed


def test_unit_circle_shapes_by_hand():
    # p = 1: the diamond's corners are on the axes; halfway between, the edge at (1/2, 1/2).
    diamond = unit_circle(1, n_points=17)
    np.testing.assert_allclose(diamond[[0, 4, 8, 12]], [[1, 0], [0, 1], [-1, 0], [0, -1]], atol=1e-12)
    np.testing.assert_allclose(diamond[2], [0.5, 0.5], atol=1e-12)
    # p = inf: the square's corner on the diagonal.
    np.testing.assert_allclose(unit_circle(math.inf, n_points=9)[1], [1, 1], atol=1e-12)
    # p = 2: the ordinary circle.
    circle = unit_circle(2)
    np.testing.assert_allclose(np.hypot(circle[:, 0], circle[:, 1]), 1.0, rtol=1e-14)


def test_unit_circles_grow_with_p():
    """The ball for a larger p contains the one for a smaller p (same direction, farther out)."""
    radii = [np.hypot(*unit_circle(p).T) for p in P_VALUES]
    for smaller, larger in itertools.pairwise(radii):
        assert np.all(larger >= smaller - 1e-12)


def test_unit_circle_rejects_bad_p_and_n_points():
    with pytest.raises(ValueError, match="p must be >= 1"):
        unit_circle(0.5)
    with pytest.raises(TypeError, match="p must be a number"):
        unit_circle("2")
    with pytest.raises(ValueError, match="n_points must be >= 9"):
        unit_circle(2, n_points=5)


def test_format_p():
    assert [format_p(p) for p in P_VALUES] == ["1", "1.5", "2", "3", "4", "8", "∞"]


# -- bag of words and cosine --------------------------------------------------------

# Counted by hand from the three texts in DOCUMENTS.
HAND_COUNTS = np.array([
    # team match goal party vote election
    [1, 1, 1, 0, 0, 0],  # short match report
    [4, 3, 3, 0, 0, 0],  # long match report
    [1, 0, 0, 2, 2, 2],  # election news ("voter" is not "vote")
])


def test_bag_of_words_counts_the_documents_as_by_hand_and_as_scikit_learn():
    counts = bag_of_words(list(DOCUMENTS.values()))
    np.testing.assert_array_equal(counts, HAND_COUNTS)
    vectorizer = CountVectorizer(vocabulary=VOCABULARY, token_pattern=r"[a-z]+")
    np.testing.assert_array_equal(counts, vectorizer.transform(DOCUMENTS.values()).toarray())


def test_bag_of_words_bad_input():
    with pytest.raises(TypeError, match="single string"):
        bag_of_words("a goal")
    with pytest.raises(TypeError, match=r"documents\[1\]"):
        bag_of_words(["a goal", 3])
    with pytest.raises(ValueError, match="'Goal'"):
        bag_of_words(["a goal"], ["Goal"])


def test_the_chapters_cosine_story():
    """Euclidean puts the short report nearest to the election news; cosine to the long report."""
    counts = bag_of_words(list(DOCUMENTS.values()))
    euclid = pairwise_distances(counts, metric="euclidean")
    cosine = pairwise_distances(counts, metric="cosine")
    np.testing.assert_allclose(euclid, scipy_distance.cdist(HAND_COUNTS, HAND_COUNTS, "euclidean"), atol=1e-12)
    np.testing.assert_allclose(cosine, scipy_distance.cdist(HAND_COUNTS, HAND_COUNTS, "cosine"), atol=1e-12)
    # By hand: sqrt(3^2 + 2^2 + 2^2) and sqrt(1 + 1 + 4 + 4 + 4).
    assert euclid[0, 1] == pytest.approx(math.sqrt(17))
    assert euclid[0, 2] == pytest.approx(math.sqrt(14))
    assert euclid[0, 2] < euclid[0, 1]
    # cos = (4 + 3 + 3) / (sqrt(3) sqrt(34)) and 1 / (sqrt(3) sqrt(13)).
    assert cosine[0, 1] == pytest.approx(1 - 10 / math.sqrt(3 * 34))
    assert cosine[0, 2] == pytest.approx(1 - 1 / math.sqrt(3 * 13))
    assert cosine[0, 1] < cosine[0, 2]


def test_topic_totals_by_hand_and_bad_topics():
    np.testing.assert_array_equal(topic_totals(HAND_COUNTS), [[3, 0], [10, 0], [1, 6]])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        topic_totals(HAND_COUNTS, topics={"sport": ["goal", "ball"]})
    with pytest.raises(ValueError, match="one column per vocabulary word"):
        topic_totals(HAND_COUNTS[:, :3])


def test_plot_documents_angles_by_hand(ax):
    drawn = plot_documents(topic_totals(HAND_COUNTS), list(DOCUMENTS), ax=ax)
    assert drawn["angles"][:2] == [0.0, 0.0]  # both match reports: no election words
    assert drawn["angles"][2] == pytest.approx(math.degrees(math.atan2(6, 1)))
    assert len(drawn["arrows"]) == 3
    with pytest.raises(ValueError, match="one row per name"):
        plot_documents([[1, 2]], ["a", "b"], ax=ax)


# -- Mahalanobis --------------------------------------------------------------------


def test_correlated_cloud_is_seeded_and_has_the_asked_correlation():
    a = correlated_cloud(n_samples=20_000, correlation=0.7, spread=2.0, seed=3)
    np.testing.assert_array_equal(a, correlated_cloud(n_samples=20_000, correlation=0.7, spread=2.0, seed=3))
    assert np.corrcoef(a, rowvar=False)[0, 1] == pytest.approx(0.7, abs=0.02)
    assert a.std(axis=0) == pytest.approx([2.0, 2.0], rel=0.03)
    # Correlation 0: the standard normal draws, scaled and shifted.
    z = np.random.default_rng(3).standard_normal((20_000, 2))
    np.testing.assert_allclose(correlated_cloud(20_000, 0.0, 2.0, (5, 5), seed=3), 5 + 2 * z)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"correlation": 1.0}, "correlation"), ({"correlation": -1.5}, "correlation"),
     ({"spread": 0}, "spread"), ({"n_samples": 0}, "n_samples")],
)
def test_correlated_cloud_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        correlated_cloud(**kwargs)


@pytest.mark.parametrize("radius", [0.5, 1, 2, 3])
def test_mahalanobis_ellipse_points_are_at_the_radius(radius):
    X = correlated_cloud(correlation=0.8)
    VI = np.linalg.inv(np.cov(X, rowvar=False))
    centre = X.mean(axis=0)
    ellipse = mahalanobis_ellipse(centre, VI, radius)
    d = [scipy_distance.mahalanobis(point, centre, VI) for point in ellipse]
    np.testing.assert_allclose(d, radius, rtol=1e-12)


def test_mahalanobis_ellipse_bad_input():
    with pytest.raises(ValueError, match="positive definite"):
        mahalanobis_ellipse((0, 0), [[1, 2], [2, 1]])
    with pytest.raises(ValueError, match="radius"):
        mahalanobis_ellipse((0, 0), np.eye(2), radius=-1)


def test_plot_mahalanobis_numbers_match_scipy_and_the_ranking_flips(ax):
    X = correlated_cloud(correlation=0.9)
    drawn = plot_mahalanobis(X, ax=ax)
    np.testing.assert_allclose(drawn["centre"], X.mean(axis=0))
    np.testing.assert_allclose(drawn["VI"], metrics.estimate_VI(X), rtol=1e-12)
    for name, probe in MAHALANOBIS_PROBES.items():
        d = drawn["distances"][name]
        assert d["euclidean"] == pytest.approx(scipy_distance.euclidean(probe, X.mean(axis=0)), rel=1e-12)
        assert d["mahalanobis"] == pytest.approx(
            scipy_distance.mahalanobis(probe, X.mean(axis=0), drawn["VI"]), rel=1e-12
        )
    d = drawn["distances"]
    assert d["B"]["euclidean"] < d["A"]["euclidean"]
    assert d["B"]["mahalanobis"] > d["A"]["mahalanobis"]


def test_without_correlation_mahalanobis_ranks_the_probes_as_euclidean_does(ax):
    d = plot_mahalanobis(correlated_cloud(correlation=0.0), ax=ax)["distances"]
    assert d["B"]["euclidean"] < d["A"]["euclidean"]
    assert d["B"]["mahalanobis"] < d["A"]["mahalanobis"]


def test_the_probes_swap_order_between_correlation_one_half_and_four_fifths(ax):
    """The chapter's exercise says the Mahalanobis order of A and B flips between 0.5 and 0.8."""

    def a_nearer(correlation):
        X = correlated_cloud(correlation=correlation)
        centre, VI = X.mean(axis=0), np.linalg.inv(np.cov(X, rowvar=False))
        d = {name: scipy_distance.mahalanobis(centre, p, VI) for name, p in MAHALANOBIS_PROBES.items()}
        return d["A"] < d["B"]

    assert [a_nearer(c) for c in (0.0, 0.5, 0.8, 0.9, 0.95)] == [False, False, True, True, True]


# -- decision boundaries ------------------------------------------------------------


def test_boundary_segments_by_hand():
    assert boundary_segments(np.zeros((3, 3))).shape == (0, 2, 2)
    labels = [[0, 0, 1],
              [0, 0, 1]]  # row 0 at the bottom; extent 0..3 x 0..2: cells of 1 x 1
    segments = boundary_segments(labels, extent=(0, 3, 0, 2))
    assert sorted(map(lambda s: s.tolist(), segments)) == [[[2.0, 0.0], [2.0, 1.0]], [[2.0, 1.0], [2.0, 2.0]]]
    checkerboard = np.indices((4, 4)).sum(axis=0) % 2
    # Every interior edge separates two classes: 4 rows x 3 + 4 columns x 3.
    assert len(boundary_segments(checkerboard)) == 24
    with pytest.raises(ValueError, match="2-D grid"):
        boundary_segments([0, 1])


@pytest.mark.parametrize("metric", ["manhattan", "chebyshev", "cosine"])
@pytest.mark.parametrize("k", [1, 5])
def test_metric_boundary_matches_scikit_learn(ax, metric, k):
    X, y = load_preset("three_classes")
    grid = 40
    drawn = plot_metric_boundary(X, y, metric, k, ax=ax, grid=grid)
    xs, ys = grid_centres(grid)
    cells = np.column_stack([a.ravel() for a in np.meshgrid(xs, ys)])
    theirs = KNeighborsClassifier(n_neighbors=k, metric=metric, algorithm="brute").fit(X, y).predict(cells)
    reference = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X, y).predict(cells)
    np.testing.assert_array_equal(drawn["regions"].labels.ravel(), theirs)
    np.testing.assert_array_equal(drawn["reference_labels"].ravel(), reference)
    assert drawn["changed_fraction"] == np.mean(theirs != reference)
    segments = drawn["reference_boundary"].get_segments()
    assert len(segments) == len(boundary_segments(reference.reshape(grid, grid)))


def test_mahalanobis_boundary_estimates_VI_from_the_training_data(ax):
    X, y = load_preset("moons")
    drawn = plot_metric_boundary(X, y, "mahalanobis", 5, ax=ax, grid=30)
    xs, ys = grid_centres(30)
    cells = np.column_stack([a.ravel() for a in np.meshgrid(xs, ys)])
    theirs = KNeighborsClassifier(
        n_neighbors=5, metric="mahalanobis", metric_params={"VI": np.linalg.inv(np.cov(X, rowvar=False))},
        algorithm="brute",
    ).fit(X, y).predict(cells)
    np.testing.assert_array_equal(drawn["regions"].labels.ravel(), theirs)


def test_euclidean_boundary_changes_nothing(ax):
    X, y = load_preset("moons")
    drawn = plot_metric_boundary(X, y, "euclidean", 3, ax=ax, grid=30)
    assert drawn["changed_fraction"] == 0.0
    np.testing.assert_array_equal(drawn["regions"].labels, drawn["reference_labels"])


def test_metric_boundary_rejects_minkowski(ax):
    with pytest.raises(ValueError, match="minkowski"):
        plot_metric_boundary([[0, 0], [1, 1]], [0, 1], "minkowski", 1, ax=ax)


# -- the drawn figures show the right numbers ----------------------------------------


@pytest.mark.parametrize("start, end", [((1, 1), (5, 4)), ((1, 1), (1, 5)), ((6, 2), (0, 0)), ((3, 3), (3, 3))])
def test_street_grid_prints_both_lengths(ax, start, end):
    drawn = plot_street_grid(start, end, ax=ax)
    dx, dy = end[0] - start[0], end[1] - start[1]
    assert drawn["euclidean"] == pytest.approx(math.hypot(dx, dy), rel=1e-15)
    assert drawn["manhattan"] == abs(dx) + abs(dy)
    assert drawn["n_shortest_routes"] == math.comb(abs(dx) + abs(dy), abs(dx))
    texts = [t.get_text() for t in drawn["legend"].get_texts()]
    assert f"along the streets (Manhattan): {abs(dx) + abs(dy)} blocks" in texts
    assert f"straight line (Euclidean): {math.hypot(dx, dy):.2f} blocks" in texts
    assert drawn["legend"].get_title().get_text().startswith(f"A = {start}, B = {end}")
    np.testing.assert_array_equal(drawn["diagonal"].get_xydata(), [start, end])
    for line in drawn["routes"].values():
        assert route_length(line.get_xydata()) == abs(dx) + abs(dy)


def test_street_grid_point_outside_the_streets(ax):
    with pytest.raises(ValueError, match="outside the streets"):
        plot_street_grid((1, 1), (9, 1), ax=ax, streets=(0, 8, 0, 6))


@pytest.mark.parametrize("p, where", [(1, "outside"), (1.5, "outside"), (2, "on"), (3, "inside"), (math.inf, "inside")])
def test_unit_circle_figure_probe(ax, p, where):
    drawn = plot_unit_circles(p, ax=ax)
    if p == math.inf:
        expected = 0.8
    else:
        expected = scipy_distance.minkowski([0, 0], [0.6, 0.8], p=p)
    assert drawn["probe_distance"] == pytest.approx(expected, rel=1e-12)
    assert f"the star is {where} the unit circle" in drawn["title"].get_text()
    np.testing.assert_allclose(drawn["curve"].get_xydata(), unit_circle(p))
    assert set(drawn["references"]) == {1, 2, math.inf}


# -- the widget callbacks --------------------------------------------------------------


def test_draw_callbacks_return_the_plotted_numbers():
    street = distances.draw_street_grid(Figure(), x_b=5, y_b=4)
    assert (street["euclidean"], street["manhattan"], street["n_shortest_routes"]) == (5.0, 7.0, 35)
    assert distances.draw_unit_circles(Figure(), p=1)["probe_distance"] == pytest.approx(1.4)
    maha = distances.draw_mahalanobis(Figure(), correlation=0.0)
    assert maha["distances"]["B"]["mahalanobis"] < maha["distances"]["A"]["mahalanobis"]
    boundary = distances.draw_metric_boundary(Figure(), metric="euclidean", k=5, preset="moons")
    assert boundary["changed_fraction"] == 0.0


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev", "mahalanobis", "cosine"])
def test_boundary_widget_draws_the_smallest_preset_at_the_largest_k(metric):
    """The chapter offers k up to 9 on the 13-point sparse preset: every frame must draw."""
    drawn = distances.draw_metric_boundary(Figure(), metric=metric, k=9, preset="sparse")
    assert drawn["regions"].labels.shape == (100, 100)


def test_callbacks_plug_into_interactive_figure():
    street = interactive_figure(
        distances.draw_street_grid, x_b=Slider(range(8), value=5), y_b=Slider(range(6), value=4), precompute=False
    )
    assert street.n_frames == 48
    assert street.frame_png(x_b=0, y_b=0)[:4] == b"\x89PNG"
    circles = interactive_figure(
        distances.draw_unit_circles, p=Slider(list(P_VALUES), value=2, display=[format_p(p) for p in P_VALUES]),
        precompute=False,
    )
    assert circles.frame_png(p=math.inf)[:4] == b"\x89PNG"
    boundary = interactive_figure(
        distances.draw_metric_boundary, metric=Dropdown(["euclidean", "cosine"]), k=Slider([1, 5]),
        precompute=False,
    )
    assert boundary.frame_png(metric="cosine", k=1)[:4] == b"\x89PNG"
