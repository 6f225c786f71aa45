"""The built book works offline: every page, in a real browser, with the network cut.

Two sets of tests:

* every page of ``_build/html`` (built by ``scripts/build-book.sh``) loads with
  no request outside 127.0.0.1, no failed request, no page error and no
  unexpected console error; its math is typeset by the local MathJax; and
  its saved widgets (if any) are drawn by the vendored widget manager;
* a fixture page (``tests/fixtures/offline_book/widgets_demo.ipynb``), built
  here with the book's real configuration, exercises each known offline trap
  on purpose: an ipywidgets slider with math in its label (the MathJax 2
  ``Hub.Queue`` call), a button with an icon (the widget manager's icon fonts),
  an anywidget (loaded from the local copy, and live without a kernel) and a
  matplotlib ``to_jshtml`` animation (Font Awesome 4 from a CDN).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOK_HTML = REPO_ROOT / "_build" / "html"

_spec = importlib.util.spec_from_file_location("check_build", REPO_ROOT / "scripts" / "check_build.py")
check_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_build)

WIDGET_STATE = 'type="application/vnd.jupyter.widget-state+json"'
WIDGET_VIEW = 'type="application/vnd.jupyter.widget-view+json"'
MATH_ELEMENT = re.compile(r'<(?:span|div) class="math(?: [^"]*)?"')


def _book_pages() -> list[str]:
    pages = check_build.built_pages(BOOK_HTML) if BOOK_HTML.is_dir() else []
    # Before the book is built, one placeholder lets the book fixtures skip
    # (or fail in CI) with the reason, instead of collecting nothing.
    return [p.relative_to(BOOK_HTML).as_posix() for p in pages] or ["index.html"]


def expect_page_renders(page, page_log, html_source: str) -> None:
    """Wait for a loaded page's math and widgets, then assert it stayed offline and clean."""
    page.wait_for_load_state("networkidle")
    math_count = len(MATH_ELEMENT.findall(html_source))
    if math_count:
        page.wait_for_function(
            f"document.querySelectorAll('mjx-container').length >= {math_count}", timeout=30_000
        )
        assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
    view_count = html_source.count(WIDGET_VIEW)
    if view_count:
        assert WIDGET_STATE in html_source, "widget views without saved widget state"
        page.wait_for_function(
            "[...document.querySelectorAll('.widget-subarea')]"
            f".filter(area => area.children.length > 0).length >= {view_count}",
            timeout=30_000,
        )
    page_log.assert_clean()


@pytest.mark.parametrize("page_path", _book_pages())
def test_book_page_works_offline(page, page_log, book_url, book_html_dir, page_path):
    html_source = (book_html_dir / page_path).read_text()
    page.goto(book_url + page_path)
    expect_page_renders(page, page_log, html_source)


def test_widget_scripts_load_only_on_pages_with_widgets(book_html_dir):
    # Jupyter Book's _static auto-injection would put them on every page.
    for page_path in check_build.built_pages(book_html_dir):
        html_source = page_path.read_text()
        has_widgets = WIDGET_STATE in html_source
        loads_widget_manager = "vendor/html-manager/embed-amd.js" in html_source
        assert has_widgets == loads_widget_manager, page_path.relative_to(book_html_dir)


# ---------------------------------------------------------------------------
# The fixture page that exercises every offline trap


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory) -> Path:
    """Build tests/fixtures/offline_book with the book's own configuration; return its html dir."""
    root = tmp_path_factory.mktemp("offline_book")
    shutil.copy(REPO_ROOT / "_config.yml", root / "_config.yml")
    shutil.copytree(REPO_ROOT / "book", root / "book")
    shutil.copy(REPO_ROOT / "tests" / "fixtures" / "offline_book" / "widgets_demo.ipynb", root)
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: widgets_demo\n")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    completed = subprocess.run(
        [str(jupyter_book), "build", ".", "-W", "-n", "--keep-going"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = completed.stdout + completed.stderr
    html = root / "_build" / "html"
    problems = check_build.check_build(html, log)
    assert completed.returncode == 0 and not problems, f"fixture book failed to build:\n{problems}\n{log[-4000:]}"
    return html


@pytest.fixture(scope="module")
def fixture_book_url(fixture_book, serve_directory):
    return serve_directory(fixture_book)


def test_saved_widgets_math_icons_and_animation_work_offline(
    page, page_log, save_screenshot, fixture_book, fixture_book_url
):
    page.goto(fixture_book_url + "widgets_demo.html")
    expect_page_renders(page, page_log, (fixture_book / "widgets_demo.html").read_text())

    # ipywidgets from saved state; the "$k$" label typeset through the Hub shim.
    slider = page.locator(".widget-slider").first
    assert slider.locator(".widget-readout").inner_text().strip() == "3"
    assert slider.locator(".widget-label mjx-container").count() == 1

    # The button's check icon: the widget manager's Font Awesome 5 font, served locally.
    page.wait_for_function("document.fonts.status === 'loaded'")
    loaded = page_log.responses
    icon_fonts = [
        (url, status) for url, status in loaded
        if "/_static/vendor/html-manager/" in url and re.search(r"\.(woff2?|ttf)$", url)
    ]
    assert icon_fonts and all(status == 200 for _, status in icon_fonts), icon_fonts

    # anywidget: loaded from the vendored AMD build, and live with no kernel.
    assert any("/_static/vendor/anywidget/index.js" in url and status == 200 for url, status in loaded)
    counter = page.locator("button.knnbook-fixture-button")
    assert counter.inner_text() == "clicked 2 times"
    counter.click()
    page.wait_for_function(
        "document.querySelector('button.knnbook-fixture-button').textContent === 'clicked 3 times'"
    )

    # matplotlib's animation controls: their Font Awesome 4 stylesheet now comes
    # from the vendored copy (the theme's own Font Awesome script may also swap
    # the <i> icons for inline SVGs); every button shows a visible icon.
    assert any("/vendor/font-awesome-4/css/font-awesome.min.css" in url and status == 200 for url, status in loaded)
    icons = page.locator(".animation button").evaluate_all(
        """buttons => buttons.map(button => {
             const icon = button.querySelector('svg, i');
             if (!icon) return 'no icon';
             const box = icon.getBoundingClientRect();
             const drawn = icon.tagName.toLowerCase() === 'svg'
                 || getComputedStyle(icon).fontFamily.includes('FontAwesome');
             return box.width > 0 && drawn ? 'ok' : icon.outerHTML;
           })"""
    )
    assert len(icons) >= 9 and set(icons) == {"ok"}, icons

    save_screenshot(page, "offline_fixture_widgets_demo")
    page_log.assert_clean()


# ---------------------------------------------------------------------------
# The JupyterLab half of the harness (conftest.py), which the chapter tests
# rely on, checked on a throwaway notebook written into the server's
# temporary copy of notebooks/ (never into the repository).


def test_harness_runs_a_notebook_in_jupyterlab_and_reads_its_kernel(
    page, page_log, jupyter_lab, open_and_run_all, run_in_kernel
):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("answer = 41 + 1"),
        nbformat.v4.new_code_cell("import ipywidgets\nslider = ipywidgets.IntSlider(value=7)\nslider"),
    ]
    nbformat.write(notebook, jupyter_lab.root_dir / "harness_check.ipynb")

    open_and_run_all(page, "harness_check.ipynb")
    page.locator(".jp-OutputArea .widget-slider").wait_for()
    assert run_in_kernel("harness_check.ipynb", "print(answer, slider.value)") == "42 7\n"

    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        run_in_kernel("harness_check.ipynb", "1 / 0")
    page_log.assert_clean()
