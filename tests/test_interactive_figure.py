"""The reusable interactive figure (knnlib/widgets/figure.py), Python half.

Expected pictures are made independently of the widget: a fresh matplotlib
Figure, the same draw function, ``render_png``. The browser half is tested in
tests/browser/test_interactives.py.
"""

from __future__ import annotations

import base64
import io
import itertools

import pytest
from matplotlib.figure import Figure
from PIL import Image

from knnlib.widgets import Dropdown, InteractiveFigure, Slider, Toggle, interactive_figure
from knnlib.widgets.figure import PRECOMPUTE_ENV, precompute_requested, render_png

FIGSIZE = (3.0, 2.0)
DPI = 50


def draw_bars(fig, *, n, colour, outline):
    """A small pure drawing: n bars of one colour, optionally outlined."""
    ax = fig.subplots()
    ax.bar(range(n), [i + 1 for i in range(n)], color=colour, edgecolor="black" if outline else colour)
    ax.set_title(f"n = {n}")


def bar_controls():
    return {
        "n": Slider([1, 2, 4], value=2, label="bars"),
        "colour": Dropdown(["tab:blue", "tab:orange"], label="colour"),
        "outline": Toggle(label="outline"),
    }


def expected_png(draw, **values):
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    draw(fig, **values)
    return render_png(fig, dpi=DPI)


def decode(data_url):
    prefix = "data:image/png;base64,"
    assert data_url.startswith(prefix)
    return base64.b64decode(data_url[len(prefix):])


def frame_at(w, key):
    """The data URL of a precomputed frame, following "@<key>" references to a shared copy."""
    url = w.frames[key]
    return w.frames[url[1:]] if url.startswith("@") else url


def make(draw=draw_bars, precompute=False, **kwargs):
    controls = kwargs.pop("controls", None) or bar_controls()
    return interactive_figure(draw, figsize=FIGSIZE, dpi=DPI, precompute=precompute, **kwargs, **controls)


class CountingDraw:
    """draw_bars that counts its calls (to see the cache work)."""

    def __init__(self):
        self.calls = []

    def __call__(self, fig, *, n, colour, outline):
        self.calls.append((n, colour, outline))
        draw_bars(fig, n=n, colour=colour, outline=outline)


# ---------------------------------------------------------------------------
# Frames


def test_precompute_draws_one_frame_per_combination():
    w = make(precompute=True)
    combos = list(itertools.product(range(3), range(2), range(2)))
    assert w.n_frames == 12
    assert sorted(w.frames) == sorted(",".join(map(str, c)) for c in combos)
    assert w.frame_errors == {}
    for n_i, c_i, o_i in combos:
        values = {"n": [1, 2, 4][n_i], "colour": ["tab:blue", "tab:orange"][c_i], "outline": [False, True][o_i]}
        assert decode(frame_at(w, f"{n_i},{c_i},{o_i}")) == expected_png(draw_bars, **values), values


def test_frames_differ_between_combinations():
    w = make(precompute=True)
    assert len(set(w.frames.values())) == w.n_frames
    assert not any(url.startswith("@") for url in w.frames.values())


def test_identical_frames_are_stored_once():
    def draw(fig, *, n, colour, outline):  # the colour shows only with an outline
        draw_bars(fig, n=n, colour=colour if outline else "tab:blue", outline=outline)

    w = make(draw, precompute=True)
    assert w.frames["0,1,0"] == "@0,0,0" and w.frames["2,1,0"] == "@2,0,0"
    assert sum(url.startswith("data:") for url in w.frames.values()) == 9
    for key in w.frames:
        n_i, c_i, o_i = map(int, key.split(","))
        colour = ["tab:blue", "tab:orange"][c_i] if o_i else "tab:blue"
        assert decode(frame_at(w, key)) == expected_png(draw_bars, n=[1, 2, 4][n_i], colour=colour,
                                                        outline=bool(o_i)), key


def test_live_mode_draws_on_demand_and_caches():
    draw = CountingDraw()
    w = make(draw)
    assert w.frames == {}
    assert draw.calls == [(2, "tab:blue", False)]  # only the default frame
    assert w.live["key"] == "1,0,0" and decode(w.live["png"]) == expected_png(draw_bars, n=2, colour="tab:blue",
                                                                             outline=False)
    w.select(n=4)
    assert w.live["key"] == "2,0,0"
    assert decode(w.live["png"]) == expected_png(draw_bars, n=4, colour="tab:blue", outline=False)
    w.select(n=2)
    w.select(n=4)
    w.indices = [2, 0, 0]  # as the browser would send it
    assert draw.calls == [(2, "tab:blue", False), (4, "tab:blue", False)]
    assert set(w.frame_sizes()) == {"1,0,0", "2,0,0"}


def test_browser_indices_change_the_values():
    w = make()
    w.indices = [0, 1, 1]
    assert w.values == {"n": 1, "colour": "tab:orange", "outline": True}
    assert w.defaults == {"n": 2, "colour": "tab:blue", "outline": False}
    assert decode(w.live["png"]) == expected_png(draw_bars, n=1, colour="tab:orange", outline=True)


def test_live_frame_not_resent_when_precomputed():
    w = make(precompute=True)
    w.select(n=4, outline=True)
    assert w.live == {"key": "2,0,1", "png": "", "error": ""}  # the browser has it in frames


def test_frame_png_uses_defaults_for_unnamed_controls():
    w = make()
    assert w.frame_png(colour="tab:orange") == expected_png(draw_bars, n=2, colour="tab:orange", outline=False)


def test_frames_are_small_palette_pngs():
    w = make(precompute=True)
    image = Image.open(io.BytesIO(decode(frame_at(w, "2,1,1"))))
    assert image.mode == "P" and image.size == (FIGSIZE[0] * DPI, FIGSIZE[1] * DPI)
    full = Figure(figsize=FIGSIZE, dpi=DPI)
    draw_bars(full, n=4, colour="tab:orange", outline=True)
    assert len(decode(frame_at(w, "2,1,1"))) < len(render_png(full, dpi=DPI, colors=None))
    assert all(size < 10_000 for size in w.frame_sizes().values())


def test_render_png_is_deterministic_and_palette_bounded():
    fig = Figure(figsize=FIGSIZE)
    draw_bars(fig, n=4, colour="tab:orange", outline=True)
    png = render_png(fig, dpi=DPI, colors=16)
    assert png == render_png(fig, dpi=DPI, colors=16)
    assert len(Image.open(io.BytesIO(png)).getcolors()) <= 16
    assert Image.open(io.BytesIO(render_png(fig, dpi=DPI, colors=None))).mode == "RGBA"


# ---------------------------------------------------------------------------
# The precompute switch


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("", False),
                                               ("0", False), ("false", False), ("No", False)])
def test_precompute_environment_variable(monkeypatch, raw, expected):
    monkeypatch.setenv(PRECOMPUTE_ENV, raw)
    assert precompute_requested() is expected
    w = interactive_figure(draw_bars, figsize=FIGSIZE, dpi=DPI, **bar_controls())
    assert len(w.frames) == (12 if expected else 0)


def test_precompute_argument_overrides_environment(monkeypatch):
    monkeypatch.setenv(PRECOMPUTE_ENV, "1")
    assert make(precompute=False).frames == {}
    monkeypatch.setenv(PRECOMPUTE_ENV, "0")
    assert len(make(precompute=True).frames) == 12


def test_precompute_environment_typo_is_an_error(monkeypatch):
    monkeypatch.setenv(PRECOMPUTE_ENV, "yes please")
    with pytest.raises(ValueError, match="KNNBOOK_PRECOMPUTE.*'yes please'"):
        interactive_figure(draw_bars, **bar_controls())


def test_precompute_must_be_bool_or_none():
    with pytest.raises(TypeError, match="precompute must be True, False or None, got precompute = 'yes'"):
        make(precompute="yes")


# ---------------------------------------------------------------------------
# Errors in draw


def fragile_draw(fig, *, n, colour, outline):
    if n == 4 and outline:
        raise ValueError("four outlined bars are not allowed")
    draw_bars(fig, n=n, colour=colour, outline=outline)


def test_draw_error_while_moving_shows_message_and_keeps_last_frame():
    w = make(fragile_draw)
    w.select(n=4)
    good = w.live["png"]
    w.select(outline=True)  # must not raise
    assert w.live["key"] == "2,0,1"
    assert w.live["png"] == good
    assert "four outlined bars are not allowed" in w.live["error"]
    assert "ValueError" in w.live["error"] and "bars = 4" in w.live["error"]
    assert "Traceback" not in w.live["error"]
    assert isinstance(w.last_error, ValueError)
    w.select(outline=False)
    assert w.live == {"key": "2,0,0", "png": good, "error": ""}


def test_draw_error_during_precompute_is_recorded_per_frame():
    w = make(fragile_draw, precompute=True)
    assert set(w.frame_errors) == {"2,0,1", "2,1,1"}
    assert len(w.frames) == 10
    assert all("four outlined bars" in message for message in w.frame_errors.values())
    with pytest.raises(ValueError, match="four outlined bars"):
        w.frame_png(n=4, outline=True)


def test_draw_error_at_the_defaults_raises_at_once():
    def broken(fig, *, n):
        raise RuntimeError("broken figure")

    with pytest.raises(RuntimeError, match="broken figure"):
        interactive_figure(broken, n=Slider([1, 2]))


# ---------------------------------------------------------------------------
# Static twin and display data


def test_static_figure_is_the_default_frame():
    w = make(precompute=True)
    fig = w.static_figure()
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == FIGSIZE
    default_key = ",".join(str(i) for i in w.indices)
    assert render_png(fig, dpi=DPI) == decode(frame_at(w, default_key))
    assert render_png(w.static_figure(n=4), dpi=DPI) == decode(frame_at(w, "2,0,0"))


def test_static_figure_ignores_the_current_choice():
    w = make()
    w.select(n=4, colour="tab:orange")
    assert render_png(w.static_figure(), dpi=DPI) == expected_png(draw_bars, n=2, colour="tab:blue", outline=False)


def test_mime_bundle_has_widget_view_and_default_png():
    w = make()
    w.select(n=4)  # the fallback picture is still the default frame
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    assert base64.b64decode(data["image/png"]) == expected_png(draw_bars, n=2, colour="tab:blue", outline=False)


def test_synced_control_description():
    w = make(alt="Bars")
    assert w.alt == "Bars"
    assert w.width == FIGSIZE[0] * DPI
    assert w.controls == [
        {"name": "n", "kind": "slider", "label": "bars", "display": ["1", "2", "4"]},
        {"name": "colour", "kind": "dropdown", "label": "colour", "display": ["tab:blue", "tab:orange"]},
        {"name": "outline", "kind": "toggle", "label": "outline", "display": ["False", "True"]},
    ]
    assert w.indices == [1, 0, 0]


def test_label_defaults_to_name_and_display_is_configurable():
    def draw(fig, *, p):
        fig.subplots().set_title(str(p))

    w = interactive_figure(draw, p=Slider([1.0, 2.0, float("inf")], display=["1", "2", "∞"]), dpi=DPI,
                           figsize=FIGSIZE, precompute=False)
    assert w.controls[0]["label"] == "p"
    assert w.controls[0]["display"] == ["1", "2", "∞"]
    assert Slider([0.5, 0.25]).display == ["0.5", "0.25"]


# ---------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    ("make_control", "error", "message"),
    [
        (lambda: Slider([]), ValueError, r"values must hold at least one value, got values = \[\]"),
        (lambda: Slider(5), TypeError, "values must be a list .* got values = 5"),
        (lambda: Slider("abc"), TypeError, "got values = 'abc'"),
        (lambda: Slider([1, 2, 1]), ValueError, r"values must be distinct, got 1 twice"),
        (lambda: Slider([1, 3, 5], value=4), ValueError, r"value must be one of values = \[1, 3, 5\], got value = 4"),
        (lambda: Dropdown(["a", "b"], label=3), TypeError, "label must be a string or None, got label = 3"),
        (lambda: Dropdown(["a", "b"], display=["A"]), ValueError, "display must hold one string per value"),
        (lambda: Toggle("yes"), TypeError, "value must be True or False, got value = 'yes'"),
    ],
)
def test_bad_controls(make_control, error, message):
    with pytest.raises(error, match=message):
        make_control()


def test_bad_figure_arguments():
    with pytest.raises(TypeError, match="draw must be a function"):
        interactive_figure("not a function", n=Slider([1]))
    with pytest.raises(TypeError, match="needs at least one control"):
        interactive_figure(draw_bars)
    with pytest.raises(TypeError, match=r"control 'n' must be a Slider, Dropdown or Toggle, got n = \[1, 2\]"):
        interactive_figure(draw_bars, n=[1, 2], colour=Dropdown(["red"]), outline=Toggle())
    with pytest.raises(TypeError, match=r"one keyword argument per control \['n'\]"):
        interactive_figure(draw_bars, n=Slider([1, 2]))
    with pytest.raises(TypeError, match="one keyword argument per control"):
        interactive_figure(draw_bars, **bar_controls(), size=Slider([1, 2]))
    with pytest.raises(ValueError, match=r"figsize must be .* got figsize = \(6, -1\)"):
        interactive_figure(draw_bars, figsize=(6, -1), **bar_controls())
    with pytest.raises(ValueError, match="dpi must be an integer from 20 to 300, got dpi = 1000"):
        interactive_figure(draw_bars, dpi=1000, **bar_controls())
    with pytest.raises(ValueError, match="colors must be None or an integer from 2 to 256, got colors = 1"):
        interactive_figure(draw_bars, colors=1, **bar_controls())
    with pytest.raises(TypeError, match="alt must be a string, got alt = 3"):
        interactive_figure(draw_bars, alt=3, **bar_controls())


def test_too_many_combinations():
    controls = {"n": Slider(list(range(1, 11))), "colour": Dropdown(["a", "b", "c"]), "outline": Toggle()}
    with pytest.raises(ValueError, match=r"60 combinations .*\(n: 10 x colour: 3 x outline: 2\), more than "
                                         r"max_frames = 50"):
        interactive_figure(draw_bars, max_frames=50, **controls)
    with pytest.raises(ValueError, match="max_frames must be a positive integer, got max_frames = 0"):
        interactive_figure(draw_bars, max_frames=0, **controls)


def test_bad_selection():
    w = make()
    with pytest.raises(TypeError, match=r"unknown control name 'k'; the controls are \['n', 'colour', 'outline'\]"):
        w.select(k=3)
    with pytest.raises(ValueError, match=r"n must be one of \[1, 2, 4\], got n = 3"):
        w.select(n=3)
    with pytest.raises(Exception, match="position 3 is outside control 'n'"):
        w.indices = [3, 0, 0]
    with pytest.raises(Exception, match="one position per control"):
        w.indices = [0, 0]
    assert w.indices == [1, 0, 0]


def test_widget_class_is_exported():
    assert isinstance(make(), InteractiveFigure)


def test_shared_frames_keep_the_first_key_in_combination_order():
    def draw(fig, *, colour):  # the colour is ignored: both frames look the same
        fig.subplots().plot([0, 1])

    w = interactive_figure(draw, colour=Dropdown(["red", "blue"], value="blue"), figsize=FIGSIZE, dpi=DPI,
                           precompute=True)
    assert w.indices == [1]  # the default was drawn first, yet "0" holds the picture
    assert w.frames["0"].startswith("data:") and w.frames["1"] == "@0"


# ---------------------------------------------------------------------------
# Progress while precomputing


class RecordingProgress:
    def __init__(self, total, description):
        self.events = [("open", total, description)]
        RecordingProgress.last = self

    def update(self, done):
        self.events.append(done)

    def close(self):
        self.events.append("closed")


@pytest.mark.parametrize(("in_kernel", "threshold", "shown"), [(True, 0.0, True), (True, 1e9, False),
                                                                 (False, 0.0, False)])
def test_progress_bar_only_for_slow_precomputing_in_a_kernel(monkeypatch, in_kernel, threshold, shown):
    import knnlib.widgets.figure as figure_module

    RecordingProgress.last = None
    monkeypatch.setattr(figure_module, "_Progress", RecordingProgress)
    monkeypatch.setattr(figure_module, "_in_kernel", lambda: in_kernel)
    monkeypatch.setattr(figure_module, "_PROGRESS_AFTER_SECONDS", threshold)
    make(precompute=True)
    if shown:
        assert RecordingProgress.last.events == [("open", 12, "frames"), *range(1, 13), "closed"]
    else:
        assert RecordingProgress.last is None
    make(precompute=False)  # live mode never shows one


def test_progress_bar_erases_itself(monkeypatch):
    import IPython.display

    import knnlib.widgets.figure as figure_module

    calls = []

    class Handle:
        def update(self, obj):
            calls.append(("update", obj))

    def fake_display(obj, display_id=False):
        calls.append(("display", obj, display_id))
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    progress = figure_module._Progress(5, "frames")
    progress.update(3)
    assert calls == [("display", progress.bar, True)]
    assert (progress.bar.max, progress.bar.value) == (5, 3)
    progress.close()
    assert calls[1][0] == "update" and calls[1][1].data == ""  # the output is emptied...
    assert progress.bar.comm is None  # ...and the widget closed, so no saved state refers to it
