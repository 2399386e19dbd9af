/**
 * The code tier: the pack's TypeScript module is imported (only as installed: its hash is checked first) and
 * its function is called with a PackContext whose fetch, files and exec enforce the command's permissions.
 */
import { createRequire } from "node:module";
import { resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../../kernel/errors.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import { safeText } from "../../kernel/terminal.ts";
import { rememberItem } from "../external.ts";
import { packFs } from "../fs.ts";
import { expandPath } from "../grants.ts";
import type { PackCommand } from "../manifest/index.ts";
import { assertUnchanged, today, type Prepared, type RunOptions, type TierInput, type TierOutput } from "../prepare.ts";
import { checkExec, childEnv, guardedFetch, spawnChecked } from "../sandbox.ts";
import type { PackCommandResult, PackContext } from "../types.ts";

/** The hash of each code module this process has imported. */
const loadedModules = new Map<string, string>();

export async function runCode(prep: Prepared, cmd: Extract<PackCommand, { tier: "code" }>, input: TierInput, opts: RunOptions, secrets: Secrets): Promise<TierOutput> {
  const file = resolve(prep.manifest.dir, cmd.module);
  const hash = assertUnchanged(prep, file);
  // A long-running process (the daemon) picks up an updated pack: forget the old modules of this pack.
  if (loadedModules.has(file) && loadedModules.get(file) !== hash) {
    const cache = createRequire(import.meta.url).cache;
    for (const key of Object.keys(cache)) if (key.startsWith(prep.manifest.dir + sep)) delete cache[key];
  }
  loadedModules.set(file, hash);
  let mod: Record<string, unknown>;
  try {
    // The hash in the URL makes loaders that key modules by URL (vite) load a new version afresh too.
    mod = (await import(`${pathToFileURL(file).href}?v=${hash.slice(0, 16)}`)) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${prep.guard.pack}:${prep.guard.command}: its module ${cmd.module} could not be loaded (${(err as Error).message.split("\n", 1)[0]})`, {
      hint: `check the pack with 'pai pack verify ${prep.guard.pack}'`,
    });
  }
  const fn = mod[cmd.export];
  if (typeof fn !== "function") {
    throw new UserError(`${prep.guard.pack}:${prep.guard.command}: ${cmd.module} exports no function '${cmd.export}'`, { hint: "the manifest's 'export' must name an exported function" });
  }
  const signal = opts.signal ?? new AbortController().signal;
  const env: Record<string, string> = {};
  for (const k of prep.perms.env) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  const ctx: PackContext = {
    pack: prep.guard.pack,
    command: prep.guard.command,
    args: input.args,
    text: input.text,
    vars: input.vars,
    config: prep.settings,
    env,
    permissions: prep.perms,
    paths: { home: prep.p.home, user: prep.p.user, pack: prep.manifest.dir, expand: (x) => expandPath(x, { home: prep.p.home, packDir: prep.manifest.dir }) },
    fetch: guardedFetch(prep.guard, signal),
    fs: packFs(prep.guard, prep.p.home),
    exec: async (name, args, o = {}) => {
      const bin = checkExec(prep.guard, name, prep.manifest.dir);
      if (!Array.isArray(args) || args.some((a) => typeof a !== "string")) throw new UserError("exec takes an array of string arguments");
      return spawnChecked(bin, args, { env: childEnv(prep.guard), cwd: o.cwd, input: o.input, timeoutMs: o.timeoutMs ?? cmd.timeoutMs, signal });
    },
    remember: async (content, kind = "note") => {
      if (opts.incognito) return undefined;
      return rememberItem(opts.db, prep.config, { content: secrets.redact(content), kind, source: `pack:${prep.guard.pack}:${prep.guard.command}` });
    },
    // Redacted: in the daemon, standard error goes to user/logs/daemon.log.
    log: (m) => process.stderr.write(`${safeText(secrets.redact(String(m)))}\n`),
    today: today(),
    signal,
  };
  const r = (await (fn as (c: PackContext) => Promise<PackCommandResult> | PackCommandResult)(ctx)) as PackCommandResult;
  if (r === undefined || r === null) return { output: "" };
  if (typeof r === "string") return { output: r };
  if (typeof r === "object" && typeof (r as { output?: unknown }).output === "string") return { output: r.output, data: r.data };
  return { output: JSON.stringify(r), data: r };
}
