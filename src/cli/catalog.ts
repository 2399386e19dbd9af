/**
 * Every top-level command and its one-line summary, with the program's description and the text after its help.
 * Plain data that loads nothing: the entry point (main.ts) prints `pai --help` from it without loading the parser,
 * and its build holds it whole. The module that defines each command is in registry.ts, which program.ts loads.
 */

export const DESCRIPTION = "Personal AI infrastructure: an assistant that knows you, remembers, and acts within limits you set.";

/** Each top-level command's summary, in the order help lists them. */
export const SUMMARIES = {
  init: "create user/ with the Telos files, config and database",
  status: "one screen: who you are, goals, projects, what is stored, backend, upgrades",
  telos: "list, show, check and edit the Telos files",
  context: "print exactly the context that would be sent to a model",
  config: "get, set and list configuration",
  remember: "store something in memory",
  memory: "search, inspect, correct, import and export memory",
  ask: "ask a question, answered with your context and memory",
  chat: "interactive session, remembered afterwards",
  learn: "learn from exchanges still waiting, and print what was learned",
  models: "list the models each backend offers and which are in use",
  log: "show the log of model calls",
  do: "route a request through packs: code, then CLI, prompt, skill",
  run: "run one pack command explicitly (PACK:COMMAND)",
  pack: "list, install, verify and remove packs",
  jobs: "manage the daemon's jobs",
  daemon: "start, stop and inspect the persistent assistant",
  approvals: "list, approve or deny actions waiting for you",
  audit: "show and verify the tamper-evident audit trail",
  mcp: "serve memory, Telos and context over MCP (stdio)",
  export: "export context files for other agents",
  integrate: "connect pai to Claude Code, OpenCode or Gemini CLI",
  sync: "sync memory across your devices through a folder a sync engine replicates",
  serve: "a local dashboard in your browser (loopback only)",
  doctor: "check the install, data, configuration and backends",
  upgrade: "update the install with git (user/ is never touched)",
  completion: "print the shell completion script (bash, zsh, fish)",
} as const satisfies Record<string, string>;

/** A top-level command's name. */
export type CommandName = keyof typeof SUMMARIES;

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
