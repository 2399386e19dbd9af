/** Consolidation: cold memories of a month summarised into one note that keeps where it came from. */
import { M_COLS, toItem, type Ctx, type Row } from "./rows.ts";
import type { MemoryItem } from "./types.ts";
import { insertOne } from "./write.ts";

/**
 * Summarises cold memories month by month (at most `maxPeriods` months, `maxItemsPerSummary` items per
 * summary) into notes derived from them; returns how many summaries were written.
 */
export async function consolidate(
  ctx: Ctx,
  summarize: (items: MemoryItem[], period: { from: string; to: string }) => Promise<string>,
  opts: { maxPeriods?: number; maxItemsPerSummary?: number } = {},
): Promise<number> {
  const { db } = ctx;
  const maxPeriods = opts.maxPeriods ?? 12;
  const chunk = opts.maxItemsPerSummary ?? 200;
  // Cold (not hot, active before the warm cut: a range of the (hot, active_at) index), current, unpinned,
  // not yet consolidated items, grouped by calendar month of when they happened.
  const warm = ctx.cuts().warm;
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
      const c = ctx.cuts();
      db.transaction(() =>
        insertOne(
          ctx,
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
}
