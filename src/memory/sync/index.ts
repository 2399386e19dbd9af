/**
 * Sync of one person's memory across devices through a folder an existing sync engine replicates (Syncthing,
 * a cloud folder, a git checkout). Each device appends its own operations to its own files in the folder
 * (files.ts), so the engine never merges anything; every memory change is recorded by triggers in an outbox
 * (schema.ts), published as operations sealed with each item's own key (publish.ts), and applied on the other
 * devices (apply.ts). This file joins a folder, syncs once and says where things stand.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../../kernel/errors.ts";
import type { Database } from "../../kernel/storage/index.ts";
import type { MemoryStore } from "../types.ts";
import { applyAll, heal } from "./apply.ts";
import { keyCheck, keyMatches, keyText, newKey, parseKey, uuid7 } from "./crypto.ts";
import { devicesIn, ensureDeviceDir, readFolderInfo, writeFolderInfo } from "./files.ts";
import { publish } from "./publish.ts";
import { OUTBOX_TRIGGERS } from "./schema.ts";
import { getState, numState, setState } from "./state.ts";
import type { ApplyReport, SyncCtx } from "./types.ts";

export type { ApplyReport, SkippedLine } from "./types.ts";
export { syncMigrations } from "./schema.ts";

export interface SyncEnv {
  db: Database;
  store: MemoryStore;
  /** user/sync.key: the sync key, 0600. */
  keyFile: string;
  forget: (ids: number[]) => void | Promise<void>;
  now?: () => Date;
}

export interface InitResult {
  device: string;
  folder: string;
  key: string;
  /** true: this device made the folder (and its key); false: it joined devices already there. */
  created: boolean;
  devices: string[];
  queued: number;
  sync: NowResult;
}

export interface NowResult extends ApplyReport {
  published: number;
}

/** The folder this device syncs through, or undefined when it has not joined one. */
export function syncFolder(db: Database): string | undefined {
  return getState(db, "folder");
}

/** Joins a folder: its key (made here when the folder is new), this device's id and directory, the triggers. */
export async function initSync(env: SyncEnv, folderArg: string, keyArg: string | undefined): Promise<InitResult> {
  const folder = resolve(folderArg);
  const { db } = env;
  const was = syncFolder(db);
  if (was && was !== folder) throw new UserError(`this device already syncs through ${was}`, { hint: "a device syncs through one folder" });
  mkdirSync(folder, { recursive: true });
  const info = readFolderInfo(folder);
  let key: Buffer;
  let created = false;
  const stored = existsSync(env.keyFile) ? parseKey(readFileSync(env.keyFile, "utf8")) : undefined;
  if (info) {
    const given = keyArg !== undefined ? parseKey(keyArg) : stored;
    if (!given) {
      throw new UserError(keyArg !== undefined ? "that is not a sync key (43 characters of A-Z a-z 0-9 - _)" : `${folder} is already a sync folder: this device needs its key`, {
        hint: "pass --key KEY or set PAI_SYNC_KEY (the key 'pai sync init' printed on the first device)",
      });
    }
    if (!keyMatches(given, info.check)) throw new UserError("this key is not the key of that sync folder", { hint: "copy the key again from a device that syncs through it" });
    key = given;
  } else {
    if (keyArg !== undefined) {
      const given = parseKey(keyArg);
      if (!given) throw new UserError("that is not a sync key (43 characters of A-Z a-z 0-9 - _)", { hint: "leave --key out to make a new one" });
      key = given;
    } else key = stored ?? newKey();
    writeFolderInfo(folder, { format: "pai-sync", version: 1, check: keyCheck(key) });
    created = true;
  }
  writeFileSync(env.keyFile, keyText(key) + "\n", { mode: 0o600 });
  chmodSync(env.keyFile, 0o600);

  let device = getState(db, "device");
  let queued = 0;
  db.transaction(() => {
    if (!device) setState(db, "device", (device = uuid7()));
    setState(db, "folder", folder);
    db.exec(OUTBOX_TRIGGERS);
    // Items made while this device did not sync get their global id, and every item not yet published is queued.
    db.prepare("SELECT id FROM memory_items WHERE gid IS NULL").all().forEach((r) => db.prepare("UPDATE memory_items SET gid = ? WHERE id = ?").run(uuid7(), (r as { id: number }).id));
    if (!getState(db, "joined")) {
      queued = db.prepare("INSERT INTO sync_outbox (type, item_id) SELECT 'create', id FROM memory_items ORDER BY id").run().changes;
      setState(db, "joined", new Date().toISOString());
    }
  });
  ensureDeviceDir(folder, device!);
  const sync = await syncNow(env);
  return { device: device!, folder, key: keyText(key), created, devices: devicesIn(folder), queued, sync };
}

function ctxOf(env: SyncEnv): SyncCtx {
  const { db } = env;
  const folder = syncFolder(db);
  const device = getState(db, "device");
  if (!folder || !device) throw new UserError("this device does not sync yet", { hint: "run 'pai sync init --folder DIR' first" });
  if (!existsSync(folder)) throw new UserError(`the sync folder ${folder} is missing`, { hint: "mount or re-create it, or check the sync engine" });
  const key = existsSync(env.keyFile) ? parseKey(readFileSync(env.keyFile, "utf8")) : undefined;
  if (!key) throw new UserError(`no sync key in ${env.keyFile}`, { hint: "run 'pai sync init --folder DIR --key KEY' again with the folder's key" });
  // The store is opened (the config read) only when something is to be applied.
  return {
    db,
    get store() {
      return env.store;
    },
    folder,
    device,
    key,
    now: env.now ?? (() => new Date()),
    forget: env.forget,
  };
}

/** Applies what other devices wrote, then publishes what is new here. */
export async function syncNow(env: SyncEnv): Promise<NowResult> {
  const ctx = ctxOf(env);
  const report = applyAll(ctx);
  report.forgotten = await heal(ctx);
  const published = publish(ctx);
  setState(ctx.db, "last_sync", ctx.now().toISOString());
  return { ...report, published };
}

export interface SyncStatus {
  device: string;
  folder: string;
  lastSync: string | null;
  clock: number;
  pending: number;
  applied: number;
  conflicts: number;
  skipped: number;
  tombstones: number;
  devices: { device: string; lastSeen: string | null; ops: number; inFolder: boolean }[];
}

export function syncStatus(db: Database): SyncStatus | undefined {
  const folder = syncFolder(db);
  const device = getState(db, "device");
  if (!folder || !device) return undefined;
  const known = db.prepare<{ device: string; last_at: string | null; ops: number }>("SELECT device, last_at, ops FROM sync_devices ORDER BY device").all();
  const inFolder = new Set(existsSync(folder) ? devicesIn(folder) : []);
  const devices = known.map((d) => ({ device: d.device, lastSeen: d.last_at, ops: d.ops, inFolder: inFolder.has(d.device) }));
  for (const d of inFolder) if (d !== device && !known.some((k) => k.device === d)) devices.push({ device: d, lastSeen: null, ops: 0, inFolder: true });
  const one = (sql: string) => db.prepare<{ n: number }>(sql).get()?.n ?? 0;
  return {
    device,
    folder,
    lastSync: getState(db, "last_sync") ?? null,
    clock: numState(db, "clock"),
    pending: one("SELECT count(*) AS n FROM sync_outbox"),
    applied: numState(db, "applied"),
    conflicts: numState(db, "conflicts"),
    skipped: numState(db, "skipped"),
    tombstones: one("SELECT count(*) AS n FROM sync_tombstones"),
    devices,
  };
}
