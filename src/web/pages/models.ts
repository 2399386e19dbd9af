/** Models: the call log with tokens and estimated cost, sums by day, purpose, job and pack, and one call's texts. */
import { getCall, listCalls } from "../../models/calllog.ts";
import { getTexts } from "../../models/calltexts.ts";
import { costReport, usd, type CostGroup } from "../../models/usage.ts";
import { html, type WebContext } from "../context.ts";
import { esc, jsonBlock, page, table, time } from "../html.ts";

const GROUPS: CostGroup[] = ["day", "purpose", "job", "pack"];

export function modelsPage(ctx: WebContext): Response {
  const { db } = ctx.home;
  const since = new Date(Date.now() - 30 * 86_400_000);
  since.setHours(0, 0, 0, 0);
  const sums = GROUPS.map((by) => {
    const rows = costReport(db, by, since);
    return `<section class="sum"><h3>By ${by}</h3>${
      table(["", "calls", "tokens in", "tokens out", "cost"], rows.map((r) => [esc(r.key ?? "—"), String(r.calls), String(r.inputTokens), String(r.outputTokens), esc(usd(r.cost))])) || "<p>No calls.</p>"
    }</section>`;
  }).join("");
  const days = costReport(db, "day", since);
  const calls = listCalls(db, { limit: 100 });
  const log = table(
    ["#", "when", "backend / model", "purpose", "job / pack", "tokens", "cost", "outcome"],
    calls.map((c) => [
      `<a href="/models/call/${c.id}">${c.id}</a>`,
      time(c.at),
      `${esc(c.backend)} / ${esc(c.model)}`,
      esc(c.purpose),
      esc([c.job, c.pack].filter(Boolean).join(" / ") || "—"),
      `${c.inputTokens} → ${c.outputTokens}`,
      c.cost === null ? "?" : esc(usd(c.cost)),
      `<span class="outcome ${esc(c.outcome)}">${esc(c.outcome)}</span>`,
    ]),
  );
  const body = `<h2>The last 30 days</h2><canvas id="cost-by-day" aria-label="cost by day"></canvas>${jsonBlock("cost-days", days)}<div class="sums">${sums}</div>
<h2>Calls</h2>${log || "<p>No model calls yet.</p>"}`;
  return html(page({ title: "Models", path: "/models", csrf: ctx.session.csrf, body, scripts: ["/vendor/chart.js"] }));
}

/** One call: what the model was sent and what it answered, as kept (redacted; private items withheld from a cloud model). */
export function callPage(ctx: WebContext): Response {
  const id = Number(ctx.param);
  const call = Number.isInteger(id) ? getCall(ctx.home.db, id) : undefined;
  if (!call) return html(page({ title: "No such call", path: "/models", csrf: ctx.session.csrf, body: `<p>There is no call #${esc(ctx.param)}.</p>` }), 404);
  const texts = getTexts(ctx.home.db, id);
  const cloud = texts?.audience === "cloud";
  const fields = `<table class="fields">${[
    ["when", time(call.at)],
    ["backend / model", `${esc(call.backend)} / ${esc(call.model)}`],
    ["purpose", esc(call.purpose)],
    ["job / pack", esc([call.job, call.pack].filter(Boolean).join(" / ") || "—")],
    ["tokens", `${call.inputTokens} in, ${call.outputTokens} out`],
    ["estimated cost", call.cost === null ? "unknown" : esc(usd(call.cost))],
    ["outcome", `${esc(call.outcome)}${call.error ? `: ${esc(call.error)}` : ""}`],
  ]
    .map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`)
    .join("")}</table>`;
  const sent = texts
    ? `<h2>What the model saw</h2><p class="note">${
        cloud ? "A cloud model: your private Telos files and private memories were withheld from it, and secrets redacted." : "A local model: it may have seen private items; secrets were redacted."
      }</p>${texts.system ? `<h3>System</h3><pre class="text">${esc(texts.system)}</pre>` : ""}${texts.messages.map((m) => `<h3>${esc(m.role)}</h3><pre class="text">${esc(m.content)}</pre>`).join("")}<h2>What it answered</h2><pre class="text">${esc(texts.response)}</pre>`
    : `<p class="note">Its texts are not kept (an embedding, an incognito call, or one of more than the last 1,000).</p>`;
  return html(page({ title: `Call #${call.id}`, path: "/models", csrf: ctx.session.csrf, body: fields + sent }));
}
