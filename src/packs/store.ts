/**
 * Installed packs. A pack lives in user/packs/<name>/ (a copy of its files) and its state in
 * user/packs/<name>.lock.json: where it came from (built-in, folder or git URL and the pinned commit), the
 * permissions the user granted per command, and the sha256 of every file at install time.
 *
 * Installing validates the whole manifest first, copies into a temporary folder, checks the copy again and
 * only then renames it into place: an invalid pack installs nothing. Nothing from a pack runs at install.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  cpSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import * as z from "zod";
import { EnvironmentError, UserError } from "../kernel/errors.ts";
import { paths as getPaths, requireUser, type Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { fileKind, writeFileAtomic } from "../kernel/fs.ts";
import { closest } from "../kernel/text.ts";
import { loadConfig } from "../config/index.ts";
import { loadManifest, permissionsSchema, type PackManifest, type Permissions } from "./manifest.ts";
import { expandEntry, normalizeGrant } from "./permissions.ts";

export const sourceSchema = z.object({
  type: z.enum(["builtin", "path", "git"]),
  location: z.string(),
  ref: z.string().optional(),
  commit: z.string().optional(),
});
export type PackSource = z.infer<typeof sourceSchema>;

export const lockSchema = z.object({
  name: z.string(),
  version: z.string(),
  source: sourceSchema,
  installedAt: z.string(),
  updatedAt: z.string().optional(),
  grants: z.record(z.string(), permissionsSchema),
  files: z.record(z.string(), z.string()),
});
export type PackLock = z.infer<typeof lockSchema>;

export interface InstalledPack {
  name: string;
  version: string;
  description: string;
  dir: string;
  lock: PackLock;
  manifest?: PackManifest;
  /** Set when the installed copy no longer validates. */
  error?: string;
}

export interface AvailablePack {
  name: string;
  version: string;
  description: string;
  dir: string;
  installed: boolean;
  commands: { name: string; tier: string; description: string }[];
  error?: string;
}

const SKIP = new Set([".git", "node_modules", ".DS_Store"]);

export function lockFile(name: string, p: Paths = getPaths()): string {
  return join(p.packs, `${name}.lock.json`);
}

export function packDir(name: string, p: Paths = getPaths()): string {
  return join(p.packs, name);
}

/**
 * Every file of a pack folder (relative, sorted), skipping .git and node_modules. Refuses symbolic links and
 * anything that is neither a plain file nor a folder (a FIFO, a socket, a device): reading one could block
 * or read what is not the pack's. Called before any file of the pack is read.
 */
export function packFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const full = join(d, e.name);
      if (e.isSymbolicLink()) {
        throw new UserError(`${relative(dir, full)} in ${dir} is a symbolic link; packs may hold only plain files and folders`, {
          hint: "replace the link with the file it points to",
        });
      }
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(relative(dir, full).split(sep).join("/"));
      else {
        throw new EnvironmentError(`${relative(dir, full)} in ${dir} is ${fileKind(lstatSync(full))}, not a plain file; packs may hold only plain files and folders`, {
          hint: "remove it from the pack folder and run the command again",
          data: { path: full },
        });
      }
    }
  };
  walk(dir);
  return out.sort();
}

export function hashFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of packFiles(dir)) out[f] = createHash("sha256").update(readFileSync(join(dir, f))).digest("hex");
  return out;
}

/**
 * What an installed pack folder holds now, for comparing with its install record: every entry, with nothing
 * skipped (a node_modules/ or .git/ added since install counts), each regular file by its sha256, a symbolic
 * link by where it points (never followed) and anything else (a FIFO, a device) by its kind (never read).
 * Hashing is the cost of a run's check: about a millisecond for a pack of a few dozen small files.
 */
export function installedFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const rel = relative(dir, full).split(sep).join("/");
      if (e.isSymbolicLink()) out[rel] = `symlink:${readlinkSync(full)}`;
      else if (e.isDirectory()) walk(full);
      else if (e.isFile()) out[rel] = hashRegular(full) ?? `changed:${rel}`;
      else out[rel] = `kind:${fileKind(lstatSync(full))}`;
    }
  };
  walk(dir);
  return out;
}

/** The sha256 of a regular file, opened without following a link or blocking (undefined when it is not one). */
function hashRegular(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    return createHash("sha256").update(readFileSync(fd)).digest("hex");
  } finally {
    closeSync(fd);
  }
}

export function readLock(name: string, p: Paths = getPaths()): PackLock | undefined {
  const file = lockFile(name, p);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${file} is not valid JSON (${(err as Error).message})`, { hint: `reinstall the pack: pai pack uninstall ${name} && pai pack install ${name}` });
  }
  const r = lockSchema.safeParse(raw);
  if (!r.success) {
    throw new UserError(`${file} is damaged (${r.error.issues[0]?.path.join(".")}: ${r.error.issues[0]?.message})`, {
      hint: `reinstall the pack: pai pack uninstall ${name} && pai pack install ${name}`,
    });
  }
  return r.data;
}

function writeLock(lock: PackLock, p: Paths): void {
  writeFileAtomic(lockFile(lock.name, p), `${JSON.stringify(lock, null, 2)}\n`);
}

export function listInstalled(p: Paths = getPaths()): InstalledPack[] {
  if (!existsSync(p.packs)) return [];
  const out: InstalledPack[] = [];
  for (const f of readdirSync(p.packs).sort()) {
    if (!f.endsWith(".lock.json")) continue;
    const name = f.slice(0, -".lock.json".length);
    let lock: PackLock | undefined;
    try {
      lock = readLock(name, p);
    } catch (err) {
      continue;
    }
    if (!lock) continue;
    const dir = packDir(name, p);
    try {
      const manifest = loadManifest(dir, { skills: false });
      out.push({ name, version: manifest.version, description: manifest.description, dir, lock, manifest });
    } catch (err) {
      out.push({ name, version: lock.version, description: "", dir, lock, error: (err as Error).message });
    }
  }
  return out;
}

export function listAvailable(p: Paths = getPaths()): AvailablePack[] {
  if (!existsSync(p.builtinPacks)) return [];
  const installed = new Set(existsSync(p.packs) ? listInstalled(p).map((i) => i.name) : []);
  const out: AvailablePack[] = [];
  for (const e of readdirSync(p.builtinPacks, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith(".")) continue;
    const dir = join(p.builtinPacks, e.name);
    if (!existsSync(join(dir, "pack.json")) && !existsSync(join(dir, "PACK.md"))) continue;
    try {
      const m = loadManifest(dir);
      out.push({
        name: m.name,
        version: m.version,
        description: m.description,
        dir,
        installed: installed.has(m.name),
        commands: Object.entries(m.commands).map(([name, c]) => ({ name, tier: c.tier, description: c.description })),
      });
    } catch (err) {
      out.push({ name: e.name, version: "", description: "", dir, installed: installed.has(e.name), commands: [], error: (err as Error).message });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** An installed pack, validated (throws a clear error when missing or damaged). */
export function getInstalled(name: string, p: Paths = getPaths()): { manifest: PackManifest; lock: PackLock } {
  const lock = readLock(name, p);
  if (!lock) {
    const builtin = existsSync(join(p.builtinPacks, name));
    throw new UserError(`no installed pack '${name}'`, {
      hint: builtin ? `install it: pai pack install ${name}` : "'pai pack list' shows installed packs, 'pai pack list --available' the catalogue",
    });
  }
  const manifest = loadManifest(packDir(name, p));
  return { manifest, lock };
}

// ---- sources -------------------------------------------------------------------------------------

export function isGitUrl(spec: string): boolean {
  return /^(https?|git|ssh|file):\/\//.test(spec) || /^[\w.-]+@[\w.-]+:/.test(spec) || /\.git(#.*)?$/.test(spec);
}

function looksLikePath(spec: string): boolean {
  return spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("~") || spec.includes("/") || spec.includes(sep);
}

export function resolveSource(spec: string, p: Paths = getPaths()): PackSource {
  if (isGitUrl(spec)) {
    const [location, ref] = spec.split("#") as [string, string | undefined];
    return { type: "git", location, ref: ref || undefined };
  }
  if (looksLikePath(spec)) {
    const full = resolve(spec.startsWith("~") ? spec.replace(/^~/, process.env.HOME ?? "") : spec);
    if (!existsSync(full)) throw new UserError(`no folder at ${full}`, { hint: "give the path of a pack folder, a git URL, or a name from 'pai pack list --available'" });
    return { type: "path", location: full };
  }
  if (!existsSync(join(p.builtinPacks, spec))) {
    const names = listAvailable(p).map((a) => a.name);
    const guess = closest(spec, names);
    throw new UserError(`no pack named '${spec}' in the catalogue${guess ? ` (did you mean '${guess}'?)` : ""}`, {
      hint: `available: ${names.join(", ") || "none"}; or give a folder path or a git URL`,
    });
  }
  return { type: "builtin", location: spec };
}

/** Fetches a source into a folder (a temp clone for git), returning the folder and the commit. */
export async function fetchSource(source: PackSource, p: Paths): Promise<{ dir: string; commit?: string; cleanup: () => void }> {
  if (source.type === "builtin") return { dir: join(p.builtinPacks, source.location), cleanup: () => {} };
  if (source.type === "path") return { dir: source.location, cleanup: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), "pai-pack-clone-"));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  try {
    const { simpleGit } = await import("simple-git");
    const dir = join(tmp, "src");
    if (source.ref?.startsWith("-")) throw new Error(`'${source.ref}' is not a branch, tag or commit`);
    // Nothing from the repository (or the user's git config) runs during the install: no hook (post-checkout
    // would run on clone and checkout), no submodule fetched, no fsmonitor program.
    const safe = (baseDir?: string) =>
      simpleGit({
        ...(baseDir ? { baseDir } : {}),
        config: ["core.hooksPath=/dev/null", "submodule.recurse=false", "core.fsmonitor=false"],
        allowConfig: ["core.hooksPath", "submodule.recurse", "core.fsmonitor"],
        unsafe: { allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true },
      });
    await safe().clone(source.location, dir, [...(source.ref ? [] : ["--depth", "1"]), "--no-recurse-submodules"]);
    const git = safe(dir);
    if (source.ref) await git.checkout(source.ref);
    const commit = (await git.revparse(["HEAD"])).trim();
    return { dir, commit, cleanup };
  } catch (err) {
    cleanup();
    const msg = (err as Error).message.split("\n").find((l) => l.trim()) ?? String(err);
    throw new UserError(`could not clone ${source.location}${source.ref ? `#${source.ref}` : ""}: ${msg.trim()}`, {
      hint: "check the URL (and the branch, tag or commit after #) and that git can reach it",
    });
  }
}

// ---- install / uninstall / update / verify -----------------------------------------------------------

export interface PermissionSummary {
  command: string;
  tier: string;
  permissions: Permissions;
  /** One line per kind, settings shown with their current values: "network: ntfy.sh (setting server)". */
  described: string[];
}

function settingsFromConfig(m: PackManifest, p: Paths): Record<string, unknown> {
  try {
    return packSettings(m, loadConfig(p.config).packs.settings as Record<string, Record<string, unknown>>);
  } catch {
    return packSettings(m, {});
  }
}

export function permissionSummary(m: PackManifest, p: Paths = getPaths(), only?: Record<string, Permissions>): PermissionSummary[] {
  const settings = settingsFromConfig(m, p);
  const ctx = { home: p.home, packDir: packDir(m.name, p), settings };
  return Object.entries(only ?? Object.fromEntries(Object.entries(m.commands).map(([n, c]) => [n, c.permissions]))).map(([command, permissions]) => ({
    command,
    tier: m.commands[command]?.tier ?? "",
    permissions,
    described: describePermissions(permissions, ctx),
  }));
}

/** Human lines for a permission set; with a context, {{config.KEY}} entries show their current value. */
export function describePermissions(perms: Permissions, ctx?: { home: string; packDir: string; settings: Record<string, unknown> }): string[] {
  const show = (entries: string[], kind: "host" | "path") =>
    entries
      .map((e) => {
        const key = /^\{\{\s*config\.([A-Za-z0-9_.-]+)\s*\}\}$/.exec(e)?.[1];
        if (!ctx) return e;
        const values = expandEntry(e, ctx, kind);
        if (key) return `${values.length ? values.join(", ") : "(nothing yet)"} (setting ${key})`;
        // Paths are shown resolved, as they will be enforced.
        return kind === "path" && values[0] !== e ? `${values[0]} (as written: ${e})` : e;
      })
      .join(", ");
  const out: string[] = [];
  if (perms.network.length) out.push(`network: ${show(perms.network, "host")}`);
  if (perms.read.length) out.push(`read: ${show(perms.read, "path")}`);
  if (perms.write.length) out.push(`write: ${show(perms.write, "path")}`);
  if (perms.env.length) out.push(`secrets: ${perms.env.join(", ")}`);
  if (perms.exec.length) out.push(`run: ${perms.exec.join(", ")}`);
  return out;
}

export interface InstallOptions {
  /** Grant every declared permission without asking. */
  yes?: boolean;
  /** Asked when !yes; returns whether the user accepts. Without it (and without yes) install refuses. */
  confirm?: (m: PackManifest, summary: PermissionSummary[]) => Promise<boolean> | boolean;
  paths?: Paths;
}

export interface InstallResult {
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

export async function installPack(spec: string, opts: InstallOptions = {}): Promise<InstallResult> {
  const p = requireUser(opts.paths ?? getPaths());
  const source = resolveSource(spec, p);
  const fetched = await fetchSource(source, p);
  try {
    packFiles(fetched.dir); // nothing but plain files and folders is read
    const m = loadManifest(fetched.dir);
    if (readLock(m.name, p) || existsSync(packDir(m.name, p))) {
      throw new UserError(`a pack named '${m.name}' is already installed`, { hint: `'pai pack update ${m.name}' updates it; 'pai pack uninstall ${m.name}' removes it` });
    }
    const summary = permissionSummary(m, p);
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

export function uninstallPack(name: string, p: Paths = getPaths()): { name: string; removed: string[] } {
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

function newPerms(m: PackManifest, old: Record<string, Permissions>, p: Paths): PermissionSummary[] {
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
  return permissionSummary(m, p, added);
}

export async function updatePack(name?: string, opts: InstallOptions = {}): Promise<UpdateResult[]> {
  const p = requireUser(opts.paths ?? getPaths());
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
      const added = newPerms(m, lock.grants, p);
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

export interface VerifyResult {
  name: string;
  ok: boolean;
  modified: string[];
  missing: string[];
  added: string[];
}

export function verifyPack(name?: string, p: Paths = getPaths()): VerifyResult[] {
  requireUser(p);
  const names = name ? [name] : listInstalled(p).map((i) => i.name);
  return names.map((n) => {
    const lock = readLock(n, p);
    if (!lock) throw new UserError(`no installed pack '${n}'`, { hint: "'pai pack list' shows installed packs" });
    const dir = packDir(n, p);
    // The folder itself must be the folder pai placed there, not a link to another one.
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = lstatSync(dir);
    } catch {}
    if (!st?.isDirectory()) return { name: n, ok: false, modified: [], missing: Object.keys(lock.files), added: [] };
    const now = installedFiles(dir);
    const modified = Object.keys(lock.files).filter((f) => now[f] !== undefined && now[f] !== lock.files[f]);
    const missing = Object.keys(lock.files).filter((f) => now[f] === undefined);
    const added = Object.keys(now).filter((f) => lock.files[f] === undefined);
    return { name: n, ok: !modified.length && !missing.length && !added.length, modified, missing, added };
  });
}

/** The pack's settings: declared defaults, overridden by config packs.settings.<name>. */
export function packSettings(m: PackManifest, configured: Record<string, Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(m.config)) if (spec.default !== undefined) out[k] = spec.default;
  Object.assign(out, configured?.[m.name] ?? {});
  return out;
}

export function assertUserDir(p: Paths): void {
  if (!existsSync(p.user)) throw new EnvironmentError(`no user/ folder in ${p.home}`, { hint: "run 'pai init'" });
}

// ---- forget ---------------------------------------------------------------------------------------

/**
 * Blanks the run records that hold a forgotten memory's text: the runs that created those memories, and any
 * run whose input, arguments, output or error contains one of `needles`. Returns how many runs were blanked.
 */
export function scrubRuns(db: Database, needles: string[], memoryIds: number[]): number {
  const ids = new Set<number>();
  const byMemory = db.prepare<{ id: number }>("SELECT id FROM pack_runs WHERE memory_id = ?");
  for (const m of memoryIds) for (const r of byMemory.all(m)) ids.add(r.id);
  const byText = db.prepare<{ id: number }>(
    "SELECT id FROM pack_runs WHERE instr(input, ?1) > 0 OR instr(args, ?1) > 0 OR instr(coalesce(output, ''), ?1) > 0 OR instr(coalesce(error, ''), ?1) > 0",
  );
  for (const n of needles) for (const r of byText.all(n)) ids.add(r.id);
  const blank = db.prepare("UPDATE pack_runs SET input = '[forgotten]', args = '[]', output = '[forgotten]', error = CASE WHEN error IS NULL THEN NULL ELSE '[forgotten]' END, memory_id = NULL WHERE id = ?");
  for (const id of ids) blank.run(id);
  return ids.size;
}
