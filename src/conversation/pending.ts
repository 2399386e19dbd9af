/**
 * The learning queue: each stored exchange is queued (in the same transaction that stores its episode) and
 * stays `pending` until a learner has learned from it. A learner claims a row with its process id and keeps
 * the claim fresh while it works; a claim whose process is gone, or that has not been refreshed for a while,
 * is free again, so an exchange whose learner was killed is learned by the next one. Once learned (or given
 * up), the row waits until the user has been told the outcome, then it is deleted.
 */
import type { Audience } from "../models/types.ts";
import type { Database } from "../kernel/storage/index.ts";
import { processAlive } from "../kernel/process.ts";

export { processAlive };

/** How often a learner refreshes its claim, and when an unrefreshed claim counts as abandoned. */
export const CLAIM_REFRESH_MS = 5_000;
export const CLAIM_STALE_MS = 60_000;
/** Attempts at an exchange whose model calls fail before it is given up (it stays stored). */
export const MAX_ATTEMPTS = 3;

export type QueueState = "pending" | "learned" | "malformed" | "failed" | "skipped";

export interface QueueRow {
  episodeId: number;
  exchangeId: string;
  answeredBy: Audience;
  queuedAt: string;
  state: QueueState;
  claimedBy: number | null;
  claimedAt: string | null;
  attempts: number;
  learnedIds: number[];
  error: string | null;
}

interface RawRow {
  episode_id: number;
  exchange_id: string;
  answered_by: string;
  queued_at: string;
  state: string;
  claimed_by: number | null;
  claimed_at: string | null;
  attempts: number;
  learned_ids: string;
  error: string | null;
}

function toRow(r: RawRow): QueueRow {
  let ids: number[] = [];
  try {
    const parsed = JSON.parse(r.learned_ids);
    if (Array.isArray(parsed)) ids = parsed.filter((x): x is number => Number.isInteger(x));
  } catch {}
  return {
    episodeId: r.episode_id,
    exchangeId: r.exchange_id,
    answeredBy: r.answered_by === "cloud" ? "cloud" : "local",
    queuedAt: r.queued_at,
    state: r.state as QueueState,
    claimedBy: r.claimed_by,
    claimedAt: r.claimed_at,
    attempts: r.attempts,
    learnedIds: ids,
    error: r.error,
  };
}

/** Queues a stored exchange for learning. */
export function enqueueLearning(db: Database, row: { episodeId: number; exchangeId: string; answeredBy: Audience }): void {
  db.prepare("INSERT OR IGNORE INTO learning_queue (episode_id, exchange_id, answered_by, queued_at) VALUES (?, ?, ?, ?)").run(
    row.episodeId,
    row.exchangeId,
    row.answeredBy,
    new Date().toISOString(),
  );
}


/** A claim another learner is still working on. */
function heldElsewhere(r: QueueRow, pid: number, now: number): boolean {
  if (r.claimedBy === null || r.claimedBy === pid) return false;
  if (!r.claimedAt || now - Date.parse(r.claimedAt) > CLAIM_STALE_MS) return false;
  return processAlive(r.claimedBy);
}

function pendingRows(db: Database): QueueRow[] {
  return db.prepare<RawRow>("SELECT * FROM learning_queue WHERE state = 'pending' ORDER BY episode_id").all().map(toRow);
}

/** Claims the oldest pending exchange no live learner holds (skipping `skip`), or undefined when none is left. */
export function claimNext(db: Database, pid: number, skip: ReadonlySet<number> = new Set()): QueueRow | undefined {
  return db.transaction(() => {
    const now = Date.now();
    const row = pendingRows(db).find((r) => !skip.has(r.episodeId) && !heldElsewhere(r, pid, now));
    if (!row) return undefined;
    const at = new Date(now).toISOString();
    db.prepare("UPDATE learning_queue SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 WHERE episode_id = ?").run(pid, at, row.episodeId);
    return { ...row, claimedBy: pid, claimedAt: at, attempts: row.attempts + 1 };
  });
}

/** Keeps this learner's claims fresh. */
export function refreshClaims(db: Database, pid: number): void {
  db.prepare("UPDATE learning_queue SET claimed_at = ? WHERE claimed_by = ? AND state = 'pending'").run(new Date().toISOString(), pid);
}

/** Records the outcome of an exchange (learned, malformed, failed for good, skipped). */
export function settle(db: Database, episodeId: number, state: Exclude<QueueState, "pending">, detail: { learnedIds?: number[]; error?: string } = {}): void {
  db.prepare("UPDATE learning_queue SET state = ?, claimed_by = NULL, learned_ids = ?, error = ? WHERE episode_id = ?").run(
    state,
    JSON.stringify(detail.learnedIds ?? []),
    detail.error ?? null,
    episodeId,
  );
}

/** Gives a claimed exchange back (a failed attempt that may be tried again later). */
export function release(db: Database, episodeId: number, error: string): void {
  db.prepare("UPDATE learning_queue SET claimed_by = NULL, claimed_at = NULL, error = ? WHERE episode_id = ?").run(error, episodeId);
}

/** Every row of the queue, oldest first. */
export function queued(db: Database): QueueRow[] {
  return db.prepare<RawRow>("SELECT * FROM learning_queue ORDER BY episode_id").all().map(toRow);
}

/** How many exchanges wait for a learner: `free` are not held by a live one. */
export function pendingCount(db: Database, pid = process.pid): { pending: number; free: number } {
  const rows = pendingRows(db);
  const now = Date.now();
  return { pending: rows.length, free: rows.filter((r) => !heldElsewhere(r, pid, now)).length };
}

/**
 * The settled exchanges the user has not been told about, oldest first; they are deleted as they are taken,
 * in one transaction, so each outcome is told once even when two commands start together.
 */
export function takeSettled(db: Database): QueueRow[] {
  return db.transaction(() => {
    const rows = db.prepare<RawRow>("SELECT * FROM learning_queue WHERE state != 'pending' ORDER BY episode_id").all().map(toRow);
    if (rows.length) db.prepare("DELETE FROM learning_queue WHERE state != 'pending'").run();
    return rows;
  });
}
