/** What the store holds: counts by tier and kind, and the size of the database file and its write-ahead log. */
import { statSync } from "node:fs";
import type { Ctx } from "./rows.ts";
import { tierCounts } from "./tiers.ts";
import { MEMORY_KINDS, type MemoryKind, type MemoryStats } from "./types.ts";

/** Counts per tier and kind, and the database's size; each count through an index or the narrow tier table. */
export function stats(ctx: Ctx): MemoryStats {
  const { db } = ctx;
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
    // The narrow table of sign bits has one row per vector: counting it reads no float vector.
    embeddings: db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_embedding_bits").get()!.n,
    byTier: tierCounts(ctx, ctx.cuts()),
    byKind,
    oldest: agg.oldest,
    newest: agg.newest,
    dbBytes: pages * pageSize,
    walBytes,
  };
}
