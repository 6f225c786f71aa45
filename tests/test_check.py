"""The exercise checkers (knnlib.check): right answers pass, wrong ones get a useful verdict.

Every right answer below is computed here, independently of the checker:
by hand, with scikit-learn, with SciPy, or with a plain-NumPy search that
follows the book's (distance, index) rule. Every wrong answer must get a
"not yet" verdict that names the problem and never contains the expected
answer (:func:`assert_no_leak`).
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from IPython.core.inputtransformer2 import TransformerManager
from scipy.spatial.distance import cdist
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RepeatedStratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from knnlib import check
from knnlib.check._verdict import NotYet, Verdict, checker, how_far, read_array, read_int, read_number
from verdict_asserts import (
    assert_no_leak,
    assert_not_yet,
    assert_right,
    assert_solutions_are_hidden_code_cells,
    flat,
)
from knnlib.datasets import PENGUIN_FEATURES, load_house_prices, load_penguins, load_preset
from knnlib.figures import choosing_k
from knnlib.figures.distances import DOCUMENTS, VOCABULARY
from knnlib.figures.scaling import chapter_cv
from knnlib.figures.workflow import EXAMPLE_QUERIES, example_data
from knnlib.plotting import DEFAULT_EXTENT, grid_centres

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _grid_cells(grid, extent):
    xs, ys = grid_centres(grid, extent)
    return np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))])


def _nearest(X_train, queries, k, metric="euclidean"):
    """Indices of the k nearest training points by (distance, index), in plain NumPy/SciPy."""
    distances = cdist(np.atleast_2d(queries), X_train, metric=metric)
    return np.argsort(distances, axis=1, kind="stable")[:, :k], np.sort(distances, axis=1)


def _vote_counts(y_train, neighbours, n_classes):
    return np.stack([(y_train[neighbours] == c).sum(axis=1) for c in range(n_classes)], axis=1)


# ---------------------------------------------------------------------------
# The verdict and the readers
# ---------------------------------------------------------------------------


def test_verdict_is_true_only_when_right():
    right = Verdict("Chapter 9, exercise 9", True, "Well done.")
    wrong = Verdict("Chapter 9, exercise 9", False, "Too low.")
    empty = Verdict("Chapter 9, exercise 9", False, "Fill it in.", answered=False)
    assert repr(right) == str(right) == "Chapter 9, exercise 9: right! Well done."
    assert str(wrong) == "Chapter 9, exercise 9: not yet. Too low."
    assert str(empty) == "Chapter 9, exercise 9: no answer yet. Fill it in."
    assert [bool(v) for v in (right, wrong, empty)] == [True, False, False]


def test_verdict_wraps_long_messages_without_losing_words():
    message = " ".join(f"word{i}" for i in range(60))
    text = str(Verdict("A long one", False, message))
    assert max(len(line) for line in text.splitlines()) <= 72 < len(message)
    assert " ".join(text.split()) == f"A long one: not yet. {message}"


def test_checker_turns_placeholders_and_not_yet_into_verdicts_without_running():
    calls = []

    @checker("Chapter 0, exercise 1")
    def exercise(a, b):
        calls.append((a, b))
        raise NotYet("Wrong.")

    for a, b in [(..., 1), (1, ...), (None, 2)]:
        verdict = exercise(a, b)
        assert not verdict.answered and not verdict and "no answer yet" in flat(verdict)
    assert calls == []
    assert str(exercise(1, 2)) == "Chapter 0, exercise 1: not yet. Wrong."
    assert exercise.exercise == "Chapter 0, exercise 1"
    # strict=True (the book's solution cells): anything but right raises.
    for a, b in [(1, 2), (..., 2)]:
        with pytest.raises(AssertionError, match="Chapter 0, exercise 1"):
            exercise(a, b, strict=True)


def test_strict_returns_a_right_verdict():
    @checker("Chapter 0, exercise 2")
    def exercise(a):
        return "Fine."

    assert str(exercise(1, strict=True)) == "Chapter 0, exercise 2: right! Fine."


@pytest.mark.parametrize(
    ("value", "phrase"),
    [("0.5", "leave out the quotes"), (True, "True or False"), ([1, 2], "one number"), (math.nan, "finite"),
     ({"a": 1}, "one number"), (np.array([[1.0, 2.0]]), "one number")],
)
def test_read_number_says_what_it_got(value, phrase):
    with pytest.raises(NotYet, match=phrase):
        read_number(value, "answer")


def test_read_number_and_int_accept_numpy_values():
    assert read_number(np.float32(0.5), "x") == 0.5
    assert read_number(np.array([[2]]), "x") == 2.0
    assert read_int(np.int64(3), "k") == 3 and read_int(3.0, "k") == 3
    with pytest.raises(NotYet, match="whole number"):
        read_int(2.5, "k")


def test_read_array_shape_messages():
    with pytest.raises(NotYet, match=r"swapped\? Try answer.T"):
        read_array(np.zeros((5, 2)), "answer", (2, 5), what="rows")
    with pytest.raises(NotYet, match="different lengths"):
        read_array([[1, 2], [3]], "answer", (2, 2), what="rows")
    with pytest.raises(NotYet, match="got a string"):
        read_array("1 2", "answer", (2,), what="rows")
    with pytest.raises(NotYet, match="Expected numbers"):
        read_array(["a", "b"], "answer", (2,), what="rows")
    assert read_array([10**30, 1], "answer", (2,), what="rows").dtype == float  # huge ints become floats


@given(st.floats(1e-6, 1e9), st.floats(1e-6, 1e9), st.booleans())
def test_how_far_is_one_of_a_few_coarse_phrases(value, expected, negative):
    # A coarse phrase: direction, and a band or a power of ten. Nothing else can leak.
    if negative:
        value = -value
    phrase = how_far(value, expected)
    allowed = {"of the wrong sign"}
    for direction in ("high", "low"):
        allowed |= {f"a little too {direction} (within 1 %)", f"too {direction} by a few percent",
                    f"too {direction} by more than 10 %"}
        allowed |= {f"too {direction} by roughly a factor of {10**p}" for p in range(1, 17)}
    assert phrase in allowed
    if value > 0:
        assert ("high" in phrase) == (value > expected)


def test_check_imports_chapters_on_demand():
    assert check.chapter3.minkowski_distances.exercise == "Minkowski distances as p grows"
    assert set(check.CHAPTERS) <= set(dir(check))
    with pytest.raises(AttributeError, match="chapter1, chapter2"):
        check.chapter42  # noqa: B018


@pytest.mark.parametrize(
    "exercise",
    [check.chapter1.training_accuracy, check.chapter1.vanishing_class, check.chapter2.manhattan_neighbours,
     check.chapter3.minkowski_distances, check.chapter4.repeated_cross_validation, check.chapter4.tied_k,
     check.chapter5.body_mass_in_kilograms, check.chapter5.grid_search_with_scaler,
     check.chapter6.ties_on_living_area, check.chapter6.deciding_feature_share],
)
def test_every_checker_answers_the_placeholder_with_no_answer_yet(exercise):
    n_answers = exercise.__wrapped__.__code__.co_argcount
    verdict = exercise(*[...] * n_answers)
    assert not verdict.answered and "Replace the ... with your answer" in flat(verdict)


# ---------------------------------------------------------------------------
# Chapter 1
# ---------------------------------------------------------------------------


def test_chapter1_training_accuracy_at_k1():
    X, y = load_preset("noisy_overlap")
    expected = KNeighborsClassifier(n_neighbors=1).fit(X, y).score(X, y)
    assert_right(check.chapter1.training_accuracy(expected))
    assert_right(check.chapter1.training_accuracy(np.float64(expected)))
    assert_not_yet(check.chapter1.training_accuracy(100 * expected), "percentage", expected=[expected])
    assert_not_yet(check.chapter1.training_accuracy(1 - expected), "wrongly", expected=[expected])
    assert_not_yet(check.chapter1.training_accuracy(y), "predictions themselves", expected=[expected])
    assert_not_yet(check.chapter1.training_accuracy(0.9), "too low", expected=[expected])
    assert_not_yet(check.chapter1.training_accuracy("1.0"), "leave out the quotes")
    assert_not_yet(check.chapter1.training_accuracy(1.7), "between 0 and 1")


def test_chapter1_class_1_vanishes():
    # scikit-learn on the playground's 150 x 150 cells: the first k with no class-1 cell.
    X, y = load_preset("sparse")
    cells = _grid_cells(150, (0.0, 10.0, 0.0, 10.0))
    class1_cells = [int((KNeighborsClassifier(n_neighbors=k).fit(X, y).predict(cells) == 1).sum())
                    for k in range(1, len(y) + 1)]
    expected = next(k for k, n in enumerate(class1_cells, start=1) if n == 0)
    # By hand: 3 points of class 1 can at best tie once k >= 6, and ties go to 0.
    assert expected == 2 * int((y == 1).sum()) == 6
    assert_right(check.chapter1.vanishing_class(expected))
    assert_right(check.chapter1.vanishing_class(np.int64(expected)))
    assert_not_yet(check.chapter1.vanishing_class(expected - 1), "still wins some cells")
    assert_not_yet(check.chapter1.vanishing_class(expected + 1), "already gone at a smaller k")
    assert_not_yet(check.chapter1.vanishing_class(0), "at least 1")
    assert_not_yet(check.chapter1.vanishing_class(5.5), "whole number")


def test_chapter1_scan_costs():
    per_redraw, per_second = 150 * 150 * 300, 10_000_000 * 1_000   # by hand
    assert_right(check.chapter1.redraw_bill(per_redraw, per_second))
    assert_right(check.chapter1.redraw_bill(float(per_redraw), 1e10))
    assert_not_yet(check.chapter1.redraw_bill(150 * 300, per_second), "one row", expected=[per_redraw])
    assert_not_yet(check.chapter1.redraw_bill(150 * 150, per_second), "number of cells", expected=[per_redraw])
    assert_not_yet(check.chapter1.redraw_bill(per_redraw / 1000, per_second), "factor of 1000",
                   expected=[per_redraw])
    assert_not_yet(check.chapter1.redraw_bill(per_redraw, 10_000_000), "one query", expected=[per_second])
    assert_not_yet(check.chapter1.redraw_bill(per_redraw, 1e9), "per_redraw is right", expected=[per_second])


# ---------------------------------------------------------------------------
# Chapter 2
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manhattan_neighbours():
    X, _ = example_data()
    queries = np.array([EXAMPLE_QUERIES["A"], EXAMPLE_QUERIES["B"]])
    neighbours, _ = _nearest(X, queries, 5, metric="cityblock")
    euclidean, _ = _nearest(X, queries, 5)
    distances = np.take_along_axis(cdist(queries, X, "cityblock"), neighbours, axis=1)
    return neighbours, euclidean, distances


def test_chapter2_manhattan_neighbours(manhattan_neighbours):
    expected, euclidean, distances = manhattan_neighbours
    assert_right(check.chapter2.manhattan_neighbours(expected))
    assert_right(check.chapter2.manhattan_neighbours(expected.tolist()))
    assert_right(check.chapter2.manhattan_neighbours(expected.astype(float)))
    assert_not_yet(check.chapter2.manhattan_neighbours(expected.T), "swapped")
    assert_not_yet(check.chapter2.manhattan_neighbours(expected[0]), "shape (2, 5)")
    assert_not_yet(check.chapter2.manhattan_neighbours(expected + 1), "one too large")
    assert_not_yet(check.chapter2.manhattan_neighbours(expected[:, ::-1]), "wrong order")
    assert_not_yet(check.chapter2.manhattan_neighbours(euclidean), "Euclidean neighbours")
    assert_not_yet(check.chapter2.manhattan_neighbours(distances), "distances of the neighbours")
    outsider = next(i for i in range(12) if i not in expected[1])
    only_a = np.vstack([expected[0], [*expected[1][:4], outsider]])
    assert_not_yet(check.chapter2.manhattan_neighbours(only_a), "The row for A is right")
    assert_not_yet(check.chapter2.manhattan_neighbours(np.zeros((2, 5))), "0 of the 10 neighbours")


def test_chapter2_music_service():
    distances = 50_000_000 * 2_000                     # by hand: 1e11
    operations = distances * (128 + 128 + 127)         # subtract, square, add
    assert_right(check.chapter2.music_service_bill(distances, operations))
    assert_right(check.chapter2.music_service_bill(1e11, 4e13))
    assert_not_yet(check.chapter2.music_service_bill(50_000_000, operations), "one query", expected=[distances])
    assert_not_yet(check.chapter2.music_service_bill(distances * 128, operations), "one operation per feature",
                   expected=[distances])
    assert_not_yet(check.chapter2.music_service_bill(distances, distances * 128), "one per feature is too few",
                   expected=[operations])
    assert_not_yet(check.chapter2.music_service_bill(distances, 1e20), "too high", expected=[operations])
    assert_not_yet(check.chapter2.music_service_bill(distances / 7, operations), "too low", expected=[distances])


# ---------------------------------------------------------------------------
# Chapter 3
# ---------------------------------------------------------------------------


def test_chapter3_minkowski_distances():
    ps = (1, 2, 3, 10, 100)
    expected = [(3.0**p + 4.0**p) ** (1 / p) for p in ps]          # by hand
    assert expected[:2] == [7.0, 5.0]
    assert_right(check.chapter3.minkowski_distances(expected))
    assert_right(check.chapter3.minkowski_distances(np.round(expected, 4)))  # typed with four decimals
    assert_not_yet(check.chapter3.minkowski_distances([3**p + 4**p for p in ps]), "before the root",
                   expected=expected[2:])
    assert_not_yet(check.chapter3.minkowski_distances(expected[::-1]), "reverse order", expected=expected[2:])
    one_off = list(expected)
    one_off[2] = 4.6
    assert_not_yet(check.chapter3.minkowski_distances(one_off), "p = 3 are not right", expected=expected[2:])
    assert_not_yet(check.chapter3.minkowski_distances(expected + [4.0]), "shape (5,)")
    assert_not_yet(check.chapter3.minkowski_distances(7.0), "got a float")


def test_chapter3_repeated_document():
    short = DOCUMENTS["short match report"]
    # By hand: each football word of the short report once, so 10 times in the repeat.
    words = re.findall(r"[a-z]+", short.lower())
    counts = np.array([[words.count(w) for w in VOCABULARY]], dtype=float)
    assert counts.tolist() == [[1, 1, 1, 0, 0, 0]]
    euclidean, cosine = 9 * math.sqrt(3), 0.0
    assert_right(check.chapter3.repeated_document(euclidean, cosine))
    assert_right(check.chapter3.repeated_document(15.588, 1e-16))
    assert_not_yet(check.chapter3.repeated_document(cosine, euclidean), "swapped")
    assert_not_yet(check.chapter3.repeated_document(euclidean**2, cosine), "squared distance", expected=[euclidean])
    assert_not_yet(check.chapter3.repeated_document(euclidean, 1.0), "similarity", expected=[euclidean])
    assert_not_yet(check.chapter3.repeated_document(5.0, 0.0), "euclidean is too low", expected=[euclidean])
    assert_not_yet(check.chapter3.repeated_document(euclidean, 0.3), "euclidean is right; cosine is not right")


# ---------------------------------------------------------------------------
# Chapter 4
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repeated_cv():
    X, y, X_val, y_val = choosing_k.chapter_data(noise=0.75)
    ks = [k for k in choosing_k.CURVE_KS if k <= 151]
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0)
    search = GridSearchCV(KNeighborsClassifier(algorithm="brute"), {"n_neighbors": ks}, cv=cv).fit(X, y)
    best_k = search.best_params_["n_neighbors"]
    return best_k, 1 - search.best_estimator_.score(X_val, y_val)


def test_chapter4_repeated_cross_validation(repeated_cv):
    best_k, error = repeated_cv
    assert_right(check.chapter4.repeated_cross_validation(best_k, error))
    assert_right(check.chapter4.repeated_cross_validation(best_k, round(error, 3)))
    assert_not_yet(check.chapter4.repeated_cross_validation(best_k, 100 * error), "percentage", expected=[error])
    assert_not_yet(check.chapter4.repeated_cross_validation(best_k, 1 - error), "is the accuracy", expected=[error])
    assert_not_yet(check.chapter4.repeated_cross_validation(best_k, error + 0.05), "too high", expected=[error])
    # The chapter's single 5-fold search chose 9; its validation curve is lowest at 11.
    assert_not_yet(check.chapter4.repeated_cross_validation(9, error), "single shuffled 5-fold split")
    assert_not_yet(check.chapter4.repeated_cross_validation(11, error), "best k on the validation curve")
    assert_not_yet(check.chapter4.repeated_cross_validation(151, error), "does not choose k = 151")
    assert_not_yet(check.chapter4.repeated_cross_validation(2, error), "not in the grid")


def test_chapter4_k_equals_n():
    expected = 120 / 200                       # by hand: class 0 everywhere
    assert_right(check.chapter4.k_equals_n(expected))
    assert_not_yet(check.chapter4.k_equals_n(100 * expected), "percentage", expected=[expected])
    assert_not_yet(check.chapter4.k_equals_n(1 - expected), "always predicted class 1", expected=[expected])
    assert_not_yet(check.chapter4.k_equals_n(0.5), "too low")


def test_chapter4_tied_ks():
    # Plain NumPy on the 100 x 100 cells of tie_share: tied when the top vote count is shared.
    X3, y3 = load_preset("three_classes")
    cells = _grid_cells(100, DEFAULT_EXTENT)
    order, _ = _nearest(X3, cells, 6)
    expected = set()
    for k in range(1, 7):
        counts = _vote_counts(y3, order[:, :k], 3)
        if ((counts == counts.max(axis=1, keepdims=True)).sum(axis=1) > 1).any():
            expected.add(k)
    assert 1 not in expected and {2, 4, 6} <= expected
    assert_right(check.chapter4.tied_k(sorted(expected)))
    assert_right(check.chapter4.tied_k(set(expected)))
    assert_right(check.chapter4.tied_k(np.array(sorted(expected))))
    assert_not_yet(check.chapter4.tied_k(sorted(expected | {1})), "k = 1 can never tie")
    if expected != {2, 4, 6}:
        assert_not_yet(check.chapter4.tied_k([2, 4, 6]), "left out")
    assert_not_yet(check.chapter4.tied_k([2, 7]), "1 to 6 only")
    assert_not_yet(check.chapter4.tied_k(4), "single value")
    assert_not_yet(check.chapter4.tied_k([2, "four"]), "whole numbers")


# ---------------------------------------------------------------------------
# Chapter 5
# ---------------------------------------------------------------------------


def _penguin_pair_accuracy(divisors):
    """5-fold accuracy of the book's rule in plain NumPy (scikit-learn breaks the many distance
    ties of whole-gram body masses its own way, so it is no exact reference here)."""
    X, y, _, _ = load_penguins(["bill_depth_mm", "body_mass_g"])
    X = X / np.asarray(divisors, dtype=float)
    scores = []
    for train, test in chapter_cv().split(X, y):
        neighbours, _ = _nearest(X[train], X[test], 5)
        predictions = np.argmax(_vote_counts(y[train], neighbours, 3), axis=1)  # ties: smallest label
        scores.append(np.mean(predictions == y[test]))
    return np.mean(scores)


def test_chapter5_kilograms():
    expected = _penguin_pair_accuracy([1, 1000])
    assert_right(check.chapter5.body_mass_in_kilograms(expected))
    assert_right(check.chapter5.body_mass_in_kilograms(round(expected, 3)))
    for mistake in ([1, 1], [1000, 1], [1, 0.001]):   # grams; bill depth divided; body mass multiplied
        assert_not_yet(check.chapter5.body_mass_in_kilograms(_penguin_pair_accuracy(mistake)),
                       "body mass decides alone",
                       expected=[expected])
    assert_not_yet(check.chapter5.body_mass_in_kilograms(100 * expected), "percentage", expected=[expected])
    assert_not_yet(check.chapter5.body_mass_in_kilograms([expected] * 5), "five fold scores")
    assert_not_yet(check.chapter5.body_mass_in_kilograms(0.5), "too low", expected=[expected])


def _penguin_search(with_scaler):
    X, y, _, _ = load_penguins(PENGUIN_FEATURES)
    steps = [StandardScaler(), KNeighborsClassifier()] if with_scaler else [KNeighborsClassifier()]
    grid = {"kneighborsclassifier__n_neighbors": [1, 3, 5, 7, 9, 11, 15, 21, 31]}
    search = GridSearchCV(make_pipeline(*steps), grid, cv=chapter_cv()).fit(X, y)
    return search.best_params_["kneighborsclassifier__n_neighbors"], search.best_score_


def test_chapter5_grid_search_with_scaler():
    best_k, score = _penguin_search(with_scaler=True)
    assert_right(check.chapter5.grid_search_with_scaler(best_k, score))
    raw_k, raw_score = _penguin_search(with_scaler=False)
    assert_not_yet(check.chapter5.grid_search_with_scaler(raw_k, raw_score), "without the scaler", expected=[score])
    assert_not_yet(check.chapter5.grid_search_with_scaler(best_k, 100 * score), "percentage", expected=[score])
    assert_not_yet(check.chapter5.grid_search_with_scaler(best_k, score - 0.1), "best_k is right", expected=[score])
    other_k = next(k for k in (1, 3, 5, 7, 9, 11, 15, 21, 31) if k not in (best_k, raw_k))
    assert_not_yet(check.chapter5.grid_search_with_scaler(other_k, score), f"does not choose k = {other_k}",
                   expected=[score])
    assert_not_yet(check.chapter5.grid_search_with_scaler(4, score), "not in the grid")


# ---------------------------------------------------------------------------
# Chapter 6
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def houses():
    data = load_house_prices()
    keep = data.data[:, 0] <= 4000
    return data.data[keep], data.target[keep], data.feature_names


def _book_rule_predictions(X_train, y_train, X_test, k, aggregate=np.mean):
    neighbours, _ = _nearest(X_train, X_test, k)
    return aggregate(y_train[neighbours], axis=1)


def test_chapter6_ties(houses):
    X_all, y, _ = houses
    X_train, X_test, y_train, _ = train_test_split(X_all, y, test_size=0.25, random_state=0)
    area_train, area_test = X_train[:, :1], X_test[:, :1]
    ours = _book_rule_predictions(area_train, y_train, area_test, 5)     # the book's rule, in NumPy
    theirs = KNeighborsRegressor(n_neighbors=5).fit(area_train, y_train).predict(area_test)
    gaps = np.sort(np.abs(area_test - area_train.T), axis=1)              # sorted distances per test house
    n_differ, n_tied = int(np.sum(ours != theirs)), int(np.sum(gaps[:, 4] == gaps[:, 5]))
    assert 0 < n_differ <= n_tied
    assert_right(check.chapter6.ties_on_living_area(n_differ, n_tied))
    assert_not_yet(check.chapter6.ties_on_living_area(n_tied, n_differ), "swapped")
    assert_not_yet(check.chapter6.ties_on_living_area(n_differ - 10, n_tied), "n_differ is too low", expected=[n_differ])
    assert_not_yet(check.chapter6.ties_on_living_area(n_differ, n_tied + 40), "n_tied is too high", expected=[n_tied])
    assert_not_yet(check.chapter6.ties_on_living_area(n_tied + 1, n_tied), "More differences than ties")
    ours7 = _book_rule_predictions(area_train, y_train, area_test, 7)
    theirs7 = KNeighborsRegressor(n_neighbors=7).fit(area_train, y_train).predict(area_test)
    k7 = (int(np.sum(ours7 != theirs7)), int(np.sum(gaps[:, 6] == gaps[:, 7])))
    assert_not_yet(check.chapter6.ties_on_living_area(*k7), "k = 7")


@pytest.mark.slow
def test_chapter6_median_with_scaled_features(houses):
    # Plain NumPy cross-validation with the book's rule, for every k of the chapter's grid.
    X_all, y, _ = houses
    ks = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200)
    fold_errors = []
    for train, test in KFold(n_splits=5, shuffle=True, random_state=0).split(X_all):
        scaler = StandardScaler().fit(X_all[train])
        neighbours, _ = _nearest(scaler.transform(X_all[train]), scaler.transform(X_all[test]), max(ks))
        prices = y[train][neighbours]
        fold_errors.append([np.mean(np.abs(np.median(prices[:, :k], axis=1) - y[test])) for k in ks])
    mean_errors = np.mean(fold_errors, axis=0)
    best_k, mae = ks[int(np.argmin(mean_errors))], float(mean_errors.min())
    assert_right(check.chapter6.median_with_seven_features(best_k, mae))
    assert_right(check.chapter6.median_with_seven_features(best_k, round(mae)))
    assert_not_yet(check.chapter6.median_with_seven_features(best_k, -mae), "minus the error")
    assert_not_yet(check.chapter6.median_with_seven_features(best_k, mae * 1.2), "best_k is right",
                   expected=[mae, round(mae)])
    other_k = 7 if best_k != 7 else 10
    assert_not_yet(check.chapter6.median_with_seven_features(other_k, mae), f"does not choose k = {other_k}",
                   expected=[mae])
    assert_not_yet(check.chapter6.median_with_seven_features(4, mae), "not in the chapter's grid")


def test_chapter6_share_of_the_deciding_feature(houses):
    X_all, _, names = houses
    # Chapter 5's claim, checked on a sample of pairs: summed over all pairs, feature j's squared
    # differences are 2 n^2 var_j, so its share of the squared distances is var_j / sum of var.
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(X_all), size=(200_000, 2))
    squared = (X_all[pairs[:, 0]] - X_all[pairs[:, 1]]) ** 2
    sampled_shares = squared.sum(axis=0) / squared.sum()
    shares = X_all.var(axis=0) / X_all.var(axis=0).sum()
    assert np.allclose(sampled_shares, shares, atol=0.01)
    expected = shares.max()
    assert names[int(np.argmax(shares))] == "lot_area" and expected > 0.99
    assert_right(check.chapter6.deciding_feature_share(expected))
    assert_right(check.chapter6.deciding_feature_share(round(expected, 3)))
    assert_not_yet(check.chapter6.deciding_feature_share(100 * expected), "percentage", expected=[expected])
    std_share = X_all.std(axis=0).max() / X_all.std(axis=0).sum()
    assert_not_yet(check.chapter6.deciding_feature_share(std_share), "standard deviations", expected=[expected])
    assert_not_yet(check.chapter6.deciding_feature_share(1 - expected), "all the other features", expected=[expected])
    second = np.sort(shares)[-2]
    assert_not_yet(check.chapter6.deciding_feature_share(second), "not of the one with the largest spread",
                   expected=[expected])
    assert_not_yet(check.chapter6.deciding_feature_share(0.9), "too low", expected=[expected])
    assert_not_yet(check.chapter6.deciding_feature_share(1.5), "between 0 and 1")
    assert_not_yet(check.chapter6.deciding_feature_share("lot_area"), "Expected a number")


# ---------------------------------------------------------------------------
# The notebooks' side: first cell, answer cells, gated solutions
# ---------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKED_NOTEBOOKS = {int(path.name[:2]): path for path in sorted((REPO_ROOT / "notebooks").glob("0[1-6]_*.ipynb"))}


def _cells(chapter):
    return nbformat.read(CHECKED_NOTEBOOKS[chapter], as_version=4).cells


def _repository_url():
    return yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["repository"]["url"]


@pytest.mark.parametrize("chapter", range(1, 7))
def test_first_cell_installs_knnlib_only_when_missing(chapter, monkeypatch):
    first = _cells(chapter)[0]
    assert first.cell_type == "code" and "import knnlib" in first.source
    assert first.metadata.get("tags") == ["remove-input"]      # runs at build time, input hidden
    assert f"git+{_repository_url()}" in first.source
    python = TransformerManager().transform_cell(first.source)  # %pip becomes a get_ipython() call

    magics = []

    class FakeShell:
        def run_line_magic(self, name, line):
            magics.append((name, line))

    # knnlib installed: nothing runs, nothing is downloaded.
    exec(python, {"get_ipython": FakeShell})
    assert magics == []
    # knnlib missing (Colab): one quiet pip install from the repository, then the import.
    monkeypatch.setitem(sys.modules, "knnlib", None)   # makes `import knnlib` raise ImportError
    with pytest.raises(ImportError):                   # the second import: pip was only pretended
        exec(python, {"get_ipython": FakeShell})
    assert len(magics) == 1 and magics[0][0] == "pip" and "--quiet" in magics[0][1]


def _checker_calls(source):
    return re.findall(r"check\.(chapter\d)\.(\w+)\((.*)\)", source)


@pytest.mark.parametrize("chapter", range(1, 7))
def test_every_checker_has_its_exercise_an_answer_cell_and_a_strict_solution(chapter):
    cells = _cells(chapter)
    module = getattr(check, f"chapter{chapter}")
    titles = {}
    for cell in cells:
        match = re.match(r":::\{exercise\} (.+)\n:label: (\S+)", cell.source)
        if cell.cell_type == "markdown" and match:
            titles[match.group(2)] = match.group(1)
    answer_calls, strict_calls = {}, {}
    current = None
    for cell in cells:
        label = re.match(r":::\{(?:exercise\}.*\n:label:|solution(?:-start)?\}) (\S+)", cell.source)
        if cell.cell_type == "markdown" and label:
            current = label.group(1)
        if cell.cell_type == "code":
            for module_name, name, arguments in _checker_calls(cell.source):
                assert module_name == f"chapter{chapter}", cell.source
                target = strict_calls if "strict=True" in arguments else answer_calls
                target.setdefault(name, set()).add(current)
    for name in module.__all__:
        checker_function = getattr(module, name)
        assert name in answer_calls, f"chapter {chapter}: no answer cell calls {name}"
        (label,) = answer_calls[name]
        # The verdict starts with the title the exercise shows.
        assert titles[label] == checker_function.exercise, (label, titles[label], checker_function.exercise)
        if name in strict_calls:
            assert strict_calls[name] == {label}
    assert set(answer_calls) <= set(module.__all__)


@pytest.mark.parametrize("chapter", range(1, 7))
def test_solution_code_is_a_real_cell_never_a_copy_in_markdown(chapter):
    assert_solutions_are_hidden_code_cells(_cells(chapter), f"chapter {chapter}")
