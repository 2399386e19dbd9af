/**
 * Sync's tables, in the memory concern's numbering (108): each item's global id (`gid`, a UUIDv7 beside the
 * local integer id, unique), and the bookkeeping of the operation log (src/memory/sync/index.ts says how it
 * works). The triggers that feed the outbox are created when this device joins a sync folder (`pai sync init`),
 * not here: a trigger on inserts into memory_items makes SQLite keep a statement journal per insert, which a
 * store that never syncs should not pay for.
 */
import type { Migration } from "../../kernel/storage/migrations.ts";

export const syncMigrations: Migration[] = [
  {
    version: 108,
    name: "memory global ids and sync log",
    up: (db) => {
      db.exec(`
        ALTER TABLE memory_items ADD COLUMN gid TEXT;
        -- Local changes not yet written to this device's operation file: what changed, never the text.
        CREATE TABLE sync_outbox (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, item_id INTEGER, gid TEXT, field TEXT, value ANY) STRICT;
        -- Operations applied (or written) here, so applying is idempotent.
        CREATE TABLE sync_seen (op_id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
        -- Forgotten global ids: an item forgotten anywhere never comes back.
        CREATE TABLE sync_tombstones (gid TEXT PRIMARY KEY, at TEXT NOT NULL) STRICT, WITHOUT ROWID;
        -- The last writer of each field changed after creation (last-writer-wins by clock, then device).
        CREATE TABLE sync_fields (gid TEXT NOT NULL, field TEXT NOT NULL, clock INTEGER NOT NULL, device TEXT NOT NULL, PRIMARY KEY (gid, field)) STRICT, WITHOUT ROWID;
        -- Each item's own key (deleted when the item is forgotten).
        CREATE TABLE sync_keys (gid TEXT PRIMARY KEY, key BLOB NOT NULL) STRICT, WITHOUT ROWID;
        -- How far each other device's operation files were read.
        CREATE TABLE sync_offsets (device TEXT NOT NULL, file TEXT NOT NULL, offset INTEGER NOT NULL, PRIMARY KEY (device, file)) STRICT, WITHOUT ROWID;
        CREATE TABLE sync_devices (device TEXT PRIMARY KEY, last_at TEXT, last_clock INTEGER NOT NULL DEFAULT 0, ops INTEGER NOT NULL DEFAULT 0) STRICT, WITHOUT ROWID;
        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
      `);
      // Existing items get a UUIDv7 made by SQLite in one statement (a million rows in seconds, not a loop of
      // statements): the time part is when the item happened, so global ids sort like the items.
      db.exec(`UPDATE memory_items SET gid = (
        SELECT substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(r, 1, 3) || '-' ||
          substr('89ab', 1 + (abs(random()) % 4), 1) || substr(r, 4, 3) || '-' || substr(r, 7, 12)
        FROM (SELECT printf('%012x', max(0, CAST((coalesce(julianday(created_at), julianday('now')) - 2440587.5) * 86400000.0 AS INTEGER))) AS t,
                     lower(hex(randomblob(10))) AS r))`);
      db.exec("CREATE UNIQUE INDEX memory_items_gid ON memory_items (gid)");
    },
  },
];

/** The triggers that record every memory change in the outbox (created by `pai sync init`, idempotent). */
export const OUTBOX_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS sync_item_in AFTER INSERT ON memory_items BEGIN
    INSERT INTO sync_outbox (type, item_id) VALUES ('create', new.id);
  END;
  -- A field's new value as it was set (read later, it could have changed again). The unpinning of the version an
  -- edit replaces is part of the edit, not a change of its own: every device makes it when it applies the edit.
  CREATE TRIGGER IF NOT EXISTS sync_item_set AFTER UPDATE OF pinned, visibility, kind ON memory_items BEGIN
    INSERT INTO sync_outbox (type, item_id, field, value) SELECT 'set', new.id, 'pinned', new.pinned
      WHERE old.pinned IS NOT new.pinned AND old.superseded_by IS new.superseded_by;
    INSERT INTO sync_outbox (type, item_id, field, value) SELECT 'set', new.id, 'visibility', new.visibility WHERE old.visibility IS NOT new.visibility;
    INSERT INTO sync_outbox (type, item_id, field, value) SELECT 'set', new.id, 'kind', new.kind WHERE old.kind IS NOT new.kind;
  END;
  CREATE TRIGGER IF NOT EXISTS sync_item_out AFTER DELETE ON memory_items WHEN old.gid IS NOT NULL BEGIN
    INSERT INTO sync_outbox (type, gid) VALUES ('forget', old.gid);
  END;
`;

export const DROP_OUTBOX_TRIGGERS = "DROP TRIGGER IF EXISTS sync_item_in; DROP TRIGGER IF EXISTS sync_item_set; DROP TRIGGER IF EXISTS sync_item_out;";
