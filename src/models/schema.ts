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
  {
    // What each call is estimated to cost (system/prices.json), which job and pack made it (the caps of
    // user/limits.json count by them), and the texts of recent calls for 'pai log show' (redacted of
    // secrets; kept for the last calls only, blanked by a forget).
    version: 201,
    name: "model_call_cost_texts",
    up: `
      ALTER TABLE model_calls ADD COLUMN cost REAL;
      ALTER TABLE model_calls ADD COLUMN job TEXT;
      ALTER TABLE model_calls ADD COLUMN pack TEXT;
      CREATE TABLE IF NOT EXISTS model_call_texts (
        call_id INTEGER PRIMARY KEY,
        audience TEXT NOT NULL,
        system TEXT,
        messages TEXT NOT NULL,
        response TEXT NOT NULL DEFAULT ''
      ) STRICT;
    `,
  },
];
