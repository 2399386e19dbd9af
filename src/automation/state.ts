/**
 * Small facts shared through the database by the jobs, the daemon, the audit trail and the CLI, in the
 * daemon_state key/value table: the kill switch, the lease of the running daemon, the note that a file watch hit
 * a bound, the audit head. Every write is one short statement.
 */
import type { Database } from "../kernel/storage/index.ts";
import { processAlive } from "../kernel/process.ts";

export { processAlive };

export function getState(db: Database, key: string): string | undefined {
  return db.prepare<{ value: string }>("SELECT value FROM daemon_state WHERE key = ?").get(key)?.value;
}

export function setState(db: Database, key: string, value: string, at: string = new Date().toISOString()): void {
  db.prepare(
    "INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
  ).run(key, value, at);
}

/** Sets a key only when it is not set yet. */
export function setStateOnce(db: Database, key: string, value: string, at: string = new Date().toISOString()): void {
  db.prepare("INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING").run(key, value, at);
}

export function deleteState(db: Database, key: string): void {
  db.prepare("DELETE FROM daemon_state WHERE key = ?").run(key);
}

/** Deletes every key that starts with prefix. */
export function deleteStatePrefix(db: Database, prefix: string): void {
  db.prepare("DELETE FROM daemon_state WHERE key LIKE ?").run(`${prefix}%`);
}

// ---- kill switch: while paused, no trigger fires (a run the user asks for still does) ------------------

export function isPaused(db: Database): boolean {
  return getState(db, "paused") === "1";
}

export function setPaused(db: Database, paused: boolean): void {
  setState(db, "paused", paused ? "1" : "0");
}

// ---- what the daemon could not do for a job's file watch (shown by `pai jobs list`) -----------------------

const WATCH_BOUND_KEY = "watch.bound:";

export function watchWarning(db: Database, job: string): string | undefined {
  return getState(db, `${WATCH_BOUND_KEY}${job}`);
}

export function setWatchWarning(db: Database, job: string, text: string): void {
  setState(db, `${WATCH_BOUND_KEY}${job}`, text);
}

export function clearWatchWarning(db: Database, job: string): void {
  deleteState(db, `${WATCH_BOUND_KEY}${job}`);
}

export function clearWatchWarnings(db: Database): void {
  deleteStatePrefix(db, WATCH_BOUND_KEY);
}
