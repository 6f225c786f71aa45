"""Print how heavy each page of the built book is: what a reader downloads for it.

    .venv/bin/python scripts/page_sizes.py                 # after bash scripts/build-book.sh
    .venv/bin/python scripts/page_sizes.py --limit-mb 3    # exit 1 if a page is heavier

For every page of ``_build/html`` (not the search and index pages), it adds:

* the HTML file itself, which embeds the saved widget state (the interactive
  figures' precomputed frames live there), shown separately as "widgets";
* the page's own images (``_images/...``, the static figures), each counted
  once per page.

Theme files, scripts, fonts and MathJax are shared by every page and cached
by the browser, so they are not counted. The interactive-figure columns count
the figures on the page and their stored pictures (a picture shared by
several control settings is stored once).
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO_ROOT = Path(__file__).resolve().parents[1]
NOT_PAGES = {"_static", "_sources", "_images", "reports", "_sphinx_design_static"}
SKIPPED_PAGES = {"search.html", "genindex.html"}

WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
IMAGE_SOURCE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.I)


def pages(html_dir: Path) -> list[Path]:
    """The book's pages, in path order."""
    return sorted(
        page
        for page in html_dir.rglob("*.html")
        if not NOT_PAGES.intersection(page.relative_to(html_dir).parts) and page.name not in SKIPPED_PAGES
    )


def page_images(page: Path, page_html: str, html_dir: Path) -> list[Path]:
    """The files under ``_images/`` that the page shows (each once)."""
    found = []
    for source in IMAGE_SOURCE.findall(page_html):
        if urlparse(source).scheme or source.startswith(("data:", "//")):
            continue
        path = (page.parent / unquote(source.split("#")[0].split("?")[0])).resolve()
        try:
            relative = path.relative_to(html_dir.resolve())
        except ValueError:
            continue
        if relative.parts and relative.parts[0] == "_images" and path.is_file() and path not in found:
            found.append(path)
    return found


def widget_summary(page_html: str) -> tuple[int, int, int]:
    """(bytes of saved widget state, interactive figures, stored pictures) of a page."""
    match = WIDGET_STATE.search(page_html)
    if not match:
        return 0, 0, 0
    body = match.group(1)
    try:
        models = json.loads(body).get("state", {})
    except ValueError:
        models = json.loads(html_lib.unescape(body)).get("state", {})
    figures = pictures = 0
    for model in models.values():
        state = model.get("state", {})
        if {"frames", "frame_errors", "controls", "live"} <= state.keys():
            figures += 1
            pictures += sum(1 for url in state["frames"].values() if not url.startswith("@"))
            pictures += bool(state["live"].get("png"))
    return len(body.encode()), figures, pictures


def measure(html_dir: Path) -> list[dict]:
    rows = []
    for page in pages(html_dir):
        page_html = page.read_text(errors="replace")
        images = page_images(page, page_html, html_dir)
        html_bytes = page.stat().st_size
        widget_bytes, figures, pictures = widget_summary(page_html)
        image_bytes = sum(image.stat().st_size for image in images)
        rows.append({
            "page": page.relative_to(html_dir).as_posix(),
            "html": html_bytes,
            "widgets": widget_bytes,
            "images": image_bytes,
            "n_images": len(images),
            "total": html_bytes + image_bytes,
            "figures": figures,
            "pictures": pictures,
        })
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=REPO_ROOT / "_build" / "html", help="the built book")
    parser.add_argument("--limit-mb", type=float, default=None, help="fail if a page weighs more (MB)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    if not args.html.is_dir():
        print(f"page_sizes: no built book at {args.html}; run bash scripts/build-book.sh", file=sys.stderr)
        return 2
    rows = measure(args.html)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        kb = lambda n: f"{n / 1024:8.0f}"  # noqa: E731
        print(f"{'page':40} {'total KB':>9} {'html KB':>8} {'widgets':>8} {'images KB':>9} "
              f"{'(n)':>4} {'figures':>7} {'pictures':>8}")
        for row in rows:
            print(f"{row['page']:40} {kb(row['total']):>9} {kb(row['html'])} {kb(row['widgets'])} "
                  f"{kb(row['images']):>9} {row['n_images']:4d} {row['figures']:7d} {row['pictures']:8d}")
    if args.limit_mb is not None:
        heavy = [row for row in rows if row["total"] > args.limit_mb * 1024 * 1024]
        for row in heavy:
            print(f"page_sizes: {row['page']} weighs {row['total'] / 2**20:.2f} MB, over {args.limit_mb} MB",
                  file=sys.stderr)
        return 1 if heavy else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
