"""Checkers for chapter 9, *At scale: approximate neighbours*.

* :func:`candidate_chances`: the chance of becoming an LSH candidate with 44 bits
  and 32 tables, for a near point (p = 0.95) and a farther one (p = 0.7);
* :func:`tuned_lsh`: an ``LSHIndex`` on the benchmark data with recall@10
  of at least 0.95 and fewer than 600 candidates per query;
* :func:`catalogue_memory`: the memory of 100 million 128-number embeddings.

The expected probabilities follow the formula :math:`1 - (1 - p^B)^T`; the
recall of a student's index is measured against knnlib's exact scan on the
chapter's benchmark data.

Examples
--------
>>> from knnlib import check
>>> check.chapter9.catalogue_memory(51.2)
A catalogue's memory: not yet. That looks like gigabytes. Give the memory in bytes (a GB is 10**9 bytes).
"""

from __future__ import annotations

import functools

import numpy as np

from ..ann import LSHIndex, recall_at_k
from ..search import BruteForce
from ._verdict import NotYet, checker, how_far, is_close, read_number

__all__ = ["candidate_chances", "tuned_lsh", "catalogue_memory"]

#: *Candidate chances*: the LSH setting and the two per-hyperplane probabilities.
N_BITS, N_TABLES = 44, 32
P_NEAR, P_FAR = 0.95, 0.7

#: *A tuned LSH index*: the benchmark data and the targets.
N_SAMPLES, N_QUERIES, K = 100_000, 500, 10
MIN_RECALL, MAX_CANDIDATES = 0.95, 600

#: *A catalogue's memory*: the catalogue.
N_SONGS, N_DIMENSIONS, BYTES_PER_NUMBER = 100_000_000, 128, 4


def _candidate_chance(p):
    return 1.0 - (1.0 - p**N_BITS) ** N_TABLES


def _probabilities_message(value, expected, name, p):
    if is_close(value, p**N_BITS, rel=1e-6):
        return (f"{name} is the chance that one table puts the point in the query's bucket. "
                f"With {N_TABLES} tables, it is a candidate unless every table misses it.")
    if is_close(value, (1.0 - p**N_BITS) ** N_TABLES, rel=1e-6):
        return f"{name} is the chance that every table misses the point: take 1 minus it."
    if is_close(value, p**N_TABLES, rel=1e-6) or is_close(value, _swapped_chance(p), rel=1e-6):
        return f"{name} swaps bits and tables: all bits of one table must agree (p ** n_bits)."
    return f"{name} is {how_far(value, expected)}. Use 1 - (1 - p ** n_bits) ** n_tables."


def _swapped_chance(p):
    return 1.0 - (1.0 - p**N_TABLES) ** N_BITS


@checker("Candidate chances")
def candidate_chances(near_probability, far_probability):
    """Candidate chances with 44 bits and 32 tables, for p = 0.95 and p = 0.7.

    Parameters
    ----------
    near_probability, far_probability : float
        Three significant digits are enough.

    Returns
    -------
    Verdict
    """
    near = read_number(near_probability, "near_probability")
    far = read_number(far_probability, "far_probability")
    expected_near, expected_far = _candidate_chance(P_NEAR), _candidate_chance(P_FAR)
    right_near = is_close(near, expected_near, rel=5e-3)
    right_far = is_close(far, expected_far, rel=5e-3)
    if right_near and right_far:
        return ("A near point almost always becomes a candidate, a farther one almost never: "
                "bits and tables turn a gentle difference in p into a sharp switch.")
    if is_close(near, expected_far, rel=5e-3) and is_close(far, expected_near, rel=5e-3):
        raise NotYet("The two are swapped: the near point is the one with p = 0.95.")
    problems = []
    if not right_near:
        problems.append(_probabilities_message(near, expected_near, "near_probability", P_NEAR))
    if not right_far:
        problems.append(_probabilities_message(far, expected_far, "far_probability", P_FAR))
    raise NotYet(" ".join(problems))


@functools.cache
def _benchmark():
    from ..figures import approximate

    data = approximate.embedding_like_data(N_SAMPLES, n_queries=N_QUERIES, seed=0)
    _, true_indices = BruteForce(data.X).query(data.Q, k=K)
    return data, true_indices


@checker("A tuned LSH index")
def tuned_lsh(lsh_index):
    """An LSH index on ``data.X`` with recall@10 >= 0.95 and < 600 candidates per query.

    Parameters
    ----------
    lsh_index : LSHIndex
        Built on the benchmark's stored vectors ``data.X``. The checker
        queries it with ``data.Q`` itself.

    Returns
    -------
    Verdict
    """
    if not isinstance(lsh_index, LSHIndex):
        raise NotYet(f"Expected an LSHIndex (LSHIndex(data.X, n_tables=..., n_bits=...)), "
                     f"got a {type(lsh_index).__name__}.")
    data, true_indices = _benchmark()
    if lsh_index.data.shape != data.X.shape or not np.array_equal(lsh_index.data, data.X):
        raise NotYet("That index was not built on the benchmark's stored vectors data.X.")
    found = lsh_index.query(data.Q, k=K)[1]
    recall = recall_at_k(found, true_indices)
    candidates = float(lsh_index.last_stats.n_candidates.mean())
    setting = f"{lsh_index.n_bits} bits x {lsh_index.n_tables} tables"
    if recall >= MIN_RECALL and candidates < MAX_CANDIDATES:
        return (f"{setting}: recall@10 {recall:.3f} with {candidates:.0f} candidates per query, "
                f"out of {N_SAMPLES:,} vectors.")
    if recall < MIN_RECALL and candidates >= MAX_CANDIDATES:
        raise NotYet(f"{setting}: recall@10 {recall:.3f} and {candidates:.0f} candidates per query, "
                     "both off target. Try more bits and many more tables.")
    if recall < MIN_RECALL:
        raise NotYet(f"{setting}: recall@10 is {recall:.3f}, below {MIN_RECALL}. More tables win "
                     "neighbours back (at the price of more candidates).")
    raise NotYet(f"{setting}: recall@10 {recall:.3f} is fine, but {candidates:.0f} candidates per query "
                 f"is not below {MAX_CANDIDATES}. More bits make each bucket smaller.")


@checker("A catalogue's memory")
def catalogue_memory(memory_bytes):
    """The bytes taken by 100 million 128-number embeddings of 32-bit floats.

    Parameters
    ----------
    memory_bytes : int or float

    Returns
    -------
    Verdict
    """
    value = read_number(memory_bytes, "memory_bytes")
    expected = N_SONGS * N_DIMENSIONS * BYTES_PER_NUMBER
    if is_close(value, expected, rel=1e-3):
        return "Tens of gigabytes for the vectors alone, before any index."
    if is_close(value, expected / 1e9, rel=1e-3) or is_close(value, expected / 2**30, rel=1e-2):
        raise NotYet("That looks like gigabytes. Give the memory in bytes (a GB is 10**9 bytes).")
    if is_close(value, expected * 8, rel=1e-3):
        raise NotYet("That counts bits. A byte holds 8 bits, and a 32-bit float takes 4 bytes.")
    if is_close(value, expected * 2, rel=1e-3):
        raise NotYet("That is 8 bytes per number, NumPy's default float64. The catalogue stores 32-bit floats.")
    if is_close(value, expected / BYTES_PER_NUMBER, rel=1e-3):
        raise NotYet("That counts numbers, not bytes: each 32-bit float takes 4 bytes.")
    raise NotYet(f"That is {how_far(value, expected)}. Multiply the songs, the numbers per song and "
                 "the bytes per number.")
