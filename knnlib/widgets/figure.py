"""The reusable interactive figure: a pure drawing function plus a few controls.

Every interactive of chapters 2 to 10 is built the same way::

    from knnlib.widgets import interactive_figure, Slider, Dropdown, Toggle

    def draw(fig, *, k, metric):          # pure: draws on a fresh Figure
        ax = fig.subplots()
        ...

    w = interactive_figure(draw, k=Slider([1, 3, 5, 7, 9], value=5, label="k"),
                           metric=Dropdown(["euclidean", "manhattan"]),
                           alt="Decision boundary for the chosen k and metric")
    w                                      # shows the controls and the figure

Each control offers a short, finite list of values, so the figure has one
*frame* per combination of control values. The widget (an anywidget: this
module plus ``figure.js``) works in three places:

* **live in JupyterLab**: moving a control sends the new choice to Python,
  which calls ``draw`` for that frame, renders it to a small PNG, caches it
  and sends it back;
* **in the static book**, where no Python runs: at build time every frame is
  drawn in advance and saved in the widget's state, and the browser switches
  frames by itself. Precomputing is chosen by ``precompute=True`` or by the
  environment variable ``KNNBOOK_PRECOMPUTE=1``, which
  ``scripts/build-book.sh`` sets (class runs and nbval stay fast);
* **on paper and without JavaScript**: :meth:`InteractiveFigure.static_figure`
  draws the figure at the default values, and the widget's display data also
  carries that frame as ``image/png``.

If ``draw`` raises while a student moves a control, the widget shows a
friendly message in the figure area and keeps the last good frame; no
traceback appears inside the widget.

Examples
--------
>>> from knnlib.widgets import interactive_figure, Slider, Toggle
>>> def draw(fig, *, k, grid):
...     ax = fig.subplots()
...     ax.plot(range(k), "o-")
...     ax.grid(grid)
>>> w = interactive_figure(draw, k=Slider([1, 3, 5], value=3), grid=Toggle(label="grid lines"),
...                        alt="A line through k points", precompute=True)
>>> w.n_frames, sorted(w.frames) == sorted(["0,0", "0,1", "1,0", "1,1", "2,0", "2,1"])
(6, True)
>>> w.values
{'k': 3, 'grid': False}
>>> w.select(k=5)
>>> w.values
{'k': 5, 'grid': False}
>>> w.frame_png(k=1, grid=True)[:8]  # every frame is a PNG
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import base64
import inspect
import io
import itertools
import math
import os
import pathlib
import time

import anywidget
import numpy as np
import traitlets

__all__ = [
    "PRECOMPUTE_ENV",
    "Dropdown",
    "InteractiveFigure",
    "Slider",
    "Toggle",
    "interactive_figure",
    "precompute_requested",
    "render_png",
]

_HERE = pathlib.Path(__file__).parent

#: Environment variable that asks every interactive figure to precompute all
#: its frames (set by scripts/build-book.sh for the static book).
PRECOMPUTE_ENV = "KNNBOOK_PRECOMPUTE"

#: Most frames one figure may have unless ``max_frames`` says otherwise:
#: at 10 to 40 kB per frame, 100 frames already weigh 1 to 4 MB of page.
DEFAULT_MAX_FRAMES = 100

#: Precomputing longer than this (estimated from the first frame) shows a progress bar.
_PROGRESS_AFTER_SECONDS = 3.0

_PNG_DATA_URL = "data:image/png;base64,"


def precompute_requested():
    """Whether the environment asks for precomputed frames (``KNNBOOK_PRECOMPUTE``).

    Returns
    -------
    bool
        True when ``KNNBOOK_PRECOMPUTE`` is one of ``1``, ``true``, ``yes``
        (any case); False when it is unset, empty, ``0``, ``false`` or ``no``.

    Raises
    ------
    ValueError
        For any other value (a typo should not silently build a page whose
        figures do not respond).

    Examples
    --------
    >>> import os
    >>> os.environ.pop("KNNBOOK_PRECOMPUTE", None) and None
    >>> precompute_requested()
    False
    """
    raw = os.environ.get(PRECOMPUTE_ENV, "").strip().lower()
    if raw in {"1", "true", "yes"}:
        return True
    if raw in {"", "0", "false", "no"}:
        return False
    raise ValueError(
        f"environment variable {PRECOMPUTE_ENV} must be 1/true/yes or 0/false/no, got {PRECOMPUTE_ENV}={raw!r}"
    )


# ---------------------------------------------------------------------------
# Controls
# ---------------------------------------------------------------------------


def _check_label(label):
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a string or None, got label = {label!r}")
    return label


class _Control:
    """A finite list of values, one of them the default, shown with a label."""

    kind = ""

    def __init__(self, values, value=None, label=None, display=None):
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise TypeError(
                f"values must be a list of the values the control offers, got values = {values!r}"
            )
        values = list(values)
        if not values:
            raise ValueError("values must hold at least one value, got values = []")
        for i, a in enumerate(values):
            for b in values[:i]:
                if _same(a, b):
                    raise ValueError(f"values must be distinct, got {a!r} twice in values = {values!r}")
        if value is None:
            value = values[0]
        matches = [i for i, v in enumerate(values) if _same(v, value)]
        if not matches:
            raise ValueError(f"value must be one of values = {values!r}, got value = {value!r}")
        if display is None:
            display = [_display(v) for v in values]
        else:
            if isinstance(display, str) or not hasattr(display, "__iter__"):
                raise TypeError(f"display must be a list of strings, one per value, got display = {display!r}")
            display = list(display)
            if len(display) != len(values) or not all(isinstance(d, str) for d in display):
                raise ValueError(
                    f"display must hold one string per value ({len(values)}), got display = {display!r}"
                )
        self.values = values
        self.index = matches[0]
        self.label = _check_label(label)
        self.display = display

    @property
    def value(self):
        """The default value."""
        return self.values[self.index]

    def __repr__(self):
        return f"{type(self).__name__}({self.values!r}, value={self.value!r}, label={self.label!r})"


def _same(a, b):
    """Whether two control values are equal, as a plain bool (False for arrays or odd types)."""
    try:
        equal = a == b
    except (TypeError, ValueError):
        return False
    return bool(equal) if isinstance(equal, (bool, np.bool_)) else False


def _display(value):
    """How a value is shown beside its control: floats without trailing noise."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Slider(_Control):
    """A slider over an ordered list of values (numbers, usually).

    Parameters
    ----------
    values : list
        The values, in slider order, e.g. ``[1, 3, 5, 7, 9]``.
    value : optional
        The default (one of ``values``); the first value if omitted.
    label : str, optional
        Shown before the slider; the parameter's name if omitted.
    display : list of str, optional
        How each value is shown (default: ``str``, floats with ``:g``).

    Examples
    --------
    >>> Slider([1, 3, 5], value=3, label="k")
    Slider([1, 3, 5], value=3, label='k')
    """

    kind = "slider"


class Dropdown(_Control):
    """A drop-down list of choices (strings, usually).

    Parameters are those of :class:`Slider`.

    Examples
    --------
    >>> Dropdown(["euclidean", "manhattan"], label="metric").value
    'euclidean'
    """

    kind = "dropdown"


class Toggle(_Control):
    """A checkbox: the value is False (unticked) or True (ticked).

    Parameters
    ----------
    value : bool, default False
    label : str, optional

    Examples
    --------
    >>> Toggle(True, label="show ties").values
    [False, True]
    """

    kind = "toggle"

    def __init__(self, value=False, label=None):
        if not isinstance(value, bool):
            raise TypeError(f"value must be True or False, got value = {value!r}")
        super().__init__([False, True], value=value, label=label)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def render_png(fig, *, dpi=100, colors=128):
    """Render a matplotlib Figure to PNG bytes, small enough to embed in a page.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : int, default 100
        Pixels per inch (a 6 x 4 inch figure becomes 600 x 400 pixels).
    colors : int or None, default 128
        Quantise to a palette of this many colours (2 to 256) with Pillow,
        without dithering, so flat areas stay flat and compress well; None
        keeps full RGBA.

    Returns
    -------
    bytes
        The PNG file. The same figure always gives the same bytes (no
        timestamp or software tag is written).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.subplots().plot([0, 1], [1, 0])
    >>> png = render_png(fig, dpi=50)
    >>> png[:4], png == render_png(fig, dpi=50)
    (b'\\x89PNG', True)
    """
    if colors is None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
        return buffer.getvalue()
    from PIL import Image

    # Render straight to pixels (no PNG encoding and decoding in between),
    # on white, then keep at most `colors` colours.
    pixels = Image.fromarray(_render_rgba(fig, dpi))
    image = Image.alpha_composite(Image.new("RGBA", pixels.size, "white"), pixels).convert("RGB")
    quantised = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantised.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _render_rgba(fig, dpi):
    """The figure's pixels at ``dpi`` as an (height, width, 4) uint8 array (Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    old_canvas, old_dpi = fig.canvas, fig.dpi
    try:
        canvas = FigureCanvasAgg(fig)  # attaches itself to fig; put back below
        fig.dpi = dpi
        canvas.draw()
        return np.array(canvas.buffer_rgba())
    finally:
        fig.dpi = old_dpi
        fig.set_canvas(old_canvas)


def _data_url(png):
    return _PNG_DATA_URL + base64.b64encode(png).decode("ascii")


def _png_from_data_url(url):
    return base64.b64decode(url[len(_PNG_DATA_URL):])


def _shared_frames(frames):
    """``frames`` with every repeated picture replaced by ``"@<key>"`` of its first copy.

    Controls that do not change the picture in some state (a step of a
    step-through that does not depend on k, say) give identical frames; the
    page stores each picture once.

    Examples
    --------
    >>> _shared_frames({"0,0": "data:A", "0,1": "data:B", "1,0": "data:A"})
    {'0,0': 'data:A', '0,1': 'data:B', '1,0': '@0,0'}
    """
    first_key = {}
    shared = {}
    for key, url in frames.items():
        if url in first_key:
            shared[key] = "@" + first_key[url]
        else:
            first_key[url] = key
            shared[key] = url
    return shared


def _in_kernel():
    """Whether we run inside a Jupyter kernel (where a progress widget can show)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _Progress:
    """An ipywidgets progress bar that erases itself when done (kernel only).

    The bar is replaced by empty output at the end, so the saved notebook and
    the built page keep no trace of it (a closed widget left in an output
    would show as "model not found" on the static page).
    """

    def __init__(self, total, description):
        import ipywidgets
        from IPython.display import display

        self.bar = ipywidgets.IntProgress(value=0, min=0, max=total, description=description)
        self.handle = display(self.bar, display_id=True)

    def update(self, done):
        self.bar.value = done

    def close(self):
        from IPython.display import HTML

        self.handle.update(HTML(""))
        self.bar.close()


# ---------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------


class InteractiveFigure(anywidget.AnyWidget):
    """A figure with controls; build it with :func:`interactive_figure` (which checks the arguments).

    Synced state (what the browser half reads): ``controls`` (name, kind,
    label and displayed values of each control), ``indices`` (the chosen
    position in each control's values; the browser writes it), ``frames``
    (precomputed PNG data URLs keyed by the indices joined with commas, e.g.
    ``"2,0"``; a repeated picture is stored once, its other keys hold
    ``"@<key of the first copy>"``), ``frame_errors`` (the message for each precomputed frame
    that could not be drawn), ``live`` (the frame Python drew for the current
    choice when it is not in ``frames``: key, PNG data URL, message) and
    ``alt`` (the image's alternative text).
    """

    _esm = _HERE / "figure.js"
    _css = _HERE / "figure.css"

    controls = traitlets.List(traitlets.Dict()).tag(sync=True)
    indices = traitlets.List(traitlets.Int()).tag(sync=True)
    frames = traitlets.Dict(value_trait=traitlets.Unicode()).tag(sync=True)
    frame_errors = traitlets.Dict(value_trait=traitlets.Unicode()).tag(sync=True)
    live = traitlets.Dict().tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)
    width = traitlets.Int(0).tag(sync=True)

    def __init__(self, draw, controls, *, figsize=(6.0, 4.0), dpi=100, colors=128, alt="", precompute=False):
        super().__init__()
        self._draw = draw
        self._names = list(controls)
        self._controls = controls
        self._figsize = tuple(figsize)
        self._dpi = dpi
        self._colors = colors
        self._cache = {}  # key -> PNG data URL
        self._errors = {}  # key -> friendly message
        #: The last exception ``draw`` raised (the widget shows only its message).
        self.last_error = None
        self.controls = [
            {
                "name": name,
                "kind": control.kind,
                "label": control.label if control.label is not None else name,
                "display": control.display,
            }
            for name, control in controls.items()
        ]
        self.alt = alt
        self.width = int(round(self._figsize[0] * dpi))
        default_key = self._key(self._default_indices())
        started = time.perf_counter()
        self._render_key(default_key, raise_errors=True)
        self._seconds_per_frame = time.perf_counter() - started
        if precompute:
            self._precompute_all()
        self.indices = self._default_indices()
        self._show(default_key)

    # ---- keys and values ----

    def _default_indices(self):
        return [control.index for control in self._controls.values()]

    @staticmethod
    def _key(indices):
        return ",".join(str(i) for i in indices)

    def _values_at(self, indices):
        return {name: self._controls[name].values[i] for name, i in zip(self._names, indices)}

    def _indices_from(self, indices, values):
        """``indices`` with the named controls moved to ``values`` (a dict by name)."""
        indices = list(indices)
        for name, value in values.items():
            if name not in self._controls:
                raise TypeError(f"unknown control name {name!r}; the controls are {self._names}")
            control = self._controls[name]
            matches = [i for i, v in enumerate(control.values) if _same(v, value)]
            if not matches:
                raise ValueError(f"{name} must be one of {control.values!r}, got {name} = {value!r}")
            indices[self._names.index(name)] = matches[0]
        return indices

    @property
    def n_frames(self):
        """The number of combinations of control values (one frame each)."""
        return math.prod(len(control.values) for control in self._controls.values())

    @property
    def defaults(self):
        """The default value of each control, by name."""
        return self._values_at(self._default_indices())

    @property
    def values(self):
        """The value each control currently shows, by name."""
        return self._values_at(self.indices)

    def select(self, **values):
        """Move the named controls to these values (others stay); the figure follows."""
        self.indices = self._indices_from(self.indices, values)

    # ---- drawing ----

    def _new_figure(self):
        from matplotlib.figure import Figure

        return Figure(figsize=self._figsize, dpi=self._dpi)

    def static_figure(self, **values):
        """The figure drawn at the default values (or these), as a matplotlib Figure.

        This is the static twin of the widget, for print and for readers
        without JavaScript. Values given by name replace the defaults.
        """
        fig = self._new_figure()
        self._draw(fig, **self._values_at(self._indices_from(self._default_indices(), values)))
        return fig

    def _render_key(self, key, *, raise_errors=False):
        """Draw the frame ``key`` into the cache (or record why it failed)."""
        if key in self._cache or key in self._errors:
            return
        indices = [int(i) for i in key.split(",")]
        values = self._values_at(indices)
        fig = self._new_figure()
        try:
            self._draw(fig, **values)
            png = render_png(fig, dpi=self._dpi, colors=self._colors)
        except Exception as error:  # noqa: BLE001 - any failure of the student's choice becomes a message
            if raise_errors:
                raise
            self.last_error = error
            shown = ", ".join(f"{c['label']} = {c['display'][i]}" for c, i in zip(self.controls, indices))
            self._errors[key] = (
                f"This setting cannot be drawn ({shown}): {type(error).__name__}: {error}. "
                "The figure shows the last setting that worked."
            )
            return
        self._cache[key] = _data_url(png)

    def frame_png(self, **values):
        """The PNG bytes of the frame at these values (defaults for the others).

        Raises the frame's error message as ValueError if ``draw`` failed there.
        """
        key = self._key(self._indices_from(self._default_indices(), values))
        self._render_key(key)
        if key in self._errors:
            raise ValueError(self._errors[key])
        return _png_from_data_url(self._cache[key])

    def frame_sizes(self):
        """Bytes of each PNG drawn so far, by key (what each frame costs the page before base64)."""
        return {key: len(_png_from_data_url(url)) for key, url in self._cache.items()}

    def _precompute_all(self):
        keys = [self._key(ix) for ix in itertools.product(*(range(len(c.values)) for c in self._controls.values()))]
        # The default frame's drawing time predicts the rest.
        slow = self._seconds_per_frame * (len(keys) - 1) > _PROGRESS_AFTER_SECONDS
        progress = _Progress(len(keys), "frames") if slow and _in_kernel() else None
        for done, key in enumerate(keys, start=1):
            self._render_key(key)
            if progress is not None:
                progress.update(done)
        if progress is not None:
            progress.close()
        self.frame_errors = {key: self._errors[key] for key in keys if key in self._errors}
        # In combination order, so the first copy of a shared picture is the first key showing it.
        self.frames = _shared_frames({key: self._cache[key] for key in keys if key in self._cache})

    # ---- live updates ----

    @traitlets.validate("indices")
    def _valid_indices(self, proposal):
        indices = list(proposal.value)
        if len(indices) != len(self._names):
            raise traitlets.TraitError(
                f"indices must hold one position per control ({len(self._names)}), got indices = {indices!r}"
            )
        for name, i in zip(self._names, indices):
            n_values = len(self._controls[name].values)
            if not 0 <= i < n_values:
                raise traitlets.TraitError(
                    f"indices: position {i} is outside control {name!r}'s {n_values} values"
                )
        return indices

    @traitlets.observe("indices")
    def _on_indices(self, change):
        self._show(self._key(change.new))

    def _show(self, key):
        """Make ``live`` describe frame ``key`` (drawing it now if needed)."""
        if key in self.frames or key in self.frame_errors:
            # The browser already has it; no need to send the picture again.
            self.live = {"key": key, "png": "", "error": ""}
            return
        self._render_key(key)
        if key in self._cache:
            self.live = {"key": key, "png": self._cache[key], "error": ""}
        else:
            # Keep the last good picture on screen, with the message under it.
            self.live = {"key": key, "png": self.live.get("png", ""), "error": self._errors[key]}

    # ---- display ----

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data)
        default_url = self._cache[self._key(self._default_indices())]
        # For renderers without the widget manager (e.g. GitHub, nbconvert to
        # PDF): the default frame as a plain image.
        data["image/png"] = default_url[len(_PNG_DATA_URL):]
        if isinstance(bundle, tuple):
            return (data, *bundle[1:])
        return data


def interactive_figure(draw, *, figsize=(6.0, 4.0), dpi=100, colors=128, alt="", precompute=None,
                       max_frames=DEFAULT_MAX_FRAMES, **controls):
    """Turn ``draw(fig, **values)`` and a few controls into an interactive figure.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)``: draws on the fresh, empty matplotlib
        ``Figure`` it is given, for one value of each control (passed by the
        control's name). It must be pure: the same values always give the
        same picture, whatever was drawn before.
    figsize : (float, float), default (6, 4)
        Figure size in inches.
    dpi : int, default 100
        Pixels per inch of each frame. The picture is shown at most at its
        own size, and shrunk to fit narrower columns: the book's text column
        is about 690 pixels wide, so ``figsize[0] * dpi <= 690`` keeps the
        figure's text at the size it was drawn.
    colors : int or None, default 128
        Palette size of each frame's PNG (see :func:`render_png`).
    alt : str
        What the figure shows, for screen readers (the current control
        values are appended in the browser).
    precompute : bool or None
        Draw every frame now, so the figure responds with no kernel (the
        static book). None (default) follows ``KNNBOOK_PRECOMPUTE``.
    max_frames : int, default 100
        Refuse more combinations than this (page weight).
    **controls : Slider, Dropdown or Toggle
        One control per keyword argument of ``draw``.

    Returns
    -------
    InteractiveFigure

    Raises
    ------
    TypeError
        If ``draw`` is not callable, a control is not a Slider, Dropdown or
        Toggle, or the control names do not match ``draw``'s parameters.
    ValueError
        If there are more than ``max_frames`` combinations, or ``draw``
        fails at the default values.

    Examples
    --------
    >>> def draw(fig, *, n):
    ...     fig.subplots().bar(range(n), range(n))
    >>> w = interactive_figure(draw, n=Slider([2, 4, 8], value=4), precompute=False)
    >>> len(w.frames), w.n_frames  # live mode: frames are drawn on demand
    (0, 3)
    >>> interactive_figure(draw, n=Slider(range(200)))
    Traceback (most recent call last):
    ...
    ValueError: interactive_figure has 200 combinations of control values (n: 200), more than max_frames = 100; offer fewer values or pass a larger max_frames
    """
    if not callable(draw):
        raise TypeError(f"draw must be a function draw(fig, **values), got draw = {draw!r}")
    if not controls:
        raise TypeError("interactive_figure needs at least one control, e.g. k=Slider([1, 3, 5])")
    for name, control in controls.items():
        if not isinstance(control, _Control):
            raise TypeError(
                f"control {name!r} must be a Slider, Dropdown or Toggle, got {name} = {control!r}"
            )
    try:
        inspect.signature(draw).bind(None, **{name: c.value for name, c in controls.items()})
    except TypeError as error:
        raise TypeError(
            f"draw must accept the figure and one keyword argument per control {list(controls)}: {error}"
        ) from None
    except ValueError:  # builtins without a signature: find out when drawing
        pass
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise ValueError(f"max_frames must be a positive integer, got max_frames = {max_frames!r}")
    n_frames = math.prod(len(c.values) for c in controls.values())
    if n_frames > max_frames:
        sizes = " x ".join(f"{name}: {len(c.values)}" for name, c in controls.items())
        raise ValueError(
            f"interactive_figure has {n_frames} combinations of control values ({sizes}), more than "
            f"max_frames = {max_frames}; offer fewer values or pass a larger max_frames"
        )
    if (not isinstance(figsize, (tuple, list)) or len(figsize) != 2
            or not all(isinstance(s, (int, float)) and not isinstance(s, bool) and s > 0 for s in figsize)):
        raise ValueError(f"figsize must be (width, height) in inches, both positive, got figsize = {figsize!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 20 <= dpi <= 300:
        raise ValueError(f"dpi must be an integer from 20 to 300, got dpi = {dpi!r}")
    if colors is not None and (isinstance(colors, bool) or not isinstance(colors, int) or not 2 <= colors <= 256):
        raise ValueError(f"colors must be None or an integer from 2 to 256, got colors = {colors!r}")
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a string, got alt = {alt!r}")
    if precompute is None:
        precompute = precompute_requested()
    elif not isinstance(precompute, bool):
        raise TypeError(f"precompute must be True, False or None, got precompute = {precompute!r}")
    return InteractiveFigure(draw, dict(controls), figsize=figsize, dpi=dpi, colors=colors, alt=alt,
                             precompute=precompute)
