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
  {
    // What each local day used, by backend, purpose, job and pack, kept up by a trigger as each call is
    // logged: the caps checked before a call and 'pai log --cost' read a few rows a day, not every call.
    version: 202,
    name: "model_usage_days",
    up: `
      CREATE TABLE IF NOT EXISTS model_usage_days (
        day TEXT NOT NULL,
        backend TEXT NOT NULL,
        purpose TEXT NOT NULL,
        job TEXT NOT NULL DEFAULT '',
        pack TEXT NOT NULL DEFAULT '',
        calls INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost REAL NOT NULL DEFAULT 0,
        unpriced INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, backend, purpose, job, pack)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO model_usage_days (day, backend, purpose, job, pack, calls, input_tokens, output_tokens, cost, unpriced)
        SELECT date(at, 'localtime'), backend, purpose, coalesce(job, ''), coalesce(pack, ''), count(*), sum(input_tokens), sum(output_tokens),
               sum(coalesce(cost, 0)), sum(cost IS NULL)
        FROM model_calls GROUP BY 1, 2, 3, 4, 5;
      CREATE TRIGGER IF NOT EXISTS model_calls_usage AFTER INSERT ON model_calls BEGIN
        INSERT INTO model_usage_days (day, backend, purpose, job, pack, calls, input_tokens, output_tokens, cost, unpriced)
        VALUES (date(NEW.at, 'localtime'), NEW.backend, NEW.purpose, coalesce(NEW.job, ''), coalesce(NEW.pack, ''), 1, NEW.input_tokens, NEW.output_tokens,
                coalesce(NEW.cost, 0), NEW.cost IS NULL)
        ON CONFLICT (day, backend, purpose, job, pack) DO UPDATE SET
          calls = calls + 1,
          input_tokens = input_tokens + excluded.input_tokens,
          output_tokens = output_tokens + excluded.output_tokens,
          cost = cost + excluded.cost,
          unpriced = unpriced + excluded.unpriced;
      END;
    `,
  },
];
