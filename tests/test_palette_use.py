"""Every chapter figure draws with the one palette of knnlib.plotting.

The palette (Okabe-Ito colours, one marker per class) is defined once in
:mod:`knnlib.plotting`. Three checks keep it the only source of colour:

* **By drawing.** Every runnable example in ``knnlib/figures/*.py`` is run
  with matplotlib's default colour cycle and default colour map replaced by a
  sentinel magenta. Then every artist of every figure drawn is read back
  (lines, markers, patches, collections, images, text) and each visible
  colour must be a palette colour, a tint of one (mixed with white, like the
  decision-region backgrounds), or a grey. A helper that forgets to pass a
  colour shows up as magenta; one that picks its own (``"tab:red"``,
  ``viridis``) shows up as that colour. This reaches the helpers whose
  docstring examples draw (chapters 2 to 6 today).
* **By reading the helpers.** In every module of ``knnlib/figures/`` and in
  ``knnlib/plotting.py``, every matplotlib drawing call (``ax.plot``,
  ``ax.scatter``, ``ax.bar``, ``Circle(...)``, ...) must say its colour
  (so matplotlib's default cycle never decides), every colour written as a
  literal must be a grey, and no hex colour may be written outside
  ``knnlib/plotting.py`` except the few listed in :data:`ALLOWED_LITERALS`,
  each with its reason.
* **By reading the notebooks.** No notebook code cell writes a colour of its
  own: no hex colour, named chromatic colour, ``"C0"``-style cycle colour or
  colour map (greys such as ``"0.25"``, ``"black"`` and ``"white"`` are fine).
"""

from __future__ import annotations

import ast
import doctest
import importlib
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.axes._base import _process_plot_format  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from knnlib.plotting import CLASS_COLORS, REGION_COLORS, TIE_COLOR  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
FIGURE_MODULES = sorted(p.stem for p in (REPO_ROOT / "knnlib" / "figures").glob("*.py") if p.stem != "__init__")
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))

#: What matplotlib's defaults draw with during the check: nothing in the book is magenta.
SENTINEL = "#FF00FF"
SENTINEL_CMAP = "knnbook_sentinel"
if SENTINEL_CMAP not in matplotlib.colormaps:
    matplotlib.colormaps.register(mcolors.ListedColormap([SENTINEL], name=SENTINEL_CMAP))

PALETTE_RGB = np.array([mcolors.to_rgb(c) for c in (*CLASS_COLORS, *REGION_COLORS, TIE_COLOR)]) * 255
CLASS_RGB = np.array([mcolors.to_rgb(c) for c in CLASS_COLORS]) * 255
TOLERANCE = 2.5  # in 0-255 units: rounding in colour maps and alpha blending


def is_allowed_colour(rgb: np.ndarray) -> bool:
    """True for a grey, a palette colour, or a palette colour mixed with white.

    ``rgb`` is in 0-255 units. A tint ``t`` of colour ``c`` is
    ``255 - s (255 - c)`` for one strength ``s`` in (0, 1] on every channel.

    >>> is_allowed_colour(np.array([0, 114, 178]))   # Okabe-Ito blue
    True
    >>> is_allowed_colour(np.array([178, 213, 232]))  # 30 % of it, 70 % white
    True
    >>> is_allowed_colour(np.array([31, 119, 180]))   # matplotlib's tab:blue
    False
    """
    if np.ptp(rgb) <= TOLERANCE:
        return True
    if np.min(np.abs(PALETTE_RGB - rgb).max(axis=1)) <= TOLERANCE:
        return True
    for colour in CLASS_RGB:
        room = 255 - colour
        strength = float(np.dot(255 - rgb, room) / np.dot(room, room))
        if 0 < strength <= 1 and np.abs(255 - strength * room - rgb).max() <= TOLERANCE:
            return True
    return False


def _rgba_rows(value) -> np.ndarray:
    """Any matplotlib colour value (a name, a tuple, an Nx4 array, 'none') as Nx4 RGBA rows."""
    if value is None or (isinstance(value, str) and value.lower() == "none"):
        return np.zeros((0, 4))
    rows = mcolors.to_rgba_array(value)
    return rows.reshape(-1, 4)


def artist_colours(artist) -> list[tuple[str, np.ndarray]]:
    """``(what, RGBA rows)`` for every colour an artist paints with."""
    found = []
    if isinstance(artist, Line2D):
        if artist.get_linestyle() not in ("None", "none", "", " "):
            found.append(("line", _rgba_rows(artist.get_color())))
        if artist.get_marker() not in (None, "None", "none", "", " "):
            found.append(("marker face", _rgba_rows(artist.get_markerfacecolor())))
            found.append(("marker edge", _rgba_rows(artist.get_markeredgecolor())))
    elif isinstance(artist, Patch):
        found.append(("patch face", _rgba_rows(artist.get_facecolor()) if artist.get_fill() else np.zeros((0, 4))))
        if artist.get_linewidth():
            found.append(("patch edge", _rgba_rows(artist.get_edgecolor())))
    elif isinstance(artist, Collection):
        artist.update_scalarmappable()  # colours from data and a colour map are computed here
        found.append(("collection face", _rgba_rows(artist.get_facecolor())))
        if np.any(np.asarray(artist.get_linewidth()) > 0):
            found.append(("collection edge", _rgba_rows(artist.get_edgecolor())))
    elif isinstance(artist, AxesImage):
        data = artist.get_array()
        if data is not None:
            data = np.asarray(data)
            rgba = artist.to_rgba(data) if data.ndim == 2 else data
            rgba = np.asarray(rgba, dtype=float).reshape(-1, rgba.shape[-1])
            if rgba.max() > 1:  # uint8 images
                rgba = rgba / 255
            if rgba.shape[1] == 3:
                rgba = np.column_stack([rgba, np.ones(len(rgba))])
            found.append(("image", np.unique(np.round(rgba, 3), axis=0)))
    elif isinstance(artist, Text):
        if artist.get_text().strip():
            found.append(("text", _rgba_rows(artist.get_color())))
    return found


def off_palette_colours(figure) -> set[str]:
    """Every visible colour of ``figure`` that is not a palette colour, a tint or a grey."""
    offenders = set()
    for artist in figure.findobj(lambda a: a.get_visible()):
        for what, rows in artist_colours(artist):
            for rgba in rows:
                if rgba[3] == 0:
                    continue
                rgb = np.round(rgba[:3] * 255)
                name = mcolors.to_hex(rgba[:3]).upper()
                if not is_allowed_colour(rgb) and name not in ALLOWED_LITERALS:
                    note = " (matplotlib's default cycle or colour map)" if name == SENTINEL else ""
                    offenders.add(f"{type(artist).__name__} {what} {name}{note}")
    return offenders


@pytest.fixture
def recorded_figures(monkeypatch):
    """Every matplotlib Figure created during the test, in order."""
    figures = []
    original_init = matplotlib.figure.Figure.__init__

    def recording_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        figures.append(self)

    monkeypatch.setattr(matplotlib.figure.Figure, "__init__", recording_init)
    return figures


@pytest.mark.parametrize("module_name", FIGURE_MODULES)
def test_figure_helpers_draw_only_with_the_palette(module_name, recorded_figures):
    module = importlib.import_module(f"knnlib.figures.{module_name}")
    examples = [test for test in doctest.DocTestFinder().find(module) if test.examples]
    assert examples, f"knnlib/figures/{module_name}.py has no runnable example to draw its figures"
    offenders: dict[str, set[str]] = {}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with matplotlib.rc_context({"axes.prop_cycle": cycler(color=[SENTINEL]), "image.cmap": SENTINEL_CMAP}):
        for example in examples:
            # Printed values are checked by pytest's own doctest run; here only the drawing matters.
            first = len(recorded_figures)
            runner.run(example, out=lambda text: None, clear_globs=True)
            for figure in recorded_figures[first:]:
                found = off_palette_colours(figure)
                if found:
                    offenders.setdefault(example.name, set()).update(found)
    assert not offenders, f"colours outside knnlib.plotting's palette in knnlib/figures/{module_name}.py:\n" + "\n".join(
        f"  {name}: {sorted(found)}" for name, found in sorted(offenders.items())
    )


def test_the_check_sees_default_colours_and_foreign_palettes(recorded_figures):
    from knnlib.plotting import plot_points

    with matplotlib.rc_context({"axes.prop_cycle": cycler(color=[SENTINEL]), "image.cmap": SENTINEL_CMAP}):
        good = matplotlib.figure.Figure()
        ax = good.subplots()
        plot_points(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]), np.array([0, 1, 2]), ax=ax)
        ax.plot([0, 1], [0, 1], color="0.4")
        ax.imshow([[0, 1]], cmap=mcolors.LinearSegmentedColormap.from_list("tints", ["white", CLASS_COLORS[1]]))
        bad = matplotlib.figure.Figure()
        ax = bad.subplots()
        ax.plot([0, 1], [0, 1])  # default cycle
        ax.scatter([0, 1], [1, 0], c=["tab:red", CLASS_COLORS[0]])
        ax.imshow([[0, 1]], cmap="viridis")
    assert off_palette_colours(good) == set()
    found = off_palette_colours(bad)
    assert "Line2D line #FF00FF (matplotlib's default cycle or colour map)" in found
    assert "PathCollection collection face #D62728" in found
    assert any(item.startswith("AxesImage image #440154") for item in found)  # viridis' first colour


# ---------------------------------------------------------------------------
# The helpers' source: every drawing call names its colour, literals are grey

#: Colour literals allowed outside knnlib/plotting.py, each with its reason.
ALLOWED_LITERALS = {
    "#FFF0B3": "workflow.py: background of the k nearest rows in the distance table; "
    "not a class colour, and those rows are also set in bold",
}

#: Drawing calls that need no colour of their own: (module, function, call) -> why.
UNCOLOURED_CALLS_ALLOWED = {
    ("knnlib/plotting.py", "plot_decision_regions", "imshow"): "an RGB image already made of REGION_COLORS",
    ("knnlib/plotting.py", "_tie_rectangles", "Rectangle"): "shapes only: the PatchCollection that draws them sets TIE_COLOR",
}

#: Axes methods that paint with matplotlib's default colours unless told otherwise.
DRAWING_METHODS = {
    "plot", "scatter", "bar", "barh", "step", "fill", "fill_between", "fill_betweenx", "hist",
    "axhline", "axvline", "axhspan", "axvspan", "errorbar", "stem", "hlines", "vlines",
    "stackplot", "pie", "imshow", "pcolormesh", "pcolor", "contour", "contourf", "quiver",
}  # fmt: skip
#: Artist classes built directly; a patch with ``fill=False`` needs only an edge colour.
DRAWING_CLASSES = {"Circle", "Rectangle", "Polygon", "Ellipse", "Wedge", "LineCollection", "PolyCollection", "PatchCollection"}
COLOUR_KEYWORDS = {
    "color", "c", "colors", "facecolor", "facecolors", "edgecolor", "edgecolors", "fc", "ec",
    "cmap", "markerfacecolor", "mfc", "markeredgecolor", "mec",
}  # fmt: skip
GREY_NAMES = {"black", "white", "k", "w", "none", "gray", "grey", "lightgray", "lightgrey", "darkgray", "darkgrey", "dimgray", "dimgrey", "silver", "gainsboro", "whitesmoke"}
HEX_COLOUR_TEXT = re.compile(r"#(?:[0-9A-Fa-f]{3}){1,2}(?:[0-9A-Fa-f]{2})?")

HELPER_MODULES = [*(f"knnlib/figures/{name}.py" for name in FIGURE_MODULES), "knnlib/plotting.py"]


def is_grey_literal(text: str) -> bool:
    """True for matplotlib's grey strings ("0.4", "black", "none") and hex greys ("#333333")."""
    value = text.strip().lower()
    if value in GREY_NAMES or re.fullmatch(r"0?\.\d+|[01](?:\.0*)?", value):
        return True
    if HEX_COLOUR_TEXT.fullmatch(value):
        return bool(np.ptp(np.round(np.array(mcolors.to_rgb(value)) * 255)) <= TOLERANCE)
    return False


def _call_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _fmt_colour(call: ast.Call) -> str | None:
    """The colour an ``ax.plot``/``ax.step`` format string gives ("k--" -> "k"), if any."""
    for argument in call.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            try:
                return _process_plot_format(argument.value)[2]
            except ValueError:
                return None
    return None


def source_colour_problems(path: Path) -> list[str]:
    """What in a helper module's source lets a colour escape the palette (empty when none).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write('ax.plot(x, y, "--")\\nax.plot(x, y, "k-")\\nax.bar(x, y, color="tab:red")\\n'
    ...                 'Circle((0, 0), 1, fill=False, edgecolor="0.3")\\nax.scatter(x, y, **style)\\n')
    >>> source_colour_problems(Path(f.name))
    ['line 1: ax.plot(...) has no colour (matplotlib default cycle)', 'line 3: color="tab:red" is not a grey: take it from knnlib.plotting']
    >>> Path(f.name).unlink()
    """
    tree = ast.parse(path.read_text())
    problems = []
    is_plotting = path.name == "plotting.py" and path.parent.name == "knnlib"
    module = f"knnlib/{path.name}" if path.parent.name == "knnlib" else f"knnlib/{path.parent.name}/{path.name}"
    enclosing = {}  # node -> name of the innermost function around it
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(function):
                if inner is not function:
                    enclosing[inner] = function.name  # inner functions are walked later and win
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and not is_plotting:
            for hex_colour in HEX_COLOUR_TEXT.findall(node.value):
                if len(node.value.strip()) == len(hex_colour) and hex_colour.upper() not in ALLOWED_LITERALS \
                        and not is_grey_literal(hex_colour):
                    problems.append(f"line {node.lineno}: hex colour {hex_colour} written here: take it from knnlib.plotting")
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        for keyword, value in keywords.items():
            if keyword in COLOUR_KEYWORDS and keyword != "cmap" and isinstance(value, ast.Constant) \
                    and isinstance(value.value, str) and not is_grey_literal(value.value) \
                    and value.value.upper() not in ALLOWED_LITERALS:
                problems.append(f'line {node.lineno}: {keyword}="{value.value}" is not a grey: take it from knnlib.plotting')
            if keyword == "cmap" and isinstance(value, ast.Constant):
                problems.append(f'line {node.lineno}: cmap="{value.value}" is a colour map of matplotlib\'s, not the palette')
        is_drawing_method = isinstance(node.func, ast.Attribute) and name in DRAWING_METHODS
        if not (is_drawing_method or name in DRAWING_CLASSES):
            continue
        passes_keywords = any(k.arg is None for k in node.keywords)  # **style: the caller chose
        says_colour = COLOUR_KEYWORDS & keywords.keys() or passes_keywords
        if name in {"plot", "step"} and _fmt_colour(node):
            says_colour = True
        if name in DRAWING_CLASSES and isinstance(keywords.get("fill"), ast.Constant) and keywords["fill"].value is False:
            says_colour = True  # only the edge shows, and an edge defaults to black
        if name == "imshow" and "cmap" not in keywords and not passes_keywords:
            says_colour = False  # imshow of values uses the default colour map
        if (module, enclosing.get(node), name) in UNCOLOURED_CALLS_ALLOWED:
            says_colour = True
        if not says_colour:
            receiver = ast.unparse(node.func.value) + "." if isinstance(node.func, ast.Attribute) else ""
            problems.append(f"line {node.lineno}: {receiver}{name}(...) has no colour (matplotlib default cycle)")
    return problems


@pytest.mark.parametrize("module_path", HELPER_MODULES)
def test_helper_source_names_every_colour_from_the_palette(module_path):
    problems = source_colour_problems(REPO_ROOT / module_path)
    assert not problems, f"{module_path}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------
# Notebooks: no colour of their own

COLOUR_KEYWORD = re.compile(
    r"\b(?:c|color|colors|facecolor|facecolors|edgecolor|edgecolors|markerfacecolor|markeredgecolor|cmap)"
    r"\s*=\s*(?P<quote>['\"])(?P<value>[^'\"]*)(?P=quote)"
)
HEX_COLOUR = re.compile(r"['\"]#(?:[0-9A-Fa-f]{3}){1,2}(?:[0-9A-Fa-f]{2})?['\"]")


def own_colours(code: str) -> list[str]:
    """Colours a piece of notebook code picks itself instead of taking them from knnlib.

    >>> own_colours('ax.plot(x, y, color="0.25"); ax.scatter(x, y, c="black")')
    []
    >>> own_colours('ax.plot(x, y, color="tab:red"); ax.imshow(z, cmap="viridis"); ax.set_facecolor("#FF0000")')
    ['color="tab:red"', 'cmap="viridis"', '"#FF0000"']
    """
    found = []
    for match in COLOUR_KEYWORD.finditer(code):
        value = match["value"].strip().lower()
        keyword = match.group(0).split("=")[0].strip()
        is_grey = value in GREY_NAMES or re.fullmatch(r"0?\.\d+|[01](?:\.0*)?", value)
        if keyword == "cmap" or not is_grey:
            found.append(f'{keyword}="{match["value"]}"')
    found += [m.group(0).replace("'", '"') for m in HEX_COLOUR.finditer(code)]
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_code_picks_no_colour_of_its_own(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    found = {
        index: own_colours(cell.source)
        for index, cell in enumerate(cells)
        if cell.cell_type == "code" and own_colours(cell.source)
    }
    assert not found, (
        f"{notebook.name} sets colours itself (take them from knnlib.plotting, e.g. CLASS_COLORS): "
        + "; ".join(f"cell {i}: {', '.join(c)}" for i, c in found.items())
    )
