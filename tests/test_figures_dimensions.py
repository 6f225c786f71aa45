"""Chapter 8 helpers: distances checked against SciPy, contrast against its
definition and the 1/sqrt(d) law, pipelines against the same pipelines built
on scikit-learn's KNN, feature selection against SciPy's ANOVA F-test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402
from scipy.stats import f_oneway  # noqa: E402
from sklearn.datasets import load_wine  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from knnlib.figures import dimensions as dm  # noqa: E402


@pytest.fixture
def ax():
    return Figure().subplots()


@pytest.fixture(scope="module")
def wine():
    return dm.load_wine_data()


# ---------------------------------------------------------------------------
# Distance concentration
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 7, 300])
def test_query_distances_match_scipy(d):
    rng = np.random.default_rng(4)
    X = rng.random((200, d))
    Q = rng.random((3, d))
    expected = cdist(Q, X)
    assert np.allclose(dm.query_distances(d, 200, n_queries=3, seed=4), expected, rtol=1e-12)
    # One query: the first of the three (the points are drawn first, then the queries).
    assert np.allclose(dm.query_distances(d, 200, seed=4), expected[0], rtol=1e-12)


def test_query_distances_checks_its_arguments():
    with pytest.raises(ValueError, match="d must be an integer >= 1, got d = 0"):
        dm.query_distances(0)
    with pytest.raises(ValueError, match="d = 2.5"):
        dm.query_distances(2.5)
    with pytest.raises(ValueError, match="n_points = 1"):
        dm.query_distances(3, n_points=1)


def test_relative_contrast_by_hand():
    assert dm.relative_contrast([2.0, 3.0, 5.0]) == 1.5
    assert dm.relative_contrast(np.array([[1.0, 4.0], [4.0, 5.0]])).tolist() == [3.0, 0.25]
    with pytest.raises(ValueError, match="positive"):
        dm.relative_contrast([0.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        dm.relative_contrast([1.0])


def test_contrast_curve_matches_its_definition_and_falls_like_one_over_sqrt_d():
    curve = dm.contrast_against_dimension([1, 10, 100, 1000], n_points=1000, n_queries=10, seed=2)
    for i, d in enumerate([1, 10, 100, 1000]):
        rng = np.random.default_rng(2)
        X, Q = rng.random((1000, d)), rng.random((10, d))
        D = cdist(Q, X)
        contrast = (D.max(axis=1) - D.min(axis=1)) / D.min(axis=1)
        assert curve.mean[i] == pytest.approx(contrast.mean(), rel=1e-9)
        assert curve.low[i] == pytest.approx(contrast.min(), rel=1e-9)
        assert curve.high[i] == pytest.approx(contrast.max(), rel=1e-9)
    assert np.all(np.diff(curve.mean) < 0)
    # Concentration: ten times the dimension, about sqrt(10) = 3.16 times less contrast.
    assert curve.mean[2] / curve.mean[3] == pytest.approx(np.sqrt(10), rel=0.2)


def test_the_chapter_contrast_numbers():
    curve = dm.contrast_against_dimension()
    assert curve.dims.tolist() == list(dm.CONTRAST_DIMS)
    one, thousand = curve.mean[0], curve.mean[-1]
    assert one > 100            # in 1-D the nearest point is almost on top of the query
    assert 0.08 < thousand < 0.2  # in 1000-D the farthest is only ~12% farther than the nearest


def test_plot_contrast(ax):
    curve = dm.contrast_against_dimension([1, 10, 100], n_points=100, n_queries=4)
    drawn = dm.plot_contrast(curve, ax=ax)
    assert drawn["mean"].get_ydata().tolist() == curve.mean.tolist()
    guide_x, guide_y = drawn["guide"].get_data()
    assert guide_y[-1] == pytest.approx(curve.mean[-1])
    assert guide_y[0] * np.sqrt(guide_x[0]) == pytest.approx(guide_y[-1] * np.sqrt(guide_x[-1]))
    assert ax.get_xscale() == ax.get_yscale() == "log"


@pytest.mark.parametrize("relative", [True, False])
def test_plot_distance_histogram_counts_every_point(ax, relative):
    distances = dm.query_distances(50, 500)
    drawn = dm.plot_distance_histogram(distances, ax=ax, relative=relative)
    assert sum(bar.get_height() for bar in drawn["bars"]) == 500
    scale = distances.mean() if relative else 1.0
    assert drawn["nearest"].get_xdata()[0] == pytest.approx(distances.min() / scale)
    assert drawn["farthest"].get_xdata()[0] == pytest.approx(distances.max() / scale)
    assert f"{dm.relative_contrast(distances):.2f}" in ax.get_title()


@pytest.mark.parametrize("d", [1, 100])
def test_histogram_callback_numbers_match_scipy(d):
    rng = np.random.default_rng(0)
    X, q = rng.random((1000, d)), rng.random((1, d))
    D = cdist(q, X)[0]
    fig = Figure()
    drawn = dm.draw_distance_histogram(fig, dimension=d)
    assert drawn["nearest_distance"] == pytest.approx(D.min())
    assert drawn["farthest_distance"] == pytest.approx(D.max())
    assert drawn["contrast"] == pytest.approx((D.max() - D.min()) / D.min())
    assert fig.axes[0].get_title().startswith(f"d = {d}: nearest {D.min():.3g}")


def test_histogram_widget_frames_are_light():
    from knnlib.widgets import Slider, Toggle, interactive_figure

    widget = interactive_figure(dm.draw_distance_histogram,
                                dimension=Slider(list(dm.HISTOGRAM_DIMS), value=2),
                                relative=Toggle(True), figsize=(6, 3.6), precompute=False)
    assert widget.n_frames == 2 * len(dm.HISTOGRAM_DIMS) <= 30
    assert len(widget.frame_png(dimension=1000, relative=False)) < 40_000


# ---------------------------------------------------------------------------
# Irrelevant features
# ---------------------------------------------------------------------------


def test_wine_is_scikit_learns(wine):
    X, y, names = wine
    data = load_wine()
    assert np.array_equal(X, data.data) and np.array_equal(y, data.target)
    assert X.shape == (178, 13) and np.bincount(y).tolist() == [59, 71, 48]
    assert names == list(data.feature_names)


def test_add_noise_features():
    X = np.arange(12.0).reshape(4, 3)
    noisy = dm.add_noise_features(X, 2, seed=5)
    assert noisy.shape == (4, 5)
    assert np.array_equal(noisy[:, :3], X)
    assert np.array_equal(noisy[:, 3:], np.random.default_rng(5).standard_normal((4, 2)))
    assert np.array_equal(dm.add_noise_features(X, 0), X)
    big = dm.add_noise_features(np.zeros((2000, 1)), 3)[:, 1:]
    assert abs(big.mean()) < 0.05 and abs(big.std() - 1) < 0.05
    with pytest.raises(ValueError, match="n_noise = -1"):
        dm.add_noise_features(X, -1)
    with pytest.raises(ValueError, match="2-D"):
        dm.add_noise_features(np.ones(3), 1)


def _sklearn_twin(pipeline):
    """The same pipeline with scikit-learn's KNN in place of knnlib's."""
    from sklearn.base import clone

    twin = clone(pipeline)
    name = twin.steps[-1][0]
    twin.steps[-1] = (name, KNeighborsClassifier(n_neighbors=pipeline.steps[-1][1].k))
    return twin


@pytest.mark.parametrize("n_noise", [0, 40])
def test_pipelines_score_like_the_same_pipelines_with_sklearns_knn(wine, n_noise):
    X, y, _ = wine
    X_noisy = dm.add_noise_features(X, n_noise, seed=1)
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=1, random_state=1)
    for name, pipeline in dm.noise_pipelines().items():
        ours = cross_val_score(pipeline, X_noisy, y, cv=cv)
        theirs = cross_val_score(_sklearn_twin(pipeline), X_noisy, y, cv=cv)
        assert np.array_equal(ours, theirs), name


def test_accuracy_against_noise_is_the_mean_over_the_same_folds(wine):
    X, y, _ = wine
    curves = dm.accuracy_against_noise(X, y, [0, 30], n_splits=4, n_repeats=2, seed=3)
    assert curves.noise_counts.tolist() == [0, 30]
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=3)
    for name, pipeline in dm.noise_pipelines().items():
        assert curves.fold_accuracy[name].shape == (2, 8)
        expected = cross_val_score(_sklearn_twin(pipeline), dm.add_noise_features(X, 30, seed=3), y, cv=cv)
        assert curves.fold_accuracy[name][1] == pytest.approx(expected)
        assert curves.accuracy[name][1] == pytest.approx(expected.mean())
    with pytest.raises(ValueError, match="noise_counts"):
        dm.accuracy_against_noise(X, y, [0, -5])


def test_the_chapter_noise_numbers(wine):
    # Loose pins on the numbers the chapter states.
    X, y, _ = wine
    curves = dm.accuracy_against_noise(X, y)
    plain = curves.accuracy["KNN"]
    pca = curves.accuracy["PCA, then KNN"]
    selected = curves.accuracy["feature selection, then KNN"]
    assert plain[0] > 0.94 and plain[-1] < 0.7          # 500 noise features: far worse
    assert np.all(np.diff(plain[[0, 4, 6, 7]]) < 0)      # 0, 50, 200, 500: ever worse
    assert np.all(selected > 0.93)                       # selection recovers at every level
    assert pca[4] > plain[4] and pca[-1] < 0.75          # PCA helps a little, then fails


def test_selected_real_features_matches_scipy_anova(wine):
    X, y, _ = wine
    for n_noise in (0, 100, 500):
        noisy = dm.add_noise_features(X, n_noise, seed=0)
        F = np.array([f_oneway(*(noisy[y == c, j] for c in range(3))).statistic for j in range(noisy.shape[1])])
        top = np.argsort(-F)[:10]
        assert dm.selected_real_features(X, y, n_noise) == int(np.sum(top < 13))
    assert dm.selected_real_features(X, y, 500) == 10


def test_plot_accuracy_against_noise(ax):
    curves = dm.NoiseCurves(
        noise_counts=np.array([0, 10, 100]),
        accuracy={name: np.array([0.9, 0.8, 0.7]) - i / 10 for i, name in enumerate(dm.PIPELINE_NAMES)},
        fold_accuracy={},
    )
    lines = dm.plot_accuracy_against_noise(curves, ax=ax, chance=0.4)
    assert lines["PCA, then KNN"].get_ydata().tolist() == pytest.approx([0.8, 0.7, 0.6])
    assert lines["chance"].get_ydata()[0] == 0.4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "10", "100"]
