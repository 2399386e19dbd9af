/**
 * `pai doctor`'s database check. By default the quick check of the tables holding the user's data (see
 * doctor-sqlite.ts); with --full SQLite's whole `integrity_check`. Doctor only reads: under Bun the file is
 * opened `immutable` (nothing written beside it) and checked in a worker thread while the other checks run;
 * when a WAL file exists (pai has the database open) it is opened read-only in place. Elsewhere (Node) the
 * check runs on a private copy in a temporary folder, as even a read-only connection creates -wal and -shm
 * files beside a WAL database. No migration ever runs.
 */
import { installDir } from "../kernel/paths.ts";
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PaiError } from "../kernel/errors.ts";
import type { Paths } from "../kernel/paths.ts";
import { looksLikeSqlite, openDatabase, type Database } from "../kernel/storage/index.ts";
import { canOpenImmutable, integrityOfFile, integrityOn, openBunReadonly, type IntegrityMode, type IntegrityResult, type Part } from "./doctor-sqlite.ts";
import type { Check } from "./doctor.ts";

export type { IntegrityMode } from "./doctor-sqlite.ts";

const DB_FIX = (db: string) =>
  `nothing was changed; move the file aside (mv '${db}' '${db}.broken'), then restore a backup or run 'pai init' to start a new database`;

const errText = (err: unknown) => (err instanceof PaiError ? err.message : err instanceof Error ? err.message.split("\n")[0]! : String(err));

/** The check in a worker thread (Bun), or on this thread when a worker cannot start. */
async function inWorker(file: string, mode: IntegrityMode, immutable: boolean, part?: Part): Promise<IntegrityResult> {
  let worker: Worker;
  try {
    // From the install, not from this module's place: the build (dist/pai/) runs this code too.
    worker = new Worker(join(installDir, "src", "admin", "doctor-worker.ts"));
  } catch {
    return integrityOfFile(file, mode, immutable, part);
  }
  try {
    const answer = await new Promise<{ result?: IntegrityResult; error?: string }>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent) => resolve(e.data);
      worker.onerror = (e: ErrorEvent) => reject(new Error(e.message));
      worker.postMessage({ file, mode, immutable, part });
    });
    if (answer.error !== undefined) throw new Error(answer.error);
    return answer.result!;
  } finally {
    worker.terminate();
  }
}

/**
 * The quick check in two workers at once: the memory table (most of the file, and most of the time) in one,
 * every other table in the other. The full check is one pragma over the whole file, in one worker.
 */
async function checkSideBySide(file: string, mode: IntegrityMode, immutable: boolean): Promise<IntegrityResult> {
  if (mode !== "quick_check") return inWorker(file, mode, immutable);
  const big = ["memory_items"];
  const [a, b] = await Promise.all([inWorker(file, mode, immutable, { only: big }), inWorker(file, mode, immutable, { except: big })]);
  return { ...a, problems: [...a.problems, ...b.problems] };
}

/** A storage driver over an immutable bun:sqlite connection, for the checks that read what the database holds. */
async function readonlyDriver(file: string, immutable: boolean): Promise<Database> {
  const db = await openBunReadonly(file, immutable);
  return {
    name: "bun:sqlite",
    path: file,
    exec: (sql) => void db.exec(sql),
    prepare(sql) {
      const st = db.prepare(sql);
      return {
        run: (...p: any[]) => {
          const r = st.run(...p);
          return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
        },
        get: (...p: any[]) => (st.get(...p) ?? undefined) as any,
        all: (...p: any[]) => st.all(...p) as any[],
        iterate: (...p: any[]) => st.iterate(...p) as any,
      };
    },
    transaction: (fn) => db.transaction(fn)(),
    loadExtension: (path) => db.loadExtension(path),
    close: () => db.close(),
  } as Database;
}

/** On Node: the check on a private copy (or in place with a WAL), through the storage driver. */
async function onCopy(file: string, mode: IntegrityMode, withDb?: (db: Database, r: IntegrityResult) => void): Promise<IntegrityResult> {
  let scratch: string | undefined;
  let target = file;
  if (!existsSync(`${file}-wal`)) {
    scratch = mkdtempSync(join(tmpdir(), "pai-doctor-"));
    target = join(scratch, "check.db");
    copyFileSync(file, target);
  }
  try {
    const db = openDatabase(target, { readonly: true });
    try {
      const r = integrityOn(db, mode);
      if (!r.problems.length) withDb?.(db, r);
      return r;
    } finally {
      db.close();
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

export async function checkDatabase(
  p: Paths,
  latest: number,
  onProgress?: (what: string) => void,
  withDb?: (db: Database) => void,
  mode: IntegrityMode = "quick_check",
): Promise<Check> {
  const file = p.db;
  const fail = (detail: string): Check => ({ name: "database", status: "fail", detail, fix: DB_FIX(file) });
  if (!existsSync(file)) return { name: "database", status: "warn", detail: `${file} does not exist yet`, fix: "run 'pai init' to create it" };
  if (!looksLikeSqlite(file)) return fail(`${file} is not a SQLite database`);
  const size = statSync(file).size;
  if (size === 0) return { name: "database", status: "warn", detail: `${file} is empty`, fix: "run 'pai init' (or any pai command) to set it up" };
  const what = mode === "quick_check" ? "quick check" : "full check";
  if (size >= 50 << 20) onProgress?.(`checking the database's integrity (${what}, ${(size / (1 << 20)).toFixed(0)} MB)…`);

  const immutable = !existsSync(`${file}-wal`);
  let r: IntegrityResult;
  let read: ((db: Database) => void) | undefined;
  try {
    if (canOpenImmutable()) {
      r = await checkSideBySide(file, mode, immutable);
      // A change while the file was read without locks could look like damage: a second look on a copy decides.
      if (r.problems.length && immutable) r = await onCopy(file, mode);
    } else {
      r = await onCopy(file, mode, (db, res) => res.version === latest && withDb?.(db));
      read = () => {};
    }
  } catch (err) {
    const m = errText(err);
    // A lock held too long is not damage: nothing could be read, so nothing is judged.
    if (/database is locked|SQLITE_BUSY/i.test(m)) {
      return { name: "database", status: "warn", detail: `${file} could not be checked: another process kept it locked (${m})`, fix: "run 'pai doctor' again in a moment" };
    }
    return fail(`${file} is corrupt (${m})`);
  }
  if (r.problems.length) {
    const found = `${r.problems.slice(0, 2).join("; ")}${r.problems.length > 2 ? ` (+${r.problems.length - 2} more)` : ""}`;
    return fail(`${file} is corrupt: ${found}`);
  }
  if (r.version > latest) {
    return { name: "database", status: "warn", detail: `${file}: schema version ${r.version} is newer than this pai knows (${latest})`, fix: "run 'pai upgrade' to bring the install up to date" };
  }
  // Checks of what the database holds read it on their own read-only connection, at the current schema only.
  if (!read && r.version === latest && withDb) {
    const db = await readonlyDriver(file, immutable);
    try {
      withDb(db);
    } finally {
      db.close();
    }
  }
  const pending = r.version < latest ? `, schema ${r.version} (migrates to ${latest} on next use)` : `, schema ${r.version}`;
  const sizeText = size >= 1 << 20 ? `${(size / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(size / 1024)} KB`;
  const covered =
    mode === "quick_check"
      ? `quick check of the ${r.tables.length} tables holding your data; 'pai doctor --full' also checks the full-text index, embedding bits, counters and page accounting`
      : "full check";
  return { name: "database", status: "ok", detail: `${file}: integrity ok (${covered})${pending}, ${sizeText}` };
}
