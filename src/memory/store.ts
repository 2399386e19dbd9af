/**
 * The memory store: items in SQLite with automatic hot/warm/cold tiers, secret redaction, duplicate merging,
 * hybrid search (FTS5 BM25 fused with recency, tier, importance, use and optional embeddings), provenance
 * (source, derived_from, supersedes) and hard deletion.
 *
 * Tiers: an item's `active_at` is the later of when it happened and when it was last used. Hot = pinned, or
 * active within memory.hotWindowDays, at most memory.hotCap of them (most recent first; pinned always hot).
 * Warm = active within memory.warmWindowDays. Cold = older.
 *
 * Only "hot or not" is stored (memory_tiers.hot): hot is capped by count, so it depends on the other items
 * and must be decided and kept. Warm vs cold depends on nothing but the item's own `active_at` and the
 * clock, so it is computed wherever a tier is read (loaded, filtered, counted, ranked or selected): time
 * passing or a changed memory.warmWindowDays moves nothing on disk. Every store operation that writes
 * re-checks the hot set (a bounded number of items, through indexed queries); maintain() re-checks all of
 * it. tiers.ts says how the tier history stays complete without stored warm→cold moves.
 *
 * This file opens a store and holds reading, editing and history; the other parts each have a file:
 * write.ts (inserting and merging), tiers.ts, search.ts (with neighbours.ts and vectors.ts), stats.ts,
 * consolidate.ts, forget.ts (deleting), rows.ts (what they share) and types.ts (the shapes).
 */
import type { Config } from "../config/schema.ts";
import { UserError } from "../kernel/errors.ts";
import { redactSecrets } from "../kernel/redact.ts";
import type { Database } from "../kernel/storage/index.ts";
import { consolidate } from "./consolidate.ts";
import { toIso } from "./dates.ts";
import { deleteItems } from "./forget.ts";
import { COLS, M_COLS, mustGet, openCtx, rowTier, toItem, type Row } from "./rows.ts";
import { filters, search } from "./search.ts";
import { stats } from "./stats.ts";
import { contentHash } from "./text.ts";
import { derivedColdAt, logMove, maintain, mayBeHot, NEVER_HOT_SQL, retier, setTier } from "./tiers.ts";
import type { BatchOptions, MemoryItem, MemoryStore, OpenMemoryOptions, Prepared, RememberManyResult, MemoryTier } from "./types.ts";
import { embeddingBacklog, embeddingCounts, setEmbedding, setEmbeddings, vectorStatus } from "./vectors.ts";
import { dropIndexes, insertOne, insertPrepared, knownHashes, newBatch, storeEmpty, writeHeld } from "./write.ts";
import { prepareInput } from "./prepare.ts";

/** The meta key of an item the user chose for agents files (`pai remember --for-agents`). */
export const FOR_AGENTS = "forAgents";

/** Opens the memory store on an open (migrated) database. */
export function openMemory(db: Database, config: Config, opts: OpenMemoryOptions = {}): MemoryStore {
  const ctx = openCtx(db, config, opts.now ?? (() => new Date()));
  const { q, mem } = ctx;

  /** Inserts items in one transaction (see rememberMany), each made ready by `prepare` as its turn comes. */
  function many<T>(items: readonly T[], prepare: (item: T) => Prepared, opts: BatchOptions): RememberManyResult {
    let out: RememberManyResult | undefined;
    db.transaction(() => {
      const w = writer(opts);
      for (const item of items) w.add(prepare(item));
      out = w.done();
    });
    retierAfter(items.length);
    return out!;
  }

  /** After a batch of `n` is committed: re-tier as much as it could have made stale (recent items can overflow the hot cap). */
  function retierAfter(n: number): void {
    retier(ctx, Math.max(1000, n));
  }

  /** Inserts items one by one inside the caller's transaction; done() writes what the batch held back. */
  function writer(opts: BatchOptions) {
    const c = ctx.cuts();
    const out: RememberManyResult = { added: 0, merged: 0, redacted: 0, ids: [] };
    const batch = newBatch();
    batch.known = opts.known && knownHashes(db, opts.known);
    if (opts.bulk && storeEmpty(db)) dropIndexes(ctx, batch);
    const dedup = opts.dedup === false ? "none" : "exact";
    return {
      add(item: Prepared) {
        const r = insertPrepared(ctx, item, c, dedup, batch);
        out.ids.push(r.id);
        if (r.merged) out.merged++;
        else out.added++;
        if (r.redacted) out.redacted++;
      },
      done(): RememberManyResult {
        writeHeld(ctx, batch);
        return out;
      },
    };
  }

  const store: MemoryStore = {
    db,

    remember(input) {
      const c = ctx.cuts();
      const r = db.transaction(() => insertOne(ctx, input, c, "near"));
      retier(ctx);
      return { item: mustGet(ctx, r.id), merged: r.merged, redacted: r.redacted };
    },

    rememberMany: (inputs, opts = {}) => many(inputs, prepareInput, opts),
    rememberPrepared: (items, opts = {}) => many(items, (p) => p, opts),

    openBatch(opts = {}) {
      db.exec("BEGIN IMMEDIATE");
      let open = true;
      const rollback = () => {
        if (!open) return;
        open = false;
        // SQLite may have rolled the transaction back itself (a full disk, an interrupt): nothing is left to undo,
        // and the error that did it is the one to report.
        try {
          db.exec("ROLLBACK");
        } catch {}
      };
      try {
        const w = writer(opts);
        return {
          add(item) {
            if (!open) throw new Error("the batch is closed");
            w.add(item);
          },
          end() {
            if (!open) throw new Error("the batch is closed");
            try {
              const out = w.done();
              db.exec("COMMIT");
              open = false;
              retierAfter(out.ids.length);
              return out;
            } catch (err) {
              rollback();
              throw err;
            }
          },
          abort: rollback,
        };
      } catch (err) {
        rollback();
        throw err;
      }
    },

    search: (query, opts) => search(ctx, query, opts),

    get(id) {
      const r = q.get.get(id);
      return r ? toItem(r, ctx.cuts().warm) : undefined;
    },

    list(opts = {}) {
      const w = ctx.cuts().warm;
      const f = filters(opts, w);
      const limit = Math.max(1, Math.min(opts.limit ?? 50, 1_000_000));
      const order = opts.order === "oldest" ? "m.created_at ASC, m.id ASC" : "m.created_at DESC, m.id DESC";
      return db
        .prepare<Row>(`SELECT ${M_COLS} FROM memory_items m WHERE 1 = 1${f.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .all(...f.params, limit, Math.max(0, opts.offset ?? 0))
        .map((r) => toItem(r, w));
    },

    count(opts = {}) {
      const f = filters(opts, ctx.cuts().warm);
      return db.prepare<{ n: number }>(`SELECT count(*) AS n FROM memory_items m WHERE 1 = 1${f.sql}`).get(...f.params)!.n;
    },

    *iterate(opts = {}) {
      const where = opts.includeSuperseded === false ? "WHERE superseded_by IS NULL" : "";
      const w = ctx.cuts().warm;
      for (const r of db.prepare<Row>(`SELECT ${COLS} FROM memory_items ${where} ORDER BY id`).iterate()) yield toItem(r, w);
    },

    hot(opts = {}) {
      // Read only (context, status): the hot set as writers keep it, less what has aged out of the hot window,
      // been replaced or is bookkeeping since the last write re-checked it, plus the pinned. The cap's
      // promotions are left to the next write (every store write re-tiers) or 'pai memory maintain'.
      const c = ctx.cuts();
      const pinnedCount = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items WHERE pinned = 1").get()!.n;
      const limit = Math.max(1, opts.limit ?? Math.max(mem.hotCap, pinnedCount));
      const vis = opts.audience === "cloud" ? " AND visibility = 'shareable'" : "";
      return db
        .prepare<Row>(
          `SELECT ${COLS} FROM memory_items WHERE id IN (
             SELECT item_id FROM memory_tiers WHERE hot = 1 AND current = 1 AND active_at >= ? AND kind <> ${NEVER_HOT_SQL}
             UNION SELECT item_id FROM memory_tiers WHERE pinned = 1)${vis}
           ORDER BY pinned DESC, active_at DESC, id DESC LIMIT ?`,
        )
        .all(c.hot, limit)
        .map((r) => ({ ...toItem(r, c.warm), tier: "hot" as const }));
    },

    between(from, to, opts = {}) {
      const lo = toIso(from, "start date");
      const hi = toIso(to, "end date");
      const limit = Math.max(1, Math.min(opts.limit ?? 20, 1000));
      const vis = opts.audience === "cloud" ? " AND visibility = 'shareable'" : "";
      // Two walks down the date index (newest first), so a busy window costs no sort of the whole window.
      const walk = (kinds: string) =>
        db
          .prepare<Row>(
            `SELECT ${COLS} FROM memory_items INDEXED BY memory_items_created
             WHERE created_at >= ? AND created_at < ? AND superseded_by IS NULL AND kind ${kinds}${vis}
             ORDER BY created_at DESC, id DESC LIMIT ?`,
          )
          .all(lo, hi, limit);
      const first = walk("IN ('action', 'event')");
      const rest = first.length < limit ? walk("NOT IN ('action', 'event')").slice(0, limit - first.length) : [];
      const w = ctx.cuts().warm;
      return [...first, ...rest].map((r) => toItem(r, w));
    },

    touch(ids) {
      const list = [...new Set(ids.filter((n) => Number.isInteger(n)))];
      if (!list.length) return;
      const c = ctx.cuts();
      // The whole list at once: the tier rows as they were, the items, the tier rows, then the history of
      // those whose tier changed. A used item is active now: hot if current (the cap may then demote the least
      // recent), else warm (replaced items are never hot, nor is bookkeeping unless pinned: see tiers.ts).
      const json = JSON.stringify(list);
      db.transaction(() => {
        const before = q.states.all(json);
        const kinds = new Map(db.prepare<{ id: number; kind: string }>("SELECT id, kind FROM memory_items WHERE id IN (SELECT value FROM json_each(?))").all(json).map((r) => [r.id, r.kind]));
        db.prepare(
          "UPDATE memory_items SET last_used_at = ?, active_at = ?, use_count = use_count + 1 WHERE id IN (SELECT value FROM json_each(?))",
        ).run(c.now, c.now, json);
        db.prepare(
          `UPDATE memory_tiers SET hot = ((m.superseded_by IS NULL AND m.kind NOT IN (${NEVER_HOT_SQL})) OR m.pinned = 1), active_at = m.active_at, pinned = m.pinned, current = (m.superseded_by IS NULL)
           FROM memory_items m WHERE m.id = memory_tiers.item_id AND memory_tiers.item_id IN (SELECT value FROM json_each(?))`,
        ).run(json);
        for (const s of before) {
          const hot = (s.cur === 1 && mayBeHot(kinds.get(s.item_id) ?? "", false)) || s.pinned === 1;
          logMove(ctx, s, rowTier(s, c.warm), hot ? "hot" : "warm", c);
        }
      });
      retier(ctx);
    },

    edit(id, content, changes = {}) {
      const old = mustGet(ctx, id);
      if (old.supersededBy !== null) {
        throw new UserError(`memory item ${id} was already replaced by ${old.supersededBy}`, { hint: `edit ${old.supersededBy} instead` });
      }
      // A correction keeps what the user did not change: the date, kind, visibility, pin, source and mark.
      const text = content ?? old.content;
      const createdAt = changes.createdAt !== undefined ? toIso(changes.createdAt, "date") : old.createdAt;
      const kind = changes.kind ?? old.kind;
      const visibility = changes.visibility ?? old.visibility;
      const sameText = contentHash(redactSecrets(text.trim()).text) === contentHash(old.content);
      if (sameText && createdAt === old.createdAt && kind === old.kind && visibility === old.visibility) {
        throw new UserError(
          content === undefined ? `nothing to change in item ${id}` : `the new text of item ${id} is the same as the old`,
          { hint: content === undefined ? "give the corrected text, --date, --kind, --private or --shareable" : "nothing was changed" },
        );
      }
      const c = ctx.cuts();
      const r = db.transaction(() =>
        insertOne(
          ctx,
          {
            content: text,
            kind,
            pinned: old.pinned,
            visibility,
            source: old.source,
            importance: old.importance,
            createdAt,
            supersedes: id,
            meta: { editOf: id, ...(old.meta[FOR_AGENTS] === true ? { [FOR_AGENTS]: true } : {}) },
          },
          c,
          "none",
        ),
      );
      retier(ctx);
      return mustGet(ctx, r.id);
    },

    setForAgents(ids, on) {
      for (const id of ids) {
        const item = mustGet(ctx, id);
        if (on && item.supersededBy !== null) {
          throw new UserError(`memory item ${id} was replaced by ${item.supersededBy}`, { hint: `mark ${item.supersededBy} instead` });
        }
      }
      db.transaction(() => {
        for (const id of ids) {
          const meta = { ...mustGet(ctx, id).meta };
          if (on) meta[FOR_AGENTS] = true;
          else delete meta[FOR_AGENTS];
          q.setMeta.run(Object.keys(meta).length ? JSON.stringify(meta) : null, id);
        }
      });
      return ids.map((id) => mustGet(ctx, id));
    },

    forAgents(opts = {}) {
      const w = ctx.cuts().warm;
      const vis = opts.audience === "cloud" ? " AND visibility = 'shareable'" : "";
      return db
        .prepare<Row>(
          `SELECT ${COLS} FROM memory_items
           WHERE superseded_by IS NULL AND (pinned = 1 OR json_extract(meta, '$.${FOR_AGENTS}') = 1)${vis}
           ORDER BY pinned DESC, created_at DESC, id DESC LIMIT ?`,
        )
        .all(Math.max(1, opts.limit ?? 1000))
        .map((r) => toItem(r, w));
    },

    pin(id, pinned) {
      const item = mustGet(ctx, id);
      if (pinned && item.supersededBy !== null) {
        throw new UserError(`memory item ${id} was replaced by ${item.supersededBy}`, { hint: `pin ${item.supersededBy} instead` });
      }
      const c = ctx.cuts();
      db.transaction(() => {
        db.prepare("UPDATE memory_items SET pinned = ? WHERE id = ?").run(pinned ? 1 : 0, id);
        const r = q.get.get(id)!;
        // Unpinned, it stays hot while within the hot window (the cap may then demote it).
        setTier(ctx, id, pinned || (r.hot === 1 && r.active_at >= c.hot && r.superseded_by === null), c);
      });
      retier(ctx);
      return mustGet(ctx, id);
    },

    setVisibility(ids, visibility) {
      for (const id of ids) mustGet(ctx, id);
      db.transaction(() => {
        const set = db.prepare("UPDATE memory_items SET visibility = ? WHERE id = ?");
        for (const id of ids) set.run(visibility, id);
      });
      return ids.map((id) => mustGet(ctx, id));
    },

    forget: (ids) => deleteItems(ctx, ids),
    stats: () => stats(ctx),
    maintain: (opts) => maintain(ctx, opts),

  history(id) {
    const c = ctx.cuts();
    const item = mustGet(ctx, id);
    const tiers = db
      .prepare<{ at: string; from_tier: MemoryTier; to_tier: MemoryTier }>("SELECT at, from_tier, to_tier FROM memory_tier_events WHERE item_id = ? ORDER BY rowid")
      .all(id)
      .map((r) => ({ at: r.at, from: r.from_tier, to: r.to_tier }));
    // The stored moves, then the move to cold that happened by itself since the last of them, if any: it
    // is derived, not stored (see derivedColdAt), and comes after every stored move by construction.
    const state = q.states.all(JSON.stringify([id]))[0];
    const coldAt = state ? derivedColdAt(ctx, state, c) : null;
    if (coldAt) tiers.push({ at: coldAt, from: "warm", to: "cold" });
    const older: MemoryItem[] = [];
    for (let cur = item.supersedes, guard = 0; cur !== null && guard < 1000; guard++) {
      const o = store.get(cur);
      if (!o) break;
      older.push(o);
      cur = o.supersedes;
    }
    const newer: MemoryItem[] = [];
    for (let cur = item.supersededBy, guard = 0; cur !== null && guard < 1000; guard++) {
      const n = store.get(cur);
      if (!n) break;
      newer.push(n);
      cur = n.supersededBy;
    }
    const derivedFrom = item.derivedFrom.map((d) => store.get(d)).filter((x): x is MemoryItem => !!x);
    const derived = db
      .prepare<Row>(`SELECT ${M_COLS} FROM memory_links l JOIN memory_items m ON m.id = l.item_id WHERE l.from_id = ? ORDER BY m.id`)
      .all(id)
      .map((r) => toItem(r, c.warm));
    return { item, tiers, supersedes: older, supersededBy: newer, derivedFrom, derived };
  },

    setEmbedding: (id, vector, model) => setEmbedding(ctx, id, vector, model),
    setEmbeddings: (rows) => setEmbeddings(ctx, rows),
    embeddingBacklog: (o) => embeddingBacklog(ctx, o),
    embeddingCounts: (model) => embeddingCounts(ctx, model),
    vectorStatus: () => vectorStatus(ctx),
    consolidate: (summarize, opts) => consolidate(ctx, summarize, opts),
    retier: (limit) => retier(ctx, limit),
  };
  return store;
}
