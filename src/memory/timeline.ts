/**
 * What the store held over time, for the dashboard's chart: current items by the month they happened and their
 * kind, and the moves between tiers by month (the tiers now are in `stats()`). One pass over the items: a caller that
 * shows it often keeps it while `memoryVersion` is unchanged.
 */
import type { Database } from "../kernel/storage/index.ts";

export interface MemoryTimeline {
  /** "YYYY-MM", oldest first. */
  months: string[];
  /** For each kind, the items that happened in each month. */
  byKind: Record<string, number[]>;
  /** Moves into each tier, by month (from the tier history). */
  moves: Record<string, number[]>;
}

/** Changes whenever an item is added, edited, forgotten or moved. */
export function memoryVersion(db: Database): string {
  const r = db.prepare<{ n: number | null; m: number | null; e: number | null }>(
    "SELECT (SELECT max(id) FROM memory_items) AS m, (SELECT max(rowid) FROM memory_tier_events) AS e, (SELECT n FROM memory_counts WHERE key = 'tiers') AS n",
  ).get();
  return `${r?.m ?? 0}:${r?.e ?? 0}:${r?.n ?? 0}`;
}

export function memoryTimeline(db: Database): MemoryTimeline {
  const rows = db
    .prepare<{ month: string; kind: string; n: number }>(
      "SELECT substr(created_at, 1, 7) AS month, kind, count(*) AS n FROM memory_items WHERE superseded_by IS NULL GROUP BY month, kind ORDER BY month",
    )
    .all();
  const moves = db
    .prepare<{ month: string; tier: string; n: number }>("SELECT substr(at, 1, 7) AS month, to_tier AS tier, count(*) AS n FROM memory_tier_events GROUP BY month, tier ORDER BY month")
    .all();
  const months = [...new Set([...rows.map((r) => r.month), ...moves.map((r) => r.month)])].sort();
  const at = new Map(months.map((m, i) => [m, i]));
  const byKind: Record<string, number[]> = {};
  for (const r of rows) (byKind[r.kind] ??= months.map(() => 0))[at.get(r.month)!] = r.n;
  const moved: Record<string, number[]> = {};
  for (const r of moves) (moved[r.tier] ??= months.map(() => 0))[at.get(r.month)!] = r.n;
  return { months, byKind, moves: moved };
}
