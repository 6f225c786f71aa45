"""Figure helpers: the palette, and that each helper draws (and returns) what it claims."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb, to_rgba  # noqa: E402

from knnlib import KNNClassifier  # noqa: E402
from knnlib.plotting import (  # noqa: E402
    CLASS_COLORS,
    CLASS_MARKER_NAMES,
    CLASS_MARKERS,
    REGION_COLORS,
    class_style,
    grid_centres,
    palette_for_js,
    plot_decision_regions,
    plot_neighbours,
    plot_points,
)

# Okabe & Ito (2008), "Color Universal Design": the colour-blind-safe set.
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


# -- the palette ---------------------------------------------------------------


def test_palette_is_okabe_ito_with_one_marker_per_colour():
    assert len(CLASS_COLORS) == len(CLASS_MARKERS) == len(CLASS_MARKER_NAMES) == len(REGION_COLORS)
    assert set(CLASS_COLORS) <= OKABE_ITO
    # Class is never told by colour alone: every colour, marker and name is distinct.
    for sequence in (CLASS_COLORS, CLASS_MARKERS, CLASS_MARKER_NAMES, REGION_COLORS):
        assert len(set(sequence)) == len(sequence)


def test_region_colours_are_light_tints_of_the_class_colours():
    for point_color, region_color in zip(CLASS_COLORS, REGION_COLORS):
        point, region = np.array(to_rgb(point_color)), np.array(to_rgb(region_color))
        # region = white - 0.3 * (white - point), up to rounding to 8 bits
        np.testing.assert_allclose(region, 1 - 0.3 * (1 - point), atol=1 / 255)
        assert region.mean() > point.mean(), "backgrounds are lighter than the points on them"


def test_palette_for_js_is_plain_json_and_matches():
    palette = palette_for_js()
    assert json.loads(json.dumps(palette)) == palette
    assert palette["colors"] == list(CLASS_COLORS)
    assert palette["region_colors"] == list(REGION_COLORS)
    assert palette["markers"] == list(CLASS_MARKER_NAMES)


def test_class_style():
    assert class_style(2) == {"color": "#009E73", "marker": "s", "region_color": REGION_COLORS[2]}
    for bad in (-1, len(CLASS_COLORS), 1.0, True, "0"):
        with pytest.raises(ValueError, match="label must be an integer"):
            class_style(bad)


# -- grid centres ----------------------------------------------------------------


def test_grid_centres_by_hand():
    xs, ys = grid_centres(5, (0.0, 10.0, -1.0, 1.0))
    np.testing.assert_array_equal(xs, [1.0, 3.0, 5.0, 7.0, 9.0])
    np.testing.assert_allclose(ys, [-0.8, -0.4, 0.0, 0.4, 0.8], atol=1e-15)


@pytest.mark.parametrize(
    ("grid", "extent", "error"),
    [
        (0, (0, 1, 0, 1), ValueError),
        (2.5, (0, 1, 0, 1), TypeError),
        (3, (0, 1, 0), TypeError),
        (3, (1, 0, 0, 1), ValueError),
        (3, (0, 1, 0, np.inf), ValueError),
    ],
)
def test_grid_centres_errors(grid, extent, error):
    with pytest.raises(error):
        grid_centres(grid, extent)


# -- plot_points -------------------------------------------------------------------


def test_plot_points_one_artist_per_class_with_its_colour_and_marker(ax):
    X = np.array([[1, 1], [2, 2], [3, 3], [4, 4]], dtype=float)
    y = np.array([2, 0, 2, 1])
    artists = plot_points(X, y, ax=ax)
    assert [a.get_label() for a in artists] == ["class 0", "class 1", "class 2"]
    for artist, label in zip(artists, (0, 1, 2)):
        np.testing.assert_array_equal(artist.get_offsets(), X[y == label])
        np.testing.assert_allclose(artist.get_facecolor()[0], to_rgba(CLASS_COLORS[label]))
        # The marker shape: compare the path with the one matplotlib makes for the code.
        style = matplotlib.markers.MarkerStyle(CLASS_MARKERS[label])
        expected = style.get_path().transformed(style.get_transform())
        np.testing.assert_allclose(artist.get_paths()[0].vertices, expected.vertices)


def test_plot_points_string_labels_take_the_palette_in_sorted_order(ax):
    artists = plot_points([[0, 0], [1, 1]], ["setosa", "versicolor"], ax=ax)
    np.testing.assert_allclose(artists[1].get_facecolor()[0], to_rgba(CLASS_COLORS[1]))


def test_plot_points_errors(ax):
    with pytest.raises(ValueError, match="2 columns"):
        plot_points([[1, 2, 3]], [0], ax=ax)
    with pytest.raises(ValueError, match="y must have shape"):
        plot_points([[1, 2]], [0, 1], ax=ax)


# -- plot_decision_regions ------------------------------------------------------------


def stripes(points):
    """A made-up classifier: class = floor(x) % 2; a tie where x is an integer + 0.5."""
    labels = np.floor(points[:, 0]).astype(int) % 2
    return labels, (points[:, 0] % 1) == 0.5


def test_regions_shade_each_cell_and_hatch_exactly_the_tied_cells(ax):
    # grid 8 over [0, 4]: cell centres 0.25, 0.75, ..., 3.75, none at an
    # integer + 0.5, so no tie. grid 4: centres 0.5, 1.5, 2.5, 3.5, all tied.
    drawn = plot_decision_regions(stripes, ax=ax, grid=8, extent=(0, 4, 0, 4))
    assert drawn.ties is None and not drawn.tie_mask.any()
    np.testing.assert_array_equal(drawn.labels[0], [0, 0, 1, 1, 0, 0, 1, 1])
    image = drawn.image.get_array()
    assert image.shape == (8, 8, 3)
    np.testing.assert_allclose(image[3, 2], to_rgb(REGION_COLORS[1]))
    np.testing.assert_allclose(image[3, 0], to_rgb(REGION_COLORS[0]))

    fig, ax2 = plt.subplots()
    drawn = plot_decision_regions(stripes, ax=ax2, grid=4, extent=(0, 4, 0, 4))
    plt.close(fig)
    assert drawn.tie_mask.all()
    assert drawn.ties is not None and drawn.ties.get_hatch() == "////"


def test_tie_patches_cover_the_tied_cells_and_nothing_else(ax):
    rng = np.random.default_rng(0)
    tie_mask = rng.random((10, 10)) < 0.3

    def fake(points):
        # Cell centres are 0.5, 1.5, ...; recover (row, col) from them.
        cols, rows = (points[:, 0] - 0.5).astype(int), (points[:, 1] - 0.5).astype(int)
        return np.zeros(len(points), dtype=int), tie_mask[rows, cols]

    drawn = plot_decision_regions(fake, ax=ax, grid=10, extent=(0, 10, 0, 10))
    covered = np.zeros((10, 10), dtype=int)
    for path in drawn.ties.get_paths():
        (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
        covered[int(round(y0)):int(round(y1)), int(round(x0)):int(round(x1))] += 1
    np.testing.assert_array_equal(covered, tie_mask.astype(int))


def test_regions_from_a_fitted_knnlib_model(ax):
    # By hand: one point per class, k = 2, distance weights: a tie exactly on
    # the bisector x = 5, which passes through the centres of the middle column.
    X, y = np.array([[2.0, 5.0], [8.0, 5.0]]), np.array([0, 1])
    model = KNNClassifier(k=2, weights="distance").fit(X, y)
    drawn = plot_decision_regions(model, X, y, ax=ax, grid=5, extent=(0, 10, 0, 10))
    np.testing.assert_array_equal(drawn.labels, [[0, 0, 0, 1, 1]] * 5)
    np.testing.assert_array_equal(drawn.tie_mask, [[False, False, True, False, False]] * 5)
    assert len(drawn.points) == 2


def test_regions_errors(ax):
    with pytest.raises(ValueError, match="not fitted"):
        plot_decision_regions(KNNClassifier(), ax=ax)
    with pytest.raises(ValueError, match="one label per cell"):
        plot_decision_regions(lambda points: np.zeros(3), ax=ax, grid=4)
    with pytest.raises(TypeError, match="model_or_callable"):
        plot_decision_regions("knn", ax=ax)
    with pytest.raises(ValueError, match="pass y together with X"):
        plot_decision_regions(stripes, [[1, 1]], ax=ax, grid=4)


# -- plot_neighbours ---------------------------------------------------------------


def test_neighbour_lines_go_from_the_query_to_the_given_points_in_order(ax):
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0], [9.0, 9.0]])
    model = KNNClassifier(k=3).fit(X, [0, 0, 1, 1])
    query = [0.2, 0.1]
    indices = model.kneighbors([query], return_distance=False)[0]
    lines, marker = plot_neighbours(query, X, indices, ax=ax)
    segments = lines.get_segments()
    assert len(segments) == 3
    for segment, i in zip(segments, [0, 1, 2]):
        np.testing.assert_array_equal(segment, [query, X[i]])
    np.testing.assert_array_equal(marker.get_offsets(), [query])


@pytest.mark.parametrize(
    ("query", "indices", "error", "match"),
    [
        ([0, 0, 0], [0], ValueError, "query must be one 2-D point"),
        ([0, 0], [0, 5], ValueError, "indices must be rows of X"),
        ([0, 0], [0.0, 1.0], TypeError, "indices must be a 1-D array of integers"),
        ([0, 0], [[0, 1]], TypeError, "indices must be a 1-D array of integers"),
    ],
)
def test_neighbour_errors(ax, query, indices, error, match):
    with pytest.raises(error, match=match):
        plot_neighbours(query, [[0, 0], [1, 1]], indices, ax=ax)


def test_importing_knnlib_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, knnlib, knnlib.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
