/** The daemon: its state and pause switch, the next runs, the approvals inbox, the firings' timeline, the audit trail. */
import { listAudit, verifyAudit } from "../../automation/audit/index.ts";
import { daemonStatus, setKillSwitch } from "../../automation/daemon/control.ts";
import { approvalPreview, approveApproval, denyApproval, listApprovals, renderedAction } from "../../automation/jobs/approvals.ts";
import { recentFirings } from "../../automation/jobs/state.ts";
import { body, html, json, problem, type WebContext } from "../context.ts";
import { esc, jsonBlock, page, table, time } from "../html.ts";

export function daemonPage(ctx: WebContext): Response {
  const { home } = ctx;
  const s = daemonStatus(home);
  const pending = listApprovals(home.db);
  const firings = recentFirings(home.db, 200);
  const audit = listAudit(home.db, { limit: 100 });
  const state = `<section class="state"><p>${s.running ? `Running (pid ${s.pid}) since ${time(s.since)}` : "Not running: <code>pai daemon start</code> starts it."}${s.paused ? ' · <strong class="paused">paused</strong>: it fires nothing' : ""}</p>
<button class="${s.paused ? "" : "danger"}" data-post="/api/daemon/${s.paused ? "resume" : "pause"}">${s.paused ? "Resume" : "Pause everything"}</button><span class="status" role="status"></span></section>`;
  const next = s.nextRuns.length ? `<h2>Next runs</h2>${table(["job", "at"], s.nextRuns.map((r) => [esc(r.job), time(r.at)]))}` : "";
  const inbox = `<h2>Waiting for you (${pending.length})</h2>${
    pending.length
      ? pending
          .map(
            (a) => `<article class="approval" data-id="${a.id}"><h3>#${a.id} ${esc(a.job)} <small>fired by ${esc(a.trigger.trigger)} ${time(a.requestedAt)}</small></h3>
<dl>${renderedAction(a).map((f) => `<dt>${esc(f.label)}</dt><dd>${esc(f.value)}</dd>`).join("")}</dl>
<button data-post="/api/approvals/${a.id}/approve" data-confirm="Run this action now?">Approve (runs it now)</button> <button class="danger" data-post="/api/approvals/${a.id}/deny">Deny</button><span class="status" role="status"></span></article>`,
          )
          .join("")
      : "<p>Nothing is waiting.</p>"
  }`;
  const timeline = `<h2>What it did</h2><canvas id="firings" aria-label="firings over time"></canvas>${jsonBlock("firings-data", firings.map((f) => ({ at: f.createdAt, job: f.job, status: f.status, ms: f.durationMs })))}${
    table(
      ["when", "job", "trigger", "outcome", "took"],
      firings.slice(0, 50).map((f) => [time(f.createdAt), esc(f.job), esc(f.trigger), `<span class="outcome ${esc(f.status)}">${esc(f.status)}</span>${f.detail ? ` <small>${esc(f.detail.slice(0, 120))}</small>` : ""}`, f.durationMs === null ? "—" : `${f.durationMs} ms`]),
    ) || "<p>Nothing fired yet.</p>"
  }`;
  const trail = `<h2>Audit trail</h2><p><button data-get="/api/audit/verify">Verify the chain</button> <span class="status" role="status" id="verify"></span></p>${table(
    ["#", "when", "job", "type", "what"],
    audit.map((e) => [String(e.seq), time(e.time), esc(e.job ?? ""), esc(e.type), `<code>${esc(JSON.stringify(e.data).slice(0, 160))}</code>`]),
  )}`;
  return html(page({ title: "Daemon", path: "/daemon", csrf: ctx.session.csrf, body: state + next + inbox + timeline + trail, scripts: ["/vendor/chart.js"] }));
}

/** POST /api/approvals/:id/approve|deny: as `pai approvals approve|deny`, audited the same way. */
export async function approvalAction(ctx: WebContext, action: string): Promise<Response> {
  const id = Number(ctx.param);
  if (!Number.isInteger(id) || id <= 0) return problem(400, `invalid approval id '${ctx.param}'`);
  const { home, secrets } = ctx;
  try {
    if (action === "deny") {
      const b = await body(ctx.req);
      const a = denyApproval({ db: home.db, secrets }, id, typeof b?.reason === "string" ? b.reason : "denied in the dashboard");
      return json({ ok: true, id, job: a.job, status: "denied" });
    }
    const r = await approveApproval({ db: home.db, config: home.config, paths: home.paths, secrets, signal: new AbortController().signal, log: () => {} }, id);
    return json({ ok: r.outcome.status === "ok", id, job: r.approval.job, outcome: r.outcome.status, ...(r.outcome.error ? { error: r.outcome.error } : {}) });
  } catch (err) {
    return problem(409, (err as Error).message);
  }
}

/** POST /api/daemon/pause|resume: the kill switch, audited by it as `pai daemon pause|resume` is. */
export function pauseAction(ctx: WebContext, paused: boolean): Response {
  return json({ ok: true, ...setKillSwitch(ctx.home.db, ctx.secrets, paused) });
}

/** GET /api/audit/verify: as `pai audit verify`. */
export function verifyApi(ctx: WebContext): Response {
  return json(verifyAudit(ctx.home.db));
}

/** GET /api/approvals: the pending ones, each with its one-line preview. */
export function approvalsApi(ctx: WebContext): Response {
  return json(listApprovals(ctx.home.db).map((a) => ({ id: a.id, job: a.job, preview: approvalPreview(a) })));
}
