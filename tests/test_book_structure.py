"""Every chapter has the book's shape, and the built pages are accessible.

What each chapter notebook must have (read from the committed notebooks):

* its place in ``_toc.yml``, in chapter-number order, with the glossary last
  (that every notebook is listed, every entry exists and no notebook carries
  outputs is checked in ``tests/test_project.py``, not repeated here);
* headings in order: exactly one H1, first, numbered like the file
  (``03_distances.ipynb`` -> ``# 3. ...``), and no skipped level;
* an ``## Exercises`` section with 3 to 6 ``exercise`` directives, each
  labelled and each with a ``solution`` (hidden in the book);
* a ``Take-away`` admonition as its last cell.

The glossary page defines exactly the twelve terms of issue 7, each pointing
to a chapter that exists.

In the built book (``_build/html``; skipped when it is not built, a failure
under ``CI=true``): every picture on a chapter page has real alt text (not
empty and not just its file name, which is what myst-nb writes when a cell
gives none), and every picture a code cell draws sits in a ``<figure>`` with
a caption.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import nbformat
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
NOTEBOOK_IDS = [nb.stem for nb in NOTEBOOKS]
BOOK_HTML = REPO_ROOT / "_build" / "html"
GLOSSARY = REPO_ROOT / "book" / "glossary.md"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

GLOSSARY_TERMS = [
    "k", "metric", "norm", "bias", "variance", "hyperparameter", "cross-validation",
    "leakage", "k-d tree", "ball tree", "HNSW", "recall",
]  # fmt: skip

MIN_EXERCISES, MAX_EXERCISES = 3, 6

# ---------------------------------------------------------------------------
# Reading MyST markdown


FENCE = re.compile(r"^ {0,3}(?P<marks>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
DIRECTIVE = re.compile(r"^ {0,3}(?:`{3,}|~{3,}|:{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<argument>.*)$", re.M)


def headings(markdown: str) -> list[tuple[int, str]]:
    """The ``(level, text)`` of every ATX heading outside code blocks.

    Directive fences (```` ```{note} ````, ``:::{exercise}``) hold markdown,
    so headings inside them count; code fences (```` ```python ````) do not.

    >>> headings("# A\\n```python\\n# not a heading\\n```\\n:::{note}\\n## B\\n:::\\n")
    [(1, 'A'), (2, 'B')]
    """
    found = []
    open_fences: list[tuple[str, int, bool]] = []  # (mark character, length, holds code)
    for line in markdown.splitlines():
        fence = FENCE.match(line)
        if fence:
            marks, info = fence["marks"], fence["info"].strip()
            top = open_fences[-1] if open_fences else None
            if top and marks[0] == top[0] and len(marks) >= top[1] and not info:
                open_fences.pop()
                continue
            if not (top and top[2]):  # inside code, a fence line is just text
                open_fences.append((marks[0], len(marks), marks[0] != ":" and not info.startswith("{")))
            continue
        if any(holds_code for _, _, holds_code in open_fences):
            continue
        heading = HEADING.match(line)
        if heading:
            found.append((len(heading["hashes"]), heading["text"]))
    return found


def heading_order_problems(levels_and_texts: list[tuple[int, str]]) -> list[str]:
    """What is wrong with a page's heading outline (empty when it is fine).

    >>> heading_order_problems([(1, "T"), (2, "a"), (3, "b"), (2, "c")])
    []
    >>> heading_order_problems([(2, "a"), (1, "T"), (1, "U"), (3, "x")])
    ['the first heading is H2 (a), not the H1', '2 H1 headings (T, U), want exactly 1', 'H3 (x) follows H1 (U): a level is skipped']
    """
    problems = []
    if not levels_and_texts:
        return ["no heading at all"]
    level, text = levels_and_texts[0]
    if level != 1:
        problems.append(f"the first heading is H{level} ({text}), not the H1")
    h1 = [t for lvl, t in levels_and_texts if lvl == 1]
    if len(h1) != 1:
        problems.append(f"{len(h1)} H1 headings ({', '.join(h1)}), want exactly 1")
    for (previous, previous_text), (current, current_text) in zip(levels_and_texts, levels_and_texts[1:]):
        if current > previous + 1:
            problems.append(f"H{current} ({current_text}) follows H{previous} ({previous_text}): a level is skipped")
    return problems


def markdown_cells(notebook: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "markdown"]


def directives(markdown: str) -> list[tuple[str, str, str]]:
    """``(name, argument, body-start)`` of every directive fence opening in ``markdown``."""
    return [(m["name"], m["argument"].strip(), markdown[m.end() : m.end() + 400]) for m in DIRECTIVE.finditer(markdown)]


# ---------------------------------------------------------------------------
# Table of contents


def toc_entries(entries) -> list[str]:
    found = []
    if isinstance(entries, dict):
        if "file" in entries:
            found.append(entries["file"])
        for key in ("parts", "chapters", "sections"):
            found += toc_entries(entries.get(key, []))
    elif isinstance(entries, list):
        for entry in entries:
            found += toc_entries(entry)
    return found


@pytest.fixture(scope="module")
def toc() -> dict:
    return yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())


def test_chapters_are_listed_in_number_order_and_the_glossary_last(toc):
    listed = toc_entries(toc)
    chapters = [entry for entry in listed if entry.startswith("notebooks/")]
    assert chapters == sorted(chapters), f"_toc.yml lists chapters out of order: {chapters}"
    assert [Path(c).name for c in chapters] == NOTEBOOK_IDS
    for entry in chapters:
        assert (REPO_ROOT / f"{entry}.ipynb").is_file(), f"{entry} in _toc.yml is not a notebook"
    assert listed[-1] == "book/glossary", "the glossary should be the book's last page"
    assert toc["parts"][-1]["caption"] == "Reference"


def test_chapter_files_are_numbered_one_to_n():
    numbers = [int(nb.name.split("_", 1)[0]) for nb in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)), [nb.name for nb in NOTEBOOKS]


# ---------------------------------------------------------------------------
# Every chapter's shape


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_headings_are_in_order_with_one_numbered_h1(notebook):
    outline = [h for source in markdown_cells(notebook) for h in headings(source)]
    problems = heading_order_problems(outline)
    assert not problems, f"{notebook.name}: " + "; ".join(problems)
    number = int(notebook.name.split("_", 1)[0])
    assert outline[0][1].startswith(f"{number}. "), f"{notebook.name}: H1 {outline[0][1]!r} should start '{number}. '"


@pytest.mark.parametrize("page", ["book/intro.md", "book/glossary.md"])
def test_book_pages_have_headings_in_order(page):
    problems = heading_order_problems(headings((REPO_ROOT / page).read_text()))
    assert not problems, f"{page}: " + "; ".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_chapter_has_labelled_exercises_each_with_a_solution(notebook):
    sources = markdown_cells(notebook)
    assert any((2, "Exercises") in headings(source) for source in sources), f"{notebook.name}: no '## Exercises' section"
    found = [d for source in sources for d in directives(source)]
    exercises = [(name, body) for name, _, body in found if name in {"exercise", "exercise-start"}]
    assert MIN_EXERCISES <= len(exercises) <= MAX_EXERCISES, (
        f"{notebook.name} has {len(exercises)} exercises; issue 7 asks for {MIN_EXERCISES} to {MAX_EXERCISES}"
    )
    labels = []
    for name, body in exercises:
        label = re.search(r"^:label:\s*(\S+)", body, re.M)
        assert label, f"{notebook.name}: an {name} directive has no :label: (its solution cannot refer to it)"
        labels.append(label[1])
    solved = {argument for name, argument, _ in found if name in {"solution", "solution-start"}}
    unsolved = [label for label in labels if label not in solved]
    assert not unsolved, f"{notebook.name}: exercises without a solution: {unsolved}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_chapter_ends_with_a_take_away_box(notebook):
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.source.strip()]
    take_aways = [
        cell for cell in cells
        if cell.cell_type == "markdown"
        and any(name == "admonition" and argument == "Take-away" for name, argument, _ in directives(cell.source))
    ]
    assert len(take_aways) == 1, f"{notebook.name} has {len(take_aways)} 'Take-away' admonitions, want 1"
    assert cells[-1] is take_aways[0], f"{notebook.name}: the Take-away box should be the last cell"


# ---------------------------------------------------------------------------
# The glossary


def glossary_entries() -> dict[str, str]:
    """Term -> definition text, read from the ``{glossary}`` block of book/glossary.md."""
    text = GLOSSARY.read_text()
    block = re.search(r"^```\{glossary\}\n(?P<body>.*?)^```", text, re.M | re.S)
    assert block, "book/glossary.md has no ```{glossary} block"
    entries: dict[str, list[str]] = {}
    term = None
    for line in block["body"].splitlines():
        if line.strip() and not line[0].isspace():
            term = line.strip()
            entries[term] = []
        elif term is not None:
            entries[term].append(line.strip())
    return {term: " ".join(lines).strip() for term, lines in entries.items()}


def test_glossary_defines_exactly_the_issue_terms_in_order():
    assert list(glossary_entries()) == GLOSSARY_TERMS


@pytest.mark.parametrize("term", GLOSSARY_TERMS)
def test_glossary_term_points_to_a_chapter_that_exists(term):
    definition = glossary_entries()[term]
    assert len(definition.split()) >= 15, f"{term!r}: the definition is too short to teach"
    chapters = re.findall(r"\{doc\}`(?:[^`<]*<)?/?(notebooks/[\w-]+)>?`", definition)
    assert chapters, f"{term!r} does not point to the chapter that teaches it"
    for chapter in chapters:
        assert (REPO_ROOT / f"{chapter}.ipynb").is_file(), f"{term!r} points to {chapter}, which does not exist"


# ---------------------------------------------------------------------------
# The built pages: alt text and captions

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp")
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _ImageReader(HTMLParser):
    """Every ``<img>`` of a page, with whether it is a cell's output and whether its figure has a caption."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open_tags: list[tuple[str, str]] = []  # (tag, class)
        self.figures: list[dict] = []  # open <figure>s: {"caption": bool, "images": [...]}
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            image = {
                "src": attributes.get("src") or "",
                "alt": attributes.get("alt"),
                "cell_output": any("cell_output" in cls.split() for _, cls in self.open_tags),
                "figure": self.figures[-1] if self.figures else None,
            }
            self.images.append(image)
            return
        if tag in VOID_ELEMENTS:
            return
        self.open_tags.append((tag, attributes.get("class") or ""))
        if tag == "figure":
            self.figures.append({"caption": False})
        elif tag == "figcaption" and self.figures:
            self.figures[-1]["caption"] = True

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS:
            return
        # Close back to the matching open tag (tolerates a missing </p>).
        for depth in range(len(self.open_tags) - 1, -1, -1):
            if self.open_tags[depth][0] == tag:
                del self.open_tags[depth:]
                break
        if tag == "figure" and self.figures:
            self.figures.pop()


def page_images(page: Path) -> list[dict]:
    reader = _ImageReader()
    reader.feed(page.read_text(encoding="utf-8", errors="replace"))
    reader.close()
    return reader.images


def is_real_alt_text(alt: str | None, src: str) -> bool:
    """True for alt text that describes something: not empty, not the file's name or path.

    >>> is_real_alt_text("../_images/3b3e.png", "../_images/3b3e.png")
    False
    >>> is_real_alt_text("Decision regions for k = 5 on two moons", "../_images/3b3e.png")
    True
    """
    if alt is None or not alt.strip():
        return False
    alt = alt.strip()
    if alt == src or PurePosixPath(alt).name == PurePosixPath(src).name:
        return False
    return not alt.lower().endswith(IMAGE_SUFFIXES) and not alt.startswith("<Figure size")


def built_chapter_page(notebook: Path) -> Path:
    if not (BOOK_HTML / "index.html").is_file():
        message = f"{BOOK_HTML} has no built book: run bash scripts/build-book.sh first"
        if IN_CI:
            pytest.fail(message + " (CI=true: the accessibility checks must run)")
        pytest.skip(message)
    page = BOOK_HTML / "notebooks" / f"{notebook.stem}.html"
    assert page.is_file(), f"{notebook.name} has no built page {page.relative_to(REPO_ROOT)}"
    return page


def _describe(image: dict) -> str:
    return f"{PurePosixPath(image['src']).name} (alt={image['alt']!r})"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_picture_on_a_chapter_page_has_alt_text(notebook):
    images = page_images(built_chapter_page(notebook))
    missing = [_describe(image) for image in images if not is_real_alt_text(image["alt"], image["src"])]
    assert not missing, (
        f"{notebook.name}: {len(missing)} of {len(images)} pictures have no alt text "
        f"(give the cell `mystnb: image: alt:` or `figure:` metadata): {missing}"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_drawn_figure_on_a_chapter_page_has_a_caption(notebook):
    drawn = [image for image in page_images(built_chapter_page(notebook)) if image["cell_output"]]
    uncaptioned = [_describe(image) for image in drawn if not (image["figure"] and image["figure"]["caption"])]
    assert not uncaptioned, (
        f"{notebook.name}: {len(uncaptioned)} of {len(drawn)} drawn figures have no caption "
        f"(give the cell `mystnb: figure: caption:` metadata): {uncaptioned}"
    )


def test_image_reader_finds_alt_captions_and_cell_outputs(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<div class="cell_output docutils container"><p>text<figure class="align-default">'
        '<img alt="a described plot" src="../_images/a.png"><figcaption><p>Caption</p></figcaption>'
        '</figure></div><div class="cell_output"><img alt="../_images/b.png" src="../_images/b.png"></div>'
        '<img src="logo.svg">'
    )
    images = page_images(page)
    assert [(i["alt"], i["cell_output"], bool(i["figure"] and i["figure"]["caption"])) for i in images] == [
        ("a described plot", True, True),
        ("../_images/b.png", True, False),
        (None, False, False),
    ]
    assert [is_real_alt_text(i["alt"], i["src"]) for i in images] == [True, False, False]
