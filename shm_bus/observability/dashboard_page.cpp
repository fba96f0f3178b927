// SPDX-License-Identifier: MIT
// The chart's SVG carries its latest figure in data-rate (messages/s), so a browser test can wait
// for a non-zero rate without reading pixels. Rates come from counter deltas between polls:
// published = HTTP API events + client messages; delivered = frames queued to subscribers.
#include "shm_bus/observability/dashboard_page.hpp"

namespace shoal::obs {

const std::string_view kDashboardHtml = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shoal status</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#f6f7f9}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 6px}
.sub{color:#667}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #dde;border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;background:#fff;border:1px solid #dde}
th,td{padding:4px 10px;border-bottom:1px solid #eef;text-align:right}th{background:#eef1f6}
td.l,th.l{text-align:left}.open{color:#b00020;font-weight:bold}.half-open{color:#b36b00}
#chart{background:#fff;border:1px solid #dde;border-radius:6px}
.legend span{display:inline-block;margin-right:14px}.err{color:#b00020}
</style></head><body>
<h1>shoal</h1><div class="sub" id="bus">connecting&hellip;</div>
<div class="cards">
<div class="card">connections<b id="conns">-</b></div>
<div class="card">published/s<b id="pub">-</b></div>
<div class="card">delivered/s<b id="del">-</b></div>
<div class="card">workers up<b id="up">-</b></div>
<div class="card">restarts<b id="restarts">-</b></div>
<div class="card">cluster<b id="cluster">-</b></div>
</div>
<h2>Messages per second, last minute</h2>
<svg id="chart" width="640" height="160" viewBox="0 0 640 160" data-rate="0" role="img"
 aria-label="messages per second"><g id="grid"></g>
<polyline id="line-del" fill="none" stroke="#2a6fdb" stroke-width="2" points=""/>
<polyline id="line-pub" fill="none" stroke="#16a34a" stroke-width="2" points=""/>
<text id="ymax" x="4" y="14" font-size="11" fill="#667">0</text></svg>
<div class="legend"><span style="color:#2a6fdb">&#9632; delivered/s</span>
<span style="color:#16a34a">&#9632; published/s</span></div>
<h2>Workers</h2>
<table><thead><tr><th>slot</th><th>pid</th><th class="l">state</th><th>uptime</th>
<th>restarts</th><th class="l">breaker</th><th>heartbeat</th><th>connections</th><th>RSS</th>
<th>CPU s</th></tr></thead><tbody id="workers"></tbody></table>
<div id="error" class="err"></div>
<script>
"use strict";
const N = 60, samples = [];
let last = null;
const $ = (id) => document.getElementById(id);
const published = (c) => (c.api_events_published_total || 0) + (c.client_messages_published_total || 0);
function cell(tr, text, cls) { const td = document.createElement("td"); td.textContent = text;
  if (cls) td.className = cls; tr.appendChild(td); }
function fmtUp(ms) { const s = Math.floor(ms / 1000); return s < 120 ? s + " s" :
  s < 7200 ? Math.floor(s / 60) + " min" : Math.floor(s / 3600) + " h"; }
function draw() {
  const max = Math.max(1, ...samples.map((p) => Math.max(p.del, p.pub)));
  const pts = (key) => samples.map((p, i) => ((N - samples.length + i) * 640 / (N - 1)).toFixed(1)
    + "," + (156 - p[key] / max * 140).toFixed(1)).join(" ");
  $("line-del").setAttribute("points", pts("del"));
  $("line-pub").setAttribute("points", pts("pub"));
  $("ymax").textContent = Math.round(max) + " /s";
  const p = samples[samples.length - 1];
  $("chart").setAttribute("data-rate", p ? String(Math.round(p.del + p.pub)) : "0");
}
function render(st) {
  $("bus").textContent = "bus " + st.bus + " \u00b7 supervisor pid " + st.supervisor_pid +
    (st.supervisor_alive ? "" : " (not running)");
  $("conns").textContent = st.totals.connections;
  let up = 0, restarts = 0;
  const body = $("workers"); body.textContent = "";
  for (const s of st.slots) {
    const live = s.state === "running" || s.state === "starting" || s.state === "stopping";
    if (live) up++;
    restarts += s.restarts;
    const tr = document.createElement("tr");
    cell(tr, s.slot); cell(tr, s.pid); cell(tr, s.state, "l"); cell(tr, live ? fmtUp(s.uptime_ms) : "-");
    cell(tr, s.restarts); cell(tr, s.breaker, "l " + s.breaker); cell(tr, s.heartbeat_age_ms + " ms");
    cell(tr, s.connections); cell(tr, (s.rss_bytes / 1048576).toFixed(1) + " MiB");
    cell(tr, (s.cpu_seconds || 0).toFixed(2));
    body.appendChild(tr);
  }
  $("up").textContent = up + " / " + st.slots.length;
  $("restarts").textContent = restarts;
  const h = st.host || { cluster: "off", cluster_hosts: 0 };
  $("cluster").textContent = h.cluster === "off" ? "one host" :
    h.cluster + ", " + (h.cluster_hosts + 1) + " hosts";
  const now = performance.now(), c = st.totals.counters;
  if (last) {
    const dt = Math.max(0.001, (now - last.t) / 1000);
    const sample = { pub: Math.max(0, published(c) - published(last.c)) / dt,
                     del: Math.max(0, c.local_deliveries_total - last.c.local_deliveries_total) / dt };
    samples.push(sample);
    if (samples.length > N) samples.shift();
    $("pub").textContent = Math.round(sample.pub);
    $("del").textContent = Math.round(sample.del);
    draw();
  }
  last = { t: now, c };
}
async function poll() {
  try {
    const r = await fetch("/status", { cache: "no-store" });
    if (!r.ok) throw new Error("GET /status: " + r.status);
    render(await r.json());
    $("error").textContent = "";
  } catch (e) { $("error").textContent = String(e); }
  setTimeout(poll, 1000);
}
poll();
</script></body></html>
)HTML";

}  // namespace shoal::obs
