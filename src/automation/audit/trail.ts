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
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Database } from "../../kernel/storage/index.ts";
import { writeFileAtomic } from "../../kernel/fs.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import { getState, setState, setStateOnce } from "../state.ts";

export const GENESIS = "0".repeat(64);

export type AuditType =
  | "trigger"
  | "decision"
  | "action"
  | "approval"
  | "daemon"
  | "job"
  | "error"
  | "dashboard";

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

/** An entry as stored: its data as canonical JSON text. */
export interface Row {
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

/** Appends one entry (redacted with the process's secrets) in a short transaction; returns it. */
export function appendAudit(
  db: Database,
  secrets: Secrets,
  entry: { job?: string | null; type: AuditType | string; data?: Record<string, unknown>; time?: Date },
): AuditEntry {
  const data = secrets.redactDeep(entry.data ?? {});
  const time = (entry.time ?? new Date()).toISOString();
  const job = entry.job ?? null;
  const file = headFile(db);
  let restore: (() => void) | undefined;
  try {
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
      setState(db, HEAD_KEY, JSON.stringify({ seq, hash }), time);
      // The head file is written here, under the database's write lock and before the commit, so appends from
      // several processes (the CLI, the daemon) write it in the order they commit.
      if (file) restore = advanceHeadFile(db, file, { seq: last?.seq ?? 0, hash: prev }, { seq, hash }, time);
      return { seq, time, job, type: entry.type, data: parsed, prev, hash };
    });
  } catch (err) {
    restore?.(); // the entry was rolled back: so is the file
    throw err;
  }
}

/** The file that mirrors the head of the log, beside the database (user/audit.head). */
export function headFile(db: Database): string | undefined {
  return db.path && db.path !== ":memory:" && db.path !== "" ? join(dirname(db.path), HEAD_FILE) : undefined;
}

const HEAD_FILE = "audit.head";
/** The daemon_state key of the head row: the last entry's seq and hash. */
export const HEAD_KEY = "audit_head";
/** Set in daemon_state once the head file exists: from then on a missing file is a finding, not an older install. */
export const HEAD_FILE_KEY = "audit_head_file";

export interface Head {
  seq: number;
  hash: string;
}

/**
 * Moves the head file from `from` to `to`. The file moves only from a state that agreed with the table (or is
 * created when the log never had one): a file that was removed, damaged or disagrees is left as it is, so the
 * next append cannot paper over what verify would have found. Returns how to undo the write.
 */
function advanceHeadFile(db: Database, file: string, from: Head, to: Head, time: string): (() => void) | undefined {
  let before: string | undefined;
  try {
    before = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  } catch {
    return undefined;
  }
  if (before === undefined) {
    if (getState(db, HEAD_FILE_KEY) !== undefined) return undefined;
  } else {
    const cur = parseHead(before);
    if (!cur || cur.seq !== from.seq || cur.hash !== from.hash) return undefined;
  }
  try {
    writeFileAtomic(file, `${JSON.stringify({ seq: to.seq, hash: to.hash })}\n`);
  } catch {
    // A head file that cannot be written is reported by verify; the entry itself is never lost for it.
    return undefined;
  }
  if (before === undefined) {
    setStateOnce(db, HEAD_FILE_KEY, "1", time);
  }
  return () => {
    try {
      if (before === undefined) unlinkSync(file);
      else writeFileAtomic(file, before);
    } catch {}
  };
}

export function parseHead(text: string): Head | undefined {
  try {
    const v = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (typeof v.seq !== "number" || !Number.isInteger(v.seq) || v.seq < 0) return undefined;
    if (typeof v.hash !== "string" || !/^[0-9a-f]{64}$/.test(v.hash)) return undefined;
    return { seq: v.seq, hash: v.hash };
  } catch {
    return undefined;
  }
}

/** The head file as verify sees it: absent, damaged, or a head. */
export function readHeadFile(file: string): { state: "absent" } | { state: "damaged" } | { state: "ok"; head: Head } {
  let text: string;
  try {
    if (!existsSync(file)) return { state: "absent" };
    text = readFileSync(file, "utf8");
  } catch {
    return { state: "damaged" };
  }
  const head = parseHead(text);
  return head ? { state: "ok", head } : { state: "damaged" };
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
