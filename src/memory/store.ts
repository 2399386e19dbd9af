/**
 * The memory store: items in SQLite with automatic hot/warm/cold tiers, secret redaction, duplicate merging,
 * hybrid search (FTS5 BM25 fused with recency, tier, importance, use and optional embeddings), provenance
 * (source, derived_from, supersedes) and hard deletion.
 *
 * Tiers: an item's `active_at` is the later of when it happened and when it was last used. Hot = pinned, or
 * active within memory.hotWindowDays, at most memory.hotCap of them (most recent first; pinned always hot).
 * Warm = active within memory.warmWindowDays. Cold = older. Every store operation that writes re-tiers a
 * bounded number of items through indexed queries; maintain() re-tiers everything with set-based UPDATEs.
 */
import { statSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import { UserError } from "../errors.ts";
import type { Database, SqlValue } from "../storage/index.ts";
import { redactDeep, redactSecrets } from "./redact.ts";
import { bigrams, contentHash, dateWords, jaccard, matchExpression, queryPhrases, queryTerms } from "./text.ts";

export type MemoryKind = "fact" | "preference" | "event" | "episode" | "note" | "action";
export type Tier = "hot" | "warm" | "cold";
export type MemoryVisibility = "private" | "shareable";
export const MEMORY_KINDS: readonly MemoryKind[] = ["fact", "preference", "event", "episode", "note", "action"];
export const TIERS: readonly Tier[] = ["hot", "warm", "cold"];

export interface MemoryItem {
  id: number;
  content: string;
  kind: MemoryKind;
  tier: Tier;
  createdAt: string;
  recordedAt: string;
  lastUsedAt: string | null;
  useCount: number;
  importance: number;
  pinned: boolean;
  visibility: MemoryVisibility;
  source: string | null;
  derivedFrom: number[];
  supersedes: number | null;
  supersededBy: number | null;
  redacted: boolean;
  meta: Record<string, unknown>;
}

export interface RememberInput {
  content: string;
  kind?: MemoryKind;
  pinned?: boolean;
  visibility?: MemoryVisibility;
  source?: string | null;
  createdAt?: string | Date;
  derivedFrom?: number[];
  supersedes?: number;
  importance?: number;
  meta?: Record<string, unknown>;
  /** Already redacted upstream (an export being re-imported): keeps the flag. */
  redacted?: boolean;
}

export interface RememberResult {
  item: MemoryItem;
  merged: boolean;
  redacted: boolean;
}

export interface RememberManyResult {
  added: number;
  merged: number;
  redacted: number;
  ids: number[];
}

export interface SearchOptions {
  limit?: number;
  tier?: Tier;
  kind?: MemoryKind;
  since?: string;
  audience?: "local" | "cloud";
  includeSuperseded?: boolean;
  queryEmbedding?: number[];
  /** Require every query term (AND) instead of ranking items that have any of them (OR). */
  all?: boolean;
}

export type SearchHit = MemoryItem & { score: number };

export interface ListOptions {
  tier?: Tier;
  kind?: MemoryKind;
  limit?: number;
  offset?: number;
  audience?: "local" | "cloud";
  includeSuperseded?: boolean;
  pinned?: boolean;
  /** Newest first (default) or oldest first (export). */
  order?: "newest" | "oldest";
}

export interface MemoryStats {
  total: number;
  active: number;
  superseded: number;
  pinned: number;
  redacted: number;
  embeddings: number;
  byTier: Record<Tier, number>;
  byKind: Record<MemoryKind, number>;
  oldest: string | null;
  newest: string | null;
  dbBytes: number;
  walBytes: number;
}

export interface MaintainResult {
  moved: Record<string, number>;
  total: number;
  byTier: Record<Tier, number>;
  ms: number;
}

export interface MemoryHistory {
  item: MemoryItem;
  tiers: { at: string; from: Tier; to: Tier }[];
  /** Older versions this item replaced, newest first. */
  supersedes: MemoryItem[];
  /** Newer versions that replaced it, oldest first. */
  supersededBy: MemoryItem[];
  derivedFrom: MemoryItem[];
  derived: MemoryItem[];
}

export interface MemoryStore {
  readonly db: Database;
  remember(input: RememberInput): RememberResult;
  rememberMany(inputs: RememberInput[], opts?: { dedup?: boolean }): RememberManyResult;
  search(query: string, opts?: SearchOptions): SearchHit[];
  get(id: number): MemoryItem | undefined;
  list(opts?: ListOptions): MemoryItem[];
  /** Iterates every item in id order (export). */
  iterate(opts?: { includeSuperseded?: boolean }): IterableIterator<MemoryItem>;
  hot(opts?: { audience?: "local" | "cloud"; limit?: number }): MemoryItem[];
  /**
   * Current items that happened within [from, to): actions and events first, then the rest, newest first
   * within each (at most `limit`, default 20).
   */
  between(from: string | Date, to: string | Date, opts?: { audience?: "local" | "cloud"; limit?: number }): MemoryItem[];
  touch(ids: number[]): void;
  edit(id: number, content: string): MemoryItem;
  pin(id: number, pinned: boolean): MemoryItem;
  forget(ids: number[]): number;
  stats(): MemoryStats;
  maintain(opts?: { now?: Date }): MaintainResult;
  history(id: number): MemoryHistory;
  setEmbedding(id: number, vector: number[], model: string): void;
  consolidate(summarize: (items: MemoryItem[], period: { from: string; to: string }) => Promise<string>, opts?: { maxPeriods?: number; maxItemsPerSummary?: number }): Promise<number>;
  /** Re-tiers at most `limit` items per step through indexed queries (runs after every write). */
  retier(limit?: number): number;
}

interface Row {
  id: number;
  content: string;
  kind: string;
  tier: string;
  created_at: string;
  recorded_at: string;
  last_used_at: string | null;
  active_at: string;
  use_count: number;
  seen_count: number;
  importance: number;
  pinned: number;
  visibility: string;
  source: string | null;
  derived_from: string | null;
  supersedes: number | null;
  superseded_by: number | null;
  redacted: number;
  meta: string | null;
  hash: number;
}

const DAY_MS = 86_400_000;
/** Every stored column (not the computed `context`, which costs date arithmetic per row), and the tier. */
const STORED = "id, content, kind, created_at, recorded_at, last_used_at, active_at, use_count, seen_count, importance, pinned, visibility, source, derived_from, supersedes, superseded_by, redacted, meta, hash".split(", ");
const colsOf = (t: string) => `${STORED.map((c) => `${t}.${c}`).join(", ")}, (SELECT tr.tier FROM memory_tiers tr WHERE tr.item_id = ${t}.id) AS tier`;
const COLS = colsOf("memory_items");
const M_COLS = colsOf("m");
/** The tier of the item of a query's row (`alias`.id), for WHERE clauses. */
const tierOf = (alias: string) => `(SELECT tr.tier FROM memory_tiers tr WHERE tr.item_id = ${alias}.id)`;
/** The time a tier move is recorded at (real time, as the history shows it). */
const NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
/** BM25 column weights: the text, then the date words indexed beside it. */
const BM25_WEIGHTS = "1.0, 0.3";
/** Neighbour spreading (see spreadToNeighbours): how many top items share, how far, and how much. */
const NEIGHBOUR_SOURCES = 30;
const NEIGHBOUR_SPAN = 2;
const NEIGHBOUR_SHARE = 0.5;
/** Turns further apart than this belong to different exchanges. */
const EXCHANGE_GAP_MS = 6 * 3_600_000;
/** A full re-tier moving more than this many items, and this share of all, rebuilds the tier index (see retierWith). */
const MASS_MOVE_MIN = 1000;
const MASS_MOVE_SHARE = 0.2;
/** Most matches a search scores exactly (see ftsCandidates). */
const MATCH_BUDGET = 4000;

function toItem(r: Row): MemoryItem {
  return {
    id: r.id,
    content: r.content,
    kind: r.kind as MemoryKind,
    tier: r.tier as Tier,
    createdAt: r.created_at,
    recordedAt: r.recorded_at,
    lastUsedAt: r.last_used_at,
    useCount: r.use_count,
    importance: r.importance,
    pinned: r.pinned === 1,
    visibility: r.visibility as MemoryVisibility,
    source: r.source,
    derivedFrom: r.derived_from ? (JSON.parse(r.derived_from) as number[]) : [],
    supersedes: r.supersedes,
    supersededBy: r.superseded_by,
    redacted: r.redacted === 1,
    meta: r.meta ? (JSON.parse(r.meta) as Record<string, unknown>) : {},
  };
}

/** Parses a date given as ISO text or a Date into canonical ISO 8601 UTC, or throws a UserError. */
export function toIso(value: string | Date, what = "date"): string {
  const d = value instanceof Date ? value : new Date(value);
  const y = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || y < 1 || y > 9999) {
    throw new UserError(`invalid ${what} '${String(value)}'`, { hint: "use ISO 8601, e.g. 2024-03-15 or 2024-03-15T14:30:00Z" });
  }
  return d.toISOString();
}

function checkKind(kind: string): MemoryKind {
  if (!(MEMORY_KINDS as readonly string[]).includes(kind)) {
    throw new UserError(`unknown memory kind '${kind}'`, { hint: `use one of: ${MEMORY_KINDS.join(", ")}` });
  }
  return kind as MemoryKind;
}

function checkTier(tier: string): Tier {
  if (!(TIERS as readonly string[]).includes(tier)) throw new UserError(`unknown tier '${tier}'`, { hint: "use hot, warm or cold" });
  return tier as Tier;
}

export interface OpenMemoryOptions {
  /** The clock (tests and benchmarks move it). */
  now?: () => Date;
}

/** Opens the memory store on an open (migrated) database. */
export function openMemory(db: Database, config: Config, opts: OpenMemoryOptions = {}): MemoryStore {
  const mem = config.memory;
  // A larger page cache (allocated only as used) keeps the indexes' hot pages in memory for big stores.
  try {
    db.exec("PRAGMA cache_size = -65536");
  } catch {}
  const clock = opts.now ?? (() => new Date());
  const cuts = (now = clock()) => ({
    now: now.toISOString(),
    hot: new Date(now.getTime() - mem.hotWindowDays * DAY_MS).toISOString(),
    warm: new Date(now.getTime() - mem.warmWindowDays * DAY_MS).toISOString(),
  });

  const q = {
    insert: db.prepare(
      `INSERT INTO memory_items (content, kind, created_at, recorded_at, last_used_at, active_at, use_count, seen_count,
        importance, pinned, visibility, source, derived_from, supersedes, superseded_by, redacted, meta, hash)
       VALUES (?, ?, ?, ?, NULL, ?, 0, 1, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
    ),
    insertTier: db.prepare("INSERT INTO memory_tiers (item_id, tier, active_at, pinned, current) VALUES (?, ?, ?, ?, 1)"),
    // One item's move: the history row (only when the tier changes), then the tier row mirrors the item.
    logTier: db.prepare(
      `INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier)
       SELECT item_id, ${NOW_SQL}, tier, @to FROM memory_tiers WHERE item_id = @id AND tier <> @to`,
    ),
    syncTier: db.prepare(
      `UPDATE memory_tiers SET tier = @to, active_at = m.active_at, pinned = m.pinned, current = (m.superseded_by IS NULL)
       FROM (SELECT active_at, pinned, superseded_by FROM memory_items WHERE id = @id) AS m WHERE item_id = @id`,
    ),
    // The date words are computed here (dateWords) and equal the table's generated `context` column (tested),
    // so an index rebuild gives the same index. Insert and delete pass the same values: secure-delete then
    // removes every entry of a forgotten item.
    insertFts: db.prepare("INSERT INTO memory_fts (rowid, content, context) VALUES (?, ?, ?)"),
    deleteFts: db.prepare("INSERT INTO memory_fts (memory_fts, rowid, content, context) VALUES ('delete', ?, ?, ?)"),
    insertLink: db.prepare("INSERT OR IGNORE INTO memory_links (item_id, from_id) VALUES (?, ?)"),
    // No ORDER BY: it would tempt the planner into a scan in id order instead of the hash index.
    byHash: db.prepare<Row>(`SELECT ${COLS} FROM memory_items INDEXED BY memory_items_hash WHERE hash = ? AND superseded_by IS NULL LIMIT 1`),
    get: db.prepare<Row>(`SELECT ${COLS} FROM memory_items WHERE id = ?`),
    merge: db.prepare(
      `UPDATE memory_items SET seen_count = seen_count + 1, use_count = use_count + 1,
         last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @at THEN @at ELSE last_used_at END,
         active_at = CASE WHEN active_at < @at THEN @at ELSE active_at END,
         pinned = CASE WHEN @pin = 1 THEN 1 ELSE pinned END
       WHERE id = @id`,
    ),
    setMeta: db.prepare("UPDATE memory_items SET meta = ? WHERE id = ?"),
    supersede: db.prepare("UPDATE memory_items SET superseded_by = ?, pinned = 0 WHERE id = ?"),
  };

  /** Sets one item's tier (recording the move) and copies its active_at, pinned and superseded state. */
  function setTier(id: number, to: Tier): void {
    q.logTier.run({ id, to });
    q.syncTier.run({ id, to });
  }

  function tierFor(activeAt: string, pinned: boolean, c: ReturnType<typeof cuts>): Tier {
    if (pinned || activeAt >= c.hot) return "hot";
    return activeAt >= c.warm ? "warm" : "cold";
  }

  function mustGet(id: number): MemoryItem {
    const r = q.get.get(id);
    if (!r) throw new UserError(`no memory item ${id}`, { hint: "'pai memory list' or 'pai memory search' shows the ids" });
    return toItem(r);
  }

  /** Inserts one item (inside the caller's transaction). Returns the row id and whether it merged. */
  function insertOne(input: RememberInput, c: ReturnType<typeof cuts>, dedup: "exact" | "near" | "none"): { id: number; merged: boolean; redacted: boolean } {
    if (typeof input.content !== "string" || !input.content.trim()) {
      throw new UserError("a memory needs some content", { hint: "pass the text to remember" });
    }
    const kind = checkKind(input.kind ?? "note");
    const red = redactSecrets(input.content.trim());
    const content = red.text;
    const createdAt = input.createdAt !== undefined ? toIso(input.createdAt, "created_at") : c.now;
    const pinned = input.pinned === true;
    const hash = contentHash(content);
    if (dedup !== "none" && input.supersedes === undefined) {
      let existing = q.byHash.get(hash);
      if (!existing && dedup === "near") existing = nearDuplicate(content);
      if (existing) {
        const at = createdAt > c.now ? c.now : createdAt;
        q.merge.run({ at, pin: pinned ? 1 : 0, id: existing.id });
        const active = existing.active_at < at ? at : existing.active_at;
        const tier = existing.tier as Tier;
        setTier(existing.id, pinned || active >= c.hot ? "hot" : tier === "cold" && active >= c.warm ? "warm" : tier);
        // Provenance: remember the other sources the same memory came from (bounded).
        const src = input.source != null ? redactSecrets(input.source).text : null;
        if (src && src !== existing.source) {
          const meta = existing.meta ? (JSON.parse(existing.meta) as Record<string, unknown>) : {};
          const also = Array.isArray(meta.alsoFrom) ? (meta.alsoFrom as string[]) : [];
          if (!also.includes(src) && also.length < 50) {
            meta.alsoFrom = [...also, src];
            q.setMeta.run(JSON.stringify(meta), existing.id);
          }
        }
        return { id: existing.id, merged: true, redacted: red.redacted };
      }
    }
    const visibility = input.visibility ?? "private";
    if (visibility !== "private" && visibility !== "shareable") {
      throw new UserError(`unknown visibility '${String(visibility)}'`, { hint: "use private or shareable" });
    }
    const importance = input.importance ?? 0.5;
    if (!(importance >= 0 && importance <= 1)) throw new UserError(`importance must be between 0 and 1 (got ${importance})`);
    const derived = [...new Set(input.derivedFrom ?? [])];
    // Secrets are kept out of every stored field, not only the content: source and meta too.
    const meta = redactDeep({ ...(input.meta ?? {}) });
    if (red.redacted) meta.redactedKinds = red.kinds;
    const activeAt = createdAt > c.now ? c.now : createdAt;
    const tier = tierFor(activeAt, pinned, c);
    const { lastInsertRowid: id } = q.insert.run(
      content,
      kind,
      createdAt,
      c.now,
      activeAt,
      importance,
      pinned ? 1 : 0,
      visibility,
      input.source != null ? redactSecrets(input.source).text : null,
      derived.length ? JSON.stringify(derived) : null,
      input.supersedes ?? null,
      red.redacted || input.redacted === true ? 1 : 0,
      Object.keys(meta).length ? JSON.stringify(meta) : null,
      hash,
    );
    q.insertTier.run(id, tier, activeAt, pinned ? 1 : 0);
    q.insertFts.run(id, content, dateWords(createdAt));
    for (const from of derived) q.insertLink.run(id, from);
    if (input.supersedes !== undefined) {
      const old = q.get.get(input.supersedes);
      if (!old) throw new UserError(`no memory item ${input.supersedes} to supersede`);
      q.supersede.run(id, input.supersedes);
      setTier(input.supersedes, old.tier === "hot" ? "warm" : (old.tier as Tier));
    }
    return { id, merged: false, redacted: red.redacted };
  }

  /** An existing item whose text is nearly the same (word-bigram Jaccard ≥ 0.85 among the best FTS matches). */
  function nearDuplicate(content: string): Row | undefined {
    const terms = queryTerms(content, 24);
    if (terms.length < 3) return undefined;
    const rows = db
      .prepare<Row>(
        `SELECT ${M_COLS} FROM memory_fts f JOIN memory_items m ON m.id = f.rowid
         WHERE memory_fts MATCH ? AND m.superseded_by IS NULL ORDER BY bm25(memory_fts) LIMIT 5`,
      )
      .all(matchExpression(terms, "AND"));
    const mine = bigrams(content);
    return rows.find((r) => jaccard(mine, bigrams(r.content)) >= 0.85);
  }

  // ---- tiers ------------------------------------------------------------------------------------

  function hotRoom(): { room: number; hotUnpinned: number } {
    const pinnedCount = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items WHERE pinned = 1").get()!.n;
    const hotUnpinned = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tiers WHERE tier = 'hot' AND pinned = 0").get()!.n;
    return { room: Math.max(0, mem.hotCap - pinnedCount) - hotUnpinned, hotUnpinned };
  }

  /**
   * Re-tiers items whose tier is stale, in memory_tiers (narrow rows). `limit` bounds each step (Infinity:
   * everything, set-based). Each kind of move is recorded in the tier history by one INSERT…SELECT over the
   * same rows just before they move.
   */
  function retierWith(c: ReturnType<typeof cuts>, limit: number): Record<string, number> {
    const moved: Record<string, number> = {};
    const add = (k: string, n: number) => {
      if (n > 0) moved[k] = (moved[k] ?? 0) + n;
    };
    const bounded = Number.isFinite(limit);
    const at = `'${new Date().toISOString()}'`;
    const lim = Math.max(1, Math.floor(bounded ? limit : 0));
    /** Moves the items of `where` (at most n, in `order`) to `to` (an SQL expression over memory_tiers). */
    const step = (key: string, to: string, where: string, params: SqlValue[], n?: number, order = "") => {
      if (n === undefined && !bounded) {
        db.prepare(
          `INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier) SELECT item_id, ${at}, tier, ${to} FROM memory_tiers WHERE ${where}`,
        ).run(...params);
        add(key, db.prepare(`UPDATE memory_tiers SET tier = ${to} WHERE ${where}`).run(...params).changes);
        return;
      }
      const ids = db
        .prepare<{ item_id: number }>(`SELECT item_id FROM memory_tiers WHERE ${where}${order} LIMIT ?`)
        .all(...params, n ?? lim)
        .map((r) => r.item_id);
      if (!ids.length) return;
      const inIds = `item_id IN (${ids.join(",")})`;
      db.prepare(
        `INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier) SELECT item_id, ${at}, tier, ${to} FROM memory_tiers WHERE ${inIds}`,
      ).run();
      add(key, db.prepare(`UPDATE memory_tiers SET tier = ${to} WHERE ${inIds}`).run().changes);
    };
    const toCold = "tier = 'warm' AND active_at < ? AND pinned = 0";
    const toWarm = "tier = 'cold' AND active_at >= ?";
    // A mass move (the warm window changed, a long time passed): moving most rows through the (tier, active_at)
    // index costs two index updates per row in whatever order the dates lie; dropping the index and building
    // it again afterwards (a sort, in the same transaction) costs a fraction of that.
    let rebuild = false;
    if (!bounded) {
      const total = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tiers").get()!.n;
      const enough = Math.max(MASS_MOVE_MIN, Math.ceil(total * MASS_MOVE_SHARE));
      // Counted only as far as needed to decide.
      const count = (where: string, cap: number) =>
        cap <= 0 ? 0 : db.prepare<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM memory_tiers WHERE ${where} LIMIT ?)`).get(c.warm, cap)!.n;
      const first = count(toCold, enough + 1);
      rebuild = first + count(toWarm, enough + 1 - first) > enough;
    }
    // Aged out.
    step("hot->cold", "'cold'", "tier = 'hot' AND active_at < ? AND pinned = 0", [c.warm]);
    if (rebuild) db.exec("DROP INDEX memory_tiers_tier_active");
    step("warm->cold", "'cold'", toCold, [c.warm]);
    // Cold items that became active again (their use, a later date or a wider window moved them).
    step("cold->warm", "'warm'", toWarm, [c.warm]);
    if (rebuild) db.exec("CREATE INDEX memory_tiers_tier_active ON memory_tiers (tier, active_at)");
    step("hot->warm", "'warm'", "tier = 'hot' AND active_at < ? AND pinned = 0", [c.hot]);
    // Superseded items are never hot; pinned ones always are.
    step("hot->warm", "'warm'", "tier = 'hot' AND pinned = 0 AND current = 0", []);
    step("pinned->hot", "'hot'", "pinned = 1 AND tier <> 'hot'", []);
    // The hot cap: demote the least recently active beyond it, or promote the most recent within the window.
    const { room } = hotRoom();
    if (room < 0) {
      step(
        "hot->warm",
        `CASE WHEN active_at >= '${c.warm}' THEN 'warm' ELSE 'cold' END`,
        "tier = 'hot' AND pinned = 0",
        [],
        bounded ? Math.min(-room, limit) : -room,
        " ORDER BY active_at ASC",
      );
    } else if (room > 0) {
      step(
        "warm->hot",
        "'hot'",
        "tier = 'warm' AND active_at >= ? AND pinned = 0 AND current = 1",
        [c.hot],
        bounded ? Math.min(room, limit) : room,
        " ORDER BY active_at DESC",
      );
    }
    return moved;
  }

  /**
   * Bounded re-tiering: reads first and writes only when something is stale, so idle reads take no lock.
   * A side effect of normal use: a read-only or busy database skips it rather than failing the command.
   */
  function retier(limit = 200): number {
    try {
      return retierBounded(limit);
    } catch (err) {
      if (/readonly|read-only|busy|locked/i.test((err as Error).message ?? "")) return 0;
      throw err;
    }
  }

  function retierBounded(limit: number): number {
    const c = cuts();
    const stale = db
      .prepare<{ n: number }>(
        `SELECT
          (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE tier = 'hot' AND active_at < @hot AND pinned = 0 LIMIT 1)) +
          (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE tier = 'warm' AND active_at < @warm AND pinned = 0 LIMIT 1)) +
          (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE tier = 'cold' AND active_at >= @warm LIMIT 1)) AS n`,
      )
      .get({ hot: c.hot, warm: c.warm })!.n;
    const { room } = hotRoom();
    let roomToFill = 0;
    if (room > 0) {
      roomToFill = db
        .prepare<{ n: number }>(
          "SELECT count(*) AS n FROM (SELECT 1 FROM memory_tiers WHERE tier = 'warm' AND active_at >= ? AND pinned = 0 AND current = 1 LIMIT 1)",
        )
        .get(c.hot)!.n;
    }
    if (!stale && room >= 0 && !roomToFill) return 0;
    const moved = db.transaction(() => retierWith(c, limit));
    return Object.values(moved).reduce((a, b) => a + b, 0);
  }

  function tierCounts(): Record<Tier, number> {
    const byTier: Record<Tier, number> = { hot: 0, warm: 0, cold: 0 };
    for (const r of db.prepare<{ tier: Tier; n: number }>("SELECT tier, count(*) AS n FROM memory_tiers GROUP BY tier").all()) byTier[r.tier] = r.n;
    return byTier;
  }

  // ---- search -----------------------------------------------------------------------------------

  function filters(opts: SearchOptions | ListOptions, alias = "m"): { sql: string; params: SqlValue[] } {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (!opts.includeSuperseded) where.push(`${alias}.superseded_by IS NULL`);
    if (opts.audience === "cloud") where.push(`${alias}.visibility = 'shareable'`);
    if (opts.tier) {
      where.push(`${tierOf(alias)} = ?`);
      params.push(checkTier(opts.tier));
    }
    if (opts.kind) {
      where.push(`${alias}.kind = ?`);
      params.push(checkKind(opts.kind));
    }
    if ("since" in opts && opts.since) {
      where.push(`${alias}.created_at >= ?`);
      params.push(toIso(opts.since, "--since date"));
    }
    if ("pinned" in opts && opts.pinned !== undefined) where.push(`${alias}.pinned = ${opts.pinned ? 1 : 0}`);
    return { sql: where.length ? ` AND ${where.join(" AND ")}` : "", params };
  }

  /** The same filters as filters(), applied to loaded rows. */
  function rowFilter(opts: SearchOptions): (r: Row) => boolean {
    const tier = opts.tier ? checkTier(opts.tier) : undefined;
    const kind = opts.kind ? checkKind(opts.kind) : undefined;
    const since = opts.since ? toIso(opts.since, "--since date") : undefined;
    return (r) =>
      (opts.includeSuperseded || r.superseded_by === null) &&
      (opts.audience !== "cloud" || r.visibility === "shareable") &&
      (!tier || r.tier === tier) &&
      (!kind || r.kind === kind) &&
      (!since || r.created_at >= since);
  }

  /**
   * Full-text candidates with their BM25 relevance (higher is better). Exact when the query matches at most
   * MATCH_BUDGET items: every match is scored and the best `pool` kept. Beyond that, scoring every match would
   * cost too much on a large store, so candidates come from cheaper queries whose scores are still BM25:
   * items that hold every term (exact scores), items that hold the query's selective terms (scored on those
   * terms; the common ones add little IDF), and the most recent matches. Each of those is itself bounded.
   */
  function ftsCandidates(terms: string[], op: "OR" | "AND", pool: number, phrases: string[] = []): Map<number, number> {
    const out = new Map<number, number>();
    const capped = (expr: string, cap: number) =>
      db.prepare<{ n: number }>("SELECT count(*) AS n FROM (SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? LIMIT ?)").get(expr, cap + 1)!.n;
    const add = (rows: { id: number; r: number }[]) => {
      for (const { id, r } of rows) if (!(out.get(id)! >= r)) out.set(id, r);
    };
    const ranked = (expr: string, n: number) =>
      add(
        db
          .prepare<{ id: number; r: number }>(
            `SELECT rowid AS id, -bm25(memory_fts, ${BM25_WEIGHTS}) AS r FROM memory_fts WHERE memory_fts MATCH ? ORDER BY bm25(memory_fts, ${BM25_WEIGHTS}) LIMIT ?`,
          )
          .all(expr, n),
      );
    const recent = (expr: string, n: number) =>
      add(
        db
          .prepare<{ id: number; r: number }>(
            `SELECT rowid AS id, -bm25(memory_fts, ${BM25_WEIGHTS}) AS r FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
          )
          .all(expr, n),
      );
    const full = matchExpression(op === "OR" ? [...terms, ...phrases] : terms, op);
    if (capped(full, MATCH_BUDGET) <= MATCH_BUDGET) {
      ranked(full, pool);
      return out;
    }
    if (terms.length > 1 && op === "OR") {
      const all = matchExpression(terms, "AND");
      if (capped(all, MATCH_BUDGET) <= MATCH_BUDGET) ranked(all, pool);
      else recent(all, 1000);
      // Selective terms, rarest first, while their matches fit the budget.
      const dfs = terms.map((t) => ({ t, df: capped(matchExpression([t]), MATCH_BUDGET) })).sort((a, b) => a.df - b.df);
      const rare: string[] = [];
      let sum = 0;
      for (const { t, df } of dfs) {
        if (df > MATCH_BUDGET / 2 || sum + df > MATCH_BUDGET) break;
        rare.push(t);
        sum += df;
      }
      if (rare.length && rare.length < terms.length) ranked(matchExpression(rare), pool);
    }
    // The most recent matches of the terms alone: phrases would make BM25 read every position of their terms.
    recent(op === "OR" ? matchExpression(terms, "OR") : full, 300);
    return out;
  }

  /**
   * Conversation context: the turns of one exchange (episodes with consecutive ids, at most EXCHANGE_GAP
   * apart in time) share part of their relevance with their neighbours, so the answer that follows a
   * matching question ("What do your kids like?" → "Dinosaurs!") is found too. Other kinds of items (notes,
   * facts) never borrow relevance from whatever happened to be stored next to them.
   */
  function spreadToNeighbours(cand: Map<number, { row: Row; rel: number; vec: number }>, keep: (r: Row) => boolean): void {
    const best = [...cand.values()].sort((a, b) => b.rel - a.rel).slice(0, NEIGHBOUR_SOURCES);
    const want = new Set<number>();
    for (const c of best) for (let d = -NEIGHBOUR_SPAN; d <= NEIGHBOUR_SPAN; d++) if (d) want.add(c.row.id + d);
    if (!want.size) return;
    const rows = new Map<number, Row>();
    for (const r of db.prepare<Row>(`SELECT ${COLS} FROM memory_items WHERE id IN (${[...want].join(",")})`).all()) rows.set(r.id, r);
    const bonus = new Map<number, number>();
    for (const c of best) {
      for (let d = -NEIGHBOUR_SPAN; d <= NEIGHBOUR_SPAN; d++) {
        const n = d ? rows.get(c.row.id + d) ?? cand.get(c.row.id + d)?.row : undefined;
        if (!n || !sameExchange(c.row, n)) continue;
        const b = (NEIGHBOUR_SHARE * c.rel) / Math.abs(d);
        if (!(bonus.get(n.id)! >= b)) bonus.set(n.id, b);
      }
    }
    for (const [id, b] of bonus) {
      const c = cand.get(id);
      if (c) c.rel += b;
      else {
        const row = rows.get(id)!;
        if (keep(row)) cand.set(id, { row, rel: b, vec: 0 });
      }
    }
  }

  function sameExchange(a: Row, b: Row): boolean {
    if (a.kind !== "episode" || b.kind !== "episode") return false;
    return Math.abs(Date.parse(a.created_at) - Date.parse(b.created_at)) <= EXCHANGE_GAP_MS;
  }

  function search(query: string, opts: SearchOptions = {}): SearchHit[] {
    const limit = Math.max(1, Math.min(opts.limit ?? 10, 1000));
    const f = filters(opts);
    const terms = queryTerms(typeof query === "string" ? query : "");
    const now = clock().getTime();
    const cand = new Map<number, { row: Row; rel: number; vec: number }>();
    if (terms.length) {
      const pool = Math.max(limit * 4, 60);
      const scored = ftsCandidates(terms, opts.all ? "AND" : "OR", pool, opts.all ? [] : queryPhrases(query));
      // Load only the best candidates. With filters (a cloud audience, a tier, a kind…), a few times the pool
      // are checked first through the filters alone (no text, no JSON), then the best `pool` that pass are loaded.
      let ids = [...scored.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, f.sql ? pool * 3 : pool)
        .map(([id]) => id);
      const checked = ids.length;
      if (f.sql && ids.length) {
        const pass = new Set(
          db
            .prepare<{ id: number }>(`SELECT m.id FROM memory_items m WHERE m.id IN (${ids.join(",")})${f.sql}`)
            .all(...f.params)
            .map((r) => r.id),
        );
        ids = ids.filter((id) => pass.has(id)).slice(0, pool);
      }
      const rows = ids.length ? db.prepare<Row>(`SELECT ${COLS} FROM memory_items WHERE id IN (${ids.join(",")})`).all() : [];
      const keep = rowFilter(opts);
      let kept = rows.filter(keep).map((row) => ({ row, r: scored.get(row.id)! }));
      if (kept.length < Math.min(limit, pool) && checked > kept.length && f.sql) {
        // The filters dropped candidates: rank within the filtered items directly (exact, slower).
        kept = db
          .prepare<Row & { r: number }>(
            `SELECT ${M_COLS}, -bm25(memory_fts, ${BM25_WEIGHTS}) AS r FROM memory_fts JOIN memory_items m ON m.id = memory_fts.rowid
             WHERE memory_fts MATCH ?${f.sql} ORDER BY bm25(memory_fts, ${BM25_WEIGHTS}) LIMIT ?`,
          )
          .all(matchExpression(terms, opts.all ? "AND" : "OR"), ...f.params, pool)
          .map((row) => ({ row, r: row.r }));
      }
      kept.sort((a, b) => b.r - a.r);
      kept = kept.slice(0, pool);
      const top = kept.length ? Math.max(kept[0]!.r, 1e-9) : 1;
      for (const { row, r } of kept) cand.set(row.id, { row, rel: r / top, vec: 0 });
      if (!opts.all) spreadToNeighbours(cand, keep);
    }
    if (opts.queryEmbedding && opts.queryEmbedding.length) {
      const qv = Float32Array.from(opts.queryEmbedding);
      const qn = norm(qv);
      const total = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_embeddings").get()!.n;
      if (total > 0 && qn > 0) {
        const vecRows =
          total <= 50_000
            ? db
                .prepare<{ item_id: number; vector: Uint8Array }>(
                  `SELECT e.item_id, e.vector FROM memory_embeddings e JOIN memory_items m ON m.id = e.item_id WHERE e.dim = ?${f.sql}`,
                )
                .all(qv.length, ...f.params)
            : cand.size
              ? db
                  .prepare<{ item_id: number; vector: Uint8Array }>(
                    `SELECT item_id, vector FROM memory_embeddings WHERE dim = ? AND item_id IN (${[...cand.keys()].join(",")})`,
                  )
                  .all(qv.length)
              : [];
        const sims: { id: number; s: number }[] = [];
        for (const v of vecRows) {
          // A driver may hand back a view at an offset that is not a multiple of 4: copy it then.
          const bytes = v.vector.byteOffset % 4 === 0 ? v.vector : new Uint8Array(v.vector);
          const vec = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
          sims.push({ id: v.item_id, s: dot(qv, vec) / (qn * norm(vec) || 1) });
        }
        sims.sort((a, b) => b.s - a.s);
        for (const { id, s } of sims.slice(0, Math.max(limit * 4, 60))) {
          const c = cand.get(id);
          if (c) c.vec = s;
          else {
            const row = q.get.get(id);
            if (row) cand.set(id, { row, rel: 0, vec: s });
          }
        }
        for (const { id, s } of sims) {
          const c = cand.get(id);
          if (c) c.vec = s;
        }
      }
    }
    if (!cand.size) return [];
    const hits: SearchHit[] = [];
    for (const { row, rel, vec } of cand.values()) {
      const ageDays = Math.max(0, (now - Date.parse(row.active_at)) / DAY_MS);
      const recency = Math.exp(-ageDays / 365);
      const tierScore = row.tier === "hot" ? 1 : row.tier === "warm" ? 0.5 : 0;
      const use = Math.min(1, Math.log1p(row.use_count) / Math.log(20));
      const score =
        rel + 0.6 * Math.max(0, vec) + 0.08 * tierScore + 0.06 * recency + 0.06 * (row.importance - 0.5) + 0.04 * use + (row.pinned ? 0.04 : 0);
      hits.push({ ...toItem(row), score: Math.round(score * 10_000) / 10_000 });
    }
    hits.sort((a, b) => b.score - a.score || b.id - a.id);
    return hits.slice(0, limit);
  }

  // ---- the store --------------------------------------------------------------------------------

  const store: MemoryStore = {
    db,

    remember(input) {
      const c = cuts();
      const r = db.transaction(() => insertOne(input, c, "near"));
      retier();
      return { item: mustGet(r.id), merged: r.merged, redacted: r.redacted };
    },

    rememberMany(inputs, opts = {}) {
      const c = cuts();
      const out: RememberManyResult = { added: 0, merged: 0, redacted: 0, ids: [] };
      db.transaction(() => {
        for (const input of inputs) {
          const r = insertOne(input, c, opts.dedup === false ? "none" : "exact");
          out.ids.push(r.id);
          if (r.merged) out.merged++;
          else out.added++;
          if (r.redacted) out.redacted++;
        }
      });
      // Re-tier as much as the batch could have made stale (a batch of recent items can overflow the hot cap).
      retier(Math.max(1000, inputs.length));
      return out;
    },

    search,

    get(id) {
      const r = q.get.get(id);
      return r ? toItem(r) : undefined;
    },

    list(opts = {}) {
      const f = filters(opts);
      const limit = Math.max(1, Math.min(opts.limit ?? 50, 1_000_000));
      const order = opts.order === "oldest" ? "m.created_at ASC, m.id ASC" : "m.created_at DESC, m.id DESC";
      return db
        .prepare<Row>(`SELECT ${M_COLS} FROM memory_items m WHERE 1 = 1${f.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .all(...f.params, limit, Math.max(0, opts.offset ?? 0))
        .map(toItem);
    },

    *iterate(opts = {}) {
      const where = opts.includeSuperseded === false ? "WHERE superseded_by IS NULL" : "";
      for (const r of db.prepare<Row>(`SELECT ${COLS} FROM memory_items ${where} ORDER BY id`).iterate()) yield toItem(r);
    },

    hot(opts = {}) {
      retier();
      const pinnedCount = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items WHERE pinned = 1").get()!.n;
      const limit = Math.max(1, opts.limit ?? Math.max(mem.hotCap, pinnedCount));
      const vis = opts.audience === "cloud" ? " AND visibility = 'shareable'" : "";
      return db
        .prepare<Row>(
          `SELECT ${COLS} FROM memory_items WHERE id IN (SELECT item_id FROM memory_tiers WHERE tier = 'hot' AND current = 1)${vis}
           ORDER BY pinned DESC, active_at DESC, id DESC LIMIT ?`,
        )
        .all(limit)
        .map(toItem);
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
      return [...first, ...rest].map(toItem);
    },

    touch(ids) {
      const list = [...new Set(ids.filter((n) => Number.isInteger(n)))];
      if (!list.length) return;
      const c = cuts();
      // Three set-based statements for the whole list: the items, the history of those that move, the tiers.
      const inList = list.join(",");
      const to = "CASE WHEN m.superseded_by IS NULL OR m.pinned = 1 THEN 'hot' ELSE 'warm' END";
      db.transaction(() => {
        db.prepare(`UPDATE memory_items SET last_used_at = ?, active_at = ?, use_count = use_count + 1 WHERE id IN (${inList})`).run(c.now, c.now);
        db.prepare(
          `INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier)
           SELECT t.item_id, ?, t.tier, ${to} FROM memory_tiers t JOIN memory_items m ON m.id = t.item_id
           WHERE t.item_id IN (${inList}) AND t.tier <> ${to}`,
        ).run(c.now);
        db.prepare(
          `UPDATE memory_tiers SET tier = ${to}, active_at = m.active_at, pinned = m.pinned, current = (m.superseded_by IS NULL)
           FROM memory_items m WHERE m.id = memory_tiers.item_id AND memory_tiers.item_id IN (${inList})`,
        ).run();
      });
      retier();
    },

    edit(id, content) {
      const old = mustGet(id);
      if (old.supersededBy !== null) {
        throw new UserError(`memory item ${id} was already replaced by ${old.supersededBy}`, { hint: `edit ${old.supersededBy} instead` });
      }
      if (contentHash(redactSecrets(content.trim()).text) === contentHash(old.content)) {
        throw new UserError(`the new text of item ${id} is the same as the old`, { hint: "nothing was changed" });
      }
      const c = cuts();
      const r = db.transaction(() =>
        insertOne(
          {
            content,
            kind: old.kind,
            pinned: old.pinned,
            visibility: old.visibility,
            source: old.source,
            importance: old.importance,
            supersedes: id,
            meta: { editOf: id },
          },
          c,
          "none",
        ),
      );
      retier();
      return mustGet(r.id);
    },

    pin(id, pinned) {
      const item = mustGet(id);
      if (pinned && item.supersededBy !== null) {
        throw new UserError(`memory item ${id} was replaced by ${item.supersededBy}`, { hint: `pin ${item.supersededBy} instead` });
      }
      const c = cuts();
      db.transaction(() => {
        db.prepare("UPDATE memory_items SET pinned = ? WHERE id = ?").run(pinned ? 1 : 0, id);
        const r = q.get.get(id)!;
        const to: Tier = pinned
          ? "hot"
          : r.active_at >= c.hot && r.superseded_by === null
            ? (r.tier as Tier)
            : r.active_at >= c.warm
              ? "warm"
              : "cold";
        setTier(id, to);
      });
      retier();
      return mustGet(id);
    },

    forget(ids) {
      const list = [...new Set(ids.filter((n) => Number.isInteger(n)))];
      if (!list.length) return 0;
      let removed = 0;
      db.exec("PRAGMA secure_delete = ON");
      try {
        db.transaction(() => {
          const del = db.prepare("DELETE FROM memory_items WHERE id = ?");
          for (const id of list) {
            const row = q.get.get(id);
            if (!row) continue;
            q.deleteFts.run(id, row.content, dateWords(row.created_at));
            removed += del.run(id).changes;
            db.prepare("DELETE FROM memory_embeddings WHERE item_id = ?").run(id);
            db.prepare("DELETE FROM memory_tiers WHERE item_id = ?").run(id);
            db.prepare("DELETE FROM memory_tier_events WHERE item_id = ?").run(id);
            db.prepare("DELETE FROM memory_links WHERE item_id = ? OR from_id = ?").run(id, id);
            // The version it replaced becomes current again.
            db.prepare(
              "UPDATE memory_tiers SET current = 1 WHERE item_id IN (SELECT id FROM memory_items WHERE superseded_by = ?)",
            ).run(id);
            db.prepare("UPDATE memory_items SET superseded_by = NULL WHERE superseded_by = ?").run(id);
            db.prepare("UPDATE memory_items SET supersedes = NULL WHERE supersedes = ?").run(id);
          }
        });
        // Leave no copy of the forgotten text in the write-ahead log.
        try {
          db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
        } catch {}
      } finally {
        db.exec("PRAGMA secure_delete = OFF");
      }
      return removed;
    },

    stats() {
      const byKind = Object.fromEntries(MEMORY_KINDS.map((k) => [k, 0])) as Record<MemoryKind, number>;
      for (const r of db.prepare<{ kind: MemoryKind; n: number }>("SELECT kind, count(*) AS n FROM memory_items GROUP BY kind").all()) byKind[r.kind] = r.n;
      const agg = db
        .prepare<{ total: number; superseded: number; pinned: number; redacted: number; oldest: string | null; newest: string | null }>(
          `SELECT count(*) AS total, count(superseded_by) AS superseded, coalesce(sum(pinned), 0) AS pinned,
             coalesce(sum(redacted), 0) AS redacted, min(created_at) AS oldest, max(created_at) AS newest FROM memory_items`,
        )
        .get()!;
      const pages = db.prepare<{ page_count: number }>("PRAGMA page_count").get()!.page_count;
      const pageSize = db.prepare<{ page_size: number }>("PRAGMA page_size").get()!.page_size;
      let walBytes = 0;
      try {
        walBytes = statSync(`${db.path}-wal`).size;
      } catch {}
      return {
        total: agg.total,
        active: agg.total - agg.superseded,
        superseded: agg.superseded,
        pinned: agg.pinned,
        redacted: agg.redacted,
        embeddings: db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_embeddings").get()!.n,
        byTier: tierCounts(),
        byKind,
        oldest: agg.oldest,
        newest: agg.newest,
        dbBytes: pages * pageSize,
        walBytes,
      };
    },

    maintain(opts = {}) {
      const t0 = performance.now();
      const c = cuts(opts.now ?? clock());
      const moved = db.transaction(() => retierWith(c, Infinity));
      // Keep the full-text index compact (bounded work) and the planner's statistics fresh.
      try {
        db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('merge', 64)");
        db.exec("PRAGMA optimize");
      } catch {}
      const byTier = tierCounts();
      return { moved, total: byTier.hot + byTier.warm + byTier.cold, byTier, ms: Math.round(performance.now() - t0) };
    },

    history(id) {
      const item = mustGet(id);
      const tiers = db
        .prepare<{ at: string; from_tier: Tier; to_tier: Tier }>("SELECT at, from_tier, to_tier FROM memory_tier_events WHERE item_id = ? ORDER BY rowid")
        .all(id)
        .map((r) => ({ at: r.at, from: r.from_tier, to: r.to_tier }));
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
        .map(toItem);
      return { item, tiers, supersedes: older, supersededBy: newer, derivedFrom, derived };
    },

    setEmbedding(id, vector, model) {
      mustGet(id);
      if (!vector.length || vector.some((x) => !Number.isFinite(x))) throw new UserError("an embedding must be a non-empty list of numbers");
      const f = Float32Array.from(vector);
      db.prepare("INSERT OR REPLACE INTO memory_embeddings (item_id, model, dim, vector) VALUES (?, ?, ?, ?)").run(
        id,
        model,
        f.length,
        new Uint8Array(f.buffer),
      );
    },

    async consolidate(summarize, opts = {}) {
      const maxPeriods = opts.maxPeriods ?? 12;
      const chunk = opts.maxItemsPerSummary ?? 200;
      // Cold, current, not yet consolidated items, grouped by calendar month of when they happened.
      const periods = db
        .prepare<{ month: string; n: number }>(
          `SELECT substr(created_at, 1, 7) AS month, count(*) AS n FROM memory_items m
           WHERE ${tierOf("m")} = 'cold' AND superseded_by IS NULL AND pinned = 0 AND json_extract(coalesce(meta, '{}'), '$.consolidation') IS NULL
             AND NOT EXISTS (SELECT 1 FROM memory_links l JOIN memory_items s ON s.id = l.item_id
                             WHERE l.from_id = m.id AND json_extract(coalesce(s.meta, '{}'), '$.consolidation') IS NOT NULL)
           GROUP BY month HAVING n >= 2 ORDER BY month LIMIT ?`,
        )
        .all(maxPeriods);
      let written = 0;
      for (const p of periods) {
        const rows = db
          .prepare<Row>(
            `SELECT ${M_COLS} FROM memory_items m WHERE ${tierOf("m")} = 'cold' AND m.superseded_by IS NULL AND pinned = 0 AND substr(created_at, 1, 7) = ?
               AND json_extract(coalesce(meta, '{}'), '$.consolidation') IS NULL
               AND NOT EXISTS (SELECT 1 FROM memory_links l JOIN memory_items s ON s.id = l.item_id
                               WHERE l.from_id = m.id AND json_extract(coalesce(s.meta, '{}'), '$.consolidation') IS NOT NULL)
             ORDER BY created_at, id`,
          )
          .all(p.month);
        for (let i = 0; i < rows.length; i += chunk) {
          const items = rows.slice(i, i + chunk).map(toItem);
          if (items.length < 2) continue;
          const period = { from: items[0]!.createdAt, to: items[items.length - 1]!.createdAt };
          const text = (await summarize(items, period)).trim();
          if (!text) continue;
          const c = cuts();
          db.transaction(() =>
            insertOne(
              {
                content: text,
                kind: "note",
                createdAt: period.to,
                visibility: items.every((x) => x.visibility === "shareable") ? "shareable" : "private",
                source: `consolidation ${p.month}`,
                derivedFrom: items.map((x) => x.id),
                meta: { consolidation: { from: period.from, to: period.to, items: items.length } },
              },
              c,
              "none",
            ),
          );
          written++;
        }
      }
      return written;
    },

    retier,
  };
  return store;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}
