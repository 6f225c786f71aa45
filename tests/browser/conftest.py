"""Real-browser test harness: headless Debian Chromium driven by Playwright.

Every test here is marked ``@pytest.mark.browser`` automatically. Outside CI
the tests SKIP (with the reason) when ``/usr/bin/chromium`` is missing; with
``CI=true`` a missing browser or an unbuilt book is a FAILURE, so CI can never
pass by skipping. ``scripts/test.sh`` installs Chromium with apt-get and
builds the book before running pytest. Playwright's own browser download
(``playwright install``) is never used.

Fixtures
--------
``browser`` (session)
    A headless Chromium (``/usr/bin/chromium``) launched with
    ``--no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --no-first-run --disable-sync --disable-quic``
    and a host-resolver rule that resolves every name except 127.0.0.1 to
    nothing. Playwright gives each launch a fresh temporary profile
    (user-data dir), so no state leaks between runs.

``serve_directory`` (session)
    ``serve_directory(path) -> "http://127.0.0.1:<port>/"``: serves a folder
    from a thread on an ephemeral port until the session ends.

``book_url`` (session)
    ``_build/html`` served with ``serve_directory``.

``page`` and ``page_log`` (function)
    A new browser context and page. EVERY request whose host is not
    127.0.0.1 is aborted (``route.abort``) and recorded. ``page_log`` (a
    :class:`PageLog`) collects blocked requests, failed requests (network
    errors and HTTP >= 400), console errors and uncaught page errors for that
    page, plus every local response as ``(url, status)`` in
    ``page_log.responses``; ``page_log.assert_clean()`` fails listing all
    problems. Console messages matching :data:`HARMLESS_CONSOLE_MESSAGES` are
    ignored (each entry says why). When the test ends a full-page screenshot is
    saved as ``test-artifacts/<test name>.png`` (pass or fail).

``save_screenshot`` (function)
    ``save_screenshot(page, "name") -> Path``: an extra full-page screenshot,
    ``test-artifacts/name.png``.

``jupyter_lab`` (session)
    A :class:`JupyterLab`: ``jupyter lab`` on 127.0.0.1, a free port, no
    token or password, no browser, root allowed, temporary runtime, config,
    settings and workspace directories, news and update checks off, serving
    a TEMPORARY COPY of ``notebooks/`` (so autosave can never write outputs
    into the committed notebooks). ``jupyter_lab.url`` is its base URL,
    ``jupyter_lab.root_dir`` the copy. Its log is copied to
    ``test-artifacts/jupyter-lab.log``.

``open_and_run_all`` (function; starts ``jupyter_lab``)
    ``open_and_run_all(page, "01_playground.ipynb", timeout_s=300)``: opens
    the notebook (path relative to notebooks/), waits for its kernel, clicks
    Run > Run All Cells in the menu bar, waits until every code cell shows an
    execution count and the kernel is idle, and returns the page. Raises
    ``AssertionError`` with the text if any cell output is an error.

``run_in_kernel`` (function; starts ``jupyter_lab``)
    ``run_in_kernel("01_playground.ipynb", "print(widget.X.shape)") -> str``:
    executes code in the kernel of that open notebook (through the kernel's
    connection file, not the UI, so the notebook is not modified) and returns
    everything it printed or displayed as text; raises ``AssertionError`` with
    the traceback if the code raised.

Example (a JupyterLab test)::

    def test_kernel_sees_clicks(page, page_log, open_and_run_all, run_in_kernel):
        open_and_run_all(page, "01_playground.ipynb")
        before = int(run_in_kernel("01_playground.ipynb", "print(len(widget.X))"))
        page.locator("canvas").first.click(position={"x": 40, "y": 40})
        after = int(run_in_kernel("01_playground.ipynb", "print(len(widget.X))"))
        assert after == before + 1
        page_log.assert_clean()
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOK_HTML = REPO_ROOT / "_build" / "html"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI containers run as root, where the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    # Belt and braces beside route.abort: no name but 127.0.0.1 resolves, so
    # nothing (a service worker, a prefetch) can reach the network unseen.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

#: Console messages that are not problems, each with the reason it is harmless.
HARMLESS_CONSOLE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Failed to load resource: net::ERR_FAILED"),
        "Chromium's echo of a request this harness aborted itself; the request "
        "is already reported in page_log.blocked",
    ),
)

LOCAL_HOSTS = {"127.0.0.1"}

#: Playwright's failure text for a request the page itself cancelled (an
#: aborted fetch, a navigation away). The server never refused it, so it is
#: not a failure; an error status, an outside request or a page error is.
PAGE_ABORTED = "net::ERR_ABORTED"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    """Skip outside CI, fail in CI: CI must never pass by skipping browser tests."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(scripts/test.sh does: apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class PageLog:
    """What one page did that a clean offline page must not do."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    #: Local requests the page cancelled itself (net::ERR_ABORTED): JupyterLab
    #: aborts a contents or workspace fetch it no longer needs. Not a failure:
    #: a broken resource shows as an HTTP error status (in ``failed``).
    aborted: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    ignored_console: list[str] = field(default_factory=list)
    responses: list[tuple[str, int]] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"blocked request to outside host: {url}" for url in self.blocked]
            + [f"failed request: {item}" for item in self.failed]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
        )

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the page was not clean:\n  " + "\n  ".join(problems)


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in {"data", "blob", "about"}:
        return True
    return parsed.hostname in LOCAL_HOSTS


def _artifact_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120]


def _save_screenshot(page, name: str) -> Path:
    """Save a full-page screenshot of ``page`` as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{_artifact_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser, page_log, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def block_outside(route):
        if _is_local(route.request.url):
            route.continue_()
        else:
            page_log.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", block_outside)
    browser_page = context.new_page()

    def on_console(message):
        if message.type != "error":
            return
        text = message.text
        if any(pattern.search(text) for pattern, _ in HARMLESS_CONSOLE_MESSAGES):
            page_log.ignored_console.append(text)
        else:
            page_log.console_errors.append(text)

    def on_request_failed(failed_request):
        if not _is_local(failed_request.url):
            return  # an outside request: already in page_log.blocked
        entry = f"{failed_request.url} ({failed_request.failure})"
        if failed_request.failure == PAGE_ABORTED:
            page_log.aborted.append(entry)
        else:
            page_log.failed.append(entry)

    def on_response(response):
        if _is_local(response.url):
            page_log.responses.append((response.url, response.status))
            if response.status >= 400:
                page_log.failed.append(f"{response.url} (HTTP {response.status})")

    browser_page.on("console", on_console)
    browser_page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
    browser_page.on("requestfailed", on_request_failed)
    browser_page.on("response", on_response)
    yield browser_page
    try:
        _save_screenshot(browser_page, request.node.name)
    finally:
        context.close()


@pytest.fixture
def save_screenshot():
    return _save_screenshot


# --------------------------------------------------------------------------
# The built book, served locally


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        pass


@pytest.fixture(scope="session")
def book_html_dir() -> Path:
    if not (BOOK_HTML / "index.html").exists():
        _unavailable(f"{BOOK_HTML} has no built book: run bash scripts/build-book.sh first")
    return BOOK_HTML


@pytest.fixture(scope="session")
def serve_directory():
    servers = []

    def serve(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def book_url(book_html_dir, serve_directory):
    return serve_directory(book_html_dir)


# --------------------------------------------------------------------------
# JupyterLab


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class JupyterLab:
    """A running JupyterLab server (see the module docstring)."""

    url: str
    root_dir: Path
    runtime_dir: Path
    process: subprocess.Popen

    def api(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.load(response)


def _wait_for_server(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def jupyter_lab(browser):
    workdir = Path(tempfile.mkdtemp(prefix="knnbook-lab-"))
    root_dir = workdir / "notebooks"
    shutil.copytree(REPO_ROOT / "notebooks", root_dir)
    runtime_dir = workdir / "runtime"
    log_path = workdir / "jupyter-lab.log"
    settings_dir = workdir / "settings"
    # Answer JupyterLab's "get notified about Jupyter news?" toast in advance:
    # it would sit over the bottom-right of the page (and would fetch news).
    notification_settings = settings_dir / "@jupyterlab" / "apputils-extension"
    notification_settings.mkdir(parents=True)
    (notification_settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port = _free_port()
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(runtime_dir),
        JUPYTER_CONFIG_DIR=str(workdir / "config"),  # ignore the user's own config
        JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
    )
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.allow_root=True",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # Lets open_and_run_all read the kernel's state (window.jupyterapp).
        "--LabApp.expose_app_in_browser=True",
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_server(url, process, log_path)
        yield JupyterLab(url=url, root_dir=root_dir, runtime_dir=runtime_dir, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "jupyter-lab.log")
        shutil.rmtree(workdir, ignore_errors=True)


_KERNEL_STATE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
      && panel.sessionContext.session.kernel;
  return kernel ? kernel.status : null;
}"""


def _wait_for_idle_kernel(page, timeout_ms: float) -> None:
    page.wait_for_function(f"({_KERNEL_STATE_JS})() === 'idle'", timeout=timeout_ms)


def _open_and_run_all(page, lab: JupyterLab, notebook: str, timeout_s: float = 300):
    """Open ``notebook`` (relative to notebooks/) in JupyterLab and run every cell.

    Returns the page once every code cell has an execution count and the
    kernel is idle. Raises AssertionError if any cell shows an error output.
    """
    # ``?reset`` empties JupyterLab's saved workspace first: without it, every
    # notebook an earlier test opened in this server would reopen beside this
    # one (restarting its kernel), and the wait below would hang on them.
    page.goto(f"{lab.url}lab/tree/{notebook}?reset")
    page.locator(".jp-NotebookPanel").first.wait_for(timeout=60_000)
    _wait_for_idle_kernel(page, 120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    deadline_ms = timeout_s * 1000
    # A cell waiting or running shows the prompt [*]; finished cells show [n].
    page.wait_for_function(
        """() => {
          const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
          const prompts = panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')] : [];
          return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=deadline_ms,
    )
    _wait_for_idle_kernel(page, deadline_ms)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    if errors.count():
        raise AssertionError(f"{notebook} raised in JupyterLab:\n{errors.first.inner_text()}")
    return page


def _kernel_connection_file(lab: JupyterLab, notebook: str) -> Path:
    for session in lab.api("api/sessions"):
        if session.get("path") == notebook:
            connection_file = lab.runtime_dir / f"kernel-{session['kernel']['id']}.json"
            if connection_file.exists():
                return connection_file
    raise AssertionError(f"no running kernel for {notebook} (is it open in JupyterLab?)")


def _run_in_kernel(lab: JupyterLab, notebook: str, code: str, timeout_s: float = 60) -> str:
    """Run ``code`` in the kernel of the open ``notebook`` and return its text output."""
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient(connection_file=str(_kernel_connection_file(lab, notebook)))
    client.load_connection_file()
    client.start_channels()
    pieces: list[str] = []
    failure: list[str] = []

    def collect(message):
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            pieces.append(content["text"])
        elif kind in {"execute_result", "display_data"}:
            pieces.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            failure.append("\n".join(content["traceback"]))

    try:
        client.wait_for_ready(timeout=timeout_s)
        client.execute_interactive(code, timeout=timeout_s, output_hook=collect, store_history=False)
    finally:
        client.stop_channels()
    if failure:
        raise AssertionError(f"code raised in the kernel of {notebook}:\n{failure[0]}")
    return "".join(pieces)


@pytest.fixture
def open_and_run_all(jupyter_lab):
    def open_and_run(page, notebook: str, timeout_s: float = 300):
        return _open_and_run_all(page, jupyter_lab, notebook, timeout_s)

    return open_and_run


@pytest.fixture
def run_in_kernel(jupyter_lab):
    def run(notebook: str, code: str, timeout_s: float = 60) -> str:
        return _run_in_kernel(jupyter_lab, notebook, code, timeout_s)

    return run
