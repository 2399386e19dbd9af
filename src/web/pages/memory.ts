/**
 * Memory: search with the CLI's ranking, each result with kind, tier, visibility and score; an item's page with
 * its provenance, tier history and chain of edits; edit, pin, private/shareable and forget; a chart of the store
 * over time. Every change goes through the same store functions as `pai memory …`, and is audited (ids only:
 * never the text, which forget must be able to remove).
 */
import { forgetEverywhere } from "../../app/forget.ts";
import { appendAudit } from "../../automation/audit/index.ts";
import { MEMORY_KINDS, openMemory, type MemoryItem, type MemoryKind } from "../../memory/index.ts";
import { memoryTimeline, memoryVersion, type MemoryTimeline } from "../../memory/timeline.ts";
import { body, html, json, problem, type WebContext } from "../context.ts";
import { esc, jsonBlock, page, table, time } from "../html.ts";

const TIERS = ["hot", "warm", "cold"] as const;

function badge(m: MemoryItem): string {
  return `<span class="badge ${m.visibility}">${m.visibility}</span>${m.pinned ? ' <span class="badge pinned">pinned</span>' : ""}`;
}

export function searchPage(ctx: WebContext): Response {
  const { home, url } = ctx;
  const q = (url.searchParams.get("q") ?? "").trim();
  const kind = url.searchParams.get("kind") ?? "";
  const tier = url.searchParams.get("tier") ?? "";
  const store = openMemory(home.db, home.config);
  const hits = q
    ? store.search(q, {
        limit: 50,
        ...(MEMORY_KINDS.includes(kind as MemoryKind) ? { kind: kind as MemoryKind } : {}),
        ...(TIERS.includes(tier as "hot") ? { tier: tier as "hot" } : {}),
      })
    : [];
  const stats = store.stats();
  const options = (values: readonly string[], chosen: string, all: string) =>
    [`<option value="">${all}</option>`, ...values.map((v) => `<option${v === chosen ? " selected" : ""}>${esc(v)}</option>`)].join("");
  const form = `<form class="search" method="get" action="/memory" role="search">
<input type="search" name="q" value="${esc(q)}" placeholder="search your memory" autofocus aria-label="search">
<select name="kind" aria-label="kind">${options(MEMORY_KINDS, kind, "any kind")}</select>
<select name="tier" aria-label="tier">${options(TIERS, tier, "any tier")}</select>
<button>Search</button></form>`;
  const results = q
    ? hits.length
      ? table(
          ["", "memory", "kind", "tier", "visibility", "score"],
          hits.map((h) => [
            `<a href="/memory/${h.id}">#${h.id}</a>`,
            `<a class="content" href="/memory/${h.id}">${esc(h.content)}</a>`,
            esc(h.kind),
            esc(h.tier),
            badge(h),
            h.score.toFixed(3),
          ]),
          "results",
        )
      : `<p class="empty">No memory matches “${esc(q)}”.</p>`
    : "";
  const counts = `<p class="counts">${stats.active} current item(s): ${TIERS.map((t) => `${stats.byTier[t] ?? 0} ${t}`).join(", ")}; ${stats.superseded} replaced by an edit.</p>`;
  const chart = `<section><h2>Over time</h2><div class="charts"><canvas id="by-kind" aria-label="items by month and kind"></canvas><canvas id="by-tier" aria-label="items by tier now"></canvas></div><canvas id="tier-moves" aria-label="moves between tiers by month"></canvas>${jsonBlock("tiers-now", stats.byTier)}</section>`;
  return html(page({ title: "Memory", path: "/memory", csrf: ctx.session.csrf, body: form + counts + results + chart, scripts: ["/vendor/chart.js"] }));
}

let cached: { version: string; data: MemoryTimeline } | undefined;

/** The timeline of the store, computed again only when something in it changed. */
export function timeline(db: WebContext["home"]["db"]): MemoryTimeline {
  const version = memoryVersion(db);
  if (cached?.version !== version) cached = { version, data: memoryTimeline(db) };
  return cached.data;
}

/** GET /api/memory/timeline. */
export function timelineApi(ctx: WebContext): Response {
  return json(timeline(ctx.home.db));
}

/** GET /api/memory/search?q=: the results as the CLI's --json gives them. */
export function searchApi(ctx: WebContext): Response {
  const q = (ctx.url.searchParams.get("q") ?? "").trim();
  if (!q) return problem(400, "give a query: /api/memory/search?q=WORDS");
  const hits = openMemory(ctx.home.db, ctx.home.config).search(q, { limit: 20 });
  return json(hits.map((h) => ({ id: h.id, content: h.content, kind: h.kind, tier: h.tier, visibility: h.visibility, score: h.score })));
}

export function itemPage(ctx: WebContext): Response {
  const id = Number(ctx.param);
  const store = openMemory(ctx.home.db, ctx.home.config);
  if (!Number.isInteger(id) || !store.get(id)) return html(page({ title: "No such memory", path: "/memory", csrf: ctx.session.csrf, body: `<p>There is no memory #${esc(ctx.param)} (it may have been forgotten). <a href="/memory">Search</a></p>` }), 404);
  const h = store.history(id);
  const m = h.item;
  const current = m.supersededBy === null;
  const row = (label: string, value: string) => `<tr><th>${esc(label)}</th><td>${value}</td></tr>`;
  const chain = (title: string, items: MemoryItem[]) =>
    items.length ? `<h2>${esc(title)}</h2><ul class="chain">${items.map((o) => `<li><a href="/memory/${o.id}">#${o.id}</a> ${time(o.recordedAt)} ${esc(o.content)}</li>`).join("")}</ul>` : "";
  const actions = current
    ? `<section class="actions" data-id="${m.id}">
<form class="edit"><label for="content">Correct it</label><textarea id="content" name="content" rows="3">${esc(m.content)}</textarea><button data-action="edit">Save the correction</button></form>
<div class="buttons">
<button data-action="${m.pinned ? "unpin" : "pin"}">${m.pinned ? "Unpin" : "Pin"}</button>
<button data-action="${m.visibility === "private" ? "shareable" : "private"}">${m.visibility === "private" ? "Make shareable" : "Make private"}</button>
<button class="danger" data-action="forget" data-confirm="Forget #${m.id} everywhere? This cannot be undone.">Forget</button>
</div><p class="status" role="status"></p></section>`
    : `<p class="note">Replaced by <a href="/memory/${m.supersededBy}">#${m.supersededBy}</a>: only the current version can be changed.</p>`;
  const body = `<article class="item"><p class="content">${esc(m.content)}</p>
<table class="fields">${[
    row("kind", esc(m.kind)),
    row("tier", `${esc(m.tier)}${m.pinned ? " (pinned)" : ""}`),
    row("visibility", `${badge(m)}${m.visibility === "private" ? " never sent to a cloud model" : ""}`),
    row("happened", time(m.createdAt)),
    row("recorded", time(m.recordedAt)),
    row("last used", m.lastUsedAt ? `${time(m.lastUsedAt)} (${m.useCount} use${m.useCount === 1 ? "" : "s"})` : "never"),
    row("source", esc(m.source ?? "(none)")),
    row("importance", String(m.importance)),
  ].join("")}</table></article>
<h2>Why pai believes this</h2>
${table(["when", "from", "to"], h.tiers.map((t) => [time(t.at), esc(t.from), esc(t.to)])) || "<p>It has stayed in its first tier.</p>"}
${chain("It replaces", h.supersedes)}${chain("Replaced by", h.supersededBy)}${chain("Derived from", h.derivedFrom)}${chain("What came from it", h.derived)}
${actions}`;
  return html(page({ title: `Memory #${m.id}`, path: "/memory", csrf: ctx.session.csrf, body }));
}

/** POST /api/memory/:id/{edit,pin,unpin,private,shareable,forget}. */
export async function itemAction(ctx: WebContext, action: string): Promise<Response> {
  const id = Number(ctx.param);
  const store = openMemory(ctx.home.db, ctx.home.config);
  const item = Number.isInteger(id) ? store.get(id) : undefined;
  if (!item) return problem(404, `no memory #${ctx.param}`);
  if (item.supersededBy !== null) return problem(409, `#${id} was replaced by #${item.supersededBy}: change the current version`);
  let result: Record<string, unknown>;
  switch (action) {
    case "edit": {
      const b = await body(ctx.req);
      const content = typeof b?.content === "string" ? b.content.trim() : "";
      if (!content) return problem(400, "the correction is empty: write what is true now");
      const edited = store.edit(id, content);
      result = { id: edited.id, replaces: id };
      break;
    }
    case "pin":
    case "unpin":
      store.pin(id, action === "pin");
      result = { id };
      break;
    case "private":
    case "shareable":
      store.setVisibility([id], action);
      result = { id };
      break;
    case "forget": {
      const r = forgetEverywhere(ctx.home.db, store, [id]);
      result = { forgotten: r.forgotten };
      break;
    }
    default:
      return problem(404, `no action '${action}'`);
  }
  appendAudit(ctx.home.db, ctx.secrets, { type: "dashboard", data: { action: `memory.${action}`, id, ...result } });
  return json({ ok: true, ...result });
}
