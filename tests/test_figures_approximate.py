"""Chapter 9's figures, data and measurements (knnlib/figures/approximate.py).

Numbers are checked against independent sources: scikit-learn's
NearestNeighbors, faiss searched directly, plain loops over hyperplanes,
hand computation and Monte Carlo simulation.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import faiss  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

from knnlib.ann import LSHIndex  # noqa: E402
from knnlib.figures import approximate  # noqa: E402
from knnlib.figures.approximate import (  # noqa: E402
    DEMO_K,
    DEMO_QUERY,
    BenchmarkResult,
    candidate_probability,
    candidate_region,
    demo_points,
    draw_greedy_walk,
    draw_lsh,
    embedding_like_data,
    extrapolate_throughput,
    greedy_walk,
    more_like_this,
    neighbour_graph,
    plot_amplification,
    plot_distance_work,
    plot_lsh_demo,
    plot_recall_qps,
    plot_recommendation_pipeline,
    plot_scan_throughput,
    run_ann_benchmark,
    scan_throughput,
)
from knnlib.plotting import grid_centres  # noqa: E402
from knnlib.widgets import Slider, interactive_figure  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def sklearn_neighbours(X, Q, k):
    return NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X).kneighbors(Q)


# -- data ---------------------------------------------------------------------------------

def test_embedding_like_data_shapes_and_seed():
    a = embedding_like_data(500, 20, seed=3)
    b = embedding_like_data(500, 20, seed=3)
    c = embedding_like_data(500, 20, seed=4)
    assert a.X.shape == (500, 32) and a.Q.shape == (20, 32)
    assert a.cluster.shape == (500,) and a.query_cluster.shape == (20,)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Q, b.Q)
    assert not np.array_equal(a.X, c.X)
    assert embedding_like_data(10).Q.shape == (0, 32)


def test_embedding_like_data_is_clustered_in_a_thin_slice():
    data = embedding_like_data(4000, n_clusters=20, seed=0)
    # Thin slice: 8 latent directions carry almost all the variance, the other 24 only the 0.1 noise.
    centred = data.X - data.X.mean(axis=0)
    singular = np.linalg.svd(centred, compute_uv=False)
    variance = singular**2 / len(centred)
    assert variance[7] > 20 * variance[8]
    np.testing.assert_allclose(variance[8:], 0.01, rtol=0.25)
    # Clustered: an item's nearest neighbour is almost always from its own cluster.
    _, nearest = sklearn_neighbours(data.X, data.X, 2)
    assert np.mean(data.cluster[nearest[:, 1]] == data.cluster) > 0.9


@pytest.mark.parametrize("kwargs, error", [({"n_samples": 0}, ValueError), ({"n_samples": 2.5}, TypeError),
                                           ({"n_samples": 5, "n_queries": -1}, ValueError),
                                           ({"n_samples": 5, "n_features": 0}, ValueError)])
def test_embedding_like_data_bad_input(kwargs, error):
    with pytest.raises(error):
        embedding_like_data(**kwargs)


# -- the exact scan's throughput -------------------------------------------------------------

def test_extrapolation_by_hand():
    measured = {"sizes": np.array([10_000, 100_000, 1_000_000]),
                "queries_per_second": np.array([20_000.0, 3000.0, 400.0])}
    # From the largest measurement: 400 q/s at 1e6 -> 40 at 1e7, 4 at 1e8.
    np.testing.assert_allclose(extrapolate_throughput(measured, [10_000_000, 100_000_000]), [40.0, 4.0])
    with pytest.raises(ValueError, match="sizes must be a non-empty list of integers >= 1"):
        extrapolate_throughput(measured, [])


def test_scan_throughput_small():
    out = scan_throughput([200, 2000], n_queries=10, k=3, repeats=1)
    assert out["sizes"].tolist() == [200, 2000]
    np.testing.assert_allclose(out["queries_per_second"] * out["seconds_per_query"], 1.0)
    assert (out["seconds_per_query"] > 0).all()
    with pytest.raises(ValueError, match="every size must be >= k = 5"):
        scan_throughput([3], k=5)
    with pytest.raises(TypeError, match="sizes must be a list of integers"):
        scan_throughput(100)


def test_plot_scan_throughput(ax):
    measured = {"sizes": np.array([1000, 10_000]), "queries_per_second": np.array([5000.0, 600.0])}
    drawn = plot_scan_throughput(measured, [100_000, 1_000_000], ax=ax, target_qps=1000)
    x, y = drawn["extrapolated"].get_data()
    assert list(x) == [10_000, 100_000, 1_000_000]
    np.testing.assert_allclose(y, [600.0, 60.0, 6.0])
    assert drawn["target"].get_ydata()[0] == 1000
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


# -- LSH in 2-D ------------------------------------------------------------------------------

def test_demo_points_inside_the_square():
    X = demo_points()
    assert X.shape == (300, 2) and X.min() >= 0 and X.max() <= 10
    assert np.array_equal(X, demo_points())


def test_candidate_region_by_hand():
    # Two tables of one bit: "x > 5" and "y > 7". The query (2, 8) is left of
    # x = 5 and above y = 7, so the region is the union of those two half-planes.
    index = LSHIndex.from_hyperplanes([[0.0, 0.0]], [[[1.0, 0.0]], [[0.0, 1.0]]], [[5.0], [7.0]])
    region = candidate_region(index, (2.0, 8.0), grid=10)
    xs, ys = grid_centres(10)
    expected = (xs[None, :] <= 5) | (ys[:, None] > 7)
    assert np.array_equal(region, expected)


def test_candidate_region_matches_plain_loop():
    X = demo_points(50)
    index = LSHIndex(X, n_tables=3, n_bits=4, seed=2)
    region = candidate_region(index, DEMO_QUERY, grid=30)
    xs, ys = grid_centres(30)
    w, b = index.directions_, index.offsets_
    q = np.array(DEMO_QUERY)
    for row, y in enumerate(ys):
        for col, x in enumerate(xs):
            cell = np.array([x, y])
            shares = any(all((w[t, j] @ cell > b[t, j]) == (w[t, j] @ q > b[t, j]) for j in range(4))
                         for t in range(3))
            assert region[row, col] == shares


def test_candidate_region_needs_2d():
    index = LSHIndex(np.zeros((3, 3)) + np.arange(3)[:, None], n_tables=1, n_bits=1)
    with pytest.raises(ValueError, match="2-D indexes, got an index on 3 features"):
        candidate_region(index, (0.0, 0.0, 0.0))


@pytest.mark.parametrize("direction, offset", [((1.0, 0.0), 3.0), ((0.0, 2.0), 8.0), ((1.0, 1.0), 10.0),
                                               ((-3.0, 1.0), -5.0)])
def test_hyperplane_segment_ends_on_the_line_and_the_box(direction, offset):
    ends = approximate._hyperplane_segment(direction, offset, (0.0, 10.0, 0.0, 10.0))
    np.testing.assert_allclose(ends @ np.array(direction), offset, atol=1e-9)
    assert ((ends > -1e-9) & (ends < 10 + 1e-9)).all()
    on_edge = np.isclose(ends, 0.0, atol=1e-9) | np.isclose(ends, 10.0, atol=1e-9)
    assert on_edge.any(axis=1).all()


def test_hyperplane_segment_missing_the_box():
    assert approximate._hyperplane_segment((1.0, 0.0), 12.0, (0.0, 10.0, 0.0, 10.0)) is None


def test_plot_lsh_demo_numbers(ax):
    X = demo_points()
    index = LSHIndex(X, n_tables=2, n_bits=5, seed=1)
    drawn = plot_lsh_demo(X, DEMO_QUERY, index, k=DEMO_K, ax=ax)
    assert drawn["candidates"].tolist() == index.candidates([DEMO_QUERY])[0].tolist()
    # Candidates by hand: the points with the query's key in some table.
    keys, query_keys = index.keys_, index.hash([DEMO_QUERY])
    assert drawn["candidates"].tolist() == np.flatnonzero((keys == query_keys).any(axis=1)).tolist()
    _, true = sklearn_neighbours(X, [DEMO_QUERY], DEMO_K)
    assert drawn["true_neighbours"].tolist() == true[0].tolist()
    found = set(drawn["found"].tolist())
    assert drawn["recall"] == len(found & set(true[0].tolist())) / DEMO_K
    # Found neighbours are the candidates nearest the query.
    candidates = drawn["candidates"]
    d = np.linalg.norm(X[candidates] - DEMO_QUERY, axis=1)
    assert drawn["found"][drawn["found"] >= 0].tolist() == candidates[np.argsort(d, kind="stable")][:DEMO_K].tolist()
    # One drawn line per hyperplane crossing the square.
    assert len(drawn["lines"]) == sum(
        approximate._hyperplane_segment(w, b, (0, 10, 0, 10)) is not None
        for w, b in zip(index.directions_.reshape(-1, 2), index.offsets_.ravel()))


@pytest.mark.parametrize("n_bits, n_tables", [(1, 1), (4, 2), (8, 8)])
def test_draw_lsh_title_numbers(n_bits, n_tables):
    fig = Figure()
    drawn = draw_lsh(fig, n_bits=n_bits, n_tables=n_tables)
    X = demo_points()
    index = LSHIndex(X, n_tables=n_tables, n_bits=n_bits, seed=0)
    n_candidates = len(index.candidates([DEMO_QUERY])[0])
    title = fig.axes[0].get_title()
    assert f"{n_candidates} of 300 points are candidates" in title
    assert drawn["n_candidates"] == n_candidates
    assert f"{round(drawn['recall'] * DEMO_K)} of the {DEMO_K} nearest found" in title
    assert title.startswith(f"{n_bits} bit{'s' if n_bits > 1 else ''} x {n_tables} table")


def test_lsh_widget_frames_and_static_twin():
    widget = interactive_figure(draw_lsh, n_bits=Slider([1, 4, 8], value=4), n_tables=Slider([1, 2], value=2),
                                precompute=True)
    assert widget.n_frames == 6 and len(widget.frame_errors) == 0
    assert widget.static_figure().axes[0].get_title().startswith("4 bits x 2 tables")


# -- amplification ---------------------------------------------------------------------------

def test_candidate_probability_by_hand():
    assert candidate_probability(0.5, n_bits=1, n_tables=1) == 0.5
    assert candidate_probability(0.5, n_bits=2, n_tables=1) == 0.25
    assert candidate_probability(0.5, n_bits=2, n_tables=2) == pytest.approx(1 - 0.75**2)
    assert candidate_probability(0.9, n_bits=8, n_tables=4) == pytest.approx(1 - (1 - 0.9**8) ** 4)
    p = np.linspace(0, 1, 11)
    assert (np.diff(candidate_probability(p, 6, 4)) >= 0).all()
    assert (candidate_probability(p, 6, 8) >= candidate_probability(p, 6, 4)).all()  # more tables: more
    assert (candidate_probability(p, 8, 4) <= candidate_probability(p, 6, 4)).all()  # more bits: fewer


def test_candidate_probability_by_simulation():
    rng = np.random.default_rng(0)
    p, n_bits, n_tables = 0.8, 5, 3
    agree = rng.random((200_000, n_tables, n_bits)) < p
    simulated = agree.all(axis=2).any(axis=1).mean()
    assert simulated == pytest.approx(candidate_probability(p, n_bits, n_tables), abs=0.005)


def test_candidate_probability_bad_input():
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got p = 1.5"):
        candidate_probability(1.5, 2, 2)
    with pytest.raises(ValueError, match="n_tables must be >= 1"):
        candidate_probability(0.5, 2, 0)


def test_plot_amplification(ax):
    lines = plot_amplification([(4, 1), (8, 16)], ax=ax)
    p, y = lines[1].get_data()
    np.testing.assert_allclose(y, 1 - (1 - p**8) ** 16)
    assert lines[0].get_label() == "B = 4 bits, T = 1 table"


# -- the graph walk -------------------------------------------------------------------------

def test_neighbour_graph_short_links_match_sklearn():
    X = demo_points(80, seed=3)
    graph = neighbour_graph(X, n_links=4, n_long_links=2, seed=5)
    _, nearest = sklearn_neighbours(X, X, 5)
    assert graph.shape == (80, 6)
    assert np.array_equal(graph[:, :4], nearest[:, 1:])
    long = graph[:, 4:]
    assert (long != np.arange(80)[:, None]).all() and long.min() >= 0 and long.max() < 80


def test_neighbour_graph_bad_input():
    with pytest.raises(ValueError, match=r"at most n - 1 = 3"):
        neighbour_graph(np.eye(4), n_links=3, n_long_links=1)
    with pytest.raises(ValueError, match="n_long_links must be an integer >= 0"):
        neighbour_graph(np.eye(4), n_links=1, n_long_links=-1)


def test_greedy_walk_by_hand():
    X = [[0.0], [1.0], [2.0], [3.0], [10.0]]
    chain = np.array([[1], [2], [3], [2], [3]])
    assert greedy_walk(X, chain, [2.9], start=0)["path"] == [0, 1, 2, 3]
    # From 4 (at 10) to 3 (at 3), then 3's only link (2) is farther from 3.6: stop.
    out = greedy_walk(X, chain, [3.6], start=4)
    assert out["path"] == [4, 3] and out["n_distance_evaluations"] == 3  # points 4, 3, 2
    with pytest.raises(ValueError, match="start must be a point index in 0..4"):
        greedy_walk(X, chain, [1.0], start=5)
    with pytest.raises(ValueError, match="query must have 1 coordinates"):
        greedy_walk(X, chain, [1.0, 2.0])


def test_greedy_walk_descends_and_stops_at_a_local_minimum():
    X = demo_points(150, seed=4)
    graph = neighbour_graph(X, n_links=3, n_long_links=1)
    for start in (0, 50, 100):
        path = greedy_walk(X, graph, DEMO_QUERY, start=start)["path"]
        d = np.linalg.norm(X[path] - DEMO_QUERY, axis=1)
        assert (np.diff(d) < 0).all()
        last = path[-1]
        assert (np.linalg.norm(X[graph[last]] - DEMO_QUERY, axis=1) >= d[-1]).all()


@pytest.mark.parametrize("n_links, n_long_links", [(2, 0), (3, 1), (6, 0)])
def test_draw_greedy_walk_reports_truthfully(n_links, n_long_links):
    drawn = draw_greedy_walk(Figure(), n_links=n_links, n_long_links=n_long_links)
    X = demo_points(approximate.WALK_N_POINTS, seed=1)
    _, nearest = sklearn_neighbours(X, [DEMO_QUERY], 1)
    assert drawn["nearest"] == nearest[0, 0]
    assert drawn["found"] == (drawn["walk"]["path"][-1] == nearest[0, 0])


# -- the benchmark --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_benchmark():
    data = embedding_like_data(3000, 60, n_clusters=10, seed=1)
    result = run_ann_benchmark(data, k=5, lsh_settings=[(12, 2), (8, 4)], ef_values=[5, 40], hnsw_links=8,
                               repeats=1)
    return data, result


def test_benchmark_rows(small_benchmark):
    data, result = small_benchmark
    methods = [(r["method"], r["setting"]) for r in result.rows]
    assert methods == [("knnlib exact", "scan"), ("faiss exact", "IndexFlatL2"),
                       ("knnlib LSH", "12 bits x 2 tables"), ("knnlib LSH", "8 bits x 4 tables"),
                       ("faiss HNSW", "efSearch 5"), ("faiss HNSW", "efSearch 40")]
    _, true = sklearn_neighbours(data.X, data.Q, 5)
    assert np.array_equal(result.true_indices, true)
    rows = {key: r for key, r in zip(methods, result.rows)}
    assert rows[("knnlib exact", "scan")]["recall"] == 1.0
    assert rows[("faiss exact", "IndexFlatL2")]["recall"] >= 0.99  # float32 can swap near ties
    for row in result.rows:
        assert row["queries_per_second"] > 0 and row["build_seconds"] >= 0
    assert rows[("knnlib exact", "scan")]["distances_per_query"] == 3000


def test_benchmark_lsh_rows_match_the_index(small_benchmark):
    data, result = small_benchmark
    _, true = sklearn_neighbours(data.X, data.Q, 5)
    index = LSHIndex(data.X, n_tables=4, n_bits=8, seed=0)
    _, found = index.query(data.Q, k=5)
    recall = np.mean([len(set(f) & set(t)) / 5 for f, t in zip(found.tolist(), true.tolist())])
    row = next(r for r in result.rows if r["setting"] == "8 bits x 4 tables")
    assert row["recall"] == pytest.approx(recall)
    assert row["distances_per_query"] == pytest.approx(index.last_stats.n_candidates.mean())


def test_benchmark_hnsw_rows_match_faiss(small_benchmark):
    data, result = small_benchmark
    _, true = sklearn_neighbours(data.X, data.Q, 5)
    hnsw = result.hnsw
    assert hnsw.ntotal == 3000
    for ef in (5, 40):
        hnsw.hnsw.efSearch = ef
        faiss.cvar.hnsw_stats.reset()
        _, found = hnsw.search(data.Q.astype(np.float32), 5)
        recall = np.mean([len(set(f) & set(t)) / 5 for f, t in zip(found.tolist(), true.tolist())])
        row = next(r for r in result.rows if r["setting"] == f"efSearch {ef}")
        assert row["recall"] == pytest.approx(recall)
        assert row["distances_per_query"] == pytest.approx(faiss.cvar.hnsw_stats.ndis / 60)
    high = next(r for r in result.rows if r["setting"] == "efSearch 40")
    low = next(r for r in result.rows if r["setting"] == "efSearch 5")
    assert high["distances_per_query"] > low["distances_per_query"] and high["recall"] >= low["recall"]


def test_benchmark_restores_faiss_threads():
    before = faiss.omp_get_max_threads()
    data = embedding_like_data(300, 5, seed=0)
    run_ann_benchmark(data, k=3, lsh_settings=[(4, 1)], ef_values=[8], hnsw_links=4, repeats=1)
    assert faiss.omp_get_max_threads() == before


def test_benchmark_bad_input():
    data = embedding_like_data(100, 5, seed=0)
    with pytest.raises(ValueError, match="lsh_settings must hold"):
        run_ann_benchmark(data, lsh_settings=[(4, 1, 2)])
    with pytest.raises(ValueError, match="efSearch must be >= 1"):
        run_ann_benchmark(data, ef_values=[0])
    bad = approximate.Embeddings(X=data.X, Q=data.Q[:, :3], cluster=data.cluster, query_cluster=data.query_cluster)
    with pytest.raises(ValueError, match="same number of features, got 32 and 3"):
        run_ann_benchmark(bad)


def test_best_row():
    rows = [{"method": "a", "recall": 0.9, "queries_per_second": 10.0},
            {"method": "a", "recall": 0.99, "queries_per_second": 5.0},
            {"method": "b", "recall": 1.0, "queries_per_second": 50.0}]
    result = BenchmarkResult(rows=rows, true_indices=np.zeros((1, 1), int), n_samples=1, n_features=1,
                             n_queries=1, k=1)
    assert result.best("a", 0.95)["queries_per_second"] == 5.0
    assert result.best("a", 0.5)["queries_per_second"] == 10.0
    assert result.best("a", 0.999) is None


def test_benchmark_plots(small_benchmark, ax):
    _, result = small_benchmark
    lines = plot_recall_qps(result.rows, ax=ax)
    assert set(lines) == {"knnlib exact", "faiss exact", "knnlib LSH", "faiss HNSW"}
    x, y = lines["faiss HNSW"].get_data()
    hnsw_rows = sorted((r for r in result.rows if r["method"] == "faiss HNSW"), key=lambda r: r["recall"])
    assert list(x) == [r["recall"] for r in hnsw_rows]
    assert list(y) == [r["queries_per_second"] for r in hnsw_rows]
    assert ax.get_yscale() == "log"
    fig, other = plt.subplots()
    work = plot_distance_work(result.rows, result.n_samples, ax=other)
    assert list(work["knnlib exact"].get_data()[1]) == [1.0]
    plt.close(fig)


# -- the production story ---------------------------------------------------------------------

def test_more_like_this_matches_exact_search(small_benchmark):
    data, result = small_benchmark
    for item in (0, 17, 2999):
        found, dist = more_like_this(result.hnsw, data.X, item, k=5, ef_search=200)
        d_true, true = sklearn_neighbours(data.X, data.X[[item]], 6)
        assert item not in found.tolist()
        assert found.tolist() == [i for i in true[0].tolist() if i != item][:5]
        np.testing.assert_allclose(dist, np.linalg.norm(data.X[found] - data.X[item], axis=1), rtol=1e-12)
        assert (np.diff(dist) >= 0).all()


def test_more_like_this_bad_input(small_benchmark):
    data, result = small_benchmark
    with pytest.raises(ValueError, match="item must be a row of X, 0..2999, got item = 3000"):
        more_like_this(result.hnsw, data.X, 3000)
    with pytest.raises(ValueError, match="hnsw holds 3000 vectors of 32 features, but X has shape"):
        more_like_this(result.hnsw, data.X[:10], 1)


def test_recommendation_pipeline(ax):
    drawn = plot_recommendation_pipeline(ax)
    texts = [box.get_text() for box in drawn["boxes"]]
    assert len(texts) == 8 and "build an\nHNSW index" in texts
    assert len(drawn["arrows"]) == 8  # 3 + 3 along the rows, 2 from offline to online
