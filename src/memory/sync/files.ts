/**
 * The sync folder's files. `pai-sync.json` (the format and the sync key's check value); then, for each device,
 * `devices/<device>/ops-NNNN.jsonl` (its operations, one JSON object a line, appended and fsynced, a new file
 * past ROTATE_BYTES) and `devices/<device>/keys.jsonl` (the item keys it made, each sealed under the sync key).
 * Only the device a directory is named after writes in it, so a sync engine never meets two writers of a file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

export const FOLDER_FILE = "pai-sync.json";
export const ROTATE_BYTES = 16 * 1024 * 1024;

export interface FolderInfo {
  format: "pai-sync";
  version: 1;
  check: string;
}

export const deviceDir = (folder: string, device: string) => join(folder, "devices", device);
export const opsName = (n: number) => `ops-${String(n).padStart(4, "0")}.jsonl`;
export const keysFile = (folder: string, device: string) => join(deviceDir(folder, device), "keys.jsonl");

export function readFolderInfo(folder: string): FolderInfo | undefined {
  const f = join(folder, FOLDER_FILE);
  if (!existsSync(f)) return undefined;
  const info = JSON.parse(readFileSync(f, "utf8")) as FolderInfo;
  if (info.format !== "pai-sync" || typeof info.check !== "string") throw new Error(`${f} is not a pai sync folder file`);
  return info;
}

export function writeFolderInfo(folder: string, info: FolderInfo): void {
  writeDurably(join(folder, FOLDER_FILE), JSON.stringify(info, null, 2) + "\n");
}

/** Appends whole lines and waits until they are on disk. */
export function appendLines(file: string, lines: string[]): void {
  if (!lines.length) return;
  const fd = openSync(file, "a", 0o644);
  try {
    writeSync(fd, lines.join("\n") + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces a file's content at once (a temporary file, fsynced, renamed over it). */
export function writeDurably(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The bytes of a file from an offset to its end (what another device appended since it was last read). */
export function readFrom(file: string, offset: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size - offset);
  const fd = openSync(file, "r");
  try {
    let at = 0;
    while (at < buf.length) {
      const n = readSync(fd, buf, at, buf.length - at, offset + at);
      if (n <= 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** The devices that have a directory in the folder. */
export function devicesIn(folder: string): string[] {
  try {
    return readdirSync(join(folder, "devices")).filter((d) => /^[0-9a-f-]{36}$/.test(d));
  } catch {
    return [];
  }
}

/** A device's operation files, oldest first. */
export function opsFiles(folder: string, device: string): string[] {
  try {
    return readdirSync(deviceDir(folder, device)).filter((f) => /^ops-\d{4,}\.jsonl$/.test(f)).sort();
  } catch {
    return [];
  }
}

export function ensureDeviceDir(folder: string, device: string): void {
  mkdirSync(deviceDir(folder, device), { recursive: true });
}

/** A device's item keys: global id → key sealed under the sync key. Lines that do not parse are left out. */
export function readKeys(folder: string, device: string): Map<string, string> {
  const out = new Map<string, string>();
  let text = "";
  try {
    text = readFileSync(keysFile(folder, device), "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const k = JSON.parse(line) as { gid?: unknown; key?: unknown };
      if (typeof k.gid === "string" && typeof k.key === "string") out.set(k.gid, k.key);
    } catch {}
  }
  return out;
}

/** Rewrites this device's keys file without the keys of forgotten items; returns how many went. */
export function dropKeys(folder: string, device: string, gids: Set<string>): number {
  const file = keysFile(folder, device);
  if (!gids.size || !existsSync(file)) return 0;
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const kept = lines.filter((l) => {
    const m = /"gid":"([^"]+)"/.exec(l);
    return !(m && gids.has(m[1]!));
  });
  if (kept.length === lines.length) return 0;
  writeDurably(file, kept.length ? kept.join("\n") + "\n" : "");
  return lines.length - kept.length;
}
