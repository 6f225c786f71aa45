"""The playground's JavaScript predicts exactly what knnlib predicts.

The widget computes its picture in the browser (so the static book needs no
kernel). These tests run that JavaScript under node on the same points and
settings and compare cell by cell, ties included, with:

* ``knnlib.KNNClassifier(...).predict`` for the labels, and
* an independent reference written here (its own distance loop, a full
  stable sort, the vote of ARCHITECTURE.md) for the labels and the tie mask.

On the presets, and on an integer lattice sampled on a grid whose cell
centres are exact binary fractions, where equal distances and tied votes are
everywhere: the cases where a sloppy tie rule would show.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from knnlib import KNNClassifier
from knnlib.datasets import PRESETS, load_preset
from knnlib.metrics import get_metric
from knnlib.plotting import grid_centres

# What a student runs after the playground: KNNClassifier with its default
# algorithm ("auto" picks a k-d tree for 2-D data). Every knnlib index returns
# the same neighbours, so the canvas must match it exactly.
ALGORITHM = "auto"

PLAYGROUND_JS = Path(__file__).resolve().parents[1] / "knnlib" / "widgets" / "playground.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

# Reads a JSON list of calls {"fn": name, "args": {...}} on stdin and prints the
# results; typed arrays become plain lists so that Python can read them.
NODE_RUNNER = """
import { readFileSync } from "node:fs";
import * as playground from %s;
const calls = JSON.parse(readFileSync(0, "utf8"));
const plain = (value) => {
  if (ArrayBuffer.isView(value)) return Array.from(value);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
};
const results = calls.map(({ fn, args }) => {
  if (fn === "gridCentres") return plain(playground.gridCentres(args.grid, args.extent));
  if (fn === "distances") {
    const distance = playground.DISTANCES[args.metric];
    return args.pairs.map(([a, b]) => distance(a[0], a[1], b[0], b[1]));
  }
  return plain(playground[fn](args));
});
process.stdout.write(JSON.stringify(results));
"""


def run_js(calls):
    """Call functions of playground.js under node; one result per call."""
    script = NODE_RUNNER % json.dumps(PLAYGROUND_JS.as_uri())
    completed = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


# -- the independent reference -------------------------------------------------


def reference_distances(cells, X, metric):
    """Distances in knnlib.metrics' operation order, written out independently."""
    d0 = np.abs(cells[:, None, 0] - X[None, :, 0])
    d1 = np.abs(cells[:, None, 1] - X[None, :, 1])
    if metric == "euclidean":
        return np.sqrt(d0 * d0 + d1 * d1)
    if metric == "manhattan":
        return d0 + d1
    return np.maximum(d0, d1)


def reference_predict(X, y, cells, k, metric, weights):
    """Labels and tie flags by the rules of ARCHITECTURE.md, one step at a time."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    dist = reference_distances(cells, X, metric)
    # A stable sort of every row: equal distances keep index order.
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    near_dist = np.take_along_axis(dist, order, axis=1)
    if weights == "uniform":
        w = np.ones_like(near_dist)
    else:
        exact = near_dist == 0
        with np.errstate(divide="ignore"):
            w = np.where(exact.any(axis=1, keepdims=True), exact * 1.0, 1.0 / near_dist)
    classes = np.unique(y)
    codes = np.searchsorted(classes, y)[order]
    scores = np.zeros((len(cells), len(classes)))
    for j in range(k):  # in neighbour order
        scores[np.arange(len(cells)), codes[:, j]] += w[:, j]
    top = scores.max(axis=1, keepdims=True)
    return classes[np.argmax(scores, axis=1)], (scores == top).sum(axis=1) >= 2


def cell_centres(grid, extent):
    xs, ys = grid_centres(grid, extent)
    gx, gy = np.meshgrid(xs, ys)  # row-major, row 0 at the bottom: the JS layout
    return np.column_stack([gx.ravel(), gy.ravel()])


def assert_grid_matches_knnlib(js_result, X, y, k, metric, weights, grid, extent):
    cells = cell_centres(grid, extent)
    k_used = min(k, len(X))
    assert js_result["kEffective"] == k_used
    js_labels = np.asarray(js_result["labels"])
    js_ties = np.asarray(js_result["ties"], dtype=bool)

    knnlib_labels = KNNClassifier(k=k_used, metric=metric, weights=weights, algorithm=ALGORITHM).fit(X, y).predict(cells)
    ref_labels, ref_ties = reference_predict(X, y, cells, k_used, metric, weights)
    np.testing.assert_array_equal(ref_labels, knnlib_labels, err_msg="reference vs knnlib")
    where = f"k={k}, metric={metric}, weights={weights}"
    mismatched = np.flatnonzero(js_labels != knnlib_labels)
    assert mismatched.size == 0, (
        f"{where}: {mismatched.size} cells differ from knnlib, first at cell "
        f"{cells[mismatched[0]].tolist()}: JS {js_labels[mismatched[0]]}, knnlib {knnlib_labels[mismatched[0]]}"
    )
    mismatched = np.flatnonzero(js_ties != ref_ties)
    assert mismatched.size == 0, (
        f"{where}: {mismatched.size} tie flags differ, first at cell {cells[mismatched[0]].tolist()}"
    )
    return js_ties.sum()


def grid_call(X, y, k, metric, weights, grid, extent):
    return {
        "fn": "predictGrid",
        "args": {
            "points": np.asarray(X).tolist(), "labels": np.asarray(y).tolist(), "k": k,
            "metric": metric, "weights": weights, "grid": grid, "extent": list(extent),
        },
    }


# -- the tests -------------------------------------------------------------------

METRICS = ("euclidean", "manhattan", "chebyshev")
EXTENT = (0.0, 10.0, 0.0, 10.0)


def test_grid_centres_are_bit_identical():
    settings = [(150, EXTENT), (160, EXTENT), (173, (-1.3, 2.7, 0.1, 9.9)), (7, (0.0, 1.0, 0.0, 3.0))]
    results = run_js([{"fn": "gridCentres", "args": {"grid": g, "extent": list(e)}} for g, e in settings])
    for (grid, extent), result in zip(settings, results):
        xs, ys = grid_centres(grid, extent)
        # JSON carries doubles exactly (shortest round-trip repr both ways).
        assert np.asarray(result["xs"]).tobytes() == xs.tobytes()
        assert np.asarray(result["ys"]).tobytes() == ys.tobytes()


def test_distances_are_bit_identical_to_knnlib_metrics():
    rng = np.random.default_rng(7)
    A = np.vstack([rng.uniform(0, 10, size=(300, 2)), np.round(rng.uniform(0, 10, size=(100, 2)), 2)])
    B = np.vstack([rng.uniform(0, 10, size=(300, 2)), np.round(rng.uniform(0, 10, size=(100, 2)), 2)])
    pairs = np.stack([A, B], axis=1).tolist()
    results = run_js([{"fn": "distances", "args": {"metric": m, "pairs": pairs}} for m in METRICS])
    for metric, js in zip(METRICS, results):
        expected = get_metric(metric).rowwise(A, B)
        assert np.asarray(js, dtype=np.float64).tobytes() == expected.tobytes(), metric


@pytest.mark.parametrize("preset", list(PRESETS))
def test_presets_match_knnlib(preset):
    X, y = load_preset(preset)
    # Every metric and both weights; k cycles so that each preset sees several.
    ks = (1, 4, 7, 15, 25, 2)
    settings = [
        (ks[(i + j) % len(ks)], metric, weights)
        for i, metric in enumerate(METRICS)
        for j, weights in enumerate(("uniform", "distance"))
    ]
    results = run_js([grid_call(X, y, k, m, w, 150, EXTENT) for k, m, w in settings])
    for (k, metric, weights), result in zip(settings, results):
        assert_grid_matches_knnlib(result, X, y, k, metric, weights, 150, EXTENT)


def tie_heavy_lattice(seed=0):
    """Points on integer coordinates, some doubled with another label, 3 classes."""
    rng = np.random.default_rng(seed)
    lattice = np.array([(i, j) for i in range(1, 10) for j in range(1, 10)], dtype=float)
    chosen = lattice[rng.choice(len(lattice), size=36, replace=False)]
    labels = rng.integers(0, 3, size=len(chosen))
    doubled = chosen[:5]
    X = np.vstack([chosen, doubled])
    y = np.concatenate([labels, (labels[:5] + 1) % 3])
    return X, y


@pytest.mark.parametrize("metric", METRICS)
def test_tie_heavy_lattice_matches_knnlib(metric):
    # grid 160 over [0, 10]: cells 1/16 wide, centres exact binary fractions, so
    # many cells sit exactly halfway between lattice points.
    X, y = tie_heavy_lattice()
    settings = [(k, w) for k in (1, 2, 3, 4, 6, 9) for w in ("uniform", "distance")]
    results = run_js([grid_call(X, y, k, metric, w, 160, EXTENT) for k, w in settings])
    total_ties = 0
    for (k, weights), result in zip(settings, results):
        total_ties += assert_grid_matches_knnlib(result, X, y, k, metric, weights, 160, EXTENT)
    assert total_ties > 1000, "the lattice was meant to produce many tied cells"


def test_two_points_give_ties_on_the_bisector():
    # By hand: on a 160-cell grid over [0, 10] the column centres are
    # 0.03125 + 0.0625 * col. Class 0 at x = 2.03125 and class 1 at x = 6.03125
    # have their bisector x = 4.03125 on column 64 exactly. With k = 2 and
    # distance weights the scores are 1/d0 and 1/d1: equal exactly on that
    # column (a tie, won by the smaller label, 0), and nowhere else.
    X, y = [[2.03125, 5.0], [6.03125, 5.0]], [0, 1]
    (result,) = run_js([grid_call(X, y, 2, "euclidean", "distance", 160, EXTENT)])
    labels = np.asarray(result["labels"]).reshape(160, 160)
    ties = np.asarray(result["ties"], dtype=bool).reshape(160, 160)
    assert ties[:, 64].all() and ties.sum() == 160
    assert (labels[:, :65] == 0).all() and (labels[:, 65:] == 1).all()


def test_k_larger_than_the_points_is_clamped():
    X, y = [[1.0, 1.0], [2.0, 2.0], [9.0, 9.0]], [0, 1, 1]
    (result,) = run_js([grid_call(X, y, 10, "manhattan", "uniform", 150, EXTENT)])
    assert result["kEffective"] == 3
    assert_grid_matches_knnlib(result, np.array(X), np.array(y), 10, "manhattan", "uniform", 150, EXTENT)
    # All three points vote everywhere: class 1 wins 2 to 1 in every cell.
    assert set(result["labels"]) == {1}


def test_duplicates_with_distance_weights_match_knnlib():
    # Exact duplicates of different classes, and a cell centre exactly on a
    # point (distance 0: the exact-match rule of distance weights).
    X = np.array([[5.03125, 5.03125], [5.03125, 5.03125], [5.03125, 5.03125], [3.0, 3.0], [7.0, 7.0]])
    y = np.array([1, 0, 1, 0, 0])
    cells = cell_centres(160, EXTENT)
    assert (cells == X[0]).all(axis=1).any(), "a cell centre should sit exactly on the duplicates"
    results = run_js([grid_call(X, y, k, "euclidean", "distance", 160, EXTENT) for k in (1, 2, 3, 5)])
    for k, result in zip((1, 2, 3, 5), results):
        assert_grid_matches_knnlib(result, X, y, k, "euclidean", "distance", 160, EXTENT)


def test_random_small_sets_match_knnlib():
    rng = np.random.default_rng(42)
    calls, cases = [], []
    for case in range(12):
        n = int(rng.integers(1, 25))
        X = np.round(rng.uniform(0, 10, size=(n, 2)) * 4) / 4  # a coarse lattice: ties
        y = rng.integers(0, 3, size=n)
        k = int(rng.integers(1, 12))
        metric, weights = METRICS[case % 3], ("uniform", "distance")[case % 2]
        cases.append((X, y, k, metric, weights))
        calls.append(grid_call(X, y, k, metric, weights, 150, EXTENT))
    for (X, y, k, metric, weights), result in zip(cases, run_js(calls)):
        assert_grid_matches_knnlib(result, X, y, k, metric, weights, 150, EXTENT)


def test_probe_neighbours_match_knnlib_kneighbors():
    X, y = tie_heavy_lattice()
    probes = [[5.0, 5.0], [4.5, 4.5], [0.0, 10.0], [3.25, 7.75], [1.0, 1.0]]
    settings = [(p, k, m) for p in probes for k in (1, 4, 9) for m in METRICS]
    calls = [
        {"fn": "explainQuery", "args": {
            "points": X.tolist(), "labels": y.tolist(), "k": k, "metric": m,
            "weights": "uniform", "query": p}}
        for p, k, m in settings
    ]
    for (probe, k, metric), result in zip(settings, run_js(calls)):
        model = KNNClassifier(k=k, metric=metric, algorithm=ALGORITHM).fit(X, y)
        dist, ind = model.kneighbors([probe])
        assert result["indices"] == ind[0].tolist(), (probe, k, metric)
        assert np.asarray(result["distances"], dtype=np.float64).tobytes() == dist[0].tobytes()
        assert result["label"] == model.predict([probe])[0]
        proba = model.predict_proba([probe])[0]
        assert result["tied"] == bool((proba == proba.max()).sum() >= 2)


def test_empty_canvas_predicts_nothing():
    (result,) = run_js([grid_call(np.empty((0, 2)), [], 5, "euclidean", "uniform", 150, EXTENT)])
    assert result["kEffective"] == 0
    assert set(result["labels"]) == {-1} and not any(result["ties"])


@pytest.mark.parametrize(
    ("points", "labels", "k", "expected"),
    [
        ([], [], 5, ["No training points yet"]),
        ([[1, 1], [2, 2]], [1, 1], 1, ["Every point is class 1"]),
        ([[1, 1], [2, 2]], [0, 1], 5, ["k = 5, but there are only 2 points"]),
        ([[1, 1]], [0], 3, ["Every point is class 0", "k = 3, but there is only 1 point"]),
        ([[1, 1], [1, 1], [3, 3]], [0, 1, 1], 1, ["1 point sits exactly on top of another"]),
        ([[1, 1], [2, 2], [3, 3]], [0, 1, 1], 3, []),
    ],
)
def test_friendly_messages_for_edge_cases(points, labels, k, expected):
    (notes,) = run_js([{"fn": "describeData", "args": {"points": points, "labels": labels, "k": k}}])
    assert len(notes) == len(expected), notes
    for note, start in zip(notes, expected):
        assert note.startswith(start), note
