/**
 * Opening the database: the driver is chosen by the `#db` import alias (bun:sqlite under Bun, better-sqlite3
 * under Node). Every connection gets WAL, a busy timeout and foreign keys; a database behind this pai's schema
 * is migrated on open. A file that is not SQLite, or is damaged, is reported and never written to.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { openDriver } from "#db";
import { damagedDatabase, EnvironmentError } from "../errors.ts";
import { fileKind } from "../fs.ts";
import { migrate, type Migration } from "./migrations.ts";
import { CACHE_KIB, MMAP_BYTES, type Driver, type OpenOptions } from "./types.ts";

export type { Driver, Statement, SqlValue, SqlParams, RunResult, OpenOptions } from "./types.ts";
export { migrate, orderMigrations, schemaVersion, type Migration } from "./migrations.ts";
export { vectorSupport, type VectorSupport } from "./vectors.ts";

const SQLITE_HEADER = "SQLite format 3\0";
export const BUSY_TIMEOUT_MS = 5000;

export interface Database extends Driver {}

/** True when the file is missing, empty, or starts with SQLite's header (a folder, FIFO or device never does). */
export function looksLikeSqlite(path: string): boolean {
  if (!existsSync(path)) return true;
  const st = statSync(path);
  if (!st.isFile()) return false;
  if (st.size === 0) return true;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return n === 16 && buf.toString("latin1") === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/** The message of a SQLite error that means the file itself is damaged (or is not a database at all). */
export function isDamage(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return true;
  return /malformed|file is not a database|not a database|file is encrypted|database corruption/i.test(String((err as Error | null)?.message ?? err));
}

/** The error for a database whose file is damaged: names the file and the way back, and says nothing changed. */
export function damaged(path: string, detail: string, cause?: unknown): EnvironmentError {
  return damagedDatabase(path, detail, { cause, unchanged: true });
}

function firstLine(err: unknown): string {
  return String((err as Error | null)?.message ?? err).split("\n", 1)[0]!;
}

/** The schema version a list of migrations leads to. */
export function latestVersion(migrations: Migration[]): number {
  return Math.max(0, ...migrations.map((m) => m.version));
}

/**
 * The header's own consistency: a file cut short (fewer pages than the header says, where the header's page
 * count is valid) is damaged even when the pages read so far are intact.
 */
function headerProblem(path: string): string | undefined {
  const fd = openSync(path, "r");
  try {
    const h = Buffer.alloc(100);
    if (readSync(fd, h, 0, 100, 0) < 100) return "the header is cut short";
    const raw = h.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return "the header's page size is invalid";
    const pages = h.readUInt32BE(28);
    const valid = h.readUInt32BE(24) === h.readUInt32BE(92);
    if (valid && pages > 0 && statSync(path).size < pages * pageSize) return `the file is shorter than its ${pages} pages`;
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Examines an existing database through a read-only connection (nothing can be written while it is looked at):
 * the header, the schema, the schema version. Returns the version; throws `damaged` for a damaged file.
 */
function examine(db: Driver): number {
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Reading the whole schema fails fast on a damaged header or schema page: every row and every text is read
  // (their total length), without handing the texts to JavaScript.
  db.prepare("SELECT count(*) AS n, sum(length(name) + length(sql)) AS size FROM sqlite_master").get();
  return db.prepare<{ user_version: number }>("PRAGMA user_version").get()?.user_version ?? 0;
}

/**
 * Whether every migration of the list is recorded as applied. The version alone cannot tell: a concern's
 * migration numbered below another concern's latest one (memory's 107 under conversation's 600) is still
 * pending on a database at version 600.
 */
function allApplied(db: Driver, migrations: Migration[]): boolean {
  try {
    const n = db
      .prepare<{ n: number }>("SELECT count(*) AS n FROM schema_migrations WHERE version IN (SELECT value FROM json_each(?))")
      .get(JSON.stringify(migrations.map((m) => m.version)))?.n;
    return n === migrations.length;
  } catch {
    return false;
  }
}

/** Whether a database at `version` has every migration of the list applied (none to run). */
function upToDate(db: Driver, version: number, migrations: Migration[] | undefined): boolean {
  return !migrations || (version >= latestVersion(migrations) && allApplied(db, migrations));
}

/** Turns a failure while opening into pai's error for it (damaged, busy), or returns it as it is. */
function openFailure(path: string, err: unknown): unknown {
  if (err instanceof EnvironmentError) return err;
  if (isDamage(err)) return damaged(path, firstLine(err), err);
  if (/locked|busy/i.test(firstLine(err))) {
    return new EnvironmentError(`the database ${path} is busy`, { hint: "another pai process holds a long write; try again", cause: err });
  }
  return err;
}

/** The driver opened on `path`; a failure is an EnvironmentError naming the file (damaged, busy, or unreadable). */
function openOrExplain(path: string, opts: OpenOptions): Driver {
  try {
    return openDriver(path, opts);
  } catch (err) {
    const e = openFailure(path, err);
    if (e !== err) throw e;
    throw new EnvironmentError(`the database ${path} cannot be opened (${firstLine(err)})`, {
      hint: "check that it is a file you can read and write (ls -l), or run 'pai doctor'",
      cause: err,
      data: { path },
    });
  }
}

/**
 * The connection `db`, closed without a checkpoint when it wrote nothing and the write-ahead log holds frames
 * (another process's, or left by a crash): `guard`, a read-only connection on the same file, stays open until
 * `db` is closed, so `db` is not the last connection and SQLite does not copy the log into the file on close;
 * a read-only connection never does. Otherwise (it wrote, or the log is empty) `db` closes last, as usual: its
 * checkpoint copies what it wrote, or finds nothing to copy and removes the empty log.
 */
function guarded(db: Driver, guard: Driver): Database {
  const close = () => {
    let frames = false;
    try {
      frames = statSync(`${db.path}-wal`).size > 0;
    } catch {}
    if (frames && !db.wrote()) {
      db.close();
      guard.close();
    } else {
      guard.close();
      db.close();
    }
  };
  return Object.assign(Object.create(null) as Database, {
    name: db.name,
    path: db.path,
    exec: db.exec,
    prepare: db.prepare,
    transaction: db.transaction,
    loadExtension: db.loadExtension,
    wrote: db.wrote,
    close,
  });
}

/**
 * Sets the connection's page cache (OpenOptions.cache) and reads the file through a memory map: a page already in
 * the operating system's cache is then read where it lies, not copied by a read() call into SQLite's own cache. A
 * one-shot command starts with an empty cache of its own, so every page it touches is such a read (a search at
 * 100k items loads its rows in half the time). Writes still go through the file; only reads are mapped.
 */
function setCache(db: Driver, cache: OpenOptions["cache"]): void {
  db.exec(`PRAGMA cache_size = -${CACHE_KIB[cache ?? "small"]}`);
  db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
}

/**
 * Opens a pai database, and migrates it with `migrations` when given (the composition root gathers them).
 *
 * An existing file is first examined through a read-only connection; it is opened for writing only once its
 * header and schema read back whole, and it is migrated (and its schema version set) only when that version
 * is behind this pai's. Opening a database that is up to date writes nothing, and neither does closing it
 * when nothing was written through it (see guarded).
 */
export function openDatabase(path: string, opts: OpenOptions & { migrations?: Migration[] } = {}): Database {
  if (existsSync(path) && !statSync(path).isFile()) {
    throw new EnvironmentError(`the database ${path} is not a regular file (it is ${fileKind(statSync(path))})`, {
      hint: `move it aside (mv '${path}' '${path}.moved'); 'pai init' then starts a new database there`,
      data: { path },
    });
  }
  if (!looksLikeSqlite(path)) throw damagedDatabase(path, "", { unchanged: true, notSqlite: true });
  const existed = existsSync(path) && statSync(path).size > 0;
  let version = 0;
  let ro: Driver | undefined;
  if (existed) {
    const problem = headerProblem(path);
    if (problem) throw damaged(path, problem);
    ro = openOrExplain(path, { readonly: true });
    try {
      version = examine(ro);
      if (opts.readonly || (opts.readsOnly && upToDate(ro, version, opts.migrations))) {
        ro.exec("PRAGMA foreign_keys = ON");
        setCache(ro, opts.cache);
        return ro;
      }
    } catch (err) {
      ro.close();
      throw openFailure(path, err);
    }
  }
  let db: Driver;
  try {
    db = openOrExplain(path, opts);
  } catch (err) {
    ro?.close();
    throw err;
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readonly) {
      // Set once, when the file is new: an existing database keeps the mode it has (reading it writes nothing).
      const mode = db.prepare<{ journal_mode: string }>("PRAGMA journal_mode").get()?.journal_mode;
      if (mode !== "wal") db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
    }
    db.exec("PRAGMA foreign_keys = ON");
    setCache(db, opts.cache);
    if (!existed) db.prepare("SELECT count(*) AS n FROM sqlite_master").get();
    const migrations = opts.migrations;
    if (migrations && !opts.readonly && (!existed || !upToDate(db, version, migrations))) migrate(db, migrations);
  } catch (err) {
    try {
      db.close();
    } catch {}
    try {
      ro?.close();
    } catch {}
    throw openFailure(path, err);
  }
  return ro ? guarded(db, ro) : db;
}

/** `PRAGMA integrity_check`: "ok" or the list of problems. */
export function integrityCheck(db: Driver): string[] {
  const rows = db.prepare<{ integrity_check: string }>("PRAGMA integrity_check").all();
  const msgs = rows.map((r) => r.integrity_check);
  return msgs.length === 1 && msgs[0] === "ok" ? [] : msgs;
}
