/**
 * What each job's trigger remembers across restarts, in job_state: the next scheduled run, which side of its
 * bound a threshold was on, the last mail UID seen. Every write is one short statement.
 */
import type { Database } from "../../kernel/storage/index.ts";

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

const COLS = "job, schedule, next_run, last_fired, threshold_on, threshold_value, mail_uid, mail_uid_validity";

export function getJobState(db: Database, job: string): JobState | undefined {
  return db.prepare<JobState>(`SELECT ${COLS} FROM job_state WHERE job = ?`).get(job);
}

export function allJobStates(db: Database): Map<string, JobState> {
  const rows = db.prepare<JobState>(`SELECT ${COLS} FROM job_state`).all();
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
  ).run(job, ...vals, new Date().toISOString());
}

export function deleteJobState(db: Database, job: string): void {
  db.prepare("DELETE FROM job_state WHERE job = ?").run(job);
}

/** The next scheduled runs the daemon has computed, soonest first. */
export function nextRuns(db: Database, limit: number): { job: string; at: string }[] {
  return db
    .prepare<{ job: string; next_run: string }>("SELECT job, next_run FROM job_state WHERE next_run IS NOT NULL ORDER BY next_run LIMIT ?")
    .all(limit)
    .map((r) => ({ job: r.job, at: r.next_run }));
}

export interface FiringRow {
  id: number;
  job: string;
  trigger: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  /** Milliseconds from the firing to the end of its action (null while it runs or when it never ran). */
  durationMs: number | null;
  detail: string | null;
}

/** The latest firings, newest first (the daemon's timeline). */
export function recentFirings(db: Database, limit: number): FiringRow[] {
  return db
    .prepare<{ id: number; job: string; trigger: string; status: string; created_at: string; finished_at: string | null; detail: string | null }>(
      "SELECT id, job, trigger, status, created_at, finished_at, detail FROM job_firings ORDER BY id DESC LIMIT ?",
    )
    .all(limit)
    .map((r) => ({
      id: r.id,
      job: r.job,
      trigger: r.trigger,
      status: r.status,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      durationMs: r.finished_at ? Math.max(0, Date.parse(r.finished_at) - Date.parse(r.created_at)) : null,
      detail: r.detail,
    }));
}
