/**
 * Every top-level command: its one-line summary and the module that defines it, with the program's description
 * and the text after its help. Plain data that loads nothing: the entry point (main.ts) prints `pai --help` from
 * it without loading the parser, and program.ts loads only the module of the command being run.
 */
import type { Command } from "commander";

/** A command's module: registers it on the program; a group registers fully only the verb `args` names. */
export type CommandModule = { register(program: Command, args?: string[]): void | Promise<void> };
type Loader = () => Promise<CommandModule>;

export const DESCRIPTION = "Personal AI infrastructure: an assistant that knows you, remembers, and acts within limits you set.";

export const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  init: { summary: "create user/ with the Telos files, config and database", load: () => import("./commands/init.ts") },
  status: { summary: "one screen: who you are, goals, projects, what is stored, backend, upgrades", load: () => import("./commands/status.ts") },
  telos: { summary: "list, show, check and edit the Telos files", load: () => import("./commands/telos/index.ts") },
  context: { summary: "print exactly the context that would be sent to a model", load: () => import("./commands/context.ts") },
  config: { summary: "get, set and list configuration", load: () => import("./commands/config/index.ts") },
  remember: { summary: "store something in memory", load: () => import("./commands/remember.ts") },
  memory: { summary: "search, inspect, correct, import and export memory", load: () => import("./commands/memory/index.ts") },
  ask: { summary: "ask a question, answered with your context and memory", load: () => import("./commands/ask.ts") },
  chat: { summary: "interactive session, remembered afterwards", load: () => import("./commands/chat.ts") },
  learn: { summary: "learn from exchanges still waiting, and print what was learned", load: () => import("./commands/learn.ts") },
  models: { summary: "list the models each backend offers and which are in use", load: () => import("./commands/models.ts") },
  log: { summary: "show the log of model calls", load: () => import("./commands/log.ts") },
  do: { summary: "route a request through packs: code, then CLI, prompt, skill", load: () => import("./commands/do.ts") },
  run: { summary: "run one pack command explicitly (PACK:COMMAND)", load: () => import("./commands/run.ts") },
  pack: { summary: "list, install, verify and remove packs", load: () => import("./commands/pack/index.ts") },
  jobs: { summary: "manage the daemon's jobs", load: () => import("./commands/jobs/index.ts") },
  daemon: { summary: "start, stop and inspect the persistent assistant", load: () => import("./commands/daemon/index.ts") },
  approvals: { summary: "list, approve or deny actions waiting for you", load: () => import("./commands/approvals/index.ts") },
  audit: { summary: "show and verify the tamper-evident audit trail", load: () => import("./commands/audit/index.ts") },
  mcp: { summary: "serve memory, Telos and context over MCP (stdio)", load: () => import("./commands/mcp.ts") },
  export: { summary: "export context files for other agents", load: () => import("./commands/export/index.ts") },
  integrate: { summary: "connect pai to Claude Code, OpenCode or Gemini CLI", load: () => import("./commands/integrate.ts") },
  sync: { summary: "sync memory across your devices through a folder a sync engine replicates", load: () => import("./commands/sync/index.ts") },
  serve: { summary: "a local dashboard in your browser (loopback only)", load: () => import("./commands/serve.ts") },
  doctor: { summary: "check the install, data, configuration and backends", load: () => import("./commands/doctor.ts") },
  upgrade: { summary: "update the install with git (user/ is never touched)", load: () => import("./commands/upgrade.ts") },
  completion: { summary: "print the shell completion script (bash, zsh, fish)", load: () => import("./commands/completion.ts") },
};

export const EXAMPLES = `
Examples:
  $ pai init --name Ada                 create user/ in PAI_HOME
  $ pai ask "what should I focus on this week?"
  $ pai remember "I moved to Lyon in March"
  $ pai memory search lyon
  $ pai telos check
  $ pai context --for cloud             what a cloud model would see
  $ pai status --json

Environment:
  PAI_HOME    folder that holds user/ (default: the install directory)
  PAI_DEBUG   set to 1 to print stack traces
`;

/** The program's own options, as its help lists them. */
export const PROGRAM_OPTIONS: readonly [term: string, description: string][] = [
  ["-V, --version", "print the version"],
  ["-h, --help", "show help"],
];

/** The first word that is not an option: the command being run. */
export function commandName(args: string[]): string | undefined {
  for (const a of args) {
    if (!a.startsWith("-")) return a;
    if (a === "--") return undefined;
  }
  return undefined;
}
