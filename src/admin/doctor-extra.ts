/**
 * `pai doctor`'s checks of what runs around the data: the configured Ollama models are pulled, the daemon's
 * state (running, stale lease, stale socket), the installed packs' files against their locks, and the programs
 * the installed packs spawn are on PATH.
 */
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { loadConfig } from "../config/index.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { PURPOSES } from "../models/limits.ts";
import { resolveModel } from "../models/resolve.ts";
import { liveLease, readLease } from "../automation/daemon/state.ts";
import { residentSocket as socketPath } from "../automation/daemon/resident.ts";
import { listInstalled, verifyPack } from "../packs/store.ts";
import type { Check } from "./doctor.ts";

const ok = (name: string, detail: string): Check => ({ name, status: "ok", detail });
const warn = (name: string, detail: string, fix?: string): Check => ({ name, status: "warn", detail, ...(fix ? { fix } : {}) });
const fail = (name: string, detail: string, fix?: string): Check => ({ name, status: "fail", detail, ...(fix ? { fix } : {}) });

/** The Ollama models the config uses (every purpose whose backend is Ollama), each with the purposes using it. */
export function configuredOllamaModels(p: Paths): Map<string, string[]> {
  const models = new Map<string, string[]>();
  let config;
  try {
    config = loadConfig(p.config);
  } catch {
    return models;
  }
  for (const purpose of PURPOSES) {
    const r = resolveModel({ purpose, config });
    if (r.backend !== "ollama") continue;
    if (purpose === "embed" && config.memory.embeddings === "off") continue;
    models.set(r.model, [...(models.get(r.model) ?? []), purpose]);
  }
  return models;
}

/** Ollama's names: `llama3.2` is `llama3.2:latest`. */
const withTag = (m: string) => (m.includes(":") ? m : `${m}:latest`);

/** The configured models against Ollama's `/api/tags` at `base`; unreachable is a warning, a missing model too. */
export async function checkModels(p: Paths, base: string, timeoutMs: number): Promise<Check> {
  const wanted = configuredOllamaModels(p);
  if (!wanted.size) return ok("models", "no purpose uses an Ollama model");
  let names: string[];
  try {
    const res = await fetch(`${base}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return warn("models", `${base}/api/tags answered HTTP ${res.status}; cannot tell which models are pulled`, "check that it is Ollama at that address");
    const body = (await res.json()) as { models?: { name?: string; model?: string }[] };
    names = (body.models ?? []).flatMap((m) => [m.name, m.model]).filter((n): n is string => typeof n === "string").map(withTag);
  } catch {
    return warn("models", `Ollama at ${base} is not reachable; cannot tell whether ${[...wanted.keys()].join(", ")} are pulled`, "ollama serve");
  }
  const missing = [...wanted.keys()].filter((m) => !names.includes(withTag(m)));
  if (missing.length) {
    const what = missing.map((m) => `${m} (${wanted.get(m)!.join(", ")})`).join(", ");
    return warn("models", `not pulled in Ollama at ${base}: ${what}`, missing.map((m) => `ollama pull ${m}`).join("; "));
  }
  return ok("models", `pulled: ${[...wanted.keys()].join(", ")}`);
}

/** The daemon: running (with its socket), a stale lease (its process is gone) or a socket left behind. */
export function checkDaemon(db: Database | undefined, p: Paths): Check {
  const sock = socketPath(p);
  if (!db) return ok("daemon", existsSync(sock) ? `state unknown (no database to read); ${sock} exists` : "not running");
  let lease;
  let live;
  try {
    lease = readLease(db);
    live = liveLease(db);
  } catch {
    return ok("daemon", "not running (its state table does not exist yet)");
  }
  if (live) {
    if (!existsSync(sock)) return warn("daemon", `running (pid ${live.pid}) but its socket ${sock} is missing: commands run in their own process`, "pai daemon stop && pai daemon start");
    return ok("daemon", `running (pid ${live.pid}, since ${live.startedAt}), socket ${sock}`);
  }
  if (lease) return warn("daemon", `not running, but a stale lease names pid ${lease.pid}, which is gone${existsSync(sock) ? `; stale socket ${sock}` : ""}`, "pai daemon start (it takes the lease over), or leave it: nothing needs it");
  if (existsSync(sock)) return warn("daemon", `not running, but its socket ${sock} was left behind`, `rm '${sock}' (the next 'pai daemon start' also replaces it)`);
  return ok("daemon", "not running ('pai daemon start' runs your jobs and answers commands faster)");
}

/** The installed packs' files against their locks (`pai pack verify`). */
export function checkPacks(p: Paths): Check {
  let results;
  try {
    results = verifyPack(undefined, p);
  } catch (err) {
    return warn("packs", `cannot be verified (${(err as Error).message.split("\n")[0]})`, "pai pack verify");
  }
  if (!results.length) return ok("packs", "none installed");
  const bad = results.filter((r) => !r.ok);
  if (bad.length) {
    const what = bad.map((r) => `${r.name} (${[...r.modified.map((f) => `${f} modified`), ...r.missing.map((f) => `${f} missing`), ...r.added.map((f) => `${f} added`)].slice(0, 2).join(", ")})`);
    return fail("packs", `${bad.length} of ${results.length} changed since install: ${what.join("; ")}`, `reinstall to restore: pai pack update ${bad[0]!.name} (or uninstall and install); pai pack verify lists every change`);
  }
  return ok("packs", `${results.length} installed, every file as installed`);
}

/** Whether `prog` (a name looked up on PATH, or an absolute path) can be run. */
export function onPath(prog: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const runnable = (f: string) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(prog)) return runnable(prog);
  return (env.PATH ?? "").split(delimiter).some((dir) => dir && runnable(join(dir, prog)));
}

/** The programs installed packs spawn (a cli command's `exec`, every `permissions.exec`) that are not on PATH. */
export function checkPrograms(p: Paths, env: NodeJS.ProcessEnv = process.env): Check {
  const users = new Map<string, Set<string>>();
  for (const pack of listInstalled(p)) {
    for (const [name, cmd] of Object.entries(pack.manifest?.commands ?? {})) {
      const c = cmd as { exec?: unknown; permissions?: { exec?: string[] } };
      const progs = [...(typeof c.exec === "string" ? [c.exec] : []), ...(c.permissions?.exec ?? [])];
      for (const prog of progs) {
        if (prog.startsWith("./") || prog.includes("{{")) continue; // inside the pack (verified with it), or from settings
        users.set(prog, (users.get(prog) ?? new Set()).add(`${pack.name}:${name}`));
      }
    }
  }
  if (!users.size) return ok("programs", "no installed pack runs a program");
  const missing = [...users.keys()].filter((prog) => !onPath(prog, env));
  if (missing.length) {
    const what = missing.map((m) => `${m} (${[...users.get(m)!].join(", ")})`).join(", ");
    return warn("programs", `not on PATH: ${what}`, `install ${missing.join(", ")} with your package manager, or leave them if you do not use those commands`);
  }
  return ok("programs", `${users.size} program(s) the installed packs run are on PATH: ${[...users.keys()].join(", ")}`);
}
