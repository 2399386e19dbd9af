/**
 * Installed packs. A pack lives in user/packs/<name>/ (a copy of its files) and its state in
 * user/packs/<name>.lock.json: where it came from (built-in, folder or git URL and the pinned commit), the
 * permissions the user granted per command, and the sha256 of every file at install time.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { UserError } from "../kernel/errors.ts";
import { describeIssue } from "../kernel/issues.ts";
import type { Paths } from "../kernel/paths.ts";
import { writeFileAtomic } from "../kernel/fs.ts";
import { installedFiles } from "./files.ts";
import { loadManifest, permissionsSchema, type PackManifest } from "./manifest/index.ts";

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

export function lockFile(name: string, p: Paths): string {
  return join(p.packs, `${name}.lock.json`);
}

export function packDir(name: string, p: Paths): string {
  return join(p.packs, name);
}

export function readLock(name: string, p: Paths): PackLock | undefined {
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
    const first = describeIssue(r.error.issues[0]!, raw);
    throw new UserError(`${file} is damaged (${first.path}: ${first.message})`, {
      hint: `reinstall the pack: pai pack uninstall ${name} && pai pack install ${name}`,
    });
  }
  return r.data;
}

export function writeLock(lock: PackLock, p: Paths): void {
  writeFileAtomic(lockFile(lock.name, p), `${JSON.stringify(lock, null, 2)}\n`);
}

export function listInstalled(p: Paths): InstalledPack[] {
  if (!existsSync(p.packs)) return [];
  const out: InstalledPack[] = [];
  for (const f of readdirSync(p.packs).sort()) {
    if (!f.endsWith(".lock.json")) continue;
    const name = f.slice(0, -".lock.json".length);
    let lock: PackLock | undefined;
    try {
      lock = readLock(name, p);
    } catch {
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

export function listAvailable(p: Paths): AvailablePack[] {
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
export function getInstalled(name: string, p: Paths): { manifest: PackManifest; lock: PackLock } {
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

export interface VerifyResult {
  name: string;
  ok: boolean;
  modified: string[];
  missing: string[];
  added: string[];
}

export function verifyPack(name: string | undefined, p: Paths): VerifyResult[] {
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
