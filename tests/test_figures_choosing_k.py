"""Chapter 4 helpers: every number they compute is checked against scikit-learn,
a hand computation or a property, and the chapter's reported numbers are pinned loosely."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from knnlib import KNNClassifier  # noqa: E402
from knnlib.figures import choosing_k as ck  # noqa: E402
from knnlib.plotting import grid_centres  # noqa: E402


@pytest.fixture(scope="module")
def small_data():
    X, y = ck.noisy_moons(noise=0.6, n_per_moon=40, seed=3)
    X_val, y_val = ck.noisy_moons(noise=0.6, n_per_moon=150, seed=4)
    return X, y, X_val, y_val


def _reference_predict(X_train, y_train, X_test, k, weights="uniform"):
    """The first class with the highest score (:func:`_reference_scores`): ties go to the smaller label."""
    return np.argmax(_reference_scores(X_train, y_train, X_test, k, weights), axis=1)


def _reference_scores(X_train, y_train, X_test, k, weights="uniform"):
    """Two-class vote scores by the book's rule in plain NumPy: neighbours by (distance, index).

    The exact reference. scikit-learn is a second opinion only: its brute
    force computes Euclidean distances through dot products, whose rounding
    can swap two neighbours that are (nearly) tied, so it may differ on a
    point or two of a thousand.
    """
    all_scores = []
    for query in np.asarray(X_test):
        distances = np.sqrt(((X_train - query) ** 2).sum(axis=1))
        nearest = np.argsort(distances, kind="stable")[:k]
        if weights == "uniform":
            votes = np.ones(k)
        elif (distances[nearest] == 0).any():
            votes = (distances[nearest] == 0).astype(float)
        else:
            votes = 1.0 / distances[nearest]
        scores = np.zeros(2)
        for label, vote in zip(y_train[nearest], votes):
            scores[label] += vote
        all_scores.append(scores)
    return np.array(all_scores)


# ---------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------


def test_noisy_moons_shape_labels_and_square():
    X, y = ck.noisy_moons(noise=1.0, n_per_moon=300, seed=7)
    assert X.shape == (600, 2) and X.dtype == np.float64
    assert y.tolist() == [0] * 300 + [1] * 300
    assert X.min() >= 0.25 and X.max() <= 9.75
    assert np.array_equal(X, np.round(X, 2))


def test_noisy_moons_is_reproducible_and_seeded():
    a, _ = ck.noisy_moons(0.5, 20, seed=1)
    b, _ = ck.noisy_moons(0.5, 20, seed=1)
    c, _ = ck.noisy_moons(0.5, 20, seed=2)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_noise_free_points_lie_on_the_two_half_circles():
    # Hand computation: class 0 is the upper half of the unit circle around
    # (0, 0), class 1 the lower half of the one around (1, 0.5); the map
    # (p - (0.5, 0.25)) * 2.4 + 5 sends the centres to (3.8, 4.4) and (6.2, 5.6)
    # and the radius to 2.4.
    X, y = ck.noisy_moons(noise=0.0, n_per_moon=50, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(*(upper - [3.8, 4.4]).T), 2.4, atol=0.01)
    assert np.allclose(np.hypot(*(lower - [6.2, 5.6]).T), 2.4, atol=0.01)
    assert (upper[:, 1] >= 4.4 - 0.005).all() and (lower[:, 1] <= 5.6 + 0.005).all()


def test_noise_has_the_requested_spread():
    # Away from the edges nothing is redrawn, so the jitter is plain N(0, noise^2).
    clean, _ = ck.noisy_moons(noise=0.0, n_per_moon=2000, seed=5)
    noisy, _ = ck.noisy_moons(noise=0.3, n_per_moon=2000, seed=5)
    # Same seed: the same angles are drawn first, so the points pair up.
    assert np.std(noisy - clean) == pytest.approx(0.3, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"noise": -0.1}, ValueError, "noise must be a finite number >= 0, got noise = -0.1"),
        ({"noise": float("nan")}, ValueError, "noise"),
        ({"noise": "high"}, ValueError, "noise = 'high'"),
        ({"n_per_moon": 0}, ValueError, "n_per_moon must be >= 1"),
        ({"n_per_moon": 2.5}, TypeError, "n_per_moon must be an integer"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0, got seed = -1"),
    ],
)
def test_noisy_moons_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        ck.noisy_moons(**kwargs)


def test_chapter_data_sizes_and_read_only():
    X_train, y_train, X_val, y_val = ck.chapter_data(0.75)
    assert X_train.shape == (200, 2) and X_val.shape == (1000, 2)
    assert np.bincount(y_train).tolist() == [100, 100]
    with pytest.raises(ValueError):
        X_train[0, 0] = 1.0


# ---------------------------------------------------------------------------
# Error curves, best k, cross-validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_error_curves_match_a_plain_numpy_reference_and_scikit_learn(small_data, weights):
    X, y, X_val, y_val = small_data
    ks = (1, 2, 3, 8, 15, 40, 80)
    curves = ck.error_curves(X, y, X_val, y_val, ks, weights=weights)
    for i, k in enumerate(ks):
        assert curves.train_error[i] == np.mean(_reference_predict(X, y, X, k, weights) != y)
        assert curves.validation_error[i] == np.mean(_reference_predict(X, y, X_val, k, weights) != y_val)
        second_opinion = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm="brute").fit(X, y)
        assert curves.validation_error[i] == pytest.approx(1 - second_opinion.score(X_val, y_val), abs=0.01)
    assert curves.ks == ks and curves.weights == weights


def test_training_error_is_zero_at_k1_and_for_distance_weights(small_data):
    X, y, X_val, y_val = small_data
    assert len(np.unique(X, axis=0)) == len(X)  # no duplicate points with two labels
    uniform = ck.error_curves(X, y, X_val, y_val, (1, 5, 25))
    assert uniform.train_error[0] == 0.0
    # Each training point sits at distance 0 from itself and so takes the whole vote.
    distance = ck.error_curves(X, y, X_val, y_val, (1, 5, 25, 80), weights="distance")
    assert (distance.train_error == 0.0).all()


def test_k_equal_to_n_predicts_one_class_everywhere(small_data):
    X, y, X_val, y_val = small_data
    curves = ck.error_curves(X, y, X_val, y_val, [len(X)])
    # 40 + 40 votes: a tie everywhere, which goes to class 0 -> exactly the class 1 points are wrong.
    assert curves.validation_error[0] == pytest.approx(np.mean(y_val == 1))


def test_error_curves_reject_bad_ks(small_data):
    X, y, X_val, y_val = small_data
    with pytest.raises(ValueError, match=r"every k in ks must be <= the number of training points \(80\), got \[81\]"):
        ck.error_curves(X, y, X_val, y_val, [1, 81])
    with pytest.raises(TypeError, match="ks must be a list of integers"):
        ck.error_curves(X, y, X_val, y_val, 5)
    with pytest.raises(ValueError, match="ks must hold at least one k"):
        ck.error_curves(X, y, X_val, y_val, [])
    with pytest.raises(TypeError, match="k in ks must be an integer"):
        ck.error_curves(X, y, X_val, y_val, [1.5])


def test_best_k_takes_the_first_minimum():
    assert ck.best_k((1, 3, 5, 7), [0.3, 0.1, 0.1, 0.2]) == 3
    assert ck.best_k((1,), [0.5]) == 1
    with pytest.raises(ValueError, match="errors must hold one value per k"):
        ck.best_k((1, 3), [0.1])


def test_cv_fold_scores_and_best_k_agree_with_grid_search(small_data):
    X, y, _, _ = small_data
    ks = [1, 3, 5, 9, 15, 31]
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    search = GridSearchCV(KNNClassifier(), {"k": ks}, cv=cv).fit(X, y)
    found_ks, scores = ck.cv_fold_scores(search)
    assert found_ks.tolist() == ks and scores.shape == (len(ks), 5)
    for i, k in enumerate(ks):  # computed again, independently
        assert scores[i] == pytest.approx(cross_val_score(KNNClassifier(k=k), X, y, cv=cv))
    assert ck.best_k(found_ks, 1 - scores.mean(axis=1)) == search.best_params_["k"]


def test_cv_fold_scores_needs_a_fitted_search_over_k():
    with pytest.raises(ValueError, match="not fitted"):
        ck.cv_fold_scores(GridSearchCV(KNNClassifier(), {"k": [1, 3]}))
    X, y = ck.noisy_moons(0.5, 10)
    search = GridSearchCV(KNNClassifier(), {"weights": ["uniform", "distance"]}, cv=2).fit(X, y)
    with pytest.raises(ValueError, match="grid over 'k'"):
        ck.cv_fold_scores(search)


# ---------------------------------------------------------------------------
# Ties
# ---------------------------------------------------------------------------


def test_labels_and_ties_agree_with_predict_and_a_plain_numpy_reference(small_data):
    X, y, _, _ = small_data
    cells = np.random.default_rng(0).uniform(0, 10, size=(2000, 2))
    for k in (1, 4, 7):
        model = KNNClassifier(k=k).fit(X, y)
        labels, tied = ck.labels_and_ties(model)(cells)
        assert np.array_equal(labels, model.predict(cells))
        scores = _reference_scores(X, y, cells, k)
        assert np.array_equal(tied, scores[:, 0] == scores[:, 1])


def test_tie_share_by_hand_and_odd_k(small_data):
    # Two points of each class at the corners of a square: with k = 4 every
    # cell sees two votes each; with k = 1 there is nothing to tie.
    X = [[2.0, 2.0], [2.0, 8.0], [8.0, 2.0], [8.0, 8.0]]
    y = [0, 0, 1, 1]
    assert ck.tie_share(X, y, k=4, grid=10) == 1.0
    assert ck.tie_share(X, y, k=1, grid=10) == 0.0
    # k = 2, counted cell by cell in plain Python: the two nearest by
    # (distance, index), tied when their labels differ.
    xs, ys = grid_centres(10)
    tied = 0
    for cx in xs:
        for cy in ys:
            nearest = sorted(range(4), key=lambda i: ((X[i][0] - cx) ** 2 + (X[i][1] - cy) ** 2, i))[:2]
            tied += y[nearest[0]] != y[nearest[1]]
    assert 0 < tied < 100
    assert ck.tie_share(X, y, k=2, grid=10) == tied / 100
    X_train, y_train, _, _ = small_data
    assert all(ck.tie_share(X_train, y_train, k=k, grid=40) == 0.0 for k in (1, 3, 5, 9))
    assert ck.tie_share(X_train, y_train, k=2, grid=40) > 0.0


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def test_plot_error_curves_draws_the_given_numbers():
    curves = ck.ErrorCurves((1, 3, 9), np.array([0.0, 0.05, 0.1]), np.array([0.3, 0.15, 0.2]))
    fig = Figure()
    ax = fig.subplots()
    drawn = ck.plot_error_curves(curves, ax=ax, current_k=9)
    assert drawn["train"].get_ydata().tolist() == [0.0, 0.05, 0.1]
    assert drawn["validation"].get_ydata().tolist() == [0.3, 0.15, 0.2]
    assert drawn["best"].get_xydata().tolist() == [[3.0, 0.15]]
    assert drawn["current"].get_xdata()[0] == 9
    assert ax.get_xscale() == "log"
    assert "best" not in ck.plot_error_curves(curves, ax=ax, mark_best=False)
    recoloured = ck.plot_error_curves(curves, ax=ax, color="#0072B2")
    assert {recoloured[name].get_color() for name in ("train", "validation", "best")} == {"#0072B2"}


def test_plot_cv_scores_mean_and_spread():
    fig = Figure()
    ax = fig.subplots()
    scores = np.array([[0.8, 0.9, 1.0], [0.7, 0.7, 0.7]])
    drawn = ck.plot_cv_scores([1, 5], scores, ax=ax, chosen_k=1)
    assert drawn["mean"].get_ydata() == pytest.approx([0.9, 0.7])
    assert len(drawn["folds"].get_offsets()) == 6
    band = drawn["spread"].get_paths()[0].vertices[:, 1]
    spread = np.std([0.8, 0.9, 1.0])  # population standard deviation, as GridSearchCV reports
    assert band.max() == pytest.approx(0.9 + spread) and band.min() == pytest.approx(0.7)
    with pytest.raises(ValueError, match="fold_scores must have shape"):
        ck.plot_cv_scores([1, 5, 9], scores, ax=ax)


def test_draw_k_explorer_shows_numbers_a_plain_numpy_reference_agrees_with():
    X_train, y_train, X_val, y_val = ck.chapter_data(0.5)
    xs, ys = grid_centres(40)
    cells = np.column_stack([a.ravel() for a in np.meshgrid(xs, ys)])
    for k in (1, 2, 21):  # 2 is not on the curve: its errors are computed on the spot
        fig = Figure(figsize=(9.5, 4))
        drawn = ck.draw_k_explorer(fig, k=k, noise=0.5, grid=40)
        assert drawn["train_error"] == np.mean(_reference_predict(X_train, y_train, X_train, k) != y_train)
        assert drawn["validation_error"] == np.mean(_reference_predict(X_train, y_train, X_val, k) != y_val)
        title = fig.axes[1].get_title()
        assert f"training error {drawn['train_error']:.1%}" in title
        assert f"validation error {drawn['validation_error']:.1%}" in title
        # The regions come from one shared k = n search: they must match a fresh model for this k.
        model = KNNClassifier(k=k).fit(X_train, y_train)
        assert np.array_equal(drawn["regions"].labels.ravel(), model.predict(cells))
        assert np.array_equal(drawn["regions"].labels.ravel(), _reference_predict(X_train, y_train, cells, k))
        scores = _reference_scores(X_train, y_train, cells, k)
        assert np.array_equal(drawn["regions"].tie_mask.ravel(), scores[:, 0] == scores[:, 1])
        assert drawn["curves"]["current"].get_xdata()[0] == k


def test_draw_k_explorer_rejects_bad_k_and_foreign_cells():
    with pytest.raises(ValueError, match="k must be <= the 200 training points, got k = 201"):
        ck.draw_k_explorer(Figure(), k=201, noise=0.5, grid=10)
    with pytest.raises(TypeError, match="k must be an integer"):
        ck.draw_k_explorer(Figure(), k=2.0, noise=0.5, grid=10)
    regions = ck._explorer_regions(0.5, 3, grid=10)
    with pytest.raises(ValueError, match="precomputed for its own grid"):
        regions(np.zeros((100, 2)))


# ---------------------------------------------------------------------------
# The chapter's numbers (asserted loosely: the chapter's prose relies on them)
# ---------------------------------------------------------------------------


def test_chapter_curve_is_u_shaped_with_best_k_near_eleven():
    curves = ck.chapter_curves(0.75)
    error = dict(zip(curves.ks, curves.validation_error))
    assert curves.train_error[0] == 0.0
    assert 5 <= curves.best_k <= 21
    best = error[curves.best_k]
    assert 0.08 <= best <= 0.12
    assert error[1] > best + 0.04     # k = 1 overfits
    assert error[199] > best + 0.08   # k near n over-smooths


def test_chapter_cross_validation_choice():
    X, y, _, _ = ck.chapter_data(0.75)
    ks = [k for k in ck.CURVE_KS if k <= 151]
    search = GridSearchCV(KNNClassifier(), {"k": ks}, cv=StratifiedKFold(5, shuffle=True, random_state=0)).fit(X, y)
    assert search.best_params_["k"] == 9
    assert search.best_score_ == pytest.approx(0.92, abs=0.01)
