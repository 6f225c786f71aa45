"""Tests of knnlib's KDTree and BallTree.

Expected answers come from hand computation, from scikit-learn's trees, from
SciPy's ``cdist``, or from a reference that sorts the whole distance table by
(distance, index) with ``np.lexsort``: never from the trees themselves.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import cdist
from sklearn import neighbors as skn

from knnlib import BallTree, KDTree
from knnlib.metrics import get_metric

TREES = (KDTree, BallTree)

# (metric name, knnlib params, scipy cdist name and params); scikit-learn takes the same names.
MINKOWSKI_CASES = [
    ("euclidean", {}, ("euclidean", {})),
    ("manhattan", {}, ("cityblock", {})),
    ("chebyshev", {}, ("chebyshev", {})),
    ("minkowski", {"p": 3}, ("minkowski", {"p": 3})),
    ("minkowski", {"p": 1.5}, ("minkowski", {"p": 1.5})),
]


def reference_query(X, Q, k, metric="euclidean", **params):
    """The k nearest by a full sort of the distance table by (distance, index)."""
    X, Q = np.asarray(X, float), np.asarray(Q, float)
    table = get_metric(metric, data=X, **params).pairwise(Q, X)
    index = np.broadcast_to(np.arange(X.shape[0]), table.shape)
    order = np.lexsort((index, table), axis=-1)[:, :k]
    return np.take_along_axis(table, order, 1), order


def reference_radius(X, Q, r, metric="euclidean", **params):
    """Per query: every index with distance <= r, ordered by (distance, index)."""
    X, Q = np.asarray(X, float), np.asarray(Q, float)
    table = get_metric(metric, data=X, **params).pairwise(Q, X)
    out = []
    for row in table:
        inside = np.flatnonzero(row <= r)
        out.append(inside[np.lexsort((inside, row[inside]))])
    return out


def random_data(n=600, d=3, m=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), rng.random((m, d))


# -- hand-built cases ---------------------------------------------------------------------------
@pytest.mark.parametrize("Tree", TREES)
@pytest.mark.parametrize("leaf_size", [1, 2, 40])
def test_four_points_equidistant_ties_go_to_smaller_index(Tree, leaf_size):
    # Indices 1..4 are all at distance 1 from the origin; 0 and 5 are far.
    X = [[5, 5], [0, 1], [-1, 0], [1, 0], [0, -1], [6, 6]]
    tree = Tree(X, leaf_size=leaf_size)
    dist, ind = tree.query([[0, 0]], k=2)
    assert_array_equal(ind, [[1, 2]])
    assert_array_equal(dist, [[1.0, 1.0]])
    dist, ind = tree.query([[0, 0]], k=5)
    assert_array_equal(ind, [[1, 2, 3, 4, 0]])
    assert_allclose(dist, [[1, 1, 1, 1, np.sqrt(50)]], rtol=1e-15)


@pytest.mark.parametrize("Tree", TREES)
def test_duplicates_beyond_k_keep_the_smallest_indices(Tree):
    rng = np.random.default_rng(3)
    X = rng.random((60, 2))
    copies = [3, 7, 8, 10, 12, 15, 41, 59]
    X[copies] = [0.25, 0.75]
    tree = Tree(X, leaf_size=2)
    dist, ind = tree.query([[0.25, 0.75]], k=3)
    assert_array_equal(ind, [[3, 7, 8]])
    assert_array_equal(dist, [[0.0, 0.0, 0.0]])  # exact duplicates: exactly zero


@pytest.mark.parametrize("Tree", TREES)
def test_k_equals_n_returns_every_point_in_order(Tree):
    X, Q = random_data(n=37, d=2, m=5)
    X[10] = X[20]  # a tie, so index order matters too
    tree = Tree(X, leaf_size=4)
    dist, ind = tree.query(Q, k=37)
    expected = cdist(Q, X)
    for row in range(len(Q)):
        order = np.lexsort((np.arange(37), expected[row]))
        assert_array_equal(ind[row], order)
        assert_allclose(dist[row], expected[row, order], rtol=1e-12)
    assert_array_equal(tree.last_stats.n_distance_evaluations, 37)


@pytest.mark.parametrize("Tree", TREES)
@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev"])
def test_integer_lattice_ties(Tree, metric):
    grid = np.array([(i, j) for i in range(10) for j in range(10)], dtype=float)
    X = grid[np.random.default_rng(1).permutation(100)]  # index order != grid order
    Q = np.vstack([grid[::7], grid[::11] + 0.5])  # on lattice points and at cell centres
    tree = Tree(X, leaf_size=3, metric=metric)
    for k in (1, 4, 5, 9, 13):
        dist, ind = tree.query(Q, k=k)
        ref_d, ref_i = reference_query(X, Q, k, metric)
        assert_array_equal(ind, ref_i)
        assert_array_equal(dist, ref_d)
    if metric == "chebyshev":
        return  # its diagonal neighbours are at distance 1 too
    # A lattice point's four axis neighbours are at distance 1, the diagonal ones farther.
    centre = np.flatnonzero((X == [4, 4]).all(axis=1))[0]
    dist, ind = tree.query([[4.0, 4.0]], k=5)
    assert ind[0, 0] == centre and dist[0, 0] == 0.0
    axis_neighbours = [np.flatnonzero((X == p).all(axis=1))[0] for p in ([3, 4], [5, 4], [4, 3], [4, 5])]
    assert_array_equal(ind[0, 1:], sorted(axis_neighbours))
    assert_array_equal(dist[0, 1:], 1.0)


# -- against scikit-learn's trees ---------------------------------------------------------------
@pytest.mark.parametrize("Tree, SkTree", [(KDTree, skn.KDTree), (BallTree, skn.BallTree)])
@pytest.mark.parametrize("metric, params, _", MINKOWSKI_CASES)
@pytest.mark.parametrize("d", [1, 3, 6])
def test_matches_scikit_learn_on_random_floats(Tree, SkTree, metric, params, _, d):
    X, Q = random_data(n=700, d=d, m=50, seed=d)
    k = 7
    dist, ind = Tree(X, leaf_size=10, metric=metric, **params).query(Q, k=k)
    sk_dist, sk_ind = SkTree(X, leaf_size=10, metric=metric, **params).query(Q, k=k)
    # Random floats have no ties: the neighbour lists must agree entry by entry.
    assert_array_equal(ind, sk_ind)
    assert_allclose(dist, sk_dist, rtol=1e-12)


def test_ball_tree_mahalanobis_matches_scikit_learn():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((500, 3)) @ np.array([[2.0, 0.3, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 0.3]])
    Q = rng.standard_normal((40, 3))
    VI = np.linalg.inv(np.cov(X, rowvar=False))
    dist, ind = BallTree(X, leaf_size=8, metric="mahalanobis", VI=VI).query(Q, k=6)
    sk_dist, sk_ind = skn.BallTree(X, leaf_size=8, metric="mahalanobis", VI=VI).query(Q, k=6)
    assert_array_equal(ind, sk_ind)
    assert_allclose(dist, sk_dist, rtol=1e-12)
    # Without VI it is estimated from X, as SciPy does.
    dist2, ind2 = BallTree(X, leaf_size=8, metric="mahalanobis").query(Q, k=6)
    assert_array_equal(ind2, ind)
    assert_allclose(dist2, cdist(Q, X, "mahalanobis", VI=VI)[np.arange(40)[:, None], ind], rtol=1e-12)


@pytest.mark.parametrize("Tree", TREES)
@pytest.mark.parametrize("metric, params, scipy_metric", MINKOWSKI_CASES)
def test_distances_match_scipy(Tree, metric, params, scipy_metric):
    X, Q = random_data(n=300, d=4, m=20, seed=11)
    dist, ind = Tree(X, leaf_size=5, metric=metric, **params).query(Q, k=4)
    name, scipy_params = scipy_metric
    expected = cdist(Q, X, name, **scipy_params)
    assert_allclose(dist, np.take_along_axis(expected, ind, 1), rtol=1e-12)


@pytest.mark.parametrize("Tree, SkTree", [(KDTree, skn.KDTree), (BallTree, skn.BallTree)])
def test_query_radius_matches_scikit_learn(Tree, SkTree):
    X, Q = random_data(n=800, d=2, m=30, seed=5)
    r = 0.08
    dist, ind = Tree(X, leaf_size=6).query_radius(Q, r)
    sk_ind, sk_dist = SkTree(X, leaf_size=6).query_radius(Q, r, return_distance=True, sort_results=True)
    for row in range(len(Q)):
        assert_array_equal(ind[row], sk_ind[row])
        assert_allclose(dist[row], sk_dist[row], rtol=1e-12)
        assert np.all(np.diff(dist[row]) >= 0)


@pytest.mark.parametrize("Tree", TREES)
def test_query_radius_is_inclusive_on_a_lattice(Tree):
    grid = np.array([(i, j) for i in range(6) for j in range(6)], dtype=float)
    tree = Tree(grid, leaf_size=2)
    dist, ind = tree.query_radius([[2.0, 2.0], [0.5, 0.5]], r=1.0)
    # (2, 2) itself and its four axis neighbours, ordered by (distance, index).
    assert_array_equal(ind[0], [14, 8, 13, 15, 20])
    assert_array_equal(dist[0], [0, 1, 1, 1, 1])
    # From a cell centre the nearest lattice points are sqrt(0.5) < 1 away.
    assert_array_equal(ind[1], [0, 1, 6, 7])
    reference = reference_radius(grid, [[2.0, 2.0], [0.5, 0.5]], 1.0)
    for got, want in zip(ind, reference):
        assert_array_equal(got, want)


@pytest.mark.parametrize("Tree", TREES)
def test_query_radius_zero_and_per_query_radii(Tree):
    X, Q = random_data(n=200, d=2, m=3, seed=9)
    Q[0] = X[17]
    tree = Tree(X, leaf_size=4)
    dist, ind = tree.query_radius(Q, r=0.0)
    assert_array_equal(ind[0], [17])
    assert_array_equal(dist[0], [0.0])
    assert len(ind[1]) == 0 and len(ind[2]) == 0
    radii = np.array([0.05, 0.1, 0.2])
    ind = tree.query_radius(Q, r=radii, return_distance=False)
    for row, r in enumerate(radii):
        assert_array_equal(ind[row], reference_radius(X, Q[row : row + 1], r)[0])


# -- trace == batch -----------------------------------------------------------------------------
TRACE_CASES = [
    (KDTree, "euclidean", {}),
    (KDTree, "manhattan", {}),
    (KDTree, "chebyshev", {}),
    (KDTree, "minkowski", {"p": 2.5}),
    (BallTree, "euclidean", {}),
    (BallTree, "manhattan", {}),
    (BallTree, "minkowski", {"p": 3}),
    (BallTree, "mahalanobis", {}),
]


@pytest.mark.parametrize("Tree, metric, params", TRACE_CASES)
@pytest.mark.parametrize("lattice", [False, True])
def test_trace_returns_the_batch_answer(Tree, metric, params, lattice):
    X, Q = random_data(n=400, d=2, m=12, seed=2)
    if lattice:
        X, Q = np.round(X * 6), np.round(Q * 6)  # many exact ties and duplicates
    tree = Tree(X, leaf_size=5, metric=metric, **params)
    for k in (1, 3, 8):
        dist, ind = tree.query(Q, k=k)
        for row in range(len(Q)):
            record = tree.trace(Q[row], k=k)
            assert_array_equal(record.indices, ind[row])
            assert_array_equal(record.distances, dist[row])


@pytest.mark.parametrize("Tree", TREES)
def test_trace_events_tell_a_consistent_story(Tree):
    X, Q = random_data(n=500, d=2, m=1, seed=4)
    tree = Tree(X, leaf_size=8)
    record = tree.trace(Q[0], k=5)
    events = record.events
    assert events[0].node == 0 and events[0].action == "visit"
    assert {e.action for e in events} <= {"visit", "leaf", "prune"}
    seen = set()
    for event in events:
        assert event.node not in seen  # each node is decided once
        seen.add(event.node)
        assert (event.action in ("leaf", "prune") or not tree.is_leaf(event.node))
        if event.action == "leaf":
            assert tree.is_leaf(event.node)
        if event.action == "prune":
            assert event.lower_bound > event.kth_distance
        else:
            assert event.lower_bound <= event.kth_distance
        if event.node:  # a child is only decided after its parent was opened
            parent = (event.node - 1) // 2
            assert parent in seen and tree.children(parent)
    # The k-th distance only shrinks, and ends at the answer's k-th distance.
    kth = [e.kth_distance for e in events]
    assert all(a >= b for a, b in zip(kth, kth[1:]))
    leaves = [e.node for e in events if e.action == "leaf"]
    assert record.n_distance_evaluations == sum(len(tree.node_points(n)) for n in leaves)
    assert record.visited == [e.node for e in events if e.action != "prune"]
    assert record.pruned == [e.node for e in events if e.action == "prune"]
    assert len(record.pruned) > 0  # the point of a tree
    ref_d, ref_i = reference_query(X, Q, 5)
    assert_array_equal(record.indices, ref_i[0])


def test_trace_opens_the_nearer_child_first():
    X, Q = random_data(n=300, d=2, m=1, seed=8)
    tree = KDTree(X, leaf_size=4)
    events = tree.trace(Q[0], k=3).events
    position = {e.node: i for i, e in enumerate(events)}
    for e in events:
        if e.action == "visit" and not tree.is_leaf(e.node):
            left, right = tree.children(e.node)
            gap = [np.maximum(tree.node_lo[c] - Q[0], Q[0] - tree.node_hi[c]).clip(0) for c in (left, right)]
            nearer, farther = (left, right) if np.hypot(*gap[0]) <= np.hypot(*gap[1]) else (right, left)
            assert position[nearer] < position[farther]


# -- node structure -----------------------------------------------------------------------------
def check_common_structure(tree, X, leaf_size):
    n = len(X)
    leaves = [i for i in range(tree.n_nodes) if tree.is_leaf(i)]
    assert len(leaves) == tree.n_leaves == 2 ** (tree.n_levels - 1)
    # Every point is in exactly one leaf.
    assert_array_equal(np.sort(np.concatenate([tree.node_points(i) for i in leaves])), np.arange(n))
    for node in tree.nodes:
        assert node.depth == int(np.log2(node.id + 1)) == tree.node_depth[node.id]
        if node.children:
            left, right = node.children
            both = np.concatenate([tree.node_points(left), tree.node_points(right)])
            assert_array_equal(np.sort(both), np.sort(node.point_indices))
            assert len(tree.node_points(left)) == len(node.point_indices) // 2
        else:
            assert node.depth == tree.n_levels - 1
            if n >= leaf_size:
                assert leaf_size <= len(node.point_indices) <= 2 * leaf_size + 1
    assert_array_equal(tree.nodes[0].point_indices, tree.idx_array)


@pytest.mark.parametrize(
    "n, d, leaf_size", [(1, 2, 40), (5, 1, 1), (100, 2, 3), (1000, 3, 40), (999, 5, 7)]
)
def test_kd_tree_structure(n, d, leaf_size):
    X = np.random.default_rng(n).random((n, d))
    X[: n // 3] = np.round(X[: n // 3], 1)  # some coordinate ties at split values
    tree = KDTree(X, leaf_size=leaf_size)
    check_common_structure(tree, X, leaf_size)
    assert tree.n_levels == int(np.log2(max(1, (n - 1) / leaf_size))) + 1  # scikit-learn's rule
    for node in tree.nodes:
        pts = X[node.point_indices]
        assert_array_equal(node.lo, pts.min(axis=0))  # the box is tight around the points
        assert_array_equal(node.hi, pts.max(axis=0))
        assert np.all(node.cell_lo <= node.lo) and np.all(node.hi <= node.cell_hi)
        if node.children:
            left, right = (X[tree.node_points(c), node.split_dim] for c in node.children)
            assert left.max() <= node.split_value <= right.min()
            spread = pts.max(axis=0) - pts.min(axis=0)
            assert spread[node.split_dim] == spread.max()
            assert tree.nodes[node.children[0]].cell_hi[node.split_dim] == node.split_value
            assert tree.nodes[node.children[1]].cell_lo[node.split_dim] == node.split_value
        else:
            assert node.split_dim is None and node.split_value is None
    assert np.all(np.isinf(tree.nodes[0].cell_lo))


@pytest.mark.parametrize("metric, params", [("euclidean", {}), ("manhattan", {}), ("mahalanobis", {})])
@pytest.mark.parametrize("n, d, leaf_size", [(1, 2, 40), (100, 2, 3), (1000, 3, 40)])
def test_ball_tree_structure(metric, params, n, d, leaf_size):
    if metric == "mahalanobis" and n <= d:
        pytest.skip("mahalanobis cannot estimate a covariance from so few points")
    X = np.random.default_rng(n).random((n, d))
    tree = BallTree(X, leaf_size=leaf_size, metric=metric, **params)
    check_common_structure(tree, X, leaf_size)
    m = get_metric(metric, data=X, **params)
    for node in tree.nodes:
        pts = X[node.point_indices]
        assert_allclose(node.centre, pts.mean(axis=0), rtol=1e-12, atol=1e-15)
        dist = m.rowwise(pts, node.centre)
        assert dist.max() == node.radius  # every point inside, the farthest on the sphere


def test_node_points_and_node_errors():
    X = np.random.default_rng(0).random((50, 2))
    tree = KDTree(X, leaf_size=5)
    assert_array_equal(np.sort(tree.node_points(0)), np.arange(50))
    with pytest.raises(ValueError, match="node_id must be in"):
        tree.node_points(tree.n_nodes)
    with pytest.raises(ValueError, match="node_id = -1"):
        tree.node_points(-1)
    with pytest.raises(TypeError, match="node_id must be an integer"):
        tree.node_points(1.0)
    assert tree.children(0) == (1, 2) and tree.children(tree.n_nodes - 1) == ()


# -- counters -----------------------------------------------------------------------------------
@pytest.mark.parametrize("Tree", TREES)
def test_stats_are_sane(Tree):
    X, Q = random_data(n=2000, d=2, m=50, seed=6)
    tree = Tree(X, leaf_size=10)
    tree.query(Q, k=5)
    stats = tree.last_stats
    assert stats.n_distance_evaluations.shape == stats.n_nodes_visited.shape == (50,)
    assert np.all(stats.n_distance_evaluations >= 5)
    assert np.all(stats.n_distance_evaluations < 2000 / 4)  # far fewer than brute force
    assert np.all(stats.n_nodes_visited >= 1) and np.all(stats.n_nodes_visited <= tree.n_nodes)
    tree.query_radius(Q, 0.05)
    assert np.all(tree.last_stats.n_distance_evaluations < 2000)
    # A radius covering everything measures every point.
    tree.query_radius(Q[:3], 10.0)
    assert_array_equal(tree.last_stats.n_distance_evaluations, 2000)


def test_kd_tree_needs_under_200_distances_per_query_in_2d():
    rng = np.random.default_rng(0)
    X = rng.random((100_000, 2))
    Q = rng.random((1000, 2))
    tree = KDTree(X, leaf_size=40)
    dist, ind = tree.query(Q, k=5)
    assert tree.last_stats.n_distance_evaluations.mean() < 200
    ref_d, ref_i = reference_query(X, Q[:20], 5)
    assert_array_equal(ind[:20], ref_i)


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("Tree", TREES)
@pytest.mark.parametrize(
    "leaf_size, error, message",
    [
        (0, ValueError, "leaf_size must be >= 1, got leaf_size = 0"),
        (-3, ValueError, "leaf_size = -3"),
        (2.5, TypeError, "leaf_size must be an integer, got 2.5"),
        (40.0, TypeError, "leaf_size must be an integer, got 40.0"),
        ("40", TypeError, "leaf_size must be an integer, got '40'"),
        (True, TypeError, "leaf_size must be an integer, got True"),
        (None, TypeError, "leaf_size must be an integer, got None"),
    ],
)
def test_bad_leaf_size(Tree, leaf_size, error, message):
    with pytest.raises(error, match=message):
        Tree([[0.0, 1.0], [1.0, 0.0]], leaf_size=leaf_size)


def test_unsupported_metrics_are_named():
    X = np.random.default_rng(0).random((20, 2))
    with pytest.raises(ValueError, match="KDTree does not support metric 'mahalanobis'"):
        KDTree(X, metric="mahalanobis")
    with pytest.raises(ValueError, match="KDTree does not support metric 'cosine'.*BruteForce"):
        KDTree(X, metric="cosine")
    with pytest.raises(ValueError, match="BallTree does not support metric 'cosine'"):
        BallTree(X, metric="cosine")
    for Tree in TREES:
        with pytest.raises(ValueError, match="Unknown metric 'hamming'"):
            Tree(X, metric="hamming")
        with pytest.raises(ValueError, match="p must be >= 1"):
            Tree(X, metric="minkowski", p=0.5)


@pytest.mark.parametrize("Tree", TREES)
def test_bad_queries(Tree):
    X = np.random.default_rng(0).random((10, 2))
    tree = Tree(X, leaf_size=2)
    with pytest.raises(ValueError, match="k = 11, n_samples_fit = 10"):
        tree.query(X, k=11)
    with pytest.raises(ValueError, match="k must be >= 1, got k = 0"):
        tree.query(X, k=0)
    with pytest.raises(TypeError, match="k must be an integer, got 2.0"):
        tree.query(X, k=2.0)
    with pytest.raises(ValueError, match="Q has 3 features"):
        tree.query(np.zeros((1, 3)), k=1)
    with pytest.raises(ValueError, match="NaN"):
        tree.query([[np.nan, 0.0]], k=1)
    with pytest.raises(ValueError, match="r must be finite and >= 0, got r = -1.0"):
        tree.query_radius(X, -1.0)
    with pytest.raises(ValueError, match="k = 11, n_samples_fit = 10"):
        tree.trace(X[0], k=11)
    with pytest.raises(ValueError, match="q must be a single point, got 2 rows"):
        tree.trace(X[:2], k=1)
    with pytest.raises(ValueError, match="q has 3 features"):
        tree.trace([0.0, 0.0, 0.0], k=1)
    with pytest.raises(TypeError, match="q must be a numeric array"):
        tree.trace("a point", k=1)


def test_trees_are_importable_from_knnlib_and_listed():
    import knnlib
    from knnlib.search import BallTree as B, KDTree as K

    assert knnlib.KDTree is K and knnlib.BallTree is B
    assert "mahalanobis" not in KDTree.supported_metrics
    assert "mahalanobis" in BallTree.supported_metrics and "cosine" not in BallTree.supported_metrics
