"""The playground in a real browser: the static book page (no kernel) and JupyterLab.

What is checked, after each click, slider move or switch:

* the grid the widget computed (read from the page) equals knnlib's
  ``predict_grid`` on the points the widget holds: labels and ties, every cell;
* the canvas pixels at the centre of every cell not covered by a marker have
  exactly the region colour of knnlib's predicted class, and tied cells are
  visibly hatched;
* the probe's neighbours are knnlib's ``kneighbors``;
* in JupyterLab, the kernel sees the clicked points (``playground.X``) and the
  slider's k, and a change made in Python redraws the canvas.

The redraw time (300 points, 150 x 150 cells) is measured in the browser and
written to ``test-artifacts/playground_redraw_ms.json``; it is a measurement,
not an assertion (benchmarks, not tests, judge speed on a shared machine).
"""

from __future__ import annotations

import base64
import io
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pytest

from knnlib import KNNClassifier
from knnlib.datasets import load_preset
from knnlib.plotting import REGION_COLORS
from knnlib.widgets import predict_grid

CHAPTER_PAGE = "notebooks/01_playground.html"
CHAPTER_NOTEBOOK = "01_playground.ipynb"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Plot geometry in CSS pixels, as drawn by playground.js (also in the canvas's data-* attributes).
PLOT_LEFT, PLOT_TOP, PLOT_SIZE = 36, 10, 450
MARKER_CLEARANCE = 11  # px around a point's centre that its marker may cover

READ_WIDGET_JS = """() => {
  const root = document.querySelector('.knnpg');
  const api = root.knnPlayground;
  const grid = api.lastGrid;
  return {
    points: api.points, labels: api.labels, settings: api.settings,
    gridLabels: Array.from(grid.labels), gridTies: Array.from(grid.ties),
    kEffective: grid.kEffective, dataset: {...root.dataset},
    notes: [...root.querySelectorAll('.knnpg-notes p')].map(p => p.textContent),
    tally: root.querySelector('.knnpg-tally').textContent,
    canvas: root.querySelector('canvas').toDataURL('image/png'),
  };
}"""


def hex_to_rgb(color):
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def decode_png(data_url):
    from PIL import Image

    png = base64.b64decode(data_url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def read_widget(page):
    state = page.evaluate(READ_WIDGET_JS)
    state["pixels"] = decode_png(state.pop("canvas"))
    return state


def wait_for_redraw(page):
    """Wait until the widget has drawn, including any frame already requested."""
    page.wait_for_function(
        """() => {
          const root = document.querySelector('.knnpg');
          return root && root.knnPlayground && root.knnPlayground.lastGrid && root.dataset.renderMs;
        }"""
    )
    # The widget draws in a requestAnimationFrame callback; callbacks run in
    # the order they were requested, so after two more frames every redraw
    # requested before this call has been painted.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def expected_from_knnlib(state):
    settings = state["settings"]
    X = np.array(state["points"], dtype=float).reshape(-1, 2)
    y = np.array(state["labels"], dtype=int)
    k = min(settings["k"], len(X))
    labels, ties = predict_grid(
        X, y, k=k, metric=settings["metric"], weights=settings["weights"],
        grid=settings["grid"], extent=tuple(settings["extent"]),
    )
    return X, y, labels, ties


def assert_widget_matches_knnlib(state, min_visible=0.5, ties_marked=True):
    """The computed grid and the painted pixels both agree with knnlib.

    ``min_visible``: the share of cells that must be free of markers, so that
    enough pixels are checked. ``ties_marked``: whether "Mark ties" is on.
    """
    X, y, labels, ties = expected_from_knnlib(state)
    grid = state["settings"]["grid"]
    assert state["kEffective"] == min(state["settings"]["k"], len(X))
    np.testing.assert_array_equal(np.array(state["gridLabels"]).reshape(grid, grid), labels)
    np.testing.assert_array_equal(np.array(state["gridTies"], dtype=bool).reshape(grid, grid), ties)

    # Pixels: the centre pixel of every cell, in canvas coordinates (row 0 at the bottom).
    pixels = state["pixels"]
    scale = pixels.shape[1] / (PLOT_LEFT + PLOT_SIZE + 10)  # device pixels per CSS pixel
    centres = (np.arange(grid) + 0.5) * PLOT_SIZE / grid
    cx = PLOT_LEFT + centres[None, :].repeat(grid, 0)
    cy = PLOT_TOP + PLOT_SIZE - centres[:, None].repeat(grid, 1)
    colour = pixels[(cy * scale).astype(int), (cx * scale).astype(int)]
    # Leave out the cells a marker may cover.
    x0, x1, y0, y1 = state["settings"]["extent"]
    point_cx = PLOT_LEFT + (X[:, 0] - x0) / (x1 - x0) * PLOT_SIZE
    point_cy = PLOT_TOP + (y1 - X[:, 1]) / (y1 - y0) * PLOT_SIZE
    covered = np.zeros((grid, grid), dtype=bool)
    for px, py in zip(point_cx, point_cy):
        covered |= (np.abs(cx - px) < MARKER_CLEARANCE) & (np.abs(cy - py) < MARKER_CLEARANCE)
    region = np.array([hex_to_rgb(c) for c in REGION_COLORS])
    expected_colour = region[labels]
    clear = ~covered & (~ties if ties_marked else True)
    assert (~covered).sum() > min_visible * grid * grid
    wrong = clear & np.any(colour != expected_colour, axis=-1)
    assert not wrong.any(), (
        f"{wrong.sum()} cells painted in the wrong colour, e.g. cell (row, col) "
        f"{tuple(np.argwhere(wrong)[0])}: {colour[wrong][0]} instead of {expected_colour[wrong][0]}"
    )
    if ties_marked and (ties & ~covered).sum() >= 50:
        # Hatching: a good share of tied cells' centre pixels show a stripe.
        striped = np.any(colour != expected_colour, axis=-1) & ties & ~covered
        assert striped.sum() > 0.1 * (ties & ~covered).sum(), "tied cells are not visibly hatched"
    return X, y


def click_plot(canvas, x, y):
    """Click the plot at data coordinates (x, y) in [0, 10]^2 (to within a pixel)."""
    canvas.click(position={"x": PLOT_LEFT + x * PLOT_SIZE / 10, "y": PLOT_TOP + (10 - y) * PLOT_SIZE / 10})


def move_mouse_away(page):
    page.mouse.move(1, 1)


@pytest.fixture
def chapter(page, book_url):
    page.goto(book_url + CHAPTER_PAGE)
    page.locator(".knnpg canvas").wait_for(timeout=60_000)
    wait_for_redraw(page)
    page.locator(".knnpg").scroll_into_view_if_needed()
    return page


# ---------------------------------------------------------------------------
# The static book page


def test_static_page_shows_knnlibs_picture_and_follows_every_control(chapter, page_log, save_screenshot):
    page = chapter
    canvas = page.locator(".knnpg canvas")
    root = page.locator(".knnpg")

    # As saved by the book build: the noisy-overlap preset, k = 5, Euclidean, uniform.
    state = read_widget(page)
    X_start, _ = load_preset("noisy_overlap")
    np.testing.assert_array_equal(np.array(state["points"]), X_start)
    assert state["settings"]["k"] == 5 and state["settings"]["metric"] == "euclidean"
    assert_widget_matches_knnlib(state)
    save_screenshot(page, "playground_static_initial")

    # Clear: a friendly message, and a drawn (not blank) canvas.
    root.get_by_role("button", name="Clear").click()
    wait_for_redraw(page)
    state = read_widget(page)
    assert state["points"] == [] and state["notes"][0].startswith("No training points yet")
    plot = state["pixels"][PLOT_TOP + 5 : PLOT_TOP + PLOT_SIZE - 5, PLOT_LEFT + 5 : PLOT_LEFT + PLOT_SIZE - 5]
    assert (plot == hex_to_rgb("#F4F4F4")).all(axis=-1).mean() > 0.99
    assert (state["pixels"] < 200).all(axis=-1).sum() > 1000, "the axes and tick labels are drawn"

    # Click to add points: two of class 0, then two of class 1.
    click_plot(canvas, 2, 8)
    click_plot(canvas, 3, 2)
    root.locator(".knnpg-class").nth(1).click()
    click_plot(canvas, 7, 7)
    click_plot(canvas, 8, 3)
    move_mouse_away(page)
    wait_for_redraw(page)
    state = read_widget(page)
    # Within a pixel of where we clicked (the page may put the canvas at a
    # fractional offset); the exact values are what knnlib is compared on.
    np.testing.assert_allclose(state["points"], [[2, 8], [3, 2], [7, 7], [8, 3]], atol=0.03)
    assert state["labels"] == [0, 0, 1, 1]
    # k = 5 > 4 points: clamped, with a message; a 2-2 vote everywhere, so ties everywhere.
    assert state["kEffective"] == 4
    assert any(note.startswith("k = 5, but there are only 4 points") for note in state["notes"])
    assert_widget_matches_knnlib(state)
    all_tied = read_widget(page)
    # "Mark ties" off: the same cells, plain colours.
    root.get_by_label("Mark ties").uncheck()
    wait_for_redraw(page)
    assert_widget_matches_knnlib(read_widget(page), ties_marked=False)
    root.get_by_label("Mark ties").check()

    # k = 1: the picture changes, and still matches knnlib pixel for pixel.
    root.locator("input[type=range]").fill("1")
    wait_for_redraw(page)
    state = read_widget(page)
    assert state["settings"]["k"] == 1
    assert_widget_matches_knnlib(state)
    changed = np.any(state["pixels"] != all_tied["pixels"], axis=-1).mean()
    assert changed > 0.2, "moving k should repaint much of the canvas"

    # Metric and weights.
    root.get_by_label("Distance metric").select_option("manhattan")
    wait_for_redraw(page)
    manhattan = read_widget(page)
    assert manhattan["settings"]["metric"] == "manhattan"
    assert_widget_matches_knnlib(manhattan)
    root.get_by_label("Distance metric").select_option("chebyshev")
    root.get_by_label("Vote weights").select_option("distance")
    root.locator("input[type=range]").fill("3")
    wait_for_redraw(page)
    assert_widget_matches_knnlib(read_widget(page))

    # Three classes: pick class 2 and add a point of it.
    root.get_by_label("Number of classes").select_option("3")
    root.locator(".knnpg-class").nth(2).click()
    click_plot(canvas, 5, 5)
    move_mouse_away(page)
    wait_for_redraw(page)
    state = read_widget(page)
    assert state["labels"][-1] == 2
    np.testing.assert_allclose(state["points"][-1], [5, 5], atol=0.03)
    assert_widget_matches_knnlib(state)

    # Probe mode: a click places the probe instead of adding a point.
    root.get_by_role("button", name="Probe mode").click()
    click_plot(canvas, 6, 4)
    move_mouse_away(page)
    wait_for_redraw(page)
    state = read_widget(page)
    assert len(state["points"]) == 5
    np.testing.assert_allclose([float(v) for v in state["dataset"]["probe"].split(",")], [6, 4], atol=0.03)
    root.get_by_role("button", name="Probe mode").click()
    canvas.focus()
    page.keyboard.press("Escape")  # remove the probe again

    # A duplicate point gets a note; undo removes it again.
    click_plot(canvas, 5, 5)
    move_mouse_away(page)
    wait_for_redraw(page)
    state = read_widget(page)
    assert len(state["points"]) == 6
    assert any("exactly on top of another" in note for note in state["notes"])
    root.get_by_role("button", name="Undo").click()
    wait_for_redraw(page)
    assert len(read_widget(page)["points"]) == 5

    # The keyboard: arrow keys place the probe, Enter adds a point there.
    canvas.focus()
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowRight")  # from the centre (5, 5), one small step right
    page.keyboard.press("Enter")
    wait_for_redraw(page)
    state = read_widget(page)
    assert state["points"][-1] == [5.2, 5.0] and state["labels"][-1] == 2
    assert "Probe at (5.20, 5.00)" in state["tally"]
    page.keyboard.press("Escape")  # the probe's lines would cover cells
    wait_for_redraw(page)
    assert_widget_matches_knnlib(read_widget(page))

    # A preset from the dropdown.
    root.get_by_label("Preset dataset").select_option("three_classes")
    wait_for_redraw(page)
    state = read_widget(page)
    assert len(state["points"]) == 105 and state["settings"]["nClasses"] == 3
    assert_widget_matches_knnlib(state)
    save_screenshot(page, "playground_static_three_classes")

    # The probe (hover): lines to knnlib's neighbours, and the tally.
    canvas.hover(position={"x": PLOT_LEFT + 4.4 * PLOT_SIZE / 10, "y": PLOT_TOP + (10 - 5.6) * PLOT_SIZE / 10})
    page.wait_for_function("document.querySelector('.knnpg').dataset.probeIndices !== undefined")
    state = read_widget(page)
    probe = [float(v) for v in state["dataset"]["probe"].split(",")]
    assert probe == pytest.approx([4.4, 5.6], abs=0.03)
    X, y = np.array(state["points"]), np.array(state["labels"])
    settings = state["settings"]
    model = KNNClassifier(k=settings["k"], metric=settings["metric"], weights=settings["weights"]).fit(X, y)
    neighbours = model.kneighbors([probe], return_distance=False)[0]
    assert state["dataset"]["probeIndices"] == ",".join(map(str, neighbours))
    assert int(state["dataset"]["probeLabel"]) == model.predict([probe])[0]
    assert f"Probe at ({probe[0]:.2f}, {probe[1]:.2f})" in state["tally"]
    save_screenshot(page, "playground_static_probe")

    page_log.assert_clean()


def test_static_page_edge_cases_show_messages_not_errors(chapter, page_log):
    page = chapter
    canvas = page.locator(".knnpg canvas")
    root = page.locator(".knnpg")
    root.get_by_role("button", name="Clear").click()
    click_plot(canvas, 4, 4)  # one point, one class
    move_mouse_away(page)
    wait_for_redraw(page)
    state = read_widget(page)
    assert any(note.startswith("Every point is class 0") for note in state["notes"])
    assert any(note.startswith("k = 5, but there is only 1 point") for note in state["notes"])
    assert set(state["gridLabels"]) == {0}
    assert_widget_matches_knnlib(state)
    page_log.assert_clean()


def test_redraw_time_is_measured_for_300_points(chapter, page_log):
    """Record how long a redraw takes; assert only that what was drawn is right."""
    page = chapter
    rng = np.random.default_rng(0)
    X = np.round(rng.uniform(0.1, 9.9, size=(300, 2)), 2)
    y = rng.integers(0, 3, size=300)
    page.evaluate(
        "([points, labels]) => document.querySelector('.knnpg').knnPlayground.setData(points, labels)",
        [X.tolist(), y.tolist()],
    )
    root = page.locator(".knnpg")
    root.get_by_label("Number of classes").select_option("3")
    move_mouse_away(page)
    measurements = {}
    for metric in ("euclidean", "manhattan", "chebyshev"):
        root.get_by_label("Distance metric").select_option(metric)
        for k in (1, 5, 15, 25):
            root.locator("input[type=range]").fill(str(k))
            wait_for_redraw(page)
            # The full redraw (all 22,500 cells recomputed and painted), seven times.
            times = page.evaluate(
                "() => Array.from({length: 7}, () => document.querySelector('.knnpg').knnPlayground.drawNow())"
            )
            # From a slider move to the painted frame, as a student sees it:
            # the input event, the model change, the frame that redraws. Our
            # animation-frame callback is requested after the widget's, so it
            # runs right after the widget has painted.
            latencies = page.evaluate(
                """async (k) => {
                     const slider = document.querySelector('.knnpg input[type=range]');
                     const out = [];
                     for (let i = 0; i < 5; i++) {
                       const value = i % 2 === 0 ? (k > 1 ? k - 1 : 2) : k;
                       out.push(await new Promise(resolve => {
                         const start = performance.now();
                         slider.value = String(value);
                         slider.dispatchEvent(new Event('input', {bubbles: true}));
                         requestAnimationFrame(() => resolve(performance.now() - start));
                       }));
                     }
                     return out;
                   }""",
                k,
            )
            measurements[f"{metric} k={k}"] = {
                "redraw_ms_median": statistics.median(times), "redraw_ms_max": max(times),
                "slider_to_frame_ms_median": statistics.median(latencies),
                "slider_to_frame_ms_max": max(latencies),
            }
            root.locator("input[type=range]").fill(str(k))
            wait_for_redraw(page)
            assert_widget_matches_knnlib(read_widget(page), min_visible=0.2)
    ARTIFACTS.mkdir(exist_ok=True)
    report = {
        "what": "playground redraw, 300 points, 150 x 150 cells, headless Chromium",
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "measurements": measurements,
    }
    (ARTIFACTS / "playground_redraw_ms.json").write_text(json.dumps(report, indent=2))
    worst = max(m["redraw_ms_median"] for m in measurements.values())
    print(f"\nplayground redraw (300 points, 150x150): worst median {worst:.1f} ms")
    for name, m in measurements.items():
        print(f"  {name:16s} redraw median {m['redraw_ms_median']:6.1f} ms (max {m['redraw_ms_max']:6.1f}), "
              f"slider to frame median {m['slider_to_frame_ms_median']:6.1f} ms "
              f"(max {m['slider_to_frame_ms_max']:6.1f})")
    page_log.assert_clean()


# ---------------------------------------------------------------------------
# JupyterLab, with a kernel


def test_jupyterlab_clicks_and_slider_reach_the_kernel(page, page_log, open_and_run_all, run_in_kernel, save_screenshot):
    open_and_run_all(page, CHAPTER_NOTEBOOK)
    root = page.locator(".knnpg").first
    canvas = root.locator("canvas")
    canvas.scroll_into_view_if_needed()
    wait_for_redraw(page)

    def kernel(code):
        return run_in_kernel(CHAPTER_NOTEBOOK, code).strip()

    def wait_for_kernel(code, expected, timeout_s=20):
        deadline = time.monotonic() + timeout_s
        while True:
            got = kernel(code)
            if got == expected or time.monotonic() > deadline:
                return got
            time.sleep(0.25)

    assert kernel("import json; print(len(playground.X))") == "120"
    before = read_widget(page)
    assert_widget_matches_knnlib(before)

    # A click on the canvas adds a point the kernel sees.
    click_plot(canvas, 2, 8)
    move_mouse_away(page)
    assert wait_for_kernel("print(len(playground.X))", "121") == "121"
    # The point the canvas holds, exactly; it lands within a pixel of (2, 8)
    # (JupyterLab may place the canvas at a fractional pixel offset).
    shown = read_widget(page)
    kernel_point = json.loads(kernel("print(json.dumps([playground.X[-1].tolist(), int(playground.y[-1])]))"))
    assert kernel_point == [shown["points"][-1], shown["labels"][-1]]
    assert kernel_point[0] == pytest.approx([2.0, 8.0], abs=0.03) and kernel_point[1] == 0

    # The k slider: the kernel sees the new k, and the canvas is repainted.
    root.locator("input[type=range]").fill("15")
    assert wait_for_kernel("print(playground.k)", "15") == "15"
    wait_for_redraw(page)
    after = read_widget(page)
    assert np.any(after["pixels"] != before["pixels"], axis=-1).sum() > 100
    assert_widget_matches_knnlib(after)
    # ...and the kernel's own picture is the same.
    kernel_labels = kernel("print(playground.predict_grid()[0].ravel().tolist())")
    np.testing.assert_array_equal(json.loads(kernel_labels), after["gridLabels"])
    save_screenshot(page, "playground_jupyterlab_after_click_and_k15")

    # Keys pressed on the canvas belong to the playground, not to JupyterLab's
    # notebook shortcuts (there "2" would turn the cell into a heading and
    # Enter would open the cell for editing).
    markdown_cells = page.locator(".jp-MarkdownCell").count()
    canvas.focus()
    page.keyboard.press("2")
    assert wait_for_kernel("print(playground.active_class)", "1") == "1"
    page.keyboard.press("Enter")
    assert page.locator(".jp-MarkdownCell").count() == markdown_cells
    assert page.locator(".jp-Notebook.jp-mod-editMode").count() == 0

    # Python -> canvas: set_data in the kernel redraws the widget.
    kernel("playground.set_data([[1, 1], [9, 9], [5, 2]], [0, 1, 1])")
    page.wait_for_function("document.querySelector('.knnpg').dataset.nPoints === '3'")
    wait_for_redraw(page)
    state = read_widget(page)
    assert state["points"] == [[1, 1], [9, 9], [5, 2]]
    assert_widget_matches_knnlib(state)
    save_screenshot(page, "playground_jupyterlab_set_data")
    page_log.assert_clean()
