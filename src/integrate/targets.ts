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
 * Each edit recognises its own entries (the server named `pai` whose command is pai's launcher with `mcp`,
 * hook commands that run `pai context` or `pai memory import-transcript`) and touches nothing else.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { UserError } from "../errors.ts";
import { isObject, type Json, type JsonObject } from "./settings-file.ts";

export const TOOLS = ["claude-code", "opencode", "gemini"] as const;
export type Tool = (typeof TOOLS)[number];

export const SERVER_NAME = "pai";

export interface ServerSpec {
  /** Absolute path of pai's launcher (bin/pai). */
  command: string;
  /** PAI_HOME to pass, when the user set one. */
  paiHome?: string;
}

export interface FileEdit {
  /** Stable key of this file in results and the manifest. */
  id: string;
  path: string;
  /** The path as shown to the user (~ for the home folder). */
  display: string;
  /** Adds or updates pai's entries in `data` (in place); returns what changed (empty when already there). */
  install(data: JsonObject, spec: ServerSpec): string[];
  /** Removes pai's entries (in place); with `prune`, containers left empty by the removal go too. */
  uninstall(data: JsonObject, prune: boolean): string[];
  /** What a file pai creates starts as. */
  initial(): JsonObject;
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

function paiCommand(spec: ServerSpec, args: string): string {
  const prefix = spec.paiHome ? `PAI_HOME=${shellQuote(spec.paiHome)} ` : "";
  return `${prefix}${shellQuote(spec.command)} ${args}`;
}

export const CONTEXT_HOOK_ARGS = "context --for cloud";
export const IMPORT_HOOK_ARGS = "memory import-transcript --from-hook";

/** True for a hook command that runs pai's context or transcript import. */
export function isPaiHookCommand(command: unknown): boolean {
  return typeof command === "string" && /(?:^|[\s'"\/])pai['"]?\s+(?:context\b|memory\s+import-transcript\b)/.test(command);
}

function isPaiLauncher(command: unknown): boolean {
  return typeof command === "string" && basename(command) === "pai";
}

function structureError(display: string, key: string, expected: string): UserError {
  return new UserError(`${display}: '${key}' is not ${expected}; nothing was changed`, {
    hint: `fix that key by hand, then run the command again`,
  });
}

function notOurs(display: string, key: string): UserError {
  return new UserError(`${display} already has a server '${key}' that pai did not add; nothing was changed`, {
    hint: `rename or remove that entry by hand, then run the command again`,
  });
}

/** Sets `obj[key] = value`, keeping the key's place when it exists; returns what happened. */
function put(obj: JsonObject, key: string, value: Json): "added" | "updated" | "unchanged" {
  if (Object.hasOwn(obj, key)) {
    if (JSON.stringify(obj[key]) === JSON.stringify(value)) return "unchanged";
    obj[key] = value;
    return "updated";
  }
  obj[key] = value;
  return "added";
}

/** `data[key]` as an object, created when missing. */
function objectAt(data: JsonObject, key: string, display: string, path = key): JsonObject {
  if (!Object.hasOwn(data, key)) data[key] = {};
  const v = data[key];
  if (!isObject(v)) throw structureError(display, path, "an object");
  return v;
}

/** An `mcpServers.<name>` style edit (Claude Code's ~/.claude.json and Gemini CLI's settings). */
function mcpServersEdit(id: string, path: string, env: Env, entry: (spec: ServerSpec) => JsonObject): FileEdit {
  const display = tilde(path, env);
  return {
    id,
    path,
    display,
    initial: () => ({}),
    install(data, spec) {
      if (Object.hasOwn(data, "mcpServers") && !isObject(data.mcpServers)) throw structureError(display, "mcpServers", "an object");
      const servers = objectAt(data, "mcpServers", display);
      const existing = servers[SERVER_NAME];
      if (existing !== undefined && !(isObject(existing) && isPaiLauncher(existing.command))) throw notOurs(display, `mcpServers.${SERVER_NAME}`);
      const what = put(servers, SERVER_NAME, entry(spec));
      return what === "unchanged" ? [] : [`${what} mcpServers.${SERVER_NAME}`];
    },
    uninstall(data, prune) {
      const servers = data.mcpServers;
      if (!isObject(servers)) return [];
      const existing = servers[SERVER_NAME];
      if (!(isObject(existing) && isPaiLauncher(existing.command))) return [];
      delete servers[SERVER_NAME];
      if (prune && Object.keys(servers).length === 0) delete data.mcpServers;
      return [`removed mcpServers.${SERVER_NAME}`];
    },
  };
}

function stdioEntry(spec: ServerSpec, withType: boolean): JsonObject {
  const entry: JsonObject = withType ? { type: "stdio" } : {};
  entry.command = spec.command;
  entry.args = ["mcp"];
  entry.env = spec.paiHome ? { PAI_HOME: spec.paiHome } : {};
  if (!withType && !spec.paiHome) delete entry.env;
  return entry;
}

const HOOKS: { event: string; args: string; timeout: number; what: string }[] = [
  { event: "SessionStart", args: CONTEXT_HOOK_ARGS, timeout: 30, what: "pai context" },
  { event: "SessionEnd", args: IMPORT_HOOK_ARGS, timeout: 120, what: "pai memory import-transcript" },
];

function claudeHooksEdit(path: string, env: Env): FileEdit {
  const display = tilde(path, env);
  return {
    id: "claude-code.settings",
    path,
    display,
    initial: () => ({}),
    install(data, spec) {
      if (Object.hasOwn(data, "hooks") && !isObject(data.hooks)) throw structureError(display, "hooks", "an object");
      for (const h of HOOKS) {
        const arr = (data.hooks as JsonObject | undefined)?.[h.event];
        if (arr !== undefined && !Array.isArray(arr)) throw structureError(display, `hooks.${h.event}`, "an array");
      }
      const changes: string[] = [];
      const hooks = objectAt(data, "hooks", display);
      for (const h of HOOKS) {
        const wanted: JsonObject = { type: "command", command: paiCommand(spec, h.args), timeout: h.timeout };
        if (!Object.hasOwn(hooks, h.event)) hooks[h.event] = [];
        const groups = hooks[h.event] as Json[];
        const mine = findPaiHooks(groups, h.args);
        if (mine.length === 0) {
          groups.push({ hooks: [wanted] });
          changes.push(`added hooks.${h.event} (${h.what})`);
          continue;
        }
        // Keep the first one (updated in place when it differs); drop duplicates.
        const [first, ...rest] = mine;
        let changed = false;
        if (JSON.stringify(first!.list[first!.index]) !== JSON.stringify(wanted)) {
          first!.list[first!.index] = wanted;
          changed = true;
        }
        for (const dup of rest.reverse()) {
          dup.list.splice(dup.index, 1);
          changed = true;
        }
        removeEmptyGroups(groups);
        if (changed) changes.push(`updated hooks.${h.event} (${h.what})`);
      }
      return changes;
    },
    uninstall(data, prune) {
      const hooks = data.hooks;
      if (!isObject(hooks)) return [];
      const removed: string[] = [];
      for (const h of HOOKS) {
        const groups = hooks[h.event];
        if (!Array.isArray(groups)) continue;
        const mine = findPaiHooks(groups, h.args);
        if (mine.length === 0) continue;
        for (const m of mine.reverse()) m.list.splice(m.index, 1);
        removeEmptyGroups(groups);
        if (prune && groups.length === 0) delete hooks[h.event];
        removed.push(`removed hooks.${h.event} (${h.what})`);
      }
      if (prune && removed.length > 0 && Object.keys(hooks).length === 0) delete data.hooks;
      return removed;
    },
  };
}

/** pai's hook entries for one event (by the pai subcommand they run), in document order. */
function findPaiHooks(groups: Json[], args: string): { list: Json[]; index: number }[] {
  const sub = args.split(" ")[0]!;
  const out: { list: Json[]; index: number }[] = [];
  for (const g of groups) {
    if (!isObject(g) || !Array.isArray(g.hooks)) continue;
    g.hooks.forEach((h, index) => {
      if (isObject(h) && isPaiHookCommand(h.command) && commandRuns(h.command as string, sub)) out.push({ list: g.hooks as Json[], index });
    });
  }
  return out;
}

function commandRuns(command: string, sub: string): boolean {
  return new RegExp(`pai['"]?\\s+${sub}\\b`).test(command);
}

/** Removes matcher groups whose hook list pai emptied (groups pai added hold only pai's hook). */
function removeEmptyGroups(groups: Json[]): void {
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i];
    if (isObject(g) && Array.isArray(g.hooks) && g.hooks.length === 0) groups.splice(i, 1);
  }
}

function opencodeEdit(path: string, env: Env): FileEdit {
  const display = tilde(path, env);
  return {
    id: "opencode",
    path,
    display,
    initial: () => ({ $schema: "https://opencode.ai/config.json" }),
    install(data, spec) {
      if (Object.hasOwn(data, "mcp") && !isObject(data.mcp)) throw structureError(display, "mcp", "an object");
      const mcp = objectAt(data, "mcp", display);
      const existing = mcp[SERVER_NAME];
      if (existing !== undefined && !(isObject(existing) && Array.isArray(existing.command) && isPaiLauncher(existing.command[0]))) {
        throw notOurs(display, `mcp.${SERVER_NAME}`);
      }
      const entry: JsonObject = { type: "local", command: [spec.command, "mcp"], enabled: true };
      if (spec.paiHome) entry.environment = { PAI_HOME: spec.paiHome };
      const what = put(mcp, SERVER_NAME, entry);
      return what === "unchanged" ? [] : [`${what} mcp.${SERVER_NAME}`];
    },
    uninstall(data, prune) {
      const mcp = data.mcp;
      if (!isObject(mcp)) return [];
      const existing = mcp[SERVER_NAME];
      if (!(isObject(existing) && Array.isArray(existing.command) && isPaiLauncher(existing.command[0]))) return [];
      delete mcp[SERVER_NAME];
      if (prune && Object.keys(mcp).length === 0) delete data.mcp;
      return [`removed mcp.${SERVER_NAME}`];
    },
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
