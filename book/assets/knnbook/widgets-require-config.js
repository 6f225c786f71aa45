/*
 * Tell require.js where the book's own copies of the widget modules live
 * (knnbook). Loaded by myst-nb after require.js and before embed-amd.js, only
 * on pages that have widgets (nb_ipywidgets_js in _config.yml).
 *
 * - "anywidget": without this mapping the widget manager asks require.js for
 *   "anywidget", fails, and falls back to cdn.jsdelivr.net.
 * - "@jupyter-widgets/...": these modules are bundled inside embed-amd.js,
 *   but each computes its webpack public path (where its icon fonts live) from
 *   its require.js module URL: by default "<page folder>/@jupyter-widgets/..."
 *   (a 404 for every font). Mapping them into the vendored html-manager folder
 *   makes that folder, where the fonts are, the public path. The longer
 *   "html-manager/dist" prefix wins over "@jupyter-widgets" in require.js, so
 *   ".../dist/libembed-amd" (which loads Font Awesome) lands there too.
 *
 * Paths are absolute URLs computed from this script's own URL, so they work
 * from pages at any depth of the book.
 */
(function () {
  "use strict";
  var staticRoot = document.currentScript.src.replace(/knnbook\/[^\/]*$/, "");
  window.requirejs.config({
    paths: {
      anywidget: staticRoot + "vendor/anywidget/index",
      "@jupyter-widgets": staticRoot + "vendor/html-manager",
      "@jupyter-widgets/html-manager/dist": staticRoot + "vendor/html-manager",
    },
  });
})();
