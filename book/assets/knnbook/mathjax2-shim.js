/*
 * MathJax 2 -> 3 bridge for the Jupyter widget manager (knnbook).
 *
 * Why: @jupyter-widgets/html-manager typesets widget labels with the MathJax 2
 * API, `if (window.MathJax) MathJax.Hub.Queue(["Typeset", MathJax.Hub, el])`,
 * but the book loads MathJax 3, which has no `Hub`: every widget with a
 * description would throw "Cannot read properties of undefined (reading
 * 'Queue')". This file gives whatever object is `window.MathJax` (Sphinx's
 * configuration object first, then MathJax 3 itself, which replaces it while
 * it starts) a small `Hub.Queue` that forwards typesetting requests to
 * MathJax 3's `typesetPromise` once MathJax is ready.
 *
 * Widget labels write math between dollars ("$k$"), as in JupyterLab, but
 * the book's MathJax 3 only knows \( \) and \[ \] (the page's own math is
 * converted at build time, and enabling "$" page-wide would turn prices in
 * prose into formulas). So, inside the widget elements handed to the shim
 * only, $...$ and $$...$$ are rewritten to \(...\) and \[...\] first.
 *
 * Loaded by myst-nb (nb_ipywidgets_js in _config.yml) before the widget
 * manager, only on pages that have widgets.
 */
(function () {
  "use strict";

  var waiting = []; // elements asked for before MathJax 3 was ready

  function mathJax3IsReady(mj) {
    return mj && typeof mj.typesetPromise === "function" && mj.startup && mj.startup.promise;
  }

  function dollarsToMathJax3Delimiters(element) {
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      if (node.nodeValue.indexOf("$") !== -1) {
        node.nodeValue = node.nodeValue
          .replace(/\$\$([^$]+)\$\$/g, "\\[$1\\]")
          .replace(/\$([^$]+)\$/g, "\\($1\\)");
      }
    }
  }

  function typeset(elements) {
    var mj = window.MathJax;
    if (!mathJax3IsReady(mj)) {
      // On a page without MathJax this waits forever, leaving "$k$" as text.
      Array.prototype.push.apply(waiting, elements);
      return;
    }
    elements.forEach(dollarsToMathJax3Delimiters);
    mj.startup.promise
      .then(function () { return mj.typesetPromise(elements); })
      .catch(function (err) { console.warn("knnbook mathjax2-shim: typesetting failed", err); });
  }

  function flushWhenReady() {
    var mj = window.MathJax;
    if (waiting.length && mathJax3IsReady(mj)) {
      typeset(waiting.splice(0));
    }
  }

  var Hub = {
    // Accepts the MathJax 2 job forms the widget manager uses:
    // ["Typeset", MathJax.Hub, element] and plain callbacks.
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset") {
          typeset(job[2] ? [job[2]] : []);
        } else if (typeof job === "function") {
          job();
        }
      }
    },
  };

  function addHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      mj.Hub = Hub;
    }
  }

  // Follow every assignment to window.MathJax (Sphinx's config script sets
  // it, then MathJax 3's startup swaps in its own object), so the Hub is
  // always there whatever order the scripts run in.
  var current = window.MathJax;
  addHub(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () { return current; },
    set: function (value) {
      current = value;
      addHub(value);
    },
  });

  // MathJax 3 exposes typesetPromise only once its startup has run.
  var polls = 0;
  var timer = setInterval(function () {
    flushWhenReady();
    polls += 1;
    if (mathJax3IsReady(window.MathJax) || polls > 600) {
      flushWhenReady();
      clearInterval(timer);
    }
  }, 100);
})();
