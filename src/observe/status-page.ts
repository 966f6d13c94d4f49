// The live status page served at `/`: one self-contained HTML document
// (inline CSS and JS, no external asset, works on an isolated network) that
// polls /status.json every second and draws the nodes and their links, each
// group with where it runs and why, the probes and the recent events.
// Every value from the daemon goes into the page as text (textContent),
// never as markup: node status words come from peers.

export const STATUS_PAGE_POLL_MS = 1000;

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d232b;--dim:#667085;--line:#e3e6eb;--ok:#16794c;--okbg:#e3f4ea;--bad:#b42318;--badbg:#fde7e5;--warn:#a15c07;--warnbg:#fdf1dc;--info:#175cd3;--infobg:#e4edfc}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{display:flex;flex-wrap:wrap;gap:12px;align-items:baseline;padding:14px 20px;background:#1d232b;color:#fff}
header h1{font-size:18px;margin:0;font-weight:600}header .meta{color:#c5cbd3;font-size:13px}
#conn{margin-left:auto;font-size:12px;padding:2px 8px;border-radius:10px;background:#344054}
#conn.down{background:var(--bad)}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;padding:16px 20px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;min-width:0}
section.wide{grid-column:1/-1}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--dim);margin:0 0 8px}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px 8px;border-top:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--dim);font-size:12px;border-top:0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#eef0f3;color:var(--ink)}
.ok{background:var(--okbg);color:var(--ok)}.bad{background:var(--badbg);color:var(--bad)}.warn{background:var(--warnbg);color:var(--warn)}.info{background:var(--infobg);color:var(--info)}
.dim{color:var(--dim)}.nowrap{white-space:nowrap}.why{color:var(--dim);font-size:13px}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.links span{margin-right:6px}.empty{color:var(--dim);font-style:italic}
ol#timeline{list-style:none;margin:0;padding:0;max-height:420px;overflow:auto}
ol#timeline li{display:grid;grid-template-columns:90px 110px 1fr auto;gap:10px;padding:6px 4px;border-top:1px solid var(--line);align-items:baseline}
`;

const SCRIPT = `
"use strict";
const POLL_MS = ${STATUS_PAGE_POLL_MS};
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v; else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function badge(text, tone) { return el("span", { class: "badge " + (tone || "") }, text); }
function tone(word) {
  if (word === "active" || word === "up" || word === "running" || word === "ping" || word === "passing") return "ok";
  if (word === "dead" || word === "failed" || word === "stop-failed" || word === "failing") return "bad";
  if (word === "starting" || word === "stopping" || word === "init" || word === "transition") return "warn";
  return "";
}
function ago(ms) {
  if (ms === null || ms === undefined) return "never";
  if (ms < 1000) return ms + " ms ago";
  if (ms < 120000) return (ms / 1000).toFixed(1) + " s ago";
  return Math.round(ms / 60000) + " min ago";
}
function fill(id, rows, empty) {
  const body = document.getElementById(id);
  body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { class: "empty", colspan: 9 }, empty))]));
}
function renderNodes(s) {
  fill("nodes", s.nodes.map((n) => el("tr", { "data-node": n.name },
    el("td", {}, el("strong", {}, n.name), n.isLocal ? el("span", { class: "dim" }, " (this node)") : null),
    el("td", {}, n.type),
    el("td", { class: "status" }, badge(n.status, tone(n.status))),
    el("td", { class: "links" }, ...(n.isLocal ? [el("span", { class: "dim" }, "—")] : n.links.map((l) => el("span", {}, badge(l.name + " " + l.status, tone(l.status)))))),
    el("td", { class: "dim" }, n.isLocal ? "" : ago(n.lastHeardMsAgo)))), "no nodes");
}
function renderGroups(s) {
  fill("groups", s.resources.groups.map((g) => el("tr", { "data-group": g.key },
    el("td", {}, el("div", { class: "mono" }, g.key), el("div", { class: "dim mono" }, g.resources.slice(1).join(" "))),
    el("td", { class: "holder", "data-holder": g.holder }, badge(g.holder, g.holder === "none" || g.holder === "unknown" ? "bad" : "info")),
    el("td", { class: "dim" }, g.home),
    el("td", {}, badge(g.state, tone(g.state)), g.eligible ? null : el("div", {}, badge("ineligible", "warn"))),
    el("td", { class: "why" }, g.why))), "no resource groups");
}
function renderProbes(s) {
  fill("probes", s.probes.map((p) => el("tr", { "data-probe": p.name },
    el("td", { class: "mono" }, p.name),
    el("td", { class: "dim mono" }, p.group === null ? "(node)" : p.group),
    el("td", {}, badge(p.state, tone(p.state))),
    el("td", {}, p.lastOutcome === null ? el("span", { class: "empty" }, "no result yet") : p.lastOutcome),
    el("td", { class: "dim nowrap" }, p.runs + " run" + (p.runs === 1 ? "" : "s") + (p.failures > 0 ? ", " + p.failures + " failed in a row" : "")),
    el("td", { class: "dim nowrap" }, p.lastResultAt === null ? "" : ago(Date.now() - p.lastResultAt)))), "no application probes configured");
}
const EVENT_TONE = { takeover: "warn", failback: "info", standby: "info", release: "info", acquire: "ok", "group-failed": "bad", "node-dead": "bad", "node-up": "ok", "link-dead": "bad", "link-up": "ok", partition: "bad", "peer-restart": "warn", "probe-failed": "bad", "probe-recovered": "ok", "probe-release": "bad", "probe-eligible": "ok", shutdown: "warn", "daemon-start": "" };
function renderTimeline(s) {
  const list = document.getElementById("timeline");
  const items = s.events.slice().reverse().map((e) => el("li", { "data-kind": e.kind },
    el("span", { class: "dim mono" }, new Date(e.at).toLocaleTimeString()),
    el("span", {}, badge(e.kind, EVENT_TONE[e.kind])),
    el("span", {}, e.text),
    el("span", { class: "dim mono" }, e.durationMs === undefined ? "" : (e.durationMs / 1000).toFixed(2) + " s")));
  list.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, "nothing happened yet")]));
}
function render(s) {
  document.getElementById("node").textContent = s.node;
  document.title = s.node + " — heartbeat-ts";
  document.getElementById("meta").textContent = s.version + " · status " + s.status + " · rscstatus " + s.resources.rscstatus + (s.resources.stable ? " · stable" : " · resources moving") + " · auto_failback " + s.resources.autoFailback;
  renderNodes(s); renderGroups(s); renderProbes(s); renderTimeline(s);
}
async function poll() {
  const conn = document.getElementById("conn");
  try {
    const r = await fetch("status.json", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    conn.textContent = "updated " + new Date().toLocaleTimeString();
    conn.className = "";
  } catch (err) {
    conn.textContent = "daemon unreachable: " + err.message;
    conn.className = "down";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}
poll();
`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>heartbeat-ts</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>heartbeat-ts · <span id="node">…</span></h1><span class="meta" id="meta">loading…</span><span id="conn">connecting…</span></header>
<main>
<section><h2>Nodes</h2><table><thead><tr><th>Node</th><th>Type</th><th>Status</th><th>Links</th><th>Last heard</th></tr></thead><tbody id="nodes"></tbody></table></section>
<section><h2>Application probes</h2><table><thead><tr><th>Probe</th><th>Group</th><th>State</th><th>Last result</th><th>Runs</th><th>When</th></tr></thead><tbody id="probes"></tbody></table></section>
<section class="wide"><h2>Resource groups</h2><table><thead><tr><th>Group</th><th>Runs on</th><th>Home</th><th>Here</th><th>Why</th></tr></thead><tbody id="groups"></tbody></table></section>
<section class="wide"><h2>Recent events</h2><ol id="timeline"></ol></section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
