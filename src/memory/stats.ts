/**
 * What the store holds: counts by tier and kind, and the size of the database file and its write-ahead log.
 * Counts are read from memory_counts and memory_active_days, kept exact by triggers and by countInserted
 * (migration 107 in schema.ts), so the time taken does not grow with the store.
 */
import { statSync } from "node:fs";
import type { Database } from "../kernel/storage/index.ts";
import { memoryCounts } from "./queries.ts";
import type { Ctx, Cuts } from "./rows.ts";
import { MEMORY_KINDS, type EmbeddingCounts, type MemoryKind, type MemoryStats, type MemoryTier } from "./types.ts";

/** Every maintained count by key ('kind:fact', 'pinned', 'redacted', 'tiers', 'superseded', 'hot', 'emb:MODEL:1'…). */
export function maintainedCounts(db: Database): Map<string, number> {
  return new Map(db.prepare<{ key: string; n: number }>("SELECT key, n FROM memory_counts").all().map((r) => [r.key, r.n]));
}

/**
 * Counts an item just inserted with its tier row (current, as every new item is), inside the caller's
 * transaction. Inserts are counted here rather than by a trigger: see migration 107 in schema.ts.
 */
export function countInserted(db: Database, r: { kind: string; pinned: boolean; redacted: boolean; hot: boolean; activeAt: string }): void {
  db.prepare(
    `UPDATE memory_counts SET n = n + 1
     WHERE key IN ('tiers', 'kind:' || ?, CASE WHEN ? THEN 'pinned' END, CASE WHEN ? THEN 'redacted' END, CASE WHEN ? THEN 'hot' END)`,
  ).run(r.kind, r.pinned ? 1 : 0, r.redacted ? 1 : 0, r.hot ? 1 : 0);
  if (!r.hot) db.prepare("INSERT INTO memory_active_days (day, n) VALUES (substr(?, 1, 10), 1) ON CONFLICT (day) DO UPDATE SET n = n + 1").run(r.activeAt);
}

/**
 * Counts of items inserted during a batch (rememberMany), added up in memory and written once by flushCounts,
 * inside the batch's transaction: the same sums countInserted writes one item at a time. The counts every item
 * moves are plain numbers, and a run of items of one active day is counted before it goes into `days`: an import
 * adds no map entry or string per item.
 */
export interface PendingCounts {
  /** Items counted (the key 'tiers'), and of them pinned, redacted and hot. */
  tiers: number;
  pinned: number;
  redacted: number;
  hot: number;
  /** By kind (each counted under 'kind:' and the kind). */
  kinds: Map<string, number>;
  /** Items not hot by active day (YYYY-MM-DD), without the run below. */
  days: Map<string, number>;
  /** The active time of the last item not hot, and how many items of its day came in a row up to it. */
  runAt: string;
  runN: number;
}

export function pendingCounts(): PendingCounts {
  return { tiers: 0, pinned: 0, redacted: 0, hot: 0, kinds: new Map(), days: new Map(), runAt: "", runN: 0 };
}

/** countInserted, held in `p` until flushCounts. */
export function countLater(p: PendingCounts, kind: string, pinned: boolean, redacted: boolean, hot: boolean, activeAt: string): void {
  p.tiers++;
  p.kinds.set(kind, (p.kinds.get(kind) ?? 0) + 1);
  if (pinned) p.pinned++;
  if (redacted) p.redacted++;
  if (hot) p.hot++;
  else if (p.runN > 0 && sameDay(activeAt, p.runAt)) p.runN++;
  else {
    endRun(p);
    p.runAt = activeAt;
    p.runN = 1;
  }
}

/** Whether two ISO dates name the same day (their first ten characters are the same). */
function sameDay(a: string, b: string): boolean {
  for (let i = 0; i < 10; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/** Adds the run of one day's items to `days`. */
function endRun(p: PendingCounts): void {
  if (p.runN === 0) return;
  const day = p.runAt.slice(0, 10);
  p.days.set(day, (p.days.get(day) ?? 0) + p.runN);
  p.runN = 0;
}

/**
 * Writes the held counts and empties `p`. Called before anything in the batch that fires the count triggers
 * (a merge, a supersede: they move an item's counts from one key or day to another), and at its end.
 */
export function flushCounts(db: Database, p: PendingCounts): void {
  endRun(p);
  const keys: [string, number][] = [];
  for (const [key, n] of [["tiers", p.tiers], ["pinned", p.pinned], ["redacted", p.redacted], ["hot", p.hot]] as const) if (n) keys.push([key, n]);
  for (const [kind, n] of p.kinds) keys.push([`kind:${kind}`, n]);
  if (keys.length) {
    const st = db.prepare("UPDATE memory_counts SET n = n + ? WHERE key = ?");
    for (const [key, n] of keys) st.run(n, key);
  }
  if (p.days.size) {
    // One statement for every day (an import of a few years' items holds a thousand), the days as a JSON object.
    db.prepare(
      `INSERT INTO memory_active_days (day, n) SELECT key, value FROM json_each(?) WHERE true
       ON CONFLICT (day) DO UPDATE SET n = n + excluded.n`,
    ).run(JSON.stringify(Object.fromEntries(p.days)));
  }
  p.tiers = p.pinned = p.redacted = p.hot = 0;
  p.kinds.clear();
  p.days.clear();
}

/** The first `length` characters of `s` with the last one raised by one: every string starting with them sorts before it. */
function nextPrefix(s: string, length: number): string {
  const p = s.slice(0, length);
  return p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
}

/**
 * Tier rows that are not hot and active at or after `cut`: the days after the cut's own day from the
 * per-day counts, and that day itself through the (hot, active_at) index. Bounded by the days of the warm
 * window and the items of one day, whatever the store's size.
 */
export function notHotSince(db: Database, cut: string): number {
  const day = cut.slice(0, 10);
  return db
    .prepare<{ n: number }>(
      `SELECT coalesce((SELECT sum(n) FROM memory_active_days WHERE day > ?), 0)
         + (SELECT count(*) FROM memory_tiers WHERE hot = 0 AND active_at >= ? AND active_at < ?) AS n`,
    )
    .get(day, cut, nextPrefix(cut, 10))!.n;
}

/** Items per tier at the cuts `c`, from the maintained counts (`counts`: read when not given). */
export function maintainedTierCounts(db: Database, c: Cuts, counts = maintainedCounts(db)): Record<MemoryTier, number> {
  const hot = counts.get("hot") ?? 0;
  const warm = notHotSince(db, c.warm);
  return { hot, warm, cold: (counts.get("tiers") ?? 0) - hot - warm };
}

/**
 * How many current items have a vector of `model`, of another model, or lack one of `model`, from the
 * maintained counts: the same figures as the index counts of src/memory/vectors.ts, in constant time.
 */
export function maintainedEmbeddingCounts(db: Database, model: string, counts = maintainedCounts(db)): EmbeddingCounts {
  const items = (counts.get("tiers") ?? 0) - (counts.get("superseded") ?? 0);
  let embedded = 0;
  let other = 0;
  for (const [key, n] of counts) {
    if (!key.startsWith("emb:") || !key.endsWith(":1")) continue;
    if (key === `emb:${model}:1`) embedded += n;
    else other += n;
  }
  return { items, embedded, otherModels: other, pending: Math.max(0, items - embedded) };
}

/** Counts per tier and kind, and the database's size, from the maintained counts and a few index seeks. */
export function stats(ctx: Ctx): MemoryStats {
  const { db } = ctx;
  const counts = maintainedCounts(db);
  const byKind = Object.fromEntries(MEMORY_KINDS.map((k) => [k, counts.get(`kind:${k}`) ?? 0])) as Record<MemoryKind, number>;
  // The same figures every screen shows (queries.ts memoryCounts): current items, and the superseded apart.
  const { current, superseded } = memoryCounts(db);
  const total = current + superseded;
  let embeddings = 0;
  for (const [key, n] of counts) if (key.startsWith("emb:")) embeddings += n;
  // The ends of the created_at index: one seek each.
  const span = db
    .prepare<{ oldest: string | null; newest: string | null }>("SELECT (SELECT min(created_at) FROM memory_items) AS oldest, (SELECT max(created_at) FROM memory_items) AS newest")
    .get()!;
  const pages = db.prepare<{ page_count: number }>("PRAGMA page_count").get()!.page_count;
  const pageSize = db.prepare<{ page_size: number }>("PRAGMA page_size").get()!.page_size;
  let walBytes = 0;
  try {
    walBytes = statSync(`${db.path}-wal`).size;
  } catch {}
  return {
    total,
    active: current,
    superseded,
    pinned: counts.get("pinned") ?? 0,
    redacted: counts.get("redacted") ?? 0,
    embeddings,
    byTier: maintainedTierCounts(db, ctx.cuts(), counts),
    byKind,
    oldest: span.oldest,
    newest: span.newest,
    dbBytes: pages * pageSize,
    walBytes,
  };
}
