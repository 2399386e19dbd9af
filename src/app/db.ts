/**
 * pai's database: the kernel's storage, migrated with every concern's migrations. The one place that opens a
 * database file for pai; `withHome` (home.ts) opens it once per process.
 */
import { openDatabase as openStorage, type Database, type OpenOptions } from "../kernel/storage/index.ts";
import { allMigrations } from "./migrations.ts";

export { allMigrations } from "./migrations.ts";
export { integrityCheck, looksLikeSqlite, migrate, schemaVersion, type Database, type Migration } from "../kernel/storage/index.ts";

/** Opens (and migrates) a pai database. `migrate: false` opens without touching the schema. */
export function openDatabase(path: string, opts: OpenOptions & { migrate?: boolean } = {}): Database {
  const { migrate, ...rest } = opts;
  return openStorage(path, migrate === false ? rest : { ...rest, migrations: allMigrations() });
}

/** The schema version this pai migrates to. */
export function latestSchemaVersion(): number {
  return Math.max(0, ...allMigrations().map((m) => m.version));
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

/** The user's database under PAI_HOME (requires an initialised user/). */
export async function openUserDatabase(opts: OpenOptions & { migrate?: boolean } = {}): Promise<Database> {
  const { paths, requireUser } = await import("../kernel/paths.ts");
  return openDatabase(requireUser(paths()).db, opts);
}
