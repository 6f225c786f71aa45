"""The exercise checkers of chapters 7 to 10: right answers pass, wrong ones get a useful verdict.

Every right answer is computed here, independently of the checker: by hand
(the formulas of the exercises), with SciPy and scikit-learn, or, for the
tree exercises, from the tree's geometry and knnlib's own counters (which
``tests/test_search*.py`` check against brute force). Every wrong answer
must get a "not yet" verdict that names the problem and never contains the
expected answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.datasets import make_blobs
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from knnlib import KDTree, check
from knnlib.ann import LSHIndex
from verdict_asserts import assert_not_yet, assert_right, assert_solutions_are_hidden_code_cells
from knnlib.figures import approximate, dimensions, speed

# ---------------------------------------------------------------------------
# Every chapter (assertions shared with tests/test_check.py: tests/verdict_asserts.py)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", [
    check.chapter7.far_query, check.chapter7.clustered_data, check.chapter8.points_on_a_plane, check.chapter8.selection_leak,
    check.chapter9.candidate_chances, check.chapter9.tuned_lsh, check.chapter9.catalogue_memory, check.chapter10.fit_against_predict,
])  # fmt: skip
def test_an_unanswered_exercise_costs_nothing_and_strict_mode_raises(exercise):
    n_answers = 2 if exercise in (check.chapter8.selection_leak, check.chapter9.candidate_chances) else 1
    verdict = exercise(*[...] * n_answers)
    assert not verdict and not verdict.answered and "no answer yet" in str(verdict)
    with pytest.raises(AssertionError, match="not yet"):
        exercise(*["a string"] * n_answers, strict=True)


def test_the_chapters_are_registered():
    assert {"chapter7", "chapter8", "chapter9", "chapter10"} <= set(check.CHAPTERS)


# ---------------------------------------------------------------------------
# Chapter 7
# ---------------------------------------------------------------------------


def _far_query_count_from_geometry():
    """The far query (30, 30) measures exactly one leaf: the one whose cell holds it.

    After that leaf, the 3rd-nearest distance r must be smaller than the
    distance from the query to the bounding box of every other leaf's points
    (the chapter's k-d tree prunes with these boxes), so no other leaf can
    hold a closer point and none is opened.
    """
    tree = speed.demo_tree("kd")
    query = np.array([30.0, 30.0])
    leaves = [node for node in tree.nodes if not node.children]
    home = [leaf for leaf in leaves if np.all(leaf.cell_lo <= query) and np.all(query <= leaf.cell_hi)]
    assert len(home) == 1
    home_points = tree.data[home[0].point_indices]
    r = np.sort(np.sqrt(((home_points - query) ** 2).sum(axis=1)))[2]
    for leaf in leaves:
        if leaf is not home[0]:
            gap = np.maximum(leaf.lo - query, 0) + np.maximum(query - leaf.hi, 0)
            assert np.sqrt((gap**2).sum()) > r
    return len(home_points)


def test_chapter7_far_query():
    expected = _far_query_count_from_geometry()
    assert_right(check.chapter7.far_query(expected))
    assert_right(check.chapter7.far_query(np.int64(expected)))
    assert_right(check.chapter7.far_query(float(expected)))
    assert_not_yet(check.chapter7.far_query(100), "plain scan")
    assert_not_yet(check.chapter7.far_query(3), "keeps")
    assert_not_yet(check.chapter7.far_query(18), "star")
    assert_not_yet(check.chapter7.far_query(expected + 30), "too high")
    assert_not_yet(check.chapter7.far_query(expected + 0.5), "whole number")
    assert_not_yet(check.chapter7.far_query("7"), "quotes")


@pytest.fixture(scope="module")
def clustered_share():
    centres = np.random.default_rng(0).uniform(-10, 10, size=(20, 16))
    X_blobs, _ = make_blobs(20_000, centers=centres, random_state=1)
    Q_blobs, _ = make_blobs(200, centers=centres, random_state=2)
    tree = KDTree(X_blobs)
    distances, _ = tree.query(Q_blobs, k=5)
    # The counter is only trusted with the answer it came with: exact, like SciPy's.
    assert np.array_equal(distances, np.sort(cdist(Q_blobs, X_blobs), axis=1)[:, :5])
    share = tree.last_stats.n_distance_evaluations.mean() / len(X_blobs)
    assert 5 / 20_000 < share < 0.1  # "a few percent", as the chapter says
    return share


def test_chapter7_clustered_data(clustered_share):
    assert_right(check.chapter7.clustered_data(clustered_share))
    assert_right(check.chapter7.clustered_data(round(clustered_share, 3)))
    assert_not_yet(check.chapter7.clustered_data(clustered_share * 20_000), "Divide", expected=[clustered_share])
    assert_not_yet(check.chapter7.clustered_data(clustered_share * 100), "percentage", expected=[clustered_share])
    assert_not_yet(check.chapter7.clustered_data(0.9), "too high", expected=[clustered_share])
    assert_not_yet(check.chapter7.clustered_data(clustered_share / 3), "too low", expected=[clustered_share])
    assert_not_yet(check.chapter7.clustered_data(-0.1), "between 0 and 1")


# ---------------------------------------------------------------------------
# Chapter 8
# ---------------------------------------------------------------------------


def test_chapter8_points_on_a_plane():
    rng = np.random.default_rng(0)
    plane = rng.standard_normal((2, 1000))
    on_plane = rng.random((1001, 2)) @ plane
    distances = cdist(on_plane[:1], on_plane[1:])[0]
    expected = (distances.max() - distances.min()) / distances.min()
    assert expected > 50  # about a hundred, like the 2-D contrast, as the solution says
    assert_right(check.chapter8.points_on_a_plane(expected))
    assert_right(check.chapter8.points_on_a_plane(float(f"{expected:.3g}")))
    random_1000d = cdist(rng.random((1, 1000)), rng.random((1000, 1000)))[0]
    contrast_1000d = (random_1000d.max() - random_1000d.min()) / random_1000d.min()
    assert_not_yet(check.chapter8.points_on_a_plane(contrast_1000d), "1000 dimensions", expected=[expected])
    assert_not_yet(check.chapter8.points_on_a_plane(expected * 1.5), "too high", expected=[expected])
    assert_not_yet(check.chapter8.points_on_a_plane([expected, expected]), "one number")


@pytest.fixture(scope="module")
def leak_accuracies():
    """The two estimates with scikit-learn's own KNN in place of knnlib's."""
    X, y, _ = dimensions.load_wine_data()
    y_shuffled = np.random.default_rng(1).permutation(y)
    X_noisy = np.hstack([X, np.random.default_rng(0).standard_normal((len(X), 500))])
    assert np.array_equal(X_noisy, dimensions.add_noise_features(X, 500))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    inside = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=10), KNeighborsClassifier(5))
    honest = cross_val_score(inside, X_noisy, y_shuffled, cv=cv).mean()
    X_chosen = SelectKBest(f_classif, k=10).fit_transform(X_noisy, y_shuffled)
    leaky = cross_val_score(make_pipeline(StandardScaler(), KNeighborsClassifier(5)), X_chosen, y_shuffled, cv=cv).mean()
    assert honest < 0.5 < leaky  # chance is about 0.4: the leak is what makes the second look good
    return honest, leaky


def test_chapter8_selection_leak(leak_accuracies):
    honest, leaky = leak_accuracies
    assert_right(check.chapter8.selection_leak(honest, leaky))
    assert_right(check.chapter8.selection_leak(round(honest, 3), round(leaky, 3)))
    assert_not_yet(check.chapter8.selection_leak(leaky, honest), "swapped", expected=[honest, leaky])
    assert_not_yet(check.chapter8.selection_leak(honest, leaky - 0.1), "honest_accuracy is right", expected=[leaky])
    assert_not_yet(check.chapter8.selection_leak(honest + 0.2, leaky), "leaky_accuracy is right", expected=[honest])
    assert_not_yet(check.chapter8.selection_leak(40, 70), "between 0 and 1")
    assert_not_yet(check.chapter8.selection_leak(0.96, 0.96), "Both", expected=[honest, leaky])


# ---------------------------------------------------------------------------
# Chapter 9
# ---------------------------------------------------------------------------


def test_chapter9_candidate_chances_by_hand():
    near = 1 - (1 - 0.95**44) ** 32
    far = 1 - (1 - 0.7**44) ** 32
    assert 0.96 < near < 0.98 and far < 1e-5  # the solution's hand estimates
    assert_right(check.chapter9.candidate_chances(near, far))
    assert_right(check.chapter9.candidate_chances(0.971, float(f"{far:.3g}")))
    assert_not_yet(check.chapter9.candidate_chances(far, near), "swapped", expected=[near])
    assert_not_yet(check.chapter9.candidate_chances(0.95**44, far), "one table", expected=[near])
    assert_not_yet(check.chapter9.candidate_chances((1 - 0.95**44) ** 32, far), "1 minus", expected=[near])
    assert_not_yet(check.chapter9.candidate_chances(1 - (1 - 0.95**32) ** 44, far), "swaps bits and tables", expected=[near])
    assert_not_yet(check.chapter9.candidate_chances(near, 0.5), "far_probability", expected=[near])


@pytest.fixture(scope="module")
def benchmark():
    data = approximate.embedding_like_data(100_000, n_queries=500, seed=0)
    true = NearestNeighbors(n_neighbors=10, algorithm="brute").fit(data.X).kneighbors(data.Q)[1]
    return data, true


def _recall(found, true):
    return np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, true)])


def test_chapter9_tuned_lsh(benchmark):
    data, true = benchmark
    tuned = LSHIndex(data.X, n_tables=64, n_bits=48, seed=0)
    found = tuned.query(data.Q, k=10)[1]
    assert _recall(found, true) >= 0.95 and tuned.last_stats.n_candidates.mean() < 600
    assert_right(check.chapter9.tuned_lsh(tuned))

    few_tables = LSHIndex(data.X, n_tables=4, n_bits=44, seed=0)
    assert _recall(few_tables.query(data.Q, k=10)[1], true) < 0.95
    assert_not_yet(check.chapter9.tuned_lsh(few_tables), "More tables")
    big_buckets = LSHIndex(data.X, n_tables=8, n_bits=8, seed=0)
    big_buckets.query(data.Q, k=10)
    assert big_buckets.last_stats.n_candidates.mean() >= 600
    assert_not_yet(check.chapter9.tuned_lsh(big_buckets), "candidates")
    assert_not_yet(check.chapter9.tuned_lsh(LSHIndex(data.X[:1000], n_tables=2, n_bits=8)), "data.X")
    assert_not_yet(check.chapter9.tuned_lsh((48, 64)), "Expected an LSHIndex")


def test_chapter9_catalogue_memory_by_hand():
    expected = 10**8 * 128 * 4  # 51.2 GB
    assert_right(check.chapter9.catalogue_memory(expected))
    assert_right(check.chapter9.catalogue_memory(5.12e10))
    assert_not_yet(check.chapter9.catalogue_memory(51.2), "gigabytes", expected=[expected])
    assert_not_yet(check.chapter9.catalogue_memory(expected * 2), "float64", expected=[expected])
    assert_not_yet(check.chapter9.catalogue_memory(expected * 8), "bits", expected=[expected])
    assert_not_yet(check.chapter9.catalogue_memory(10**8 * 128), "numbers, not bytes", expected=[expected])
    assert_not_yet(check.chapter9.catalogue_memory(10**8 * 4), "too low", expected=[expected])


# ---------------------------------------------------------------------------
# Chapter 10
# ---------------------------------------------------------------------------


def test_chapter10_fit_against_predict():
    n = 200_000
    assert_right(check.chapter10.fit_against_predict(n * n))
    assert_right(check.chapter10.fit_against_predict(4e10))
    assert_right(check.chapter10.fit_against_predict(n * (n - 1)))  # leaving each point itself out
    assert_not_yet(check.chapter10.fit_against_predict(n), "one prediction", expected=[n * n])
    assert_not_yet(check.chapter10.fit_against_predict(2000 * n), "2000 timed", expected=[n * n])
    assert_not_yet(check.chapter10.fit_against_predict(n * n // 2), "each pair once", expected=[n * n])
    assert_not_yet(check.chapter10.fit_against_predict(n * n * 16), "too high", expected=[n * n])


# ---------------------------------------------------------------------------
# The notebooks' side (the conventions tests/test_check.py checks for chapters 1-6)
# ---------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = (7, 8, 9, 10)


def _cells(chapter):
    (path,) = (REPO_ROOT / "notebooks").glob(f"{chapter:02d}_*.ipynb")
    return nbformat.read(path, as_version=4).cells


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_first_cell_is_the_install_cell_of_every_chapter(chapter):
    first, reference = _cells(chapter)[0], _cells_of_chapter_2()[0]
    assert first.metadata.get("tags") == ["remove-input"]
    # The same cell as chapter 2 (tested there), with at most extra packages on the pip line.
    reference_lines, lines = reference.source.splitlines(), first.source.splitlines()
    assert len(lines) == len(reference_lines)
    for line, reference_line in zip(lines, reference_lines):
        assert line == reference_line or ("%pip install" in line and line.startswith(reference_line))


def _cells_of_chapter_2():
    return nbformat.read(REPO_ROOT / "notebooks" / "02_workflow.ipynb", as_version=4).cells


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_checker_has_its_exercise_an_answer_cell_and_a_strict_solution(chapter):
    cells = _cells(chapter)
    module = getattr(check, f"chapter{chapter}")
    titles, answer_calls, strict_calls, current = {}, {}, {}, None
    for cell in cells:
        title = re.match(r":::\{exercise\} (.+)\n:label: (\S+)", cell.source)
        if cell.cell_type == "markdown" and title:
            titles[title.group(2)] = title.group(1)
        label = re.match(r":::\{(?:exercise\}.*\n:label:|solution(?:-start)?\}) (\S+)", cell.source)
        if cell.cell_type == "markdown" and label:
            current = label.group(1)
        if cell.cell_type == "code":
            for module_name, name, arguments in re.findall(r"check\.(chapter\d+)\.(\w+)\((.*)\)", cell.source):
                assert module_name == f"chapter{chapter}", cell.source
                (strict_calls if "strict=True" in arguments else answer_calls).setdefault(name, set()).add(current)
    assert 3 <= len(titles) <= 6
    for name in module.__all__:
        assert name in answer_calls, f"chapter {chapter}: no answer cell calls {name}"
        (label,) = answer_calls[name]
        assert titles[label] == getattr(module, name).exercise
        assert strict_calls.get(name) == {label}, f"chapter {chapter}: {name} has no strict solution"
    assert set(answer_calls) | set(strict_calls) <= set(module.__all__)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_code_is_a_hidden_code_cell_never_markdown(chapter):
    assert_solutions_are_hidden_code_cells(_cells(chapter), f"chapter {chapter}")
