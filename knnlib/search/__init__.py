"""Nearest-neighbour search indexes with one interface (see :mod:`knnlib.search.base`)."""

from .balltree import BallTree
from .base import NeighborsIndex, QueryStats
from .brute import BruteForce
from .kdtree import KDTree

__all__ = ["BallTree", "BruteForce", "KDTree", "NeighborsIndex", "QueryStats"]
