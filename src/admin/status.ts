/**
 * `pai status`: one screen about the user and the install. Kept fast: no network, no simple-git, the
 * database opened read-only through the storage driver only when it exists, and one short `git` call.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_DEFAULTS } from "../config/defaults.ts";
import type { Paths } from "../kernel/paths.ts";
import { cachedState, keepState, refsKey } from "./git-state-cache.ts";
import { memoryCounts } from "../memory/queries.ts";
import { telosItemCounts } from "../telos/counts.ts";
import { loadTelos, textLines } from "../telos/index.ts";

export type UpgradeState = "up to date" | "behind" | "ahead" | "diverged" | "no upstream" | "not a git checkout" | "unknown";

export interface Status {
  home: string;
  name: string;
  mission: { id: string; text: string }[];
  goals: { id: string; text: string }[];
  projects: { id: string; text: string }[];
  counts: {
    /** Items per Telos file (preferences: its lines). */
    telos: Record<string, number>;
    /** Items of the Telos files, inactive ones included (telos/counts.ts); the inactive ones apart. */
    telosItems: number;
    telosInactive: number;
    /** Memories: current items (memory/queries.ts memoryCounts), 0 when there is no memory table; null when the database cannot be read. */
    memory: number | null;
    /** Items replaced by an edit, not counted in `memory`. */
    memorySuperseded: number;
    packs: number;
  };
  backend: { name: string; model: string };
  upgrade: { state: UpgradeState; ahead: number | null; behind: number | null; detail: string };
  problems: { telosErrors: number; telosWarnings: number; config: string | null; database: string | null };
}

interface ConfigSummary {
  name: string;
  backend: { name: string; model: string };
  problem: string | null;
}

/**
 * The name, backend and model from user/config.json. Fast path: plain JSON with values of the right types
 * (status does not validate the whole file: 'pai doctor' and 'pai config list' do). Anything odd goes
 * through the full loader, which names the file, key and what is allowed.
 */
export async function configSummary(file: string): Promise<ConfigSummary> {
  const fast = configFast(file);
  if (fast) return { ...fast, problem: null };
  try {
    const { loadConfig } = await import("../config/read.ts");
    const config = loadConfig(file);
    const b = config.models.answer.backend ?? config.backend.default;
    const model = config.models.answer.model ?? (b === "anthropic" ? config.anthropic.model : config.ollama.model);
    return { name: config.user.name, backend: { name: b, model }, problem: null };
  } catch (err) {
    // The problem and its fix, so the screen can name both while it shows the rest.
    const hint = (err as { hint?: string }).hint;
    return { name: "", backend: { name: "unknown", model: "unknown" }, problem: `${(err as Error).message} — ${hint ?? `fix ${file}, then 'pai doctor' checks it`}` };
  }
}

function configFast(file: string): Omit<ConfigSummary, "problem"> | undefined {
  let raw: any;
  try {
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    raw = text.trim() ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
  const obj = (v: unknown) => v === undefined || (typeof v === "object" && v !== null && !Array.isArray(v));
  if (!obj(raw) || !obj(raw.user) || !obj(raw.backend) || !obj(raw.models) || !obj(raw.models?.answer) || !obj(raw.ollama) || !obj(raw.anthropic)) {
    return undefined;
  }
  const str = (v: unknown) => v === undefined || (typeof v === "string" && v.length > 0);
  const backendName = (v: unknown) => v === undefined || v === "ollama" || v === "anthropic";
  const name = raw.user?.name;
  if (name !== undefined && typeof name !== "string") return undefined;
  if (!backendName(raw.backend?.default) || !backendName(raw.models?.answer?.backend)) return undefined;
  if (!str(raw.models?.answer?.model) || !str(raw.ollama?.model) || !str(raw.anthropic?.model)) return undefined;
  // The defaults come from the plain defaults object, so the fast path never loads zod (tens of milliseconds).
  const D = CONFIG_DEFAULTS;
  const b: string = raw.models?.answer?.backend ?? raw.backend?.default ?? D.backend.default;
  const model: string =
    raw.models?.answer?.model ?? (b === "anthropic" ? (raw.anthropic?.model ?? D.anthropic.model) : (raw.ollama?.model ?? D.ollama.model));
  return { name: name ?? "", backend: { name: b, model } };
}

function looksLikeSqlite(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return n === 0 || (n === 16 && buf.toString("latin1") === "SQLite format 3\0");
  } finally {
    closeSync(fd);
  }
}

/** Counts rows of memory_items through the storage driver, read-only. */
export async function memoryCount(db: string): Promise<{ count: number | null; superseded: number; error: string | null }> {
  if (!existsSync(db)) return { count: 0, superseded: 0, error: null };
  let driver: import("../kernel/storage/types.ts").Driver | undefined;
  try {
    if (!looksLikeSqlite(db)) return { count: null, superseded: 0, error: `${db} is not a SQLite database — run 'pai doctor'` };
    const { openDriver } = await import("#db");
    driver = openDriver(db, { readonly: true });
    const c = memoryCounts(driver);
    return { count: c.current, superseded: c.superseded, error: null };
  } catch (err) {
    return { count: null, superseded: 0, error: `cannot read ${db} (${(err as Error).message}) — run 'pai doctor'` };
  } finally {
    try {
      driver?.close();
    } catch {}
  }
}

/** Compares HEAD with its upstream as of the last fetch (no network): `git rev-list --count --left-right HEAD...@{u}`. */
export function upgradeStateAsync(installDir: string, timeoutMs = 2000, via?: "bun" | "node"): Promise<Status["upgrade"]> {
  if (!existsSync(join(installDir, ".git"))) {
    return Promise.resolve({ state: "not a git checkout", ahead: null, behind: null, detail: `${installDir} is not a git checkout; 'pai upgrade' needs one` });
  }
  const args = ["git", "rev-list", "--count", "--left-right", "HEAD...@{u}"];
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  const bun = (globalThis as { Bun?: typeof Bun }).Bun;
  // Bun.spawn starts git in about a tenth of the time node:child_process takes under Bun.
  if (bun && via !== "node") return gitWithBun(bun, args, installDir, env, timeoutMs);
  return gitWithNode(args, installDir, env, timeoutMs);
}

const gitFailed = (e: unknown): Status["upgrade"] => ({
  state: "unknown",
  ahead: null,
  behind: null,
  detail: (e as NodeJS.ErrnoException)?.code === "ENOENT" ? "git is not installed" : `git failed (${(e as Error)?.message ?? e})`,
});

async function gitWithBun(bun: typeof Bun, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Status["upgrade"]> {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = bun.spawn(args, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    return gitFailed(err);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const done = Promise.all([proc.exited, new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text()]);
  const r = await Promise.race([done, timedOut]);
  clearTimeout(timer);
  if (r === "timeout") {
    proc.kill(9);
    return { state: "unknown", ahead: null, behind: null, detail: `git took longer than ${timeoutMs} ms` };
  }
  return interpretRevList(r[0], r[1], r[2]);
}

async function gitWithNode(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Status["upgrade"]> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(args[0]!, args.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      return resolve(gitFailed(err));
    }
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ state: "unknown", ahead: null, behind: null, detail: `git took longer than ${timeoutMs} ms` });
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve(gitFailed(e));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(interpretRevList(code, out, err));
    });
  });
}

export function interpretRevList(code: number | null, stdout: string, stderr: string): Status["upgrade"] {
  if (code !== 0) {
    const err = stderr.trim().split("\n")[0] ?? "";
    if (/no upstream|upstream branch|does not point to a branch|HEAD/i.test(err)) {
      return { state: "no upstream", ahead: null, behind: null, detail: "the current branch tracks no upstream; 'pai upgrade' needs one" };
    }
    return { state: "unknown", ahead: null, behind: null, detail: err || `git exited with ${code}` };
  }
  const [a, b] = stdout.trim().split(/\s+/).map(Number);
  const ahead = a ?? 0;
  const behind = b ?? 0;
  if (ahead && behind) return { state: "diverged", ahead, behind, detail: `${ahead} local and ${behind} upstream commit(s); 'pai upgrade' only fast-forwards` };
  if (behind) return { state: "behind", ahead, behind, detail: `${behind} new commit(s) as of the last fetch — run 'pai upgrade'` };
  if (ahead) return { state: "ahead", ahead, behind, detail: `${ahead} local commit(s) not upstream` };
  return { state: "up to date", ahead, behind, detail: "as of the last fetch; 'pai upgrade --check' fetches" };
}

function countPacks(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".")).length;
  } catch {
    return 0;
  }
}

/** The upgrade state, from git only when the refs changed since the last answer (git-state-cache.ts). */
async function upgradeState(p: Paths): Promise<Status["upgrade"]> {
  const key = refsKey(p.install);
  const file = join(p.run, "upgrade-state.json");
  const kept = cachedState<Status["upgrade"]>(file, key);
  if (kept) return kept;
  const state = await upgradeStateAsync(p.install);
  // A failure (git missing, a timeout) is asked again next time.
  if (state.state !== "unknown") keepState(file, key, state);
  return state;
}

export async function getStatus(p: Paths): Promise<Status> {
  // git runs while the rest is read.
  const upgrade = upgradeState(p);
  const telos = loadTelos(p);
  const items = (name: string, activeOnly = true) =>
    (telos.docs.find((d) => d.name === name)?.items ?? []).filter((i) => !activeOnly || i.active).map((i) => ({ id: i.id, text: i.text }));
  const counts: Record<string, number> = {};
  for (const d of telos.docs) counts[d.name] = d.name === "preferences" ? textLines(d).length : d.items.length;
  const telosItems = telosItemCounts(telos.docs);
  const cfg = await configSummary(p.config);
  const mem = await memoryCount(p.db);
  let errors = 0;
  let warnings = 0;
  for (const pr of telos.problems) pr.severity === "error" ? errors++ : warnings++;
  return {
    home: p.home,
    name: cfg.name,
    mission: items("mission"),
    goals: items("goals"),
    projects: items("projects"),
    counts: { telos: counts, telosItems: telosItems.items, telosInactive: telosItems.inactive, memory: mem.count, memorySuperseded: mem.superseded, packs: countPacks(p.packs) },
    backend: cfg.backend,
    upgrade: await upgrade,
    problems: { telosErrors: errors, telosWarnings: warnings, config: cfg.problem, database: mem.error },
  };
}
