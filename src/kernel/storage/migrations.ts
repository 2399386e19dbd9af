/**
 * Numbered migrations. Each concern owns a block of version numbers and lists its migrations in its own
 * schema file; the composition root (src/app/migrations.ts) gathers them and hands the list to `migrate`. A migration runs once, in version order, inside a transaction;
 * applied versions are recorded in schema_migrations and PRAGMA user_version holds the highest one.
 *
 * Blocks: 1-99 core, 100-199 memory, 200-299 models, 300-399 packs, 400-499 daemon, 500-599 interop.
 * Never edit a migration that has shipped: add a new one with the next number of its block.
 */
import type { Driver } from "./types.ts";

export interface Migration {
  version: number;
  name: string;
  /** SQL to run, or a function for migrations that need code. */
  up: string | ((db: Driver) => void);
}

/** Checks a list gathered from several concerns: sorted by version, no version twice. */
export function orderMigrations(lists: Migration[][]): Migration[] {
  const list = lists.flat().sort((a, b) => a.version - b.version);
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.version === list[i - 1]!.version) {
      throw new Error(`two migrations share version ${list[i]!.version}: ${list[i - 1]!.name} and ${list[i]!.name}`);
    }
  }
  return list;
}

export function migrate(db: Driver, migrations: Migration[]): { applied: number[]; version: number } {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const done = new Set(
    db.prepare<{ version: number }>("SELECT version FROM schema_migrations").all().map((r) => r.version),
  );
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      if (typeof m.up === "string") db.exec(m.up);
      else m.up(db);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    });
    applied.push(m.version);
  }
  const version = migrations.length ? Math.max(...migrations.map((m) => m.version), ...done) : 0;
  // The header is written only when the version changes.
  if (schemaVersion(db) !== version) db.exec(`PRAGMA user_version = ${version}`);
  return { applied, version };
}

export function schemaVersion(db: Driver): number {
  const row = db.prepare<{ user_version: number }>("PRAGMA user_version").get();
  return row?.user_version ?? 0;
}
