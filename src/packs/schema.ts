import type { Migration } from "../kernel/storage/migrations.ts";

/**
 * Migrations of this concern: versions 300-399 (see src/app/migrations.ts).
 * pack_runs records every pack command run: which command, at which tier, with which (redacted) arguments,
 * from where (cli, daemon:<job>, skill:<pack>:<command>), and how it ended.
 */
export const packMigrations: Migration[] = [
  {
    version: 300,
    name: "pack runs",
    up: `
      CREATE TABLE IF NOT EXISTS pack_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pack TEXT NOT NULL,
        command TEXT NOT NULL,
        tier TEXT NOT NULL CHECK (tier IN ('code', 'cli', 'prompt', 'skill')),
        args TEXT NOT NULL DEFAULT '[]',
        input TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'cli',
        parent_id INTEGER REFERENCES pack_runs(id) ON DELETE SET NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'ok', 'failed', 'refused', 'aborted')),
        error TEXT,
        output TEXT,
        memory_id INTEGER
      ) STRICT;
      CREATE INDEX IF NOT EXISTS pack_runs_pack ON pack_runs (pack, command, started_at);
    `,
  },
];
