"""Fail loudly when a Jupyter Book build hid a broken notebook.

``jupyter-book build`` can exit 0 although a notebook raised: myst-nb turns
the failure into a warning ("Executing notebook failed: CellExecutionError"),
writes the traceback to ``_build/html/reports/<page>.err.log`` and renders the
page anyway, with the traceback in it. Without ``-W`` the build "succeeds".
This module looks for those traces after the build and exits non-zero, naming
the notebook and the error, if it finds any:

* a file under ``<html>/reports/`` (myst-nb writes one per failed notebook);
* in the build log: myst-nb's execution-failure warnings, nbclient's
  ``CellExecutionError`` / ``CellTimeoutError`` / ``DeadKernelError``, and any
  Sphinx ``WARNING:`` / ``ERROR:`` line (the book builds with ``-W``);
* in the built pages: a rendered traceback in a cell that is not tagged
  ``raises-exception`` (the tag a chapter uses to show an error on purpose).

Usage (``scripts/build-book.sh`` runs it)::

    .venv/bin/python scripts/check_build.py --html _build/html --log _build/build.log
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: Log lines that mean a notebook did not run to the end.
EXECUTION_FAILURE = re.compile(
    r"Executing notebook failed"
    r"|Notebook exception traceback saved in"
    r"|CellExecutionError|CellTimeoutError|DeadKernelError"
)

#: Sphinx's warning/error lines ("path: WARNING: text" or "WARNING: text").
#: The kernel's own "[IPKernelApp] WARNING | ..." chatter does not match.
SPHINX_PROBLEM = re.compile(r"(?:^|: )(?:WARNING|ERROR|CRITICAL|SEVERE): ")

#: Jupyter Book's own failure banners.
JUPYTER_BOOK_FAILURE = re.compile(
    r"There was an error in building your book|returns a non-zero exit code"
)

#: myst-nb's class for a rendered error output.
RENDERED_TRACEBACK = 'class="output traceback'

#: Each code cell of a page starts with a div of class "cell ..." carrying its tags.
CELL_START = re.compile(r'(?=<div class="cell[ "])')
EXPECTED_ERROR_TAG = "tag_raises-exception"

#: Folders of the HTML output that hold no pages of the book.
NOT_PAGES = {"_static", "_sources", "_images", "reports"}


def ansi_free(text: str) -> str:
    """Return ``text`` without terminal colour codes (Sphinx colours its log)."""
    return ANSI_ESCAPE.sub("", text)


def execution_failures_in_log(log_text: str) -> list[str]:
    """Return the log lines that report a notebook execution failure."""
    return [
        line.strip()
        for line in ansi_free(log_text).splitlines()
        if EXECUTION_FAILURE.search(line)
    ]


def build_problems_in_log(log_text: str) -> list[str]:
    """Return Sphinx warning/error lines and Jupyter Book failure banners in the log."""
    return [
        line.strip()
        for line in ansi_free(log_text).splitlines()
        if SPHINX_PROBLEM.search(line) or JUPYTER_BOOK_FAILURE.search(line)
    ]


def failure_reports(html_dir: Path) -> list[Path]:
    """Return myst-nb's execution failure reports under ``html_dir/reports``."""
    reports = html_dir / "reports"
    return sorted(p for p in reports.rglob("*") if p.is_file()) if reports.is_dir() else []


def summarize_report(report: Path) -> str:
    """Return the failing cell's source and the error line from a myst-nb report."""
    text = ansi_free(report.read_text(errors="replace"))
    marker = "An error occurred while executing the following cell:"
    if marker not in text:
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[-1] if lines else "(empty report)"
    cell_and_error = text.split(marker, 1)[1]
    lines = [line.rstrip() for line in cell_and_error.splitlines() if line.strip()]
    # nbclient prints: a dashed rule, the cell source, a dashed rule, the
    # traceback; its last line names the exception.
    rules = [i for i, line in enumerate(lines) if set(line) == {"-"}]
    source = lines[rules[0] + 1 : rules[1]] if len(rules) >= 2 else []
    error = next(
        (line for line in reversed(lines) if re.match(r"^\w+(\.\w+)*(Error|Exception|Interrupt|Exit)\b", line)),
        lines[-1] if lines else "",
    )
    shown_source = " | ".join(source[:3]) + (" | ..." if len(source) > 3 else "")
    return f"{error.strip()}  (in cell: {shown_source})"


def built_pages(html_dir: Path) -> list[Path]:
    """Return the book's HTML pages (not theme assets, sources or reports)."""
    return sorted(
        page
        for page in html_dir.rglob("*.html")
        if not NOT_PAGES.intersection(page.relative_to(html_dir).parts)
    )


def unexpected_tracebacks(page_html: str) -> int:
    """Return how many cells of a page show a traceback without being tagged raises-exception."""
    count = 0
    for cell in CELL_START.split(page_html):
        if RENDERED_TRACEBACK in cell:
            opening_tag = cell.split(">", 1)[0]
            if EXPECTED_ERROR_TAG not in opening_tag:
                count += 1
    return count


def pages_with_unexpected_tracebacks(html_dir: Path) -> list[str]:
    """Return ``"page.html (n cells)"`` for every page showing an unexpected traceback."""
    found = []
    for page in built_pages(html_dir):
        count = unexpected_tracebacks(page.read_text(errors="replace"))
        if count:
            found.append(f"{page.relative_to(html_dir)} ({count} cell{'s' if count > 1 else ''})")
    return found


def check_build(html_dir: Path, log_text: str) -> list[str]:
    """Return every problem found in a finished build; an empty list means it is clean."""
    problems = []
    if not (html_dir / "index.html").exists():
        problems.append(f"no book was built: {html_dir / 'index.html'} is missing")
    problems += [
        f"notebook raised: {report.relative_to(html_dir)}: {summarize_report(report)}"
        for report in failure_reports(html_dir)
    ]
    problems += [f"build log: {line}" for line in execution_failures_in_log(log_text)]
    problems += [
        f"build log: {line}"
        for line in build_problems_in_log(log_text)
        if not EXECUTION_FAILURE.search(line)  # already listed above
    ]
    if html_dir.is_dir():
        problems += [
            f"page shows a traceback from a cell not tagged raises-exception: {page}"
            for page in pages_with_unexpected_tracebacks(html_dir)
        ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=Path("_build/html"), help="the built book")
    parser.add_argument("--log", type=Path, required=True, help="the captured jupyter-book build output")
    args = parser.parse_args(argv)
    log_text = args.log.read_text(errors="replace") if args.log.exists() else ""
    if not args.log.exists():
        print(f"check_build: the build log {args.log} is missing", file=sys.stderr)
    problems = check_build(args.html, log_text)
    if not args.log.exists():
        problems.insert(0, f"build log {args.log} is missing")
    if problems:
        rule = "=" * 78
        print(f"\n{rule}\nBOOK BUILD FAILED: {len(problems)} problem(s)\n{rule}", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(rule, file=sys.stderr)
        return 1
    print(f"check_build: OK ({len(built_pages(args.html))} pages, no notebook raised, no warnings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
