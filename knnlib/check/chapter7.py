"""Checkers for chapter 7 (being written)."""

__all__ = []
