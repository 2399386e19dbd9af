/**
 * Applying what other devices wrote: each device's files are read from where the last sync stopped, each line
 * is one operation. Applying is idempotent (a creation by its global id, any other operation by its id, kept
 * in sync_seen), a forget wins over everything and for ever (sync_tombstones), a field changed after creation
 * keeps the last writer by (Lamport clock, device), and a creation is never lost (two edits of one item made
 * apart both stay). Operations are applied in chunks, each in one transaction; a chunk that fails is applied
 * again one operation per transaction, so a bad operation is skipped alone and nothing is ever applied half. A
 * line that does not parse or whose sealed part does not open is skipped and reported. An operation whose key
 * or item has not arrived yet waits for a later sync.
 */
import { open } from "./crypto.ts";
import { devicesIn, fileSize, opsFiles, deviceDir, readFrom, readKeys } from "./files.ts";
import { dropItemKeys } from "./publish.ts";
import { DROP_OUTBOX_TRIGGERS, OUTBOX_TRIGGERS } from "./schema.ts";
import { addState, numState, setState } from "./state.ts";
import type { ApplyReport, SkippedLine, SyncCtx } from "./types.ts";
import type { RememberInput } from "../types.ts";
import { join } from "node:path";

interface Op {
  op_id: string;
  device: string;
  clock: number;
  type: "create" | "set" | "forget";
  gid: string;
  at?: string;
  ciphertext?: string;
}

interface Entry {
  file: string;
  /** Where the line ends in its file (the offset to store once it is dealt with). */
  end: number;
  op?: Op;
  bad?: SkippedLine;
}

interface Created {
  content: string;
  kind: RememberInput["kind"];
  pinned: boolean;
  visibility: RememberInput["visibility"];
  created_at: string;
  importance: number;
  source: string | null;
  supersedes: string | null;
  derived_from: string[];
}

const CHUNK = 5000;
const TYPES = new Set(["create", "set", "forget"]);
const GID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function applyAll(ctx: SyncCtx): ApplyReport {
  const report: ApplyReport = { applied: 0, duplicates: 0, conflicts: 0, forgotten: 0, skipped: [], waiting: 0 };
  const byDevice = new Map<string, Entry[]>();
  for (const dev of devicesIn(ctx.folder)) {
    if (dev === ctx.device) continue;
    const entries = readNew(ctx, dev);
    if (entries.length) byDevice.set(dev, entries);
  }
  if (byDevice.size) {
    // Forgets first, wherever they are: an item forgotten later in a file is never created, and the create of
    // an item whose key is already gone does not wait for ever.
    const tomb = ctx.db.prepare("INSERT OR IGNORE INTO sync_tombstones (gid, at) VALUES (?, ?)");
    ctx.db.transaction(() => {
      for (const entries of byDevice.values()) for (const e of entries) if (e.op?.type === "forget") tomb.run(e.op.gid, e.op.at ?? ctx.now().toISOString());
      setState(ctx.db, "heal", 1);
    });
    const keys = new Map<string, Map<string, string>>();
    // Every forgotten global id, at hand (a forget is rare beside what is created).
    const tombs = new Set(ctx.db.prepare<{ gid: string }>("SELECT gid FROM sync_tombstones").all().map((r) => r.gid));
    // What waits on one device's file may need what another's brings (an item made there, changed here): a
    // device whose operations waited is tried again while another pass makes progress.
    let left = [...byDevice];
    for (let pass = 0; pass < 4 && left.length; pass++) {
      const before = left.reduce((n, [, e]) => n + e.length, 0);
      left = left.map(([dev, entries]) => [dev, applyDevice(ctx, dev, entries, keys, report, tombs)] as [string, Entry[]]).filter(([, e]) => e.length);
      if (left.reduce((n, [, e]) => n + e.length, 0) === before) break;
    }
    report.waiting = left.reduce((n, [, e]) => n + e.length, 0);
  }
  addState(ctx.db, "applied", report.applied);
  addState(ctx.db, "conflicts", report.conflicts);
  addState(ctx.db, "skipped", report.skipped.length);
  return report;
}

/** The complete lines another device appended since the last sync, parsed. */
function readNew(ctx: SyncCtx, dev: string): Entry[] {
  const out: Entry[] = [];
  const offsets = new Map(ctx.db.prepare<{ file: string; offset: number }>("SELECT file, offset FROM sync_offsets WHERE device = ?").all(dev).map((r) => [r.file, r.offset]));
  for (const name of opsFiles(ctx.folder, dev)) {
    const path = join(deviceDir(ctx.folder, dev), name);
    const from = offsets.get(name) ?? 0;
    const size = fileSize(path);
    if (size <= from) continue;
    const buf = readFrom(path, from, size);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; start = nl + 1, nl = buf.indexOf(10, start)) {
      const end = from + nl + 1;
      const text = buf.toString("utf8", start, nl);
      if (!text.trim()) {
        out.push({ file: name, end });
        continue;
      }
      const op = parseOp(text, dev);
      out.push(typeof op === "string" ? { file: name, end, bad: { device: dev, file: name, offset: from + start, reason: op } } : { file: name, end, op });
    }
    // A line without its end yet is being written or carried: it is read once complete.
    if (start < buf.length) break;
  }
  return out;
}

function parseOp(text: string, dev: string): Op | string {
  let o: Partial<Op>;
  try {
    o = JSON.parse(text) as Partial<Op>;
  } catch {
    return "not a JSON line (truncated or corrupt)";
  }
  if (!o || typeof o !== "object") return "not an operation";
  if (typeof o.op_id !== "string" || typeof o.gid !== "string" || !GID.test(o.gid)) return "no operation id or global id";
  if (o.device !== dev) return `written by ${String(o.device)} in the directory of ${dev}`;
  if (!Number.isInteger(o.clock) || (o.clock as number) < 0) return "no clock";
  if (!TYPES.has(o.type as string)) return `unknown operation type ${String(o.type)}`;
  if (o.type !== "forget" && typeof o.ciphertext !== "string") return "no ciphertext";
  return o as Op;
}

/** Applies a device's entries in order; returns those left waiting (from the first that must wait). */
function applyDevice(ctx: SyncCtx, dev: string, entries: Entry[], keys: Map<string, Map<string, string>>, report: ApplyReport, tombs: Set<string>): Entry[] {
  for (let i = 0; i < entries.length; ) {
    const chunk = entries.slice(i, i + CHUNK);
    let used: number;
    try {
      used = runChunk(ctx, dev, chunk, keys, report, tombs);
    } catch {
      used = 0;
      // Again one operation per transaction: only the operation that fails is skipped.
      for (const e of chunk) {
        try {
          const n = runChunk(ctx, dev, [e], keys, report, tombs);
          if (n === 0) break;
          used++;
        } catch (err) {
          report.skipped.push({ device: dev, file: e.file, offset: e.end, reason: `could not be applied: ${(err as Error).message}` });
          ctx.db.transaction(() => saveOffset(ctx, dev, e));
          used++;
        }
      }
    }
    if (used < chunk.length) return entries.slice(i + used);
    i += used;
  }
  return [];
}

function saveOffset(ctx: SyncCtx, dev: string, e: Pick<Entry, "file" | "end">): void {
  ctx.db
    .prepare("INSERT INTO sync_offsets (device, file, offset) VALUES (?, ?, ?) ON CONFLICT (device, file) DO UPDATE SET offset = excluded.offset")
    .run(dev, e.file, e.end);
}

/** Applies entries in one transaction, up to the first that must wait; returns how many were dealt with. */
function runChunk(ctx: SyncCtx, dev: string, chunk: Entry[], keys: Map<string, Map<string, string>>, report: ApplyReport, tombs: Set<string>): number {
  const { db, store } = ctx;
  const r0 = { ...report, skipped: report.skipped.length };
  try {
    return db.transaction(() => {
      // What applying writes is no local change to publish again: the outbox triggers are off meanwhile (in this
      // transaction, so no other writer can make a change they would miss).
      db.exec(DROP_OUTBOX_TRIGGERS);
      const ends = new Map<string, number>();
      const seen = db.prepare<{ x: number }>("SELECT 1 AS x FROM sync_seen WHERE op_id = ?");
      const see = db.prepare("INSERT OR IGNORE INTO sync_seen (op_id) VALUES (?)");
      const idOf = db.prepare<{ id: number; pinned: number }>("SELECT id, pinned FROM memory_items WHERE gid = ?");
      const keyOf = db.prepare<{ key: Uint8Array }>("SELECT key FROM sync_keys WHERE gid = ?");
      const addKey = db.prepare("INSERT OR REPLACE INTO sync_keys (gid, key) VALUES (?, ?)");
      const field = db.prepare<{ clock: number; device: string }>("SELECT clock, device FROM sync_fields WHERE gid = ? AND field = ?");
      const setField = db.prepare(
        "INSERT INTO sync_fields (gid, field, clock, device) VALUES (?, ?, ?, ?) ON CONFLICT (gid, field) DO UPDATE SET clock = excluded.clock, device = excluded.device",
      );
      let clock = numState(db, "clock");
      let lastAt: string | undefined;
      let lastClock = 0;
      let ops = 0;
      const pending: { gid: string; key: Buffer; input: RememberInput }[] = [];
      const pendingGids = new Set<string>();
      const flush = () => {
        if (!pending.length) return;
        const { ids } = store.rememberMany(pending.map((p) => p.input), { dedup: false });
        if (ids.length !== pending.length) throw new Error("an item was merged instead of created");
        for (const p of pending) addKey.run(p.gid, p.key);
        pending.length = 0;
        pendingGids.clear();
      };
      // A created item's key is in its creator's keys file; a changed item's key is here already.
      const itemKey = (op: Op): Buffer | undefined => {
        if (op.type !== "create") {
          const k = keyOf.get(op.gid)?.key;
          if (k) return Buffer.from(k);
        }
        let m = keys.get(op.device);
        if (!m) keys.set(op.device, (m = readKeys(ctx.folder, op.device)));
        const sealed = m.get(op.gid);
        const raw = sealed ? open(ctx.key, sealed, op.gid) : undefined;
        if (raw?.length === 32) return raw;
        const k = op.type === "create" ? keyOf.get(op.gid)?.key : undefined;
        return k ? Buffer.from(k) : undefined;
      };
      const head = (id: number): number => {
        const next = db.prepare<{ superseded_by: number | null }>("SELECT superseded_by FROM memory_items WHERE id = ?");
        for (let cur = id, guard = 0; guard < 1000; guard++) {
          const n = next.get(cur)?.superseded_by;
          if (n == null) return cur;
          cur = n;
        }
        return id;
      };

      let used = 0;
      for (const e of chunk) {
        const op = e.op;
        if (!op) {
          if (e.bad) report.skipped.push(e.bad);
          ends.set(e.file, e.end);
          used++;
          continue;
        }
        if (op.type === "create" ? idOf.get(op.gid) !== undefined : seen.get(op.op_id)) {
          report.duplicates++;
          ends.set(e.file, e.end);
          used++;
          continue;
        }
        let done = true;
        if (op.type === "forget") {
          // The tombstone is in; the item itself goes in heal(), after this transaction.
        } else if (tombs.has(op.gid)) {
          // Forgotten: never applied.
        } else {
          const key = itemKey(op);
          const plain = key ? open(key, op.ciphertext!, op.gid) : undefined;
          if (!key) done = false;
          else if (!plain) {
            report.skipped.push({ device: dev, file: e.file, offset: e.end, reason: "its sealed part does not open (corrupt, or another key)" });
            see.run(op.op_id);
            ends.set(e.file, e.end);
            used++;
            continue;
          } else if (op.type === "create") {
            const f = JSON.parse(plain.toString("utf8")) as Created;
            if (pendingGids.has(op.gid)) {
              report.duplicates++;
              ends.set(e.file, e.end);
              used++;
              continue;
            } else {
              if (f.supersedes && pendingGids.has(f.supersedes)) flush();
              const old = f.supersedes ? idOf.get(f.supersedes) : undefined;
              if (f.supersedes && !old && !tombs.has(f.supersedes)) done = false;
              else {
                const derived = (f.derived_from ?? []).map((g) => idOf.get(g)?.id).filter((x): x is number => x !== undefined);
                // Pinned here while it was edited there: the new version keeps the pin.
                const pinned = f.pinned || old?.pinned === 1;
                if (pinned && !f.pinned) report.conflicts++;
                pending.push({
                  gid: op.gid,
                  key,
                  input: {
                    gid: op.gid,
                    content: f.content,
                    kind: f.kind,
                    pinned,
                    visibility: f.visibility,
                    createdAt: f.created_at,
                    importance: f.importance,
                    source: f.source,
                    ...(old ? { supersedes: head(old.id) === old.id ? old.id : undefined } : {}),
                    ...(derived.length ? { derivedFrom: derived } : {}),
                  },
                });
                pendingGids.add(op.gid);
              }
            }
          } else {
            flush();
            const s = JSON.parse(plain.toString("utf8")) as { field: string; value: unknown };
            const it = idOf.get(op.gid);
            if (!it) done = false;
            else {
              const prev = field.get(op.gid, s.field);
              if (prev && prev.device !== op.device) report.conflicts++;
              const wins = !prev || prev.clock < op.clock || (prev.clock === op.clock && prev.device < op.device);
              if (wins) {
                setField.run(op.gid, s.field, op.clock, op.device);
                applyField(ctx, it.id, head(it.id), s.field, s.value);
              }
            }
          }
        }
        if (!done) break;
        if (op.type !== "create") see.run(op.op_id);
        ends.set(e.file, e.end);
        clock = Math.max(clock, op.clock);
        if (!lastAt || (op.at && op.at > lastAt)) lastAt = op.at;
        lastClock = Math.max(lastClock, op.clock);
        ops++;
        report.applied++;
        used++;
      }
      flush();
      for (const [file, end] of ends) saveOffset(ctx, dev, { file, end });
      db.exec(OUTBOX_TRIGGERS);
      setState(db, "clock", clock);
      db.prepare(
        `INSERT INTO sync_devices (device, last_at, last_clock, ops) VALUES (?, ?, ?, ?)
         ON CONFLICT (device) DO UPDATE SET last_at = max(coalesce(last_at, ''), coalesce(excluded.last_at, '')), last_clock = max(last_clock, excluded.last_clock), ops = ops + excluded.ops`,
      ).run(dev, lastAt ?? null, lastClock, ops);
      return used;
    });
  } catch (err) {
    // The transaction was rolled back: so are the counts it made.
    report.applied = r0.applied;
    report.duplicates = r0.duplicates;
    report.conflicts = r0.conflicts;
    report.skipped.length = r0.skipped;
    throw err;
  }
}

function applyField(ctx: SyncCtx, id: number, head: number, field: string, value: unknown): void {
  const { db, store } = ctx;
  if (field === "pinned") {
    const on = value === true;
    const row = store.get(head);
    if (row && row.pinned !== on) store.pin(head, on);
    if (head !== id && !on) db.prepare("UPDATE memory_items SET pinned = 0 WHERE id = ?").run(id);
  } else if (field === "visibility" && (value === "private" || value === "shareable")) {
    store.setVisibility(head === id ? [id] : [id, head], value);
  } else if (field === "kind" && typeof value === "string") {
    db.prepare("UPDATE memory_items SET kind = ? WHERE id = ? AND kind <> ?").run(value, id, value);
  }
}

/** Deletes what tombstones name and is still here (items, then their keys); returns how many items went. */
export async function heal(ctx: SyncCtx): Promise<number> {
  const { db } = ctx;
  if (numState(db, "heal") === 0) return 0;
  const ids = db.prepare<{ id: number }>("SELECT m.id FROM sync_tombstones t JOIN memory_items m ON m.gid = t.gid").all().map((r) => r.id);
  if (ids.length) await ctx.forget(ids);
  const gids = new Set(db.prepare<{ gid: string }>("SELECT k.gid FROM sync_tombstones t JOIN sync_keys k ON k.gid = t.gid").all().map((r) => r.gid));
  if (gids.size) dropItemKeys(ctx, gids);
  setState(db, "heal", 0);
  return ids.length;
}
