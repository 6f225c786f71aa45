"""The playground's Python half: synced state, X / y as arrays, validation, predict_grid."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from knnlib import KNNClassifier  # noqa: E402
from knnlib.datasets import PRESETS, load_preset  # noqa: E402
from knnlib.plotting import grid_centres, palette_for_js  # noqa: E402
from knnlib.widgets import Playground, plot_playground, predict_grid  # noqa: E402


@pytest.fixture
def playground():
    return Playground(preset="moons", k=5)


def cells_of(grid, extent=(0.0, 10.0, 0.0, 10.0)):
    xs, ys = grid_centres(grid, extent)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


# -- the synced state ------------------------------------------------------------


def test_starts_with_the_preset(playground):
    X, y = load_preset("moons")
    np.testing.assert_array_equal(playground.X, X)
    np.testing.assert_array_equal(playground.y, y)
    assert playground.points == X.tolist() and playground.labels == y.tolist()
    assert playground.X.dtype == np.float64 and playground.y.dtype == np.int64


def test_state_for_the_browser_is_json_and_embeds_every_preset(playground):
    state = playground.get_state()
    json.dumps({k: v for k, v in state.items() if k not in ("_esm", "_css")})
    assert set(state["presets"]) == set(PRESETS)
    for name, data in state["presets"].items():
        X, y = load_preset(name)
        assert data["points"] == X.tolist() and data["labels"] == y.tolist()
    assert state["presets"]["three_classes"]["n_classes"] == 3
    assert state["palette"] == palette_for_js()
    assert "export default" in str(state["_esm"])


def test_choosing_a_preset_loads_it(playground):
    playground.preset = "three_classes"
    X, y = load_preset("three_classes")
    np.testing.assert_array_equal(playground.X, X)
    assert playground.n_classes == 3
    playground.active_class = 2
    playground.preset = "xor"
    assert playground.n_classes == 2 and playground.active_class == 0


def test_setting_X_and_y_updates_the_synced_lists(playground):
    X_new = playground.X.copy()
    X_new[0] = [1.25, 9.5]
    playground.X = X_new
    assert playground.points[0] == [1.25, 9.5]
    assert playground.preset == "", "edited points are no longer the preset"
    y_new = 1 - playground.y
    playground.y = y_new
    assert playground.labels == y_new.tolist()


def test_set_data_changes_the_number_of_points_and_classes(playground):
    playground.set_data([[1, 1], [2, 2], [3, 3]], [0, 2, 1])
    assert playground.points == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    assert playground.labels == [0, 2, 1]
    assert playground.n_classes == 3
    playground.clear()
    assert playground.X.shape == (0, 2) and playground.y.shape == (0,)


def test_returned_arrays_are_copies(playground):
    X = playground.X
    X[:] = 0
    assert playground.X[0].tolist() != [0.0, 0.0]


def test_updates_from_the_browser_reach_X_and_y(playground):
    # What the front end sends when a student clicks: the whole new lists.
    playground.set_state({"points": playground.points + [[4.5, 6.25]], "labels": playground.labels + [1]})
    assert playground.X[-1].tolist() == [4.5, 6.25] and playground.y[-1] == 1
    model = KNNClassifier(k=1).fit(playground.X, playground.y)
    assert model.predict([[4.5, 6.25]])[0] == 1


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        ([1.0, 2.0], ValueError, "2-D array"),
        ([[1.0, 2.0, 3.0]], ValueError, "2 columns"),
        ([[1.0, np.nan]], ValueError, "non-finite"),
        ([[11.0, 2.0]], ValueError, "outside the canvas"),
        ([[-0.5, 2.0]], ValueError, "outside the canvas"),
        ("points", TypeError, "string"),
    ],
)
def test_bad_X(X, error, match):
    playground = Playground(preset="")
    with pytest.raises(error, match=match):
        playground.set_data(X, [0])


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        ([0, 3], ValueError, "labels 0..2"),
        ([0, -1], ValueError, "labels 0..2"),
        (["a", "b"], TypeError, "integer class labels"),
        ([0.5, 1.0], TypeError, "integer class labels"),
        ([[0, 1]], ValueError, "1-D"),
        ([0, 1, 1], ValueError, "3 labels, but X has 2 points"),
    ],
)
def test_bad_y(y, error, match):
    playground = Playground(preset="")
    with pytest.raises(error, match=match):
        playground.set_data([[1, 1], [2, 2]], y)


def test_whole_number_floats_are_accepted_as_labels():
    playground = Playground(preset="")
    playground.set_data([[1, 1], [2, 2]], np.array([0.0, 1.0]))
    assert playground.labels == [0, 1]


def test_changing_only_X_to_a_new_length_points_to_set_data(playground):
    with pytest.raises(ValueError, match=r"set both at once with widget.set_data\(X, y\)"):
        playground.X = [[1.0, 1.0]]


@pytest.mark.parametrize(
    ("trait", "value", "error", "match"),
    [
        ("k", 0, ValueError, "k must be an integer from 1 to 50, got k = 0"),
        ("k", 51, ValueError, "k = 51"),
        ("k", True, ValueError, "k = True"),
        ("k", "5", TypeError, "'k' trait"),
        ("metric", "cosine", ValueError, "Unknown metric 'cosine'; choose one of 'euclidean', 'manhattan', 'chebyshev'"),
        ("weights", "inverse", ValueError, "Unknown weights 'inverse'"),
        ("grid", 100, ValueError, "grid must be from 150 to 400"),
        ("n_classes", 4, ValueError, "n_classes must be 2 or 3"),
        ("active_class", 2, ValueError, "active_class must be a class shown in the picker, 0..1"),
        ("preset", "circles", ValueError, "Unknown preset 'circles'"),
        ("probe", [1.0], ValueError, r"probe must be \[x, y\]"),
        ("extent", [0.0, 10.0, 5.0, 5.0], ValueError, "y_min < y_max"),
        ("show_ties", "yes", TypeError, "'show_ties' trait"),
    ],
)
def test_bad_settings(playground, trait, value, error, match):
    with pytest.raises(error, match=match):
        setattr(playground, trait, value)


# -- predict_grid: the picture in Python ----------------------------------------------


@pytest.mark.parametrize("preset", ["moons", "three_classes", "noisy_overlap"])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_predict_grid_matches_scikit_learn(preset, metric, weights):
    # scikit-learn's search and vote must agree on every cell where the set of
    # k nearest points is unambiguous. Where the k-th and (k+1)-th distances are
    # equal (common with Chebyshev: two points with the same y), knnlib takes
    # the smaller index and scikit-learn may not, so those cells are left out.
    k = 6
    X, y = load_preset(preset)
    labels, ties = predict_grid(X, y, k=k, metric=metric, weights=weights, grid=150)
    cells = cells_of(150)
    reference = KNeighborsClassifier(n_neighbors=k, metric=metric, weights=weights, algorithm="brute")
    expected = reference.fit(X, y).predict(cells)
    nearest = np.sort(cdist(cells, X, metric={"manhattan": "cityblock"}.get(metric, metric)), axis=1)
    unambiguous = nearest[:, k - 1] < nearest[:, k]
    assert unambiguous.mean() > 0.9
    # Even k with uniform votes can tie 3-3; scikit-learn also gives those to
    # the smallest label, so the labels agree on every unambiguous cell.
    np.testing.assert_array_equal(labels.ravel()[unambiguous], expected[unambiguous])
    if weights == "distance":
        assert not ties.any()


def test_predict_grid_ties_by_an_independent_vote():
    # Integer lattice, grid of exact binary fractions: many exact ties. Votes
    # counted here with scipy's distances and a stable sort.
    rng = np.random.default_rng(1)
    X = rng.integers(1, 10, size=(30, 2)).astype(float)
    y = rng.integers(0, 2, size=30)
    cells = cells_of(160)
    for k in (2, 4):
        labels, ties = predict_grid(X, y, k=k, metric="manhattan", grid=160)
        order = np.argsort(cdist(cells, X, metric="cityblock"), axis=1, kind="stable")[:, :k]
        votes_for_1 = y[order].sum(axis=1)
        np.testing.assert_array_equal(ties.ravel(), 2 * votes_for_1 == k)
        np.testing.assert_array_equal(labels.ravel(), (2 * votes_for_1 > k).astype(int))
        assert ties.sum() > 100


def test_predict_grid_by_hand():
    # One point per class: the boundary is the bisector x = 5, the middle
    # column of a 5-cell grid; k=2 with distance weights ties exactly there.
    labels, ties = predict_grid([[2.0, 5.0], [8.0, 5.0]], [0, 1], k=2, weights="distance", grid=5)
    np.testing.assert_array_equal(labels, [[0, 0, 0, 1, 1]] * 5)
    np.testing.assert_array_equal(ties, [[False, False, True, False, False]] * 5)


def test_predict_grid_errors():
    with pytest.raises(ValueError, match="Unknown metric 'cosine'"):
        predict_grid([[1, 1]], [0], k=1, metric="cosine")
    with pytest.raises(ValueError, match="k = 3, n_samples_fit = 2"):
        predict_grid([[1, 1], [2, 2]], [0, 1], k=3)


def test_widget_predict_grid_clamps_k_like_the_canvas(playground):
    playground.set_data([[1, 1], [2, 2], [9, 9]], [0, 1, 1])
    playground.k = 20
    assert playground.k_effective == 3
    labels, ties = playground.predict_grid()
    assert (labels == 1).all() and not ties.any()


def test_widget_predict_grid_needs_points():
    with pytest.raises(ValueError, match="no points yet"):
        Playground(preset="").predict_grid()


def test_static_twin_draws_predict_grid(playground):
    fig, ax = plt.subplots()
    playground.probe = [5.0, 5.0]
    drawn = playground.plot(ax=ax)
    plt.close(fig)
    labels, _ = playground.predict_grid()
    np.testing.assert_array_equal(drawn.labels, labels)
    lines, _ = drawn.neighbours
    # The lines go to the neighbours knnlib finds for the probe.
    expected = KNNClassifier(k=5).fit(playground.X, playground.y).kneighbors([[5.0, 5.0]])[1][0]
    ends = np.array([segment[1] for segment in lines.get_segments()])
    np.testing.assert_array_equal(ends, playground.X[expected])


def test_sparse_minority_vanishes_for_large_k():
    # The chapter's claim: 3 class-1 points among 13 cannot win a vote of k >= 6.
    X, y = load_preset("sparse")
    for k in range(1, 14):
        labels, _ = predict_grid(X, y, k=k)
        assert ((labels == 1).any()) == (k < 6), k
