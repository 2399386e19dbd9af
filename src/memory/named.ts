/**
 * The items of a window of time: those told within it (the store's `between`) and those whose text names a
 * day of it ("dentist on 10 December", "lunch with Bob tomorrow"). An event is stored when the user tells
 * pai about it, so its own date is only in its words: two bounded full-text searches find the candidates
 * (the words of calendar dates of the window's days, and relative words told shortly before or within it),
 * then namesDayIn reads each one's dates exactly, against when it was told.
 */
import type { Audience } from "../kernel/privacy.ts";
import type { Database } from "../kernel/storage/index.ts";
import { matchExpression } from "./text.ts";
import { dayTerms, namesDayIn, RELATIVE_DAY_WORDS, type TimeWindow } from "./time.ts";
import type { MemoryItem, MemoryStore } from "./types.ts";

/** Most candidates each search reads (newest first). */
const CANDIDATES = 400;
/** How long before a window an item may have been told and still name one of its days ("in 12 days"). */
const RELATIVE_REACH_MS = 13 * 86_400_000;

interface Candidate {
  id: number;
  content: string;
  created_at: string;
}

/** Current items whose text names a day of the window (newest first). */
export function naming(db: Database, store: MemoryStore, window: Pick<TimeWindow, "from" | "to">, opts: { audience?: Audience; limit?: number } = {}): MemoryItem[] {
  const limit = Math.max(1, Math.min(opts.limit ?? 20, 1000));
  const vis = opts.audience === "cloud" ? " AND m.visibility = 'shareable'" : "";
  const sql = (extra: string) =>
    `SELECT m.id, m.content, m.created_at FROM memory_fts JOIN memory_items m ON m.id = memory_fts.rowid
     WHERE memory_fts MATCH ? AND m.superseded_by IS NULL${vis}${extra} ORDER BY m.id DESC LIMIT ?`;
  const rows: Candidate[] = [];
  const { names, days, iso } = dayTerms(window.from, window.to);
  if (names.length) {
    const calendar = `content : ((${matchExpression(names)}) AND (${matchExpression(days)})) OR content : (${matchExpression(iso)})`;
    rows.push(...db.prepare<Candidate>(sql("")).all(calendar, CANDIDATES));
  }
  // Relative words are told shortly before the window or within it. Weekdays are also among the date words of
  // every item (the `context` column), so their entries span the whole index: the ids of the items told in that
  // time bound the search (items are mostly told in order, so the range is narrow; it is exact either way).
  const toldFrom = new Date(window.from.getTime() - RELATIVE_REACH_MS).toISOString();
  const toldTo = window.to.toISOString();
  const ids = db
    .prepare<{ lo: number | null; hi: number | null }>("SELECT min(id) AS lo, max(id) AS hi FROM memory_items WHERE created_at >= ? AND created_at < ?")
    .get(toldFrom, toldTo);
  if (ids?.lo != null && ids.hi != null) {
    rows.push(
      ...db
        .prepare<Candidate>(sql(" AND m.created_at >= ? AND m.created_at < ? AND memory_fts.rowid BETWEEN ? AND ?"))
        .all(`content : (${matchExpression(RELATIVE_DAY_WORDS)})`, toldFrom, toldTo, ids.lo, ids.hi, CANDIDATES),
    );
  }
  const seen = new Set<number>();
  const out: MemoryItem[] = [];
  for (const r of rows.sort((a, b) => b.id - a.id)) {
    if (seen.has(r.id) || out.length >= limit) continue;
    seen.add(r.id);
    if (!namesDayIn(r.content, new Date(r.created_at), window.from, window.to)) continue;
    const item = store.get(r.id);
    if (item) out.push(item);
  }
  return out;
}

/**
 * What a window of time brings: items told within it and items naming one of its days, without duplicates,
 * at most `limit`. For a window ahead ("tomorrow", "next week") the items naming it come first; for a past
 * one, what was told then.
 */
export function itemsOfWindow(
  db: Database,
  store: MemoryStore,
  window: Pick<TimeWindow, "from" | "to" | "ahead">,
  opts: { audience?: Audience; limit?: number } = {},
): MemoryItem[] {
  const told = store.between(window.from, window.to, opts);
  const named = naming(db, store, window, opts);
  const seen = new Set<number>();
  const all = window.ahead ? [...named, ...told] : [...told, ...named];
  return all.filter((m) => !seen.has(m.id) && (seen.add(m.id), true)).slice(0, Math.max(1, opts.limit ?? 20));
}
