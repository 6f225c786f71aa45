"""knnlib: a small, readable, exact k-nearest-neighbours library for teaching.

The engine of *knnbook*. Layers, each importing only the ones before it::

    metrics  <-  search (BruteForce, KDTree, BallTree)  <-  vote, estimators
             <-  plotting  <-  widgets

Examples
--------
>>> import knnlib
>>> index = knnlib.BruteForce([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
>>> dist, ind = index.query([[0.9, 0.0]], k=2)
>>> ind
array([[1, 0]])
"""

from . import datasets, metrics
from .estimators import KNNClassifier, KNNRegressor
from .metrics import pairwise_distances
from .search import BallTree, BruteForce, KDTree

__version__ = "0.1.0"

__all__ = [
    "BallTree",
    "BruteForce",
    "KDTree",
    "KNNClassifier",
    "KNNRegressor",
    "datasets",
    "metrics",
    "pairwise_distances",
]
