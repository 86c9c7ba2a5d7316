// The emulator's dashboard: live snapshots over Server-Sent Events from
// /_emulator/events, drawn as charts of the last five minutes and tables.
"use strict";

// The charts span the history kept (five minutes), at least one minute.
const WINDOW_MS = 5 * 60 * 1000;
const SHORTEST_WINDOW_MS = 60 * 1000;
const FEED_ROWS = 80;

const state = { points: [], feed: [], snapshot: null, routes: [], mode: null, hasDatabase: false, stormError: null };

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text, never HTML). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const count = (value) => (value === null || value === undefined ? "–" : integer.format(value));
const rate = (value) => (value === null || value === undefined ? "–" : decimal.format(value));
const ms = (value) => (value === null || value === undefined ? "–" : value >= 1000 ? decimal.format(value / 1000) + " s" : decimal.format(value) + " ms");
const short = (value) => (value >= 100 ? integer.format(value) : decimal.format(value));
const clock = (time) => new Date(time).toLocaleTimeString(undefined, { hour12: false });

function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

// MARK: Live events

function connect() {
  const source = new EventSource("/_emulator/events");
  source.addEventListener("history", (event) => {
    const history = JSON.parse(event.data);
    state.points = history.points;
    state.feed = history.feed.slice().reverse().slice(0, FEED_ROWS);
    state.routes = history.routes;
    fillRoutes();
    renderStorm(history.storm);
    renderFeed();
    renderCharts();
  });
  source.onmessage = (event) => {
    const snapshot = JSON.parse(event.data);
    state.snapshot = snapshot;
    state.points.push(snapshot.point);
    const oldest = snapshot.point.time - WINDOW_MS;
    while (state.points.length && state.points[0].time < oldest) state.points.shift();
    state.feed = snapshot.feed.slice().reverse().concat(state.feed).slice(0, FEED_ROWS);
    if (JSON.stringify(snapshot.routes) !== JSON.stringify(state.routes)) {
      state.routes = snapshot.routes;
      fillRoutes();
    }
    setConnection("live", "live · updated " + clock(snapshot.time));
    render(snapshot);
  };
  source.onerror = () => setConnection("lost", "reconnecting…");
}

function setConnection(kind, text) {
  const node = $("connection");
  node.dataset.state = kind;
  node.textContent = text;
}

function render(snapshot) {
  renderMode(snapshot.stats);
  renderTiles(snapshot);
  renderCharts();
  renderFunctions(snapshot);
  renderFeed();
  renderBackends(snapshot.stats.database);
  renderStorm(snapshot.storm);
  renderReload(snapshot.stats.reload);
}

// MARK: Hot reload

/** The last hot reload when it failed (a build error, an invalid runtime.json); hidden otherwise. */
function renderReload(reload) {
  const box = $("reload");
  const failed = reload && reload.status === "failed";
  box.hidden = !failed;
  if (!failed) return;
  $("reload-title").textContent = `Hot reload failed at ${clock(reload.at)}; the last good version still serves.`;
  if ($("reload-error").textContent !== reload.error) $("reload-error").textContent = reload.error;
}

// MARK: Mode

function renderMode(stats) {
  state.mode = stats.mode;
  state.hasDatabase = stats.database !== undefined && stats.database !== null;
  const name = $("mode");
  name.textContent = stats.mode;
  name.dataset.mode = stats.mode;
  const button = $("mode-button");
  button.textContent = "Switch to " + other(stats.mode);
  button.disabled = !state.hasDatabase || button.dataset.busy === "yes";
  button.title = state.hasDatabase ? "New instances get the other DATABASE_URL; warm ones are recycled" : "This emulator runs without a database";
}

const other = (mode) => (mode === "pooled" ? "direct" : "pooled");

async function switchMode() {
  const button = $("mode-button");
  const message = $("mode-message");
  button.dataset.busy = "yes";
  button.disabled = true;
  try {
    const response = await fetch("/_emulator/mode", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode: other(state.mode) }),
    });
    const answer = await response.json();
    message.classList.toggle("error", !response.ok);
    if (response.ok) {
      message.textContent = `now ${answer.mode}; ${answer.recycledInstances} idle instances recycled`;
      state.mode = answer.mode;
      $("mode").textContent = answer.mode;
      $("mode").dataset.mode = answer.mode;
      button.textContent = "Switch to " + other(answer.mode);
    } else {
      message.textContent = answer.message;
    }
  } catch (error) {
    message.classList.add("error");
    message.textContent = String(error);
  } finally {
    button.dataset.busy = "no";
    button.disabled = !state.hasDatabase;
  }
}

// MARK: Tiles

function renderTiles(snapshot) {
  const point = snapshot.point;
  $("tile-instances").textContent = count(point.instances.total);
  $("tile-instances-detail").textContent = `${count(point.instances.busy)} busy · ${count(point.instances.idle)} idle · ${count(point.instances.starting)} starting`;
  const database = snapshot.stats.database;
  if (database) {
    $("tile-database").textContent = `${count(database.connections)} / ${count(database.maxConnections)}`;
    const churn = database.newConnectionsPerSecond == null ? "" : ` · ${database.newConnectionsPerSecond} new/s · ${count(database.connectionsOpened)} opened`;
    $("tile-database-detail").textContent = `peak ${count(database.peakConnections)}${churn}` + (database.error ? ` · ${database.error}` : "");
  } else {
    $("tile-database").textContent = "–";
    $("tile-database-detail").textContent = "no database";
  }
  const pool = snapshot.stats.pool;
  if (pool) {
    $("tile-waiting").textContent = count(pool.waiting);
    $("tile-waiting-detail").textContent = `wait p99 ${ms(pool.waitTime && pool.waitTime.p99Ms)} · ${count(pool.serverConnections.active)}/${count(pool.serverConnections.max)} server connections busy`;
  } else {
    $("tile-waiting").textContent = "–";
    $("tile-waiting-detail").textContent = "no pool";
  }
  $("tile-rps").textContent = rate(point.requestsPerSecond);
  const invocations = Object.values(snapshot.stats.functions).reduce((sum, f) => sum + f.invocations, 0);
  $("tile-rps-detail").textContent = `${count(invocations)} invocations since start`;
  const errors = Object.entries(point.errorsPerSecond).sort((a, b) => b[1] - a[1]);
  $("tile-errors").textContent = rate(errors.reduce((sum, [, value]) => sum + value, 0));
  $("tile-errors-detail").textContent = errors.length ? errors.map(([cause, value]) => `${cause} ${rate(value)}`).join(" · ") : "none";
  $("tile-latency").textContent = point.p50Ms === null ? "–" : `${short(point.p50Ms)} / ${short(point.p99Ms)} ms`;
  $("tile-latency-detail").textContent = "invocations of the last half second";
}

// MARK: Charts

const palette = ["--series-1", "--series-2", "--series-3", "--series-4", "--series-5", "--series-6", "--series-7"];

/** The series each chart draws: label, colour variable, the value of a point, dashed or not. */
function chartSeries(name) {
  const points = state.points;
  const series = (label, color, value, options = {}) => ({ label, color, values: points.map((p) => [p.time, value(p)]), ...options });
  switch (name) {
    case "instances":
      return [
        series("busy", "--series-1", (p) => p.instances.busy),
        series("idle", "--series-2", (p) => p.instances.idle),
        series("total", "--series-3", (p) => p.instances.total),
      ];
    case "database":
      return [
        series("connections", "--series-1", (p) => (p.database ? p.database.connections : null), { fill: true }),
        series("max_connections", "--limit", (p) => (p.database ? p.database.max : null), { dashed: true }),
      ];
    case "pool":
      return [
        series("waiting clients", "--series-4", (p) => (p.pool ? p.pool.waiting : null), { fill: true }),
        series("server connections busy", "--series-1", (p) => (p.pool ? p.pool.serverActive : null)),
        series("idle", "--series-2", (p) => (p.pool ? p.pool.serverIdle : null)),
        series("pool size", "--series-3", (p) => (p.pool ? p.pool.serverMax : null), { dashed: true }),
      ];
    case "throughput": {
      const causes = [...new Set(points.flatMap((p) => Object.keys(p.errorsPerSecond)))].sort();
      return [series("requests/s", "--series-1", (p) => p.requestsPerSecond, { fill: true })].concat(
        causes.map((cause, index) =>
          series(cause + "/s", ["--series-6", "--series-4", "--series-5", "--series-7"][index % 4], (p) => p.errorsPerSecond[cause] || 0)));
    }
    case "latency":
      return [
        series("p50", "--series-1", (p) => p.p50Ms),
        series("p99", "--series-5", (p) => p.p99Ms),
      ];
  }
  return [];
}

const units = { latency: " ms" };

/** What an empty chart says: "connecting…" until the first snapshot tells whether there is a database and a pool. */
function emptyText(name) {
  if (!state.snapshot) return "connecting…";
  const stats = state.snapshot.stats;
  if (name === "database" && !stats.database) return "no database";
  if (name === "pool" && !stats.pool) return "no pool";
  if (name === "latency") return "no invocations";
  return "no data yet";
}

function renderCharts() {
  for (const figure of document.querySelectorAll("[data-chart]")) {
    const name = figure.dataset.chart;
    const series = chartSeries(name);
    const canvas = figure.querySelector("canvas");
    const empty = emptyText(name);
    canvas.dataset.empty = series.some((s) => s.values.some(([, value]) => value !== null && value !== undefined)) ? "" : empty;
    drawChart(canvas, series, empty);
    renderLegend(figure.querySelector(".legend"), series, units[name] || "");
  }
}

function renderLegend(list, series, unit) {
  list.replaceChildren(...series.map((s) => {
    const last = s.values.length ? s.values[s.values.length - 1][1] : null;
    const shown = last === null || last === undefined ? "–" : Number.isInteger(last) ? count(last) : rate(last);
    return el("li", { class: s.dashed ? "dashed" : "", style: `--swatch: ${cssColor(s.color)}` }, s.label + " ", el("b", {}, shown + (last === null ? "" : unit)));
  }));
}

const TICKS = 4;

/** A round step between the y axis's ticks, so that TICKS steps reach `value`; whole for counts. */
function niceStep(value, whole) {
  const least = value > 0 ? value / TICKS : 0.25;
  const magnitude = Math.pow(10, Math.floor(Math.log10(least)));
  for (const factor of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const step = factor * magnitude;
    if (step >= least && (!whole || Number.isInteger(step))) return step;
  }
  return Math.max(1, 10 * magnitude);
}

function drawChart(canvas, series, empty) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (!width || !height) return;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);

  const left = 44, right = 8, top = 8, bottom = 22;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const end = state.points.length ? state.points[state.points.length - 1].time : Date.now();
  const span = state.points.length ? end - state.points[0].time : 0;
  const shown = Math.min(WINDOW_MS, Math.max(SHORTEST_WINDOW_MS, Math.ceil(span / 30000) * 30000));
  const start = end - shown;
  let highest = 0, whole = true, any = false;
  for (const s of series) {
    for (const [, value] of s.values) {
      if (value === null || value === undefined) continue;
      any = true;
      if (value > highest) highest = value;
      if (!Number.isInteger(value)) whole = false;
    }
  }
  const step = niceStep(highest, whole);
  const max = step * TICKS;
  const x = (time) => left + ((time - start) / shown) * plotWidth;
  const y = (value) => top + plotHeight - (value / max) * plotHeight;

  context.font = "11px system-ui, sans-serif";
  context.lineWidth = 1;
  context.strokeStyle = cssColor("--grid");
  context.fillStyle = cssColor("--muted");
  context.textAlign = "right";
  context.textBaseline = "middle";
  for (let i = 0; i <= TICKS; i++) {
    const value = step * i;
    const lineY = Math.round(y(value)) + 0.5;
    context.beginPath();
    context.moveTo(left, lineY);
    context.lineTo(width - right, lineY);
    context.stroke();
    const label = Number.isInteger(value) ? integer.format(value) : decimal.format(value);
    context.fillText(label, left - 6, lineY);
  }
  context.textAlign = "center";
  context.textBaseline = "top";
  const tick = shown > 2 * 60000 ? 60000 : shown > 60000 ? 30000 : 15000;
  for (let ago = 0; ago <= shown; ago += tick) {
    const labelX = x(end - ago);
    const label = ago === 0 ? "now" : ago % 60000 === 0 ? `-${ago / 60000}m` : `-${ago / 1000}s`;
    context.fillText(label, Math.min(Math.max(labelX, left + 10), width - right - 12), top + plotHeight + 6);
  }

  if (!any) {
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.fillText(empty, left + plotWidth / 2, top + plotHeight / 2);
    return;
  }
  context.save();
  context.beginPath();
  context.rect(left, top, plotWidth, plotHeight);
  context.clip();
  for (const s of series) {
    const color = cssColor(s.color);
    const runs = [];
    let run = [];
    for (const [time, value] of s.values) {
      if (value === null || value === undefined || time < start - 1000) {
        if (run.length) runs.push(run);
        run = [];
      } else {
        run.push([x(time), y(value)]);
      }
    }
    if (run.length) runs.push(run);
    for (const points of runs) {
      if (s.fill && points.length > 1) {
        context.beginPath();
        context.moveTo(points[0][0], y(0));
        for (const [px, py] of points) context.lineTo(px, py);
        context.lineTo(points[points.length - 1][0], y(0));
        context.closePath();
        context.globalAlpha = 0.12;
        context.fillStyle = color;
        context.fill();
        context.globalAlpha = 1;
      }
      context.beginPath();
      points.forEach(([px, py], index) => (index ? context.lineTo(px, py) : context.moveTo(px, py)));
      context.strokeStyle = color;
      context.lineWidth = s.dashed ? 1.5 : 2;
      context.setLineDash(s.dashed ? [6, 4] : []);
      context.lineJoin = "round";
      context.stroke();
      context.setLineDash([]);
    }
  }
  context.restore();
}

// MARK: Tables

function renderFunctions(snapshot) {
  const functions = snapshot.stats.functions;
  const rates = snapshot.rates.functions;
  const names = Object.keys(functions).sort();
  const rows = names.map((name) => {
    const f = functions[name];
    const causes = Object.entries(f.failuresByCause).sort((a, b) => b[1] - a[1]).map(([cause, n]) => `${cause} ${count(n)}`).join(", ");
    return el("tr", { "data-function": name },
      el("td", {}, el("strong", {}, name)),
      el("td", { class: "num" }, count(f.instances.total)),
      el("td", { class: "num" }, count(f.instances.busy)),
      el("td", { class: "num" }, count(f.instances.idle) + (f.instances.frozen ? ` (${count(f.instances.frozen)} frozen)` : "")),
      el("td", { class: "num" }, count(f.instances.starting)),
      el("td", { class: "num" }, rate(rates[name] ? rates[name].requestsPerSecond : 0)),
      el("td", { class: "num" }, count(f.invocations)),
      el("td", { class: "num" }, count(f.coldStarts)),
      el("td", { class: "num" + (f.errors ? " status-failed" : "") }, count(f.errors)),
      el("td", { class: "num" }, count(f.throttles)),
      el("td", { class: "num" }, ms(f.latency.p50Ms)),
      el("td", { class: "num" }, ms(f.latency.p95Ms)),
      el("td", { class: "num" }, ms(f.latency.p99Ms)),
      el("td", { class: causes ? "status-failed" : "" }, causes || "–"));
  });
  $("functions").tBodies[0].replaceChildren(...rows);
}

function renderFeed() {
  const rows = state.feed.map((entry) => el("tr", {},
    el("td", {}, clock(entry.time)),
    el("td", {}, entry.function),
    el("td", {}, entry.instance || "–"),
    el("td", { class: entry.cause ? "status-failed" : "status-ok" }, String(entry.status) + (entry.cause ? " " + entry.cause : "")),
    el("td", { class: entry.cold ? "cold" : "" }, entry.instance ? (entry.cold ? "cold" : "warm") : "–"),
    el("td", { class: "num" }, entry.instance ? ms(entry.durationMs) : "–")));
  if (!rows.length) rows.push(el("tr", {}, el("td", { class: "empty", colspan: "6" }, "No invocations yet.")));
  $("feed").tBodies[0].replaceChildren(...rows);
}

function renderBackends(database) {
  const body = $("backends").tBodies[0];
  if (!database) {
    $("backends-count").textContent = "";
    body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: "5" }, "No database.")));
    return;
  }
  const backends = (database.backends || []).slice().sort((a, b) =>
    (a.state || "").localeCompare(b.state || "") || (b.queryAgeMs || 0) - (a.queryAgeMs || 0));
  $("backends-count").textContent = `${backends.length} of max_connections ${count(database.maxConnections)}`;
  const rows = backends.map((backend) => {
    const name = backend.applicationName || "";
    const slash = name.indexOf("/");
    return el("tr", {},
      el("td", {}, slash > 0 ? name.slice(0, slash) : name || "–"),
      el("td", {}, slash > 0 ? name.slice(slash + 1) : "–"),
      el("td", { class: backend.state === "active" ? "status-ok" : "" }, backend.state || "–"),
      el("td", { class: "num" }, ms(backend.queryAgeMs)),
      el("td", { class: "num" }, backend.pid));
  });
  if (!rows.length) rows.push(el("tr", {}, el("td", { class: "empty", colspan: "5" }, database.error || "No connections.")));
  body.replaceChildren(...rows);
}

// MARK: Storm

function fillRoutes() {
  const select = $("storm-route");
  const previous = select.value;
  select.replaceChildren(...state.routes.map((r) => el("option", { value: r.route }, `${r.route}  (${r.function})`)));
  if (state.routes.some((r) => r.route === previous)) select.value = previous;
  else pickRoute();
}

/** Fills the method and a path the chosen route serves: every {parameter} and {greedy+} becomes "example". */
function pickRoute() {
  const route = $("storm-route").value;
  if (!route) return;
  state.stormError = null;
  if (route === "$default") {
    $("storm-method").value = "GET";
    $("storm-path").value = "/";
    return;
  }
  const [method, path] = route.split(" ");
  if (!path) return;
  $("storm-method").value = method === "ANY" ? "GET" : method;
  $("storm-path").value = path.replace(/\{[^}]+\}/g, "example");
}

async function startStorm(event) {
  event.preventDefault();
  state.stormError = null;
  const status = $("storm-status");
  const body = {
    method: $("storm-method").value.trim().toUpperCase(),
    path: $("storm-path").value.trim(),
    concurrency: Number($("storm-concurrency").value),
    requests: Number($("storm-requests").value),
    compare: $("storm-compare").checked,
  };
  try {
    const response = await fetch("/_emulator/storm", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (response.ok) renderStorm(answer);
    else showStormError(answer.message);
  } catch (error) {
    showStormError(String(error));
  }
}

/** A refused storm's message, kept (not replaced by the next snapshot) until the next action. */
function showStormError(message) {
  state.stormError = message;
  const status = $("storm-status");
  status.classList.add("error");
  status.textContent = message;
}

function renderStorm(storm) {
  if (!storm) return;
  const status = $("storm-status");
  const request = storm.request;
  const what = request ? `${request.method} ${request.path}, ${count(request.concurrency)} callers, ${count(request.requests)} requests${request.compare ? " per mode" : ""}` : "";
  $("storm-button").disabled = storm.state === "running" || storm.available === false;
  if (state.stormError && storm.state !== "running") {
    status.classList.add("error");
    status.textContent = state.stormError;
    return;
  }
  status.classList.toggle("error", storm.state === "failed");
  switch (storm.state) {
    case "running": status.textContent = `Running: ${what}. ${storm.progress || ""}`; break;
    case "finished": status.textContent = `Finished: ${what}.`; break;
    case "failed": status.textContent = `Failed: ${what}. ${storm.error || ""}`; break;
    default: status.textContent = storm.available === false ? "This emulator cannot start storms." : "No storm yet.";
  }
  const report = $("storm-report");
  if (storm.state !== "finished" || !storm.report) {
    if (storm.state !== "finished") report.replaceChildren();
    return;
  }
  if (report.dataset.finishedAt === String(storm.finishedAt)) return;
  report.dataset.finishedAt = String(storm.finishedAt);
  const reports = "requests" in storm.report ? { [state.mode || "result"]: storm.report } : storm.report;
  const modes = Object.keys(reports).sort((a, b) => (a === "pooled" ? -1 : b === "pooled" ? 1 : a.localeCompare(b)));
  const row = (label, value) => el("tr", {}, el("td", {}, label), ...modes.map((mode) => el("td", { class: "num" }, value(reports[mode]))));
  const causes = (r) => Object.entries(r.failuresByCause).map(([cause, n]) => `${cause} ${count(n)}`).join(", ") || "–";
  report.replaceChildren(el("div", { class: "scroll" }, el("table", { class: "report" },
    el("thead", {}, el("tr", {}, el("th", {}, ""), ...modes.map((mode) => el("th", { class: "num" }, mode)))),
    el("tbody", {},
      row("requests", (r) => count(r.requests)),
      row("succeeded", (r) => count(r.succeeded)),
      row("failed", (r) => count(r.failed)),
      row("failures by cause", causes),
      row("latency p50", (r) => ms(r.p50Ms)),
      row("latency p95", (r) => ms(r.p95Ms)),
      row("latency p99", (r) => ms(r.p99Ms)),
      row("peak instances", (r) => count(r.peakInstances)),
      row("cold starts", (r) => count(r.coldStarts)),
      row("peak db connections", (r) => r.peakDatabaseConnections === null ? "–" : `${count(r.peakDatabaseConnections)} / ${count(r.databaseMaxConnections)}`)))));
}

// MARK: Start

document.addEventListener("DOMContentLoaded", () => {
  $("mode-button").addEventListener("click", switchMode);
  $("storm-route").addEventListener("change", pickRoute);
  for (const id of ["storm-method", "storm-path"]) $(id).addEventListener("input", () => { state.stormError = null; });
  $("storm-form").addEventListener("submit", startStorm);
  window.addEventListener("resize", renderCharts);
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", renderCharts);
  renderFeed();
  renderCharts();
  connect();
});
