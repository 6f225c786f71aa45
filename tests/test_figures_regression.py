"""Chapter 6's computations and figures, checked against scikit-learn, NumPy and hand computation.

The expected values never come from the function under test: predictions are
checked against ``KNNRegressor.predict`` queried point by point and against
scikit-learn's ``KNeighborsRegressor`` (on data without distance ties, where
the nearest neighbours are unique), means and medians against NumPy, and
cross-validation errors against a plain loop over the folds.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.metrics import mean_absolute_error  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402
from sklearn.neighbors import KNeighborsRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from knnlib import KNNRegressor  # noqa: E402
from knnlib.datasets import load_house_prices  # noqa: E402
from knnlib.figures import regression  # noqa: E402
from knnlib.figures.regression import (  # noqa: E402
    EXPLORER_AREAS,
    EXPLORER_KS,
    LARGE_HOUSE_AREA,
    chapter_data,
    draw_regression_explorer,
    explain_prediction,
    fold_errors,
    format_dollars,
    kth_neighbour_ties,
    plot_error_against_k,
    plot_mean_vs_median,
    plot_prediction,
    prediction_steps,
    step_outline,
)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def tie_free_data(n=60, seed=0):
    """Distinct, irregularly spaced floats: no two distances from a random query are equal."""
    rng = np.random.default_rng(seed)
    X = np.sort(rng.uniform(0, 100, n))[:, None]
    y = rng.normal(200_000, 50_000, n)
    return X, y


def value_at(edges, values, queries):
    """The step function's value at each query (queries must not sit on an edge)."""
    return values[np.searchsorted(edges, queries) - 1]


# -- the data ---------------------------------------------------------------------------------


def test_chapter_data_drops_exactly_the_five_large_houses():
    houses = load_house_prices(["living_area"])
    X, y = chapter_data()
    assert X.shape == (2930 - 5, 1) and y.shape == (2925,)
    assert X.max() <= LARGE_HOUSE_AREA
    kept = houses.data[:, 0] <= LARGE_HOUSE_AREA
    np.testing.assert_array_equal(X, houses.data[kept])
    np.testing.assert_array_equal(y, houses.target[kept])
    with pytest.raises(ValueError):
        X[0, 0] = 1.0  # shared by every frame of the interactive: read-only


# -- the step function ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 5, 13])
@pytest.mark.parametrize("aggregate", ["mean", "median"])
def test_steps_match_predictions_and_scikit_learn_on_tie_free_data(k, aggregate):
    X, y = tie_free_data()
    edges, values = prediction_steps(X, y, k, aggregate)
    queries = np.random.default_rng(1).uniform(X.min(), X.max(), 2000)
    on_steps = value_at(edges, values, queries)
    reference = KNeighborsRegressor(n_neighbors=k).fit(X, y)
    if aggregate == "mean":
        expected = reference.predict(queries[:, None])
    else:
        expected = np.median(y[reference.kneighbors(queries[:, None], return_distance=False)], axis=1)
    np.testing.assert_allclose(on_steps, expected, rtol=1e-12)


@pytest.mark.parametrize("k", [1, 5, 20, 75])
@pytest.mark.parametrize("aggregate", ["mean", "median"])
def test_steps_on_the_house_data_equal_pointwise_predictions(k, aggregate):
    # Whole-number areas with many ties: a missing breakpoint would show as a
    # step whose value disagrees with the prediction just beside it.
    X, y = chapter_data()
    edges, values = regression.chapter_steps(k, aggregate)
    model = KNNRegressor(k=k, aggregate=aggregate).fit(X, y)
    rng = np.random.default_rng(k)
    inner = edges[1:-1]
    queries = np.concatenate([
        rng.uniform(edges[0], edges[-1], 1500),
        inner - 0.01, inner + 0.01,  # both sides of every step edge
    ])
    queries = queries[(queries > edges[0]) & (queries < edges[-1])]
    np.testing.assert_array_equal(value_at(edges, values, queries), model.predict(queries[:, None]))
    assert np.all(np.diff(edges) > 0)
    assert np.all(values[1:] != values[:-1])  # equal neighbouring steps are merged


def test_steps_hand_example_and_extremes():
    # Houses at 1, 2, 5; k = 2: neighbours {1, 2} left of 3 = (1 + 5) / 2, then {2, 5}.
    edges, values = prediction_steps([[1.0], [2.0], [5.0]], [10.0, 20.0, 50.0], k=2, x_range=(0, 10))
    assert edges.tolist() == [0.0, 3.0, 10.0]
    assert values.tolist() == [15.0, 35.0]
    # k = n: every query has all points as neighbours, one flat step.
    edges, values = prediction_steps([[1.0], [2.0], [5.0]], [10.0, 20.0, 60.0], k=3)
    assert edges.tolist() == [1.0, 5.0] and values.tolist() == [30.0]
    # Median, k = 3 of 4: windows {0,1,2} -> {1,2,3} at (0 + 3) / 2 = 1.5.
    edges, values = prediction_steps([[0.0], [1.0], [2.0], [3.0]], [5.0, 1.0, 9.0, 2.0], 3, "median")
    assert edges.tolist() == [0.0, 1.5, 3.0] and values.tolist() == [5.0, 2.0]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"X": [[1.0, 2.0], [3.0, 4.0]]}, ValueError, "exactly one feature"),
        ({"y": [1.0]}, ValueError, "one price per row"),
        ({"k": 0}, ValueError, "k"),
        ({"k": 4}, ValueError, "k"),
        ({"aggregate": "mode"}, ValueError, "aggregate"),
        ({"x_range": (5, 1)}, ValueError, "low < high"),
    ],
)
def test_steps_bad_input(kwargs, error, message):
    arguments = {"X": [[1.0], [2.0], [5.0]], "y": [1.0, 2.0, 3.0], "k": 2} | kwargs
    with pytest.raises(error, match=message):
        prediction_steps(**arguments)


def test_step_outline():
    x, y = step_outline([0.0, 1.0, 3.0, 4.0], [5.0, 7.0, 6.0], window=(2.0, 2.5))
    assert x.tolist() == [1.0, 3.0] and y.tolist() == [7.0, 7.0]
    with pytest.raises(ValueError, match="one more entry"):
        step_outline([0.0, 1.0], [5.0, 7.0])


# -- one prediction ------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 4, 9])
def test_explain_prediction_against_scikit_learn(k):
    X, y = tie_free_data()
    query = [37.3]
    found = explain_prediction(X, y, query, k)
    distances, indices = KNeighborsRegressor(n_neighbors=k).fit(X, y).kneighbors([query])
    np.testing.assert_array_equal(found["indices"], indices[0])
    np.testing.assert_allclose(found["distances"], np.abs(X[indices[0], 0] - query[0]))
    np.testing.assert_array_equal(found["prices"], y[indices[0]])
    assert found["prediction"] == pytest.approx(np.mean(y[indices[0]]), rel=1e-12)
    median = explain_prediction(X, y, query, k, "median")["prediction"]
    assert median == pytest.approx(np.median(y[indices[0]]), rel=1e-12)


def test_the_chapter_example_a_pricey_neighbour_pulls_the_mean_not_the_median():
    # The numbers the chapter prints, from the data file (hand-checked rows).
    X, y = chapter_data()
    found = explain_prediction(X, y, [2300], k=5)
    assert sorted(found["prices"].tolist()) == [133_900, 202_500, 204_000, 268_000, 451_950]
    assert found["prediction"] == (133_900 + 202_500 + 204_000 + 268_000 + 451_950) / 5 == 252_070
    assert explain_prediction(X, y, [2300], k=5, aggregate="median")["prediction"] == 204_000


# -- cross-validation ----------------------------------------------------------------------------


def test_fold_errors_equal_a_plain_loop_over_the_folds():
    X, y = tie_free_data(n=50, seed=3)
    ks, cv = [1, 3, 8], KFold(4, shuffle=True, random_state=0)
    search = GridSearchCV(KNNRegressor(), {"k": ks}, cv=cv, scoring="neg_mean_absolute_error").fit(X, y)
    got_ks, errors = fold_errors(search)
    expected = [
        [mean_absolute_error(y[test], KNNRegressor(k=k).fit(X[train], y[train]).predict(X[test]))
         for train, test in cv.split(X)]
        for k in ks
    ]
    assert got_ks.tolist() == ks
    np.testing.assert_allclose(errors, expected, rtol=1e-12)


def test_fold_errors_with_a_pipeline_and_bad_searches():
    X, y = tie_free_data(n=40)
    pipe = make_pipeline(StandardScaler(), KNNRegressor())
    search = GridSearchCV(pipe, {"knnregressor__k": [2, 5]}, cv=KFold(3), scoring="neg_mean_absolute_error")
    with pytest.raises(ValueError, match="not fitted"):
        fold_errors(search)
    ks, errors = fold_errors(search.fit(X, y))
    assert ks.tolist() == [2, 5] and errors.shape == (2, 3) and (errors > 0).all()
    scored_by_r2 = GridSearchCV(KNNRegressor(), {"k": [2]}, cv=KFold(3)).fit(X, y)
    with pytest.raises(ValueError, match="neg_mean_absolute_error"):
        fold_errors(scored_by_r2)
    two_params = GridSearchCV(KNNRegressor(), {"k": [2], "aggregate": ["mean", "median"]}, cv=KFold(3),
                              scoring="neg_mean_absolute_error").fit(X, y)
    with pytest.raises(ValueError, match="one parameter"):
        fold_errors(two_params)


# -- ties and scikit-learn -------------------------------------------------------------------------


def test_kth_neighbour_ties_by_hand():
    model = KNNRegressor(k=2).fit([[0.0], [1.0], [3.0], [5.0]], [0.0, 1.0, 2.0, 3.0])
    # 2.0: distances 1 (x=1), 1 (x=3), 2, 3: the 2nd and 3rd differ -> untied.
    # 1.5: distances 0.5, 1.5 (x=0 and x=3 both): tied at the 2nd place.
    assert kth_neighbour_ties(model, [[2.0], [1.5]]).tolist() == [False, True]
    assert kth_neighbour_ties(model, [[2.0]], k=1).tolist() == [True]


def test_knnlib_equals_scikit_learn_wherever_the_kth_neighbour_is_untied():
    # The chapter's claim, on its split: several scaled features, k = 7.
    houses = load_house_prices()
    keep = houses.data[:, 0] <= LARGE_HOUSE_AREA
    X, y = houses.data[keep], houses.target[keep]
    rng = np.random.default_rng(0)
    test = rng.permutation(len(y))[:600]
    train = np.setdiff1d(np.arange(len(y)), test)
    scaler = StandardScaler().fit(X[train])
    X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
    ours = KNNRegressor(k=7).fit(X_train, y[train])
    theirs = KNeighborsRegressor(n_neighbors=7).fit(X_train, y[train])
    tied = kth_neighbour_ties(ours, X_test)
    assert tied.sum() < 0.05 * len(test)
    np.testing.assert_array_equal(ours.predict(X_test)[~tied], theirs.predict(X_test)[~tied])


# -- drawing ---------------------------------------------------------------------------------------


def test_plot_prediction_draws_the_search_that_made_the_prediction(ax):
    X, y = tie_free_data()
    drawn = plot_prediction(X, y, 42.0, k=4, ax=ax)
    reference = KNeighborsRegressor(n_neighbors=4).fit(X, y)
    expected_indices = reference.kneighbors([[42.0]], return_distance=False)[0]
    assert drawn["prediction"] == pytest.approx(reference.predict([[42.0]])[0], rel=1e-12)
    np.testing.assert_array_equal(drawn["indices"], expected_indices)
    np.testing.assert_array_equal(drawn["neighbours"].get_offsets(), np.column_stack([X, y])[expected_indices])
    for segment, i in zip(drawn["lines"].get_segments(), expected_indices):
        np.testing.assert_allclose(segment, [[42.0, drawn["prediction"]], [X[i, 0], y[i]]])
    np.testing.assert_allclose(drawn["query"].get_offsets(), [[42.0, drawn["prediction"]]])
    x, y_line = drawn["curve"].get_data()
    np.testing.assert_array_equal(np.column_stack([x, y_line]),
                                  np.column_stack(step_outline(drawn["edges"], drawn["values"])))
    assert "$" not in drawn["query"].get_label().replace(r"\$", "")  # no stray mathtext


def test_plot_prediction_window_shows_only_the_houses_inside(ax):
    X, y = tie_free_data()
    drawn = plot_prediction(X, y, 50.0, k=3, ax=ax, window=(40.0, 60.0))
    inside = (X[:, 0] >= 40) & (X[:, 0] <= 60)
    assert len(drawn["houses"].get_offsets()) == inside.sum()
    assert ax.get_xlim() == (40.0, 60.0)


@pytest.mark.parametrize("aggregate", ["mean", "median"])
def test_explorer_frame_numbers(aggregate):
    X, y = chapter_data()
    fig = Figure(figsize=(8.2, 4))
    drawn = draw_regression_explorer(fig, area=2300, k=5, aggregate=aggregate)
    other = "median" if aggregate == "mean" else "mean"
    expected = KNNRegressor(k=5, aggregate=aggregate).fit(X, y).predict([[2300]])[0]
    expected_other = KNNRegressor(k=5, aggregate=other).fit(X, y).predict([[2300]])[0]
    assert drawn["overview"]["prediction"] == drawn["zoom"]["prediction"] == expected
    assert drawn["other"] == expected_other
    title = fig.get_suptitle().replace("\\$", "$")
    assert format_dollars(expected) in title and format_dollars(expected_other) in title
    # The zoom holds every neighbour.
    low, high = fig.axes[1].get_xlim()
    assert np.all((X[drawn["zoom"]["indices"], 0] >= low) & (X[drawn["zoom"]["indices"], 0] <= high))


def test_explorer_stays_within_the_page_budget():
    from knnlib.widgets import Dropdown, Slider, interactive_figure

    n_frames = len(EXPLORER_AREAS) * len(EXPLORER_KS) * 2
    assert n_frames <= 60
    widget = interactive_figure(
        draw_regression_explorer,
        area=Slider(list(EXPLORER_AREAS), value=2300), k=Slider(list(EXPLORER_KS), value=5),
        aggregate=Dropdown(["mean", "median"]), figsize=(8.2, 4), precompute=False,
    )
    assert widget.n_frames == n_frames
    # The largest k on the sparse end of the data (a heavy frame) still draws, and is light.
    assert len(widget.frame_png(area=max(EXPLORER_AREAS), k=max(EXPLORER_KS), aggregate="median")) < 60_000


def test_plot_mean_vs_median(ax):
    prices = [133_900, 202_500, 204_000, 268_000, 451_950]
    drawn = plot_mean_vs_median({"all five": prices, "without the priciest": prices[:-1]}, ax=ax)
    assert drawn["means"] == [np.mean(prices), np.mean(prices[:-1])]
    assert drawn["medians"] == [204_000, (202_500 + 204_000) / 2]
    assert drawn["mean_marks"][0].get_xdata().tolist() == [252_070, 252_070]
    with pytest.raises(TypeError, match="dict"):
        plot_mean_vs_median([1, 2, 3], ax=ax)


def test_plot_error_against_k(ax):
    errors = np.array([[30.0, 34.0], [20.0, 22.0], [21.0, 21.0], [25.0, 27.0]])
    drawn = plot_error_against_k({"one feature": ([1, 5, 20, 75], errors)}, ax=ax)
    curve = drawn["one feature"]
    # Means 32, 21, 21, 26: the tie at 21 goes to the smaller k, as GridSearchCV picks.
    assert curve["best_k"] == 5 and curve["best_error"] == 21.0
    assert curve["line"].get_ydata().tolist() == [32.0, 21.0, 21.0, 26.0]
    assert ax.get_ylabel() == "mean absolute error, 2-fold CV"
    with pytest.raises(ValueError, match="shape"):
        plot_error_against_k({"bad": ([1, 5], errors)}, ax=ax)


def test_format_dollars():
    assert format_dollars(204_000) == "$204,000"
    assert format_dollars(38_576.6) == "$38,577"
