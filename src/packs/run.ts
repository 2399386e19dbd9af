/**
 * Running one pack command at its tier, with the permissions it declared and the user granted, recorded in
 * pack_runs and remembered as an `action` memory (secrets redacted).
 */
import { existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { loadConfig, type Config } from "../config/index.ts";
import { PaiError, UsageError, UserError } from "../kernel/errors.ts";
import { paths as getPaths, requireUser, type Paths } from "../kernel/paths.ts";
import { openDatabase, type Database } from "../app/db.ts";
import { safeText } from "../kernel/terminal.ts";
import { packChange } from "./integrity.ts";
import { packFs } from "./fs.ts";
import { redactDeep, redactSecrets, secretForms } from "../kernel/redact.ts";
import { registerSecret } from "../kernel/secrets.ts";
import type { ChatMessage, ToolCall, ToolSpec } from "../models/types.ts";
import { parseFrontMatter, skillOf, type PackCommand, type PackManifest, type Permissions, type Tier } from "./manifest.ts";
import {
  checkExec,
  checkHost,
  checkRead,
  checkWrite,
  childEnv,
  EMPTY_PERMISSIONS,
  expandPath,
  expandPermissions,
  intersect,
  PermissionError,
  restrict,
  secretValues,
  spawnChecked,
  type Guard,
} from "./permissions.ts";
import { getInstalled, packSettings, type PackLock } from "./store.ts";
import { renderArgv, renderText, usesInput, type TemplateScope } from "./template.ts";
import type { PackCommandResult, PackContext } from "./types.ts";

export type { Tier } from "./manifest.ts";

/** Synchronous redaction: the declared secrets' values, then the well-known credential shapes. */
function redactKnown(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("[REDACTED:secret]");
  return redactSecrets(out).text;
}

export interface RunInput {
  args?: string[];
  text?: string;
  vars?: Record<string, string>;
}

export interface RunOptions {
  /** Further limits (the daemon's job policy): entries as in a manifest, expanded the same way. */
  grants?: Permissions;
  signal?: AbortSignal;
  db?: Database;
  /** "cli", "daemon:<job>", "skill:<pack>:<command>", "dispatch". */
  origin?: string;
  /** Streams model text (prompt and skill tiers). */
  onText?: (text: string) => void;
  backend?: string;
  model?: string;
  /** Store nothing in memory for this run. */
  incognito?: boolean;
  paths?: Paths;
  config?: Config;
  /** @internal the run that started this one (a skill's tool call). */
  parentId?: number;
}

export interface RunResult {
  ok: boolean;
  output: string;
  data?: unknown;
  tier: Tier;
  runId: number;
  memoryId?: number;
  /** Set when ok is false: the error (a PermissionError for refusals). */
  error?: PaiError;
  outcome: "ok" | "failed" | "refused" | "aborted";
}

export function parseRef(s: string): { pack: string; command: string } {
  const m = /^([a-z0-9-]+):([A-Za-z0-9_-]+)$/.exec(s.trim());
  if (!m) {
    throw new UsageError(`'${s}' is not PACK:COMMAND`, { hint: "e.g. pai run journal:write 'a good day'" });
  }
  return { pack: m[1]!, command: m[2]! };
}

interface Prepared {
  p: Paths;
  config: Config;
  manifest: PackManifest;
  lock: PackLock;
  cmd: PackCommand;
  settings: Record<string, unknown>;
  perms: Permissions;
  guard: Guard;
  secrets: string[];
}

function prepare(ref: { pack: string; command: string }, opts: RunOptions): Prepared {
  const p = requireUser(opts.paths ?? getPaths());
  const config = opts.config ?? loadConfig(p.config);
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
  const secrets = secretValues(perms);
  // Known to this process from now on: a request bound for a cloud model is redacted with them too.
  for (const s of secrets) registerSecret(s);
  return { p, config, manifest, lock, cmd, settings, perms, guard, secrets };
}

const today = () => new Date().toISOString().slice(0, 10);

function inputText(input: RunInput): string {
  return input.text ?? (input.args ?? []).join(" ");
}

/** Runs one pack command. Unknown packs or commands throw; failures of the run itself are returned (ok: false). */
export async function runPackCommand(ref: { pack: string; command: string }, input: RunInput = {}, opts: RunOptions = {}): Promise<RunResult> {
  // Every file of the pack is hashed and compared with its install record first; a changed pack runs nothing
  // (recorded as a failed run when its manifest still names the command, refused outright otherwise).
  const changed = packChange(ref.pack, requireUser(opts.paths ?? getPaths()));
  let prep: Prepared;
  try {
    prep = prepare(ref, opts);
  } catch (err) {
    throw changed ?? err;
  }
  // A skill's run holds its tools' secrets too: a tool's token typed into the request or quoted back by the
  // model is redacted from what the skill stores, returns and sends, as the tool's own output is.
  if (prep.cmd.tier === "skill" && !changed) prep.secrets = [...new Set([...prep.secrets, ...skillTools(prep, prep.cmd).flatMap((name) => toolSecrets(prep, name, opts))])];
  const { redact, rememberItem } = await import("./external.ts");
  const db = opts.db ?? openDatabase(prep.p.db);
  const args = input.args ?? [];
  const text = inputText(input);
  const started = new Date().toISOString();
  const runId = Number(
    db
      .prepare("INSERT INTO pack_runs (pack, command, tier, args, input, origin, parent_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(
        ref.pack,
        ref.command,
        prep.cmd.tier,
        await redact(JSON.stringify(args), prep.secrets),
        await redact(text.slice(0, 2000), prep.secrets),
        opts.origin ?? "cli",
        opts.parentId ?? null,
        started,
      ).lastInsertRowid,
  );
  let outcome: RunResult["outcome"] = "ok";
  let output = "";
  let data: unknown;
  let error: PaiError | undefined;
  try {
    opts.signal?.throwIfAborted();
    if (changed) throw changed;
    const stream = opts.onText && prep.secrets.length ? redactingStream(opts.onText, prep.secrets) : undefined;
    try {
      const r = await runTier(prep, ref, { args, text, vars: input.vars ?? {} }, stream ? { ...opts, onText: stream.write } : opts, db, runId);
      output = r.output;
      data = r.data;
    } finally {
      stream?.end();
    }
  } catch (err) {
    if (opts.signal?.aborted) {
      outcome = "aborted";
      error = new UserError(`${ref.pack}:${ref.command} was interrupted`);
    } else if (err instanceof PermissionError) {
      outcome = "refused";
      error = err;
    } else if (err instanceof PaiError) {
      outcome = "failed";
      error = err;
    } else {
      outcome = "failed";
      const msg = err instanceof Error ? err.message : String(err);
      error = new UserError(`${ref.pack}:${ref.command} failed: ${msg.split("\n", 1)[0]}`, { hint: `'pai pack info ${ref.pack}' shows its settings and permissions`, cause: err });
    }
    output = error.message;
  }
  const stored = await redact(output, prep.secrets);
  let memoryId: number | undefined;
  if (outcome === "ok" && !opts.incognito && opts.parentId === undefined) {
    try {
      const summary = `${ref.pack}:${ref.command} (${prep.cmd.tier})${args.length ? ` ${args.join(" ")}` : text ? ` ${text.slice(0, 200)}` : ""}\n${stored}`.slice(0, 8000);
      memoryId = await rememberItem(db, prep.config, {
        content: await redact(summary, prep.secrets),
        kind: "action",
        source: `pack:${ref.pack}:${ref.command}`,
        meta: { runId, tier: prep.cmd.tier, origin: opts.origin ?? "cli" },
      });
    } catch {
      memoryId = undefined;
    }
  }
  db.prepare("UPDATE pack_runs SET finished_at = ?, outcome = ?, error = ?, output = ?, memory_id = ? WHERE id = ?").run(
    new Date().toISOString(),
    outcome,
    error ? await redact(error.message, prep.secrets) : null,
    stored.slice(0, 20_000),
    memoryId ?? null,
    runId,
  );
  if (!opts.db) db.close();
  // Redacted at the source: whatever leaves a run (its output, data and error) carries none of the secrets it
  // was handed nor a recognisable credential, whoever receives it (the CLI, a job firing, the audit trail, a
  // skill's model).
  return {
    ok: outcome === "ok",
    output: stored,
    data: data === undefined ? undefined : redactDeep(data, { known: prep.secrets }),
    tier: prep.cmd.tier,
    runId,
    memoryId,
    error: error ? await redactError(error, prep.secrets) : undefined,
    outcome,
  };
}

/**
 * Streamed text with the run's secrets redacted: the last (longest secret − 1) characters are held back until
 * more text comes, so a secret split across two chunks is still caught.
 */
function redactingStream(onText: (t: string) => void, secrets: string[]): { write: (t: string) => void; end: () => void } {
  const hold = Math.max(0, ...secrets.flatMap(secretForms).map((x) => x.length)) - 1;
  let pending = "";
  return {
    write(t) {
      pending = redactSecrets(pending + t, secrets).text;
      if (pending.length > hold) {
        onText(pending.slice(0, pending.length - hold));
        pending = pending.slice(pending.length - hold);
      }
    },
    end() {
      if (pending) onText(redactSecrets(pending, secrets).text);
      pending = "";
    },
  };
}

/** The error with its message and hint redacted (same class, same exit code). */
async function redactError(error: PaiError, secrets: string[]): Promise<PaiError> {
  const message = redactSecrets(error.message, secrets).text;
  const hint = error.hint === undefined ? undefined : redactSecrets(error.hint, secrets).text;
  if (message === error.message && hint === error.hint) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as PaiError;
  Object.assign(copy, error);
  Object.defineProperty(copy, "message", { value: message, writable: true, configurable: true });
  Object.defineProperty(copy, "hint", { value: hint, writable: false, configurable: true, enumerable: true });
  copy.stack = `${copy.name}: ${message}`;
  return copy;
}

async function runTier(
  prep: Prepared,
  ref: { pack: string; command: string },
  input: { args: string[]; text: string; vars: Record<string, string> },
  opts: RunOptions,
  db: Database,
  runId: number,
): Promise<{ output: string; data?: unknown }> {
  switch (prep.cmd.tier) {
    case "code":
      return runCode(prep, prep.cmd, input, opts, db);
    case "cli":
      return runCli(prep, prep.cmd, input, opts);
    case "prompt":
      return runPrompt(prep, prep.cmd, input, opts, db);
    case "skill":
      return runSkill(prep, ref, prep.cmd, input, opts, db, runId);
  }
}

// ---- code ------------------------------------------------------------------------------------------

/** Refuses to use a pack file (module, prompt, SKILL.md, bundled program) that changed since install. */
function assertUnchanged(prep: Prepared, file: string): string {
  const rel = relative(prep.manifest.dir, file).split(sep).join("/");
  const hash = createHash("sha256").update(readFileSync(file)).digest("hex");
  if (prep.lock.files[rel] !== hash) {
    throw new UserError(`${prep.guard.pack}:${prep.guard.command}: ${rel} changed since the pack was installed; it was not run`, {
      hint: `'pai pack verify ${prep.guard.pack}' lists the changes; 'pai pack update ${prep.guard.pack}' reinstalls it from its source`,
    });
  }
  return hash;
}

/** The hash of each code module this process has imported. */
const loadedModules = new Map<string, string>();

/** fetch limited to the granted hosts; redirects are followed by hand so each hop is checked. */
export function guardedFetch(guard: Guard, signal?: AbortSignal): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init = {}) => {
    let target = checkHost(guard, url);
    let req: RequestInit = { ...init, redirect: "manual", signal: init.signal ?? signal };
    for (let hop = 0; hop < 6; hop++) {
      const res = await fetch(target, req);
      if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
        target = checkHost(guard, new URL(res.headers.get("location")!, target));
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && req.method && req.method !== "GET")) req = { ...req, method: "GET", body: undefined };
        continue;
      }
      return res;
    }
    throw new UserError(`${guard.pack}:${guard.command}: too many redirects from ${String(url)}`);
  };
}

async function runCode(prep: Prepared, cmd: Extract<PackCommand, { tier: "code" }>, input: { args: string[]; text: string; vars: Record<string, string> }, opts: RunOptions, db: Database): Promise<{ output: string; data?: unknown }> {
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
      const { redact, rememberItem } = await import("./external.ts");
      return rememberItem(db, prep.config, { content: await redact(content, prep.secrets), kind, source: `pack:${prep.guard.pack}:${prep.guard.command}` });
    },
    // Redacted: in the daemon, standard error goes to user/logs/daemon.log.
    log: (m) => process.stderr.write(`${safeText(redactKnown(String(m), prep.secrets))}\n`),
    today: today(),
    signal,
  };
  const r = (await (fn as (c: PackContext) => Promise<PackCommandResult> | PackCommandResult)(ctx)) as PackCommandResult;
  if (r === undefined || r === null) return { output: "" };
  if (typeof r === "string") return { output: r };
  if (typeof r === "object" && typeof (r as { output?: unknown }).output === "string") return { output: r.output, data: r.data };
  return { output: JSON.stringify(r), data: r };
}

// ---- cli -------------------------------------------------------------------------------------------

function scopeOf(prep: Prepared, input: { args: string[]; text: string; vars: Record<string, string> }): TemplateScope {
  return { input: input.text, args: input.args, vars: input.vars, config: prep.settings, date: today() };
}

async function runCli(prep: Prepared, cmd: Extract<PackCommand, { tier: "cli" }>, input: { args: string[]; text: string; vars: Record<string, string> }, opts: RunOptions): Promise<{ output: string; data?: unknown }> {
  const bin = checkExec(prep.guard, cmd.exec, prep.manifest.dir);
  if (cmd.exec.startsWith("./")) assertUnchanged(prep, bin);
  const home = prep.p.home;
  const argv = renderArgv(cmd.args, scopeOf(prep, input), (kind, value) => {
    const full = expandPath(value, { home, packDir: prep.manifest.dir });
    if (kind === "read") return checkRead(prep.guard, full);
    const target = checkWrite(prep.guard, full);
    mkdirSync(dirname(target), { recursive: true }); // inside the grant: the program may expect its folder
    return target;
  });
  const r = await spawnChecked(bin, argv, {
    env: childEnv(prep.guard),
    input: cmd.stdin === "input" ? input.text : "",
    timeoutMs: cmd.timeoutMs,
    signal: opts.signal,
  });
  if (!cmd.okCodes.includes(r.code)) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split("\n", 1)[0] ?? "";
    throw new UserError(`${cmd.exec} exited with code ${r.code}${detail ? `: ${detail}` : ""}`, { data: { code: r.code } });
  }
  return { output: r.stdout.replace(/\n$/, ""), data: { code: r.code, argv: [cmd.exec, ...argv] } };
}

// ---- prompt ----------------------------------------------------------------------------------------

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|noscript)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|tr)>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+/g, " ")
    .replace(/\n\s*\n+/g, "\n\n")
    .trim();
}

/** Is `file` inside user/ (where everything personal lives)? Symbolic links are resolved on both sides. */
function insideUser(prep: Prepared, file: string): boolean {
  const real = (f: string) => {
    try {
      return realpathSync(f);
    } catch {
      return resolve(f);
    }
  };
  const user = real(prep.p.user);
  const target = real(file);
  return target === user || target.startsWith(user + sep);
}

/** For prompt commands with input "url-or-file": the content of the URL (through the guarded fetch) or file. */
async function loadInput(prep: Prepared, spec: string, maxChars: number, signal?: AbortSignal, cloud = false): Promise<{ text: string; source: string }> {
  const s = spec.trim();
  if (!s) throw new UserError(`${prep.guard.pack}:${prep.guard.command} needs a URL or a file`, { hint: `e.g. pai run ${prep.guard.pack}:${prep.guard.command} https://example.com/article` });
  let text: string;
  if (/^https?:\/\//i.test(s)) {
    const res = await guardedFetch(prep.guard, signal)(s);
    if (!res.ok) throw new UserError(`fetching ${s} failed: HTTP ${res.status}`, { hint: "check the URL" });
    const body = await res.text();
    text = /html/i.test(res.headers.get("content-type") ?? "") || /^\s*<(!doctype|html)/i.test(body) ? htmlToText(body) : body;
  } else {
    const file = checkRead(prep.guard, expandPath(s, { home: prep.p.home }));
    if (!existsSync(file)) throw new UserError(`no file at ${file}`, { hint: "give a URL or the path of a readable file" });
    if (cloud && insideUser(prep, file)) {
      throw new UserError(`${prep.guard.pack}:${prep.guard.command}: ${file} is under user/, which is never sent to a cloud model`, {
        hint: "use a local model (--backend ollama), or copy what you mean to share to a file outside user/",
      });
    }
    text = readFileSync(file, "utf8");
  }
  return { text: text.length > maxChars ? `${text.slice(0, maxChars)}\n[…truncated]` : text, source: s };
}

async function runPrompt(prep: Prepared, cmd: Extract<PackCommand, { tier: "prompt" }>, input: { args: string[]; text: string; vars: Record<string, string> }, opts: RunOptions, db: Database): Promise<{ output: string; data?: unknown }> {
  const { modelBackend, userContext, redact } = await import("./external.ts");
  const backend = await modelBackend({ purpose: "prompt", backend: opts.backend, model: opts.model, config: prep.config, db });
  let text = input.text;
  const vars = { ...input.vars };
  if (cmd.input === "url-or-file") {
    const loaded = await loadInput(prep, text, cmd.maxInputChars, opts.signal, backend.audience === "cloud");
    text = loaded.text;
    vars.source = loaded.source;
  }
  if (!text.trim() && (cmd.inputRequired || !usesInput(readFileSync(resolve(prep.manifest.dir, cmd.prompt), "utf8")))) throw new UserError(`${prep.guard.pack}:${prep.guard.command} needs some input`, { hint: `give it text: pai run ${prep.guard.pack}:${prep.guard.command} "…" (or pipe it with -)` });
  assertUnchanged(prep, resolve(prep.manifest.dir, cmd.prompt));
  const raw = readFileSync(resolve(prep.manifest.dir, cmd.prompt), "utf8");
  const template = parseFrontMatter(raw, resolve(prep.manifest.dir, cmd.prompt)).content;
  const scope = { ...scopeOf(prep, { ...input, text }), vars };
  const rendered = renderText(template, scope).trim();
  const context = await userContext({ query: text.slice(0, 500), audience: backend.audience, config: prep.config, db, paths: prep.p });
  let system: string;
  let user: string;
  if (usesInput(template)) {
    system = context ? `# CONTEXT ABOUT THE USER\n\n${context}` : "";
    user = rendered;
  } else {
    system = `${rendered}${context ? `\n\n# CONTEXT ABOUT THE USER\n\n${context}` : ""}`;
    user = text;
  }
  if (backend.audience === "cloud") {
    system = await redact(system, prep.secrets);
    user = await redact(user, prep.secrets);
  }
  let out = "";
  for await (const ev of backend.chat({ purpose: "prompt", system: system || undefined, messages: [{ role: "user", content: user }], signal: opts.signal })) {
    if (ev.type === "text") {
      out += ev.text;
      opts.onText?.(ev.text);
    }
  }
  return { output: out.trim(), data: { backend: backend.name, source: vars.source } };
}

// ---- skill -----------------------------------------------------------------------------------------

const TOOL_PARAMS: Record<string, unknown> = {
  type: "object",
  properties: {
    text: { type: "string", description: "the input text of the command" },
    args: { type: "array", items: { type: "string" }, description: "positional arguments" },
    vars: { type: "object", additionalProperties: { type: "string" }, description: "named variables" },
  },
};

function toolArgs(call: ToolCall): RunInput {
  const a = call.arguments ?? {};
  const args = Array.isArray(a.args) ? a.args.map(String) : [];
  const vars: Record<string, string> = {};
  if (a.vars && typeof a.vars === "object") for (const [k, v] of Object.entries(a.vars as object)) vars[k] = String(v);
  return { args, text: typeof a.text === "string" ? a.text : undefined, vars };
}

/** The commands of its pack a skill may call as tools (from its SKILL.md's allowed-tools; never another skill). */
function skillTools(prep: Prepared, cmd: Extract<PackCommand, { tier: "skill" }>, doc?: ReturnType<typeof skillOf>): string[] {
  let tools: string[];
  try {
    tools = (doc ?? skillOf(prep.manifest, cmd)).allowedTools;
  } catch {
    return []; // an unreadable SKILL.md fails the run itself, with its own message
  }
  return tools
    .map((t) => (t.includes(":") ? t.split(":")[1]! : t))
    .filter((t) => prep.manifest.commands[t] !== undefined && prep.manifest.commands[t]!.tier !== "skill");
}

/** The secret values a skill's tool would be handed (none when it cannot be prepared). */
function toolSecrets(prep: Prepared, command: string, opts: RunOptions): string[] {
  try {
    return prepare({ pack: prep.guard.pack, command }, { ...opts, paths: prep.p, config: prep.config }).secrets;
  } catch {
    return [];
  }
}

async function runSkill(
  prep: Prepared,
  ref: { pack: string; command: string },
  cmd: Extract<PackCommand, { tier: "skill" }>,
  input: { args: string[]; text: string; vars: Record<string, string> },
  opts: RunOptions,
  db: Database,
  runId: number,
): Promise<{ output: string; data?: unknown }> {
  const { modelBackend, userContext, redact, privateFilter } = await import("./external.ts");
  const doc = skillOf(prep.manifest, cmd);
  assertUnchanged(prep, doc.file);
  const allowed = skillTools(prep, cmd, doc);
  const tools: ToolSpec[] = allowed.map((name) => ({ name, description: prep.manifest.commands[name]!.description, parameters: TOOL_PARAMS }));
  if (!input.text.trim()) throw new UserError(`${ref.pack}:${ref.command} needs a request`, { hint: `e.g. pai run ${ref.pack}:${ref.command} "…"` });
  const backend = await modelBackend({ purpose: "skill", backend: opts.backend, model: opts.model, config: prep.config, db });
  const context = await userContext({ query: input.text.slice(0, 500), audience: backend.audience, config: prep.config, db, paths: prep.p });
  const vars = Object.entries({ ...input.vars, ...Object.fromEntries(Object.entries(prep.settings).map(([k, v]) => [`config.${k}`, Array.isArray(v) ? v.join(", ") : String(v)])) })
    .map(([k, v]) => `- ${k}: ${v}`)
    .join("\n");
  const cloud = backend.audience === "cloud";
  let system = [
    `# SKILL: ${doc.name}\n\n${renderText(doc.body, scopeOf(prep, input))}`,
    `# TOOLS\n\nYou may call only these tools: ${allowed.join(", ") || "(none)"}. Stop calling tools and answer in plain text when the work is done. You have at most ${cmd.maxSteps} steps.`,
    vars ? `# SETTINGS\n\n${vars}` : "",
    context ? `# CONTEXT ABOUT THE USER\n\n${context}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
  // A cloud model sees no secret, and no private Telos item or private memory a tool's output may quote.
  const withhold = cloud ? await privateFilter({ paths: prep.p, db }) : (t: string) => t;
  const outgoing = async (t: string) => (cloud ? withhold(await redact(t, prep.secrets)) : t);
  system = await outgoing(system);
  const messages: ChatMessage[] = [{ role: "user", content: await outgoing(input.text) }];
  const steps: { tool: string; ok: boolean; runId?: number }[] = [];
  for (let step = 1; step <= cmd.maxSteps; step++) {
    let text = "";
    const calls: ToolCall[] = [];
    for await (const ev of backend.chat({ purpose: "skill", system, messages, tools, signal: opts.signal })) {
      if (ev.type === "text") {
        text += ev.text;
        opts.onText?.(ev.text);
      } else if (ev.type === "tool_call") calls.push(ev.call);
    }
    if (!calls.length) return { output: text.trim(), data: { steps } };
    messages.push({ role: "assistant", content: text, toolCalls: calls });
    for (const call of calls) {
      let content: string;
      if (!allowed.includes(call.name)) {
        content = `refused: '${call.name}' is not a tool this skill may use (allowed: ${allowed.join(", ")})`;
        steps.push({ tool: call.name, ok: false });
      } else {
        const r = await runPackCommand({ pack: ref.pack, command: call.name }, toolArgs(call), {
          ...opts,
          onText: undefined,
          origin: `skill:${ref.pack}:${ref.command}`,
          db,
          parentId: runId,
          config: prep.config,
          paths: prep.p,
        });
        content = r.ok ? r.output || "(done)" : `error: ${r.output}${r.error?.hint ? ` — ${r.error.hint}` : ""}`;
        steps.push({ tool: call.name, ok: r.ok, runId: r.runId });
      }
      messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: await outgoing(content) });
    }
  }
  throw new UserError(`${ref.pack}:${ref.command} stopped after ${cmd.maxSteps} steps without finishing`, { hint: "the skill's maxSteps bounds its loop; ask for less, or raise maxSteps in the manifest" });
}
