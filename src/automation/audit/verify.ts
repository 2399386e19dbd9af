/**
 * Verifying the audit trail: the hash chain entry by entry, then where it ends against the head row in
 * daemon_state and the head file beside the database (see trail.ts).
 */
import type { Database } from "../../kernel/storage/index.ts";
import { getState } from "../state.ts";
import { entryHash, GENESIS, HEAD_FILE_KEY, HEAD_KEY, headFile, parseHead, readHeadFile, type Row } from "./trail.ts";

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
export function verifyAudit(db: Database, opts: VerifyOptions = {}): VerifyResult {
  const first = verifyOnce(db, false, opts);
  if (!first.racy) return first.result;
  // The head and the rows were read at different moments, and another process (the daemon) may have appended
  // in between: look again holding the write lock, under which every append writes table and file together.
  return verifyOnce(db, true, opts).result;
}

export interface VerifyOptions {
  /** How many job firings are recorded: an empty trail beside recorded firings was emptied. */
  firings?: () => number;
}

interface Snapshot {
  headRow: string | undefined;
  fileState: ReturnType<typeof readHeadFile> | undefined;
  hadFile: boolean;
  rows: Row[];
  firings: number;
}

function readSnapshot(db: Database, opts: VerifyOptions): Snapshot {
  // The heads before the rows: an entry appended in between is then past the head, never a cut-off tail.
  const headRow = getState(db, HEAD_KEY);
  const hadFile = getState(db, HEAD_FILE_KEY) !== undefined;
  const file = headFile(db);
  const fileState = file ? readHeadFile(file) : undefined;
  const rows = db.prepare<Row>("SELECT seq, time, job, type, data, prev, hash FROM audit_log ORDER BY seq").all();
  let firings = 0;
  if (!rows.length && opts.firings) {
    try {
      firings = opts.firings();
    } catch {}
  }
  return { headRow, fileState, hadFile, rows, firings };
}

function verifyOnce(db: Database, locked: boolean, opts: VerifyOptions): { result: VerifyResult; racy: boolean } {
  const snap = locked ? db.transaction(() => readSnapshot(db, opts)) : readSnapshot(db, opts);
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
