"""knnlib/figures/workflow.py (chapter 2): every number checked against knnlib's
classifier, scikit-learn, or a hand computation."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from sklearn.neighbors import KNeighborsClassifier

from knnlib import KNNClassifier
from knnlib.figures.workflow import (
    EXAMPLE_QUERIES,
    STEPS,
    draw_workflow,
    example_data,
    format_table,
    plot_step,
    plot_table,
    plot_vote_bar,
    predict_one,
    time_brute_force,
)
from knnlib.plotting import CLASS_COLORS
from knnlib.widgets import Dropdown, Slider, interactive_figure

X, Y = example_data()


def new_ax():
    return Figure().subplots()


# ---------------------------------------------------------------------------
# predict_one


def test_example_data():
    X1, y1 = example_data()
    assert X1.shape == (12, 2) and y1.shape == (12,)
    assert np.bincount(y1).tolist() == [7, 5]
    assert bool((X1 >= 0).all() and (X1 <= 10).all())
    X1[0, 0] = 99.0  # a copy: the next call is untouched
    assert example_data()[0][0, 0] == 1.5


def test_worked_example_by_hand():
    # Query A = (5, 5), k = 5: the chapter's table, computed by hand.
    result = predict_one(X, Y, (5.0, 5.0), k=5)
    assert result.distances[4] == math.sqrt((5 - 4.0) ** 2 + (5 - 4.2) ** 2)  # sqrt(1.64)
    assert result.distances[5] == pytest.approx(math.sqrt(0.8**2 + 1.1**2))
    assert result.neighbours.tolist() == [4, 5, 1, 9, 7]
    assert Y[result.neighbours].tolist() == [0, 1, 1, 0, 1]  # three of class 1, two of class 0
    assert result.votes.tolist() == [2, 3]
    assert result.prediction == 1 and not result.tied


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # (k, prediction) read off the sorted tables by hand
        ("A", {1: 0, 3: 1, 4: 0, 5: 1, 7: 0}),  # k = 4: 2-2, the smaller label
        ("B", {1: 1, 3: 1, 4: 1, 5: 1, 7: 1}),
        ("C", {1: 1, 3: 0, 4: 0, 5: 0, 7: 0}),  # a lone class-1 point next to C
    ],
)
def test_chapter_predictions(name, expected):
    for k, label in expected.items():
        assert predict_one(X, Y, EXAMPLE_QUERIES[name], k=k).prediction == label, (name, k)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev"])
@pytest.mark.parametrize("name", list(EXAMPLE_QUERIES))
def test_agrees_with_knn_classifier(name, metric):
    query = EXAMPLE_QUERIES[name]
    for k in range(1, 13):
        result = predict_one(X, Y, query, k=k, metric=metric)
        model = KNNClassifier(k=k, metric=metric).fit(X, Y)
        dist, ind = model.kneighbors([query])
        assert np.array_equal(result.neighbours, ind[0])
        assert np.array_equal(result.distances[result.neighbours], dist[0])  # bit for bit
        assert result.prediction == model.predict([query])[0]
        assert np.array_equal(result.votes, np.bincount(Y[result.neighbours], minlength=2))
        assert result.tied == (result.votes[0] == result.votes[1])


def test_agrees_with_scikit_learn_on_random_data():
    rng = np.random.default_rng(7)
    X_rand = rng.random((60, 3))
    y_rand = rng.integers(0, 3, 60)
    queries = rng.random((20, 3))
    for k in (1, 3, 5, 8):
        reference = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X_rand, y_rand)
        ref_dist, ref_ind = reference.kneighbors(queries)
        ref_pred = reference.predict(queries)
        for q, query in enumerate(queries):
            result = predict_one(X_rand, y_rand, query, k=k)
            assert result.neighbours.tolist() == ref_ind[q].tolist()
            np.testing.assert_allclose(result.distances[result.neighbours], ref_dist[q], rtol=1e-12)
            assert result.prediction == ref_pred[q]


def test_full_order_is_a_stable_sort_by_distance():
    result = predict_one(X, Y, EXAMPLE_QUERIES["B"], k=3)
    assert result.order.tolist() == sorted(range(12), key=lambda i: (result.distances[i], i))


def test_ties_in_distance_and_in_votes():
    # Four points at distance 1 from the origin, labels 1, 0, 1, 0 (the chapter's tiny example).
    X_tie = [[1, 0], [0, 1], [-1, 0], [0, -1]]
    y_tie = [1, 0, 1, 0]
    two = predict_one(X_tie, y_tie, [0, 0], k=2)
    assert two.neighbours.tolist() == [0, 1]  # equal distances: smaller index first
    assert two.votes.tolist() == [1, 1] and two.tied and two.prediction == 0  # tie: smaller label
    three = predict_one(X_tie, y_tie, [0, 0], k=3)
    assert three.neighbours.tolist() == [0, 1, 2] and three.prediction == 1 and not three.tied


def test_tie_at_the_kth_place_keeps_the_smaller_index():
    result = predict_one([[0, 2], [0, 1], [0, -1], [0, -2]], [0, 1, 0, 1], [0, 0], k=2)
    assert result.order.tolist() == [1, 2, 0, 3]
    assert result.neighbours.tolist() == [1, 2]


def test_string_labels():
    result = predict_one([[0, 0], [1, 0], [5, 5]], ["dog", "cat", "dog"], [0.4, 0], k=2)
    assert result.classes.tolist() == ["cat", "dog"]
    assert result.prediction == "cat" and result.tied  # 1-1: the alphabetically smaller label


def test_bad_input():
    with pytest.raises(ValueError, match="k"):
        predict_one(X, Y, (5, 5), k=0)
    with pytest.raises(ValueError, match="13"):
        predict_one(X, Y, (5, 5), k=13)
    with pytest.raises(ValueError, match=r"query must be one point of shape \(2,\), got shape \(3,\)"):
        predict_one(X, Y, (5, 5, 5), k=3)
    with pytest.raises(ValueError, match=r"y must have one label per row of X, shape \(12,\), got shape \(11,\)"):
        predict_one(X, Y[:-1], (5, 5), k=3)


# ---------------------------------------------------------------------------
# Tables


def parse_rows(text):
    return [line.split() for line in text.splitlines()[1:] if not line.startswith("-")]


def test_format_table_in_training_order():
    result = predict_one(X, Y, EXAMPLE_QUERIES["A"], k=5)
    rows = parse_rows(format_table(X, Y, result))
    assert [int(r[0]) for r in rows] == list(range(12))
    for i, f1, f2, label, distance in rows:
        i = int(i)
        assert (float(f1), float(f2), int(label)) == (X[i, 0], X[i, 1], Y[i])
        assert float(distance) == round(float(np.hypot(*(np.array([5.0, 5.0]) - X[i]))), 3)


def test_format_table_sorted_with_cut_after_k():
    result = predict_one(X, Y, EXAMPLE_QUERIES["C"], k=3)
    lines = format_table(X, Y, result, sort=True).splitlines()
    assert lines[0].split() == ["rank", "i", "F1", "F2", "class", "distance"]
    assert lines[4].startswith("---- k = 3 ")
    rows = parse_rows("\n".join(lines))
    assert [int(r[0]) for r in rows] == list(range(1, 13))
    assert [int(r[1]) for r in rows] == result.order.tolist()
    assert [int(r[1]) for r in rows[:3]] == [5, 8, 9]  # C's three nearest, by hand
    assert [float(r[5]) for r in rows] == sorted(float(r[5]) for r in rows)


def test_plot_table_highlights_exactly_the_neighbours():
    result = predict_one(X, Y, EXAMPLE_QUERIES["A"], k=4)
    drawn = plot_table(X, Y, result, ax=new_ax(), sort=True, highlight=True)
    assert drawn["rows"].tolist() == result.order.tolist()
    assert len(drawn["texts"]) == 13
    assert len(drawn["highlights"]) == 4
    bold = [t.get_text().split()[1] for t in drawn["texts"][1:] if t.get_fontweight() == "bold"]
    assert sorted(map(int, bold)) == sorted(result.neighbours.tolist())
    assert sum(len(m.get_offsets()) for m in drawn["markers"]) == 12
    plain = plot_table(X, Y, result, ax=new_ax())
    assert plain["rows"].tolist() == list(range(12)) and plain["highlights"] == []


# ---------------------------------------------------------------------------
# Drawings


def test_vote_bar_heights_and_notes():
    win = plot_vote_bar(predict_one(X, Y, EXAMPLE_QUERIES["A"], k=5), ax=new_ax())
    assert [bar.get_height() for bar in win["bars"]] == [2, 3]
    assert win["note"].get_text() == "class 1 wins"
    tie = plot_vote_bar(predict_one(X, Y, EXAMPLE_QUERIES["A"], k=4), ax=new_ax())
    assert [bar.get_height() for bar in tie["bars"]] == [2, 2]
    assert "tie 2-2" in tie["note"].get_text() and "class 0, wins" in tie["note"].get_text()
    assert plot_vote_bar(predict_one(X, Y, EXAMPLE_QUERIES["A"], k=4), ax=new_ax(), show_winner=False)["note"] is None
    assert [bar.get_facecolor() for bar in win["bars"]] == [to_rgba(CLASS_COLORS[0]), to_rgba(CLASS_COLORS[1])]


@pytest.mark.parametrize("step", [1, 2])
def test_early_steps_join_every_point(step):
    result = predict_one(X, Y, EXAMPLE_QUERIES["B"], k=3)
    drawn = plot_step(X, Y, result, step, ax=new_ax())
    ends = [segment[1].tolist() for segment in drawn["lines"].get_segments()]
    assert ends == X.tolist()
    assert drawn["circle"] is None
    if step == 2:
        ranks = {tuple(text.xy): int(text.get_text()) for text in drawn["ranks"]}
        assert ranks == {tuple(X[i]): rank for rank, i in enumerate(result.order, start=1)}
    else:
        assert drawn["ranks"] == []


@pytest.mark.parametrize("step", [3, 4, 5])
def test_later_steps_join_the_neighbours_of_the_same_search(step):
    query = EXAMPLE_QUERIES["C"]
    result = predict_one(X, Y, query, k=5)
    drawn = plot_step(X, Y, result, step, ax=new_ax())
    _, expected = KNNClassifier(k=5).fit(X, Y).kneighbors([query])
    ends = [segment[1].tolist() for segment in drawn["lines"].get_segments()]
    assert ends == X[expected[0]].tolist()
    assert drawn["circle"].get_radius() == pytest.approx(math.dist(query, X[expected[0][-1]]))
    if step == 5:  # the query wears the predicted class's colour (class 0 for C, k = 5)
        assert result.prediction == 0
        assert tuple(drawn["query"].get_facecolor()[0]) == to_rgba(CLASS_COLORS[0])


def test_draw_workflow_returns_what_it_drew():
    fig = Figure()
    result = draw_workflow(fig, X, Y, EXAMPLE_QUERIES["A"], k=5, step=3)
    assert result.neighbours.tolist() == [4, 5, 1, 9, 7]
    assert fig._suptitle.get_text() == "Step 3 of 5: keep the k = 5 nearest"
    assert len(fig.axes) == 3
    assert len(STEPS) == 5


@pytest.mark.parametrize("step", [0, 6, 2.5, True, "3"])
def test_bad_step(step):
    with pytest.raises(ValueError, match=f"step must be an integer from 1 to 5, got step = {step!r}"):
        draw_workflow(Figure(), X, Y, EXAMPLE_QUERIES["A"], k=5, step=step)


def test_the_chapter_interactive_shares_frames_that_do_not_depend_on_k():
    def draw(fig, *, point, k, step):
        draw_workflow(fig, X, Y, EXAMPLE_QUERIES[point], k=k, step=step)

    w = interactive_figure(draw, point=Dropdown(["A"]), k=Slider([3, 5], value=5), step=Slider([1, 2, 3, 4, 5]),
                           figsize=(9.6, 4.2), dpi=30, precompute=True)
    assert w.frame_errors == {}
    # Steps 1 and 2 look the same for every k: stored once.
    assert w.frames["0,0,0"].startswith("data:") and w.frames["0,0,1"].startswith("data:")
    assert w.frames["0,1,0"] == "@0,0,0" and w.frames["0,1,1"] == "@0,0,1"
    assert all(w.frames[f"0,1,{s}"].startswith("data:") for s in (2, 3, 4))


# ---------------------------------------------------------------------------
# Timing


def test_time_brute_force():
    seconds = time_brute_force([50, 100], n_queries=3, repeats=1)
    assert seconds.shape == (2,) and bool((seconds > 0).all())
    with pytest.raises(ValueError, match=r"sizes must be integers >= k = 5, got 3"):
        time_brute_force([3])
