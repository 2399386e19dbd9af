/**
 * Tiers: which items are hot (stored, capped by count) and the history of tier moves. Warm vs cold is
 * derived from `active_at` and the clock wherever a tier is read, so only the hot set is ever re-checked.
 *
 * Stored history (memory_tier_events) holds the moves into and out of hot, which the store makes, and the
 * moves out of cold (an item used, touched or pinned again), which happen at a known time. The move from
 * warm to cold is never stored: it happens by itself at active_at + warmWindowDays, so history() derives
 * it (see derivedColdAt). When an item leaves cold, its active_at or hot flag changes and that derived move
 * could no longer be computed, so it is written down first, just before the move out of cold.
 * Moves are stamped with the store's clock, the clock of recorded_at and active_at, so stored and derived
 * moves compare with each other.
 */
import type { SqlValue } from "../kernel/storage/index.ts";
import { DAY_MS, rowTier, type Ctx, type Cuts, type TierState } from "./rows.ts";
import type { MaintainResult, MemoryTier } from "./types.ts";

/**
 * Who may be hot. Bookkeeping (`action`: pack runs, job firings) never is unless pinned: it stays findable by
 * search and by date, but a busy job cannot flush what the user told pai out of the hot set. Transcripts
 * (`episode`) may be hot, but when the hot set is over memory.hotCap they leave it first, so many exchanges
 * cannot push facts, preferences, notes and events out; within each group the least recently active leave first.
 * memory_tiers holds each item's kind (kept equal by a trigger) so these rules read the tier table alone, and
 * what may join the hot set is found through its partial index (memory_tiers_promotable).
 */
export const NEVER_HOT_KIND = "action";
export const TRANSCRIPT_KIND = "episode";

/** Whether an item of this kind may be hot (pinned items always are). */
export function mayBeHot(kind: string, pinned: boolean): boolean {
  return pinned || kind !== NEVER_HOT_KIND;
}

/** NEVER_HOT_KIND as an SQL literal, for statements that set the hot flag themselves. */
export const NEVER_HOT_SQL = `'${NEVER_HOT_KIND}'`;
/** Not hot, within the hot window, unpinned, current and allowed to be hot: the partial index's own terms. */
const PROMOTABLE = `hot = 0 AND active_at >= ? AND pinned = 0 AND current = 1 AND kind <> ${NEVER_HOT_SQL}`;
/** The planner would walk the (hot, active_at) index past every action in the window: name the partial index. */
const PROMOTABLE_TABLE = "memory_tiers INDEXED BY memory_tiers_promotable";

/**
 * When the item went cold by itself (warm → cold at active_at + warmWindowDays), if it is cold now and that
 * moment is not yet told by its stored history: after the item was recorded (an item recorded already
 * cold, such as an old import, never was warm in the store), after its last stored move, and that move did
 * not already take it to cold. Null otherwise.
 */
export function derivedColdAt(ctx: Ctx, s: TierState, c: Cuts): string | null {
  if (s.hot === 1 || s.active_at >= c.warm || s.last_to === "cold") return null;
  const ms = Date.parse(s.active_at) + ctx.mem.warmWindowDays * DAY_MS;
  const at = Number.isFinite(ms) ? new Date(Math.min(ms, Date.parse(c.now))).toISOString() : null;
  if (at === null || at <= s.recorded_at || (s.last_at !== null && at <= s.last_at)) return null;
  return at;
}

/** Records one item's move from → to (none when equal), first writing down a derived warm → cold move it ends. */
export function logMove(ctx: Ctx, s: TierState, from: MemoryTier, to: MemoryTier, c: Cuts, moved?: Record<string, number>): void {
  const { q } = ctx;
  if (from === to) return;
  if (from === "cold") {
    const at = derivedColdAt(ctx, s, c);
    if (at) q.logMove.run(s.item_id, at, "warm", "cold");
  }
  q.logMove.run(s.item_id, c.now, from, to);
  if (moved) moved[`${from}->${to}`] = (moved[`${from}->${to}`] ?? 0) + 1;
}

/** Moves the items of `ids` into hot or out of it (inside the caller's transaction), recording each move. */
function moveHot(ctx: Ctx, ids: number[], hot: boolean, c: Cuts, moved?: Record<string, number>): void {
  if (!ids.length) return;
  const { q } = ctx;
  const list = JSON.stringify(ids);
  for (const s of q.states.all(list)) {
    if ((s.hot === 1) === hot) continue;
    logMove(ctx, s, rowTier(s, c.warm), hot ? "hot" : rowTier({ hot: 0, active_at: s.active_at }, c.warm), c, moved);
  }
  q.setHot.run(hot ? 1 : 0, list);
}

/**
 * Sets one item's hot flag after its row in memory_items changed (inside the caller's transaction): copies
 * its active_at, pinned and superseded state into memory_tiers and records the move, if its tier changed.
 */
export function setTier(ctx: Ctx, id: number, hot: boolean, c: Cuts): void {
  const { q } = ctx;
  const before = q.states.all(JSON.stringify([id]))[0];
  q.syncTier.run({ id, hot: hot ? 1 : 0 });
  if (!before) return;
  const after = q.activeAt.get(id)!.active_at;
  logMove(ctx, before, rowTier(before, c.warm), rowTier({ hot: hot ? 1 : 0, active_at: after }, c.warm), c);
}

function hotRoom({ db, mem }: Ctx): { room: number; hotUnpinned: number } {
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
export function retierWith(ctx: Ctx, c: Cuts, limit: number): Record<string, number> {
  const { db } = ctx;
  const moved: Record<string, number> = {};
  const lim = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : -1;
  const pick = (where: string, params: SqlValue[], n: number, order = "", table = "memory_tiers") =>
    db
      .prepare<{ item_id: number }>(`SELECT item_id FROM ${table} WHERE ${where}${order} LIMIT ?`)
      .all(...params, n)
      .map((r) => r.item_id);
  // Aged out of the hot window; replaced (replaced items are never hot; pinned ones always are).
  moveHot(ctx, pick("hot = 1 AND pinned = 0 AND active_at < ?", [c.hot], lim), false, c, moved);
  moveHot(ctx, pick("hot = 1 AND pinned = 0 AND current = 0", [], lim), false, c, moved);
  // Bookkeeping is never hot unless pinned (an item touched or stored before this rule held).
  moveHot(ctx, pick(`hot = 1 AND pinned = 0 AND kind = ${NEVER_HOT_SQL}`, [], lim), false, c, moved);
  // (`+hot`: through the small pinned index, never down every not-hot entry of the (hot, active_at) index.)
  moveHot(ctx, pick("pinned = 1 AND +hot = 0", [], lim), true, c, moved);
  // The hot cap: demote beyond it (transcripts first, the least recently active first), or promote the most
  // recent within the window (knowledge first, then transcripts; never bookkeeping).
  const { room } = hotRoom(ctx);
  const upTo = (n: number) => (lim < 0 ? n : Math.min(n, lim));
  if (room < 0) {
    moveHot(ctx, pick("hot = 1 AND pinned = 0", [], upTo(-room), ` ORDER BY kind = '${TRANSCRIPT_KIND}' DESC, active_at ASC`), false, c, moved);
  } else if (room > 0) {
    const knowledge = pick(`${PROMOTABLE} AND kind <> '${TRANSCRIPT_KIND}'`, [c.hot], upTo(room), " ORDER BY active_at DESC", PROMOTABLE_TABLE);
    moveHot(ctx, knowledge, true, c, moved);
    if (knowledge.length < room) {
      moveHot(ctx, pick(`${PROMOTABLE} AND kind = '${TRANSCRIPT_KIND}'`, [c.hot], upTo(room - knowledge.length), " ORDER BY active_at DESC", PROMOTABLE_TABLE), true, c, moved);
    }
  }
  return moved;
}

/**
 * Bounded re-tiering: reads first and writes only when the hot set is stale, so idle reads take no lock.
 * A side effect of normal use: a read-only or busy database skips it rather than failing the command.
 */
export function retier(ctx: Ctx, limit = 200): number {
  try {
    return retierBounded(ctx, limit);
  } catch (err) {
    if (/readonly|read-only|busy|locked/i.test((err as Error).message ?? "")) return 0;
    throw err;
  }
}

function retierBounded(ctx: Ctx, limit: number): number {
  const { db } = ctx;
  const c = ctx.cuts();
  const stale = db
    .prepare<{ n: number }>(
      `SELECT
        (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE hot = 1 AND pinned = 0 AND active_at < ? LIMIT 1)) +
        (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE hot = 1 AND pinned = 0 AND current = 0 LIMIT 1)) +
        (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE pinned = 1 AND +hot = 0 LIMIT 1)) +
        (SELECT count(*) FROM (SELECT 1 FROM memory_tiers WHERE hot = 1 AND pinned = 0 AND kind = ${NEVER_HOT_SQL} LIMIT 1)) AS n`,
    )
    .get(c.hot)!.n;
  const { room } = hotRoom(ctx);
  let roomToFill = 0;
  if (room > 0) {
    roomToFill = db
      .prepare<{ n: number }>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${PROMOTABLE_TABLE} WHERE ${PROMOTABLE} LIMIT 1)`,
      )
      .get(c.hot)!.n;
  }
  if (!stale && room >= 0 && !roomToFill) return 0;
  const moved = db.transaction(() => retierWith(ctx, c, limit));
  return Object.values(moved).reduce((a, b) => a + b, 0);
}

/** Items per tier at the cuts `c`: hot as stored; warm and cold by active_at (ranges of the (hot, active_at) index). */
export function tierCounts({ db }: Ctx, c: Cuts): Record<MemoryTier, number> {
  return db
    .prepare<Record<MemoryTier, number>>(
      `SELECT (SELECT count(*) FROM memory_tiers WHERE hot = 1) AS hot,
         (SELECT count(*) FROM memory_tiers WHERE hot = 0 AND active_at >= ?) AS warm,
         (SELECT count(*) FROM memory_tiers WHERE hot = 0 AND active_at < ?) AS cold`,
    )
    .get(c.warm, c.warm)!;
}

/** Re-checks the whole hot set, keeps the full-text index compact and the planner's statistics fresh. */
export function maintain(ctx: Ctx, opts: { now?: Date } = {}): MaintainResult {
  const { db } = ctx;
  const t0 = performance.now();
  const c = ctx.cuts(opts.now ?? ctx.clock());
  const moved = db.transaction(() => retierWith(ctx, c, Infinity));
  // Keep the full-text index compact (bounded work) and the planner's statistics fresh.
  try {
    db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('merge', 64)");
    db.exec("PRAGMA optimize");
  } catch {}
  const byTier = tierCounts(ctx, c);
  return { moved, total: byTier.hot + byTier.warm + byTier.cold, byTier, ms: Math.round(performance.now() - t0) };
}
