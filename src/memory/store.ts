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
 * it. See history() for how the tier history stays complete without stored warm→cold moves.
 */
import { statSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import { UserError } from "../kernel/errors.ts";
import type { Database, SqlValue } from "../kernel/storage/index.ts";
import { redactDeep, redactSecrets } from "../kernel/redact.ts";
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
  /** Moves into and out of hot, by kind ("hot->warm", "hot->cold", "warm->hot", "cold->hot"); warm ↔ cold is derived, never moved. */
  moved: Record<string, number>;
  total: number;
  /** Items per tier at the time maintain ran (warm and cold derived from it). */
  byTier: Record<Tier, number>;
  ms: number;
}

export interface MemoryHistory {
  item: MemoryItem;
  /** Tier moves, oldest first: the stored ones, then the move to cold it made by itself since, if any (derived). */
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
  /**
   * Marks items private (never sent to a cloud model) or shareable, all or none (an unknown id changes
   * nothing); their tiers and dates are left alone.
   */
  setVisibility(ids: number[], visibility: MemoryVisibility): MemoryItem[];
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
  /** memory_tiers.hot (1 = hot; null only for an item without a tier row, which the store never leaves). */
  hot: number | null;
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
/** Every stored column (not the computed `context`, which costs date arithmetic per row), and the hot flag. */
const STORED = "id, content, kind, created_at, recorded_at, last_used_at, active_at, use_count, seen_count, importance, pinned, visibility, source, derived_from, supersedes, superseded_by, redacted, meta, hash".split(", ");
const colsOf = (t: string) => `${STORED.map((c) => `${t}.${c}`).join(", ")}, (SELECT tr.hot FROM memory_tiers tr WHERE tr.item_id = ${t}.id) AS hot`;
const COLS = colsOf("memory_items");
const M_COLS = colsOf("m");
/**
 * The tier of the item of a query's row (`alias`.id), for WHERE clauses. Its one parameter is the warm cut
 * (now − memory.warmWindowDays), bound rather than written into the SQL so the statement is prepared once.
 */
const tierOf = (alias: string) =>
  `(SELECT CASE WHEN tr.hot = 1 THEN 'hot' WHEN tr.active_at >= ? THEN 'warm' ELSE 'cold' END FROM memory_tiers tr WHERE tr.item_id = ${alias}.id)`;
/** BM25 column weights: the text, then the date words indexed beside it. */
const BM25_WEIGHTS = "1.0, 0.3";
/** Neighbour spreading (see spreadToNeighbours): how many top items share, how far, and how much. */
const NEIGHBOUR_SOURCES = 30;
const NEIGHBOUR_SPAN = 2;
const NEIGHBOUR_SHARE = 0.5;
/** Turns further apart than this belong to different exchanges. */
const EXCHANGE_GAP_MS = 6 * 3_600_000;
/** Most matches a search scores exactly (see ftsCandidates). */
const MATCH_BUDGET = 4000;

/** The tier of a loaded row: hot is stored; warm or cold follows from `active_at` and the warm cut. */
function rowTier(r: { hot: number | null; active_at: string }, warmCut: string): Tier {
  return r.hot === 1 ? "hot" : r.active_at >= warmCut ? "warm" : "cold";
}

/** A row as an item; `warmCut` (now − memory.warmWindowDays) decides warm or cold. */
function toItem(r: Row, warmCut: string): MemoryItem {
  return {
    id: r.id,
    content: r.content,
    kind: r.kind as MemoryKind,
    tier: rowTier(r, warmCut),
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
  const iso = isoDate(value);
  if (iso === undefined) {
    throw new UserError(`invalid ${what} '${String(value)}'`, { hint: "use ISO 8601 with a year from 1 to 9999, e.g. 2024-03-15 or 2024-03-15T14:30:00Z" });
  }
  return iso;
}

/**
 * Canonical ISO 8601 UTC of a date, or undefined when it is not one pai can store and read back the same:
 * unparseable, a year outside 1 to 9999 (SQLite's date functions and the fixed-width text order need four
 * digits), or a calendar day that does not exist ("2026-02-30", which Date would roll over to March).
 */
export function isoDate(value: string | Date): string | undefined {
  const d = value instanceof Date ? value : new Date(value);
  const t = d.getTime();
  if (Number.isNaN(t)) return undefined;
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  if (typeof value === "string") {
    const m = /^\s*([+-]\d{6}|\d{4})-(\d{1,2})-(\d{1,2})(?![\d])/.exec(value);
    if (m) {
      const year = Number(m[1]);
      const month = Number(m[2]);
      const day = Number(m[3]);
      if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    }
  }
  return d.toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
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

/** Now, and the cuts of the hot and warm windows (items active at or after a cut are within its window). */
interface Cuts {
  now: string;
  hot: string;
  warm: string;
}

/** One item's tier row as stored, with what recording a move needs (see openMemory's `states`). */
interface TierState {
  item_id: number;
  hot: number;
  active_at: string;
  recorded_at: string;
  pinned: number;
  cur: number;
  last_at: string | null;
  last_to: string | null;
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
  const cuts = (now = clock()): Cuts => ({
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
    insertTier: db.prepare("INSERT INTO memory_tiers (item_id, hot, active_at, pinned, current) VALUES (?, ?, ?, ?, 1)"),
    // Lists of ids are passed as one JSON array parameter (json_each), so each statement is prepared once.
    // What a move needs to know of each item: its tier row as stored (before the move), when it was recorded,
    // whether it is current and pinned, and its last stored tier move.
    states: db.prepare<TierState>(
      `SELECT t.item_id, t.hot, t.active_at, m.recorded_at, m.pinned, m.superseded_by IS NULL AS cur, e.at AS last_at, e.to_tier AS last_to
       FROM memory_tiers t JOIN memory_items m ON m.id = t.item_id
         LEFT JOIN memory_tier_events e ON e.rowid = (SELECT max(rowid) FROM memory_tier_events WHERE item_id = t.item_id)
       WHERE t.item_id IN (SELECT value FROM json_each(?)) ORDER BY t.item_id`,
    ),
    logMove: db.prepare("INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier) VALUES (?, ?, ?, ?)"),
    setHot: db.prepare("UPDATE memory_tiers SET hot = ? WHERE item_id IN (SELECT value FROM json_each(?))"),
    // The tier row mirrors the item's active_at, pinned and superseded state, and takes the new hot flag.
    syncTier: db.prepare(
      `UPDATE memory_tiers SET hot = @hot, active_at = m.active_at, pinned = m.pinned, current = (m.superseded_by IS NULL)
       FROM (SELECT active_at, pinned, superseded_by FROM memory_items WHERE id = @id) AS m WHERE item_id = @id`,
    ),
    activeAt: db.prepare<{ active_at: string }>("SELECT active_at FROM memory_tiers WHERE item_id = ?"),
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

  // ---- tier moves and their history ------------------------------------------------------------
  //
  // Stored history (memory_tier_events) holds the moves into and out of hot, which the store makes, and the
  // moves out of cold (an item used, touched or pinned again), which happen at a known time. The move from
  // warm to cold is never stored: it happens by itself at active_at + warmWindowDays, so history() derives
  // it (see derivedColdAt). When an item leaves cold, its active_at or hot flag changes and that derived move
  // could no longer be computed, so it is written down first, just before the move out of cold.
  // Moves are stamped with the store's clock, the clock of recorded_at and active_at, so stored and derived
  // moves compare with each other.

  /**
   * When the item went cold by itself (warm → cold at active_at + warmWindowDays), if it is cold now and that
   * moment is not yet told by its stored history: after the item was recorded (an item recorded already
   * cold, such as an old import, never was warm in the store), after its last stored move, and that move did
   * not already take it to cold. Null otherwise.
   */
  function derivedColdAt(s: TierState, c: Cuts): string | null {
    if (s.hot === 1 || s.active_at >= c.warm || s.last_to === "cold") return null;
    const ms = Date.parse(s.active_at) + mem.warmWindowDays * DAY_MS;
    const at = Number.isFinite(ms) ? new Date(Math.min(ms, Date.parse(c.now))).toISOString() : null;
    if (at === null || at <= s.recorded_at || (s.last_at !== null && at <= s.last_at)) return null;
    return at;
  }

  /** Records one item's move from → to (none when equal), first writing down a derived warm → cold move it ends. */
  function logMove(s: TierState, from: Tier, to: Tier, c: Cuts, moved?: Record<string, number>): void {
    if (from === to) return;
    if (from === "cold") {
      const at = derivedColdAt(s, c);
      if (at) q.logMove.run(s.item_id, at, "warm", "cold");
    }
    q.logMove.run(s.item_id, c.now, from, to);
    if (moved) moved[`${from}->${to}`] = (moved[`${from}->${to}`] ?? 0) + 1;
  }

  /** Moves the items of `ids` into hot or out of it (inside the caller's transaction), recording each move. */
  function moveHot(ids: number[], hot: boolean, c: Cuts, moved?: Record<string, number>): void {
    if (!ids.length) return;
    const list = JSON.stringify(ids);
    for (const s of q.states.all(list)) {
      if ((s.hot === 1) === hot) continue;
      logMove(s, rowTier(s, c.warm), hot ? "hot" : rowTier({ hot: 0, active_at: s.active_at }, c.warm), c, moved);
    }
    q.setHot.run(hot ? 1 : 0, list);
  }

  /**
   * Sets one item's hot flag after its row in memory_items changed (inside the caller's transaction): copies
   * its active_at, pinned and superseded state into memory_tiers and records the move, if its tier changed.
   */
  function setTier(id: number, hot: boolean, c: Cuts): void {
    const before = q.states.all(JSON.stringify([id]))[0];
    q.syncTier.run({ id, hot: hot ? 1 : 0 });
    if (!before) return;
    const after = q.activeAt.get(id)!.active_at;
    logMove(before, rowTier(before, c.warm), rowTier({ hot: hot ? 1 : 0, active_at: after }, c.warm), c);
  }

  function mustGet(id: number): MemoryItem {
    const r = q.get.get(id);
    if (!r) throw new UserError(`no memory item ${id}`, { hint: "'pai memory list' or 'pai memory search' shows the ids" });
    return toItem(r, cuts().warm);
  }

  /** Inserts one item (inside the caller's transaction). Returns the row id and whether it merged. */
  function insertOne(input: RememberInput, c: Cuts, dedup: "exact" | "near" | "none"): { id: number; merged: boolean; redacted: boolean } {
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
        // Seeing it again warms it (a cold item whose new date is within the warm window is warm by that date).
        setTier(existing.id, pinned || existing.pinned === 1 || existing.hot === 1 || active >= c.hot, c);
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
    const hot = pinned || activeAt >= c.hot;
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
    q.insertTier.run(id, hot ? 1 : 0, activeAt, pinned ? 1 : 0);
    q.insertFts.run(id, content, dateWords(createdAt));
    for (const from of derived) q.insertLink.run(id, from);
    if (input.supersedes !== undefined) {
      const old = q.get.get(input.supersedes);
      if (!old) throw new UserError(`no memory item ${input.supersedes} to supersede`);
      q.supersede.run(id, input.supersedes);
      // A replaced item is never hot.
      setTier(input.supersedes, false, c);
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
    const hotUnpinned = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_tiers WHERE hot = 1 AND pinned = 0").get()!.n;
    return { room: Math.max(0, mem.hotCap - pinnedCount) - hotUnpinned, hotUnpinned };
  }

  /**
   * Re-checks the hot set: items that aged out of the hot window or were replaced leave it, pinned items
   * join it, and the cap holds (the least recently active leave beyond it; the most recent within the window
   * join while there is room). Warm vs cold is never stored, so nothing else moves: the work is bounded by
   * the size of the hot set, whatever the store's size or a change of memory.warmWindowDays. `limit` bounds
   * each step (Infinity: all of it). Returns the moves by kind ("hot->warm", "cold->hot", …).
   */
  function retierWith(c: Cuts, limit: number): Record<string, number> {
    const moved: Record<string, number> = {};
    const lim = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : -1;
    const pick = (where: string, params: SqlValue[], n: number, order = "") =>
      db
        .prepare<{ item_id: number }>(`SELECT item_id FROM memory_tiers WHERE ${where}${order} LIMIT ?`)
        .all(...params, n)
        .map((r) => r.item_id);
    // Aged out of the hot window; replaced (replaced items are never hot; pinned ones always are).
    moveHot(pick("hot = 1 AND pinned = 0 AND active_at < ?", [c.hot], lim), false, c, moved);
    moveHot(pick("hot = 1 AND pinned = 0 AND current = 0", [], lim), false, c, moved);
    // (`+hot`: through the small pinned index, never down every not-hot entry of the (hot, active_at) index.)
    moveHot(pick("pinned = 1 AND +hot = 0", [], lim), true, c, moved);
    // The hot cap: demote the least recently active beyond it, or promote the most recent within the window.
    const { room } = hotRoom();
    const upTo = (n: number) => (lim < 0 ? n : Math.min(n, lim));
    if (room < 0) {
      moveHot(pick("hot = 1 AND pinned = 0", [], upTo(-room), " ORDER BY active_at ASC"), false, c, moved);
    } else if (room > 0) {
      moveHot(pick("hot = 0 AND active_at >= ? AND pinned = 0 AND current = 1", [c.hot], upTo(room), " ORDER BY active_at DESC"), true, c, moved);
    }
    return moved;
  }

  /**
   * Bounded re-tiering: reads first and writes only when the hot set is stale, so idle reads take no lock.
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
          (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE hot = 1 AND pinned = 0 AND active_at < ? LIMIT 1)) +
          (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE hot = 1 AND pinned = 0 AND current = 0 LIMIT 1)) +
          (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE pinned = 1 AND +hot = 0 LIMIT 1)) AS n`,
      )
      .get(c.hot)!.n;
    const { room } = hotRoom();
    let roomToFill = 0;
    if (room > 0) {
      roomToFill = db
        .prepare<{ n: number }>(
          "SELECT count(*) AS n FROM (SELECT 1 FROM memory_tiers WHERE hot = 0 AND active_at >= ? AND pinned = 0 AND current = 1 LIMIT 1)",
        )
        .get(c.hot)!.n;
    }
    if (!stale && room >= 0 && !roomToFill) return 0;
    const moved = db.transaction(() => retierWith(c, limit));
    return Object.values(moved).reduce((a, b) => a + b, 0);
  }

  /** Items per tier at the cuts `c`: hot as stored; warm and cold by active_at (ranges of the (hot, active_at) index). */
  function tierCounts(c: Cuts): Record<Tier, number> {
    return db
      .prepare<Record<Tier, number>>(
        `SELECT (SELECT count(*) FROM memory_tiers WHERE hot = 1) AS hot,
           (SELECT count(*) FROM memory_tiers WHERE hot = 0 AND active_at >= ?) AS warm,
           (SELECT count(*) FROM memory_tiers WHERE hot = 0 AND active_at < ?) AS cold`,
      )
      .get(c.warm, c.warm)!;
  }

  // ---- search -----------------------------------------------------------------------------------

  /** SQL conditions for the options; `warmCut` (now − memory.warmWindowDays) tells warm from cold. */
  function filters(opts: SearchOptions | ListOptions, warmCut: string, alias = "m"): { sql: string; params: SqlValue[] } {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (!opts.includeSuperseded) where.push(`${alias}.superseded_by IS NULL`);
    if (opts.audience === "cloud") where.push(`${alias}.visibility = 'shareable'`);
    if (opts.tier) {
      where.push(`${tierOf(alias)} = ?`);
      params.push(warmCut, checkTier(opts.tier));
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
  function rowFilter(opts: SearchOptions, warmCut: string): (r: Row) => boolean {
    const tier = opts.tier ? checkTier(opts.tier) : undefined;
    const kind = opts.kind ? checkKind(opts.kind) : undefined;
    const since = opts.since ? toIso(opts.since, "--since date") : undefined;
    return (r) =>
      (opts.includeSuperseded || r.superseded_by === null) &&
      (opts.audience !== "cloud" || r.visibility === "shareable") &&
      (!tier || rowTier(r, warmCut) === tier) &&
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
    const c = cuts();
    const f = filters(opts, c.warm);
    const terms = queryTerms(typeof query === "string" ? query : "");
    const now = Date.parse(c.now);
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
      const keep = rowFilter(opts, c.warm);
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
      const tier = rowTier(row, c.warm);
      const tierScore = tier === "hot" ? 1 : tier === "warm" ? 0.5 : 0;
      const use = Math.min(1, Math.log1p(row.use_count) / Math.log(20));
      const score =
        rel + 0.6 * Math.max(0, vec) + 0.08 * tierScore + 0.06 * recency + 0.06 * (row.importance - 0.5) + 0.04 * use + (row.pinned ? 0.04 : 0);
      hits.push({ ...toItem(row, c.warm), score: Math.round(score * 10_000) / 10_000 });
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
      return r ? toItem(r, cuts().warm) : undefined;
    },

    list(opts = {}) {
      const w = cuts().warm;
      const f = filters(opts, w);
      const limit = Math.max(1, Math.min(opts.limit ?? 50, 1_000_000));
      const order = opts.order === "oldest" ? "m.created_at ASC, m.id ASC" : "m.created_at DESC, m.id DESC";
      return db
        .prepare<Row>(`SELECT ${M_COLS} FROM memory_items m WHERE 1 = 1${f.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .all(...f.params, limit, Math.max(0, opts.offset ?? 0))
        .map((r) => toItem(r, w));
    },

    *iterate(opts = {}) {
      const where = opts.includeSuperseded === false ? "WHERE superseded_by IS NULL" : "";
      const w = cuts().warm;
      for (const r of db.prepare<Row>(`SELECT ${COLS} FROM memory_items ${where} ORDER BY id`).iterate()) yield toItem(r, w);
    },

    hot(opts = {}) {
      retier();
      const w = cuts().warm;
      const pinnedCount = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items WHERE pinned = 1").get()!.n;
      const limit = Math.max(1, opts.limit ?? Math.max(mem.hotCap, pinnedCount));
      const vis = opts.audience === "cloud" ? " AND visibility = 'shareable'" : "";
      return db
        .prepare<Row>(
          `SELECT ${COLS} FROM memory_items WHERE id IN (SELECT item_id FROM memory_tiers WHERE hot = 1 AND current = 1)${vis}
           ORDER BY pinned DESC, active_at DESC, id DESC LIMIT ?`,
        )
        .all(limit)
        .map((r) => toItem(r, w));
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
      const w = cuts().warm;
      return [...first, ...rest].map((r) => toItem(r, w));
    },

    touch(ids) {
      const list = [...new Set(ids.filter((n) => Number.isInteger(n)))];
      if (!list.length) return;
      const c = cuts();
      // The whole list at once: the tier rows as they were, the items, the tier rows, then the history of
      // those whose tier changed. A used item is active now: hot if current (the cap may then demote the least
      // recent), else warm (replaced items are never hot).
      const json = JSON.stringify(list);
      db.transaction(() => {
        const before = q.states.all(json);
        db.prepare(
          "UPDATE memory_items SET last_used_at = ?, active_at = ?, use_count = use_count + 1 WHERE id IN (SELECT value FROM json_each(?))",
        ).run(c.now, c.now, json);
        db.prepare(
          `UPDATE memory_tiers SET hot = (m.superseded_by IS NULL OR m.pinned = 1), active_at = m.active_at, pinned = m.pinned, current = (m.superseded_by IS NULL)
           FROM memory_items m WHERE m.id = memory_tiers.item_id AND memory_tiers.item_id IN (SELECT value FROM json_each(?))`,
        ).run(json);
        for (const s of before) logMove(s, rowTier(s, c.warm), s.cur === 1 || s.pinned === 1 ? "hot" : "warm", c);
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
        // Unpinned, it stays hot while within the hot window (the cap may then demote it).
        setTier(id, pinned || (r.hot === 1 && r.active_at >= c.hot && r.superseded_by === null), c);
      });
      retier();
      return mustGet(id);
    },

    setVisibility(ids, visibility) {
      for (const id of ids) mustGet(id);
      db.transaction(() => {
        const set = db.prepare("UPDATE memory_items SET visibility = ? WHERE id = ?");
        for (const id of ids) set.run(visibility, id);
      });
      return ids.map(mustGet);
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
      const total = Object.values(byKind).reduce((a, b) => a + b, 0);
      // Each count through an index or the narrow tier table, never a read of every item.
      const agg = db
        .prepare<{ superseded: number; pinned: number; redacted: number; oldest: string | null; newest: string | null }>(
          `SELECT (SELECT count(*) FROM memory_tiers WHERE current = 0) AS superseded,
             (SELECT count(*) FROM memory_items WHERE pinned = 1) AS pinned,
             (SELECT count(*) FROM memory_items WHERE redacted = 1) AS redacted,
             (SELECT min(created_at) FROM memory_items) AS oldest, (SELECT max(created_at) FROM memory_items) AS newest`,
        )
        .get()!;
      const pages = db.prepare<{ page_count: number }>("PRAGMA page_count").get()!.page_count;
      const pageSize = db.prepare<{ page_size: number }>("PRAGMA page_size").get()!.page_size;
      let walBytes = 0;
      try {
        walBytes = statSync(`${db.path}-wal`).size;
      } catch {}
      return {
        total,
        active: total - agg.superseded,
        superseded: agg.superseded,
        pinned: agg.pinned,
        redacted: agg.redacted,
        embeddings: db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_embeddings").get()!.n,
        byTier: tierCounts(cuts()),
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
      const byTier = tierCounts(c);
      return { moved, total: byTier.hot + byTier.warm + byTier.cold, byTier, ms: Math.round(performance.now() - t0) };
    },

    history(id) {
      const c = cuts();
      const item = mustGet(id);
      const tiers = db
        .prepare<{ at: string; from_tier: Tier; to_tier: Tier }>("SELECT at, from_tier, to_tier FROM memory_tier_events WHERE item_id = ? ORDER BY rowid")
        .all(id)
        .map((r) => ({ at: r.at, from: r.from_tier, to: r.to_tier }));
      // The stored moves, then the move to cold that happened by itself since the last of them, if any: it
      // is derived, not stored (see derivedColdAt), and comes after every stored move by construction.
      const state = q.states.all(JSON.stringify([id]))[0];
      const coldAt = state ? derivedColdAt(state, c) : null;
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
      // Cold (not hot, active before the warm cut: a range of the (hot, active_at) index), current, unpinned,
      // not yet consolidated items, grouped by calendar month of when they happened.
      const warm = cuts().warm;
      const cold = "t.hot = 0 AND t.active_at < ? AND t.current = 1 AND t.pinned = 0";
      const periods = db
        .prepare<{ month: string; n: number }>(
          `SELECT substr(m.created_at, 1, 7) AS month, count(*) AS n FROM memory_tiers t JOIN memory_items m ON m.id = t.item_id
           WHERE ${cold} AND json_extract(coalesce(m.meta, '{}'), '$.consolidation') IS NULL
             AND NOT EXISTS (SELECT 1 FROM memory_links l JOIN memory_items s ON s.id = l.item_id
                             WHERE l.from_id = m.id AND json_extract(coalesce(s.meta, '{}'), '$.consolidation') IS NOT NULL)
           GROUP BY month HAVING n >= 2 ORDER BY month LIMIT ?`,
        )
        .all(warm, maxPeriods);
      let written = 0;
      for (const p of periods) {
        const rows = db
          .prepare<Row>(
            `SELECT ${M_COLS} FROM memory_tiers t JOIN memory_items m ON m.id = t.item_id
             WHERE ${cold} AND substr(m.created_at, 1, 7) = ?
               AND json_extract(coalesce(m.meta, '{}'), '$.consolidation') IS NULL
               AND NOT EXISTS (SELECT 1 FROM memory_links l JOIN memory_items s ON s.id = l.item_id
                               WHERE l.from_id = m.id AND json_extract(coalesce(s.meta, '{}'), '$.consolidation') IS NOT NULL)
             ORDER BY m.created_at, m.id`,
          )
          .all(warm, p.month);
        for (let i = 0; i < rows.length; i += chunk) {
          const items = rows.slice(i, i + chunk).map((r) => toItem(r, warm));
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
