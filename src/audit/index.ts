/**
 * The tamper-evident audit trail: an append-only table of hash-chained entries. Each entry's hash is the
 * sha256 of the canonical JSON of {seq, time, job, type, data, prev}, where prev is the previous entry's hash
 * (64 zeros for the first). A head anchor (last seq and hash) is kept beside it so a cut-off tail is noticed.
 * Everything written is redacted first: secrets never reach the log.
 */
import { createHash } from "node:crypto";
import type { Database } from "../storage/index.ts";
import { redactDeep } from "./redact.ts";

export const GENESIS = "0".repeat(64);

export type AuditType =
  | "trigger"
  | "decision"
  | "action"
  | "approval"
  | "daemon"
  | "job"
  | "error";

export interface AuditEntry {
  seq: number;
  time: string;
  job: string | null;
  type: string;
  data: Record<string, unknown>;
  prev: string;
  hash: string;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

export function entryHash(e: { seq: number; time: string; job: string | null; type: string; data: unknown; prev: string }): string {
  return createHash("sha256")
    .update(canonicalJson({ seq: e.seq, time: e.time, job: e.job, type: e.type, data: e.data, prev: e.prev }))
    .digest("hex");
}

interface Row {
  seq: number;
  time: string;
  job: string | null;
  type: string;
  data: string;
  prev: string;
  hash: string;
}

function toEntry(r: Row): AuditEntry {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(r.data);
  } catch {
    data = { unparseable: r.data };
  }
  return { ...r, data };
}

/** Appends one entry (redacted) in a short transaction; returns it. */
export function appendAudit(
  db: Database,
  entry: { job?: string | null; type: AuditType | string; data?: Record<string, unknown>; time?: Date },
): AuditEntry {
  const data = redactDeep(entry.data ?? {});
  const time = (entry.time ?? new Date()).toISOString();
  const job = entry.job ?? null;
  return db.transaction(() => {
    const last = db.prepare<{ seq: number; hash: string }>("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").get();
    const seq = (last?.seq ?? 0) + 1;
    const prev = last?.hash ?? GENESIS;
    // Stored as canonical JSON, so what is hashed is exactly what is read back.
    const parsed = JSON.parse(canonicalJson(data)) as Record<string, unknown>;
    const hash = entryHash({ seq, time, job, type: entry.type, data: parsed, prev });
    db.prepare("INSERT INTO audit_log (seq, time, job, type, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      seq,
      time,
      job,
      entry.type,
      canonicalJson(parsed),
      prev,
      hash,
    );
    db.prepare(
      "INSERT INTO daemon_state (key, value, updated_at) VALUES ('audit_head', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    ).run(JSON.stringify({ seq, hash }), time);
    return { seq, time, job, type: entry.type, data: parsed, prev, hash };
  });
}

export interface AuditQuery {
  since?: Date;
  job?: string;
  limit?: number;
}

export function listAudit(db: Database, q: AuditQuery = {}): AuditEntry[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.since) {
    where.push("time >= ?");
    params.push(q.since.toISOString());
  }
  if (q.job) {
    where.push("job = ?");
    params.push(q.job);
  }
  const sql = `SELECT seq, time, job, type, data, prev, hash FROM audit_log${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY seq${
    q.limit ? " DESC LIMIT " + Math.floor(q.limit) : ""
  }`;
  const rows = db.prepare<Row>(sql).all(...params).map(toEntry);
  return q.limit ? rows.reverse() : rows;
}

export type AuditProblem = "edited" | "removed" | "reordered" | "broken";

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** The first bad entry's seq (or the seq where entries are missing). */
  badSeq?: number;
  problem?: AuditProblem;
  message?: string;
}

/** Walks the chain and reports the first entry that was edited, removed or reordered. */
export function verifyAudit(db: Database): VerifyResult {
  // The head before the rows: an entry another process (the daemon) appends in between is then past the head,
  // never taken for a cut-off tail.
  const head = db.prepare<{ value: string }>("SELECT value FROM daemon_state WHERE key = 'audit_head'").get();
  const rows = db.prepare<Row>("SELECT seq, time, job, type, data, prev, hash FROM audit_log ORDER BY seq").all();
  const byHash = new Map<string, number>();
  for (const r of rows) byHash.set(r.hash, r.seq);
  const fail = (badSeq: number, problem: AuditProblem, message: string): VerifyResult => ({
    ok: false,
    entries: rows.length,
    badSeq,
    problem,
    message,
  });
  let prevSeq = 0;
  let prevHash = GENESIS;
  for (const r of rows) {
    let data: unknown;
    try {
      data = JSON.parse(r.data);
    } catch {
      return fail(r.seq, "edited", `entry ${r.seq} was edited: its data is not valid JSON`);
    }
    const recomputed = entryHash({ seq: r.seq, time: r.time, job: r.job, type: r.type, data, prev: r.prev });
    if (recomputed !== r.hash) {
      // Does the entry hash correctly under another position? Then it was moved.
      for (const other of rows) {
        if (other.seq === r.seq) continue;
        if (entryHash({ seq: other.seq, time: r.time, job: r.job, type: r.type, data, prev: r.prev }) === r.hash) {
          return fail(r.seq, "reordered", `entry ${r.seq} was reordered: it was written as entry ${other.seq}`);
        }
      }
      return fail(r.seq, "edited", `entry ${r.seq} was edited: its content does not match its hash`);
    }
    if (r.prev !== prevHash) {
      if (r.seq !== prevSeq + 1) {
        const missing = r.seq - 1 === prevSeq + 1 ? `entry ${prevSeq + 1} is` : `entries ${prevSeq + 1}-${r.seq - 1} are`;
        return fail(prevSeq + 1, "removed", `${missing} missing (removed before entry ${r.seq})`);
      }
      const linked = byHash.get(r.prev);
      if (linked !== undefined) {
        return fail(r.seq, "reordered", `entry ${r.seq} was reordered: it follows entry ${linked}, not entry ${prevSeq}`);
      }
      return fail(r.seq, "broken", `entry ${r.seq} does not link to entry ${prevSeq}: the chain was altered`);
    }
    if (r.seq !== prevSeq + 1) {
      return fail(prevSeq + 1, "removed", `entries ${prevSeq + 1}-${r.seq - 1} are missing`);
    }
    prevSeq = r.seq;
    prevHash = r.hash;
  }
  if (head) {
    try {
      const h = JSON.parse(head.value) as { seq: number; hash: string };
      if (h.seq > prevSeq) {
        return fail(prevSeq + 1, "removed", `entries ${prevSeq + 1}-${h.seq} are missing (the end of the log was cut off)`);
      }
      // The chain is whole from 1 to prevSeq, so entry h.seq is rows[h.seq - 1].
      if (h.seq > 0 && rows[h.seq - 1]!.hash !== h.hash) {
        return fail(h.seq, "edited", `entry ${h.seq} does not match the recorded head of the log`);
      }
    } catch {}
  }
  return { ok: true, entries: rows.length };
}
