/**
 * The KNN playground: click to add training points, see the whole plane
 * shaded by the class k-nearest neighbours predicts there.
 *
 * An ES module for anywidget (`export default { render }`). The prediction for
 * every grid cell is computed here, in the browser, so the widget works in
 * the static book with no Python kernel behind it.
 *
 * The computation follows knnlib's rules exactly (ARCHITECTURE.md), so that
 * what the canvas shows is what `knnlib.KNNClassifier` predicts, bit for bit:
 *
 *   - cell centres: x = xMin + (col + 0.5) * ((xMax - xMin) / grid), as in
 *     knnlib.plotting.grid_centres;
 *   - distances: the operation order of knnlib.metrics.Metric.rowwise
 *     (|difference| per feature in feature order, then: euclidean
 *     sqrt(d0*d0 + d1*d1), manhattan d0 + d1, chebyshev max(d0, d1));
 *   - neighbours ordered by (distance, training index);
 *   - votes: uniform weight 1; "distance" weight 1/d, or, when some
 *     neighbours are at distance exactly 0, weight 1 for those and 0 for the
 *     rest; scores added in neighbour order; the highest score wins, equal
 *     top scores go to the smallest label and count as a tie.
 *
 * The pure functions (no DOM) are exported by name so node can test them
 * against knnlib (tests/test_playground_js.py).
 */

// ---------------------------------------------------------------------------
// Pure computation
// ---------------------------------------------------------------------------

export const METRICS = ["euclidean", "manhattan", "chebyshev"];
export const WEIGHTS = ["uniform", "distance"];

/** Centres of the grid's columns (xs) and rows (ys); row 0 is the bottom row. */
export function gridCentres(grid, extent) {
  const [xMin, xMax, yMin, yMax] = extent;
  const xStep = (xMax - xMin) / grid;
  const yStep = (yMax - yMin) / grid;
  const xs = new Float64Array(grid);
  const ys = new Float64Array(grid);
  for (let i = 0; i < grid; i++) {
    xs[i] = xMin + (i + 0.5) * xStep;
    ys[i] = yMin + (i + 0.5) * yStep;
  }
  return { xs, ys };
}

/**
 * Distance functions of two 2-D points, in knnlib.metrics.Metric.rowwise's
 * operation order: |difference| per feature, in feature order, then combine.
 */
export const DISTANCES = {
  euclidean(ax, ay, bx, by) {
    const d0 = Math.abs(ax - bx);
    const d1 = Math.abs(ay - by);
    return Math.sqrt(d0 * d0 + d1 * d1);
  },
  manhattan(ax, ay, bx, by) {
    return Math.abs(ax - bx) + Math.abs(ay - by);
  },
  chebyshev(ax, ay, bx, by) {
    return Math.max(Math.abs(ax - bx), Math.abs(ay - by));
  },
};

// Below this, |dx| * |dx| can underflow and the bound "distance >= |dx|" may
// fail in floating point; the sweep never stops on such a tiny gap.
const TINY_GAP = 1e-150;

/**
 * Exact k-nearest-neighbour search over a fixed set of 2-D points.
 *
 * `query(qx, qy)` fills `topDist` / `topIndex` with the k nearest points
 * ordered by (distance, index): the answer of a full stable sort of all n
 * distances, which is what every knnlib index returns.
 *
 * Same answer as a plain scan, less work:
 *
 * - The top-k list is a small insertion-sorted array; a candidate enters only
 *   if it comes before the current k-th in (distance, index) order. Because
 *   the comparison uses that full key, the order in which points are offered
 *   cannot change the answer.
 * - Each query first offers the previous query's neighbours (the next grid
 *   cell has almost the same ones), so the k-th distance starts out tight.
 * - The points are kept sorted by x, and the scan walks outwards from the
 *   query's x in both directions. For all three metrics the distance is at
 *   least |dx| (also after rounding), so once |dx| is strictly greater than
 *   the current k-th distance, no point further out can enter the list.
 */
export class NeighbourSearch {
  constructor(points, metric, k) {
    const metricCode = METRICS.indexOf(metric);
    if (metricCode < 0) throw new Error(`unknown metric ${JSON.stringify(metric)}`);
    this.metricCode = metricCode;
    this.distance = DISTANCES[metric];
    const n = points.length;
    this.n = n;
    const byX = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => points[a][0] - points[b][0] || a - b,
    );
    this.sortedX = Float64Array.from(byX, (i) => points[i][0]);
    this.sortedY = Float64Array.from(byX, (i) => points[i][1]);
    this.sortedIndex = Int32Array.from(byX);
    this.positionOf = new Int32Array(n); // original index -> position in the sorted arrays
    byX.forEach((i, position) => {
      this.positionOf[i] = position;
    });
    this.k = Math.max(1, Math.min(k, n));
    this.topDist = new Float64Array(this.k);
    this.topIndex = new Int32Array(this.k);
    this.count = 0;
    this.seed = new Int32Array(this.k);
    this.seedCount = 0;
    this.offeredIn = new Int32Array(n); // number of the query in which point i was last offered
    this.queryNumber = 0;
  }

  /** Insert (d, i) into the top-k list if it comes before the current k-th. */
  offer(d, i) {
    const { k, topDist, topIndex } = this;
    let pos;
    if (this.count < k) {
      pos = this.count++;
    } else if (d < topDist[k - 1] || (d === topDist[k - 1] && i < topIndex[k - 1])) {
      pos = k - 1;
    } else {
      return;
    }
    while (pos > 0 && (topDist[pos - 1] > d || (topDist[pos - 1] === d && topIndex[pos - 1] > i))) {
      topDist[pos] = topDist[pos - 1];
      topIndex[pos] = topIndex[pos - 1];
      pos--;
    }
    topDist[pos] = d;
    topIndex[pos] = i;
  }

  /** Distance from (qx, qy) to the point at sorted position p. */
  distanceAt(qx, qy, p) {
    return this.distance(qx, qy, this.sortedX[p], this.sortedY[p]);
  }

  /** The current k-th distance, or Infinity while fewer than k are known. */
  bound() {
    return this.count === this.k ? this.topDist[this.k - 1] : Infinity;
  }

  /** The k nearest points of (qx, qy); returns how many (min(k, n)). */
  query(qx, qy) {
    const { n, sortedX, sortedIndex, offeredIn, seed } = this;
    const stamp = ++this.queryNumber;
    this.count = 0;
    for (let j = 0; j < this.seedCount; j++) {
      const i = seed[j];
      offeredIn[i] = stamp;
      this.offer(this.distanceAt(qx, qy, this.positionOf[i]), i);
    }
    // First sorted position with x >= qx (binary search).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortedX[mid] < qx) lo = mid + 1;
      else hi = mid;
    }
    // The two sweeps below are the hot loops: the distance is written out
    // (the same operations as DISTANCES) and the current k-th kept in locals.
    const { sortedY, metricCode, k, topDist, topIndex } = this;
    let kthDist = this.bound();
    let kthIndex = this.count === k ? topIndex[k - 1] : n;
    for (let direction = 1; direction >= -1; direction -= 2) {
      for (let p = direction === 1 ? lo : lo - 1; p >= 0 && p < n; p += direction) {
        const d0 = Math.abs(qx - sortedX[p]);
        if (d0 > kthDist && d0 > TINY_GAP) break;
        const i = sortedIndex[p];
        if (offeredIn[i] === stamp) continue;
        const d1 = Math.abs(qy - sortedY[p]);
        const d = metricCode === 0 ? Math.sqrt(d0 * d0 + d1 * d1) : metricCode === 1 ? d0 + d1 : Math.max(d0, d1);
        if (d < kthDist || (d === kthDist && i < kthIndex)) {
          this.offer(d, i);
          if (this.count === k) {
            kthDist = topDist[k - 1];
            kthIndex = topIndex[k - 1];
          }
        }
      }
    }
    seed.set(this.topIndex.subarray(0, this.count));
    this.seedCount = this.count;
    return this.count;
  }
}

/**
 * Class scores of one query's `count` neighbours (in order), into `scores`.
 * Returns the predicted label and whether the top score is shared (a tie).
 */
export function voteInto(topDist, topIndex, count, labels, weights, scores) {
  scores.fill(0);
  if (weights === "distance") {
    // Sorted by distance, so an exact match, if any, comes first.
    if (topDist[0] === 0) {
      for (let j = 0; j < count && topDist[j] === 0; j++) scores[labels[topIndex[j]]] += 1.0;
    } else {
      for (let j = 0; j < count; j++) scores[labels[topIndex[j]]] += 1.0 / topDist[j];
    }
  } else {
    for (let j = 0; j < count; j++) scores[labels[topIndex[j]]] += 1.0;
  }
  let best = 0;
  let tied = false;
  for (let c = 1; c < scores.length; c++) {
    if (scores[c] > scores[best]) {
      best = c;
      tied = false;
    } else if (scores[c] === scores[best]) {
      tied = true;
    }
  }
  return { label: best, tied };
}

function scoreLength(labels) {
  let top = 0;
  for (const label of labels) top = Math.max(top, label);
  return top + 1;
}

/**
 * Predict every cell of a grid x grid lattice over `extent`.
 *
 * Returns { labels: Int32Array, ties: Uint8Array, kEffective } with cell
 * (row, col) at index row * grid + col, row 0 at the bottom. With no points,
 * every label is -1. k larger than the number of points is clamped to it.
 */
export function predictGrid({ points, labels, k, metric, weights, grid, extent }) {
  const n = points.length;
  const outLabels = new Int32Array(grid * grid).fill(-1);
  const outTies = new Uint8Array(grid * grid);
  if (n === 0) return { labels: outLabels, ties: outTies, kEffective: 0 };
  const search = new NeighbourSearch(points, metric, k);
  const labelArray = Int32Array.from(labels);
  const scores = new Float64Array(scoreLength(labelArray));
  const { xs, ys } = gridCentres(grid, extent);
  for (let row = 0; row < grid; row++) {
    // Snake through the rows (left to right, then right to left) so that each
    // cell is next to the previous one and its neighbours are a good seed.
    for (let step = 0; step < grid; step++) {
      const col = row % 2 === 0 ? step : grid - 1 - step;
      const count = search.query(xs[col], ys[row]);
      const { label, tied } = voteInto(search.topDist, search.topIndex, count, labelArray, weights, scores);
      outLabels[row * grid + col] = label;
      outTies[row * grid + col] = tied ? 1 : 0;
    }
  }
  return { labels: outLabels, ties: outTies, kEffective: search.k };
}

/**
 * Everything about one query point: its neighbours (nearest first), their
 * distances, the class scores, the prediction and whether it is a tie.
 */
export function explainQuery({ points, labels, k, metric, weights, query }) {
  if (points.length === 0) return null;
  const search = new NeighbourSearch(points, metric, k);
  const count = search.query(query[0], query[1]);
  const labelArray = Int32Array.from(labels);
  const scores = new Float64Array(scoreLength(labelArray));
  const { label, tied } = voteInto(search.topDist, search.topIndex, count, labelArray, weights, scores);
  return {
    indices: Array.from(search.topIndex.subarray(0, count)),
    distances: Array.from(search.topDist.subarray(0, count)),
    scores: Array.from(scores),
    label,
    tied,
    kEffective: search.k,
  };
}

/** Friendly notes about the current data (empty list when all is ordinary). */
export function describeData({ points, labels, k }) {
  const n = points.length;
  const notes = [];
  if (n === 0) {
    notes.push(
      "No training points yet: click on the canvas to add a point of the active class, or choose a preset.",
    );
    return notes;
  }
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  if (classes.length === 1) {
    notes.push(
      `Every point is class ${classes[0]}, so KNN predicts class ${classes[0]} everywhere. ` +
        "Pick another class above and click to add a point of it.",
    );
  }
  if (k > n) {
    notes.push(
      `k = ${k}, but there ${n === 1 ? "is only 1 point" : `are only ${n} points`}: ` +
        `all of them vote (k is treated as ${n}).`,
    );
  }
  const firstAt = new Map();
  let duplicates = 0;
  let conflicting = false;
  points.forEach(([x, y], i) => {
    const key = `${x},${y}`;
    if (firstAt.has(key)) {
      duplicates++;
      if (labels[firstAt.get(key)] !== labels[i]) conflicting = true;
    } else {
      firstAt.set(key, i);
    }
  });
  if (duplicates > 0) {
    notes.push(
      `${duplicates} point${duplicates === 1 ? " sits" : "s sit"} exactly on top of another; ` +
        "each one still votes" +
        (conflicting ? ", and where their classes differ the votes around them can tie." : "."),
    );
  }
  return notes;
}

/** Round a coordinate to 2 decimals, as the presets are. */
export function roundCoordinate(value) {
  return Math.round(value * 100) / 100;
}

// ---------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------

const PLOT_SIZE = 450; // CSS pixels of the plotting square
const MARGIN = { left: 36, right: 10, top: 10, bottom: 34 };
const MARKER_RADIUS = 6;
const NO_POINTS_COLOR = "#F4F4F4";

function hexToRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function drawMarker(ctx, shape, x, y, r, fill) {
  ctx.beginPath();
  switch (shape) {
    case "triangle":
      ctx.moveTo(x, y - 1.2 * r);
      ctx.lineTo(x + 1.1 * r, y + 0.8 * r);
      ctx.lineTo(x - 1.1 * r, y + 0.8 * r);
      ctx.closePath();
      break;
    case "triangle_down":
      ctx.moveTo(x, y + 1.2 * r);
      ctx.lineTo(x + 1.1 * r, y - 0.8 * r);
      ctx.lineTo(x - 1.1 * r, y - 0.8 * r);
      ctx.closePath();
      break;
    case "square":
      ctx.rect(x - 0.9 * r, y - 0.9 * r, 1.8 * r, 1.8 * r);
      break;
    case "diamond":
      ctx.moveTo(x, y - 1.25 * r);
      ctx.lineTo(x + 1.25 * r, y);
      ctx.lineTo(x, y + 1.25 * r);
      ctx.lineTo(x - 1.25 * r, y);
      ctx.closePath();
      break;
    case "plus":
    case "cross": {
      const a = shape === "plus" ? 0 : Math.PI / 4;
      const w = 0.4 * r;
      const pts = [];
      for (let q = 0; q < 4; q++) {
        const t = a + (q * Math.PI) / 2;
        const [c, s] = [Math.cos(t), Math.sin(t)];
        const [nc, ns] = [-s, c];
        pts.push([x + c * r * 1.2 + nc * w, y + s * r * 1.2 + ns * w]);
        pts.push([x + c * r * 1.2 - nc * w, y + s * r * 1.2 - ns * w]);
        pts.push([x + c * w - nc * w, y + s * w - ns * w]);
      }
      ctx.moveTo(...pts[0]);
      for (const p of pts.slice(1)) ctx.lineTo(...p);
      ctx.closePath();
      break;
    }
    default:
      ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = "#000000";
  ctx.stroke();
}

/** A small canvas holding one diagonal stripe, tiled to hatch the tied cells. */
function stripeTile(color, dpr) {
  const size = Math.round(8 * dpr);
  const tile = document.createElement("canvas");
  tile.width = tile.height = size;
  const t = tile.getContext("2d");
  t.strokeStyle = color;
  t.lineWidth = 1.4 * dpr;
  t.beginPath();
  // Three segments so the stripes join seamlessly across tiles.
  for (const offset of [-size, 0, size]) {
    t.moveTo(offset, size);
    t.lineTo(offset + size, 0);
  }
  t.stroke();
  return tile;
}

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

const MARKER_SYMBOLS = {
  circle: "\u25CF",
  triangle: "\u25B2",
  square: "\u25A0",
  diamond: "\u25C6",
  triangle_down: "\u25BC",
  plus: "\u271A",
  cross: "\u2716",
};

function formatScore(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

// Saving state needs a kernel. On a static book page there is none and the
// widget manager throws "no comm channel"; the page keeps its local state.
function saveChanges(model) {
  try {
    const result = model.save_changes();
    if (result && typeof result.catch === "function") result.catch(() => {});
  } catch (error) {
    // No kernel: nothing to sync with.
  }
}

// ---------------------------------------------------------------------------
// The widget view
// ---------------------------------------------------------------------------

function render({ model, el: host }) {
  const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const width = MARGIN.left + PLOT_SIZE + MARGIN.right;
  const height = MARGIN.top + PLOT_SIZE + MARGIN.bottom;

  // ---- controls ----
  const presetSelect = el("select", { "aria-label": "Preset dataset" });
  const classGroup = el("div", { class: "knnpg-classes", role: "radiogroup", "aria-label": "Active class" });
  const nClassesSelect = el("select", { "aria-label": "Number of classes" }, [
    el("option", { value: "2", text: "2 classes" }),
    el("option", { value: "3", text: "3 classes" }),
  ]);
  const kSlider = el("input", { type: "range", min: "1", max: "25", step: "1", "aria-label": "k, the number of neighbours" });
  const kValue = el("output", { class: "knnpg-kvalue" });
  const metricSelect = el(
    "select",
    { "aria-label": "Distance metric" },
    METRICS.map((m) => el("option", { value: m, text: m[0].toUpperCase() + m.slice(1) })),
  );
  const weightsSelect = el("select", { "aria-label": "Vote weights" }, [
    el("option", { value: "uniform", text: "Uniform votes" }),
    el("option", { value: "distance", text: "Distance-weighted votes" }),
  ]);
  const tiesBox = el("input", { type: "checkbox" });
  const undoButton = el("button", { type: "button", text: "Undo" });
  const clearButton = el("button", { type: "button", text: "Clear" });
  const probeButton = el("button", { type: "button", "aria-pressed": "false", text: "Probe mode" });

  const canvas = el("canvas", {
    class: "knnpg-canvas",
    tabindex: "0",
    role: "application",
    "aria-label":
      "KNN canvas. Click to add a point of the active class. Arrow keys move the probe, Enter adds a point at the probe.",
  });
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.dataset.plotLeft = String(MARGIN.left);
  canvas.dataset.plotTop = String(MARGIN.top);
  canvas.dataset.plotSize = String(PLOT_SIZE);
  const ctx = canvas.getContext("2d");

  const notes = el("div", { class: "knnpg-notes", role: "status", "aria-live": "polite" });
  const tieLegend = el("div", { class: "knnpg-tie-legend" }, [
    el("span", { class: "knnpg-hatch", "aria-hidden": "true" }),
    " Hatched cells: the vote is tied there, and the smallest class label wins.",
  ]);
  const tally = el("div", { class: "knnpg-tally", "aria-live": "polite" });
  const stats = el("div", { class: "knnpg-stats" });
  const help = el("details", { class: "knnpg-help" }, [
    el("summary", { text: "Mouse and keyboard" }),
    el("ul", {}, [
      el("li", { text: "Click: add a point of the active class. Shift+click (or Probe mode): place the probe." }),
      el("li", { text: "Hover: the probe follows the mouse and shows its k nearest neighbours and their votes." }),
      el("li", { text: "On the focused canvas: arrow keys move the probe (Shift: bigger steps); Enter or Space adds a point at the probe; 1, 2, 3 pick the class; U undoes; Escape removes the probe." }),
    ]),
  ]);

  const label = (text, control) => el("label", { class: "knnpg-control" }, [el("span", { text }), control]);
  const root = el("div", { class: "knnpg" }, [
    el("div", { class: "knnpg-row" }, [
      label("Preset", presetSelect),
      nClassesSelect,
      el("span", { class: "knnpg-control" }, [el("span", { text: "Class" }), classGroup]),
      undoButton,
      clearButton,
      probeButton,
    ]),
    el("div", { class: "knnpg-row" }, [
      el("label", { class: "knnpg-control" }, [el("span", { text: "k" }), kSlider, kValue]),
      label("Metric", metricSelect),
      weightsSelect,
      el("label", { class: "knnpg-control" }, [tiesBox, el("span", { text: "Mark ties" })]),
    ]),
    canvas,
    tieLegend,
    notes,
    tally,
    stats,
    help,
  ]);
  host.append(root);
  // Keys pressed inside the playground are ours: in JupyterLab they would
  // otherwise also reach the notebook's shortcuts ("1" turns the cell into a
  // heading, Enter enters edit mode, arrows move the cell selection).
  root.addEventListener("keydown", (event) => event.stopPropagation());

  // ---- state held by this view only ----
  const history = []; // snapshots for undo
  let hoverProbe = null; // follows the mouse, never synced
  let probeMode = false;
  let background = null; // cached shading + hatching, redrawn only when the data or settings change
  let lastGrid = null;
  let frameRequested = false;
  let gridDirty = true;

  const get = (name) => model.get(name);
  const palette = () => get("palette");
  const pinnedProbe = () => (get("probe") && get("probe").length === 2 ? get("probe") : null);
  const nPickable = () => Math.max(get("n_classes"), scoreLength(get("labels")));

  // ---- coordinates ----
  function toCanvas([x, y]) {
    const [xMin, xMax, yMin, yMax] = get("extent");
    return [
      MARGIN.left + ((x - xMin) / (xMax - xMin)) * PLOT_SIZE,
      MARGIN.top + ((yMax - y) / (yMax - yMin)) * PLOT_SIZE,
    ];
  }
  function toData(event) {
    const rect = canvas.getBoundingClientRect();
    const cx = ((event.clientX - rect.left) / rect.width) * width - MARGIN.left;
    const cy = ((event.clientY - rect.top) / rect.height) * height - MARGIN.top;
    if (cx < 0 || cy < 0 || cx > PLOT_SIZE || cy > PLOT_SIZE) return null;
    const [xMin, xMax, yMin, yMax] = get("extent");
    return [
      roundCoordinate(xMin + (cx / PLOT_SIZE) * (xMax - xMin)),
      roundCoordinate(yMax - (cy / PLOT_SIZE) * (yMax - yMin)),
    ];
  }

  // ---- editing the data ----
  function setData(points, labels, preset) {
    history.push({ points: get("points"), labels: get("labels"), preset: get("preset") });
    if (history.length > 200) history.shift();
    model.set("points", points);
    model.set("labels", labels);
    model.set("preset", preset);
    saveChanges(model);
  }
  function addPoint(position) {
    setData([...get("points"), position], [...get("labels"), get("active_class")], "");
  }
  function undo() {
    const previous = history.pop();
    if (!previous) return;
    model.set("points", previous.points);
    model.set("labels", previous.labels);
    model.set("preset", previous.preset);
    saveChanges(model);
  }
  function setTrait(name, value) {
    model.set(name, value);
    saveChanges(model);
  }

  // ---- computing and painting ----
  function rebuildBackground() {
    const started = performance.now();
    const grid = get("grid");
    const points = get("points");
    const pal = palette();
    lastGrid = predictGrid({
      points,
      labels: get("labels"),
      k: get("k"),
      metric: get("metric"),
      weights: get("weights"),
      grid,
      extent: get("extent"),
    });
    const computed = performance.now();

    // One pixel per cell, then scaled up without smoothing: every cell is a
    // crisp square of its class's region colour.
    const cells = document.createElement("canvas");
    cells.width = cells.height = grid;
    const image = cells.getContext("2d").createImageData(grid, grid);
    const regionRgb = pal.region_colors.map(hexToRgb);
    const empty = hexToRgb(NO_POINTS_COLOR);
    const tieMask = document.createElement("canvas");
    tieMask.width = tieMask.height = grid;
    const tieImage = tieMask.getContext("2d").createImageData(grid, grid);
    let anyTie = false;
    for (let row = 0; row < grid; row++) {
      const imageRow = grid - 1 - row; // row 0 is the bottom of the plot, the top of the image
      for (let col = 0; col < grid; col++) {
        const cell = row * grid + col;
        const rgb = lastGrid.labels[cell] < 0 ? empty : regionRgb[lastGrid.labels[cell]];
        const p = 4 * (imageRow * grid + col);
        image.data[p] = rgb[0];
        image.data[p + 1] = rgb[1];
        image.data[p + 2] = rgb[2];
        image.data[p + 3] = 255;
        if (lastGrid.ties[cell]) {
          tieImage.data[p + 3] = 255;
          anyTie = true;
        }
      }
    }
    cells.getContext("2d").putImageData(image, 0, 0);

    background = document.createElement("canvas");
    background.width = canvas.width;
    background.height = canvas.height;
    const b = background.getContext("2d");
    b.imageSmoothingEnabled = false;
    const plot = [MARGIN.left * dpr, MARGIN.top * dpr, PLOT_SIZE * dpr, PLOT_SIZE * dpr];
    b.fillStyle = "#FFFFFF";
    b.fillRect(0, 0, background.width, background.height);
    b.drawImage(cells, ...plot);

    if (anyTie && get("show_ties")) {
      tieMask.getContext("2d").putImageData(tieImage, 0, 0);
      // Stripes everywhere, then keep them only where the tie mask is opaque.
      const stripes = document.createElement("canvas");
      stripes.width = plot[2];
      stripes.height = plot[3];
      const s = stripes.getContext("2d");
      s.fillStyle = s.createPattern(stripeTile(pal.tie_color, dpr), "repeat");
      s.fillRect(0, 0, stripes.width, stripes.height);
      s.globalCompositeOperation = "destination-in";
      s.imageSmoothingEnabled = false;
      s.drawImage(tieMask, 0, 0, stripes.width, stripes.height);
      b.drawImage(stripes, plot[0], plot[1]);
    }
    drawAxes(b);
    const finished = performance.now();

    tieLegend.hidden = !(anyTie && get("show_ties"));
    const n = points.length;
    const nCells = grid * grid;
    root.dataset.renderMs = (finished - started).toFixed(2);
    root.dataset.computeMs = (computed - started).toFixed(2);
    root.dataset.kEffective = String(lastGrid.kEffective);
    root.dataset.nPoints = String(n);
    stats.textContent =
      n === 0
        ? ""
        : `${grid}\u00D7${grid} = ${nCells.toLocaleString("en")} cells, each compared with all ${n} points: ` +
          `${(nCells * n).toLocaleString("en")} distances, recomputed in ${(finished - started).toFixed(0)} ms.`;
  }

  function drawAxes(c) {
    c.save();
    c.scale(dpr, dpr);
    c.strokeStyle = "#444444";
    c.lineWidth = 1;
    c.strokeRect(MARGIN.left, MARGIN.top, PLOT_SIZE, PLOT_SIZE);
    c.fillStyle = "#222222";
    c.font = "12px sans-serif";
    const [xMin, xMax, yMin, yMax] = get("extent");
    for (let t = 0; t <= 5; t++) {
      const xv = xMin + (t / 5) * (xMax - xMin);
      const yv = yMin + (t / 5) * (yMax - yMin);
      const [cx] = toCanvas([xv, yMin]);
      const [, cy] = toCanvas([xMin, yv]);
      c.beginPath();
      c.moveTo(cx, MARGIN.top + PLOT_SIZE);
      c.lineTo(cx, MARGIN.top + PLOT_SIZE + 4);
      c.moveTo(MARGIN.left - 4, cy);
      c.lineTo(MARGIN.left, cy);
      c.stroke();
      c.textAlign = "center";
      c.textBaseline = "top";
      c.fillText(String(+xv.toFixed(2)), cx, MARGIN.top + PLOT_SIZE + 6);
      c.textAlign = "right";
      c.textBaseline = "middle";
      c.fillText(String(+yv.toFixed(2)), MARGIN.left - 6, cy);
    }
    c.textAlign = "center";
    c.textBaseline = "bottom";
    c.fillText("x\u2081", MARGIN.left + PLOT_SIZE / 2, height);
    c.translate(10, MARGIN.top + PLOT_SIZE / 2);
    c.rotate(-Math.PI / 2);
    c.textBaseline = "middle";
    c.fillText("x\u2082", 0, 0);
    c.restore();
  }

  function drawFrame() {
    frameRequested = false;
    if (gridDirty || !background) {
      rebuildBackground();
      gridDirty = false;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(background, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);

    const points = get("points");
    const labels = get("labels");
    const pal = palette();
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, PLOT_SIZE, PLOT_SIZE);
    ctx.clip();
    const probe = hoverProbe || pinnedProbe();
    let explained = null;
    if (probe && points.length > 0) {
      explained = explainQuery({
        points, labels, k: get("k"), metric: get("metric"), weights: get("weights"), query: probe,
      });
      const [qx, qy] = toCanvas(probe);
      ctx.strokeStyle = "#222222";
      ctx.lineWidth = 1.3;
      ctx.setLineDash([5, 3]);
      for (const i of explained.indices) {
        const [x, y] = toCanvas(points[i]);
        ctx.beginPath();
        ctx.moveTo(qx, qy);
        ctx.lineTo(x, y);
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    points.forEach((point, i) => {
      const [x, y] = toCanvas(point);
      const c = labels[i];
      drawMarker(ctx, pal.markers[c % pal.markers.length], x, y, MARKER_RADIUS, pal.colors[c % pal.colors.length]);
    });
    if (probe) drawProbe(probe);
    ctx.restore();
    updateTally(probe, explained);
  }

  function drawProbe(probe) {
    const [x, y] = toCanvas(probe);
    ctx.beginPath();
    for (let i = 0; i < 10; i++) {
      const r = i % 2 === 0 ? 11 : 4.5;
      const t = -Math.PI / 2 + (i * Math.PI) / 5;
      ctx.lineTo(x + r * Math.cos(t), y + r * Math.sin(t));
    }
    ctx.closePath();
    // Half transparent, so a point under the probe still shows through.
    ctx.fillStyle = "rgba(255, 255, 255, 0.5)";
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#222222";
    ctx.stroke();
  }

  function updateTally(probe, explained) {
    const pal = palette();
    tally.replaceChildren();
    delete root.dataset.probe;
    delete root.dataset.probeLabel;
    delete root.dataset.probeTied;
    delete root.dataset.probeIndices;
    if (!probe) {
      tally.textContent = "Hover over the canvas (or press an arrow key on it) to probe a point.";
      return;
    }
    if (!explained) {
      tally.textContent = `Probe at (${probe[0].toFixed(2)}, ${probe[1].toFixed(2)}): no points to vote yet.`;
      return;
    }
    root.dataset.probe = `${probe[0]},${probe[1]}`;
    root.dataset.probeLabel = String(explained.label);
    root.dataset.probeTied = String(explained.tied);
    root.dataset.probeIndices = explained.indices.join(",");
    const kind = get("weights") === "distance" ? "weights (1 / distance)" : "votes";
    const parts = [];
    explained.scores.forEach((score, c) => {
      if (c >= nPickable() && score === 0) return;
      const swatch = el("span", {
        class: "knnpg-swatch",
        style: `color: ${pal.colors[c]}`,
        text: MARKER_SYMBOLS[pal.markers[c]] || "\u25CF",
      });
      parts.push(el("span", { class: "knnpg-score" }, [swatch, ` class ${c}: ${formatScore(score)}`]));
    });
    const exactMatch = get("weights") === "distance" && explained.distances[0] === 0
      ? " (the probe sits exactly on a point: exact matches take the whole vote)"
      : "";
    const verdict = explained.tied
      ? `tie, so the smallest label wins: class ${explained.label}`
      : `predicted class ${explained.label}`;
    tally.append(
      `Probe at (${probe[0].toFixed(2)}, ${probe[1].toFixed(2)}). The ${kind} of its ` +
        `${explained.kEffective} nearest neighbour${explained.kEffective === 1 ? "" : "s"}: `,
      ...parts.flatMap((p, i) => (i ? [", ", p] : [p])),
      `${exactMatch} \u2192 ${verdict}.`,
    );
  }

  function requestFrame(regrid) {
    if (regrid) gridDirty = true;
    if (!frameRequested) {
      frameRequested = true;
      requestAnimationFrame(drawFrame);
    }
  }

  // ---- syncing controls with the model ----
  function syncControls() {
    const presets = get("presets");
    const current = get("preset");
    presetSelect.replaceChildren(
      el("option", { value: "", text: "(your own points)" }),
      ...Object.entries(presets).map(([name, data]) => el("option", { value: name, text: data.title })),
    );
    presetSelect.value = current in presets ? current : "";
    nClassesSelect.value = String(get("n_classes"));
    const kMax = Math.max(25, get("k"));
    kSlider.max = String(kMax);
    kSlider.value = String(get("k"));
    kValue.textContent = String(get("k"));
    metricSelect.value = get("metric");
    weightsSelect.value = get("weights");
    tiesBox.checked = get("show_ties");
    undoButton.disabled = history.length === 0;
    const pal = palette();
    classGroup.replaceChildren(
      ...Array.from({ length: nPickable() }, (_, c) => {
        const active = c === get("active_class");
        const button = el("button", {
          type: "button",
          role: "radio",
          "aria-checked": String(active),
          class: `knnpg-class${active ? " knnpg-active" : ""}`,
          title: `Class ${c} (key ${c + 1})`,
        }, [
          el("span", { class: "knnpg-swatch", style: `color: ${pal.colors[c]}`, text: MARKER_SYMBOLS[pal.markers[c]] }),
          ` ${c}`,
        ]);
        button.addEventListener("click", () => setTrait("active_class", c));
        return button;
      }),
    );
    notes.replaceChildren(
      ...describeData({ points: get("points"), labels: get("labels"), k: get("k") }).map((text) =>
        el("p", { text }),
      ),
    );
  }

  presetSelect.addEventListener("change", () => {
    const name = presetSelect.value;
    const data = get("presets")[name];
    if (!data) return;
    setData(data.points, data.labels, name);
    model.set("n_classes", data.n_classes);
    if (get("active_class") >= data.n_classes) model.set("active_class", 0);
    saveChanges(model);
  });
  nClassesSelect.addEventListener("change", () => {
    const n = Number(nClassesSelect.value);
    model.set("n_classes", n);
    if (get("active_class") >= Math.max(n, scoreLength(get("labels")))) model.set("active_class", 0);
    saveChanges(model);
  });
  kSlider.addEventListener("input", () => {
    kValue.textContent = kSlider.value;
    setTrait("k", Number(kSlider.value));
  });
  metricSelect.addEventListener("change", () => setTrait("metric", metricSelect.value));
  weightsSelect.addEventListener("change", () => setTrait("weights", weightsSelect.value));
  tiesBox.addEventListener("change", () => setTrait("show_ties", tiesBox.checked));
  undoButton.addEventListener("click", undo);
  clearButton.addEventListener("click", () => setData([], [], ""));
  probeButton.addEventListener("click", () => {
    probeMode = !probeMode;
    probeButton.setAttribute("aria-pressed", String(probeMode));
    probeButton.classList.toggle("knnpg-active", probeMode);
  });

  canvas.addEventListener("click", (event) => {
    const position = toData(event);
    if (!position) return;
    canvas.focus();
    if (event.shiftKey || probeMode) setTrait("probe", position);
    else addPoint(position);
  });
  canvas.addEventListener("mousemove", (event) => {
    hoverProbe = toData(event);
    requestFrame(false);
  });
  canvas.addEventListener("mouseleave", () => {
    hoverProbe = null;
    requestFrame(false);
  });
  canvas.addEventListener("keydown", (event) => {
    const [xMin, xMax, yMin, yMax] = get("extent");
    const step = (event.shiftKey ? 0.1 : 0.02) * (xMax - xMin);
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (event.key in moves) {
      const [x, y] = pinnedProbe() || [(xMin + xMax) / 2, (yMin + yMax) / 2];
      const [dx, dy] = moves[event.key];
      const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
      setTrait("probe", [roundCoordinate(clamp(x + dx, xMin, xMax)), roundCoordinate(clamp(y + dy, yMin, yMax))]);
    } else if (event.key === "Enter" || event.key === " ") {
      const probe = pinnedProbe();
      if (probe) addPoint([...probe]);
    } else if (["1", "2", "3"].includes(event.key) && Number(event.key) <= nPickable()) {
      setTrait("active_class", Number(event.key) - 1);
    } else if (event.key === "u" || event.key === "U") {
      undo();
    } else if (event.key === "Escape") {
      setTrait("probe", []);
    } else {
      return;
    }
    event.preventDefault();
  });

  const regridOn = ["points", "labels", "k", "metric", "weights", "grid", "extent", "show_ties", "palette"];
  const listeners = [];
  const listen = (names, callback) => {
    for (const name of names) {
      model.on(`change:${name}`, callback);
      listeners.push([`change:${name}`, callback]);
    }
  };
  listen(regridOn, () => {
    syncControls();
    requestFrame(true);
  });
  listen(["n_classes", "active_class", "preset", "presets", "probe"], () => {
    syncControls();
    requestFrame(false);
  });

  // Exposed on the DOM node for tests and curious readers (the browser
  // console): what is drawn, and a way to time a full redraw.
  root.knnPlayground = {
    get lastGrid() {
      return lastGrid;
    },
    get points() {
      return get("points");
    },
    get labels() {
      return get("labels");
    },
    get settings() {
      return {
        k: get("k"), metric: get("metric"), weights: get("weights"), grid: get("grid"),
        extent: get("extent"), activeClass: get("active_class"), nClasses: get("n_classes"),
      };
    },
    setData(points, labels) {
      setData(points, labels, "");
    },
    drawNow() {
      gridDirty = true;
      drawFrame();
      return Number(root.dataset.renderMs);
    },
  };

  syncControls();
  drawFrame();
  return () => {
    for (const [event, callback] of listeners) model.off(event, callback);
  };
}

export default { render };
