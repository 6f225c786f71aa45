"""Sphinx extension: keep every built page of knnbook readable with no network.

Loaded from ``_config.yml`` (``sphinx.local_extensions``). It repairs what it
can and reports the rest as warnings, so ``jupyter-book build -W`` fails
loudly instead of shipping a page that breaks offline:

1. **Checks the widget scripts exist.** Every path in ``nb_ipywidgets_js``
   that is not a URL must be a file in one of the ``html_static_path``
   folders (the vendored copies from ``scripts/vendor_js.py``).
2. **Vendors matplotlib's animation icons.** ``Animation.to_jshtml()`` writes
   ``<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/...">``
   into the notebook output. The link is rewritten to the Font Awesome 4 copy
   under ``_static/vendor/font-awesome-4/`` (relative to the page).
3. **Drops inline scripts that appear twice on a page.** sphinx-thebe adds its
   ``const THEBE_JS_URL = ...`` script in ``env-before-read-docs``; Sphinx 7.4
   then lists it twice (once from the registry as filename ``''``, once from the
   builder as ``None``), so every page threw "Identifier 'THEBE_JS_URL' has
   already been declared". An identical inline script is never meant to run
   twice, so only the first copy is kept.
4. **Refuses any other outside resource.** A page whose body loads a script,
   stylesheet, image or frame from another host, a page-level script file
   given as a URL, or an anywidget ES module that imports from a URL, is
   reported with the offending address.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Where ``scripts/vendor_js.py`` puts Font Awesome 4, relative to ``_static``.
FONT_AWESOME_4_CSS = "vendor/font-awesome-4/css/font-awesome.min.css"

#: Any CDN copy of the Font Awesome 4 stylesheet (matplotlib uses 4.4.0 on maxcdn).
FONT_AWESOME_4_CDN = re.compile(
    r"""(?:https?:)?//[^"'\s>]+/font-awesome/4\.\d+\.\d+/css/font-awesome(?:\.min)?\.css"""
)

#: An element that makes the browser fetch another host as soon as the page loads.
#: Plain links (<a href>) are not loads and are allowed.
EXTERNAL_LOAD = re.compile(
    r"""<(?P<tag>script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?"""
    r"""\b(?:src|href|data)\s*=\s*["']?(?P<url>(?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)

#: A static or dynamic ES-module import from a URL inside an anywidget ``_esm``.
ESM_URL_IMPORT = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["'](?P<url>(?:https?:)?//[^"']+)["']"""
)

WIDGET_STATE_MIMETYPE = "application/vnd.jupyter.widget-state+json"


def is_url(path: str) -> bool:
    """Return True if ``path`` points at another host (has a scheme or starts with //)."""
    return "://" in path or path.startswith("//")


def check_widget_scripts_exist(app: Sphinx, config) -> None:
    """Warn about every local ``nb_ipywidgets_js`` entry missing from the static folders."""
    static_dirs = [Path(app.confdir, d) for d in config.html_static_path]
    for script in getattr(config, "nb_ipywidgets_js", {}) or {}:
        if is_url(script):
            logger.warning(
                "nb_ipywidgets_js loads %s from the network: vendor it with "
                "scripts/vendor_js.py and list the local copy instead",
                script,
                type="knnbook",
                subtype="offline",
            )
        elif not any((d / script).is_file() for d in static_dirs):
            logger.warning(
                "nb_ipywidgets_js lists %s, which is in none of html_static_path %s "
                "(run scripts/vendor_js.py?)",
                script,
                [str(d) for d in static_dirs],
                type="knnbook",
                subtype="offline",
            )


def local_font_awesome(body: str, pathto) -> str:
    """Return ``body`` with every CDN Font Awesome 4 stylesheet pointed at the vendored copy."""
    local = pathto(f"_static/{FONT_AWESOME_4_CSS}", 1)
    return FONT_AWESOME_4_CDN.sub(local, body)


def external_loads(body: str) -> list[str]:
    """Return the URLs of outside resources that ``body`` makes the browser fetch."""
    return [f"<{m['tag']}> {m['url']}" for m in EXTERNAL_LOAD.finditer(body)]


def esm_url_imports(widget_state_json: str) -> list[str]:
    """Return the URLs imported by anywidget ES modules in a saved widget state."""
    try:
        state = json.loads(widget_state_json)
    except ValueError:
        return []
    urls = []
    for model in state.get("state", {}).values():
        esm = model.get("state", {}).get("_esm")
        if isinstance(esm, str):
            urls.extend(m["url"] for m in ESM_URL_IMPORT.finditer(esm))
    return urls


def without_duplicate_inline_scripts(scripts: list) -> list:
    """Return ``scripts`` keeping only the first of identical inline (body-only) scripts."""
    seen = set()
    kept = []
    for script in scripts:
        filename = getattr(script, "filename", script)
        attributes = getattr(script, "attributes", {})
        if not filename and attributes.get("body"):
            key = tuple(sorted(attributes.items()))
            if key in seen:
                continue
            seen.add(key)
        kept.append(script)
    return kept


def make_page_offline(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Repair one page for offline reading and warn about any outside resource left."""
    if "script_files" in context:
        context["script_files"][:] = without_duplicate_inline_scripts(context["script_files"])
    if "body" in context:
        context["body"] = local_font_awesome(context["body"], context["pathto"])
        found = external_loads(context["body"])
    else:
        found = []
    for script in context.get("script_files", []):
        filename = getattr(script, "filename", script) or ""
        attributes = getattr(script, "attributes", {})
        if is_url(str(filename)):
            found.append(f"<script> {filename}")
        if attributes.get("type") == WIDGET_STATE_MIMETYPE:
            found.extend(f"anywidget _esm import {url}" for url in esm_url_imports(attributes.get("body", "")))
    for css in context.get("css_files", []):
        filename = getattr(css, "filename", css) or ""
        if is_url(str(filename)):
            found.append(f"<link> {filename}")
    for item in found:
        logger.warning(
            "page %s loads %s from outside the book; it would break offline",
            pagename,
            item,
            type="knnbook",
            subtype="offline",
            location=pagename,
        )


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", check_widget_scripts_exist)
    # After myst-nb (priority 500) has added the page's widget scripts.
    app.connect("html-page-context", make_page_offline, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
