/**
 * State shared by the daemon and the CLI through the database: the kill switch, the lease of the running
 * daemon, and what each job's trigger remembers. Every write is one short statement or transaction.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../kernel/paths.ts";
import type { Database } from "../../kernel/storage/index.ts";

const now = () => new Date().toISOString();

export function getState(db: Database, key: string): string | undefined {
  return db.prepare<{ value: string }>("SELECT value FROM daemon_state WHERE key = ?").get(key)?.value;
}

export function setState(db: Database, key: string, value: string): void {
  db.prepare(
    "INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
  ).run(key, value, now());
}

export function deleteState(db: Database, key: string): void {
  db.prepare("DELETE FROM daemon_state WHERE key = ?").run(key);
}

// ---- kill switch ------------------------------------------------------------------------------

export function isPaused(db: Database): boolean {
  return getState(db, "paused") === "1";
}

export function setPaused(db: Database, paused: boolean): void {
  setState(db, "paused", paused ? "1" : "0");
}

// ---- lease: one daemon per PAI_HOME -----------------------------------------------------------

export interface Lease {
  pid: number;
  startedAt: string;
  webhookPort?: number;
  /** When its triggers were in place (job files read, schedules, thresholds and mail armed, webhook listening). */
  readyAt?: string;
  /** When its file watches had finished their first scan (they start after the other triggers, and never hold them back). */
  watchingAt?: string;
}

/** The daemon_state key, followed by a job's name, of the note that its file watch hit a bound (shown by `pai jobs list`). */
export const WATCH_BOUND_KEY = "watch.bound:";

/** The process groups of the threshold commands the daemon is running, one per line (killed by `pai daemon stop` if it must kill the daemon). */
export function childrenFile(p: Paths): string {
  return join(p.run, "daemon.children");
}

/** True when pid is a live process (and, where /proc exists, a pai daemon rather than a recycled pid). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // A zombie (killed, not yet reaped) is not running.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
  } catch {}
  return true;
}

function isDaemonProcess(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    // `bun …/src/cli/main.ts daemon run`: a recycled pid running something else is not the daemon.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return pid === process.pid || /main\.ts\0daemon\0run/.test(cmd);
  } catch {
    return true; // no /proc: trust the pid
  }
}

export function readLease(db: Database): Lease | undefined {
  const v = getState(db, "lease");
  if (!v) return undefined;
  try {
    return JSON.parse(v) as Lease;
  } catch {
    return undefined;
  }
}

/** The lease of a daemon that is running now, or undefined. */
export function liveLease(db: Database): Lease | undefined {
  const lease = readLease(db);
  return lease && isDaemonProcess(lease.pid) ? lease : undefined;
}

/**
 * Takes the lease for this process, atomically (BEGIN IMMEDIATE): fails with the holder when a live daemon
 * holds it; a stale lease (its process is gone) is taken over.
 */
export function acquireLease(db: Database, pid: number = process.pid): { ok: true; tookOver?: Lease } | { ok: false; holder: Lease } {
  return db.transaction(() => {
    const current = readLease(db);
    if (current && current.pid !== pid && isDaemonProcess(current.pid)) return { ok: false as const, holder: current };
    setState(db, "lease", JSON.stringify({ pid, startedAt: now() } satisfies Lease));
    return current && current.pid !== pid ? { ok: true as const, tookOver: current } : { ok: true as const };
  });
}

export function updateLease(db: Database, patch: Partial<Lease>): void {
  const lease = readLease(db);
  if (!lease || lease.pid !== process.pid) return;
  setState(db, "lease", JSON.stringify({ ...lease, ...patch }));
}

export function releaseLease(db: Database, pid: number = process.pid): void {
  db.prepare("DELETE FROM daemon_state WHERE key = 'lease' AND json_extract(value, '$.pid') = ?").run(pid);
}

// ---- per-job trigger state ------------------------------------------------------------------------

export interface JobState {
  job: string;
  schedule: string | null;
  next_run: string | null;
  last_fired: string | null;
  threshold_on: number | null;
  threshold_value: number | null;
  mail_uid: number | null;
  mail_uid_validity: string | null;
}

export function getJobState(db: Database, job: string): JobState | undefined {
  return db
    .prepare<JobState>("SELECT job, schedule, next_run, last_fired, threshold_on, threshold_value, mail_uid, mail_uid_validity FROM job_state WHERE job = ?")
    .get(job);
}

export function allJobStates(db: Database): Map<string, JobState> {
  const rows = db
    .prepare<JobState>("SELECT job, schedule, next_run, last_fired, threshold_on, threshold_value, mail_uid, mail_uid_validity FROM job_state")
    .all();
  return new Map(rows.map((r) => [r.job, r]));
}

type StatePatch = Partial<Omit<JobState, "job">>;

export function patchJobState(db: Database, job: string, patch: StatePatch): void {
  const keys = Object.keys(patch) as (keyof StatePatch)[];
  if (!keys.length) return;
  const cols = keys.join(", ");
  const vals = keys.map((k) => patch[k] ?? null);
  const sets = keys.map((k) => `${k} = excluded.${k}`).join(", ");
  db.prepare(
    `INSERT INTO job_state (job, ${cols}, updated_at) VALUES (?, ${keys.map(() => "?").join(", ")}, ?) ON CONFLICT(job) DO UPDATE SET ${sets}, updated_at = excluded.updated_at`,
  ).run(job, ...vals, now());
}
