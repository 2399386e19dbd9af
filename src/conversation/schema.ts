import type { Migration } from "../kernel/storage/migrations.ts";

/**
 * Migrations of this concern: versions 600-649 (see src/app/migrations.ts).
 * `learning_queue` holds one row per stored exchange that still has to be learned from, or whose outcome the
 * user has not been told yet. It holds ids only: the exchange's text stays in its episode memory.
 */
export const conversationMigrations: Migration[] = [
  {
    version: 600,
    name: "learning_queue",
    up: `
      CREATE TABLE IF NOT EXISTS learning_queue (
        episode_id INTEGER PRIMARY KEY,
        exchange_id TEXT NOT NULL,
        answered_by TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        claimed_by INTEGER,
        claimed_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        learned_ids TEXT NOT NULL DEFAULT '[]',
        error TEXT
      ) STRICT;
      CREATE INDEX IF NOT EXISTS learning_queue_state ON learning_queue(state);
    `,
  },
  {
    // Chat conversations, by id (see conversations.ts): ids only, the texts stay in the episode memories.
    version: 601,
    name: "chat_conversations",
    up: `
      CREATE TABLE IF NOT EXISTS chat_conversations (
        id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS chat_conversations_updated ON chat_conversations(updated_at);
      CREATE TABLE IF NOT EXISTS chat_exchanges (
        conversation_id TEXT NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        episode_id INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      ) STRICT;
    `,
  },
];
