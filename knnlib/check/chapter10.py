"""Checkers for chapter 10 (being written)."""

__all__ = []
