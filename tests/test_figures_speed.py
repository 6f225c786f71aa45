"""Chapter 7 helpers: traced searches replayed and checked against brute force,
scikit-learn and hand-computed bounds; drawings checked against the trees'
own geometry recomputed with NumPy; measurements checked by their invariants."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

from knnlib import BallTree, BruteForce, KDTree  # noqa: E402
from knnlib.figures import speed  # noqa: E402


@pytest.fixture
def ax():
    return Figure().subplots()


def tree_cases():
    rng = np.random.default_rng(11)
    X_uniform = rng.random((150, 2)) * 10
    X_grid = np.array([[i, j] for i in range(8) for j in range(8)], dtype=float)  # many ties
    queries = [(2.5, 7.1), (9.9, 0.2), (3.0, 3.0), (-4.0, 12.0)]
    for X, name in ((X_uniform, "uniform"), (X_grid, "grid")):
        for kind in ("kd", "ball"):
            for leaf_size in (3, 10):
                for k in (1, 4):
                    for q in queries:
                        yield pytest.param(X, kind, leaf_size, q, k, id=f"{name}-{kind}-leaf{leaf_size}-k{k}-{q}")


# ---------------------------------------------------------------------------
# The demonstration data
# ---------------------------------------------------------------------------


def test_demo_points_are_seeded_uniform_in_the_square():
    X = speed.demo_points()
    assert X.shape == (speed.DEMO_N_POINTS, 2)
    assert X.min() >= 0 and X.max() <= 10
    assert np.array_equal(X, np.round(X, 2))
    assert np.array_equal(X, speed.demo_points())
    assert not np.array_equal(X, speed.demo_points(seed=1))


def test_demo_trees_have_five_levels_of_small_leaves():
    for kind, cls in speed.TREE_KINDS.items():
        tree = speed.demo_tree(kind)
        assert isinstance(tree, cls)
        assert (tree.n_levels, tree.n_leaves) == (5, 16)
        leaf_sizes = [len(tree.node_points(i)) for i in range(15, 31)]
        assert set(leaf_sizes) <= {6, 7} and sum(leaf_sizes) == 100
    with pytest.raises(ValueError, match="kind"):
        speed.demo_tree("octree")


# ---------------------------------------------------------------------------
# Replaying a trace
# ---------------------------------------------------------------------------


def _box_distance(q, lo, hi):
    return float(np.linalg.norm(np.maximum(np.maximum(lo - q, 0), q - hi)))


@pytest.mark.parametrize(("X", "kind", "leaf_size", "q", "k"), list(tree_cases()))
def test_replay_agrees_with_the_trace_and_with_brute_force(X, kind, leaf_size, q, k):
    tree = speed.TREE_KINDS[kind](X, leaf_size=leaf_size)
    trace, steps = speed.search_steps(tree, q, k)
    assert [s.event for s in steps] == trace.events
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))

    # The k-th distance each decision saw is the one the replay had after the step before.
    assert math.isinf(steps[0].event.kth_distance)
    for before, after in zip(steps, steps[1:]):
        assert after.event.kth_distance == before.kth_distance

    # The final state is the exact answer: brute force (index order on ties) and the trace.
    dist, ind = BruteForce(X).query([q], k)
    assert np.array_equal(steps[-1].neighbours, ind[0])
    assert np.array_equal(steps[-1].neighbours, trace.indices)
    assert steps[-1].kth_distance == dist[0, -1]
    assert np.allclose(steps[-1].neighbour_distances, np.linalg.norm(X[ind[0]] - q, axis=1))

    # Counts: the points of the measured leaves, one by one.
    sizes = [len(tree.node_points(node)) for node in steps[-1].measured]
    assert steps[-1].n_distance_evaluations == sum(sizes) == trace.n_distance_evaluations
    assert [s.n_distance_evaluations for s in steps] == sorted(s.n_distance_evaluations for s in steps)

    # Every point is either measured or inside exactly one skipped node.
    measured = np.concatenate([tree.node_points(n) for n in steps[-1].measured])
    skipped = [tree.node_points(n) for n in steps[-1].pruned]
    covered = np.concatenate([measured, *skipped])
    assert np.array_equal(np.sort(covered), np.arange(len(X)))

    # Skipping was safe: nothing in a skipped node beats the final k-th distance,
    # and the node's bound (recomputed by hand) exceeded the k-th distance it was compared with.
    final_kth = dist[0, -1]
    for step in steps:
        if step.event.action != "prune":
            continue
        members = tree.node_points(step.event.node)
        assert np.linalg.norm(X[members] - q, axis=1).min() >= final_kth
        if kind == "kd":
            bound = _box_distance(np.asarray(q), X[members].min(axis=0), X[members].max(axis=0))
        else:
            centre = X[members].mean(axis=0)
            radius = np.linalg.norm(X[members] - centre, axis=1).max()
            bound = max(0.0, float(np.linalg.norm(np.asarray(q) - centre)) - radius)
        assert bound == pytest.approx(step.event.lower_bound, rel=1e-9, abs=1e-12)
        assert bound > step.event.kth_distance


def test_replay_on_the_docstring_tree_by_hand():
    tree = KDTree(np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]]), leaf_size=1)
    _, steps = speed.search_steps(tree, [0.2, 0.9], k=1)
    assert [s.event.action for s in steps] == ["visit", "leaf", "prune"]
    assert steps[1].neighbours.tolist() == [1]
    assert steps[1].kth_distance == pytest.approx(math.hypot(0.2, 0.1))
    assert steps[2].pruned == (2,) and steps[2].measured == (1,) and steps[2].opened == (0,)


def test_search_steps_refuses_brute_force():
    with pytest.raises(TypeError, match="KDTree or BallTree"):
        speed.search_steps(BruteForce([[0.0, 0.0], [1.0, 1.0]]), [0.0, 0.0], 1)


def test_describe_step_for_each_action():
    from knnlib.search.kdtree import TraceEvent

    def step(action, lower, kth):
        return speed.SearchStep(1, TraceEvent(4, action, lower, kth), (), (), (), 0, kth, np.array([]), np.array([]))

    assert speed.describe_step(step("visit", 0.0, math.inf), "kd") == (
        "open node 4: its box is 0.00 away (k-th distance: none yet)"
    )
    assert speed.describe_step(step("leaf", 0.25, 1.5), "ball") == (
        "measure leaf 4: its ball is 0.25 away (k-th distance: 1.50)"
    )
    assert speed.describe_step(step("prune", 2.0, 1.5), "ball") == (
        "skip node 4: its ball is 2.00 away, more than the k-th distance 1.50"
    )
    with pytest.raises(ValueError, match="tree_kind"):
        speed.describe_step(step("visit", 0.0, 1.0), "quad")


def test_the_chapter_trace_shrinks_its_bound_and_skips_most_points():
    # The prose says: the bound shrinks more than once, and the search measures a
    # small part of the 100 points.
    for kind in ("kd", "ball"):
        _, steps = speed._demo_steps(kind)
        bounds = [s.kth_distance for s in steps if math.isfinite(s.kth_distance)]
        assert len(set(bounds)) >= 2
        assert steps[-1].n_distance_evaluations <= 40
        assert any(s.event.action == "prune" for s in steps)
        assert len(steps) <= 40  # one frame per step: the page stays light


# ---------------------------------------------------------------------------
# Drawing the trees
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", range(5))
def test_kd_partition_cuts_and_cells(ax, depth):
    tree = speed.demo_tree("kd")
    drawn = speed.plot_kd_partition(tree, depth, ax=ax, show_boxes=True)
    assert len(drawn["cuts"]) == 2**depth - 1
    assert len(drawn["new_cuts"]) == (2 ** (depth - 1) if depth else 0)
    for node, line in enumerate(drawn["cuts"]):
        along = line.get_xdata() if tree.split_dim[node] == 0 else line.get_ydata()
        assert np.all(along == tree.split_value[node])
    assert drawn["cells"] == list(range(2**depth - 1, 2 ** (depth + 1) - 1))
    X = tree.data
    sizes = []
    for node, box in zip(drawn["cells"], drawn["boxes"]):
        members = X[tree.node_points(node)]
        sizes.append(len(members))
        # Each node's points lie in its cell, and its dashed box is their bounding box.
        assert np.all(members >= tree.cell_lo[node]) and np.all(members <= tree.cell_hi[node])
        assert box.get_xy() == pytest.approx(members.min(axis=0))
        assert (box.get_width(), box.get_height()) == pytest.approx(np.ptp(members, axis=0))
    assert sum(sizes) == len(X)
    assert f"{2**depth} cell" in ax.get_title()


@pytest.mark.parametrize("depth", range(5))
def test_ball_levels_match_means_and_largest_distances(ax, depth):
    tree = speed.demo_tree("ball")
    drawn = speed.plot_ball_level(tree, depth, ax=ax)
    assert len(drawn["balls"]) == 2**depth
    assert len(drawn["parents"]) == (2 ** (depth - 1) if depth else 0)
    for node, ball in zip(drawn["nodes"], drawn["balls"]):
        members = tree.data[tree.node_points(node)]
        centre = members.mean(axis=0)
        assert ball.center == pytest.approx(centre)
        assert ball.radius == pytest.approx(np.linalg.norm(members - centre, axis=1).max())
    assert np.allclose(np.column_stack(drawn["centres"].get_data()), tree.centres[drawn["nodes"]])


def test_drawings_refuse_bad_trees_and_depths(ax):
    with pytest.raises(ValueError, match="depth must be an integer from 0 to 4"):
        speed.plot_kd_partition(speed.demo_tree("kd"), 5, ax=ax)
    with pytest.raises(ValueError, match="depth"):
        speed.plot_ball_level(speed.demo_tree("ball"), True, ax=ax)
    with pytest.raises(TypeError, match="KDTree"):
        speed.plot_kd_partition(speed.demo_tree("ball"), 1, ax=ax)
    with pytest.raises(ValueError, match="2-D"):
        speed.plot_ball_level(BallTree(np.random.default_rng(0).random((50, 3))), 0, ax=ax)


@pytest.mark.parametrize("kind", ["kd", "ball"])
def test_search_step_drawing_shows_the_state(ax, kind):
    tree = speed.demo_tree(kind)
    _, steps = speed._demo_steps(kind)
    for number in (1, len(steps) // 2, len(steps)):
        ax.clear()
        state = steps[number - 1]
        drawn = speed.plot_search_step(tree, steps, number, speed.DEMO_QUERY, ax=ax)
        assert len(drawn["pruned"]) == len(state.pruned)
        assert len(drawn["measured"]) == len(state.measured)
        assert len(drawn["opened"]) == len(state.opened)
        assert len(drawn["neighbour_lines"]) == len(state.neighbours)
        for line, index in zip(drawn["neighbour_lines"], state.neighbours):
            assert np.allclose(np.column_stack(line.get_data())[1], tree.data[index])
        if math.isfinite(state.kth_distance):
            assert drawn["radius"].radius == state.kth_distance
            # The circle passes through the k-th neighbour found so far.
            kth_point = tree.data[state.neighbours[-1]]
            assert math.dist(kth_point, speed.DEMO_QUERY) == pytest.approx(state.kth_distance)
        else:
            assert drawn["radius"] is None
    with pytest.raises(ValueError, match=f"step must be an integer from 1 to {len(steps)}"):
        speed.plot_search_step(tree, steps, 0, speed.DEMO_QUERY, ax=ax)


def test_search_progress_shows_only_the_steps_so_far():
    fig = Figure()
    ax_bound, ax_count = fig.subplots(2)
    _, steps = speed._demo_steps("kd")
    drawn = speed.plot_search_progress(steps, 8, 100, ax_bound, ax_count)
    x, counts = drawn["count"].get_data()
    assert x.tolist() == list(range(1, 9))
    assert counts.tolist() == [s.n_distance_evaluations for s in steps[:8]]
    assert drawn["markers"][-1].get_ydata()[0] == steps[7].n_distance_evaluations
    kth = drawn["bound"].get_ydata()
    assert kth.tolist() == [s.kth_distance for s in steps[:8] if math.isfinite(s.kth_distance)]


@pytest.mark.parametrize(("draw", "kind"), [(speed.draw_kd_search, "kd"), (speed.draw_ball_search, "ball")])
def test_search_callbacks_title_and_frames(draw, kind):
    from knnlib.widgets import Slider, interactive_figure

    n = speed.demo_n_steps(kind)
    fig = Figure(figsize=(9, 4.6))
    drawn = draw(fig, step=n)
    assert fig.get_suptitle().startswith(f"step {n} of {n}: ")
    assert drawn["step"].n_distance_evaluations == drawn["trace"].n_distance_evaluations
    widget = interactive_figure(draw, step=Slider(list(range(1, n + 1)), value=n), figsize=(9, 4.6),
                                precompute=False)
    assert widget.n_frames == n <= 40
    assert len(widget.frame_png(step=1)) < 60_000


def test_partition_callbacks_draw_every_depth():
    for depth in range(5):
        for show_boxes in (False, True):
            drawn = speed.draw_kd_partition(Figure(), depth=depth, show_boxes=show_boxes)
            assert len(drawn["boxes"]) == (2**depth if show_boxes else 0)
        drawn = speed.draw_ball_levels(Figure(), depth=depth)
        assert len(drawn["balls"]) == 2**depth


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def test_evaluations_against_n_counts_every_point_for_brute_force_and_few_for_trees():
    counts = speed.evaluations_against_n([200, 2_000, 20_000], n_queries=10, k=5, seed=3)
    assert counts["sizes"].tolist() == [200, 2_000, 20_000]
    assert counts["brute"].tolist() == [200.0, 2_000.0, 20_000.0]
    for name in ("kd", "ball"):
        assert np.all(counts[name] >= 5) and np.all(counts[name] <= counts["sizes"])
        # In 2-D the trees' work barely grows with n: far below 2% of n at 20,000.
        assert counts[name][-1] < 0.02 * 20_000
    # The same numbers as a fresh tree on the same points (first n of one sample).
    X = speed.uniform_points(20_000, 2, seed=3)[:2_000]
    Q = speed.uniform_points(10, 2, seed=4)
    tree = KDTree(X)
    tree.query(Q, 5)
    assert counts["kd"][1] == tree.last_stats.n_distance_evaluations.mean()


@pytest.mark.parametrize(
    ("sizes", "error"),
    [([], ValueError), ([3], ValueError), ([10, 2.5], ValueError), (5, TypeError)],
)
def test_evaluations_against_n_checks_sizes(sizes, error):
    with pytest.raises(error, match="sizes"):
        speed.evaluations_against_n(sizes, k=5)


def test_sweep_dimensions_small():
    sweep = speed.sweep_dimensions([2, 32], n_samples=400, n_queries=8, k=3, timed_up_to=2, repeats=1)
    assert sweep.dims.tolist() == [2, 32]
    assert sweep.evaluations["brute"].tolist() == [400.0, 400.0]
    assert sweep.ratios["brute"][0] == 1.0
    assert np.isnan(sweep.seconds["kd"][1]) and np.isnan(sweep.ratios["ball"][1])
    assert np.all(sweep.seconds["kd"][:1] > 0)
    fraction = sweep.fraction_measured
    # In 2-D a tree measures a small share; in 32-D with 400 points, nearly everything.
    assert fraction["kd"][0] < 0.5 and fraction["kd"][1] > 0.9
    assert fraction["ball"][1] > 0.9


def test_crossover_dimension():
    assert speed.crossover_dimension([2, 4, 8], [0.2, 1.0, 1.5]) == 4
    assert speed.crossover_dimension([2, 4, 8], [0.2, 0.5, 0.9]) is None
    assert speed.crossover_dimension([2, 4, 8, 16], [1.2, 0.9, 1.1, 2.0]) == 8
    assert speed.crossover_dimension([2, 4, 8, 16], [0.2, 1.3, 2.0, np.nan]) == 4
    with pytest.raises(ValueError, match="same length"):
        speed.crossover_dimension([2, 4], [1.0])


def test_sweep_summaries():
    sweep = speed.DimensionSweep(
        dims=np.array([2, 4, 8, 16]), n_samples=100, n_queries=5, k=1,
        evaluations={"kd": np.array([5.0, 40.0, 60.0, 100.0])},
        seconds={}, ratios={"kd": np.array([0.2, 1.1, 0.9, 1.5])},
    )
    assert sweep.crossover("kd") == 16 and isinstance(sweep.crossover("kd"), int)
    assert sweep.measures_over("kd", 0.5) == 8
    assert sweep.measures_over("kd", 0.01) == 2
    assert sweep.measures_over("kd", 1.0) is None


def test_compare_with_sklearn_identical_answers_and_ratios():
    rng = np.random.default_rng(5)
    timings = speed.compare_with_sklearn(rng.random((3_000, 2)), rng.random((50, 2)), k=4, repeats=2)
    assert timings.knnlib_identical and timings.same_as_sklearn
    assert set(timings.seconds) == {(lib, name) for lib in ("knnlib", "scikit-learn") for name in ("brute", "kd", "ball")}
    assert timings.ratios[("knnlib", "brute")] == 1.0
    assert all(t > 0 for t in timings.seconds.values())
    rows = timings.rows()
    assert [r["index"] for r in rows] == ["brute force", "k-d tree", "ball tree"]
    kd = rows[1]
    assert kd["knnlib (µs/query)"] == round(timings.seconds[("knnlib", "kd")] * 1e6, 1)
    assert kd["knnlib speed-up over its scan"] == round(1 / timings.ratios[("knnlib", "kd")], 1)
    assert timings.speed_up("ball") == 1 / timings.ratios[("knnlib", "ball")]


def test_compare_with_sklearn_on_ties_keeps_knnlib_identical():
    # Integer grid: many equal distances; knnlib's three indexes still agree bit for bit.
    X = np.array([[i, j] for i in range(30) for j in range(30)], dtype=float)
    Q = np.array([[10.5, 10.5], [3.0, 4.0], [0.0, 0.0]])
    timings = speed.compare_with_sklearn(X, Q, k=6, repeats=1)
    assert timings.knnlib_identical


def test_kd_tree_beats_the_scan_in_two_dimensions():
    # The chapter's claim, measured the way the chapter measures it (smaller n).
    X = speed.uniform_points(50_000, 2, seed=1)
    Q = speed.uniform_points(300, 2, seed=2)
    timings = speed.compare_with_sklearn(X, Q, k=5, repeats=3)
    assert timings.ratios[("knnlib", "kd")] < 0.7
    assert timings.ratios[("knnlib", "ball")] < 0.7


# ---------------------------------------------------------------------------
# Plotting the measurements
# ---------------------------------------------------------------------------


def test_plot_evaluations_against_n(ax):
    counts = {"sizes": np.array([10, 100]), "brute": np.array([10.0, 100.0]),
              "kd": np.array([5.0, 7.0]), "ball": np.array([6.0, 8.0])}
    lines = speed.plot_evaluations_against_n(counts, ax=ax)
    assert lines["kd"].get_ydata().tolist() == [5.0, 7.0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["brute force", "k-d tree", "ball tree"]


def test_plot_against_dimension_only_times_the_timed_dimensions():
    sweep = speed.DimensionSweep(
        dims=np.array([2, 4, 8]), n_samples=100, n_queries=5, k=1,
        evaluations={"brute": np.array([100.0] * 3), "kd": np.array([5.0, 20.0, 90.0]),
                     "ball": np.array([6.0, 30.0, 100.0])},
        seconds={"brute": np.array([1e-5, 1e-5, np.nan]), "kd": np.array([2e-6, 2e-5, np.nan]),
                 "ball": np.array([3e-6, 3e-5, np.nan])},
        ratios={"brute": np.array([1.0, 1.0, np.nan]), "kd": np.array([0.2, 2.0, np.nan]),
                "ball": np.array([0.3, 3.0, np.nan])},
    )
    fig = Figure()
    ax_fraction, ax_time = fig.subplots(1, 2)
    drawn = speed.plot_against_dimension(sweep, ax_fraction, ax_time, crossovers={"kd": 4, "ball": None})
    assert drawn["fraction"]["kd"].get_ydata().tolist() == [0.05, 0.2, 0.9]
    assert drawn["time"]["kd"].get_xdata().tolist() == [2, 4]
    assert drawn["time"]["kd"].get_ydata() == pytest.approx([2.0, 20.0])
    assert len(drawn["crossovers"]) == 1 and drawn["crossovers"][0].get_xdata()[0] == 4


def test_plot_timings_bar_heights(ax):
    seconds = {(lib, name): value for (lib, name), value in zip(
        [(lib, name) for name in ("brute", "kd", "ball") for lib in ("knnlib", "scikit-learn")],
        [1e-4, 2e-4, 1e-5, 2e-5, 1.5e-5, 1e-5])}
    timings = speed.LibraryTimings(1000, 2, 10, 5, seconds, {}, True, True)
    bars = speed.plot_timings(timings, ax=ax)
    assert bars[("knnlib", "brute")].get_height() == pytest.approx(100.0)
    assert bars[("scikit-learn", "ball")].get_height() == pytest.approx(10.0)
    assert ax.get_yscale() == "log"
    assert "d = 2" in ax.get_title()


def test_sklearn_brute_force_agrees_with_the_chapter_exactness_check():
    # Independent of compare_with_sklearn: scikit-learn's brute force and knnlib's trees.
    rng = np.random.default_rng(8)
    X, Q = rng.random((2_000, 3)), rng.random((30, 3))
    expected = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(X).kneighbors(Q)[1]
    for cls in (KDTree, BallTree, BruteForce):
        assert np.array_equal(cls(X).query(Q, 5)[1], expected)


def test_the_numbers_the_chapter_states_about_the_drawn_trees():
    kd, ball = speed.demo_tree("kd"), speed.demo_tree("ball")
    assert (int(kd.split_dim[0]), float(kd.split_value[0])) == (1, 5.62)
    assert len(kd.node_points(2)) == 50
    _, kd_steps = speed.search_steps(kd, speed.DEMO_QUERY, speed.DEMO_K)
    actions = [(s.event.node, s.event.action) for s in kd_steps]
    assert actions[4:8] == [(19, "leaf"), (20, "leaf"), (10, "visit"), (21, "leaf")]
    assert round(kd_steps[4].kth_distance, 2) == 1.35 and round(kd_steps[5].event.lower_bound, 2) == 1.27
    assert round(kd_steps[7].kth_distance, 2) == 0.64
    assert actions[-1] == (2, "prune") and round(kd_steps[-1].event.lower_bound, 2) == 3.52
    assert (len(kd_steps), kd_steps[-1].n_distance_evaluations) == (11, 18)
    _, ball_steps = speed.search_steps(ball, speed.DEMO_QUERY, speed.DEMO_K)
    assert ball_steps[-1].n_distance_evaluations == 32
    assert round(ball_steps[4].kth_distance, 2) == 2.40
    assert (ball_steps[5].event.node, ball_steps[5].event.action, round(ball_steps[5].event.lower_bound, 2)) == (
        18, "leaf", 1.26)
    assert round(ball_steps[5].kth_distance, 2) == 2.09
    assert (ball_steps[6].event.node, ball_steps[6].event.action, round(ball_steps[6].event.lower_bound, 2)) == (
        7, "prune", 2.30)
    assert len({s.kth_distance for s in ball_steps if math.isfinite(s.kth_distance)}) == 4
    # Exercises: a far query measures one leaf; a query near the root's cut opens the top half.
    assert kd.trace((30, 30), k=3).n_distance_evaluations == 7
    near_cut = kd.trace((7.3, 5.5), k=3)
    assert any(e.node == 2 and e.action == "visit" for e in near_cut.events)
