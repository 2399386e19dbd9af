/**
 * What the parts of an open store share: the stored row and how it becomes an item, the SQL column lists,
 * the clock's cuts of the hot and warm windows, and the statements prepared once per store.
 */
import type { Config } from "../config/schema.ts";
import { UserError } from "../kernel/errors.ts";
import type { Database } from "../kernel/storage/index.ts";
import { MEMORY_KINDS, MEMORY_TIERS, type MemoryItem, type MemoryKind, type MemoryVisibility, type MemoryTier } from "./types.ts";

/** A memory_items row as the store loads it. */
export interface Row {
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
  /** The conversation it is a turn of, the first turn of its session, and the turn it follows (threads.ts). */
  thread: string | null;
  session: number | null;
  follows: number | null;
}

export const DAY_MS = 86_400_000;
/** Every stored column (not the computed `context`, which costs date arithmetic per row), and the hot flag. */
const STORED = "id, content, kind, created_at, recorded_at, last_used_at, active_at, use_count, seen_count, importance, pinned, visibility, source, derived_from, supersedes, superseded_by, redacted, meta, hash, thread, session, follows".split(", ");
const colsOf = (t: string) => `${STORED.map((c) => `${t}.${c}`).join(", ")}, (SELECT tr.hot FROM memory_tiers tr WHERE tr.item_id = ${t}.id) AS hot`;
export const COLS = colsOf("memory_items");
export const M_COLS = colsOf("m");
/**
 * The tier of the item of a query's row (`alias`.id), for WHERE clauses. Its one parameter is the warm cut
 * (now − memory.warmWindowDays), bound rather than written into the SQL so the statement is prepared once.
 */
export const tierOf = (alias: string) =>
  `(SELECT CASE WHEN tr.hot = 1 THEN 'hot' WHEN tr.active_at >= ? THEN 'warm' ELSE 'cold' END FROM memory_tiers tr WHERE tr.item_id = ${alias}.id)`;

/** The tier of a loaded row: hot is stored; warm or cold follows from `active_at` and the warm cut. */
export function rowTier(r: { hot: number | null; active_at: string }, warmCut: string): MemoryTier {
  return r.hot === 1 ? "hot" : r.active_at >= warmCut ? "warm" : "cold";
}

/** A row as an item; `warmCut` (now − memory.warmWindowDays) decides warm or cold. */
export function toItem(r: Row, warmCut: string): MemoryItem {
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
    thread: r.thread,
  };
}

export function checkKind(kind: string): MemoryKind {
  if (!(MEMORY_KINDS as readonly string[]).includes(kind)) {
    throw new UserError(`unknown memory kind '${kind}'`, { hint: `use one of: ${MEMORY_KINDS.join(", ")}` });
  }
  return kind as MemoryKind;
}

export function checkTier(tier: string): MemoryTier {
  if (!(MEMORY_TIERS as readonly string[]).includes(tier)) throw new UserError(`unknown tier '${tier}'`, { hint: "use hot, warm or cold" });
  return tier as MemoryTier;
}

/** Now, and the cuts of the hot and warm windows (items active at or after a cut are within its window). */
export interface Cuts {
  now: string;
  hot: string;
  warm: string;
}

/** One item's tier row as stored, with what recording a move needs (see the `states` statement). */
export interface TierState {
  item_id: number;
  hot: number;
  active_at: string;
  recorded_at: string;
  pinned: number;
  cur: number;
  last_at: string | null;
  last_to: string | null;
}

/** The turn a new turn of a thread would follow (threads.ts). */
export interface Predecessor {
  id: number;
  session: number | null;
  created_at: string;
  visibility: string;
  content: string;
}

/** A search candidate: its row, its text relevance and its vector similarity. */
export interface Candidate {
  row: Row;
  rel: number;
  vec: number;
}

/**
 * The statements of a store, each prepared on its first use and kept: a command that reads a few rows does not
 * pay for preparing the writes.
 */
export function prepareStatements(db: Database) {
  return onFirstUse({
    insert: () => db.prepare(
      `INSERT INTO memory_items (content, kind, created_at, recorded_at, last_used_at, active_at, use_count, seen_count,
        importance, pinned, visibility, source, derived_from, supersedes, superseded_by, redacted, meta, hash, thread, session, follows, gid)
       VALUES (?, ?, ?, ?, NULL, ?, 0, 1, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertTier: () => db.prepare("INSERT INTO memory_tiers (item_id, hot, active_at, pinned, current, kind) VALUES (?, ?, ?, ?, 1, ?)"),
    // A batch's run of new items from id @from on (write.ts, flushRows): their tier rows, each hot when its byte of the
    // blob @hot is 1 (a blob: substr of text would walk the characters before), and their index entries, with their
    // date words in the JSON array @words. The same rows insertTier and insertFts write one at a time, in one statement each.
    insertTierRun: () => db.prepare(
      `INSERT INTO memory_tiers (item_id, hot, active_at, pinned, current, kind)
       SELECT id, substr(@hot, id - @from + 1, 1) = x'01', active_at, pinned, 1, kind FROM memory_items
       WHERE id >= @from AND id < @from + length(@hot) ORDER BY id`,
    ),
    // No ORDER BY: it would sort every row (their texts) in a temporary tree first. json_each drives the loop, in
    // the array's order, each item found by its id; an index written in another order would answer the same.
    insertFtsRun: () => db.prepare(
      `INSERT INTO memory_fts (rowid, content, context, around)
       SELECT m.id, m.content, j.value, p.content FROM json_each(@words) AS j JOIN memory_items m ON m.id = @from + j.key
       LEFT JOIN memory_items p ON p.id = m.follows`,
    ),
    // Lists of ids are passed as one JSON array parameter (json_each), so each statement is prepared once.
    // What a move needs to know of each item: its tier row as stored (before the move), when it was recorded,
    // whether it is current and pinned, and its last stored tier move.
    states: () => db.prepare<TierState>(
      `SELECT t.item_id, t.hot, t.active_at, m.recorded_at, m.pinned, m.superseded_by IS NULL AS cur, e.at AS last_at, e.to_tier AS last_to
       FROM memory_tiers t JOIN memory_items m ON m.id = t.item_id
         LEFT JOIN memory_tier_events e ON e.rowid = (SELECT max(rowid) FROM memory_tier_events WHERE item_id = t.item_id)
       WHERE t.item_id IN (SELECT value FROM json_each(?)) ORDER BY t.item_id`,
    ),
    logMove: () => db.prepare("INSERT INTO memory_tier_events (item_id, at, from_tier, to_tier) VALUES (?, ?, ?, ?)"),
    setHot: () => db.prepare("UPDATE memory_tiers SET hot = ? WHERE item_id IN (SELECT value FROM json_each(?))"),
    // The tier row mirrors the item's active_at, pinned and superseded state, and takes the new hot flag.
    syncTier: () => db.prepare(
      `UPDATE memory_tiers SET hot = @hot, active_at = m.active_at, pinned = m.pinned, current = (m.superseded_by IS NULL)
       FROM (SELECT active_at, pinned, superseded_by FROM memory_items WHERE id = @id) AS m WHERE item_id = @id`,
    ),
    activeAt: () => db.prepare<{ active_at: string }>("SELECT active_at FROM memory_tiers WHERE item_id = ?"),
    // The date words are computed here (dateWords) and equal the table's generated `context` column (tested),
    // and `around` is the text of the turn the item follows (threads.ts), as the view memory_fts_source gives
    // them, so an index rebuild gives the same index. Insert and delete pass the same values: secure-delete
    // then removes every entry of a forgotten item.
    insertFts: () => db.prepare("INSERT INTO memory_fts (rowid, content, context, around) VALUES (?, ?, ?, ?)"),
    deleteFts: () => db.prepare("INSERT INTO memory_fts (memory_fts, rowid, content, context, around) VALUES ('delete', ?, ?, ?, ?)"),
    insertLink: () => db.prepare("INSERT OR IGNORE INTO memory_links (item_id, from_id) VALUES (?, ?)"),
    // No ORDER BY: it would tempt the planner into a scan in id order instead of the hash index.
    byHash: () => db.prepare<Row>(`SELECT ${COLS} FROM memory_items INDEXED BY memory_items_hash WHERE hash = ? AND superseded_by IS NULL LIMIT 1`),
    get: () => db.prepare<Row>(`SELECT ${COLS} FROM memory_items WHERE id = ?`),
    merge: () => db.prepare(
      `UPDATE memory_items SET seen_count = seen_count + 1, use_count = use_count + 1,
         last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @at THEN @at ELSE last_used_at END,
         active_at = CASE WHEN active_at < @at THEN @at ELSE active_at END,
         pinned = CASE WHEN @pin = 1 THEN 1 ELSE pinned END
       WHERE id = @id`,
    ),
    setMeta: () => db.prepare("UPDATE memory_items SET meta = ? WHERE id = ?"),
    // The last turn of a thread, and the last episode outside any thread (threads.ts), with its text.
    lastOfThread: () => db.prepare<Predecessor>(
      "SELECT id, session, created_at, visibility, content FROM memory_items WHERE thread = ? ORDER BY id DESC LIMIT 1",
    ),
    lastEpisode: () => db.prepare<Predecessor>(
      "SELECT id, session, created_at, visibility, content FROM memory_items INDEXED BY memory_items_kind WHERE kind = 'episode' AND thread IS NULL ORDER BY id DESC LIMIT 1",
    ),
    nextId: () => db.prepare<{ n: number | null }>("SELECT max(id) AS n FROM memory_items"),
    supersede: () => db.prepare("UPDATE memory_items SET superseded_by = ?, pinned = 0 WHERE id = ?"),
  });
}

/** An object whose fields are made by their function on first read, then kept. */
function onFirstUse<T extends Record<string, () => unknown>>(makers: T): { [K in keyof T]: ReturnType<T[K]> } {
  const out = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const key of Object.keys(makers) as (keyof T)[]) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        const value = makers[key]!();
        Object.defineProperty(out, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return out;
}

export type Statements = ReturnType<typeof prepareStatements>;

/** An open store's shared state: its database, the memory settings, the clock and the prepared statements. */
export interface Ctx {
  db: Database;
  mem: Config["memory"];
  clock: () => Date;
  /** Now and the cuts of the hot and warm windows, at `now` (default: the clock's now). */
  cuts(now?: Date): Cuts;
  q: Statements;
}

/** Opens the shared state of a store on a migrated database. */
export function openCtx(db: Database, config: Config, clock: () => Date): Ctx {
  const mem = config.memory;
  return {
    db,
    mem,
    clock,
    cuts: (now = clock()) => ({
      now: now.toISOString(),
      hot: new Date(now.getTime() - mem.hotWindowDays * DAY_MS).toISOString(),
      warm: new Date(now.getTime() - mem.warmWindowDays * DAY_MS).toISOString(),
    }),
    q: prepareStatements(db),
  };
}

/** The item of an id, or a UserError naming it. */
export function mustGet(ctx: Ctx, id: number): MemoryItem {
  const r = ctx.q.get.get(id);
  if (!r) throw new UserError(`no memory item ${id}`, { hint: "'pai memory list' or 'pai memory search' shows the ids" });
  return toItem(r, ctx.cuts().warm);
}
