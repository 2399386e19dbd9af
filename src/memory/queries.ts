/**
 * Small read-only questions other concerns ask of memory's tables, answered without opening a store (no
 * statements prepared, no page cache set): cheap enough for `pai status` and a read-only connection.
 */
import type { Driver } from "../kernel/storage/types.ts";

/** How many items the database holds (current and replaced alike); 0 when it has no memory table yet. */
export function countItems(db: Pick<Driver, "prepare">): number {
  const has = db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'memory_items'").get();
  if (!has) return 0;
  return Number(db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_items").get()?.n ?? 0);
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
