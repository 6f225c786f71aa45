"""Check every internal link of the built book: files exist, anchors exist.

For every HTML page under the build folder (``_build/html``; the copied
theme and vendor files under ``_static/`` are not pages and are not read),
this script reads every address the page points at:

* ``href`` of ``<a>`` and ``<link>``, ``src`` of ``<img>``, ``<script>``,
  ``<iframe>``, ``<source>``, ``<video>``, ``<audio>``, ``<embed>``,
  ``data`` of ``<object>`` and ``action`` of ``<form>``;

and, for each one that stays inside the book (no scheme such as ``https:``
or ``mailto:``, not ``//host/...``), checks that:

1. the file it names exists in the build folder (``dir/`` means
   ``dir/index.html``), and does not climb out of the build folder;
2. its ``#fragment``, when it points at an HTML page, names an element of
   that page (an ``id``, or the ``name`` of an ``<a>``).

Links to other hosts are not followed: the book must read offline, and the
launch buttons (Binder, Colab) and the repository button are meant to leave.

Usage::

    .venv/bin/python scripts/check_links.py             # checks _build/html
    .venv/bin/python scripts/check_links.py --html path/to/html

It prints one line per broken link (``page: address: what is wrong``) and
exits 1 if there is any, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

#: Folders of the HTML output that hold copied files, not pages of the book.
NOT_PAGES = {"_static", "_sources", "_images", "reports"}

#: Which attribute of which tag holds an address the browser follows or loads.
LINK_ATTRIBUTES = {
    "a": "href",
    "link": "href",
    "area": "href",
    "img": "src",
    "script": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "track": "src",
    "object": "data",
    "form": "action",
}


@dataclass(frozen=True)
class BrokenLink:
    """One address on one page that does not resolve inside the book."""

    page: str
    address: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}: {self.address}: {self.problem}"


class _PageReader(HTMLParser):
    """Collects a page's outgoing addresses and the anchors it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.addresses: list[str] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.anchors.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.anchors.add(attributes["name"])
        wanted = LINK_ATTRIBUTES.get(tag)
        if wanted and attributes.get(wanted) is not None:
            self.addresses.append(attributes[wanted])

    handle_startendtag = handle_starttag


def read_page(path: Path) -> _PageReader:
    """Parse one HTML file; return its addresses and anchors."""
    reader = _PageReader()
    reader.feed(path.read_text(encoding="utf-8", errors="replace"))
    reader.close()
    return reader


def is_external(address: str) -> bool:
    """Return True for an address that leaves the book (has a scheme or a host)."""
    parts = urlsplit(address)
    return bool(parts.scheme) or bool(parts.netloc) or address.startswith("//")


def built_pages(html_dir: Path) -> list[Path]:
    """Every HTML page of the book, in a stable order (copied assets excluded)."""
    return sorted(
        path
        for path in html_dir.rglob("*.html")
        if not NOT_PAGES.intersection(path.relative_to(html_dir).parts[:-1])
    )


def _resolve(html_dir: Path, page: Path, path_part: str) -> Path | None:
    """The file an in-book address names, or None if it climbs out of ``html_dir``."""
    if not path_part:
        return page
    relative = PurePosixPath(unquote(path_part))
    base = PurePosixPath("/") if relative.is_absolute() else PurePosixPath("/", page.parent.relative_to(html_dir).as_posix())
    parts: list[str] = []
    for part in (base / relative).parts[1:]:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    target = html_dir.joinpath(*parts)
    if path_part.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


@dataclass
class LinkReport:
    """What :func:`check_links` read and what it found broken."""

    pages: int
    checked: int
    broken: list[BrokenLink]


def check_links(html_dir: Path) -> LinkReport:
    """Check every in-book link of the book built in ``html_dir``."""
    html_dir = html_dir.resolve()
    pages = built_pages(html_dir)
    checked = 0
    anchors_of: dict[Path, set[str]] = {}

    def anchors(target: Path) -> set[str]:
        if target not in anchors_of:
            anchors_of[target] = read_page(target).anchors
        return anchors_of[target]

    broken: list[BrokenLink] = []
    for page in pages:
        reader = read_page(page)
        anchors_of[page] = reader.anchors
        name = page.relative_to(html_dir).as_posix()
        for address in dict.fromkeys(reader.addresses):  # each address once per page
            address = address.strip()
            if not address or is_external(address):
                continue
            checked += 1
            parts = urlsplit(address)
            target = _resolve(html_dir, page, parts.path)
            if target is None:
                broken.append(BrokenLink(name, address, "points outside the built book"))
                continue
            if not target.is_file():
                shown = target.relative_to(html_dir).as_posix()
                broken.append(BrokenLink(name, address, f"no file {shown}"))
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in anchors(target):
                shown = target.relative_to(html_dir).as_posix()
                broken.append(BrokenLink(name, address, f"{shown} has no element with id {fragment!r}"))
    return LinkReport(pages=len(pages), checked=checked, broken=broken)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_html = Path(__file__).resolve().parent.parent / "_build" / "html"
    parser.add_argument("--html", type=Path, default=default_html, help="the built book (default: _build/html)")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        print(f"check_links: {args.html} holds no built book (no index.html); run bash scripts/build-book.sh",
              file=sys.stderr)
        return 2
    report = check_links(args.html)
    for link in report.broken:
        print(link)
    summary = f"{report.checked} internal addresses on {report.pages} pages"
    if report.broken:
        print(f"check_links: {len(report.broken)} broken of {summary}", file=sys.stderr)
        return 1
    print(f"check_links: all {summary} resolve (files and anchors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
