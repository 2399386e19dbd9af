/**
 * Jobs: the public surface used by the CLI (list, add from flags or a file, remove, enable, disable, run once).
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { Cron } from "croner";
import { UsageError, UserError } from "../../kernel/errors.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import { appendAudit } from "../audit/index.ts";
import type { AutomationHome } from "../context.ts";
import { watchWarning } from "../state.ts";
import { fireJob, type FireOutcome } from "./fire.ts";
import type { Job, JobInput } from "./schema.ts";
import { deleteJobState, getJobState, patchJobState } from "./state.ts";
import { installedCommands, jobsUsing, packProblem } from "./packs.ts";
import { getJob, loadJobs, removeJob, saveJob, setEnabled, checkName } from "./store.ts";

export { loadJobs, getJob, saveJob, removeJob, setEnabled } from "./store.ts";
export { jobsUsing, packProblem, installedCommands } from "./packs.ts";
export type { Job, JobSpec, JobInput, Trigger, Action, Policy } from "./schema.ts";
export { fireJob, claimFiring, type FireOutcome, type FireEvent } from "./fire.ts";

/** The next run of a schedule the daemon has not seen yet. */
function nextRunOf(t: Extract<Job["trigger"], { type: "schedule" }>): string | null {
  return new Cron(t.cron, { timezone: t.tz, paused: true }).nextRun()?.toISOString() ?? null;
}

export interface JobRow {
  name: string;
  enabled: boolean;
  description?: string;
  trigger: Job["trigger"];
  action: Job["action"];
  policy: Job["policy"];
  summary: { trigger: string; action: string };
  nextRun: string | null;
  last: { status: string; at: string; trigger: string } | null;
  file: string;
  /** What the daemon could not do for this job's trigger (a file watch that hit a bound). */
  warning?: string;
  /** Why its action cannot run (its pack is not installed, or lacks the command). */
  broken?: string;
}

export function describeTrigger(t: Job["trigger"]): string {
  switch (t.type) {
    case "schedule":
      return `cron "${t.cron}"${t.tz ? ` ${t.tz}` : ""}`;
    case "file":
      return `file ${t.path}`;
    case "threshold":
      return `${t.file ? `file ${t.file}` : t.command!.join(" ")} ${t.above !== undefined ? `> ${t.above}` : `< ${t.below}`} every ${formatDuration(t.intervalMs)}`;
    case "mail":
      return `mail ${t.user}@${t.host}/${t.mailbox}${t.from ? ` from:${t.from}` : ""}${t.subject ? ` subject:${t.subject}` : ""}`;
    case "webhook":
      return "webhook";
    case "manual":
      return "manual only";
  }
}

export function describeAction(a: Job["action"]): string {
  switch (a.type) {
    case "pack":
      return `run ${a.pack}:${a.command}`;
    case "ask":
      return `ask "${a.prompt.slice(0, 40)}"${a.then ? ` then ${a.then.via}` : ""}`;
    case "notify":
      return `notify via ${a.via}`;
    case "remember":
      return `remember "${a.text.slice(0, 40)}"`;
  }
}

export async function listJobs(home: Pick<AutomationHome, "paths" | "db">): Promise<{ jobs: JobRow[]; invalid: { name: string; file: string; error: string }[] }> {
  const { paths: p, db } = home;
  const { jobs, invalid } = loadJobs(p);
  const installed = await installedCommands(p);
  const last = db.prepare<{ status: string; created_at: string; trigger: string }>(
    "SELECT status, created_at, trigger FROM job_firings WHERE job = ? ORDER BY id DESC LIMIT 1",
  );
  return {
    jobs: jobs.map((j) => {
      const st = getJobState(db, j.name);
      const l = last.get(j.name);
      const warning = j.trigger.type === "file" ? watchWarning(db, j.name) : undefined;
      const broken = packProblem(j.action, installed);
      return {
        name: j.name,
        enabled: j.enabled,
        ...(j.description ? { description: j.description } : {}),
        trigger: j.trigger,
        action: j.action,
        policy: j.policy,
        summary: { trigger: describeTrigger(j.trigger), action: describeAction(j.action) },
        nextRun: j.enabled && j.trigger.type === "schedule" ? (st?.next_run ?? nextRunOf(j.trigger)) : null,
        last: l ? { status: l.status, at: l.created_at, trigger: l.trigger } : null,
        file: relative(p.home, j.file),
        ...(warning ? { warning } : {}),
        ...(broken ? { broken } : {}),
      };
    }),
    invalid: invalid.map((i) => ({ ...i, file: relative(p.home, i.file) })),
  };
}

/** A duration in the largest unit that divides it evenly, as parseDuration reads it: 300000 → "5m". */
export function formatDuration(ms: number): string {
  for (const [unit, n] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms >= n && ms % n === 0) return `${ms / n}${unit}`;
  }
  return `${ms}ms`;
}

/** Duration: "500ms", "30s", "5m", "2h", "1d" or milliseconds. */
export function parseDuration(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new UsageError(`invalid ${what} '${s}'`, { hint: "e.g. 500ms, 30s, 5m, 2h, 1d" });
  const n = Number(m[1]);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "ms"]!;
  return Math.round(n * mult);
}

function num(s: string | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new UsageError(`${what} must be a number, not '${s}'`);
  return n;
}

export interface AddFlags {
  from?: string;
  description?: string;
  disabled?: boolean;
  cron?: string;
  tz?: string;
  catchUp?: string;
  catchUpMax?: string;
  watch?: string;
  debounce?: string;
  checkCmd?: string;
  checkFile?: string;
  above?: string;
  below?: string;
  every?: string;
  mailHost?: string;
  mailPort?: string;
  mailUser?: string;
  mailPasswordEnv?: string;
  mailbox?: string;
  mailInsecure?: boolean;
  mailFrom?: string;
  mailSubject?: string;
  webhook?: boolean;
  manual?: boolean;
  action?: string;
  text?: string;
  pack?: string;
  command?: string;
  arg?: string[];
  prompt?: string;
  message?: string;
  title?: string;
  via?: string;
  then?: string;
  rate?: string;
  approval?: boolean;
  grant?: string[];
}

/** Builds a job from `pai jobs add` flags (validated later by the schema, which names the field). */
export function specFromFlags(f: AddFlags): JobInput {
  const triggers = [f.cron, f.watch, f.checkCmd ?? f.checkFile, f.mailHost, f.webhook ? "x" : undefined, f.manual ? "x" : undefined].filter((x) => x !== undefined);
  if (triggers.length === 0) {
    throw new UsageError("no trigger given", { hint: "one of --cron, --watch, --check-cmd/--check-file, --mail-host, --webhook, --manual (or --from FILE)" });
  }
  if (triggers.length > 1) throw new UsageError("more than one trigger given", { hint: "a job has exactly one trigger" });
  let trigger: JobInput["trigger"];
  if (f.cron) {
    trigger = { type: "schedule", cron: f.cron, ...(f.tz ? { tz: f.tz } : {}), ...(f.catchUp ? { catchUp: f.catchUp as "skip" } : {}), ...(f.catchUpMax ? { catchUpMax: num(f.catchUpMax, "--catch-up-max") } : {}) };
  } else if (f.watch) {
    trigger = { type: "file", path: f.watch, ...(f.debounce ? { debounceMs: parseDuration(f.debounce, "--debounce") } : {}) };
  } else if (f.checkCmd || f.checkFile) {
    let command: string[] | undefined;
    if (f.checkCmd) {
      const t = f.checkCmd.trim();
      if (t.startsWith("[")) {
        try {
          command = JSON.parse(t);
        } catch {
          throw new UsageError("--check-cmd is not a valid JSON array", { hint: `e.g. --check-cmd '["df","--output=pcent","/"]'` });
        }
      } else command = t.split(/\s+/);
    }
    trigger = {
      type: "threshold",
      ...(command ? { command } : { file: f.checkFile }),
      ...(f.above !== undefined ? { above: num(f.above, "--above") } : {}),
      ...(f.below !== undefined ? { below: num(f.below, "--below") } : {}),
      ...(f.every ? { intervalMs: parseDuration(f.every, "--every") } : {}),
    } as JobInput["trigger"];
  } else if (f.mailHost) {
    trigger = {
      type: "mail",
      host: f.mailHost,
      ...(f.mailPort ? { port: num(f.mailPort, "--mail-port") } : {}),
      ...(f.mailInsecure ? { secure: false } : {}),
      user: f.mailUser ?? "",
      passwordEnv: f.mailPasswordEnv ?? "",
      ...(f.mailbox ? { mailbox: f.mailbox } : {}),
      ...(f.mailFrom ? { from: f.mailFrom } : {}),
      ...(f.mailSubject ? { subject: f.mailSubject } : {}),
      ...(f.every ? { intervalMs: parseDuration(f.every, "--every") } : {}),
    } as JobInput["trigger"];
  } else if (f.webhook) {
    trigger = { type: "webhook" };
  } else {
    trigger = { type: "manual" };
  }
  const type = f.action ?? (f.prompt ? "ask" : f.pack || f.command ? "pack" : f.message ? "notify" : f.text ? "remember" : undefined);
  if (!type) throw new UsageError("no action given", { hint: "--action remember|pack|ask|notify with --text, --pack/--command, --prompt or --message" });
  let action: JobInput["action"];
  switch (type) {
    case "remember":
      action = { type, text: f.text ?? "" };
      break;
    case "pack": {
      let pack = f.pack;
      let command = f.command;
      if (command?.includes(":") && !pack) [pack, command] = command.split(":", 2) as [string, string];
      action = { type, pack: pack ?? "", command: command ?? "", ...(f.arg?.length ? { args: f.arg } : {}), ...(f.text ? { text: f.text } : {}) };
      break;
    }
    case "ask":
      action = { type, prompt: f.prompt ?? f.text ?? "", ...(f.then ? { then: { via: f.then as "notify", ...(f.title ? { title: f.title } : {}) } } : {}) };
      break;
    case "notify":
      action = { type, message: f.message ?? f.text ?? "", ...(f.title ? { title: f.title } : {}), ...(f.via ? { via: f.via as "notify" } : {}) };
      break;
    default:
      throw new UsageError(`unknown action '${type}'`, { hint: "one of remember, pack, ask, notify" });
  }
  const policy: NonNullable<JobInput["policy"]> = {};
  if (f.rate) {
    const m = /^(\d+)\s*\/\s*(.+)$/.exec(f.rate.trim());
    if (!m) throw new UsageError(`invalid --rate '${f.rate}'`, { hint: "N/WINDOW, e.g. 5/1h (at most 5 runs per hour)" });
    policy.rateLimit = { max: Number(m[1]), windowSec: Math.max(1, Math.round(parseDuration(m[2]!, "--rate window") / 1000)) };
  }
  if (f.approval) policy.requireApproval = true;
  if (f.grant?.length) {
    const grants: Record<string, string[]> = {};
    for (const g of f.grant) {
      const m = /^(network|read|write|env|exec)=(.+)$/.exec(g);
      if (!m) throw new UsageError(`invalid --grant '${g}'`, { hint: "KIND=VALUE with KIND one of network, read, write, env, exec" });
      (grants[m[1]!] ??= []).push(m[2]!);
    }
    policy.grants = grants as NonNullable<JobInput["policy"]>["grants"];
  }
  return {
    ...(f.description ? { description: f.description } : {}),
    ...(f.disabled ? { enabled: false } : {}),
    trigger,
    action,
    ...(Object.keys(policy).length ? { policy } : {}),
  };
}

export async function addJob(home: Pick<AutomationHome, "paths" | "db">, secrets: Secrets, name: string, f: AddFlags): Promise<Job> {
  checkName(name);
  let spec: unknown;
  if (f.from) {
    if (!existsSync(f.from)) throw new UserError(`no such file: ${f.from}`);
    try {
      spec = JSON.parse(readFileSync(f.from, "utf8"));
    } catch (err) {
      throw new UserError(`${f.from}: not valid JSON (${(err as Error).message})`, { hint: "fix the file" });
    }
  } else spec = specFromFlags(f);
  // A job that could only fail is refused: its pack must be installed, with the command it names.
  const installed = await installedCommands(home.paths);
  const job = saveJob(home.paths, name, spec, {
    check: (j) => {
      const problem = packProblem(j.action, installed);
      if (!problem) return;
      const pack = problem.match(/'([^']+)'/)?.[1] ?? "";
      throw new UserError(`job ${name} was not added: ${problem}`, {
        hint: problem.includes("not installed") ? `install it first ('pai pack install ${pack}'; 'pai pack list --available' shows the packs)` : `'pai pack info ${pack}' lists its commands`,
      });
    },
  });
  appendAudit(home.db, secrets, { job: name, type: "job", data: { event: "added", trigger: job.trigger.type, action: job.action.type } });
  return job;
}

export function deleteJob(home: Pick<AutomationHome, "paths" | "db">, secrets: Secrets, name: string): void {
  removeJob(home.paths, name);
  deleteJobState(home.db, name);
  appendAudit(home.db, secrets, { job: name, type: "job", data: { event: "removed" } });
}

export function enableJob(home: Pick<AutomationHome, "paths" | "db">, secrets: Secrets, name: string, enabled: boolean): Job {
  const job = setEnabled(home.paths, name, enabled);
  // A re-enabled schedule starts from its next run: what it missed while disabled is not caught up.
  patchJobState(home.db, name, { next_run: null });
  appendAudit(home.db, secrets, { job: name, type: "job", data: { event: enabled ? "enabled" : "disabled" } });
  return job;
}

/** `pai jobs run NAME`: fires the job once now, in this process (the user's own act: no approval wait). */
export async function runJobNow(home: AutomationHome, secrets: Secrets, name: string, opts: { signal?: AbortSignal } = {}): Promise<FireOutcome & { job: string }> {
  const job = getJob(home.paths, name);
  const now = new Date();
  const outcome = await fireJob(
    { db: home.db, config: home.config, paths: home.paths, secrets, signal: opts.signal },
    job,
    { trigger: "manual", key: `manual:${now.toISOString()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`, manual: true },
  );
  return { ...outcome, job: name };
}
