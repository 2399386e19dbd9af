// pai's dashboard: local times, the buttons that change things (POST with the page's CSRF token), charts and the
// Telos graph. No framework: each part runs only when its element is on the page.
"use strict";
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";

async function call(method, url, body) {
  const r = await fetch(url, { method, headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = {};
  try {
    data = await r.json();
  } catch {}
  if (!r.ok || data.ok === false) throw new Error(data.error ?? `${r.status} ${r.statusText}`);
  return data;
}

function say(from, text, bad) {
  const s = from.closest("section, article")?.querySelector(".status") ?? document.querySelector(".status");
  if (!s) return;
  s.textContent = text;
  s.classList.toggle("bad", !!bad);
}

// Times in the browser's zone, the zone named once.
for (const t of document.querySelectorAll("time[datetime]")) {
  const d = new Date(t.getAttribute("datetime"));
  if (!Number.isNaN(d.getTime())) {
    t.title = t.getAttribute("datetime");
    t.textContent = d.toLocaleString(undefined, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
}
if (document.querySelector("time[datetime]")) {
  const zone = document.createElement("p");
  zone.className = "zone";
  zone.textContent = `Times in ${Intl.DateTimeFormat().resolvedOptions().timeZone}.`;
  document.querySelector("main")?.append(zone);
}

// A memory's buttons: edit, pin, private/shareable, forget.
for (const b of document.querySelectorAll(".actions [data-action]")) {
  b.addEventListener("click", async (e) => {
    e.preventDefault();
    const section = b.closest(".actions");
    const id = section.dataset.id;
    const action = b.dataset.action;
    if (b.dataset.confirm && !confirm(b.dataset.confirm)) return;
    const body = action === "edit" ? { content: section.querySelector("textarea").value } : undefined;
    try {
      const r = await call("POST", `/api/memory/${id}/${action}`, body);
      if (action === "forget") location.replace("/memory?forgotten=" + id);
      else if (action === "edit") location.assign(`/memory/${r.id}`);
      else location.reload();
    } catch (err) {
      say(b, err.message, true);
    }
  });
}

// Buttons that POST (approve, deny, pause) or GET (verify) and say what happened.
for (const b of document.querySelectorAll("[data-post], [data-get]")) {
  b.addEventListener("click", async () => {
    if (b.dataset.confirm && !confirm(b.dataset.confirm)) return;
    b.disabled = true;
    try {
      if (b.dataset.get) {
        const r = await call("GET", b.dataset.get);
        say(b, r.ok ? `The chain holds: ${r.entries} entries.` : `Broken at entry ${r.badSeq}: ${r.message}`, !r.ok);
        b.disabled = false;
        return;
      }
      const r = await call("POST", b.dataset.post);
      say(b, r.outcome ? `Done: ${r.outcome}.` : "Done.");
      setTimeout(() => location.reload(), 400);
    } catch (err) {
      say(b, err.message, true);
      b.disabled = false;
    }
  });
}

const palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"];
const data = (id) => {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : undefined;
};

// Memory over time: items by month and kind, and the tiers now.
if (window.Chart && document.getElementById("by-kind")) {
  fetch("/api/memory/timeline").then(async (r) => {
    const t = await r.json();
    new Chart(document.getElementById("by-kind"), {
      type: "bar",
      data: { labels: t.months, datasets: Object.entries(t.byKind).map(([k, v], i) => ({ label: k, data: v, backgroundColor: palette[i % palette.length] })) },
      options: { animation: false, responsive: true, plugins: { title: { display: true, text: "Items by the month they happened" } }, scales: { x: { stacked: true }, y: { stacked: true } } },
    });
    const moves = document.getElementById("tier-moves");
    if (moves && Object.keys(t.moves).length) {
      const colours = { hot: "#e15759", warm: "#f28e2b", cold: "#4e79a7" };
      new Chart(moves, {
        type: "line",
        data: { labels: t.months, datasets: Object.entries(t.moves).map(([tier, v]) => ({ label: `into ${tier}`, data: v, borderColor: colours[tier] ?? palette[0], tension: 0.2 })) },
        options: { animation: false, plugins: { title: { display: true, text: "Moves between tiers by month" } } },
      });
    }
  });
  const tiers = data("tiers-now") ?? {};
  new Chart(document.getElementById("by-tier"), {
    type: "doughnut",
    data: { labels: Object.keys(tiers), datasets: [{ data: Object.values(tiers), backgroundColor: ["#e15759", "#f28e2b", "#4e79a7"] }] },
    options: { animation: false, plugins: { title: { display: true, text: "Tiers now" } } },
  });
}

// The daemon's firings by day and outcome.
if (window.Chart && document.getElementById("firings")) {
  const f = data("firings-data") ?? [];
  const days = [...new Set(f.map((x) => x.at.slice(0, 10)))].sort();
  const outcomes = [...new Set(f.map((x) => x.status))];
  new Chart(document.getElementById("firings"), {
    type: "bar",
    data: { labels: days, datasets: outcomes.map((o, i) => ({ label: o, data: days.map((d) => f.filter((x) => x.status === o && x.at.startsWith(d)).length), backgroundColor: palette[i % palette.length] })) },
    options: { animation: false, plugins: { title: { display: true, text: "Firings by day and outcome" } }, scales: { x: { stacked: true }, y: { stacked: true } } },
  });
}

// Models: estimated cost by day.
if (window.Chart && document.getElementById("cost-by-day")) {
  const rows = (data("cost-days") ?? []).slice().reverse();
  new Chart(document.getElementById("cost-by-day"), {
    type: "bar",
    data: { labels: rows.map((r) => r.key), datasets: [{ label: "estimated cost (USD)", data: rows.map((r) => r.cost), backgroundColor: palette[0], yAxisID: "y" }, { label: "calls", data: rows.map((r) => r.calls), type: "line", yAxisID: "calls", borderColor: palette[1] }] },
    // Each dataset names its axis: without it, the cost bars would take the first y axis declared (the calls').
    options: { animation: false, scales: { y: { position: "left", beginAtZero: true }, calls: { axis: "y", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } },
  });
}

// The Telos graph: one row per kind of file (mission, goals, projects…), links as arrows.
if (window.cytoscape && document.getElementById("graph")) {
  const g = data("telos-graph");
  const rows = new Map();
  for (const n of g.nodes) rows.set(n.level, [...(rows.get(n.level) ?? []), n]);
  const colour = { mission: "#b07aa1", goals: "#4e79a7", projects: "#59a14f", strategies: "#76b7b2", challenges: "#e15759", beliefs: "#edc948", models: "#9c755f", preferences: "#bab0ac" };
  const elements = [];
  for (const [level, nodes] of rows) {
    nodes.forEach((n, i) => elements.push({ data: { ...n, colour: colour[n.kind] ?? "#8c8c8c" }, position: { x: (i - (nodes.length - 1) / 2) * 190, y: level * 130 }, classes: [n.active ? "" : "inactive", n.problems.length ? "problem" : ""].join(" ") }));
  }
  for (const e of g.edges) elements.push({ data: e, classes: e.rel });
  const cy = cytoscape({
    container: document.getElementById("graph"),
    elements,
    layout: { name: "preset", fit: true, padding: 30 },
    style: [
      { selector: "node", style: { label: "data(label)", "background-color": "data(colour)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 170, "text-valign": "bottom", width: 22, height: 22 } },
      { selector: "node.inactive", style: { opacity: 0.35 } },
      { selector: "node.problem", style: { "border-width": 3, "border-color": "#d62728" } },
      { selector: "edge", style: { width: 1.5, "line-color": "#999", "target-arrow-color": "#999", "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(rel)", "font-size": 8 } },
      { selector: "edge.supports", style: { "line-color": "#59a14f", "target-arrow-color": "#59a14f" } },
      { selector: "edge.blocks", style: { "line-color": "#e15759", "target-arrow-color": "#e15759", "line-style": "dashed" } },
    ],
  });
  window.paiGraph = cy;
  const detail = document.getElementById("detail");
  cy.on("tap", "node", (ev) => {
    const n = ev.target.data();
    const links = ev.target.connectedEdges().map((e) => `${e.data("source")} ${e.data("rel")} ${e.data("target")}`);
    detail.replaceChildren();
    const add = (tag, text, cls) => {
      const el = document.createElement(tag);
      el.textContent = text;
      if (cls) el.className = cls;
      detail.append(el);
    };
    add("h2", n.id);
    add("p", n.text);
    add("p", `${n.file}, line ${n.line}${n.active ? "" : " (inactive)"} · ${n.visibility}`, "where");
    for (const l of links) add("p", l, "link");
    for (const p of n.problems) add("p", p, "bad");
  });
}
