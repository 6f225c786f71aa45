/**
 * The reusable interactive figure (knnlib.widgets.interactive_figure).
 *
 * An ES module for anywidget (`export default { render }`). It draws the
 * controls (a range slider over each Slider's values, a <select> for each
 * Dropdown, a checkbox for each Toggle) and one <img> showing the frame for
 * the chosen values. Pictures come from two places:
 *
 *   - `frames`: every frame, precomputed at build time and saved with the
 *     page (key: the chosen positions joined by commas, e.g. "2,0"; a
 *     repeated picture is stored once and referred to as "@<key>"); the
 *     static book switches between them here, with no kernel;
 *   - `live`: the frame Python just drew for the current choice, in
 *     JupyterLab when the frames were not precomputed.
 *
 * A frame that could not be drawn shows its message under the last good
 * picture. With no kernel and no precomputed frame, the reader is told to
 * run the notebook.
 */

const NO_KERNEL_MESSAGE =
  "This setting was not drawn in advance for the book; run the notebook in JupyterLab to see it.";
const SLOW_ANSWER_MESSAGE =
  "No picture yet for this setting: it was not drawn in advance, or the kernel is busy or stopped.";
const SLOW_ANSWER_MS = 10000;

let nextId = 0;

function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// Saving needs a kernel. On a static book page the widget manager has no
// comm channel and throws (or rejects); then we know no Python will answer.
function saveChanges(model, onNoKernel) {
  try {
    const result = model.save_changes();
    if (result && typeof result.catch === "function") result.catch(onNoKernel);
  } catch (error) {
    onNoKernel();
  }
}

function render({ model, el: host }) {
  const viewId = `knnfig-${nextId++}`;
  const controls = model.get("controls");
  let indices = [...model.get("indices")];
  let noKernel = false;
  let waitTimer = null;
  let shownKey = null;

  // data-lm-suppress-shortcuts: in JupyterLab, keys pressed on our controls
  // (arrows on a slider) move the control instead of the notebook's selection.
  const root = el("div", { class: "knnfig", "data-lm-suppress-shortcuts": "true" });
  const controlRow = el("div", { class: "knnfig-controls" });
  const image = el("img", { class: "knnfig-image" });
  const width = model.get("width");
  if (width) image.style.width = `min(100%, ${width}px)`;
  const message = el("p", { class: "knnfig-message", role: "status", "aria-live": "polite" });
  root.append(controlRow, el("div", { class: "knnfig-frame" }, [image]), message);
  // Keys pressed on a control belong to it, not to the page around the widget.
  controlRow.addEventListener("keydown", (event) => event.stopPropagation());
  host.append(root);

  const keyOf = (positions) => positions.join(",");
  // A repeated picture is saved once; its other keys hold "@<key of the first copy>".
  const frameFor = (frames, key) => {
    const frame = frames[key];
    return frame && frame.startsWith("@") ? frames[frame.slice(1)] : frame;
  };

  // ---- controls ----
  const inputs = controls.map((control, c) => {
    const id = `${viewId}-${c}`;
    const label = el("label", { for: id, text: control.label });
    const wrapper = el("div", { class: `knnfig-control knnfig-${control.kind}` });
    let input;
    let readout = null;
    if (control.kind === "slider") {
      input = el("input", {
        id, type: "range", min: "0", max: String(control.display.length - 1), step: "1",
      });
      readout = el("output", { for: id, class: "knnfig-value" });
      wrapper.append(label, input, readout);
    } else if (control.kind === "dropdown") {
      input = el("select", { id }, control.display.map((text, i) => el("option", { value: String(i), text })));
      wrapper.append(label, input);
    } else {
      input = el("input", { id, type: "checkbox" });
      wrapper.append(input, label);
    }
    input.dataset.control = control.name;
    const eventName = control.kind === "slider" ? "input" : "change";
    input.addEventListener(eventName, () => {
      const position = control.kind === "toggle" ? (input.checked ? 1 : 0) : Number(input.value);
      if (position === indices[c]) return;
      indices = indices.map((old, i) => (i === c ? position : old));
      syncControls();
      show();
      model.set("indices", [...indices]);
      saveChanges(model, () => {
        noKernel = true;
        show();
      });
    });
    controlRow.append(wrapper);
    return { control, input, readout };
  });

  function syncControls() {
    inputs.forEach(({ control, input, readout }, c) => {
      const position = indices[c];
      const text = control.display[position];
      if (control.kind === "toggle") input.checked = position === 1;
      else input.value = String(position);
      if (readout) {
        readout.textContent = text;
        input.setAttribute("aria-valuetext", `${control.label} = ${text}`);
      }
    });
  }

  function describe() {
    const parts = controls.map((control, c) => `${control.label} = ${control.display[indices[c]]}`);
    const alt = model.get("alt");
    return alt ? `${alt} (${parts.join(", ")})` : `Figure for ${parts.join(", ")}`;
  }

  function setImage(src, key) {
    if (src && image.getAttribute("src") !== src) image.setAttribute("src", src);
    shownKey = key;
    root.dataset.key = key;
  }

  function setMessage(text, state) {
    message.textContent = text;
    root.dataset.state = state;
    root.classList.toggle("knnfig-waiting", state === "waiting");
  }

  // Show the frame for the current choice, from wherever it is available.
  function show() {
    const key = keyOf(indices);
    const frames = model.get("frames") || {};
    const frameErrors = model.get("frame_errors") || {};
    const live = model.get("live") || {};
    clearTimeout(waitTimer);
    image.setAttribute("alt", describe());
    const frame = frameFor(frames, key);
    if (frame) {
      setImage(frame, key);
      setMessage("", "frame");
    } else if (frameErrors[key]) {
      setMessage(frameErrors[key], "error");
    } else if (live.key === key) {
      if (live.png) setImage(live.png, key);
      setMessage(live.error || "", live.error ? "error" : "frame");
    } else if (noKernel) {
      setMessage(NO_KERNEL_MESSAGE, "error");
    } else {
      // Python is drawing it; keep the old picture, dimmed, meanwhile.
      setMessage("Drawing\u2026", "waiting");
      waitTimer = setTimeout(() => {
        if (keyOf(indices) === key && root.dataset.state === "waiting") setMessage(SLOW_ANSWER_MESSAGE, "error");
      }, SLOW_ANSWER_MS);
    }
  }

  // When Python changes the choice (w.select(...)), follow it.
  const onIndices = () => {
    indices = [...model.get("indices")];
    syncControls();
    show();
  };
  const onLive = () => {
    noKernel = false;
    show();
  };
  model.on("change:indices", onIndices);
  model.on("change:live", onLive);
  model.on("change:frames", show);
  model.on("change:frame_errors", show);
  model.on("change:alt", show);

  // The first picture: the saved default frame, whichever trait holds it.
  const initialLive = model.get("live") || {};
  if (initialLive.png) setImage(initialLive.png, initialLive.key);
  syncControls();
  show();

  // For tests and curious readers (the browser console).
  root.knnFigure = {
    get key() {
      return keyOf(indices);
    },
    get shownKey() {
      return shownKey;
    },
  };

  return () => {
    clearTimeout(waitTimer);
    model.off("change:indices", onIndices);
    model.off("change:live", onLive);
    model.off("change:frames", show);
    model.off("change:frame_errors", show);
    model.off("change:alt", show);
  };
}

export default { render };
