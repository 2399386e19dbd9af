/**
 * Opening the database: the driver is chosen by the `#db` import alias (bun:sqlite under Bun, better-sqlite3
 * under Node). Every connection gets WAL, a busy timeout and foreign keys, and is migrated on open.
 * A file that is not SQLite, or is corrupt, is reported and never overwritten.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { openDriver } from "#db";
import { EnvironmentError } from "../errors.ts";
import { migrate } from "./migrations.ts";
import type { Driver, OpenOptions } from "./types.ts";

export type { Driver, Statement, SqlValue, SqlParams, RunResult, OpenOptions } from "./types.ts";
export { migrate, schemaVersion, allMigrations, type Migration } from "./migrations.ts";

const SQLITE_HEADER = "SQLite format 3\0";
export const BUSY_TIMEOUT_MS = 5000;

export interface Database extends Driver {}

/** True when the file is missing, empty, or starts with SQLite's header. */
export function looksLikeSqlite(path: string): boolean {
  if (!existsSync(path)) return true;
  if (statSync(path).size === 0) return true;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return n === 16 && buf.toString("latin1") === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

function corrupt(path: string, detail: string, cause?: unknown): EnvironmentError {
  return new EnvironmentError(`the database ${path} ${detail}`, {
    hint: "nothing was changed; move the file aside and restore a backup (pai memory backup makes one), or run 'pai init' to start a new one",
    cause,
  });
}

/** Opens (and migrates) a pai database. `migrate: false` opens without touching the schema. */
export function openDatabase(path: string, opts: OpenOptions & { migrate?: boolean } = {}): Database {
  if (!looksLikeSqlite(path)) throw corrupt(path, "is not a SQLite database");
  let db: Driver;
  try {
    db = openDriver(path, opts);
  } catch (err) {
    throw corrupt(path, `cannot be opened (${(err as Error).message})`, err);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readonly) {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
    }
    db.exec("PRAGMA foreign_keys = ON");
    // Reading the schema fails fast on a damaged header or schema page.
    db.prepare("SELECT count(*) AS n FROM sqlite_master").get();
    if (opts.migrate !== false && !opts.readonly) migrate(db);
  } catch (err) {
    try {
      db.close();
    } catch {}
    if (err instanceof EnvironmentError) throw err;
    const msg = (err as Error).message ?? String(err);
    if (/malformed|not a database|file is encrypted|corrupt/i.test(msg)) throw corrupt(path, `is corrupt (${msg})`, err);
    if (/locked|busy/i.test(msg)) {
      throw new EnvironmentError(`the database ${path} is busy`, { hint: "another pai process holds a long write; try again", cause: err });
    }
    throw err;
  }
  return db;
}

/** `PRAGMA integrity_check`: "ok" or the list of problems. */
export function integrityCheck(db: Driver): string[] {
  const rows = db.prepare<{ integrity_check: string }>("PRAGMA integrity_check").all();
  const msgs = rows.map((r) => r.integrity_check);
  return msgs.length === 1 && msgs[0] === "ok" ? [] : msgs;
}

/** The user's database under PAI_HOME (requires an initialised user/). */
export async function openUserDatabase(opts: OpenOptions & { migrate?: boolean } = {}): Promise<Database> {
  const { paths, requireUser } = await import("../paths.ts");
  const p = requireUser(paths());
  return openDatabase(p.db, opts);
}

/** Opens the database at `path`, runs fn, and always closes it. */
export function withDatabase<T>(path: string, fn: (db: Database) => T): T {
  const db = openDatabase(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
