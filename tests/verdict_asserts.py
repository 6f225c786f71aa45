"""Assertions shared by the checker tests (tests/test_check*.py).

A checker's verdict must say *right* for a right answer and *not yet* for a
wrong one, name what is wrong, and never give the expected answer away in any
of the ways a number could be written. A chapter's solutions must be real,
hidden code cells (one source for the notebook and the book), never code
copied into markdown.
"""

from __future__ import annotations

from knnlib.check._verdict import Verdict

__all__ = ["assert_no_leak", "assert_not_yet", "assert_right", "assert_solutions_are_hidden_code_cells", "flat"]


def _spellings(value):
    """Ways an expected number could appear in a message (long enough not to match by chance)."""
    value = float(value)
    spellings = set()
    if value == int(value) and abs(value) >= 10:
        spellings |= {str(int(value)), f"{int(value):,}", f"{value:.3g}", f"{value:.2e}"}
    elif value != int(value):
        spellings |= {f"{value:.{digits}f}" for digits in (2, 3, 4)}
        if 0 < value < 1:
            spellings |= {f"{100 * value:.1f}", f"{100 * value:.2f}"}
    return {s for s in spellings if len(s.replace(".", "").replace(",", "").lstrip("0")) >= 2}


def flat(verdict):
    """The verdict as one line (it is wrapped for reading)."""
    return " ".join(str(verdict).split())


def assert_no_leak(verdict, *expected_values):
    text = flat(verdict)
    for value in expected_values:
        for spelling in _spellings(value):
            assert spelling not in text, f"verdict {text!r} gives away {value!r} (as {spelling!r})"


def assert_right(verdict):
    assert isinstance(verdict, Verdict)
    assert verdict.correct and verdict.answered and bool(verdict), str(verdict)
    assert ": right! " in flat(verdict)


def assert_not_yet(verdict, *phrases, expected=()):
    """A wrong answer: 'not yet', each phrase in the message, and no expected value in it."""
    assert isinstance(verdict, Verdict)
    assert not verdict and verdict.answered, str(verdict)
    assert ": not yet. " in flat(verdict)
    for phrase in phrases:
        assert phrase in verdict.message, f"{phrase!r} not in {verdict.message!r}"
    assert_no_leak(verdict, *expected)


def assert_solutions_are_hidden_code_cells(cells, where):
    """No solution code in markdown; every gated solution is closed around >= 1 hidden code cell."""
    opened = None
    for cell in cells:
        if cell.cell_type == "markdown" and ":::{solution" in cell.source:
            assert "```python" not in cell.source, f"{where}: solution code in markdown:\n{cell.source}"
        if cell.cell_type == "markdown" and ":::{solution-start}" in cell.source:
            assert opened is None, f"{where}: a solution opens inside another"
            opened, n_code = cell.source, 0
        elif cell.cell_type == "code" and opened is not None:
            n_code += 1
            assert cell.metadata.get("jupyter", {}).get("source_hidden"), cell.source
        if cell.cell_type == "markdown" and ":::{solution-end}" in cell.source:
            assert opened is not None and n_code >= 1, f"{where}: empty or unopened solution"
            opened = None
    assert opened is None, f"{where}: a solution is never closed"
