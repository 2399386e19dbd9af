/**
 * Installing, updating and removing packs. Installing validates the whole manifest first, copies into a
 * temporary folder, checks the copy again and only then renames it into place: an invalid pack installs
 * nothing. Nothing from a pack runs at install.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join, sep } from "node:path";
import type { Config } from "../config/index.ts";
import { UserError } from "../kernel/errors.ts";
import { requireUser, type Paths } from "../kernel/paths.ts";
import { hashFiles, packFiles, SKIP } from "./files.ts";
import { normalizeGrant } from "./grants.ts";
import { loadManifest, type PackManifest, type Permissions } from "./manifest/index.ts";
import { describePermissions } from "./permissions.ts";
import { fetchSource, resolveSource } from "./sources.ts";
import { listInstalled, lockFile, packDir, packSettings, readLock, verifyPack, writeLock, type PackSource } from "./store.ts";

export interface PermissionSummary {
  command: string;
  tier: string;
  permissions: Permissions;
  /** One line per kind, settings shown with their current values: "network: ntfy.sh (setting server)". */
  described: string[];
}

/** The permissions of every command (or only those given), described with the settings' current values. */
export function permissionSummary(m: PackManifest, p: Paths, config: Config | undefined, only?: Record<string, Permissions>): PermissionSummary[] {
  const settings = packSettings(m, config?.packs.settings as Record<string, Record<string, unknown>> | undefined);
  const ctx = { home: p.home, packDir: packDir(m.name, p), settings };
  return Object.entries(only ?? Object.fromEntries(Object.entries(m.commands).map(([n, c]) => [n, c.permissions]))).map(([command, permissions]) => ({
    command,
    tier: m.commands[command]?.tier ?? "",
    permissions,
    described: describePermissions(permissions, ctx),
  }));
}

export interface InstallOptions {
  /** Grant every declared permission without asking. */
  yes?: boolean;
  /** Asked when !yes; returns whether the user accepts. Without it (and without yes) install refuses. */
  confirm?: (m: PackManifest, summary: PermissionSummary[]) => Promise<boolean> | boolean;
  paths: Paths;
  /** The user's config, for the current values of settings named by permissions (without it: the declared defaults). */
  config?: Config;
}

export interface PackInstallResult {
  name: string;
  version: string;
  dir: string;
  source: PackSource;
  files: number;
  permissions: PermissionSummary[];
}

/** What the user grants by installing: every declared permission, path grants in their normal form. */
function allGrants(m: PackManifest): Record<string, Permissions> {
  return Object.fromEntries(
    Object.entries(m.commands).map(([n, c]) => [n, { ...c.permissions, read: c.permissions.read.map(normalizeGrant), write: c.permissions.write.map(normalizeGrant) }]),
  );
}

/** Copies a validated pack into place through a temporary folder and a rename. */
function place(srcDir: string, name: string, p: Paths): { manifest: PackManifest; files: Record<string, string> } {
  mkdirSync(p.packs, { recursive: true });
  packFiles(srcDir); // refuses symbolic links before anything is copied
  const tmp = mkdtempSync(join(p.packs, `.install-${name}-`));
  try {
    cpSync(srcDir, tmp, { recursive: true, filter: (src) => !SKIP.has(src.split(sep).pop() ?? "") });
    const manifest = loadManifest(tmp);
    const files = hashFiles(tmp);
    const target = packDir(name, p);
    if (existsSync(target)) {
      const old = `${target}.old-${process.pid}`;
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, target);
    return { manifest: { ...manifest, dir: target }, files };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

export async function installPack(spec: string, opts: InstallOptions): Promise<PackInstallResult> {
  const p = requireUser(opts.paths);
  const source = resolveSource(spec, p);
  const fetched = await fetchSource(source, p);
  try {
    packFiles(fetched.dir); // nothing but plain files and folders is read
    const m = loadManifest(fetched.dir);
    if (readLock(m.name, p) || existsSync(packDir(m.name, p))) {
      throw new UserError(`a pack named '${m.name}' is already installed`, { hint: `'pai pack update ${m.name}' updates it; 'pai pack uninstall ${m.name}' removes it` });
    }
    const summary = permissionSummary(m, p, opts.config);
    if (!opts.yes) {
      if (!opts.confirm) {
        throw new UserError(`installing ${m.name} needs your consent to its permissions, and there is no terminal to ask on`, {
          hint: `review them with 'pai pack info ${spec}', then run again with --yes`,
        });
      }
      if (!(await opts.confirm(m, summary))) throw new UserError(`installation of ${m.name} cancelled; nothing was installed`);
    }
    const placed = place(fetched.dir, m.name, p);
    const now = new Date().toISOString();
    writeLock(
      { name: m.name, version: m.version, source: { ...source, commit: fetched.commit }, installedAt: now, grants: allGrants(m), files: placed.files },
      p,
    );
    return { name: m.name, version: m.version, dir: placed.manifest.dir, source: { ...source, commit: fetched.commit }, files: Object.keys(placed.files).length, permissions: summary };
  } finally {
    fetched.cleanup();
  }
}

export function uninstallPack(name: string, p: Paths): { name: string; removed: string[] } {
  requireUser(p);
  const lock = lockFile(name, p);
  const dir = packDir(name, p);
  if (!existsSync(lock) && !existsSync(dir)) {
    throw new UserError(`no installed pack '${name}'`, { hint: "'pai pack list' shows installed packs" });
  }
  const removed: string[] = [];
  if (existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  if (existsSync(lock)) {
    rmSync(lock, { force: true });
    removed.push(lock);
  }
  return { name, removed };
}

export interface UpdateResult {
  name: string;
  from: string;
  to: string;
  commit?: string;
  changed: boolean;
  /** The source had not changed, but the installed copy had (see verifyPack): it was copied again. */
  restored?: boolean;
  /** Permissions the new version declares that were not granted before. */
  newPermissions: PermissionSummary[];
}

function newPerms(m: PackManifest, old: Record<string, Permissions>, p: Paths, config: Config | undefined): PermissionSummary[] {
  const added: Record<string, Permissions> = {};
  for (const [command, c] of Object.entries(m.commands)) {
    const g = old[command] ?? { network: [], read: [], write: [], env: [], exec: [] };
    const diff: Permissions = {
      network: c.permissions.network.filter((x) => !g.network.includes(x)),
      read: c.permissions.read.filter((x) => !g.read.map(normalizeGrant).includes(normalizeGrant(x))),
      write: c.permissions.write.filter((x) => !g.write.map(normalizeGrant).includes(normalizeGrant(x))),
      env: c.permissions.env.filter((x) => !g.env.includes(x)),
      exec: c.permissions.exec.filter((x) => !g.exec.includes(x)),
    };
    if (Object.values(diff).some((v) => v.length)) added[command] = diff;
  }
  return permissionSummary(m, p, config, added);
}

export async function updatePack(name: string | undefined, opts: InstallOptions): Promise<UpdateResult[]> {
  const p = requireUser(opts.paths);
  const names = name ? [name] : listInstalled(p).map((i) => i.name);
  const results: UpdateResult[] = [];
  for (const n of names) {
    const lock = readLock(n, p);
    if (!lock) throw new UserError(`no installed pack '${n}'`, { hint: "'pai pack list' shows installed packs" });
    const fetched = await fetchSource(lock.source.type === "git" ? { ...lock.source, commit: undefined } : lock.source, p);
    try {
      packFiles(fetched.dir); // nothing but plain files and folders is read
      const m = loadManifest(fetched.dir);
      if (m.name !== n) throw new UserError(`the source of '${n}' now holds a pack named '${m.name}'`, { hint: `uninstall '${n}' and install the new pack by its name` });
      const files = hashFiles(fetched.dir);
      const same = JSON.stringify(files) === JSON.stringify(lock.files);
      // An installed copy edited since install is copied again from its source (what 'pai pack verify' advises).
      const intact = verifyPack(n, p)[0]!.ok;
      const added = newPerms(m, lock.grants, p, opts.config);
      if (same && intact) {
        results.push({ name: n, from: lock.version, to: m.version, commit: fetched.commit ?? lock.source.commit, changed: false, newPermissions: [] });
        continue;
      }
      if (added.length && !opts.yes) {
        if (!opts.confirm || !(await opts.confirm(m, added))) {
          throw new UserError(`${n} ${m.version} asks for new permissions; nothing was updated`, { hint: `review them with 'pai pack info ${n}', then run 'pai pack update ${n} --yes'` });
        }
      }
      const placed = place(fetched.dir, n, p);
      writeLock(
        {
          ...lock,
          version: m.version,
          source: { ...lock.source, commit: fetched.commit ?? lock.source.commit },
          updatedAt: new Date().toISOString(),
          grants: allGrants(m),
          files: placed.files,
        },
        p,
      );
      results.push({ name: n, from: lock.version, to: m.version, commit: fetched.commit, changed: !same, ...(same ? { restored: true } : {}), newPermissions: added });
    } finally {
      fetched.cleanup();
    }
  }
  return results;
}
