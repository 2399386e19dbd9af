import type { Migration } from "../kernel/storage/migrations.ts";
import { threadMigrations } from "./threads.ts";
import { floatsOf, signBits } from "./bits.ts";
import { syncMigrations } from "./sync/schema.ts";

/**
 * Migrations of this concern: versions 100-199 (see src/app/migrations.ts).
 *
 * memory_items holds every item; `active_at` = max(created_at, last_used_at) drives the tiers. Since 101 the
 * tier lives in memory_tiers (narrow rows: active_at, pinned, current), and since 102 only whether the item is
 * hot is stored there (warm vs cold is derived from active_at at read time), indexed on (hot, active_at), so
 * re-tiering rewrites only the few rows of the hot set. memory_fts is an external-content FTS5
 * index over memory_items (porter stemming; the text is stored once) with FTS5 secure-delete, so forgetting
 * an item removes its terms from the index pages themselves, not only a delete marker. The store keeps the
 * index in sync in the same transactions. Dates and times are ISO 8601 text in UTC.
 */
export const memoryMigrations: Migration[] = [
  {
    version: 100,
    name: "memory",
    up: (db) => {
      db.exec(`
        CREATE TABLE memory_items (
          id INTEGER PRIMARY KEY,
          content TEXT NOT NULL,
          kind TEXT NOT NULL DEFAULT 'note' CHECK (kind IN ('fact','preference','event','episode','note','action')),
          tier TEXT NOT NULL DEFAULT 'warm' CHECK (tier IN ('hot','warm','cold')),
          created_at TEXT NOT NULL,
          recorded_at TEXT NOT NULL,
          last_used_at TEXT,
          active_at TEXT NOT NULL,
          use_count INTEGER NOT NULL DEFAULT 0,
          seen_count INTEGER NOT NULL DEFAULT 1,
          importance REAL NOT NULL DEFAULT 0.5,
          pinned INTEGER NOT NULL DEFAULT 0,
          visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private','shareable')),
          source TEXT,
          derived_from TEXT,
          supersedes INTEGER,
          superseded_by INTEGER,
          redacted INTEGER NOT NULL DEFAULT 0,
          meta TEXT,
          hash INTEGER NOT NULL,
          -- Words for the date it happened ("8 may 2023 monday"), indexed beside the content; computed, not stored.
          context TEXT GENERATED ALWAYS AS (
            CAST(strftime('%d', created_at) AS INTEGER) || ' ' ||
            CASE strftime('%m', created_at) WHEN '01' THEN 'january' WHEN '02' THEN 'february' WHEN '03' THEN 'march' WHEN '04' THEN 'april' WHEN '05' THEN 'may' WHEN '06' THEN 'june' WHEN '07' THEN 'july' WHEN '08' THEN 'august' WHEN '09' THEN 'september' WHEN '10' THEN 'october' WHEN '11' THEN 'november' WHEN '12' THEN 'december' ELSE '' END || ' ' ||
            strftime('%Y', created_at) || ' ' ||
            CASE strftime('%w', created_at) WHEN '0' THEN 'sunday' WHEN '1' THEN 'monday' WHEN '2' THEN 'tuesday' WHEN '3' THEN 'wednesday' WHEN '4' THEN 'thursday' WHEN '5' THEN 'friday' WHEN '6' THEN 'saturday' ELSE '' END
          ) VIRTUAL
        ) STRICT;
        CREATE INDEX memory_items_hash ON memory_items (hash);
        CREATE INDEX memory_items_tier_active ON memory_items (tier, active_at);
        CREATE INDEX memory_items_created ON memory_items (created_at);
        CREATE INDEX memory_items_pinned ON memory_items (pinned) WHERE pinned = 1;
        CREATE INDEX memory_items_supersedes ON memory_items (supersedes) WHERE supersedes IS NOT NULL;

        CREATE VIRTUAL TABLE memory_fts USING fts5(
          content, context,
          content = 'memory_items', content_rowid = 'id',
          tokenize = 'porter unicode61 remove_diacritics 2'
        );
        INSERT INTO memory_fts (memory_fts, rank) VALUES ('secure-delete', 1);

        -- Which items an item was derived from (derived_from, kept as rows so "what came from it" is indexed).
        CREATE TABLE memory_links (
          item_id INTEGER NOT NULL REFERENCES memory_items(id) ON DELETE CASCADE,
          from_id INTEGER NOT NULL,
          PRIMARY KEY (item_id, from_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX memory_links_from ON memory_links (from_id);

        CREATE TABLE memory_embeddings (
          item_id INTEGER PRIMARY KEY REFERENCES memory_items(id) ON DELETE CASCADE,
          model TEXT NOT NULL,
          dim INTEGER NOT NULL,
          vector BLOB NOT NULL
        ) STRICT;

        -- Tier history: one row per move, written by a trigger so every path (touch, pin, maintain) records it.
        CREATE TABLE memory_tier_events (
          item_id INTEGER NOT NULL REFERENCES memory_items(id) ON DELETE CASCADE,
          at TEXT NOT NULL,
          from_tier TEXT NOT NULL,
          to_tier TEXT NOT NULL
        ) STRICT;
        CREATE INDEX memory_tier_events_item ON memory_tier_events (item_id);
        CREATE TRIGGER memory_tier_move AFTER UPDATE OF tier ON memory_items
        WHEN old.tier <> new.tier
        BEGIN
          INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier)
          VALUES (new.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), old.tier, new.tier);
        END;
      `);
    },
  },
  {
    // Tiers in a narrow table of their own: moving many items (a changed window, a year passing) rewrites
    // rows of a few dozen bytes instead of whole items, and tier history is written set-based by the store
    // (one INSERT…SELECT per kind of move) instead of by a row trigger. `active_at` and `pinned` are copied
    // here (the store writes both in the same statements' transaction); `current` = not superseded.
    version: 101,
    name: "memory tiers table",
    up: (db) => {
      db.exec(`
        CREATE TABLE memory_tiers (
          item_id INTEGER PRIMARY KEY,
          tier TEXT NOT NULL CHECK (tier IN ('hot','warm','cold')),
          active_at TEXT NOT NULL,
          pinned INTEGER NOT NULL DEFAULT 0,
          current INTEGER NOT NULL DEFAULT 1
        ) STRICT;
        INSERT INTO memory_tiers (item_id, tier, active_at, pinned, current)
          SELECT id, tier, active_at, pinned, superseded_by IS NULL FROM memory_items ORDER BY id;
        CREATE INDEX memory_tiers_tier_active ON memory_tiers (tier, active_at);
        CREATE INDEX memory_tiers_pinned ON memory_tiers (item_id) WHERE pinned = 1;
        DROP TRIGGER memory_tier_move;
        DROP INDEX memory_items_tier_active;
        ALTER TABLE memory_items DROP COLUMN tier;
      `);
    },
  },
  {
    // Warm vs cold derived from time instead of stored: an item that is not hot is warm while its active_at is
    // within memory.warmWindowDays, else cold, computed wherever a tier is read. So time passing or a changed
    // window moves nothing on disk (with the tier stored, a window change rewrote every row, its index entry
    // and a history row: seconds at a million items). Only `hot` is stored: the hot set is capped by count,
    // which depends on the other items. The (hot, active_at) index serves the hot set and both sides of the
    // warm cut. Tier history is kept as it is; moves from warm to cold are no longer stored but derived.
    version: 102,
    name: "memory hot flag, warm and cold derived",
    up: (db) => {
      db.exec(`
        CREATE TABLE memory_tiers_hot (
          item_id INTEGER PRIMARY KEY,
          hot INTEGER NOT NULL DEFAULT 0 CHECK (hot IN (0, 1)),
          active_at TEXT NOT NULL,
          pinned INTEGER NOT NULL DEFAULT 0,
          current INTEGER NOT NULL DEFAULT 1
        ) STRICT;
        INSERT INTO memory_tiers_hot (item_id, hot, active_at, pinned, current)
          SELECT item_id, tier = 'hot', active_at, pinned, current FROM memory_tiers ORDER BY item_id;
        DROP TABLE memory_tiers;
        ALTER TABLE memory_tiers_hot RENAME TO memory_tiers;
        CREATE INDEX memory_tiers_hot_active ON memory_tiers (hot, active_at);
        CREATE INDEX memory_tiers_pinned ON memory_tiers (item_id) WHERE pinned = 1;
      `);
    },
  },
  {
    // `pai memory stats` counts by kind and counts redacted items: without these it read every row (0.8 s at a
    // million items); with them, two small index scans.
    version: 103,
    name: "memory indexes for counts by kind and of redacted items",
    up: (db) => {
      db.exec(`
        CREATE INDEX memory_items_kind ON memory_items (kind);
        CREATE INDEX memory_items_redacted ON memory_items (id) WHERE redacted = 1;
      `);
    },
  },
  {
    // The item's kind beside its tier: bookkeeping (`action`) is never hot unless pinned and exchanges leave
    // a full hot set first (src/memory/tiers.ts). With the kind here, finding what may join the hot set is one
    // seek of a partial index, however many actions a busy job stored within the hot window, instead of a
    // look at every one of them. A trigger keeps it equal to the item's kind, whatever changes that.
    version: 104,
    name: "memory kind beside the tier",
    up: (db) => {
      db.exec(`
        ALTER TABLE memory_tiers ADD COLUMN kind TEXT NOT NULL DEFAULT 'note';
        UPDATE memory_tiers SET kind = m.kind FROM memory_items m WHERE m.id = memory_tiers.item_id AND m.kind <> 'note';
        CREATE INDEX memory_tiers_promotable ON memory_tiers (active_at) WHERE hot = 0 AND pinned = 0 AND current = 1 AND kind <> 'action';
        CREATE TRIGGER memory_items_kind_to_tier AFTER UPDATE OF kind ON memory_items WHEN old.kind <> new.kind
        BEGIN
          UPDATE memory_tiers SET kind = new.kind WHERE item_id = new.id;
        END;
      `);
    },
  },
  {
    // Vector search's coarse pass: each embedding's sign bits (1 bit per dimension, 96 bytes for 768), in a
    // narrow table of their own so the nearest-neighbour scan reads ~130 bytes per item instead of the float
    // vector's pages. The float vectors in memory_embeddings stay the source of truth (the re-rank reads
    // them); this table is derived from them and written with them (src/memory/vectors.ts). A plain table, not
    // a sqlite-vec virtual table: a database never needs the extension to be opened, checked, backed up or
    // forgotten from. `current` mirrors "not superseded" (a trigger), so the counts of the embed backlog are
    // index counts; deleting a float vector deletes its bits (a trigger), deleting an item both (cascade).
    // `seq` grows with every write (a replaced vector gets a new one), so a process that keeps the bits in
    // memory reads only what was written since it last looked.
    version: 105,
    name: "memory embedding sign bits",
    up: (db) => {
      db.exec(`
        CREATE TABLE memory_embedding_bits (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          item_id INTEGER NOT NULL UNIQUE REFERENCES memory_items(id) ON DELETE CASCADE,
          model TEXT NOT NULL,
          dim INTEGER NOT NULL,
          current INTEGER NOT NULL DEFAULT 1,
          bits BLOB NOT NULL
        ) STRICT;
        CREATE INDEX memory_embedding_bits_model ON memory_embedding_bits (model, current);
        CREATE TRIGGER memory_embedding_bits_current AFTER UPDATE OF superseded_by ON memory_items
        BEGIN
          UPDATE memory_embedding_bits SET current = (new.superseded_by IS NULL) WHERE item_id = new.id;
        END;
        CREATE TRIGGER memory_embedding_bits_gone AFTER DELETE ON memory_embeddings
        BEGIN
          DELETE FROM memory_embedding_bits WHERE item_id = old.item_id;
        END;
      `);
      const add = db.prepare("INSERT INTO memory_embedding_bits (item_id, model, dim, current, bits) VALUES (?, ?, ?, ?, ?)");
      // In pages of a thousand (a connection may not write while it iterates, and all at once could be gigabytes).
      const page = db.prepare<{ item_id: number; model: string; vector: Uint8Array; current: number }>(
        `SELECT e.item_id, e.model, e.vector, m.superseded_by IS NULL AS current FROM memory_embeddings e JOIN memory_items m ON m.id = e.item_id
         WHERE e.item_id > ? ORDER BY e.item_id LIMIT 1000`,
      );
      for (let rows = page.all(0); rows.length; rows = page.all(rows[rows.length - 1]!.item_id)) {
        for (const r of rows) {
          const v = floatsOf(r.vector);
          add.run(r.item_id, r.model, v.length, r.current, signBits(v));
        }
      }
    },
  },
  ...threadMigrations,
  {
    // Counts kept exact, so `pai memory stats` reads a few dozen rows whatever the store's size (counting a
    // million index entries costs tens of milliseconds). memory_counts holds the items by kind ('kind:fact'…),
    // pinned and redacted items (memory_items), tier rows, superseded and hot ones (memory_tiers), and the sign
    // bits by model and current state ('emb:MODEL:1'…). Warm vs cold depends on the clock, so it cannot be a
    // count: memory_active_days holds the tier rows that are not hot by the day of their active_at (its first
    // ten characters), and the warm count sums the days after the warm cut plus an index count within the
    // cut's own day (stats.ts). Updates and deletes are counted by triggers, whatever path makes them. An item's
    // insert is counted by the statement that follows it in write.ts (countInserted), not by a trigger: any
    // trigger on inserts into memory_items or memory_tiers makes SQLite keep a statement journal for each of
    // them (foreign keys are on), which more than doubled the time of an import. An upsert of
    // memory_embedding_bits (INSERT OR REPLACE) deletes the row it replaces without a delete trigger (recursive
    // triggers are off), so a trigger before that insert takes the replaced row off its count first.
    version: 107,
    name: "memory counts for stats",
    up: (db) => {
      // No statement in these triggers can fail (plain tables without constraints on n, rows created before
      // they are counted, OR IGNORE), so none of them adds a way for the statement that fires it to abort.
      const add = (table: string, col: string, key: string, d: number, when = "true") =>
        `UPDATE OR IGNORE ${table} SET n = n + ${d} WHERE ${col} = ${key} AND ${when};`;
      const ensure = (table: string, col: string, key: string, when = "true") => `INSERT OR IGNORE INTO ${table} (${col}, n) SELECT ${key}, 0 WHERE ${when};`;
      const counts = (keys: string, d: number) => `UPDATE OR IGNORE memory_counts SET n = n + ${d} WHERE key IN (${keys});`;
      const itemKeys = (r: string) => `'kind:' || ${r}.kind, CASE WHEN ${r}.pinned = 1 THEN 'pinned' END, CASE WHEN ${r}.redacted = 1 THEN 'redacted' END`;
      const tierKeys = (r: string) => `CASE WHEN ${r}.current = 0 THEN 'superseded' END, CASE WHEN ${r}.hot = 1 THEN 'hot' END`;
      const day = (r: string) => `substr(${r}.active_at, 1, 10)`;
      const dayPlus = (r: string) => `${ensure("memory_active_days", "day", day(r), `${r}.hot = 0`)} ${add("memory_active_days", "day", day(r), 1, `${r}.hot = 0`)}`;
      const dayMinus = (r: string) => add("memory_active_days", "day", day(r), -1, `${r}.hot = 0`);
      const emb = (r: string) => `'emb:' || ${r}.model || ':' || ${r}.current`;
      const embPlus = (r: string) => `${ensure("memory_counts", "key", emb(r))} ${add("memory_counts", "key", emb(r), 1)}`;
      const kindPlus = (r: string) => `${ensure("memory_counts", "key", `'kind:' || ${r}.kind`)} ${counts(itemKeys(r), 1)}`;
      db.exec(`
        CREATE TABLE memory_counts (key TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
        CREATE TABLE memory_active_days (day TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
        INSERT INTO memory_counts (key, n) VALUES ('tiers', 0), ('superseded', 0), ('hot', 0), ('pinned', 0), ('redacted', 0),
          ('kind:fact', 0), ('kind:preference', 0), ('kind:event', 0), ('kind:episode', 0), ('kind:note', 0), ('kind:action', 0);
        INSERT INTO memory_counts (key, n) SELECT 'kind:' || kind, count(*) FROM memory_items GROUP BY kind
          ON CONFLICT (key) DO UPDATE SET n = excluded.n;
        UPDATE memory_counts SET n = (SELECT count(*) FROM memory_items WHERE pinned = 1) WHERE key = 'pinned';
        UPDATE memory_counts SET n = (SELECT count(*) FROM memory_items WHERE redacted = 1) WHERE key = 'redacted';
        UPDATE memory_counts SET n = (SELECT count(*) FROM memory_tiers) WHERE key = 'tiers';
        UPDATE memory_counts SET n = (SELECT count(*) FROM memory_tiers WHERE current = 0) WHERE key = 'superseded';
        UPDATE memory_counts SET n = (SELECT count(*) FROM memory_tiers WHERE hot = 1) WHERE key = 'hot';
        INSERT INTO memory_counts (key, n) SELECT 'emb:' || model || ':' || current, count(*) FROM memory_embedding_bits GROUP BY model, current;
        INSERT INTO memory_active_days (day, n) SELECT substr(active_at, 1, 10), count(*) FROM memory_tiers WHERE hot = 0 GROUP BY 1;

        CREATE TRIGGER memory_counts_item_out AFTER DELETE ON memory_items BEGIN
          ${counts(itemKeys("old"), -1)}
        END;
        CREATE TRIGGER memory_counts_item_change AFTER UPDATE OF kind, pinned, redacted ON memory_items
        WHEN old.kind IS NOT new.kind OR old.pinned IS NOT new.pinned OR old.redacted IS NOT new.redacted BEGIN
          ${counts(itemKeys("old"), -1)}
          ${kindPlus("new")}
        END;

        CREATE TRIGGER memory_counts_tier_out AFTER DELETE ON memory_tiers BEGIN
          ${counts(`'tiers', ${tierKeys("old")}`, -1)}
          ${dayMinus("old")}
        END;
        CREATE TRIGGER memory_counts_tier_change AFTER UPDATE OF hot, current, active_at ON memory_tiers
        WHEN old.hot IS NOT new.hot OR old.current IS NOT new.current OR ${day("old")} IS NOT ${day("new")} BEGIN
          ${counts(tierKeys("old"), -1)}
          ${counts(tierKeys("new"), 1)}
          ${dayMinus("old")}
          ${dayPlus("new")}
        END;

        CREATE TRIGGER memory_counts_bits_replaced BEFORE INSERT ON memory_embedding_bits BEGIN
          UPDATE OR IGNORE memory_counts SET n = n - 1 WHERE key = (SELECT ${emb("b")} FROM memory_embedding_bits b WHERE b.item_id = new.item_id);
        END;
        CREATE TRIGGER memory_counts_bits_in AFTER INSERT ON memory_embedding_bits BEGIN
          ${embPlus("new")}
        END;
        CREATE TRIGGER memory_counts_bits_out AFTER DELETE ON memory_embedding_bits BEGIN
          ${add("memory_counts", "key", emb("old"), -1)}
        END;
        CREATE TRIGGER memory_counts_bits_change AFTER UPDATE OF model, current ON memory_embedding_bits
        WHEN old.model IS NOT new.model OR old.current IS NOT new.current BEGIN
          ${add("memory_counts", "key", emb("old"), -1)}
          ${embPlus("new")}
        END;
      `);
    },
  },
  ...syncMigrations,
  {
    // The date words (`context`) become a column of declared type ANY. SQLite's integrity check verifies the
    // type of every column of a STRICT table, and for a VIRTUAL column it computes the value to do so: four
    // strftime calls per item, most of `pai doctor`'s quick check of memory_items (at a million items about
    // 0.8 of 1.3 s). ANY is not checked; the value is the same text. Only the schema changes (a virtual column
    // is not stored), so the view over it is dropped and made again around the swap.
    version: 109,
    name: "memory date words without a type check",
    up: (db) => {
      const row = db.prepare<{ sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'memory_items'").get();
      const m = row && /\bcontext\s+TEXT\s+GENERATED\s+ALWAYS\s+AS\s*(\([\s\S]*\))\s*VIRTUAL/i.exec(row.sql);
      if (!m) return;
      const view = db.prepare<{ sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = 'memory_fts_source'").get();
      if (view) db.exec("DROP VIEW memory_fts_source");
      db.exec("ALTER TABLE memory_items DROP COLUMN context");
      db.exec(`ALTER TABLE memory_items ADD COLUMN context ANY GENERATED ALWAYS AS ${m[1]} VIRTUAL`);
      if (view) db.exec(view.sql);
    },
  },
];
