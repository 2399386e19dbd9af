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
const HEAD_KEY = "audit_head";
/** Set in daemon_state once the head file exists: from then on a missing file is a finding, not an older install. */
const HEAD_FILE_KEY = "audit_head_file";

interface Head {
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

function parseHead(text: string): Head | undefined {
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
function readHeadFile(file: string): { state: "absent" } | { state: "damaged" } | { state: "ok"; head: Head } {
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

export type AuditProblem = "edited" | "removed" | "reordered" | "broken";

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** The first bad entry's seq (or the seq where entries are missing). */
  badSeq?: number;
  problem?: AuditProblem;
  message?: string;
  /** Every problem found, one sentence each (the first is `message`). */
  problems?: string[];
}

interface Finding {
  badSeq: number;
  problem: AuditProblem;
  message: string;
}

/**
 * Walks the chain and reports the first entry that was edited, removed or reordered, then compares the end of
 * the log with the head recorded in daemon_state and in user/audit.head: a cut-off tail, an emptied log or a
 * re-pointed head row is a disagreement with the file.
 */
export function verifyAudit(db: Database): VerifyResult {
  const first = verifyOnce(db, false);
  if (!first.racy) return first.result;
  // The head and the rows were read at different moments, and another process (the daemon) may have appended
  // in between: look again holding the write lock, under which every append writes table and file together.
  return verifyOnce(db, true).result;
}

interface Snapshot {
  headRow: string | undefined;
  fileState: ReturnType<typeof readHeadFile> | undefined;
  hadFile: boolean;
  rows: Row[];
  firings: number;
}

function readSnapshot(db: Database): Snapshot {
  // The heads before the rows: an entry appended in between is then past the head, never a cut-off tail.
  const headRow = getState(db, HEAD_KEY);
  const hadFile = getState(db, HEAD_FILE_KEY) !== undefined;
  const file = headFile(db);
  const fileState = file ? readHeadFile(file) : undefined;
  const rows = db.prepare<Row>("SELECT seq, time, job, type, data, prev, hash FROM audit_log ORDER BY seq").all();
  let firings = 0;
  if (!rows.length) {
    try {
      firings = db.prepare<{ n: number }>("SELECT count(*) AS n FROM job_firings").get()?.n ?? 0;
    } catch {}
  }
  return { headRow, fileState, hadFile, rows, firings };
}

function verifyOnce(db: Database, locked: boolean): { result: VerifyResult; racy: boolean } {
  const snap = locked ? db.transaction(() => readSnapshot(db)) : readSnapshot(db);
  const { rows } = snap;
  const findings: Finding[] = [];
  let racy = false;
  const chain = walkChain(rows);
  if (chain) findings.push(chain);
  const last = rows.length ? rows[rows.length - 1]! : undefined;
  const lastSeq = last?.seq ?? 0;
  const bySeq = new Map<number, Row>();
  for (const r of rows) bySeq.set(r.seq, r);
  const n = rows.length;
  const has = `the audit trail has ${n} entr${n === 1 ? "y" : "ies"}`;

  // The file beside the database: the table must end exactly where it says.
  const file = headFile(db);
  const fs = snap.fileState;
  if (file && fs) {
    if (fs.state === "damaged") {
      findings.push({ badSeq: lastSeq + 1, problem: "broken", message: `the head file ${file} is damaged: where the log ends cannot be checked` });
    } else if (fs.state === "absent") {
      if (snap.hadFile) {
        findings.push({ badSeq: lastSeq + 1, problem: "removed", message: `${has} but its head file ${file} was removed: where the log ends cannot be checked` });
      } else if (!n && snap.firings) {
        findings.push({ badSeq: 1, problem: "removed", message: `the audit trail is empty but ${snap.firings} job firing(s) are recorded: its entries were removed` });
      }
    } else {
      const h = fs.head;
      if (h.seq > lastSeq) {
        racy = true;
        findings.push({
          badSeq: lastSeq + 1,
          problem: "removed",
          message: n
            ? `${has} but its head file records ${h.seq}: entries were removed after #${lastSeq} (the end of the log was cut off)`
            : `the audit trail is empty but its head file records ${h.seq} entries: the log was emptied`,
        });
      } else if (h.seq > 0 && bySeq.get(h.seq) && bySeq.get(h.seq)!.hash !== h.hash) {
        racy = true;
        findings.push({ badSeq: h.seq, problem: "edited", message: `entry #${h.seq} does not match the head recorded in ${file}: the log was rewritten from #${h.seq} or earlier` });
      } else if (h.seq < lastSeq) {
        racy = true;
        findings.push({
          badSeq: h.seq + 1,
          problem: "broken",
          message: `${has} but its head file records ${h.seq}: entries #${h.seq + 1}-#${lastSeq} were added without it`,
        });
      }
    }
  }

  // The head row in the database (kept for logs without a file, e.g. in memory).
  if (snap.headRow !== undefined) {
    const h = parseHead(snap.headRow);
    if (!h) findings.push({ badSeq: lastSeq + 1, problem: "broken", message: "the head of the log recorded in the database is damaged" });
    else if (h.seq > lastSeq) {
      racy = true;
      findings.push({ badSeq: lastSeq + 1, problem: "removed", message: n ? `entries ${lastSeq + 1}-${h.seq} are missing (the end of the log was cut off)` : `the log was emptied: its ${h.seq} entries are gone` });
    } else if (h.seq > 0 && bySeq.get(h.seq) && bySeq.get(h.seq)!.hash !== h.hash) {
      racy = true;
      findings.push({ badSeq: h.seq, problem: "edited", message: `entry ${h.seq} does not match the recorded head of the log` });
    }
  }

  if (!findings.length) return { result: { ok: true, entries: n }, racy: false };
  const [f] = findings;
  return {
    result: { ok: false, entries: n, badSeq: f!.badSeq, problem: f!.problem, message: f!.message, problems: findings.map((x) => x.message) },
    racy: racy && !locked,
  };
}

/** The first break in the hash chain, if any. */
function walkChain(rows: Row[]): Finding | undefined {
  const byHash = new Map<string, number>();
  for (const r of rows) byHash.set(r.hash, r.seq);
  const fail = (badSeq: number, problem: AuditProblem, message: string): Finding => ({ badSeq, problem, message });
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
  return undefined;
}
