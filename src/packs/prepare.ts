/**
 * What every tier needs before a command runs: the installed pack and its lock, the command, its settings,
 * and the permissions in force (declared AND granted AND, for the daemon, allowed by the job's policy).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { relative, sep } from "node:path";
import type { Config } from "../config/index.ts";
import { UserError } from "../kernel/errors.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Secrets } from "../kernel/secrets.ts";
import type { Database } from "../kernel/storage/index.ts";
import type { PackCommand, PackManifest, Permissions } from "./manifest/index.ts";
import { EMPTY_PERMISSIONS, expandPermissions, intersect, restrict, secretValues, type Guard } from "./permissions.ts";
import { getInstalled, packSettings, type PackLock } from "./store.ts";
import type { TemplateScope } from "./template.ts";

export interface RunInput {
  args?: string[];
  text?: string;
  vars?: Record<string, string>;
}

export interface RunOptions {
  paths: Paths;
  config: Config;
  db: Database;
  /**
   * The secret values the caller handles. The run adds the secrets its command declared, and redacts with all
   * of them whatever it stores, returns or sends to a model. Without it the run holds its own.
   */
  secrets?: Secrets;
  /** Further limits (the daemon's job policy): entries as in a manifest, expanded the same way. */
  grants?: Permissions;
  signal?: AbortSignal;
  /** "cli", "daemon:<job>", "skill:<pack>:<command>", "dispatch". */
  origin?: string;
  /** Streams model text (prompt and skill tiers). */
  onText?: (text: string) => void;
  backend?: string;
  model?: string;
  /** Store nothing in memory for this run. */
  incognito?: boolean;
  /** @internal the run that started this one (a skill's tool call). */
  parentId?: number;
}

/** A run's input with every part present. */
export interface TierInput {
  args: string[];
  text: string;
  vars: Record<string, string>;
}

export interface TierOutput {
  output: string;
  data?: unknown;
}

export interface Prepared {
  p: Paths;
  config: Config;
  manifest: PackManifest;
  lock: PackLock;
  cmd: PackCommand;
  settings: Record<string, unknown>;
  perms: Permissions;
  guard: Guard;
  /** The values of the secrets the command declared and was granted (set in the environment). */
  secrets: string[];
}

export function prepare(ref: { pack: string; command: string }, opts: Pick<RunOptions, "paths" | "config" | "grants">): Prepared {
  const p = opts.paths;
  const config = opts.config;
  const { manifest, lock } = getInstalled(ref.pack, p);
  const cmd = manifest.commands[ref.command];
  if (!cmd) {
    throw new UserError(`pack '${ref.pack}' has no command '${ref.command}'`, { hint: `its commands: ${Object.keys(manifest.commands).join(", ")}` });
  }
  const settings = packSettings(manifest, config.packs.settings as Record<string, Record<string, unknown>>);
  const granted = lock.grants[ref.command] ?? EMPTY_PERMISSIONS;
  const ctx = { home: p.home, packDir: manifest.dir, settings };
  let perms = expandPermissions(intersect(cmd.permissions, granted), ctx);
  if (opts.grants) perms = restrict(perms, expandPermissions({ ...EMPTY_PERMISSIONS, ...opts.grants }, ctx));
  const guard: Guard = { pack: ref.pack, command: ref.command, perms };
  return { p, config, manifest, lock, cmd, settings, perms, guard, secrets: secretValues(perms) };
}

export const today = () => new Date().toISOString().slice(0, 10);

export function scopeOf(prep: Prepared, input: TierInput): TemplateScope {
  return { input: input.text, args: input.args, vars: input.vars, config: prep.settings, date: today() };
}

/** Refuses to use a pack file (module, prompt, SKILL.md, bundled program) that changed since install. */
export function assertUnchanged(prep: Prepared, file: string): string {
  const rel = relative(prep.manifest.dir, file).split(sep).join("/");
  const hash = createHash("sha256").update(readFileSync(file)).digest("hex");
  if (prep.lock.files[rel] !== hash) {
    throw new UserError(`${prep.guard.pack}:${prep.guard.command}: ${rel} changed since the pack was installed; it was not run`, {
      hint: `'pai pack verify ${prep.guard.pack}' lists the changes; 'pai pack update ${prep.guard.pack}' reinstalls it from its source`,
    });
  }
  return hash;
}
