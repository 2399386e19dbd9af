/**
 * How every screen counts the Telos (status, doctor, `pai telos check`, `pai telos list`): one definition of each.
 * Telos files are the files of the Telos that exist: the ten files and preferences.md. Telos items are the
 * items of those files (preferences.md holds free-text lines, not items), inactive ones included and also
 * counted apart.
 */
import type { TelosDoc } from "./types.ts";

/** How many Telos files exist. */
export function telosFileCount(docs: readonly TelosDoc[]): number {
  return docs.filter((d) => d.mtimeMs > 0).length;
}

/** The items of these files: all of them, the active ones and the inactive ones. */
export function telosItemCounts(docs: readonly TelosDoc[]): { items: number; active: number; inactive: number } {
  let items = 0;
  let inactive = 0;
  for (const d of docs) {
    if (d.name === "preferences") continue;
    items += d.items.length;
    inactive += d.items.filter((i) => !i.active).length;
  }
  return { items, active: items - inactive, inactive };
}

/** "12 items (3 inactive)", or "12 items" when none is inactive. */
export function telosItemsText(c: { items: number; inactive: number }, noun = "items"): string {
  return `${c.items} ${c.items === 1 ? noun.replace(/s$/, "") : noun}${c.inactive ? ` (${c.inactive} inactive)` : ""}`;
}
