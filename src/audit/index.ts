/**
 * The tamper-evident audit trail: an append-only table of hash-chained entries. Each entry's hash is the
 * sha256 of the canonical JSON of {seq, time, job, type, data, prev}, where prev is the previous entry's hash
 * (64 zeros for the first). The head (last seq and hash) is kept twice: a row in the database and the file
 * `audit.head` beside the database, written after each append commits. One SQL edit cannot cut the tail,
 * empty the log or re-point the head without the file disagreeing. The file may lag the table by the entries
 * of a process that stopped between its commit and the file write, never lead it; verify accepts that lag only
 * when the file's entry is still in the chain.
 * Everything written is redacted first: secrets never reach the log.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Database } from "../storage/index.ts";
import { writeFileAtomic } from "../util/fs.ts";
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
  const written = db.transaction(() => {
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
  writeHeadFile(db, written.seq, written.hash);
  return written;
}

/** The file that mirrors the head of the log, beside the database (user/audit.head). */
export function headFile(db: Database): string | undefined {
  return db.path && db.path !== ":memory:" ? join(dirname(db.path), "audit.head") : undefined;
}

function writeHeadFile(db: Database, seq: number, hash: string): void {
  const file = headFile(db);
  if (!file) return;
  try {
    // Several processes append: only ever move the file forward.
    const cur = readHeadFile(file);
    if (cur && cur.seq >= seq) return;
    writeFileAtomic(file, `${JSON.stringify({ seq, hash })}\n`);
    // Remember that the file exists, so that removing it is noticed rather than taken for an older log.
    if (!cur) {
      db.prepare("INSERT INTO daemon_state (key, value, updated_at) VALUES ('audit_head_file', '1', ?) ON CONFLICT(key) DO NOTHING").run(new Date().toISOString());
    }
  } catch {
    // A head file that cannot be written is reported by verify, never a reason to lose the entry.
  }
}

function readHeadFile(file: string): { seq: number; hash: string } | undefined {
  if (!existsSync(file)) return undefined;
  const v = JSON.parse(readFileSync(file, "utf8")) as { seq?: unknown; hash?: unknown };
  if (typeof v.seq !== "number" || !Number.isInteger(v.seq) || typeof v.hash !== "string") throw new Error("not a head record");
  return { seq: v.seq, hash: v.hash };
}

/** How many entries hold one of these texts (what a forget cannot remove without breaking the chain). */
export function auditMentions(db: Database, needles: string[]): number {
  const ids = new Set<number>();
  const q = db.prepare<{ seq: number }>("SELECT seq FROM audit_log WHERE instr(data, ?) > 0");
  for (const n of needles) for (const r of q.all(JSON.stringify(n).slice(1, -1))) ids.add(r.seq);
  return ids.size;
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
  const file = headFile(db);
  let fileHead: { seq: number; hash: string } | undefined;
  let fileDamaged = false;
  try {
    fileHead = file ? readHeadFile(file) : undefined;
  } catch {
    fileDamaged = true;
  }
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
  // The file beside the database: it must not be ahead of the table, and its entry must be in the chain.
  if (file) {
    const h = fileHead;
    if (fileDamaged) return fail(prevSeq + 1, "broken", `the head file ${file} is damaged: the end of the log cannot be checked`);
    const hadFile = db.prepare("SELECT 1 AS x FROM daemon_state WHERE key = 'audit_head_file'").get() !== undefined;
    if (!h && hadFile) {
      return fail(prevSeq + 1, "removed", `the head file ${file} was removed: the end of the log cannot be checked`);
    }
    if (!h && rows.length) {
      // A log written before the head file existed gets one now (the chain itself verified above).
      writeHeadFile(db, prevSeq, prevHash);
    } else if (h) {
      if (h.seq > prevSeq) {
        const what = rows.length ? `entries ${prevSeq + 1}-${h.seq} are missing (the end of the log was cut off)` : `the log was emptied: its ${h.seq} entries are gone`;
        return fail(prevSeq + 1, "removed", `${what}; ${file} records ${h.seq} entries`);
      }
      if (h.seq > 0 && rows[h.seq - 1]!.hash !== h.hash) {
        return fail(h.seq, "edited", `entry ${h.seq} does not match the head recorded in ${file}`);
      }
    }
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
