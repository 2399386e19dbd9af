/**
 * Forgetting, memory's part: deleting items for good (their text, index entries, embeddings and their sign
 * bits, tier rows and links, with secure-delete on and the write-ahead log emptied), and choosing what goes
 * with the items asked for: every version of an edited item, and the action memories that quote one. The
 * copies other concerns hold are blanked by the caller with the same needles (src/app/forget.ts).
 */
import type { Ctx } from "./rows.ts";
import { dateWords } from "./text.ts";
import { aroundOf, unlinkFollowers } from "./threads.ts";
import type { MemoryStore } from "./types.ts";

/** How much of a memory is looked for in its copies: copies are often clipped, never shorter than this prefix. */
const NEEDLE_CHARS = 200;
/** Shorter texts are too common to look for ("yes", "ok"): the item goes, its copies are not searched. */
export const MIN_NEEDLE = 12;

export interface MemoryForget {
  /** Every item deleted: the ones asked for, their versions and the action memories quoting them. */
  forgotten: number[];
  /** Ids asked for that did not exist. */
  missing: number[];
  /** Earlier or later versions (edits) of the items asked for, deleted with them. */
  versions: number[];
  /** Action memories that quoted the text, deleted with it. */
  actions: number[];
  /** Other memories that mention the text: the user's own, kept. */
  mentions: number[];
  /** What the forgotten text is looked for by in the copies other concerns hold. */
  needles: string[];
  /** Forgotten texts too short to look for elsewhere. */
  unsearched: number;
}

/** Deletes items for good; returns how many existed. The versions they replaced become current again. */
export function deleteItems(ctx: Ctx, ids: number[]): number {
  const { db, q } = ctx;
  const list = [...new Set(ids.filter((n) => Number.isInteger(n)))];
  if (!list.length) return 0;
  let removed = 0;
  db.exec("PRAGMA secure_delete = ON");
  try {
    db.transaction(() => {
      const del = db.prepare("DELETE FROM memory_items WHERE id = ?");
      unlinkFollowers(ctx, list);
      for (const id of list) {
        const row = q.get.get(id);
        if (!row) continue;
        q.deleteFts.run(id, row.content, dateWords(row.created_at), aroundOf(ctx, row.follows));
        removed += del.run(id).changes;
        db.prepare("DELETE FROM memory_embeddings WHERE item_id = ?").run(id);
        db.prepare("DELETE FROM memory_embedding_bits WHERE item_id = ?").run(id);
        db.prepare("DELETE FROM memory_tiers WHERE item_id = ?").run(id);
        db.prepare("DELETE FROM memory_tier_events WHERE item_id = ?").run(id);
        db.prepare("DELETE FROM memory_links WHERE item_id = ? OR from_id = ?").run(id, id);
        // The version it replaced becomes current again.
        db.prepare("UPDATE memory_tiers SET current = 1 WHERE item_id IN (SELECT id FROM memory_items WHERE superseded_by = ?)").run(id);
        db.prepare("UPDATE memory_items SET superseded_by = NULL WHERE superseded_by = ?").run(id);
        db.prepare("UPDATE memory_items SET supersedes = NULL WHERE supersedes = ?").run(id);
      }
    });
    // Leave no copy of the forgotten text in the write-ahead log.
    try {
      db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
    } catch {}
  } finally {
    db.exec("PRAGMA secure_delete = OFF");
  }
  return removed;
}

/** The needles for some texts: their first characters as written, and as they appear inside stored JSON. */
export function needlesOf(texts: string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    const n = t.trim().slice(0, NEEDLE_CHARS);
    if (n.length < MIN_NEEDLE) continue;
    out.add(n);
    out.add(JSON.stringify(n).slice(1, -1));
  }
  return [...out];
}

/** Every version of an item: what it replaced, and what replaced it, to the ends of the chain. */
function versionsOf(store: MemoryStore, id: number): number[] {
  const out: number[] = [];
  const seen = new Set([id]);
  const item = store.get(id);
  if (!item) return out;
  for (const dir of ["supersedes", "supersededBy"] as const) {
    for (let cur = item[dir], guard = 0; cur !== null && guard < 10_000 && !seen.has(cur); guard++) {
      const o = store.get(cur);
      if (!o) break;
      seen.add(cur);
      out.push(cur);
      cur = o[dir];
    }
  }
  return out;
}

/**
 * Forgets the items asked for, every version of them and the action memories that quote them (copies made by
 * pai; other memories are the user's own and are only named). Returns what went and the needles to look for
 * the text elsewhere.
 */
export function forgetItems(store: MemoryStore, ids: number[]): MemoryForget {
  const asked = [...new Set(ids)];
  const missing = asked.filter((id) => !store.get(id));
  const present = asked.filter((id) => !missing.includes(id));
  const target = new Set(present);
  const versions: number[] = [];
  for (const id of present) {
    for (const v of versionsOf(store, id)) {
      if (target.has(v)) continue;
      target.add(v);
      versions.push(v);
    }
  }
  const texts = [...target].map((id) => store.get(id)!.content);
  const needles = needlesOf(texts);
  const unsearched = texts.filter((t) => t.trim().length < MIN_NEEDLE).length;

  const actions: number[] = [];
  const others = new Set<number>();
  const quoting = store.db.prepare<{ id: number; kind: string }>("SELECT id, kind FROM memory_items WHERE instr(content, ?) > 0");
  for (const n of needles) {
    for (const r of quoting.all(n)) {
      if (target.has(r.id)) continue;
      if (r.kind === "action") {
        target.add(r.id);
        actions.push(r.id);
      } else others.add(r.id);
    }
  }

  const all = [...target];
  store.forget(all);
  const byId = (a: number, b: number) => a - b;
  return {
    forgotten: all.sort(byId),
    missing,
    versions: versions.sort(byId),
    actions: actions.sort(byId),
    mentions: [...others].sort(byId),
    needles,
    unsearched,
  };
}
