/**
 * Actions waiting for the user. Approving runs the action now (once: the row is switched from pending in a
 * single statement); denying records the refusal. Both are audited.
 */
import { UserError } from "../../kernel/errors.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { appendAudit } from "../audit/index.ts";
import { render } from "./actions.ts";
import { actionHash, executeFiring, type FireContext, type FireOutcome } from "./fire.ts";
import { deliveredBy } from "./schema.ts";
import { getJob } from "./store.ts";

export interface Approval {
  id: number;
  job: string;
  firingId: number;
  action: Record<string, unknown>;
  trigger: { trigger: string; key: string; vars: Record<string, string> };
  requestedAt: string;
  status: "pending" | "approved" | "denied";
  decidedAt: string | null;
  reason: string | null;
  result: string | null;
}

interface Row {
  id: number;
  job: string;
  firing_id: number;
  action: string;
  trigger: string;
  requested_at: string;
  status: Approval["status"];
  decided_at: string | null;
  reason: string | null;
  result: string | null;
}

const toApproval = (r: Row): Approval => ({
  id: r.id,
  job: r.job,
  firingId: r.firing_id,
  action: JSON.parse(r.action),
  trigger: JSON.parse(r.trigger),
  requestedAt: r.requested_at,
  status: r.status,
  decidedAt: r.decided_at,
  reason: r.reason,
  result: r.result,
});

const COLS = "id, job, firing_id, action, trigger, requested_at, status, decided_at, reason, result";

export function listApprovals(db: Database, opts: { all?: boolean } = {}): Approval[] {
  const sql = `SELECT ${COLS} FROM approvals${opts.all ? "" : " WHERE status = 'pending'"} ORDER BY id`;
  return db.prepare<Row>(sql).all().map(toApproval);
}

/**
 * What approving runs or sends, as it will be run: the action's fields with the trigger's values put into its
 * templates ({{path}}, {{body}}…). Secrets were redacted when the approval was recorded, and stay so here.
 */
export function renderedAction(a: Approval): { label: string; value: string }[] {
  const vars = a.trigger.vars ?? {};
  const text = (v: unknown) => render(String(v), vars);
  const act = a.action;
  const out: { label: string; value: string }[] = [];
  switch (act.type) {
    case "pack":
      out.push({ label: "runs", value: `${String(act.pack)}:${String(act.command)}` });
      if (Array.isArray(act.args) && act.args.length) out.push({ label: "arguments", value: act.args.map((x) => JSON.stringify(text(x))).join(" ") });
      if (act.text !== undefined) out.push({ label: "input", value: text(act.text) });
      break;
    case "notify": {
      const by = deliveredBy({ via: String(act.via ?? "notify"), command: act.command === undefined ? undefined : String(act.command) });
      out.push({ label: "sends", value: `through the ${by.pack} pack (${by.command})` });
      if (act.title !== undefined) out.push({ label: "title", value: text(act.title) });
      out.push({ label: "message", value: text(act.message) });
      break;
    }
    case "ask": {
      out.push({ label: "asks", value: [act.backend, act.model].filter(Boolean).join(" / ") || "the default answer model" });
      out.push({ label: "prompt", value: text(act.prompt) });
      const then = act.then as { via?: string; title?: string } | undefined;
      if (then) out.push({ label: "then", value: `sends the answer through the ${then.via} pack${then.title ? ` titled "${text(then.title)}"` : ""}` });
      break;
    }
    case "remember":
      out.push({ label: "remembers", value: text(act.text) });
      break;
    default:
      out.push({ label: "action", value: JSON.stringify(act) });
  }
  return out;
}

/** One line: what approving does (a table cuts it to the terminal's width; `width` cuts it here). */
export function approvalPreview(a: Approval, width = Infinity): string {
  const line = renderedAction(a)
    .map((f) => `${f.label} ${f.value}`)
    .join(" · ")
    .replace(/\s+/g, " ");
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** How many approvals are waiting. */
export function pendingApprovals(db: Database): number {
  return db.prepare<{ n: number }>("SELECT count(*) AS n FROM approvals WHERE status = 'pending'").get()?.n ?? 0;
}

export function getApproval(db: Database, id: number): Approval {
  const r = db.prepare<Row>(`SELECT ${COLS} FROM approvals WHERE id = ?`).get(id);
  if (!r) throw new UserError(`no approval #${id}`, { hint: "'pai approvals list' shows the pending ones" });
  return toApproval(r);
}

function decide(db: Database, id: number, status: "approved" | "denied", reason?: string): Approval {
  const a = getApproval(db, id);
  const r = db
    .prepare("UPDATE approvals SET status = ?, decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'")
    .run(status, new Date().toISOString(), reason ?? null, id);
  if (r.changes === 0) {
    throw new UserError(`approval #${id} was already ${a.status}`, { hint: "'pai approvals list --all' shows every decision" });
  }
  return { ...a, status };
}

export function denyApproval(ctx: { db: Database; secrets: Secrets }, id: number, reason?: string): Approval {
  const { db } = ctx;
  const a = decide(db, id, "denied", reason);
  db.prepare("UPDATE job_firings SET status = 'denied', finished_at = ?, detail = ? WHERE id = ?").run(new Date().toISOString(), reason ?? "denied", a.firingId);
  appendAudit(db, ctx.secrets, { job: a.job, type: "approval", data: { approval: id, firing: a.firingId, decision: "denied", ...(reason ? { reason } : {}) } });
  return a;
}

/** Approves and runs the action now, in this process. */
export async function approveApproval(ctx: FireContext, id: number): Promise<{ approval: Approval; outcome: FireOutcome }> {
  const { db } = ctx;
  const pending = getApproval(db, id);
  if (pending.status !== "pending") {
    throw new UserError(`approval #${id} was already ${pending.status}`, { hint: "'pai approvals list --all' shows every decision" });
  }
  // The stored action is redacted (it is shown, never run): run the job's action from its file, and only if it
  // is still the action that was put up for approval.
  const job = getJob(ctx.paths, pending.job);
  const stored = db.prepare<{ action_hash: string | null }>("SELECT action_hash FROM approvals WHERE id = ?").get(id);
  if (stored?.action_hash && stored.action_hash !== actionHash(job.action)) {
    throw new UserError(`job ${job.name} changed since approval #${id} was requested`, {
      hint: `deny it ('pai approvals deny ${id}') and fire the job again ('pai jobs run ${job.name}') to approve its new action`,
    });
  }
  const approval = decide(db, id, "approved");
  appendAudit(db, ctx.secrets, { job: approval.job, type: "approval", data: { approval: id, firing: approval.firingId, decision: "approved" } });
  const jobToRun = stored?.action_hash ? job : { ...job, action: approval.action as typeof job.action };
  const outcome = await executeFiring(ctx, jobToRun, approval.firingId, approval.trigger.vars ?? {}, approval.trigger.trigger);
  db.prepare("UPDATE approvals SET result = ? WHERE id = ?").run(outcome.status, id);
  return { approval: { ...approval, result: outcome.status }, outcome };
}
