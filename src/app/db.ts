/**
 * pai's database: the kernel's storage, migrated with every concern's migrations. The one place that opens a
 * database file for pai; `withHome` (home.ts) opens it once per process.
 */
import { latestVersion, openDatabase as openStorage, type Database, type OpenOptions } from "../kernel/storage/index.ts";
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
  return latestVersion(allMigrations());
}
