"""The internal-link check (scripts/check_links.py): on a hand-made site, then on the built book."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BOOK_HTML = REPO_ROOT / "_build" / "html"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_spec = importlib.util.spec_from_file_location("check_links", REPO_ROOT / "scripts" / "check_links.py")
check_links = importlib.util.module_from_spec(_spec)
sys.modules["check_links"] = check_links  # its dataclasses look their module up there
_spec.loader.exec_module(check_links)


def write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def site(tmp_path) -> Path:
    """A tiny built book: two chapters, a picture, a stylesheet, nested folders."""
    write(tmp_path, "index.html", '<a href="notebooks/01.html">start</a>')
    write(
        tmp_path,
        "notebooks/01.html",
        '<h1 id="top">One</h1><section id="the-idea"></section><a name="old-style"></a>'
        '<img src="../_images/fig%20one.png" alt="a figure">'
        '<link rel="stylesheet" href="../_static/book.css?v=12">',
    )
    write(tmp_path, "notebooks/02.html", '<h1 id="two">Two</h1>')
    write(tmp_path, "_images/fig one.png")
    write(tmp_path, "_static/book.css")
    write(tmp_path, "book/index.html", "<p>a folder page</p>")
    return tmp_path


def problems(html_dir: Path) -> list[str]:
    return [str(link) for link in check_links.check_links(html_dir).broken]


def add_page(site: Path, body: str) -> None:
    write(site, "notebooks/03.html", body)


def test_a_site_whose_links_all_resolve_passes(site):
    add_page(
        site,
        '<a href="01.html">file</a> <a href="01.html#the-idea">id</a> <a href="01.html#old-style">name</a>'
        ' <a href="#here">same page</a><span id="here"></span> <a href="../book/">folder</a>'
        ' <a href="/notebooks/02.html#two">root-relative</a> <a href="./02.html?x=1">query</a>'
        ' <a href="#">top</a> <a href="">itself</a>',
    )
    report = check_links.check_links(site)
    assert report.broken == []
    # index 1, chapter 1 two (picture, stylesheet), page 3 eight (the empty href is skipped)
    assert report.pages == 5 and report.checked == 11


def test_missing_file_is_reported_with_page_and_address(site):
    add_page(site, '<a href="04.html">next</a>')
    assert problems(site) == ["notebooks/03.html: 04.html: no file notebooks/04.html"]


def test_missing_anchor_is_reported(site):
    add_page(site, '<a href="01.html#no-such-section">idea</a> <a href="#nowhere">here</a>')
    assert problems(site) == [
        "notebooks/03.html: 01.html#no-such-section: notebooks/01.html has no element with id 'no-such-section'",
        "notebooks/03.html: #nowhere: notebooks/03.html has no element with id 'nowhere'",
    ]


def test_missing_picture_script_and_folder_index_are_reported(site):
    add_page(
        site,
        '<img src="../_images/gone.png" alt="x"><script src="../_static/gone.js"></script><a href="../docs/">docs</a>',
    )
    assert problems(site) == [
        "notebooks/03.html: ../_images/gone.png: no file _images/gone.png",
        "notebooks/03.html: ../_static/gone.js: no file _static/gone.js",
        "notebooks/03.html: ../docs/: no file docs/index.html",
    ]


def test_a_link_climbing_out_of_the_book_is_reported(site):
    add_page(site, '<a href="../../README.md">readme</a>')
    assert problems(site) == ["notebooks/03.html: ../../README.md: points outside the built book"]


def test_outside_addresses_are_not_followed(site):
    add_page(
        site,
        '<a href="https://mybinder.org/v2/gh/knnbook/knnbook/main">Binder</a>'
        '<a href="//colab.research.google.com/x">Colab</a><a href="mailto:a@b.c">mail</a>'
        '<img src="data:image/png;base64,AAAA" alt="inline">',
    )
    assert problems(site) == []


def test_static_folder_is_not_read_as_pages(site):
    # The theme's own files may link to things the book does not ship; they are not pages.
    write(site, "_static/vendor/readme.html", '<a href="missing.html">x</a>')
    assert problems(site) == []


def test_command_line_exit_codes(site, capsys):
    assert check_links.main(["--html", str(site)]) == 0
    add_page(site, '<a href="gone.html">x</a>')
    assert check_links.main(["--html", str(site)]) == 1
    assert "notebooks/03.html: gone.html: no file notebooks/gone.html" in capsys.readouterr().out
    assert check_links.main(["--html", str(site / "nowhere")]) == 2


def test_built_book_has_no_broken_internal_link():
    if not (BOOK_HTML / "index.html").is_file():
        message = f"{BOOK_HTML} has no built book: run bash scripts/build-book.sh first"
        if IN_CI:
            pytest.fail(message + " (CI=true: the link check must run)")
        pytest.skip(message)
    report = check_links.check_links(BOOK_HTML)
    assert report.checked > 0
    assert not report.broken, f"{len(report.broken)} broken internal links:\n" + "\n".join(map(str, report.broken))
