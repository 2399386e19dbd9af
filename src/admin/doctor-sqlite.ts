/**
 * The SQLite side of `pai doctor`'s database check: which tables hold the user's data, and the integrity
 * check itself. The default (`quick_check`) runs SQLite's quick check over the tables that hold what the user
 * wrote, with their indexes: every page and row of them (b-tree structure, NOT NULL, CHECK, column types).
 * Derived data (the full-text index, the packed embedding bits, the counters kept by triggers) is built from
 * those tables, so only the full check (`pai doctor --full`, `PRAGMA integrity_check`) reads it, together with
 * the file's page accounting and the comparison of every index with its table.
 *
 * Under Bun the database is opened with SQLite's `immutable` flag when no WAL file exists: nothing (not even
 * -wal or -shm files) is written beside it, and no copy is needed. This file is loaded in a worker thread too
 * (doctor-worker.ts), so it imports nothing that opens the world.
 */

export type IntegrityMode = "quick_check" | "integrity_check";

/** Tables rebuilt from others: the full-text index and its shadow tables, the embedding bits, the counters. */
export const DERIVED_TABLES = ["memory_embedding_bits", "memory_counts", "memory_active_days"];

export interface IntegrityResult {
  /** SQLite's messages; none when the checked part is sound. */
  problems: string[];
  /** PRAGMA user_version. */
  version: number;
  /** The tables the quick check covered (all of them for the full check). */
  tables: string[];
  /** The tables left to the full check. */
  skipped: string[];
}

/** A share of the quick check's tables, for checks that run side by side. */
export type Part = { only: string[]; except?: undefined } | { except: string[]; only?: undefined };

/** A minimal view of a SQLite connection, so bun:sqlite and the storage driver both fit. */
export interface Conn {
  prepare(sql: string): { all(...a: unknown[]): unknown[]; get(...a: unknown[]): unknown };
}

/** Splits the database's tables into those holding the user's data and the derived ones. */
export function splitTables(db: Conn): { source: string[]; derived: string[] } {
  const rows = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string | null }[];
  const virtual = rows.filter((r) => /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(r.sql ?? "")).map((r) => r.name);
  const isDerived = (name: string) => DERIVED_TABLES.includes(name) || virtual.some((v) => name === v || name.startsWith(`${v}_`));
  const source = ["sqlite_schema", ...rows.map((r) => r.name).filter((n) => !isDerived(n))];
  return { source, derived: rows.map((r) => r.name).filter(isDerived) };
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Runs the check on an open connection. Throws what SQLite throws (a malformed file often does). */
export function integrityOn(db: Conn, mode: IntegrityMode, part?: Part): IntegrityResult {
  const version = (db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined)?.user_version ?? 0;
  const { source, derived } = splitTables(db);
  const problems: string[] = [];
  if (mode === "integrity_check") {
    const msgs = (db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (!(msgs.length === 1 && msgs[0] === "ok")) problems.push(...msgs);
    return { problems, version, tables: [...source, ...derived], skipped: [] };
  }
  for (const t of source.filter((t) => !part || (part.only ? part.only.includes(t) : !part.except.includes(t)))) {
    const msgs = (db.prepare(`PRAGMA quick_check(${quote(t)})`).all() as { quick_check: string }[]).map((r) => r.quick_check);
    if (!(msgs.length === 1 && msgs[0] === "ok")) problems.push(...msgs);
  }
  return { problems, version, tables: source, skipped: derived };
}

/** Whether this runtime can open a file with SQLite's `immutable` flag (bun:sqlite with URI names). */
export const canOpenImmutable = (): boolean => typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Opens `file` read-only through bun:sqlite: `immutable` (nothing written beside it) or plain read-only (in place, WAL present). */
export async function openBunReadonly(file: string, immutable: boolean) {
  const { Database } = await import("bun:sqlite");
  const READONLY = 0x01;
  const URI = 0x40;
  const db = immutable
    ? new Database(`file:${encodeURI(file).replace(/\?/g, "%3F").replace(/#/g, "%23")}?immutable=1`, READONLY | URI)
    : new Database(file, { readonly: true });
  // Two checks open the file side by side. When pai has it open (a WAL file beside it) the first reader may
  // have to rebuild the WAL index, and the other then waits for it instead of failing with "database is locked".
  db.exec("PRAGMA busy_timeout = 10000");
  // Pages read through a memory map, not copied into SQLite's cache: the check reads every page once, the
  // indexes in their own order (at 1M items the tiers table's check takes a quarter of the time).
  db.exec("PRAGMA mmap_size = 4294967296");
  return db;
}

/** The check under Bun: its own connection, closed after. */
export async function integrityOfFile(file: string, mode: IntegrityMode, immutable: boolean, part?: Part): Promise<IntegrityResult> {
  const db = await openBunReadonly(file, immutable);
  try {
    return integrityOn(db as unknown as Conn, mode, part);
  } finally {
    db.close();
  }
}
