import type { Migration } from "../kernel/storage/migrations.ts";

/** Migrations of this concern: versions 200-299 (see src/app/migrations.ts). */
export const modelMigrations: Migration[] = [
  {
    version: 200,
    name: "model_calls",
    up: `
      CREATE TABLE IF NOT EXISTS model_calls (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        purpose TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'chat',
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        latency_ms INTEGER NOT NULL DEFAULT 0,
        outcome TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        error TEXT,
        exchange_id TEXT
      ) STRICT;
      CREATE INDEX IF NOT EXISTS model_calls_at ON model_calls(at);
      CREATE INDEX IF NOT EXISTS model_calls_exchange ON model_calls(exchange_id);
    `,
  },
];
