/**
 * The Syncthing side of `pai sync`: the folder configuration recommended for a device's sync folder, and where
 * the local Syncthing keeps its GUI address and API key. Pure: values in, values out (no network, no printing);
 * `syncthing-api.ts` applies a plan through Syncthing's REST API.
 *
 * Why these settings:
 * - **sendreceive, file watcher on with a 2 s delay:** each device appends to its own operation file, so a change
 *   should leave within seconds; the periodic rescan (hourly) is only the watcher's safety net.
 * - **versioning off:** the log is append-only and each file has one writer, so an older version holds nothing a
 *   newer one lacks; versions would only keep more copies of ciphertext a forget means to retire.
 * - **temporary files ignored:** a file being written beside its target and renamed over it must not travel half
 *   written; editors' and systems' droppings stay local.
 * - **an untrusted device** (a relay or server that should see ciphertext only) gets the folder with an encryption
 *   password: there Syncthing holds it as `receiveencrypted`, encrypted names and blocks only.
 */
import { UsageError } from "../kernel/errors.ts";

/** Patterns written to the folder's .stignore (`(?d)`: may be deleted when they block removing a folder). */
export const SYNCTHING_IGNORES: readonly string[] = [
  "*.tmp",
  "*.partial",
  ".*.swp",
  "*~",
  "(?d).DS_Store",
  "(?d)Thumbs.db",
  "(?d)desktop.ini",
];

export const DEFAULT_FOLDER_ID = "pai-sync";

export interface SyncthingShare {
  deviceId: string;
  /** Holds the folder encrypted (receiveencrypted there); the trusting side sets the password. */
  untrusted: boolean;
}

export interface SyncthingFolderPlan {
  id: string;
  label: string;
  path: string;
  type: "sendreceive";
  fsWatcherEnabled: true;
  fsWatcherDelayS: number;
  rescanIntervalS: number;
  ignorePerms: false;
  versioning: { type: ""; params: Record<string, string> };
  ignores: string[];
  shareWith: SyncthingShare[];
}

/** A Syncthing folder id: letters, digits, '-', '_' and '.', at most 64 characters. */
export function checkFolderId(id: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw new UsageError(`'${id}' is not a Syncthing folder id`, { hint: "use letters, digits, '-', '_' or '.', e.g. --folder-id pai-sync" });
  }
  return id;
}

/**
 * A Syncthing device id in its canonical form (eight groups of seven, upper case, with dashes); accepts it
 * without dashes or in lower case.
 */
export function normalizeDeviceId(raw: string): string {
  const bare = raw.trim().toUpperCase().replace(/[-\s]/g, "");
  if (!/^[A-Z2-7]{56}$/.test(bare)) {
    throw new UsageError(`'${raw}' is not a Syncthing device id`, {
      hint: "copy it from the other device's Syncthing (Actions > Show ID, or 'syncthing --device-id'): eight groups of seven letters and digits",
    });
  }
  return bare.match(/.{7}/g)!.join("-");
}

export function syncthingFolderPlan(opts: { path: string; folderId?: string; label?: string; shareWith?: SyncthingShare[] }): SyncthingFolderPlan {
  const seen = new Set<string>();
  const shareWith: SyncthingShare[] = [];
  for (const s of opts.shareWith ?? []) {
    const deviceId = normalizeDeviceId(s.deviceId);
    if (seen.has(deviceId)) continue;
    seen.add(deviceId);
    shareWith.push({ deviceId, untrusted: s.untrusted });
  }
  return {
    id: checkFolderId(opts.folderId ?? DEFAULT_FOLDER_ID),
    label: opts.label ?? "pai sync",
    path: opts.path,
    type: "sendreceive",
    fsWatcherEnabled: true,
    fsWatcherDelayS: 2,
    rescanIntervalS: 3600,
    ignorePerms: false,
    versioning: { type: "", params: {} },
    ignores: [...SYNCTHING_IGNORES],
    shareWith,
  };
}

export interface SyncthingFolderDevice {
  deviceID: string;
  introducedBy: string;
  encryptionPassword: string;
}

/**
 * The folder object for Syncthing's REST API (`/rest/config/folders`), built over what Syncthing already has for
 * this folder (its other settings and devices are kept). `myId` is the local Syncthing's device id; untrusted
 * devices get `password`.
 */
export function folderForApi(
  plan: SyncthingFolderPlan,
  myId: string,
  existing: Record<string, unknown> | undefined,
  password: string | undefined,
): Record<string, unknown> {
  const devices = new Map<string, SyncthingFolderDevice>();
  for (const d of (existing?.devices as SyncthingFolderDevice[] | undefined) ?? []) devices.set(d.deviceID, { ...d });
  if (!devices.has(myId)) devices.set(myId, { deviceID: myId, introducedBy: "", encryptionPassword: "" });
  for (const s of plan.shareWith) {
    if (s.deviceId === myId) continue;
    const d = devices.get(s.deviceId) ?? { deviceID: s.deviceId, introducedBy: "", encryptionPassword: "" };
    if (s.untrusted) {
      if (!password) throw new UsageError(`sharing with the untrusted device ${s.deviceId} needs an encryption password`, { hint: "set PAI_SYNCTHING_PASSWORD to the password every trusted device uses for it" });
      d.encryptionPassword = password;
    }
    devices.set(s.deviceId, d);
  }
  return {
    ...(existing ?? {}),
    id: plan.id,
    label: (existing?.label as string | undefined) || plan.label,
    path: existing ? existing.path : plan.path,
    type: plan.type,
    devices: [...devices.values()],
    fsWatcherEnabled: plan.fsWatcherEnabled,
    fsWatcherDelayS: plan.fsWatcherDelayS,
    rescanIntervalS: plan.rescanIntervalS,
    ignorePerms: plan.ignorePerms,
    versioning: { ...((existing?.versioning as Record<string, unknown> | undefined) ?? {}), ...plan.versioning },
    paused: false,
  };
}

/** The ignore patterns to write: the folder's own first, then the plan's that are missing. */
export function mergedIgnores(current: readonly string[], plan: SyncthingFolderPlan): string[] {
  const out = [...current];
  for (const p of plan.ignores) if (!out.includes(p)) out.push(p);
  return out;
}

/** Where Syncthing keeps its config.xml on this system, most likely first (newer versions use the state folder). */
export function syncthingConfigCandidates(env: Record<string, string | undefined>, home: string): string[] {
  const dirs: string[] = [];
  if (env.STHOMEDIR) dirs.push(env.STHOMEDIR);
  if (env.STCONFDIR) dirs.push(env.STCONFDIR);
  dirs.push(`${env.XDG_STATE_HOME || `${home}/.local/state`}/syncthing`);
  dirs.push(`${env.XDG_CONFIG_HOME || `${home}/.config`}/syncthing`);
  dirs.push(`${home}/Library/Application Support/Syncthing`);
  if (env.LOCALAPPDATA) dirs.push(`${env.LOCALAPPDATA}/Syncthing`);
  return [...new Set(dirs)].map((d) => `${d}/config.xml`);
}

export interface SyncthingGui {
  /** http(s)://host:port of the REST API, or undefined when the GUI listens on a Unix socket. */
  url?: string;
  apiKey?: string;
  tls: boolean;
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]!);

/** The GUI element of a Syncthing config.xml: the REST API's address (a wildcard listen address means loopback) and key. */
export function parseSyncthingGui(xml: string): SyncthingGui {
  const gui = /<gui\b([^>]*)>([\s\S]*?)<\/gui>/.exec(xml);
  if (!gui) return { tls: false };
  const [, attrs = "", body = ""] = gui;
  const tls = /\btls="true"/.test(attrs);
  const address = /<address>([^<]*)<\/address>/.exec(body)?.[1]?.trim();
  const apiKey = /<apikey>([^<]*)<\/apikey>/.exec(body)?.[1]?.trim();
  return { url: address ? guiUrl(unescapeXml(address), tls) : undefined, apiKey: apiKey ? unescapeXml(apiKey) : undefined, tls };
}

function guiUrl(address: string, tls: boolean): string | undefined {
  if (address.startsWith("unix://") || address.startsWith("/")) return undefined;
  const scheme = tls ? "https" : "http";
  const bare = address.replace(/^https?:\/\//, "");
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(bare);
  if (!m) return `${scheme}://${bare}`;
  const [, given = "", port = ""] = m;
  const host = given === "" || given === "0.0.0.0" ? "127.0.0.1" : given === "[::]" ? "[::1]" : given;
  return `${scheme}://${host}:${port}`;
}
