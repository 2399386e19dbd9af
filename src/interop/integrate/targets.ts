/**
 * The tools pai integrates with, and exactly what it adds to each one's settings:
 *
 * - Claude Code: the MCP server in `~/.claude.json` (`mcpServers.pai`, user scope, as `claude mcp add -s user`
 *   writes it) and two hooks in `~/.claude/settings.json`: SessionStart runs `pai context` (its stdout is added
 *   to the session) and SessionEnd runs `pai memory import-transcript --from-hook`. CLAUDE_CONFIG_DIR moves
 *   both files, as it does for Claude Code itself.
 * - OpenCode: `mcp.pai` in `$XDG_CONFIG_HOME/opencode/opencode.json` (default ~/.config).
 * - Gemini CLI: `mcpServers.pai` in `~/.gemini/settings.json`.
 *
 * Every entry pai writes carries its profile (PAI_HOME), and each edit recognises only its own entries of that
 * profile: the server named `pai` whose command is pai's launcher with that PAI_HOME in its environment, and hook
 * commands exactly of the form `PAI_HOME=<profile> <launcher> <args> # added by pai integrate`. A hook of the
 * user's own that runs `pai context`, or another profile's, is never taken over nor removed. The edits are made
 * on the file's text (see jsonc-edit.ts), so everything else in the file keeps its bytes.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { UserError } from "../../kernel/errors.ts";
import type { JsoncDocument, JsonPath } from "./jsonc-edit.ts";
import { isObject, sameJson, type Json, type JsonObject } from "./settings-file.ts";


export const TOOLS = ["claude-code", "opencode", "gemini"] as const;
export type Tool = (typeof TOOLS)[number];

export const SERVER_NAME = "pai";

export interface ServerSpec {
  /** Absolute path of pai's launcher (bin/pai). */
  command: string;
  /** The profile: PAI_HOME (absolute), written into every entry pai adds. */
  paiHome: string;
  /** The profile used when PAI_HOME is not set (an entry without PAI_HOME belongs to it). */
  defaultHome?: string;
}

export interface Env {
  home: string;
  xdgConfigHome?: string;
  claudeConfigDir?: string;
}

export function envFrom(env: NodeJS.ProcessEnv = process.env): Env {
  const home = env.HOME?.trim() || homedir();
  return {
    home,
    xdgConfigHome: env.XDG_CONFIG_HOME?.trim() || undefined,
    claudeConfigDir: env.CLAUDE_CONFIG_DIR?.trim() || undefined,
  };
}

function tilde(path: string, env: Env): string {
  return path.startsWith(`${env.home}/`) ? `~${path.slice(env.home.length)}` : path;
}

/** Single-quotes a word for the shell that runs hook commands. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\/.,:+=@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const CONTEXT_HOOK_ARGS = "context --for cloud";
export const IMPORT_HOOK_ARGS = "memory import-transcript --from-hook";
/** The shell comment that ends every hook command pai adds (the shell running the hook ignores it). */
export const HOOK_MARK = "# added by pai integrate";

/** The hook command pai writes for a profile: the profile first, pai's mark last. */
export function hookCommand(spec: ServerSpec, args: string): string {
  return `PAI_HOME=${shellQuote(spec.paiHome)} ${shellQuote(spec.command)} ${args} ${HOOK_MARK}`;
}

/** True only for a hook command pai added for this profile (whatever launcher path it had then). */
export function isOwnHookCommand(command: unknown, spec: ServerSpec, args: string): boolean {
  return (
    typeof command === "string" &&
    command.startsWith(`PAI_HOME=${shellQuote(spec.paiHome)} `) &&
    command.endsWith(` ${args} ${HOOK_MARK}`) &&
    !command.includes("\n")
  );
}

/** The profile an MCP entry runs pai for: its PAI_HOME, or the default profile when it sets none. */
function profileOf(env: Json | undefined, spec: ServerSpec): string | undefined {
  if (isObject(env) && typeof env.PAI_HOME === "string") return env.PAI_HOME;
  return spec.defaultHome;
}

function isPaiLauncher(command: unknown): boolean {
  return typeof command === "string" && basename(command) === "pai";
}

export interface InstallChanges {
  changes: string[];
  /** Objects and arrays that did not exist and were created to hold pai's entries. */
  created: JsonPath[];
}

export interface FileEdit {
  /** Stable key of this file in results and the manifest. */
  id: string;
  path: string;
  /** The path as shown to the user (~ for the home folder). */
  display: string;
  /** Checks the file's structure (throwing before any change), then adds or updates pai's entries in `doc`. */
  install(doc: JsoncDocument, spec: ServerSpec): InstallChanges;
  /** Removes this profile's entries from `doc`, then those of `created` that are left empty; returns what changed. */
  uninstall(doc: JsoncDocument, spec: ServerSpec, created: JsonPath[]): string[];
  /** What a file pai creates starts as. */
  initial(): JsonObject;
}

function structureError(display: string, key: string, expected: string): UserError {
  return new UserError(`${display}: '${key}' is not ${expected}; nothing was changed`, {
    hint: `fix that key by hand, then run the command again`,
  });
}

function notOurs(display: string, key: string, profile?: string): UserError {
  if (profile) {
    return new UserError(`${display} already has a server '${key}' for another pai profile (PAI_HOME=${profile}); nothing was changed`, {
      hint: `run 'pai integrate --uninstall' with PAI_HOME=${profile} first, or rename that entry by hand`,
    });
  }
  return new UserError(`${display} already has a server '${key}' that pai did not add; nothing was changed`, {
    hint: `rename or remove that entry by hand, then run the command again`,
  });
}

/** The containers on `path` (its first `upTo` segments at most) that do not exist yet. */
function missing(doc: JsoncDocument, path: JsonPath, upTo: number): JsonPath[] {
  const out: JsonPath[] = [];
  for (let k = 1; k <= upTo; k++) if (!doc.has(path.slice(0, k))) out.push(path.slice(0, k));
  return out;
}

/** Removes the containers pai created that are now empty, the deepest first. */
function prune(doc: JsoncDocument, created: JsonPath[]): void {
  for (const p of [...created].sort((a, b) => b.length - a.length)) {
    const v = doc.get(p);
    if ((Array.isArray(v) || isObject(v)) && doc.size(p) === 0) doc.remove(p);
  }
}

/** Sets pai's server entry at `at` (`[container, "pai"]`) when it is missing or pai's own for this profile. */
function putServer(
  doc: JsoncDocument,
  display: string,
  at: JsonPath,
  wanted: JsonObject,
  ours: (e: Json) => boolean,
  profile: (e: Json) => string | undefined,
): InstallChanges {
  const container = at[0] as string;
  const c = doc.get([container]);
  if (c !== undefined && !isObject(c)) throw structureError(display, container, "an object");
  const existing = doc.get(at);
  const key = at.join(".");
  if (existing !== undefined && !ours(existing)) throw notOurs(display, key, profile(existing));
  if (existing !== undefined && sameJson(existing, wanted)) return { changes: [], created: [] };
  const created = missing(doc, at, at.length - 1);
  doc.set(at, wanted);
  return { changes: [`${existing === undefined ? "added" : "updated"} ${key}`], created };
}

function removeServer(doc: JsoncDocument, at: JsonPath, ours: (e: Json) => boolean, created: JsonPath[]): string[] {
  const existing = doc.get(at);
  if (existing === undefined || !ours(existing)) return [];
  doc.remove(at);
  prune(doc, created);
  return [`removed ${at.join(".")}`];
}

/** An `mcpServers.<name>` style edit (Claude Code's ~/.claude.json and Gemini CLI's settings). */
function mcpServersEdit(id: string, path: string, env: Env, entry: (spec: ServerSpec) => JsonObject): FileEdit {
  const display = tilde(path, env);
  const at: JsonPath = ["mcpServers", SERVER_NAME];
  const profile = (spec: ServerSpec) => (e: Json) => (isObject(e) && isPaiLauncher(e.command) ? profileOf(e.env, spec) : undefined);
  const ours = (spec: ServerSpec) => (e: Json) => isObject(e) && isPaiLauncher(e.command) && profileOf(e.env, spec) === spec.paiHome;
  return {
    id,
    path,
    display,
    initial: () => ({}),
    install: (doc, spec) => putServer(doc, display, at, entry(spec), ours(spec), profile(spec)),
    uninstall: (doc, spec, created) => removeServer(doc, at, ours(spec), created),
  };
}

function stdioEntry(spec: ServerSpec, withType: boolean): JsonObject {
  const entry: JsonObject = withType ? { type: "stdio" } : {};
  entry.command = spec.command;
  entry.args = ["mcp"];
  entry.env = { PAI_HOME: spec.paiHome };
  return entry;
}

const HOOKS: { event: string; args: string; timeout: number; what: string }[] = [
  { event: "SessionStart", args: CONTEXT_HOOK_ARGS, timeout: 30, what: "pai context" },
  { event: "SessionEnd", args: IMPORT_HOOK_ARGS, timeout: 120, what: "pai memory import-transcript" },
];

/** This profile's hooks for one event, as [group index, hook index], in document order. */
function ownHooks(doc: JsoncDocument, event: string, spec: ServerSpec, args: string): [number, number][] {
  const groups = doc.get(["hooks", event]);
  const out: [number, number][] = [];
  if (!Array.isArray(groups)) return out;
  groups.forEach((g, gi) => {
    if (!isObject(g) || !Array.isArray(g.hooks)) return;
    g.hooks.forEach((h, hi) => {
      if (isObject(h) && isOwnHookCommand(h.command, spec, args)) out.push([gi, hi]);
    });
  });
  return out;
}

/** Removes hooks (given in document order), then the matcher groups they leave empty (pai's own groups). */
function removeHooks(doc: JsoncDocument, event: string, found: [number, number][]): void {
  for (const [gi, hi] of [...found].reverse()) doc.remove(["hooks", event, gi, "hooks", hi]);
  const groups = [...new Set(found.map(([gi]) => gi))].sort((a, b) => b - a);
  for (const gi of groups) if (doc.size(["hooks", event, gi, "hooks"]) === 0) doc.remove(["hooks", event, gi]);
}

function claudeHooksEdit(path: string, env: Env): FileEdit {
  const display = tilde(path, env);
  return {
    id: "claude-code.settings",
    path,
    display,
    initial: () => ({}),
    install(doc, spec) {
      const hooks = doc.get(["hooks"]);
      if (hooks !== undefined && !isObject(hooks)) throw structureError(display, "hooks", "an object");
      for (const h of HOOKS) {
        const arr = doc.get(["hooks", h.event]);
        if (arr !== undefined && !Array.isArray(arr)) throw structureError(display, `hooks.${h.event}`, "an array");
      }
      const changes: string[] = [];
      const created: JsonPath[] = [];
      for (const h of HOOKS) {
        const wanted: JsonObject = { type: "command", command: hookCommand(spec, h.args), timeout: h.timeout };
        const mine = ownHooks(doc, h.event, spec, h.args);
        if (mine.length === 0) {
          created.push(...missing(doc, ["hooks", h.event], 2));
          doc.append(["hooks", h.event], { hooks: [wanted] });
          changes.push(`added hooks.${h.event} (${h.what})`);
          continue;
        }
        // Keep the first one (updated in place when it differs); drop duplicates.
        const [first, ...rest] = mine;
        const firstPath: JsonPath = ["hooks", h.event, first![0], "hooks", first![1]];
        let changed = rest.length > 0;
        if (rest.length) removeHooks(doc, h.event, rest);
        if (!sameJson(doc.get(firstPath), wanted)) {
          doc.set(firstPath, wanted);
          changed = true;
        }
        if (changed) changes.push(`updated hooks.${h.event} (${h.what})`);
      }
      return { changes, created };
    },
    uninstall(doc, spec, created) {
      if (!isObject(doc.get(["hooks"]))) return [];
      const removed: string[] = [];
      for (const h of HOOKS) {
        const mine = ownHooks(doc, h.event, spec, h.args);
        if (mine.length === 0) continue;
        removeHooks(doc, h.event, mine);
        removed.push(`removed hooks.${h.event} (${h.what})`);
      }
      if (removed.length) prune(doc, created);
      return removed;
    },
  };
}

function opencodeEdit(path: string, env: Env): FileEdit {
  const display = tilde(path, env);
  const at: JsonPath = ["mcp", SERVER_NAME];
  const isLauncher = (e: Json): e is JsonObject => isObject(e) && Array.isArray(e.command) && isPaiLauncher(e.command[0]);
  const profile = (spec: ServerSpec) => (e: Json) => (isLauncher(e) ? profileOf(e.environment, spec) : undefined);
  const ours = (spec: ServerSpec) => (e: Json) => isLauncher(e) && profileOf(e.environment, spec) === spec.paiHome;
  return {
    id: "opencode",
    path,
    display,
    initial: () => ({ $schema: "https://opencode.ai/config.json" }),
    install(doc, spec) {
      const entry: JsonObject = { type: "local", command: [spec.command, "mcp"], enabled: true, environment: { PAI_HOME: spec.paiHome } };
      return putServer(doc, display, at, entry, ours(spec), profile(spec));
    },
    uninstall: (doc, spec, created) => removeServer(doc, at, ours(spec), created),
  };
}

/** The settings files each tool's integration edits. */
export function editsFor(tool: Tool, env: Env): FileEdit[] {
  switch (tool) {
    case "claude-code": {
      const dir = env.claudeConfigDir;
      const settings = join(dir ?? join(env.home, ".claude"), "settings.json");
      const state = dir ? join(dir, ".claude.json") : join(env.home, ".claude.json");
      return [
        mcpServersEdit("claude-code.mcp", state, env, (spec) => stdioEntry(spec, true)),
        claudeHooksEdit(settings, env),
      ];
    }
    case "opencode": {
      const dir = join(env.xdgConfigHome ?? join(env.home, ".config"), "opencode");
      const json = join(dir, "opencode.json");
      const jsonc = join(dir, "opencode.jsonc");
      const path = !existsSync(json) && existsSync(jsonc) ? jsonc : json;
      return [opencodeEdit(path, env)];
    }
    case "gemini":
      return [mcpServersEdit("gemini", join(env.home, ".gemini", "settings.json"), env, (spec) => stdioEntry(spec, false))];
  }
}
