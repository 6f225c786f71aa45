"""Checkers for chapter 8 (being written)."""

__all__ = []
