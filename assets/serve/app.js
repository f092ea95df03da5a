// aidc live classroom: the page. Plain JavaScript, no library, no network beyond this server.
"use strict";

const T = {
  en: {
    title: "aidc live classroom", subtitle: "Change a center, run it, watch it move.",
    scenario: "Scenario", policy: "Scheduler policy", racks: "Racks (first group of hall 1)", cooling: "Cooling",
    supply: "Supply set-point (°C)", city: "City (climate)", horizon: "Horizon", demand: "Demand", growth: "Growth",
    deferral: "Price-aware deferral (batch work waits for valley hours, 24 h deadline)", run: "Run", stop: "Stop",
    p_util: "Utilization (allocated, %)", p_queue: "Queue (jobs)", p_power: "IT (solid) and facility (dashed) power (kW)",
    p_pue: "PUE", p_temp: "Outdoor temperature (°C)", runs: "Runs", figures: "Key figures",
    hint: "Up to four runs are kept side by side; a fifth replaces the oldest.", remove: "remove", report: "full report",
    footer: "aidc: a digital twin of AI data centers. Everything on this page runs on this computer.",
    queued: n => `Waiting for a free slot (${n} waiting)…`, running: p => `Simulating… ${p}% of the horizon`,
    done: (a, b, c) => `Done: first point after ${a} ms, finished in ${b} ms (simulation ${c} ms).`,
    stopped: "Stopped.", failed: "The run failed.", refused: "Refused", field: "field", noFacility: "IT only: no facility in this scenario",
    day: "day", busy: "The server is busy.",
  },
  zh: {
    title: "aidc 实时课堂", subtitle: "改一改智算中心，运行它，看它怎样变化。",
    scenario: "场景", policy: "调度策略", racks: "机柜数(1 号机房第一组)", cooling: "冷却方式",
    supply: "供水温度设定(°C)", city: "城市(气候)", horizon: "模拟时长", demand: "需求倍数", growth: "需求增长",
    deferral: "按电价延后(批处理等到谷电时段运行，24 小时内完成)", run: "运行", stop: "停止",
    p_util: "利用率(已分配，%)", p_queue: "排队作业数", p_power: "IT 功率(实线)与设施总功率(虚线)(kW)",
    p_pue: "PUE", p_temp: "室外温度(°C)", runs: "运行记录", figures: "关键指标",
    hint: "最多并排保留四次运行；第五次会替换最早的一次。", remove: "移除", report: "完整报告",
    footer: "aidc：智算中心数字孪生。本页的一切计算都在这台电脑上完成。",
    queued: n => `等待空闲的模拟槽位(${n} 个在等待)…`, running: p => `模拟中… 已完成 ${p}%`,
    done: (a, b, c) => `完成：首个数据点 ${a} 毫秒，全部完成 ${b} 毫秒(模拟 ${c} 毫秒)。`,
    stopped: "已停止。", failed: "运行失败。", refused: "请求被拒绝", field: "字段", noFacility: "仅 IT：该场景没有设施模型",
    day: "天", busy: "服务器繁忙。",
  },
};
const COLORS = ["#1d6fb8", "#e07a1f", "#2a9d5b", "#b8336a"];
const FIELDS = ["policy", "racks", "cooling", "supply", "city", "horizon"];
const $ = id => document.getElementById(id);

const state = { lang: "en", offers: [], runs: [], seq: 0, active: null, dirty: false };
window.aidc = state;

function t(key) { return T[state.lang][key]; }

function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("lang-en").classList.toggle("on", state.lang === "en");
  $("lang-zh").classList.toggle("on", state.lang === "zh");
  renderLegend(); renderFigures(); renderStatus(); showError(state.error); scenarioChanged(false);
}

function option(sel, value, label) {
  const o = document.createElement("option"); o.value = value; o.textContent = label ?? value; sel.appendChild(o);
}

function offer() { return state.offers.find(o => o.id === $("f-scenario").value); }

function offerValue(o, f) {
  const v = o && o.values[f];
  if (v === undefined) return "";
  return f === "supply" ? String(parseFloat(v)) : String(v);
}

function scenarioChanged(reset) {
  const o = offer(); if (!o) return;
  $("desc").textContent = o.description;
  if (reset) {
    for (const f of FIELDS) $("f-" + f).value = offerValue(o, f);
    $("f-demand").value = 1; $("f-growth").value = ""; $("f-deferral").checked = false;
  }
  for (const el of document.querySelectorAll(".fac")) {
    el.classList.toggle("off", !o.facility);
    el.querySelector("select, input").disabled = !o.facility;
    el.title = o.facility ? "" : t("noFacility");
  }
  $("f-deferral").disabled = o.deferrable.length === 0;
  $("deferral-label").classList.toggle("off", o.deferrable.length === 0);
  $("demand-out").textContent = "×" + Number($("f-demand").value).toFixed(1);
}

async function load() {
  const r = await fetch("/api/scenarios");
  const c = await r.json();
  state.offers = c.scenarios;
  for (const o of c.scenarios) option($("f-scenario"), o.id, `${o.id} (${o.file})`);
  for (const p of c.policies) option($("f-policy"), p);
  for (const k of c.cooling) option($("f-cooling"), k);
  for (const city of c.cities) option($("f-city"), city);
  $("f-racks").max = 10000;
  $("f-demand").max = c.max.demand;
  scenarioChanged(true);
  applyLang();
}

// The request: the scenario and each field the form changed from the scenario's own value.
function ask() {
  const o = offer();
  const a = { scenario: o.id, lang: state.lang };
  const changed = [];
  for (const f of FIELDS) {
    const el = $("f-" + f);
    if (el.disabled) continue;
    const v = el.value.trim();
    if (v === offerValue(o, f)) continue;
    a[f] = (el.type === "number" && v !== "" && !isNaN(Number(v))) ? Number(v) : v;
    changed.push(`${f} ${v}`);
  }
  const d = Number($("f-demand").value);
  if (d !== 1) { a.demand = d; changed.push(`demand ×${d}`); }
  const g = $("f-growth").value.trim();
  if (g) { a.growth = g; changed.push(`growth ${g}`); }
  if ($("f-deferral").checked && !$("f-deferral").disabled) { a.deferral = true; changed.push("deferral"); }
  return { a, label: o.id + (changed.length ? ": " + changed.join(", ") : "") };
}

// The status is kept as a message key and its arguments, so a change of language redraws it.
function setStatus(s, key, ...args) { state.status = { s, key, args }; renderStatus(); }

function renderStatus() {
  const st = state.status;
  if (!st) return;
  const el = $("status"), v = t(st.key);
  el.dataset.state = st.s; el.textContent = typeof v === "function" ? v(...st.args) : v;
}

function showError(e) {
  state.error = e;
  const el = $("error");
  if (!e) { el.hidden = true; el.textContent = ""; return; }
  el.hidden = false; el.textContent = "";
  const b = document.createElement("b");
  b.textContent = e.field ? `${t("refused")}: ${t("field")} ${e.field}` : t("refused");
  el.appendChild(b); el.appendChild(document.createTextNode(e.message));
  el.dataset.field = e.field || "";
}

async function run(ev) {
  ev.preventDefault();
  if (state.active) return;
  showError(null);
  const { a, label } = ask();
  const click = performance.now();
  const ctrl = new AbortController();
  state.active = ctrl;
  $("run").disabled = true; $("stop").disabled = false;
  setStatus("sending", "running", 0);
  const r = { id: ++state.seq, label, points: [], color: null, done: null, times: { click }, horizon_h: 1, facility: true };
  let resp;
  try {
    resp = await fetch("/api/run", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(a), signal: ctrl.signal });
  } catch (e) { finish("error", "failed"); return; }
  if (!resp.ok) {
    let e = { field: "", message: t("busy") };
    try { e = await resp.json(); } catch (_) { /* not JSON */ }
    showError(e); finish("error", "failed"); return;
  }
  addRun(r);
  const reader = resp.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const chunk = buf.slice(0, i); buf = buf.slice(i + 2);
        let event = "message", data = "";
        for (const line of chunk.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        onEvent(r, event, data ? JSON.parse(data) : null);
      }
    }
  } catch (e) {
    if (ctrl.signal.aborted) { finish("stopped", "stopped"); return; }
    finish("error", "failed"); return;
  }
  if (!r.done && $("status").dataset.state !== "error") finish("error", "failed");
}

function finish(s, key, ...args) {
  state.active = null; $("run").disabled = false; $("stop").disabled = true; setStatus(s, key, ...args);
}

function onEvent(r, event, d) {
  if (event === "queued") setStatus("queued", "queued", d.waiting);
  else if (event === "start") { r.horizon_h = d.horizon_h; r.facility = d.facility; r.run = d.run; setStatus("running", "running", 0); }
  else if (event === "points") {
    if (!r.times.first) r.times.first = performance.now();
    for (const p of d) r.points.push(p);
    const last = r.points[r.points.length - 1];
    setStatus("running", "running", Math.min(100, Math.round(100 * last[0] / r.horizon_h)));
    schedule();
  } else if (event === "done") {
    r.done = d; r.times.end = performance.now();
    const ms = x => Math.round(x - r.times.click);
    finish("done", "done", ms(r.times.first || r.times.end), ms(r.times.end), Math.round(d.wall_s * 1000));
    renderLegend(); renderFigures(); schedule();
  } else if (event === "error") { showError(d); finish("error", "failed"); }
}

function addRun(r) {
  const used = state.runs.map(x => x.color);
  if (state.runs.length >= 4) state.runs.shift();
  r.color = COLORS.find(c => !state.runs.some(x => x.color === c)) || COLORS[0];
  void used;
  state.runs.push(r);
  renderLegend(); renderFigures(); schedule();
}

function removeRun(id) {
  if (state.active && state.runs.length && state.runs[state.runs.length - 1].id === id) return;
  state.runs = state.runs.filter(x => x.id !== id);
  renderLegend(); renderFigures(); schedule();
}

function renderLegend() {
  const ol = $("legend"); ol.textContent = "";
  for (const r of state.runs) {
    const li = document.createElement("li");
    const sw = document.createElement("span"); sw.className = "sw"; sw.style.background = r.color; li.appendChild(sw);
    li.appendChild(document.createTextNode(`#${r.id} ${r.label}`));
    const b = document.createElement("button"); b.type = "button"; b.textContent = t("remove"); b.onclick = () => removeRun(r.id);
    li.appendChild(b); ol.appendChild(li);
  }
}

function renderFigures() {
  const table = $("figures");
  const head = table.tHead.rows[0];
  while (head.cells.length > 1) head.deleteCell(1);
  const done = state.runs.filter(r => r.done);
  for (const r of done) {
    const th = document.createElement("th");
    th.style.color = r.color; th.textContent = `#${r.id} `;
    const a = document.createElement("a"); a.href = r.done.report; a.target = "_blank"; a.textContent = t("report");
    th.appendChild(a); head.appendChild(th);
  }
  const body = table.tBodies[0]; body.textContent = "";
  const labels = [];
  for (const r of done) for (const [k] of r.done.rows[state.lang]) if (!labels.includes(k)) labels.push(k);
  for (const k of labels) {
    const tr = body.insertRow(); tr.insertCell().textContent = k;
    for (const r of done) {
      const row = r.done.rows[state.lang].find(x => x[0] === k);
      const td = tr.insertCell(); td.textContent = row ? row[1] : "-";
      td.dataset.run = r.id; td.dataset.row = k;
    }
  }
}

// Plots: each canvas draws every kept run in its color; x is days from the start.
let pending = false;
function schedule() { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); } }

const PLOTS = [
  { id: "c-util", cols: [1] }, { id: "c-queue", cols: [2] }, { id: "c-power", cols: [3, 4] },
  { id: "c-pue", cols: [5] }, { id: "c-temp", cols: [6] },
];

function nice(lo, hi) {
  if (!isFinite(lo) || !isFinite(hi)) return [0, 1, 0.5];
  if (hi - lo < 1e-9) { hi = lo + Math.max(1, Math.abs(lo) * 0.1); lo = lo - (hi - lo) * 0.1; }
  const raw = (hi - lo) / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step];
}

function fmt(v, step) {
  const s = String(Number(step.toPrecision(6)));
  const d = s.includes(".") ? Math.min(4, s.length - s.indexOf(".") - 1) : 0;
  return v.toFixed(d);
}

function draw() {
  const dpr = window.devicePixelRatio || 1;
  let maxX = 0;
  for (const r of state.runs) maxX = Math.max(maxX, r.horizon_h / 24);
  for (const p of PLOTS) {
    const c = $(p.id), w = c.clientWidth || 560, h = c.clientHeight || 170;
    if (c.width !== Math.round(w * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const g = c.getContext("2d"); g.setTransform(dpr, 0, 0, dpr, 0, 0); g.clearRect(0, 0, w, h);
    let lo = Infinity, hi = -Infinity, n = 0;
    for (const r of state.runs) for (const pt of r.points) for (const k of p.cols) { const v = pt[k]; if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); n++; } }
    c.dataset.points = n;
    if (p.id === "c-util" || p.id === "c-queue") lo = 0;
    const [y0, y1, ys] = nice(lo, hi);
    const [, x1, xs] = nice(0, maxX || 1);
    const L = 46, R = 8, Tp = 6, B = 20, W = w - L - R, H = h - Tp - B;
    const X = x => L + W * x / x1, Y = y => Tp + H * (1 - (y - y0) / (y1 - y0));
    g.font = "11px system-ui, sans-serif"; g.fillStyle = "#556"; g.strokeStyle = "#e3e7ee"; g.lineWidth = 1;
    g.textAlign = "right"; g.textBaseline = "middle";
    for (let y = y0; y <= y1 + ys / 2; y += ys) { g.beginPath(); g.moveTo(L, Y(y)); g.lineTo(L + W, Y(y)); g.stroke(); g.fillText(fmt(y, ys), L - 4, Y(y)); }
    g.textAlign = "center"; g.textBaseline = "top";
    for (let x = 0; x <= x1 + xs / 2; x += xs) g.fillText(fmt(x, xs), X(x), Tp + H + 4);
    g.textAlign = "right"; g.fillText(t("day"), L - 6, Tp + H + 4);
    if (n === 0) continue;
    for (const r of state.runs) {
      p.cols.forEach((k, j) => {
        g.strokeStyle = r.color; g.lineWidth = 1.5; g.setLineDash(j ? [5, 3] : []);
        g.beginPath(); let on = false;
        for (const pt of r.points) {
          const v = pt[k]; if (v === null) { on = false; continue; }
          const x = X(pt[0] / 24), y = Y(v);
          if (on) g.lineTo(x, y); else { g.moveTo(x, y); on = true; }
        }
        g.stroke(); g.setLineDash([]);
      });
    }
  }
}

$("form").addEventListener("submit", run);
$("stop").addEventListener("click", () => { if (state.active) state.active.abort(); });
$("f-scenario").addEventListener("change", () => scenarioChanged(true));
$("f-demand").addEventListener("input", () => { $("demand-out").textContent = "×" + Number($("f-demand").value).toFixed(1); });
$("lang-en").addEventListener("click", () => { state.lang = "en"; applyLang(); });
$("lang-zh").addEventListener("click", () => { state.lang = "zh"; applyLang(); });
window.addEventListener("resize", schedule);
load().catch(e => showError({ field: "", message: String(e) }));
