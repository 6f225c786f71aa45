"""Interactive figures (knnlib.widgets.interactive_figure) in a real browser.

* **Static book**: every built chapter page holding one or more interactive
  figures is discovered from ``_build/html``. On each, with every request
  outside 127.0.0.1 blocked, every interactive shows its default frame; then
  the controls of the first one are moved (keyboard on sliders, a new option
  in drop-downs, a click on checkboxes) until the picture changes, and the
  picture shown must be exactly the frame saved in the page for the new
  control positions. No failed request, no console or page error.
* **JupyterLab**: chapter 2's step-through, with no precomputed frames, is
  redrawn live by the kernel when its step slider moves.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOK_HTML = REPO_ROOT / "_build" / "html"

WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
WIDGET_VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)

CHAPTER_2_NOTEBOOK = "02_workflow.ipynb"


def _load_json(text):
    try:
        return json.loads(text)
    except ValueError:  # the page may have escaped the script body
        return json.loads(html_lib.unescape(text))


def interactive_figures(page_html: str) -> list[dict]:
    """The saved state of each interactive figure shown on a page, in page order."""
    match = WIDGET_STATE.search(page_html)
    if not match:
        return []
    models = _load_json(match.group(1)).get("state", {})
    figures = []
    for view in WIDGET_VIEW.finditer(page_html):
        model = models.get(_load_json(view.group(1)).get("model_id"), {})
        state = model.get("state", {})
        if {"frames", "frame_errors", "controls", "live"} <= state.keys():
            figures.append(state)
    return figures


def _pages_with_interactives() -> list[str]:
    if not BOOK_HTML.is_dir():
        return ["(book not built)"]
    pages = [
        page.relative_to(BOOK_HTML).as_posix()
        for page in sorted(BOOK_HTML.rglob("*.html"))
        if "_static" not in page.parts and "_sources" not in page.parts
        and interactive_figures(page.read_text(errors="replace"))
    ]
    return pages or ["(no page with an interactive figure)"]


def frame_for(frames: dict, key: str) -> str | None:
    """The saved picture of a frame, following "@<key>" references to a shared copy."""
    frame = frames.get(key)
    if frame and frame.startswith("@"):
        frame = frames.get(frame[1:])
    return frame


def shown_image(root):
    return root.locator("img.knnfig-image").get_attribute("src")


def move_control(page, root, c: int, control: dict) -> None:
    """Move control ``c`` of the figure ``root`` by one position, as a reader would."""
    wrapper = root.locator(".knnfig-control").nth(c)
    if control["kind"] == "slider":
        slider = wrapper.locator("input[type=range]")
        at_end = slider.input_value() == str(len(control["display"]) - 1)
        slider.focus()
        page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
    elif control["kind"] == "dropdown":
        select = wrapper.locator("select")
        current = int(select.input_value())
        select.select_option(str((current + 1) % len(control["display"])))
    else:
        wrapper.locator("input[type=checkbox]").click()


@pytest.mark.parametrize("page_path", _pages_with_interactives())
def test_static_page_interactive_responds_offline(page, page_log, book_url, book_html_dir, save_screenshot, page_path):
    if page_path.startswith("("):
        pytest.fail(f"no page to test: {page_path}; build the book with scripts/build-book.sh")
    figures = interactive_figures((book_html_dir / page_path).read_text())
    page.goto(book_url + page_path)
    roots = page.locator(".knnfig")
    page.wait_for_function(
        f"document.querySelectorAll('.knnfig img.knnfig-image[src]').length >= {len(figures)}", timeout=60_000
    )
    assert roots.count() == len(figures)

    # Every interactive shows its saved default frame, and every frame was precomputed.
    for i, state in enumerate(figures):
        root = roots.nth(i)
        default_key = ",".join(str(p) for p in state["indices"])
        assert root.get_attribute("data-key") == default_key
        assert shown_image(root) == (frame_for(state["frames"], default_key) or state["live"].get("png"))
        n_frames = 1
        for control in state["controls"]:
            n_frames *= len(control["display"])
        assert len(state["frames"]) + len(state["frame_errors"]) == n_frames, (
            f"interactive {i} on {page_path} was not precomputed (was KNNBOOK_PRECOMPUTE=1 set for the build?)"
        )

    # Move the controls of the first one until the picture changes.
    first, state = roots.first, figures[0]
    first.scroll_into_view_if_needed()
    before = shown_image(first)
    moved = None
    for c, control in enumerate(state["controls"]):
        move_control(page, first, c, control)
        key = first.get_attribute("data-key")
        if shown_image(first) != before:
            moved = (control["label"], key)
            break
    assert moved is not None, f"no control of the first interactive on {page_path} changed its picture"
    label, key = moved
    assert shown_image(first) == frame_for(state["frames"], key), f"moving {label!r} showed the wrong frame"
    assert first.get_attribute("data-state") == "frame"
    assert first.locator(".knnfig-message").text_content() == ""
    assert label in first.locator("img.knnfig-image").get_attribute("alt")
    save_screenshot(page, "interactive_" + page_path.replace("/", "_").removesuffix(".html"))
    page_log.assert_clean()


def test_jupyterlab_step_through_redraws_live(page, page_log, open_and_run_all, run_in_kernel, save_screenshot):
    open_and_run_all(page, CHAPTER_2_NOTEBOOK)

    def kernel(code):
        return run_in_kernel(CHAPTER_2_NOTEBOOK, code).strip()

    # Not precomputed in a class run: every new picture must come from the kernel.
    assert kernel("print(len(stepper.frames), stepper.values)") == "0 {'point': 'A', 'k': 5, 'step': 1}"
    root = page.locator(".knnfig").first
    root.scroll_into_view_if_needed()
    image = root.locator("img.knnfig-image")
    page.wait_for_function("document.querySelector('.knnfig img.knnfig-image').getAttribute('src') !== null")
    before = image.get_attribute("src")

    step_slider = root.locator(".knnfig-control").nth(2).locator("input[type=range]")
    step_slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 3: the k nearest highlighted
    page.wait_for_function(
        "(() => { const r = document.querySelector('.knnfig');"
        " return r.dataset.key === '0,3,2' && r.dataset.state === 'frame'; })()",
        timeout=30_000,
    )
    deadline = time.monotonic() + 20
    while kernel("print(stepper.values['step'])") != "3" and time.monotonic() < deadline:
        time.sleep(0.25)
    assert kernel("print(stepper.values)") == "{'point': 'A', 'k': 5, 'step': 3}"
    after = image.get_attribute("src")
    assert after != before
    # The picture shown is the one the kernel drew for step 3.
    assert after == kernel("print(stepper.live['png'])")
    assert kernel("print(stepper.live['key'])") == "0,3,2"
    assert "step = 3" in image.get_attribute("alt")

    # A choice the kernel already drew comes back from its cache.
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('.knnfig').dataset.key === '0,3,0'", timeout=30_000)
    page.wait_for_function(
        f"document.querySelector('.knnfig img.knnfig-image').getAttribute('src') === {json.dumps(before)}",
        timeout=30_000,
    )
    save_screenshot(page, "interactive_jupyterlab_chapter2")
    page_log.assert_clean()
