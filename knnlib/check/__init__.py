"""Answer checkers for the book's coding exercises, one module per chapter.

In a notebook::

    from knnlib import check

    my_neighbours = ...                                  # your answer
    check.chapter2.manhattan_neighbours(my_neighbours)   # right, or what is wrong

A checker is named after its exercise's title (``:::{exercise} Manhattan
neighbours`` in the notebook), and its verdict starts with that title. Not
after the exercise's number: the book numbers exercises across all chapters
(chapter 2's third exercise is "Exercise 7"), so a number in the name would
not match the page.

Every checker computes the expected answer itself, with knnlib and
scikit-learn, from the same data as the chapter, and replies with a
:class:`~knnlib.check._verdict.Verdict`: *right*, or *not yet* and what is
wrong (the type, the shape, the direction and rough size of the error, a
common mistake it recognises), never the answer itself. A verdict is true
when the answer is right. An exercise still holding the ``...`` placeholder
gets *no answer yet*, at no cost.

``check.chapter1`` to ``check.chapter10`` are imported the first time they
are used, so a chapter only loads the data and libraries its own checkers
need.

Examples
--------
>>> from knnlib import check
>>> check.chapter1.redraw_bill(..., ...)
The bill of a redraw: no answer yet. Replace the ... with your answer and run the cell again.
>>> check.CHAPTERS[:3]
('chapter1', 'chapter2', 'chapter3')
"""

from __future__ import annotations

import importlib

from ._verdict import Verdict

#: The chapters that have checkers (submodules of this package).
CHAPTERS = ("chapter1", "chapter2", "chapter3", "chapter4", "chapter5", "chapter6",
            "chapter7", "chapter8", "chapter9", "chapter10")

__all__ = ["CHAPTERS", "Verdict", *CHAPTERS]


def __getattr__(name):
    # Import check.chapterN on first use (PEP 562): loading every chapter's
    # data and libraries for one exercise would make `from knnlib import check` slow.
    if name in CHAPTERS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}; the chapters are {', '.join(CHAPTERS)}")


def __dir__():
    return sorted([*globals(), *CHAPTERS])
