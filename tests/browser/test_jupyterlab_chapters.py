"""Every chapter runs in JupyterLab, as in class, and its first interactive answers.

For each notebook in ``notebooks/`` (a temporary copy served by the
``jupyter_lab`` fixture of ``conftest.py``), in a real browser:

1. open it, wait for its kernel, **Run > Run All Cells**, and wait until every
   cell has run and the kernel is idle; no output may be an error
   (``.jp-OutputArea-output`` whose ``data-mime-type`` mentions ``error``);
2. move one control, as a student would, and check the picture changes:
   chapter 1's playground k slider must repaint the canvas; in the other
   chapters the first interactive figure's controls are moved one step each
   (arrow key on a slider, next option of a drop-down, a click on a
   checkbox) until the kernel sends a new picture for the new setting.

The wall time of step 1 (open, start the kernel, run every cell) is written
to ``test-artifacts/jupyterlab_run_times.json``, one entry per notebook, so
CI keeps a record of how long each chapter takes in a class. Each test
starts from an empty JupyterLab workspace and shuts its kernel down at the
end, so ten chapters never hold ten kernels.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = REPO_ROOT / "test-artifacts"
RUN_TIMES = ARTIFACTS / "jupyterlab_run_times.json"

#: Seconds allowed for one notebook's Run All (the speed and approximate
#: chapters measure timings on purpose; a hang still fails).
RUN_ALL_TIMEOUT_S = 420
#: Seconds the kernel may take to draw the picture for a moved control.
REDRAW_TIMEOUT_MS = 60_000

ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type*='error']"

# A figure has answered a move when it shows the frame for the current choice.
_FIGURE_SETTLED_JS = """(root) => {
  const api = root.knnFigure;
  return api && root.dataset.key === api.key && root.dataset.state !== 'waiting';
}"""

_CANVAS_JS = "(root) => root.querySelector('canvas').toDataURL('image/png')"


def record_run_time(notebook: str, seconds: float) -> None:
    """Add one notebook's run time to the JSON record (other entries are kept)."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        times = json.loads(RUN_TIMES.read_text())
    except (FileNotFoundError, ValueError):
        times = {}
    times[notebook] = round(seconds, 1)
    RUN_TIMES.write_text(json.dumps(dict(sorted(times.items())), indent=2) + "\n")


@pytest.fixture
def fresh_lab(page, jupyter_lab):
    """A JupyterLab with no notebook open before the test and no kernel left after it.

    JupyterLab keeps its open tabs in a server-side workspace, so without the
    ``?reset`` every earlier chapter would reopen (and restart its kernel)
    beside the one under test. Kernels are shut down through JupyterLab's own
    client, which carries the server's XSRF token.
    """
    page.goto(f"{jupyter_lab.url}lab?reset")
    page.wait_for_function("() => window.jupyterapp", timeout=60_000)
    # Let the empty workspace finish loading: leaving earlier would abort its
    # requests, which the page log rightly reports as failures.
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.wait_for_load_state("networkidle")
    yield
    try:
        page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")
    except Exception:  # noqa: BLE001 (a broken page must not hide the test's own failure)
        pass


def move_playground_k(page) -> None:
    """Chapter 1: set the playground's k slider to 15 and check the canvas repaints."""
    root = page.locator(".knnpg").first
    root.scroll_into_view_if_needed()
    slider = root.locator("input[type=range]").first
    page.wait_for_function(
        "() => { const r = document.querySelector('.knnpg'); return r && r.knnPlayground && r.dataset.renderMs; }"
    )
    before = root.evaluate(_CANVAS_JS)
    assert slider.input_value() != "15", "the playground should not start at k = 15"
    slider.fill("15")
    deadline = time.monotonic() + REDRAW_TIMEOUT_MS / 1000
    while root.evaluate(_CANVAS_JS) == before:
        assert time.monotonic() < deadline, "moving the playground's k slider to 15 did not repaint the canvas"
        page.wait_for_timeout(100)


def move_first_interactive(page) -> str:
    """Move the first interactive figure's controls until its picture changes; return the control's label."""
    root = page.locator(".knnfig").first
    root.scroll_into_view_if_needed()
    image = root.locator("img.knnfig-image")
    handle = root.element_handle()
    page.wait_for_function(_FIGURE_SETTLED_JS, arg=handle, timeout=REDRAW_TIMEOUT_MS)
    before = image.get_attribute("src")
    assert before, "the first interactive figure shows no picture after Run All"
    controls = root.locator(".knnfig-control")
    for c in range(controls.count()):
        control = controls.nth(c)
        if control.locator("input[type=range]").count():
            slider = control.locator("input[type=range]")
            at_end = slider.input_value() == slider.get_attribute("max")
            slider.focus()
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        elif control.locator("select").count():
            select = control.locator("select")
            options = select.locator("option").count()
            select.select_option(str((int(select.input_value()) + 1) % options))
        else:
            control.locator("input[type=checkbox]").click()
        page.wait_for_function(_FIGURE_SETTLED_JS, arg=handle, timeout=REDRAW_TIMEOUT_MS)
        assert root.get_attribute("data-state") == "frame", (
            f"moving control {c} gave {root.get_attribute('data-state')!r}: "
            f"{root.locator('.knnfig-message').text_content()}"
        )
        if image.get_attribute("src") != before:
            return control.inner_text().strip()
    raise AssertionError("no control of the first interactive figure changed its picture")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_chapter_runs_in_jupyterlab_and_its_first_control_redraws(
    page, page_log, fresh_lab, open_and_run_all, save_screenshot, notebook
):
    start = time.monotonic()
    open_and_run_all(page, notebook.name, timeout_s=RUN_ALL_TIMEOUT_S)
    record_run_time(notebook.name, time.monotonic() - start)
    errors = page.locator(ERROR_OUTPUT)
    assert errors.count() == 0, f"{notebook.name} shows an error output:\n{errors.first.inner_text()}"

    if page.locator(".knnpg").count():
        move_playground_k(page)
    else:
        assert page.locator(".knnfig").count(), f"{notebook.name} shows no interactive figure after Run All"
        move_first_interactive(page)
    save_screenshot(page, f"jupyterlab_{notebook.stem}_after_control")
    page_log.assert_clean()
