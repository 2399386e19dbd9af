/**
 * Firing a job: every firing is claimed in job_firings under a unique (job, fire_key) before anything runs,
 * so a restart never fires the same scheduled time twice. Then the policy decides: paused, rate-limited,
 * waiting for approval, or run. Every step is audited; what the job did becomes one memory item per firing.
 */
import { createHash } from "node:crypto";
import type { Config } from "../../config/index.ts";
import type { Database } from "../../kernel/storage/index.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import { appendAudit, canonicalJson } from "../audit/index.ts";
import { isPaused, processAlive } from "../state.ts";
import { rememberText, runAction, type ActionResult } from "./actions.ts";
import { pauseIfCapped } from "./caps.ts";
import { needsApproval, type Job } from "./schema.ts";

export interface FireEvent {
  /** schedule | file | threshold | mail | webhook | manual | approval */
  trigger: string;
  /** Unique per job: the same key never fires twice. */
  key: string;
  scheduledAt?: Date;
  vars?: Record<string, string>;
  /** A run the user asked for (pai jobs run): not held by the kill switch or approval. */
  manual?: boolean;
}

export type FireStatus = "duplicate" | "paused" | "rate_limited" | "waiting_approval" | "ok" | "error" | "abandoned";

export interface FireOutcome {
  status: FireStatus;
  firingId?: number;
  approvalId?: number;
  output?: string;
  error?: string;
}

export interface FireContext {
  db: Database;
  config: Config;
  paths: Paths;
  /** The secret values this process handles: redacted from everything a firing records. */
  secrets: Secrets;
  signal?: AbortSignal;
  now?: () => Date;
  log?: (line: string) => void;
}

const MAX_OUTPUT = 2000;
const clip = (s: string, n = MAX_OUTPUT) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** sha256 of an action's canonical JSON (keys sorted), to tell whether a job's action changed. */
export function actionHash(action: unknown): string {
  return createHash("sha256").update(canonicalJson(action)).digest("hex");
}

function finish(ctx: FireContext, firingId: number, status: string, detail?: string): void {
  ctx.db.prepare("UPDATE job_firings SET status = ?, finished_at = ?, detail = ? WHERE id = ?").run(
    status,
    new Date().toISOString(),
    detail === undefined ? null : clip(ctx.secrets.redact(detail)),
    firingId,
  );
}

/** Runs of this job that count against its rate limit since `since`. */
function runsSince(db: Database, job: string, since: Date): number {
  return (
    db
      .prepare<{ n: number }>(
        "SELECT count(*) AS n FROM job_firings WHERE job = ? AND created_at >= ? AND status IN ('running', 'ok', 'error', 'abandoned', 'waiting')",
      )
      .get(job, since.toISOString())?.n ?? 0
  );
}

/**
 * Claims and decides a firing. Returns the outcome, and when the action must run now, a function running it.
 * `extra` runs inside the claiming transaction (the scheduler advances next_run there).
 */
export function claimFiring(
  ctx: FireContext,
  job: Job,
  ev: FireEvent,
  extra?: () => void,
): { outcome: FireOutcome; run?: () => Promise<FireOutcome> } {
  const { db, secrets } = ctx;
  const audit = (entry: Parameters<typeof appendAudit>[2]) => appendAudit(db, secrets, entry);
  const now = (ctx.now ?? (() => new Date()))();
  const vars = { job: job.name, trigger: ev.trigger, time: now.toISOString(), ...(ev.vars ?? {}) };
  const decided = db.transaction(() => {
    extra?.();
    const paused = !ev.manual && isPaused(db);
    let status: string = "running";
    if (paused) status = "paused";
    else if (job.policy.rateLimit) {
      const since = new Date(now.getTime() - job.policy.rateLimit.windowSec * 1000);
      if (runsSince(db, job.name, since) >= job.policy.rateLimit.max) status = "rate_limited";
    }
    if (status === "running" && !ev.manual && needsApproval(job)) status = "waiting";
    const r = db
      .prepare(
        "INSERT INTO job_firings (job, fire_key, trigger, scheduled_at, created_at, status, pid) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job, fire_key) DO NOTHING",
      )
      .run(job.name, ev.key, ev.trigger, ev.scheduledAt?.toISOString() ?? null, now.toISOString(), status, process.pid);
    if (r.changes === 0) return { status: "duplicate" as const };
    const firingId = r.lastInsertRowid;
    let approvalId: number | undefined;
    if (status === "waiting") {
      approvalId = db
        .prepare("INSERT INTO approvals (job, firing_id, action, action_hash, trigger, requested_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(
          job.name,
          firingId,
          JSON.stringify(secrets.redactDeep(job.action)),
          actionHash(job.action),
          JSON.stringify({ trigger: ev.trigger, key: ev.key, vars: redactVars(secrets, vars) }),
          now.toISOString(),
        )
        .lastInsertRowid;
    }
    return { status, firingId, approvalId };
  });
  if (decided.status === "duplicate") return { outcome: { status: "duplicate" } };
  const firingId = decided.firingId!;
  audit({
    job: job.name,
    type: "trigger",
    data: { trigger: ev.trigger, key: ev.key, firing: firingId, ...(ev.scheduledAt ? { scheduledAt: ev.scheduledAt.toISOString() } : {}), vars: auditVars(secrets, ev.vars ?? {}) },
  });
  if (decided.status === "paused") {
    audit({ job: job.name, type: "decision", data: { decision: "paused", firing: firingId, reason: "the daemon is paused (pai daemon resume)" } });
    ctx.log?.(`${job.name}: ${ev.trigger} ignored: paused`);
    return { outcome: { status: "paused", firingId } };
  }
  if (decided.status === "rate_limited") {
    const rl = job.policy.rateLimit!;
    audit({ job: job.name, type: "decision", data: { decision: "rate_limited", firing: firingId, limit: `${rl.max} per ${rl.windowSec}s` } });
    ctx.log?.(`${job.name}: ${ev.trigger} refused: rate limit ${rl.max} per ${rl.windowSec}s`);
    return { outcome: { status: "rate_limited", firingId } };
  }
  if (decided.status === "waiting") {
    audit({
      job: job.name,
      type: "decision",
      data: { decision: "waiting_approval", firing: firingId, approval: decided.approvalId, action: job.action.type },
    });
    ctx.log?.(`${job.name}: ${ev.trigger}: waiting for approval #${decided.approvalId}`);
    return { outcome: { status: "waiting_approval", firingId, approvalId: decided.approvalId } };
  }
  audit({ job: job.name, type: "decision", data: { decision: ev.manual ? "run_manual" : "run", firing: firingId, action: job.action.type } });
  return { outcome: { status: "ok", firingId }, run: () => executeFiring(ctx, job, firingId, vars, ev.trigger) };
}

function redactVars(secrets: Secrets, vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = clip(secrets.redact(String(v)), 500);
  return out;
}

/** Runs the action of a claimed firing and records how it ended. */
export async function executeFiring(ctx: FireContext, job: Job, firingId: number, vars: Record<string, string>, trigger: string): Promise<FireOutcome> {
  const { db, secrets } = ctx;
  db.prepare("UPDATE job_firings SET status = 'running', pid = ? WHERE id = ?").run(process.pid, firingId);
  const signal = ctx.signal ?? new AbortController().signal;
  const started = new Date();
  let result: ActionResult;
  try {
    result = await runAction(job, job.action, vars, { db, config: ctx.config, signal, paths: ctx.paths, secrets });
  } catch (err) {
    if (signal.aborted) {
      markAbandoned(ctx, job.name, firingId, "the daemon stopped before the action finished");
      return { status: "abandoned", firingId };
    }
    const message = (err as Error).message ?? String(err);
    finish(ctx, firingId, "error", message);
    appendAudit(db, secrets, { job: job.name, type: "action", data: { firing: firingId, action: job.action.type, status: "error", error: clip(message, 500) } });
    ctx.log?.(`${job.name}: ${job.action.type} failed: ${secrets.redact(message)}`);
    // A call refused by a cap (user/limits.json) pauses the job, unless the user ran it by hand.
    if (trigger !== "manual") pauseIfCapped(ctx, job, firingId, started);
    await rememberAction(ctx, job, trigger, `failed: ${message}`);
    return { status: "error", firingId, error: secrets.redact(message) };
  }
  if (signal.aborted) {
    markAbandoned(ctx, job.name, firingId, "the daemon stopped while the action was finishing");
    return { status: "abandoned", firingId };
  }
  finish(ctx, firingId, "ok", result.output);
  appendAudit(db, secrets, {
    job: job.name,
    type: "action",
    data: {
      firing: firingId,
      action: job.action.type,
      status: "ok",
      // The output itself stays in the firing (and a forget can blank it there); the append-only trail keeps
      // only its fingerprint, so no remembered text is ever held where it cannot be removed.
      output: fingerprint(result.output ?? ""),
      ...(result.tier ? { tier: result.tier } : {}),
      ...(result.runId !== undefined ? { runId: result.runId } : {}),
    },
  });
  ctx.log?.(`${job.name}: ${job.action.type} done`);
  // One item per firing: an action that stored its own (a note to remember, a pack command that changes
  // something) is not recorded again; any other (a read-only command, a question) is remembered here.
  if (result.memoryId === undefined) await rememberAction(ctx, job, trigger, result.output ?? "");
  return { status: "ok", firingId, output: secrets.redact(result.output ?? "") };
}

function describeAction(job: Job): string {
  const a = job.action;
  switch (a.type) {
    case "pack":
      return `ran ${a.pack}:${a.command}`;
    case "ask":
      return "asked the model";
    case "notify":
      return `sent a ${a.via === "voice" ? "voice" : ""} notification`.replace("a  ", "a ");
    case "remember":
      return "remembered a note";
  }
}

/** Stores the firing's one memory item: what the job did, and its outcome clipped. */
async function rememberAction(ctx: FireContext, job: Job, trigger: string, outcome: string): Promise<void> {
  const when = new Date().toISOString().replace("T", " ").slice(0, 16);
  const content = `Job ${job.name} (${trigger} trigger) ${describeAction(job)} at ${when} UTC: ${clip(outcome.trim(), 300) || "done"}`;
  try {
    await rememberText(ctx, ctx.secrets.redact(content), `job:${job.name}`, { job: job.name, trigger }, "action");
  } catch (err) {
    ctx.log?.(`${job.name}: could not store the action memory: ${(err as Error).message}`);
  }
}

export function markAbandoned(ctx: { db: Database; secrets: Secrets }, job: string, firingId: number, reason: string): void {
  const { db } = ctx;
  const r = db.prepare("UPDATE job_firings SET status = 'abandoned', finished_at = ?, detail = ? WHERE id = ? AND status = 'running'").run(new Date().toISOString(), reason, firingId);
  if (r.changes) appendAudit(db, ctx.secrets, { job, type: "action", data: { firing: firingId, status: "abandoned", reason } });
}

/** Firings left 'running' by a process that is gone (a killed daemon): recorded as abandoned. */
export function recoverAbandoned(ctx: { db: Database; secrets: Secrets }): number {
  const { db } = ctx;
  const rows = db.prepare<{ id: number; job: string; pid: number | null }>("SELECT id, job, pid FROM job_firings WHERE status = 'running'").all();
  let n = 0;
  for (const r of rows) {
    if (r.pid && r.pid !== process.pid && processAlive(r.pid)) continue;
    if (r.pid === process.pid) continue;
    markAbandoned(ctx, r.job, r.id, "the process running it stopped (crash or kill) before it finished");
    n++;
  }
  return n;
}

/** How many firings are recorded. */
export function firingCount(db: Database): number {
  return db.prepare<{ n: number }>("SELECT count(*) AS n FROM job_firings").get()?.n ?? 0;
}

/** Claims and, when the policy allows, runs a firing to the end. */
export async function fireJob(ctx: FireContext, job: Job, ev: FireEvent): Promise<FireOutcome> {
  const { outcome, run } = claimFiring(ctx, job, ev);
  return run ? run() : outcome;
}

/** Trigger values that describe the event itself (a time, a path, a number, a sender), kept as they are. */
const EVENT_VARS = new Set(["scheduledAt", "catchUp", "path", "event", "value", "bound", "uid", "from", "contentType"]);

/**
 * A trigger's values as the audit trail keeps them: those that describe the event are kept (redacted, clipped);
 * free text (a mail subject, a webhook body, anything else) is recorded as a fingerprint, since it may be
 * remembered and the trail cannot forget.
 */
function auditVars(secrets: Secrets, vars: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = EVENT_VARS.has(k) ? clip(secrets.redact(String(v)), 500) : fingerprint(String(v));
  return out;
}

/** sha256 and length of a text: what the audit trail records instead of the text. */
function fingerprint(text: string): { sha256: string; chars: number } {
  return { sha256: createHash("sha256").update(text).digest("hex"), chars: text.length };
}
