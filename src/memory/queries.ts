/**
 * Small read-only questions other concerns ask of memory's tables, answered without opening a store (no
 * statements prepared, no page cache set): cheap enough for `pai status` and a read-only connection.
 */
import type { Driver } from "../kernel/storage/types.ts";

/** How many items the database holds (current and replaced alike); 0 when it has no memory table yet. */
export function countItems(db: Pick<Driver, "prepare">): number {
  const c = memoryCounts(db);
  return c.current + c.superseded;
}

/**
 * What every screen calls "memories": the current items (those not replaced by an edit), and apart from them the
 * superseded ones. From the counts kept by triggers (memory_counts) when the database has them, so it takes the
 * same time whatever the store's size; zeros when there is no memory table yet.
 */
export function memoryCounts(db: Pick<Driver, "prepare">): { current: number; superseded: number } {
  const table = (name: string) => !!db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
  if (!table("memory_items")) return { current: 0, superseded: 0 };
  if (table("memory_counts")) {
    const r = db
      .prepare<{ total: number | null; superseded: number | null }>(
        "SELECT (SELECT sum(n) FROM memory_counts WHERE key LIKE 'kind:%') AS total, (SELECT n FROM memory_counts WHERE key = 'superseded') AS superseded",
      )
      .get();
    const total = Number(r?.total ?? 0);
    const superseded = Number(r?.superseded ?? 0);
    return { current: total - superseded, superseded };
  }
  const r = db
    .prepare<{ total: number; superseded: number | null }>("SELECT count(*) AS total, sum(superseded_by IS NOT NULL) AS superseded FROM memory_items")
    .get();
  const superseded = Number(r?.superseded ?? 0);
  return { current: Number(r?.total ?? 0) - superseded, superseded };
}

/**
 * The newest current episode whose source starts with `prefix` ("ask:" for 'pai ask' exchanges; compared as
 * LIKE does, ignoring ASCII case), or undefined.
 */
export function latestEpisodeId(db: Pick<Driver, "prepare">, prefix: string): number | undefined {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .prepare<{ id: number }>(
      "SELECT id FROM memory_items WHERE kind = 'episode' AND source LIKE ? ESCAPE '\\' AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
    )
    .get(pattern)?.id;
}
