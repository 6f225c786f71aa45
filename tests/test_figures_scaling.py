"""Chapter 5: the penguin loader and the scaling helpers, checked against the raw CSV,
scikit-learn and hand computation; the chapter's accuracies are pinned loosely."""

from __future__ import annotations

import csv
import sys
from importlib.resources import files

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

from knnlib import KNNClassifier  # noqa: E402
from knnlib.datasets import PENGUIN_FEATURES, load_penguins  # noqa: E402
from knnlib.figures import scaling as sc  # noqa: E402

# ---------------------------------------------------------------------------
# The loader, against the CSV file itself (read without pandas)
# ---------------------------------------------------------------------------


def _csv_rows():
    with files("palmerpenguins").joinpath("data", "penguins.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_loader_matches_the_shipped_csv():
    rows = _csv_rows()
    assert len(rows) == 344
    complete = [row for row in rows if all(row[name] != "NA" for name in PENGUIN_FEATURES)]
    X, y, feature_names, class_names = load_penguins()
    assert feature_names == list(PENGUIN_FEATURES)
    assert class_names == ["Adelie", "Chinstrap", "Gentoo"]
    expected = np.array([[float(row[name]) for name in PENGUIN_FEATURES] for row in complete])
    assert np.array_equal(X, expected)
    assert [class_names[code] for code in y] == [row["species"] for row in complete]
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_loader_drops_exactly_the_two_unmeasured_penguins():
    rows = _csv_rows()
    missing = [i for i, row in enumerate(rows) if row["body_mass_g"] == "NA"]
    assert missing == [3, 271]
    assert all(rows[i][name] == "NA" for i in missing for name in PENGUIN_FEATURES)
    X, y, _, _ = load_penguins(["body_mass_g"])
    assert X.shape == (342, 1)
    assert np.bincount(y).tolist() == [151, 68, 123]


def test_loader_keeps_the_requested_order_of_features():
    X, _, names, _ = load_penguins(["body_mass_g", "bill_depth_mm"])
    assert names == ["body_mass_g", "bill_depth_mm"]
    assert X[0].tolist() == [3750.0, 18.7]  # the first penguin, by hand from the CSV


@pytest.mark.parametrize(
    ("features", "error", "match"),
    [
        ("body_mass_g", TypeError, r"write \['body_mass_g'\] for a single feature"),
        ([3], TypeError, "features must hold column names"),
        (["mass"], ValueError, "Unknown feature 'mass'; choose from 'bill_length_mm'"),
        ([], ValueError, "at least one column"),
        (["body_mass_g", "body_mass_g"], ValueError, "must not repeat"),
    ],
)
def test_loader_rejects_bad_features(features, error, match):
    with pytest.raises(error, match=match):
        load_penguins(features)


def test_loader_says_which_package_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "palmerpenguins", None)  # makes `import palmerpenguins` fail
    with pytest.raises(ImportError, match="pip install palmerpenguins"):
        load_penguins()


# ---------------------------------------------------------------------------
# Who owns the distance
# ---------------------------------------------------------------------------


def test_squared_distance_shares_by_summing_every_pair():
    X = np.random.default_rng(0).normal(size=(30, 3)) * [1.0, 10.0, 0.1]
    totals = np.zeros(3)
    for a in X:
        for b in X:
            totals += (a - b) ** 2
    assert sc.squared_distance_shares(X) == pytest.approx(totals / totals.sum())


def test_squared_distance_shares_by_hand_and_after_z_scores():
    assert sc.squared_distance_shares([[0.0, 0.0], [3.0, 4.0]]).tolist() == pytest.approx([0.36, 0.64])
    X, _, _, _ = sc.penguin_pair()
    assert sc.squared_distance_shares(X)[1] > 0.9999  # body mass owns the raw distances
    assert sc.squared_distance_shares(StandardScaler().fit_transform(X)) == pytest.approx([0.5, 0.5])
    with pytest.raises(ValueError, match="no two different rows"):
        sc.squared_distance_shares([[1.0, 2.0], [1.0, 2.0]])


def test_stretch_feature_divides_one_column_and_copies():
    X = np.array([[18.0, 4000.0], [15.0, 3000.0]])
    assert sc.stretch_feature(X, 400).tolist() == [[18.0, 10.0], [15.0, 7.5]]
    assert sc.stretch_feature(X, 10, column=0).tolist() == [[1.8, 4000.0], [1.5, 3000.0]]
    assert X.tolist() == [[18.0, 4000.0], [15.0, 3000.0]]
    for bad in (0, -2, float("inf"), "10", True):
        with pytest.raises(ValueError, match="grams_per_mm must be a positive number"):
            sc.stretch_feature(X, bad)


# ---------------------------------------------------------------------------
# Accuracy: raw, z-score, min-max (the chapter's numbers)
# ---------------------------------------------------------------------------


def _scores(features):
    X, y, _, _ = load_penguins(features)
    return X, y, {name: cross_val_score(model, X, y, cv=sc.chapter_cv())
                  for name, model in sc.scaling_pipelines(k=5).items()}


def _reference_predict(X_train, y_train, X_test, k=5):
    """KNN by the book's rule, in plain NumPy: neighbours by (distance, index), ties to the smallest label.

    scikit-learn cannot serve as the reference on the raw penguins: body masses
    are multiples of 25 g, so many distances tie exactly, and scikit-learn
    orders tied neighbours its own way.
    """
    predictions = []
    for query in X_test:
        distances = np.sqrt(((X_train - query) ** 2).sum(axis=1))
        nearest = np.argsort(distances, kind="stable")[:k]  # stable: equal distances keep index order
        predictions.append(np.argmax(np.bincount(y_train[nearest], minlength=3)))  # argmax: first maximum
    return np.array(predictions)


def _reference_cv(X, y, scaler=None, k=5):
    scores = []
    for train, test in sc.chapter_cv().split(X, y):
        X_train, X_test = X[train], X[test]
        if scaler is not None:
            fitted = scaler().fit(X_train)  # on the training fold only
            X_train, X_test = fitted.transform(X_train), fitted.transform(X_test)
        scores.append(np.mean(_reference_predict(X_train, y[train], X_test, k) == y[test]))
    return np.array(scores)


def test_scaling_pipelines_agree_with_a_plain_numpy_reference():
    X, y, scores = _scores(sc.PENGUIN_PAIR)
    assert scores["raw"] == pytest.approx(_reference_cv(X, y))
    assert scores["z-score"] == pytest.approx(_reference_cv(X, y, StandardScaler))
    assert scores["min-max"] == pytest.approx(_reference_cv(X, y, MinMaxScaler))
    # Once scaled, no distances tie, and scikit-learn's classifier agrees too.
    reference = make_pipeline(StandardScaler(), KNeighborsClassifier(5))
    assert scores["z-score"] == pytest.approx(cross_val_score(reference, X, y, cv=sc.chapter_cv()))


def test_chapter_accuracies_two_features():
    _, _, scores = _scores(sc.PENGUIN_PAIR)
    assert scores["raw"].mean() == pytest.approx(0.708, abs=0.01)
    assert scores["z-score"].mean() == pytest.approx(0.778, abs=0.01)
    assert scores["min-max"].mean() == pytest.approx(0.778, abs=0.01)


def test_chapter_accuracies_four_features_and_leakage():
    X, y, scores = _scores(list(PENGUIN_FEATURES))
    assert scores["raw"].mean() == pytest.approx(0.766, abs=0.01)
    assert scores["z-score"].mean() == pytest.approx(0.982, abs=0.01)
    assert scores["min-max"].mean() == pytest.approx(0.985, abs=0.01)
    # Scaling before the split: wrong in principle, and here it happens to give the same scores.
    leaky = cross_val_score(KNNClassifier(k=5), StandardScaler().fit_transform(X), y, cv=sc.chapter_cv())
    assert leaky.mean() == pytest.approx(scores["z-score"].mean(), abs=0.01)


def test_cv_accuracy_at_rate_matches_scikit_learn_and_the_raw_pipeline():
    X, y, _, _ = sc.penguin_pair()
    for rate in (1, 400, 10000):
        reference = _reference_cv(X / [1.0, rate], y).mean()
        assert sc.cv_accuracy_at_rate(X, y, rate) == pytest.approx(reference)
    raw = cross_val_score(sc.scaling_pipelines()["raw"], X, y, cv=sc.chapter_cv()).mean()
    assert sc.cv_accuracy_at_rate(X, y, 1) == pytest.approx(raw)
    curve = sc.rate_curve()
    assert curve.shape == (len(sc.RATE_CURVE),)
    assert curve[0] == pytest.approx(raw)
    assert curve.max() > raw + 0.05          # some exchange rate beats the raw data...
    assert curve[-1] < curve.max() - 0.03    # ...and ignoring body mass is worse again


# ---------------------------------------------------------------------------
# The pictures and the interactive
# ---------------------------------------------------------------------------


def test_query_penguin_is_the_light_gentoo():
    X, y, _, class_names = sc.penguin_pair()
    assert X[sc.QUERY_INDEX].tolist() == [13.7, 3950.0]
    assert class_names[y[sc.QUERY_INDEX]] == "Gentoo"


@pytest.mark.parametrize(("rate", "prediction"), [(1, "Adelie"), (400, "Gentoo")])
def test_penguin_neighbours_match_a_plain_numpy_reference(rate, prediction):
    X, y, _, class_names = sc.penguin_pair()
    others = np.flatnonzero(np.arange(len(X)) != sc.QUERY_INDEX)
    X_train, query = X[others] / [1.0, rate], X[sc.QUERY_INDEX] / [1.0, rate]
    distances = np.sqrt(((X_train - query) ** 2).sum(axis=1))
    expected = others[np.argsort(distances, kind="stable")[:5]]
    fig = Figure()
    drawn = sc.draw_penguin_neighbours(fig.subplots(), rate, grid=30)
    assert drawn["neighbours"].tolist() == expected.tolist()
    reference = _reference_predict(X_train, y[others], query[None, :])[0]
    assert drawn["prediction"] == class_names[reference] == prediction
    assert drawn["truth"] == "Gentoo"
    assert sum(drawn["votes"].values()) == 5
    assert drawn["votes"] == {name: int(np.sum(y[expected] == code)) for code, name in enumerate(class_names)}


def test_stretch_explorer_titles_show_the_computed_numbers():
    fig = Figure(figsize=(10, 4.4))
    drawn = sc.draw_stretch_explorer(fig, grams_per_mm=1)
    left, right = fig.axes[0].get_title(), fig.axes[1].get_title()
    assert "neighbours 3 Adelie, 2 Chinstrap" in left and "Gentoo is predicted Adelie" in left
    assert right == f"accuracy at 1 g per mm: {drawn['accuracy']:.3f}" == "accuracy at 1 g per mm: 0.708"


def test_plot_rate_curve_checks_its_input():
    fig = Figure()
    ax = fig.subplots()
    drawn = sc.plot_rate_curve([1, 10], [0.7, 0.8], ax=ax, current_rate=10)
    assert drawn["current"].get_xdata()[0] == 10
    with pytest.raises(ValueError, match="one value per rate"):
        sc.plot_rate_curve([1, 10], [0.7], ax=ax)
