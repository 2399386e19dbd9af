/** `pai pack info` and `pai pack config`: what a pack is, asks for and how it is set. */
import { existsSync } from "node:fs";
import { readRawConfig, validateConfig, type Config } from "../config/index.ts";
import { UserError } from "../kernel/errors.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { writeFileAtomic } from "../kernel/fs.ts";
import { packFiles } from "./files.ts";
import { commandChanges, loadManifest, matchesType, type PackManifest, type Permissions } from "./manifest/index.ts";
import { describePermissions, expandPermissions } from "./permissions.ts";
import { recentRuns, type RecentRun } from "./runs.ts";
import { fetchSource, resolveSource } from "./sources.ts";
import { getInstalled, packDir, packSettings, readLock, verifyPack, type PackSource } from "./store.ts";

export interface PackInfo {
  name: string;
  version: string;
  description: string;
  installed: boolean;
  dir: string;
  source?: PackSource;
  integrity?: { ok: boolean; files: number; modified: string[]; missing: string[]; added: string[] };
  commands: {
    name: string;
    tier: string;
    description: string;
    triggers: { names: string[]; patterns: string[]; examples: string[] };
    /** Whether running it changes anything (so each run is remembered as an action), and whether the manifest says so or it follows from the permissions. */
    changes: boolean;
    changesDeclared: boolean;
    declared: Permissions;
    granted?: Permissions;
    permissions: string[];
    /** The permissions as they apply now (~, $PAI_HOME and settings expanded). */
    effective: Permissions;
  }[];
  settings: SettingEntry[];
  hooks: { event: string; command: string; cron?: string; paths?: string[] }[];
  /** The last runs of an installed pack (newest first). */
  recentRuns: RecentRun[];
}

/**
 * Where pack info looks: the paths, the config (settings' values; a config that cannot be read shows the
 * declared defaults), and the database for an installed pack's recent runs, read only when the database file
 * exists (a Home opens it on first use, so a pack info may open none).
 */
export interface InfoHome {
  readonly paths: Paths;
  readonly config: Config;
  readonly db: Database;
}

type Configured = Record<string, Record<string, unknown>>;

/** The packs' settings of the config, or none when it cannot be read. */
function configuredOf(home: { readonly config: Config }): Configured {
  try {
    return home.config.packs.settings as Configured;
  } catch {
    return {};
  }
}

export interface SettingEntry {
  key: string;
  value: unknown;
  default: unknown;
  set: boolean;
  type: string;
  description: string;
}

function settingsOf(m: PackManifest, configured: Configured): SettingEntry[] {
  const values = packSettings(m, configured);
  return Object.entries(m.config).map(([key, spec]) => ({
    key,
    value: values[key],
    default: spec.default,
    set: configured[m.name]?.[key] !== undefined,
    type: spec.type,
    description: spec.description,
  }));
}

export async function packInfo(spec: string, home: InfoHome): Promise<PackInfo> {
  const p = home.paths;
  const configured = configuredOf(home);
  const lock = /^[a-z0-9-]+$/.test(spec) ? readLock(spec, p) : undefined;
  let m: PackManifest;
  let source: PackSource | undefined;
  let cleanup = () => {};
  if (lock) {
    m = getInstalled(spec, p).manifest;
    source = lock.source;
  } else {
    const s = resolveSource(spec, p);
    const fetched = await fetchSource(s, p);
    cleanup = fetched.cleanup;
    try {
      packFiles(fetched.dir); // nothing but plain files and folders is read
      m = loadManifest(fetched.dir);
    } catch (err) {
      cleanup();
      throw err;
    }
    source = { ...s, commit: fetched.commit };
  }
  try {
    const integrity = lock ? verifyPack(m.name, p)[0] : undefined;
    const values = Object.fromEntries(settingsOf(m, configured).map((e) => [e.key, e.value]));
    return {
      name: m.name,
      version: m.version,
      description: m.description,
      installed: !!lock,
      dir: m.dir,
      source,
      integrity: integrity && { ok: integrity.ok, files: Object.keys(lock!.files).length, modified: integrity.modified, missing: integrity.missing, added: integrity.added },
      commands: Object.entries(m.commands).map(([name, c]) => ({
        name,
        tier: c.tier,
        description: c.description,
        triggers: c.triggers,
        changes: commandChanges(m, name),
        changesDeclared: c.changes !== undefined,
        declared: c.permissions,
        granted: lock?.grants[name],
        permissions: describePermissions(c.permissions),
        // $PACK is where the pack runs from: its installed folder, also for a folder not installed yet.
        effective: expandPermissions(c.permissions, { home: p.home, packDir: packDir(m.name, p), settings: values }),
      })),
      settings: settingsOf(m, configured),
      hooks: m.hooks.map((h) => ({ event: h.event, command: h.command, cron: h.cron, paths: h.paths })),
      recentRuns: lock && existsSync(p.db) ? recentRuns(home.db, m.name) : [],
    };
  } finally {
    cleanup();
  }
}

/** The settings of an installed pack: each value, its default, and whether the config sets it. */
export function packConfig(name: string, home: { readonly paths: Paths; readonly config: Config }): SettingEntry[] {
  return settingsOf(getInstalled(name, home.paths).manifest, configuredOf(home));
}

/** Parses a setting from the command line by its declared type (JSON, or text for strings). */
export function parseSetting(text: string, type: string): unknown {
  if (type === "string") return text;
  if (type === "number") return text.trim() === "" ? Number.NaN : Number(text);
  if (type === "boolean") return /^(true|yes|on|1)$/i.test(text) ? true : /^(false|no|off|0)$/i.test(text) ? false : text;
  if (type === "string[]") {
    try {
      const v = JSON.parse(text);
      if (Array.isArray(v)) return v;
    } catch {}
    return text.split(",").map((s) => s.trim()).filter(Boolean);
  }
  return text;
}

/** Sets (or, with no value, removes) one setting of an installed pack in the config file, checked by its declared type. */
export function setPackConfig(name: string, key: string, value: string | undefined, p: Paths): SettingEntry {
  const { manifest } = getInstalled(name, p);
  const spec = manifest.config[key];
  if (!spec) {
    const keys = Object.keys(manifest.config);
    throw new UserError(`pack '${name}' has no setting '${key}'`, { hint: keys.length ? `its settings: ${keys.join(", ")}` : "it has no settings" });
  }
  const raw = readRawConfig(p.config);
  validateConfig(raw, p.config);
  const packs = ((raw.packs as Record<string, unknown>) ??= {});
  const settings = ((packs.settings as Record<string, Record<string, unknown>>) ??= {});
  const mine = (settings[name] ??= {});
  if (value === undefined) delete mine[key];
  else {
    const v = parseSetting(value, spec.type);
    if (!matchesType(v, spec.type)) throw new UserError(`invalid value '${value}' for ${name}.${key}`, { hint: `allowed: ${spec.type}` });
    mine[key] = v;
  }
  if (!Object.keys(mine).length) delete settings[name];
  const written = validateConfig(raw, p.config);
  writeFileAtomic(p.config, `${JSON.stringify(raw, null, 2)}\n`);
  return settingsOf(manifest, written.packs.settings as Configured).find((e) => e.key === key)!;
}

