"""Placeholder: being written."""
from .base import NeighborsIndex


class BruteForce(NeighborsIndex):
    pass
