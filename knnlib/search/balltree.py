"""Placeholder: being written."""
from .base import NeighborsIndex


class BallTree(NeighborsIndex):
    pass
