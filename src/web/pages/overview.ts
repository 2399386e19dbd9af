/** The first page: who the user is to pai, what it holds, what the daemon is doing, what models cost today. */
import { daemonStatus } from "../../automation/daemon/control.ts";
import { openMemory } from "../../memory/index.ts";
import { costReport, usd } from "../../models/usage.ts";
import { loadTelos } from "../../telos/index.ts";
import { html, type WebContext } from "../context.ts";
import { esc, page } from "../html.ts";

export function overviewPage(ctx: WebContext): Response {
  const { home } = ctx;
  const telos = loadTelos(home.paths);
  const items = [...telos.items.values()];
  const active = items.filter((i) => i.active).length;
  const stats = openMemory(home.db, home.config).stats();
  const d = daemonStatus(home);
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const spent = costReport(home.db, "day", today)[0];
  const card = (href: string, title: string, lines: string[]) => `<a class="card" href="${href}"><h2>${esc(title)}</h2>${lines.map((l) => `<p>${l}</p>`).join("")}</a>`;
  const body = `<div class="cards">
${card("/telos", "Telos", [`${active} active item(s) in ${telos.docs.filter((doc) => doc.items.length).length} file(s)`, telos.problems.length ? `<span class="warn">${telos.problems.length} problem(s)</span>` : "no problems"])}
${card("/memory", "Memory", [`${stats.active} current item(s)`, `${stats.byTier.hot} hot · ${stats.byTier.warm} warm · ${stats.byTier.cold} cold`])}
${card("/daemon", "Daemon", [d.running ? `running since ${esc(d.since?.slice(0, 16).replace("T", " "))}Z` : "not running", `${d.pendingApprovals} waiting for approval${d.paused ? ' · <span class="warn">paused</span>' : ""}`])}
${card("/models", "Models", [`${spent?.calls ?? 0} call(s) today`, `estimated ${esc(usd(spent?.cost ?? 0))}`])}
</div>`;
  return html(page({ title: home.config.user.name ? `${home.config.user.name}'s pai` : "pai", path: "/", csrf: ctx.session.csrf, body }));
}
