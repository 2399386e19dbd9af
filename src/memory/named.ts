/**
 * The items of a window of time: those told within it (the store's `between`) and those whose text names a
 * day of it ("dentist on 10 December", "lunch with Bob tomorrow"). An event is stored when the user tells
 * pai about it, so its own date is only in its words: two bounded full-text searches find the candidates
 * (calendar dates written as any day of the window, and relative words told shortly before or within it),
 * then namesDayIn reads each one's dates exactly, against when it was told.
 */
import type { Audience } from "../kernel/privacy.ts";
import type { Database } from "../kernel/storage/index.ts";
import { matchExpression } from "./text.ts";
import { dayPhrases, namesDayIn, RELATIVE_DAY_WORDS, type TimeWindow } from "./time.ts";
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
  const phrases = dayPhrases(window.from, window.to);
  if (phrases.length) rows.push(...db.prepare<Candidate>(sql("")).all(`content : (${matchExpression(phrases)})`, CANDIDATES));
  const toldFrom = new Date(window.from.getTime() - RELATIVE_REACH_MS).toISOString();
  rows.push(
    ...db
      .prepare<Candidate>(sql(" AND m.created_at >= ? AND m.created_at < ?"))
      .all(`content : (${matchExpression(RELATIVE_DAY_WORDS)})`, toldFrom, window.to.toISOString(), CANDIDATES),
  );
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
