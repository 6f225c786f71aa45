"""Checkers for chapter 9 (being written)."""

__all__ = []
