// Lockwarden watch dashboard: read-only, polls the JSON API of the watchdog that served it.
"use strict";
const charts = {};

// Text from the database (role, application, query, fix) may carry control characters: shown as escapes,
// as the terminal and the logs show them (a newline, an escape sequence, a bidi override never act).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
function visible(s) {
  return s.replace(CONTROL, c => c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t"
    : c.charCodeAt(0) < 0x100 ? "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0")
    : "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  children.forEach(c => e.append(c instanceof Node ? c : document.createTextNode(visible(c == null ? "" : String(c)))));
  return e;
}

async function getJson(url) {
  const r = await fetch(url, {cache: "no-store"});
  return r.ok ? r.json() : null;
}

function section(t) {
  let s = document.getElementById("target-" + t.name);
  if (!s) {
    s = el("section", {id: "target-" + t.name, class: "target", "data-target": t.name});
    s.append(el("h2", {}, t.name), el("p", {class: "status"}), el("div", {class: "chart"}),
      el("h3", {}, "Incidents"), el("div", {class: "incidents"}),
      el("h3", {}, "Holders"), el("table", {class: "holders"}));
    document.getElementById("targets").append(s);
  }
  return s;
}

function drawChart(s, name, h) {
  const data = [h.time, h.held, h.waiting];
  const box = s.querySelector(".chart");
  if (!charts[name]) {
    charts[name] = new uPlot({
      width: Math.max(400, Math.min(1000, window.innerWidth - 100)), height: 220,
      series: [{}, {label: "held", stroke: "#c30", width: 2}, {label: "waiting", stroke: "#06c", width: 2}],
      axes: [{}, {label: "locks"}],
    }, data, box);
  } else {
    charts[name].setData(data);
  }
}

function renderIncidents(s, t) {
  const box = s.querySelector(".incidents");
  box.replaceChildren();
  const list = t.incidents || [];
  if (list.length === 0) {
    box.append(el("p", {class: "none"}, "No incidents."));
  }
  list.forEach(i => box.append(el("div", {class: "incident " + i.severity, "data-rule": i.rule},
    el("strong", {}, i.rule + " (" + i.severity + ")"), el("p", {}, i.message),
    el("p", {class: "fix"}, "Fix: " + i.fix))));
}

function renderHolders(s, holders) {
  const table = s.querySelector(".holders");
  table.replaceChildren(el("tr", {}, ...["pid", "user", "application", "state", "locks", "keys", "scope",
    "held for (s)", "idle for (s)", "waiters"].map(h => el("th", {}, h))));
  (holders || []).forEach(h => table.append(el("tr", {"data-pid": h.pid}, el("td", {}, h.pid), el("td", {}, h.user),
    el("td", {}, h.application_name), el("td", {}, h.state), el("td", {}, h.locks), el("td", {}, h.keys.join(", ")),
    el("td", {}, h.scope), el("td", {}, h.hold_seconds), el("td", {}, h.idle_seconds), el("td", {}, h.waiters))));
}

async function refresh() {
  const targets = await getJson("/api/targets");
  if (!targets) return;
  const loading = document.getElementById("loading");
  if (loading) loading.remove();
  for (const t of targets) {
    const s = section(t);
    const status = s.querySelector(".status");
    status.className = "status " + (t.health === "up" ? "up" : "down");
    status.textContent = t.server + ": " + t.health + (t.last_error ? " (" + t.last_error + ")" : "")
      + "; enforcement " + t.enforcement + (t.leader ? " (leader)" : "")
      + (t.health === "up" ? "; " + t.held + " held, " + t.waiting + " waiting" : "");
    const [h, holders] = await Promise.all([
      getJson("/api/history?target=" + encodeURIComponent(t.name)),
      getJson("/api/holders?target=" + encodeURIComponent(t.name))]);
    if (h && h.time.length > 0) drawChart(s, t.name, h);
    renderIncidents(s, t);
    if (holders) renderHolders(s, holders);
  }
  const audit = await getJson("/api/audit");
  const body = document.querySelector("#audit tbody");
  body.replaceChildren();
  (audit || []).slice().reverse().forEach(a => body.append(el("tr", {}, el("td", {}, a.time), el("td", {}, a.target),
    el("td", {}, a.pid), el("td", {}, a.application_name), el("td", {}, a.decision), el("td", {}, a.outcome),
    el("td", {}, a.reason))));
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
}

refresh();
setInterval(refresh, 2000);
