/**
 * Publishing: the outbox (local changes recorded by triggers) becomes operations in this device's own file.
 * Each operation carries its id, this device, a Lamport clock, its type and the item's global id; everything
 * else (the text, the fields) is sealed with the item's own key. New item keys are written (sealed under the
 * sync key) to this device's keys file before the operations that need them. A forget deletes the item's key
 * here and from this device's keys file.
 */
import { appendLines, deviceDir, dropKeys, ensureDeviceDir, fileSize, keysFile, opsName, ROTATE_BYTES } from "./files.ts";
import { newKey, seal, uuid7 } from "./crypto.ts";
import { numState, setState } from "./state.ts";
import type { SyncCtx } from "./types.ts";
import { join } from "node:path";

interface OutRow {
  seq: number;
  type: string;
  item_id: number | null;
  gid: string | null;
  field: string | null;
  value: string | number | null;
}

interface ItemRow {
  gid: string | null;
  content: string;
  kind: string;
  pinned: number;
  visibility: string;
  created_at: string;
  importance: number;
  source: string | null;
  supersedes: number | null;
  derived_from: string | null;
}

const PAGE = 5000;

/** Writes every pending local change; returns how many operations were written. */
export function publish(ctx: SyncCtx): number {
  let written = 0;
  for (;;) {
    const n = publishPage(ctx);
    written += n.ops;
    if (!n.more) return written;
  }
}

function publishPage(ctx: SyncCtx): { ops: number; more: boolean } {
  const { db, device, folder } = ctx;
  if (!db.prepare("SELECT 1 AS x FROM sync_outbox LIMIT 1").get()) return { ops: 0, more: false };
  const item = db.prepare<ItemRow>(
    "SELECT gid, content, kind, pinned, visibility, created_at, importance, source, supersedes, derived_from FROM memory_items WHERE id = ?",
  );
  const gidOf = db.prepare<{ gid: string | null }>("SELECT gid FROM memory_items WHERE id = ?");
  const keyOf = db.prepare<{ key: Uint8Array }>("SELECT key FROM sync_keys WHERE gid = ?");
  const addKey = db.prepare("INSERT OR REPLACE INTO sync_keys (gid, key) VALUES (?, ?)");
  const setField = db.prepare(
    "INSERT INTO sync_fields (gid, field, clock, device) VALUES (?, ?, ?, ?) ON CONFLICT (gid, field) DO UPDATE SET clock = excluded.clock, device = excluded.device",
  );
  const tomb = db.prepare("INSERT OR IGNORE INTO sync_tombstones (gid, at) VALUES (?, ?)");
  let clock = numState(db, "clock");
  const at = ctx.now().toISOString();
  const ops: string[] = [];
  const keys: string[] = [];
  const forgotten = new Set<string>();
  const line = (type: string, gid: string, ciphertext?: string) =>
    ops.push(JSON.stringify({ op_id: uuid7(), device, clock: ++clock, type, gid, at, ...(ciphertext ? { ciphertext } : {}) }));

  let taken = 0;
  db.transaction(() => {
    // Read under the write lock: two syncs at once on this device never publish the same change twice.
    const rows = db.prepare<OutRow>("SELECT seq, type, item_id, gid, field, value FROM sync_outbox ORDER BY seq LIMIT ?").all(PAGE);
    taken = rows.length;
    if (!rows.length) return;
    clock = numState(db, "clock");
    for (const r of rows) {
      if (r.type === "forget") {
        if (!r.gid) continue;
        tomb.run(r.gid, at);
        forgotten.add(r.gid);
        line("forget", r.gid);
        continue;
      }
      const it = r.item_id !== null ? item.get(r.item_id) : undefined;
      if (!it?.gid) continue; // forgotten since: its forget follows
      let key = keyOf.get(it.gid)?.key;
      if (r.type === "create") {
        if (!key) {
          key = newKey();
          addKey.run(it.gid, key);
          keys.push(JSON.stringify({ gid: it.gid, key: seal(ctx.key, Buffer.from(key), it.gid) }));
        }
        const derived = it.derived_from ? (JSON.parse(it.derived_from) as number[]).map((id) => gidOf.get(id)?.gid).filter(Boolean) : [];
        const fields = {
          content: it.content,
          kind: it.kind,
          pinned: it.pinned === 1,
          visibility: it.visibility,
          created_at: it.created_at,
          importance: it.importance,
          source: it.source,
          supersedes: it.supersedes !== null ? (gidOf.get(it.supersedes)?.gid ?? null) : null,
          derived_from: derived,
        };
        line("create", it.gid, seal(Buffer.from(key), JSON.stringify(fields), it.gid));
      } else if (r.type === "set" && r.field && key) {
        const value = r.field === "pinned" ? r.value === 1 : r.value;
        line("set", it.gid, seal(Buffer.from(key), JSON.stringify({ field: r.field, value }), it.gid));
        setField.run(it.gid, r.field, clock, device);
      }
    }
    // Keys first: an operation is never on disk before the key that opens it.
    ensureDeviceDir(folder, device);
    appendLines(keysFile(folder, device), keys);
    appendLines(currentOpsFile(ctx), ops);
    db.prepare("DELETE FROM sync_outbox WHERE seq <= ?").run(rows[rows.length - 1]!.seq);
    setState(db, "clock", clock);
  });
  if (forgotten.size) dropItemKeys(ctx, forgotten);
  return { ops: ops.length, more: taken === PAGE };
}

/** This device's operation file to append to: the current one, or the next once it has grown past ROTATE_BYTES. */
function currentOpsFile(ctx: SyncCtx): string {
  let n = Math.max(1, numState(ctx.db, "file"));
  let file = join(deviceDir(ctx.folder, ctx.device), opsName(n));
  if (fileSize(file) >= ROTATE_BYTES) {
    n++;
    file = join(deviceDir(ctx.folder, ctx.device), opsName(n));
  }
  setState(ctx.db, "file", n);
  return file;
}

/** Deletes forgotten items' keys: here (secure delete, write-ahead log emptied) and from this device's keys file. */
export function dropItemKeys(ctx: SyncCtx, gids: Set<string>): void {
  const { db } = ctx;
  db.exec("PRAGMA secure_delete = ON");
  try {
    db.transaction(() => {
      const del = db.prepare("DELETE FROM sync_keys WHERE gid = ?");
      for (const g of gids) del.run(g);
    });
    try {
      db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
    } catch {}
  } finally {
    db.exec("PRAGMA secure_delete = OFF");
  }
  dropKeys(ctx.folder, ctx.device, gids);
}
