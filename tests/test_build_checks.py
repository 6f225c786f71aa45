"""Tests of the book's build guards: scripts/check_build.py and book/_ext/knnbook_offline.py.

The log lines below were captured from real ``jupyter-book build`` runs
(Jupyter Book 1.0.4, myst-nb 1.4, Sphinx 7.4) of a book with a notebook that
divides by zero; the slow test rebuilds such a book for real.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_build = _load("check_build", REPO_ROOT / "scripts" / "check_build.py")
knnbook_offline = _load("knnbook_offline", REPO_ROOT / "book" / "_ext" / "knnbook_offline.py")

ESC = "\x1b"
# Verbatim (colour codes included) from a real build of a broken notebook.
FAILED_BUILD_LOG = f"""\
{ESC}[01mreading sources... {ESC}[39;49;00m[ 33%] {ESC}[35mbroken{ESC}[39;49;00m
/tmp/brokenbook/broken.ipynb: Executing notebook using local CWD [mystnb]
[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication (including code and outputs) is sent in plain text and is susceptible to eavesdropping.
/tmp/brokenbook/good.ipynb: Executed notebook in 0.92 seconds [mystnb]
{ESC}[91m/tmp/brokenbook/broken.ipynb: WARNING: Executing notebook failed: CellExecutionError [mystnb.exec]{ESC}[39;49;00m
{ESC}[91m/tmp/brokenbook/broken.ipynb: WARNING: Notebook exception traceback saved in: /tmp/brokenbook/_build/html/reports/broken.err.log [mystnb.exec]{ESC}[39;49;00m
{ESC}[01mbuild succeeded, 2 warnings.{ESC}[39;49;00m
"""
CLEAN_BUILD_LOG = f"""\
/tmp/book/good.ipynb: Executing notebook using local CWD [mystnb]
[IPKernelApp] WARNING | Kernel is running over TCP without encryption.
/tmp/book/good.ipynb: Executed notebook in 0.92 seconds [mystnb]
{ESC}[01mbuild succeeded.{ESC}[39;49;00m
"""
TOCTREE_WARNING_LOG = (
    f"{ESC}[91m/work/main/.pytest_cache/README.md: WARNING: document isn't included in any toctree{ESC}[39;49;00m\n"
    "Building your book, returns a non-zero exit code (1). Look above for the cause.\n"
)
# The head of a real myst-nb report (reports/broken.err.log), trimmed.
REPORT = """\
Traceback (most recent call last):
  File ".../nbclient/client.py", line 918, in _check_raise_for_error
    raise CellExecutionError.from_cell_and_msg(cell, exec_reply_content)
nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:
------------------
print('before')
1 / 0
------------------


---------------------------------------------------------------------------
ZeroDivisionError                         Traceback (most recent call last)
Cell In[1], line 2
      1 print('before')
----> 2 1 / 0

ZeroDivisionError: division by zero
"""


def test_ansi_free_removes_colour_codes():
    assert check_build.ansi_free(f"{ESC}[91mred{ESC}[39;49;00m and {ESC}[01mbold") == "red and bold"


def test_execution_failures_are_found_in_a_real_failed_log():
    failures = check_build.execution_failures_in_log(FAILED_BUILD_LOG)
    assert failures == [
        "/tmp/brokenbook/broken.ipynb: WARNING: Executing notebook failed: CellExecutionError [mystnb.exec]",
        "/tmp/brokenbook/broken.ipynb: WARNING: Notebook exception traceback saved in: "
        "/tmp/brokenbook/_build/html/reports/broken.err.log [mystnb.exec]",
    ]


def test_a_clean_log_has_no_failures_and_kernel_chatter_is_not_a_warning():
    assert check_build.execution_failures_in_log(CLEAN_BUILD_LOG) == []
    assert check_build.build_problems_in_log(CLEAN_BUILD_LOG) == []


def test_sphinx_warnings_and_jupyter_book_banners_are_build_problems():
    problems = check_build.build_problems_in_log(TOCTREE_WARNING_LOG)
    assert len(problems) == 2
    assert "document isn't included in any toctree" in problems[0]
    assert "non-zero exit code" in problems[1]


def test_report_summary_names_the_error_and_the_cell(tmp_path):
    report = tmp_path / "broken.err.log"
    report.write_text(REPORT)
    summary = check_build.summarize_report(report)
    assert summary.startswith("ZeroDivisionError: division by zero")
    assert "1 / 0" in summary


def test_traceback_in_a_cell_tagged_raises_exception_is_expected():
    expected = (
        '<div class="cell tag_raises-exception docutils container">'
        '<div class="cell_output docutils container"><div class="output traceback highlight-ipythontb">'
    )
    unexpected = (
        '<div class="cell docutils container">'
        '<div class="cell_output docutils container"><div class="output traceback highlight-ipythontb">'
    )
    assert check_build.unexpected_tracebacks(expected) == 0
    assert check_build.unexpected_tracebacks(unexpected) == 1
    assert check_build.unexpected_tracebacks(expected + unexpected + unexpected) == 2


def test_check_build_without_a_book_is_a_problem(tmp_path):
    problems = check_build.check_build(tmp_path / "html", CLEAN_BUILD_LOG)
    assert len(problems) == 1 and "no book was built" in problems[0]


def _notebook(path: Path, code: str, tags: list[str] | None = None) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(code)
    if tags:
        cell.metadata["tags"] = tags
    notebook.cells = [
        nbformat.v4.new_markdown_cell(f"# {path.stem}"),
        cell,
        nbformat.v4.new_code_cell("print('after')"),
    ]
    nbformat.write(notebook, path)


def _build_tiny_book(root: Path, notebooks: dict[str, tuple[str, list[str]]]) -> tuple[int, str]:
    (root / "_config.yml").write_text(
        "title: tiny\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: force\n"
    )
    (root / "intro.md").write_text("# Intro\n\nA tiny book.\n")
    toc = "format: jb-book\nroot: intro\nchapters:\n"
    for name, (code, tags) in notebooks.items():
        _notebook(root / f"{name}.ipynb", code, tags)
        toc += f"  - file: {name}\n"
    (root / "_toc.yml").write_text(toc)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    # No -W: the default build, which is the one that can "succeed" with a broken notebook.
    completed = subprocess.run(
        [str(jupyter_book), "build", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
    )
    return completed.returncode, completed.stdout + completed.stderr


@pytest.mark.slow
def test_a_real_book_with_a_broken_notebook_fails_the_check(tmp_path):
    _, log = _build_tiny_book(
        tmp_path,
        {
            "good": ("print(1 + 1)", []),
            "shows_an_error": ("raise ValueError('on purpose')", ["raises-exception"]),
            "broken": ("print('before')\n1 / 0", []),
        },
    )
    log_path = tmp_path / "build.log"
    log_path.write_text(log)
    html = tmp_path / "_build" / "html"

    problems = check_build.check_build(html, log)
    text = "\n".join(problems)
    assert "ZeroDivisionError" in text
    assert "broken.html" in text
    assert "good" not in text and "shows_an_error" not in text
    assert check_build.main(["--html", str(html), "--log", str(log_path)]) == 1


@pytest.mark.slow
def test_a_real_clean_book_passes_the_check(tmp_path):
    _, log = _build_tiny_book(
        tmp_path,
        {
            "good": ("print(1 + 1)", []),
            "shows_an_error": ("raise ValueError('on purpose')", ["raises-exception"]),
        },
    )
    html = tmp_path / "_build" / "html"
    assert check_build.check_build(html, log) == []
    # The tagged cell's traceback is on the page: it was found and accepted.
    assert "ValueError" in (html / "shows_an_error.html").read_text()


# ---------------------------------------------------------------------------
# book/_ext/knnbook_offline.py


def _pathto(target: str, resource: int) -> str:
    # Sphinx's pathto for a page one folder deep (e.g. notebooks/x.html).
    return "../" + target


def test_matplotlib_animation_font_awesome_link_is_pointed_at_the_vendored_copy():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(1, 1))
    animation = FuncAnimation(fig, lambda frame: [], frames=2)
    body = animation.to_jshtml()
    plt.close(fig)
    assert "bootstrapcdn" in body  # matplotlib links Font Awesome from a CDN
    rewritten = knnbook_offline.local_font_awesome(body, _pathto)
    assert "bootstrapcdn" not in rewritten
    assert 'href="../_static/vendor/font-awesome-4/css/font-awesome.min.css"' in rewritten
    assert knnbook_offline.external_loads(rewritten) == []
    vendored = REPO_ROOT / "book" / "assets" / knnbook_offline.FONT_AWESOME_4_CSS
    assert vendored.is_file()


def test_external_loads_are_found_but_plain_links_are_not():
    body = (
        '<a href="https://example.org/read-more">a link is fine</a>'
        '<script src="https://cdn.jsdelivr.net/npm/x.js"></script>'
        "<link rel='stylesheet' href='//fonts.example.com/a.css'>"
        '<img alt="" src="http://example.org/p.png">'
        '<img src="../_images/local.png">'
    )
    assert knnbook_offline.external_loads(body) == [
        "<script> https://cdn.jsdelivr.net/npm/x.js",
        "<link> //fonts.example.com/a.css",
        "<img> http://example.org/p.png",
    ]


def test_anywidget_modules_importing_from_a_url_are_found():
    import json

    state = {
        "version_major": 2,
        "version_minor": 0,
        "state": {
            "a": {"state": {"_esm": 'import * as d3 from "https://esm.sh/d3@7";\nexport default {}'}},
            "b": {"state": {"_esm": 'const m = await import("//cdn.example/x.js");'}},
            "c": {"state": {"_esm": 'import { f } from "./local.js";'}},
            "d": {"state": {"value": 3}},
        },
    }
    assert knnbook_offline.esm_url_imports(json.dumps(state)) == [
        "https://esm.sh/d3@7",
        "//cdn.example/x.js",
    ]


def test_identical_inline_scripts_are_kept_once_and_files_untouched():
    from sphinx.builders.html._assets import _JavaScript

    thebe = "const THEBE_JS_URL = 'x'"
    scripts = [
        _JavaScript("", body=thebe),  # as Sphinx lists it from the registry
        _JavaScript("doctools.js"),
        _JavaScript(None, body=thebe),  # and again from the builder
        _JavaScript(None, body="var other = 1"),
        _JavaScript("doctools.js"),
    ]
    kept = knnbook_offline.without_duplicate_inline_scripts(scripts)
    assert [(s.filename, s.attributes.get("body")) for s in kept] == [
        ("", thebe),
        ("doctools.js", None),
        (None, "var other = 1"),
        ("doctools.js", None),
    ]


def test_missing_or_remote_widget_scripts_are_reported(tmp_path, caplog):
    from types import SimpleNamespace

    (tmp_path / "assets" / "vendor").mkdir(parents=True)
    (tmp_path / "assets" / "vendor" / "present.js").write_text("")
    app = SimpleNamespace(confdir=str(tmp_path))
    config = SimpleNamespace(
        html_static_path=["assets"],
        nb_ipywidgets_js={
            "vendor/present.js": {},
            "vendor/missing.js": {},
            "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager/dist/embed-amd.js": {},
        },
    )
    with caplog.at_level("WARNING"):
        knnbook_offline.check_widget_scripts_exist(app, config)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "vendor/missing.js" in messages[0]
    assert "cdn.jsdelivr.net" in messages[1]
    assert not any("present.js" in message for message in messages)
