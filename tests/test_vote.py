"""Tests of knnlib.vote: hand-computed answers and properties, never the code's own output."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from knnlib.vote import (
    class_probabilities,
    class_scores,
    distance_weights,
    majority_vote,
    neighbor_weights,
    uniform_weights,
    vote_ties,
    weighted_mean,
    weighted_median,
)

# -- weights --------------------------------------------------------------------------


def test_uniform_weights_are_ones():
    assert np.array_equal(uniform_weights(np.array([[0.0, 2.0, 5.0]])), [[1.0, 1.0, 1.0]])


def test_distance_weights_are_inverse_distances_without_exact_matches():
    dist = np.array([[0.5, 2.0, 4.0]])
    assert np.array_equal(distance_weights(dist), [[2.0, 0.5, 0.25]])


def test_exact_matches_take_the_whole_weight_row_by_row():
    # Row 0 has two exact matches: only they count, weight 1 each.
    # Row 1 has none: plain 1 / d.
    dist = np.array([[0.0, 0.0, 3.0], [1.0, 2.0, 4.0]])
    assert np.array_equal(distance_weights(dist), [[1.0, 1.0, 0.0], [1.0, 0.5, 0.25]])


def test_distance_weights_do_not_warn_on_zero_distance():
    with np.errstate(all="raise"):
        distance_weights(np.array([[0.0, 1.0]]))


def test_neighbor_weights_rejects_unknown_rule():
    with pytest.raises(ValueError, match="Unknown weights 'gaussian'"):
        neighbor_weights(np.ones((1, 2)), "gaussian")


# -- class scores, vote, ties, probabilities --------------------------------------------


def test_class_scores_sum_the_weights_per_class():
    codes = np.array([[1, 0, 1, 2], [2, 2, 2, 2]])
    weights = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5]])
    expected = [[2.0, 4.0, 4.0], [0.0, 0.0, 2.0]]
    assert np.array_equal(class_scores(codes, weights, n_classes=3), expected)


def test_class_scores_add_in_neighbour_order():
    # 0.1 + 0.2 + 0.3 differs from 0.3 + 0.2 + 0.1 in floating point; the rule
    # says neighbour order, which the playground's JavaScript repeats.
    codes = np.zeros((1, 3), dtype=int)
    weights = np.array([[0.1, 0.2, 0.3]])
    assert class_scores(codes, weights, 1)[0, 0] == (0.1 + 0.2) + 0.3


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_class_scores_match_a_plain_loop(data):
    m, k, n_classes = data.draw(st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(1, 4)))
    codes = data.draw(arrays(np.int64, (m, k), elements=st.integers(0, n_classes - 1)))
    weights = data.draw(arrays(np.float64, (m, k), elements=st.floats(0, 10)))
    expected = np.zeros((m, n_classes))
    for i in range(m):
        for j in range(k):
            expected[i, codes[i, j]] += weights[i, j]
    assert np.array_equal(class_scores(codes, weights, n_classes), expected)


def test_two_vs_two_split_goes_to_the_smallest_class():
    codes = np.array([[1, 0, 1, 0], [2, 1, 2, 1]])
    scores = class_scores(codes, np.ones((2, 4)), n_classes=3)
    assert np.array_equal(majority_vote(scores), [0, 1])
    assert np.array_equal(vote_ties(scores), [True, True])


def test_clear_winner_is_not_a_tie():
    scores = np.array([[1.0, 3.0, 0.0], [0.0, 0.0, 5.0]])
    assert np.array_equal(majority_vote(scores), [1, 2])
    assert np.array_equal(vote_ties(scores), [False, False])


def test_tie_needs_exactly_equal_top_scores():
    scores = np.array([[1.0, np.nextafter(1.0, 2.0)], [0.5, 0.5]])
    assert np.array_equal(vote_ties(scores), [False, True])


def test_a_tie_below_the_top_is_not_a_tie():
    assert not vote_ties(np.array([[3.0, 1.0, 1.0]]))[0]


def test_probabilities_are_shares_of_the_total():
    proba = class_probabilities(np.array([[1.0, 3.0, 0.0], [2.0, 2.0, 4.0]]))
    assert np.array_equal(proba, [[0.25, 0.75, 0.0], [0.25, 0.25, 0.5]])


def test_distance_weighted_vote_can_overturn_the_majority():
    # One neighbour at distance 1 (class 0) against two at distance 4 (class 1):
    # scores 1 against 0.5.
    dist = np.array([[1.0, 4.0, 4.0]])
    codes = np.array([[0, 1, 1]])
    uniform = class_scores(codes, neighbor_weights(dist, "uniform"), 2)
    weighted = class_scores(codes, neighbor_weights(dist, "distance"), 2)
    assert majority_vote(uniform)[0] == 1
    assert majority_vote(weighted)[0] == 0
    assert np.array_equal(weighted, [[1.0, 0.5]])


# -- regression -------------------------------------------------------------------------


def test_weighted_mean_by_hand():
    values = np.array([[1.0, 2.0, 6.0], [10.0, 20.0, 40.0]])
    weights = np.array([[1.0, 1.0, 1.0], [2.0, 1.0, 1.0]])
    # (1 + 2 + 6) / 3 = 3;  (20 + 20 + 40) / 4 = 20
    assert np.array_equal(weighted_mean(values, weights), [3.0, 20.0])


def test_uniform_weighted_mean_is_numpy_mean():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(20, 7))
    np.testing.assert_allclose(weighted_mean(values, np.ones_like(values)), values.mean(axis=1), rtol=1e-14)


@pytest.mark.parametrize(
    "values, weights, expected",
    [
        # uniform, odd: the middle value
        ([3.0, 1.0, 2.0], [1, 1, 1], 2.0),
        # uniform, even: mean of the two middle values
        ([4.0, 1.0, 3.0, 2.0], [1, 1, 1, 1], 2.5),
        # sorted 1, 2, 9 with weights 1, 1, 5: cumulative 1, 2, 7; half 3.5 -> 9
        ([1.0, 2.0, 9.0], [1, 1, 5], 9.0),
        # sorted 1, 2, 3, 4 with weights 1, 2, 1, 0: cumulative 1, 3, 4, 4; half 2 -> 2
        ([1.0, 2.0, 3.0, 4.0], [1, 2, 1, 0], 2.0),
        # weights 1, 1, 2: cumulative 1, 2, 4 lands exactly on half 2 at value 2,
        # so average with the next value: (2 + 3) / 2
        ([1.0, 2.0, 3.0], [1, 1, 2], 2.5),
        # exact-match rule: weight-0 neighbours never count. Sorted 1, 2, 3 with
        # weights 1, 0, 1: the lower median is 1, the upper the next target
        # with weight, 3 (not the weightless 2): (1 + 3) / 2
        ([1.0, 2.0, 3.0], [1, 0, 1], 2.0),
        ([1.0, 5.0, 3.0], [1, 0, 1], 2.0),
        # ties among the targets
        ([7.0, 7.0, 1.0, 7.0], [1, 1, 1, 1], 7.0),
        # a single neighbour
        ([4.5], [0.3], 4.5),
    ],
)
def test_weighted_median_by_hand(values, weights, expected):
    got = weighted_median(np.array([values]), np.array([weights], dtype=float))
    assert got[0] == expected


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 9)),
        elements=st.floats(-1e6, 1e6) | st.sampled_from([0.0, 1.0, 2.0]),
    )
)
def test_uniform_weighted_median_is_numpy_median(values):
    np.testing.assert_array_equal(
        weighted_median(values, np.ones_like(values)), np.median(values, axis=1)
    )


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_weighted_median_minimises_weighted_absolute_deviation(data):
    # The weighted medians are exactly the minimisers of sum_i w_i |y_i - c|:
    # a convex, piecewise-linear function of c with its kinks at the y_i, so it
    # suffices to compare against its value at every y_i.
    k = data.draw(st.integers(1, 9))
    values = data.draw(arrays(np.float64, (1, k), elements=st.integers(-20, 20).map(float)))
    weights = data.draw(arrays(np.float64, (1, k), elements=st.integers(1, 5).map(float)))
    result = weighted_median(values, weights)[0]

    def deviation(c):
        return float(np.sum(weights * np.abs(values - c)))

    best = min(deviation(c) for c in values[0])
    assert deviation(result) <= best + 1e-9 * max(1.0, best)


def test_functions_work_row_by_row():
    # Each query's answer depends only on its own row.
    rng = np.random.default_rng(1)
    values = rng.normal(size=(6, 5))
    weights = rng.uniform(0.1, 2.0, size=(6, 5))
    for i in range(6):
        one_row = (values[i : i + 1], weights[i : i + 1])
        assert weighted_median(*one_row)[0] == weighted_median(values, weights)[i]
        assert weighted_mean(*one_row)[0] == weighted_mean(values, weights)[i]
