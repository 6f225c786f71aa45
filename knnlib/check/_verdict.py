"""What every checker shares: the verdict, reading a student's answer, how far off it is.

A checker never raises at a student. Whatever it is given (a number, a
list, a string, the ``...`` of an unanswered exercise), it returns a
:class:`Verdict`: right, or what is wrong, in words that do not give the
expected answer away. Reading the answer is therefore done by small
functions that raise :class:`NotYet` with a friendly message, and the
:func:`checker` decorator turns that into a verdict.

Examples
--------
>>> @checker("The answer")
... def the_answer(answer):
...     value = read_number(answer, "answer")
...     if value == 42:
...         return "The answer to everything."
...     raise NotYet(f"That number is {how_far(value, 42)}.")
>>> the_answer(...)
The answer: no answer yet. Replace the ... with your answer and run the cell again.
>>> the_answer(42)
The answer: right! The answer to everything.
>>> the_answer("42")
The answer: not yet. Expected a number, got a string ('42'): leave out the quotes.
>>> bool(the_answer(41))
False
>>> the_answer(41, strict=True)
Traceback (most recent call last):
...
AssertionError: The answer: not yet. That number is too low by a few percent.
"""

from __future__ import annotations

import functools
import math
import textwrap
import numbers

import numpy as np

__all__ = [
    "NotYet",
    "Verdict",
    "checker",
    "how_far",
    "is_close",
    "read_array",
    "read_int",
    "read_number",
    "read_text",
    "ROUNDED_SHARE",
    "size_of",
]


#: Verdicts are wrapped to lines of at most this many characters.
LINE_WIDTH = 72


class NotYet(Exception):
    """Raised inside a checker to say what is wrong with an answer (becomes a verdict)."""


class Verdict:
    """A checker's reply: right or not, and a message for the student.

    Displays as one line of text (in a notebook: under the cell), and is
    true exactly when the answer is right, so ``assert check.chapter2.manhattan_neighbours(answer)``
    works in tests and in solution cells.

    Parameters
    ----------
    exercise : str
        The exercise's title, for example ``"Manhattan neighbours"``.
    correct : bool
    message : str
        What is right, or what is wrong and a hint. Never the expected answer.
    answered : bool, default True
        False when the student has not answered yet (the ``...`` placeholder).

    Examples
    --------
    >>> verdict = Verdict("The bill of a redraw", True, "One distance per cell and point.")
    >>> verdict
    The bill of a redraw: right! One distance per cell and point.
    >>> bool(verdict), verdict.correct
    (True, True)
    """

    def __init__(self, exercise, correct, message, *, answered=True):
        self.exercise = exercise
        self.correct = bool(correct)
        self.answered = bool(answered)
        self.message = message

    def __bool__(self):
        return self.correct

    def __str__(self):
        if not self.answered:
            status = "no answer yet."
        elif self.correct:
            status = "right!"
        else:
            status = "not yet."
        # Wrapped, so the verdict reads without scrolling in a notebook and in the book's column.
        return textwrap.fill(f"{self.exercise}: {status} {self.message}", width=LINE_WIDTH,
                             break_long_words=False, break_on_hyphens=False)

    __repr__ = __str__


_NO_ANSWER = "Replace the ... with your answer and run the cell again."


def _is_missing(value):
    return value is Ellipsis or value is None


def checker(exercise):
    """Decorate a checker: missing answers and :class:`NotYet` become verdicts.

    The decorated function receives the student's answers and returns the
    message of a right answer, or raises :class:`NotYet` with what is wrong.
    If any answer is still the ``...`` placeholder (or ``None``), the
    checker is not run at all, so an unanswered exercise costs nothing.

    The decorated checker also takes ``strict=True``: then anything but a
    right answer raises ``AssertionError`` with the verdict. The book's own
    solution cells use it, so a solution that drifts from its checker stops
    the build instead of showing "not yet" in the book.

    Parameters
    ----------
    exercise : str
        The exercise's name as the student sees it in the verdict.
    """

    def decorate(function):
        @functools.wraps(function)
        def check(*answers, strict=False, **named_answers):
            verdict = _verdict(answers, named_answers)
            if strict and not verdict:
                raise AssertionError(str(verdict))
            return verdict

        def _verdict(answers, named_answers):
            if any(_is_missing(a) for a in (*answers, *named_answers.values())):
                return Verdict(exercise, False, _NO_ANSWER, answered=False)
            try:
                message = function(*answers, **named_answers)
            except NotYet as wrong:
                return Verdict(exercise, False, str(wrong))
            return Verdict(exercise, True, message)

        check.exercise = exercise
        return check

    return decorate


# ---------------------------------------------------------------------------
# Reading answers
# ---------------------------------------------------------------------------


def _kind(value):
    """A short, answer-free description of what a value is, for messages."""
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:17] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict):
        return "a dict"
    return f"a {type(value).__name__}"


def read_number(value, name):
    """Return ``value`` as a finite float, or raise :class:`NotYet` saying what it is instead.

    Accepts Python and NumPy numbers and arrays holding a single number.

    Examples
    --------
    >>> read_number(np.float64(0.5), "accuracy"), read_number(np.array([3]), "k")
    (0.5, 3.0)
    >>> read_number([0.5, 0.7], "accuracy")
    Traceback (most recent call last):
    ...
    knnlib.check._verdict.NotYet: Expected one number for accuracy, got a list of 2 items.
    """
    if isinstance(value, str):
        raise NotYet(f"Expected a number, got {_kind(value)}: leave out the quotes.")
    if isinstance(value, (bool, np.bool_)):
        raise NotYet(f"Expected a number for {name}, got True or False.")
    if isinstance(value, numbers.Real):
        number = float(value)
    else:
        array = np.asarray(value) if isinstance(value, (list, tuple, np.ndarray)) else None
        if array is None or array.size != 1 or not np.issubdtype(array.dtype, np.number):
            raise NotYet(f"Expected one number for {name}, got {_kind(value)}.")
        number = float(array.reshape(()))
    if not math.isfinite(number):
        raise NotYet(f"{name} is {number}: expected a finite number.")
    return number


def read_int(value, name):
    """Return ``value`` as an int (whole floats such as ``7.0`` are fine), or raise :class:`NotYet`.

    Examples
    --------
    >>> read_int(np.int64(7), "k"), read_int(7.0, "k")
    (7, 7)
    >>> read_int(7.5, "k")
    Traceback (most recent call last):
    ...
    knnlib.check._verdict.NotYet: Expected a whole number for k, got 7.5.
    """
    number = read_number(value, name)
    if number != int(number):
        raise NotYet(f"Expected a whole number for {name}, got {number}.")
    return int(number)


def size_of(value):
    """The number of items in ``value`` as an array, or None if it is not array-like.

    Examples
    --------
    >>> size_of([[1, 2], [3, 4]]), size_of("text"), size_of([[1], [2, 3]])
    (4, None, None)
    """
    if not isinstance(value, (list, tuple, np.ndarray)):
        return None
    try:
        return int(np.asarray(value).size)
    except ValueError:  # ragged lists
        return None


def read_text(value, name):
    """Return ``value`` as a string, or raise :class:`NotYet`."""
    if not isinstance(value, str):
        raise NotYet(f"Expected a string (in quotes) for {name}, got {_kind(value)}.")
    return value


def read_array(value, name, shape, *, what):
    """Return ``value`` as a numeric array of exactly ``shape``, or raise :class:`NotYet`.

    Parameters
    ----------
    value : array-like
    name : str
    shape : tuple of int
        The expected shape (given in the exercise, so saying it leaks nothing).
    what : str
        What the rows and columns are, for the message, e.g.
        ``"one row per query, one column per neighbour"``.

    Examples
    --------
    >>> read_array([[1, 2, 3]], "neighbours", (1, 3), what="one row, three columns").shape
    (1, 3)
    >>> read_array([[1], [2], [3]], "neighbours", (1, 3), what="one row, three columns")
    Traceback (most recent call last):
    ...
    knnlib.check._verdict.NotYet: Expected neighbours of shape (1, 3) (one row, three columns), got shape (3, 1): rows and columns swapped? Try neighbours.T.
    """
    if isinstance(value, (str, bytes, dict, set)) or np.isscalar(value):
        raise NotYet(f"Expected an array of shape {shape} for {name}, got {_kind(value)}.")
    try:
        array = np.asarray(value)
    except ValueError:
        raise NotYet(f"{name} could not be turned into an array: are its rows of different lengths?") from None
    if array.dtype == object:  # e.g. Python ints too large for int64
        try:
            array = array.astype(float)
        except (TypeError, ValueError, OverflowError):
            raise NotYet(f"Expected numbers in {name}, got values of type "
                         f"{sorted({type(v).__name__ for v in array.ravel()[:50]})}.") from None
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise NotYet(f"Expected numbers in {name}, got an array of {array.dtype} values.")
    if array.shape != tuple(shape):
        hint = ""
        if array.ndim == 2 and array.shape[::-1] == tuple(shape):
            hint = f": rows and columns swapped? Try {name}.T"
        raise NotYet(f"Expected {name} of shape {tuple(shape)} ({what}), got shape {array.shape}{hint}.")
    return array


# ---------------------------------------------------------------------------
# Comparing numbers without giving the answer away
# ---------------------------------------------------------------------------


#: Accuracies and error rates typed with three decimals (0.781) count as right.
ROUNDED_SHARE = 5e-4


def is_close(value, expected, *, rel=1e-9, abs=1e-12):
    """Whether two numbers agree up to rounding (``math.isclose`` with small default tolerances).

    Examples
    --------
    >>> is_close(0.1 + 0.2, 0.3), is_close(0.781, 0.78069, abs=ROUNDED_SHARE)
    (True, True)
    """
    return math.isclose(value, expected, rel_tol=rel, abs_tol=abs)


def how_far(value, expected):
    """Say, coarsely, how far ``value`` is from ``expected`` without giving ``expected`` away.

    Direction plus a rough size: "a little too high (within 1 %)", "too low
    by more than 10 %", "too high by roughly a factor of 1000". A factor is
    only named when it is a power of ten (a units mistake), and then only to
    the nearest power, so the expected value cannot be read back exactly.

    Examples
    --------
    >>> how_far(101.0, 100.0)
    'a little too high (within 1 %)'
    >>> how_far(0.05, 100.0)
    'too low by roughly a factor of 1000'
    >>> how_far(-3.0, 3.0)
    'of the wrong sign'
    """
    if expected == 0:
        return "too high" if value > 0 else "too low"
    if value == 0 or (value > 0) != (expected > 0):
        return "of the wrong sign"
    ratio = value / expected
    direction = "high" if ratio > 1 else "low"
    spread = max(ratio, 1 / ratio)
    if spread <= 1.01:
        return f"a little too {direction} (within 1 %)"
    if spread <= 1.1:
        return f"too {direction} by a few percent"
    if spread < 5:
        return f"too {direction} by more than 10 %"
    power = round(math.log10(spread))
    return f"too {direction} by roughly a factor of {10 ** power}"
