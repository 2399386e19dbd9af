/**
 * `pai doctor`: checks the runtime, PAI_HOME, the config, the database, the Telos, the daemon, the installed
 * packs and the programs they run, the install's git state, the model backends and the models pulled. Each check is ok, warn or fail, and says how to fix what is not ok. Doctor only reads:
 * the database is checked on a read-only connection (or a private copy), never migrated, never rewritten.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { CONFIG_DEFAULTS } from "../config/defaults.ts";
import { loadConfig, readRawConfig } from "../config/index.ts";
import { PaiError } from "../kernel/errors.ts";
import { TELOS_FILES, type Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { embeddingStatus } from "../context/embed-status.ts";
import { isLoopbackUrl } from "../models/audience.ts";
import { telosFileCount } from "../telos/counts.ts";
import { checkTelos, loadTelos } from "../telos/index.ts";
import { checkDatabase, type IntegrityMode } from "./doctor-database.ts";
import { checkDaemon, checkModels, checkPacks, checkPrograms } from "./doctor-extra.ts";
import { inspectInstall } from "./install-state.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export { checkDatabase } from "./doctor-database.ts";
/** `quick_check` (the default: every page and row of the tables holding the user's data) or the full `integrity_check`. */
export type { IntegrityMode } from "./doctor-database.ts";

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
  /** Which SQLite check the database check runs over the file. */
  integrity: IntegrityMode;
}

export interface DoctorOptions {
  /** The paths under PAI_HOME. */
  paths: Paths;
  /** The schema version this pai migrates a database to (the app gathers every concern's migrations). */
  latestSchema: number;
  /** The install's repository (default: PAI_INSTALL_DIR, else the install directory). */
  installDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Timeout of the Ollama connect check (default 1000 ms). */
  timeoutMs?: number;
  /** Told before a check that may take a while (the integrity check of a large database). */
  onProgress?: (what: string) => void;
  /** Run the full `integrity_check` instead of `quick_check` (`pai doctor --full`). */
  full?: boolean;
}

const ok = (name: string, detail: string): Check => ({ name, status: "ok", detail });
const warn = (name: string, detail: string, fix?: string): Check => ({ name, status: "warn", detail, ...(fix ? { fix } : {}) });
const fail = (name: string, detail: string, fix?: string): Check => ({ name, status: "fail", detail, ...(fix ? { fix } : {}) });

function message(err: unknown): { detail: string; fix?: string } {
  if (err instanceof PaiError) return { detail: err.message, fix: err.hint };
  return { detail: err instanceof Error ? err.message.split("\n")[0]! : String(err) };
}

// ---- runtime ------------------------------------------------------------------------------------

/** Compares dotted versions numerically: <0, 0 or >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** `bun` (default: the running Bun's version) against the minimum package.json asks for. */
export async function checkRuntime(bun: string | undefined = (globalThis as { Bun?: { version: string } }).Bun?.version): Promise<Check> {
  let sqlite = "unknown";
  try {
    const { openDriver } = await import("#db");
    const db = openDriver(":memory:");
    try {
      sqlite = db.prepare<{ v: string }>("SELECT sqlite_version() AS v").get()?.v ?? sqlite;
    } finally {
      db.close();
    }
  } catch (err) {
    return fail("runtime", `SQLite cannot be loaded (${message(err).detail})`, "run 'npm install' in the install directory");
  }
  if (!bun) {
    return warn("runtime", `pai ${pkg.version} on Node ${process.versions.node} (not Bun), SQLite ${sqlite}`, "run pai through bin/pai (or 'npx pai'), which uses the Bun installed by npm install");
  }
  const wanted = ((pkg as { dependencies?: Record<string, string> }).dependencies?.bun ?? "").replace(/^[\^~>=v\s]+/, "");
  if (/^\d+\.\d+/.test(wanted) && compareVersions(bun, wanted) < 0) {
    return warn("runtime", `Bun ${bun} is older than the ${wanted} pai is tested with, SQLite ${sqlite}`, "run 'npm install' in the install directory: bin/pai then uses the Bun it installs");
  }
  return ok("runtime", `pai ${pkg.version}, Bun ${bun}, SQLite ${sqlite}, ${process.platform}-${process.arch}`);
}

// ---- PAI_HOME -----------------------------------------------------------------------------------

export function checkHome(p: Paths): Check {
  if (!existsSync(p.user)) {
    return fail("home", `no user/ folder in ${p.home} (PAI_HOME); config, database and Telos checks skipped`, "run 'pai init' (or set PAI_HOME to the folder that holds your user/)");
  }
  const missing = [
    ...TELOS_FILES.map((f) => join(p.telos, `${f}.md`)),
    p.preferences,
    p.config,
  ].filter((f) => !existsSync(f));
  if (missing.length) {
    const names = missing.map((f) => relative(p.home, f));
    return warn("home", `${p.user}: missing ${names.slice(0, 3).join(", ")}${names.length > 3 ? ` and ${names.length - 3} more` : ""}`, "run 'pai init': it adds what is missing and never overwrites");
  }
  return ok("home", `${p.user}`);
}

// ---- config -------------------------------------------------------------------------------------

export async function checkConfig(p: Paths): Promise<Check> {
  if (!existsSync(p.config)) return warn("config", `${p.config} does not exist; defaults apply`, "run 'pai init' to create it");
  try {
    loadConfig(p.config);
    const set = countLeaves(readRawConfig(p.config));
    return ok("config", `${p.config} is valid (${set} key(s) set, the rest default)`);
  } catch (err) {
    const m = message(err);
    return fail("config", m.detail, m.fix);
  }
}

function countLeaves(obj: unknown): number {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return 1;
  return Object.values(obj).reduce<number>((n, v) => n + countLeaves(v), 0);
}

// ---- Telos --------------------------------------------------------------------------------------

export async function checkTelosFiles(p: Paths): Promise<Check> {
  let problems: { file: string; line: number; message: string; severity: "error" | "warning" }[];
  try {
    problems = checkTelos(p);
  } catch (err) {
    const m = message(err);
    return fail("telos", `the Telos files cannot be read (${m.detail})`, m.fix ?? "run 'pai telos check' for details");
  }
  const errors = problems.filter((x) => x.severity === "error");
  const warnings = problems.filter((x) => x.severity !== "error");
  const first = (list: typeof problems) => {
    const pr = list[0]!;
    return `${pr.file}:${pr.line}: ${pr.message}${list.length > 1 ? ` (+${list.length - 1} more)` : ""}`;
  };
  if (errors.length) return fail("telos", `${errors.length} problem(s): ${first(errors)}`, "run 'pai telos check' to see them all, then 'pai telos edit FILE'");
  if (warnings.length) return warn("telos", `${warnings.length} warning(s): ${first(warnings)}`, "run 'pai telos check' to see them all");
  return ok("telos", `${telosFileCount(loadTelos(p).docs)} files, no problems`);
}

// ---- install (git) ------------------------------------------------------------------------------

export async function checkInstall(installDir?: string): Promise<Check> {
  let s;
  try {
    s = await inspectInstall({ dir: installDir, fetch: false });
  } catch (err) {
    const m = message(err);
    return warn("install", m.detail, m.fix);
  }
  const where = s.branch ? `on ${s.branch}` : "detached HEAD";
  const b = s.blocker;
  if (b?.reason === "local-edits") {
    return warn("install", `${s.dir}: ${b.files.length} tracked file(s) outside user/ have local edits (${b.files.slice(0, 3).join(", ")}); 'pai upgrade' will refuse`, "move your changes to user/overrides/ (it mirrors system/), then undo them with 'git restore'");
  }
  if (b?.reason === "no-upstream") return warn("install", `${s.dir}: ${where}, no upstream; 'pai upgrade' is not possible`, s.branch ? `git -C '${s.dir}' branch --set-upstream-to origin/${s.branch}` : `git -C '${s.dir}' switch main`);
  if (b?.reason === "diverged") return warn("install", `${s.dir}: ${where}, diverged from ${s.upstream} (${b.ahead} local, ${b.behind} incoming commit(s))`, `'git -C ${s.dir} log ${s.upstream}..HEAD' shows your commits; move what you need to user/overrides/`);
  if (b) return warn("install", `${s.dir}: ${where}, ${s.behind} commit(s) behind ${s.upstream}, but 'pai upgrade' would refuse (${b.reason})`, "run 'pai upgrade --check' for details");
  if (s.behind > 0) return warn("install", `${s.dir}: ${where}, ${s.behind} commit(s) behind ${s.upstream} (as of the last fetch)`, "run 'pai upgrade'");
  return ok("install", `${s.dir}: ${where}, clean, up to date with ${s.upstream} as of the last fetch ('pai upgrade --check' fetches)`);
}

// ---- backends -----------------------------------------------------------------------------------

/** OLLAMA_HOST as Ollama accepts it (`host`, `host:port`, or a URL), as a base URL. */
export function ollamaBaseUrl(host: string): string {
  let h = host.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(h)) h = `http://${h}`;
  const u = new URL(h);
  if (!u.port && !/^[a-z]+:\/\/[^/]*:\d+/i.test(h)) u.port = u.protocol === "https:" ? "443" : "11434";
  return u.origin;
}

/** The Ollama address pai uses (OLLAMA_HOST, else config ollama.host, else the default) and where it came from. */
export function ollamaHost(p: Paths, env: NodeJS.ProcessEnv): { configured: string; source: string } {
  let configured: string = CONFIG_DEFAULTS.ollama.host;
  let source = "default";
  try {
    configured = loadConfig(p.config).ollama.host;
    const raw = readRawConfig(p.config) as { ollama?: { host?: unknown } };
    if (raw.ollama?.host !== undefined) source = "config ollama.host";
  } catch {
    // A broken config is reported by the config check; fall back to the default host.
  }
  if (env.OLLAMA_HOST?.trim()) {
    configured = env.OLLAMA_HOST.trim();
    source = "OLLAMA_HOST";
  }
  return { configured, source };
}

export async function checkOllama(p: Paths, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Check> {
  const { configured, source } = ollamaHost(p, env);
  let base: string;
  try {
    base = ollamaBaseUrl(configured);
  } catch {
    return warn("ollama", `'${configured}' (${source}) is not a valid address`, "set OLLAMA_HOST or 'pai config set ollama.host http://127.0.0.1:11434'");
  }
  let trusted = false;
  try {
    trusted = loadConfig(p.config).ollama.trusted === true;
  } catch {}
  // Privacy before reachability: a host that is not this machine gets what a cloud model gets.
  const privacy = isLoopbackUrl(base)
    ? ""
    : trusted
      ? "; not this machine, but trusted (ollama.trusted): it receives private items"
      : "; not this machine, so it counts as cloud: private items are never sent to it (set ollama.trusted true to treat it as local)";
  try {
    const res = await fetch(`${base}/api/version`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return warn("ollama", `${base} answered HTTP ${res.status} (from ${source})`, "check that it is Ollama at that address, or run 'ollama serve'");
    const body = (await res.json().catch(() => ({}))) as { version?: string };
    return ok("ollama", `reachable at ${base}${body.version ? ` (Ollama ${body.version})` : ""}${privacy}`);
  } catch (err) {
    const why = (err as Error)?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : "not reachable";
    return warn("ollama", `${base} (from ${source}): ${why}; pai works without a model, but ask and chat need one${privacy}`, "ollama serve");
  }
}

/** The configured Ollama models against what the Ollama pai uses has pulled. */
export async function modelsCheck(p: Paths, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Check> {
  let base: string;
  try {
    base = ollamaBaseUrl(ollamaHost(p, env).configured);
  } catch {
    return { name: "models", status: "warn", detail: "the Ollama address is not valid (see the ollama line)" };
  }
  return checkModels(p, base, timeoutMs);
}

export function checkAnthropic(env: NodeJS.ProcessEnv): Check {
  if (env.ANTHROPIC_API_KEY?.trim()) return ok("anthropic", "ANTHROPIC_API_KEY is set (not checked against the API)");
  return warn("anthropic", "ANTHROPIC_API_KEY is not set; the Anthropic backend is unavailable", "export ANTHROPIC_API_KEY=… to use --backend anthropic");
}

// ---- embeddings ---------------------------------------------------------------------------------

/** How many items have a vector of the embed model; a warning (search is lexical) when the model failed. */
export function checkEmbeddings(db: Database, p: Paths, env: NodeJS.ProcessEnv): Check {
  try {
    const s = embeddingStatus({ db, config: loadConfig(p.config), env, run: p.run });
    const counts = `${s.embedded} of ${s.items} items (${s.model})`;
    if (!s.enabled) return ok("embeddings", `off (memory.embeddings): search is lexical; ${counts}`);
    if (s.notice) return warn("embeddings", `${counts}; ${s.notice}`, s.fix);
    const slow = s.embedded && !s.vectors.available ? `; sqlite-vec unavailable (${s.vectors.reason}): search by meaning runs without it, slower on large stores` : "";
    return ok("embeddings", `${counts}${s.pending ? `; ${s.pending} waiting (the next write embeds them, or 'pai memory embed')` : ""}${slow}`);
  } catch (err) {
    return warn("embeddings", `cannot be counted (${message(err).detail})`, "run 'pai doctor' again; 'pai memory stats' also counts them");
  }
}

// ---- all ----------------------------------------------------------------------------------------

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const p = opts.paths;
  const timeoutMs = opts.timeoutMs ?? 1000;
  // The network checks, git and the database (in a worker thread) run while the local ones do.
  const ollama = checkOllama(p, env, timeoutMs);
  const models = modelsCheck(p, env, timeoutMs);
  const install = checkInstall(opts.installDir ?? (env.PAI_INSTALL_DIR?.trim() || undefined));
  const checks: Check[] = [await checkRuntime()];
  const mode: IntegrityMode = opts.full ? "integrity_check" : "quick_check";
  const home = checkHome(p);
  checks.push(home);
  if (home.status !== "fail") {
    checks.push(await checkConfig(p));
    let embeddings: Check | undefined;
    let daemon: Check | undefined;
    const read = (db: Database) => {
      embeddings = checkEmbeddings(db, p, env);
      daemon = checkDaemon(db, p);
    };
    const database = checkDatabase(p, opts.latestSchema, opts.onProgress, read, mode);
    const telos = await checkTelosFiles(p);
    const packs = checkPacks(p);
    const programs = checkPrograms(p, env);
    checks.push(await database);
    if (embeddings) checks.push(embeddings);
    checks.push(telos, daemon ?? checkDaemon(undefined, p), packs, programs);
  }
  checks.push(await install);
  checks.push(await ollama);
  if (home.status !== "fail") checks.push(await models);
  checks.push(checkAnthropic(env));
  return { ok: checks.every((c) => c.status !== "fail"), checks, integrity: mode };
}

/** The human report: `ok|warn|fail  <check>: <detail>`, and the fix under each line that is not ok. */
export function renderDoctor(report: DoctorReport, paint: (status: CheckStatus, s: string) => string = (_s, t) => t): string {
  const out: string[] = [];
  for (const c of report.checks) {
    out.push(`${paint(c.status, c.status.padEnd(4))}  ${c.name}: ${c.detail}`);
    if (c.status !== "ok" && c.fix) out.push(`      fix: ${c.fix}`);
  }
  const n = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  out.push("", `${n("ok")} ok, ${n("warn")} warn, ${n("fail")} fail`);
  return out.join("\n");
}
