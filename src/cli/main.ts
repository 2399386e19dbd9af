#!/usr/bin/env bun
/**
 * pai's entry point. Commands are registered lazily: only the module of the command being run is imported,
 * so model-free commands start in about the runtime's own start-up time. `pai --help` loads summaries only.
 */

// Read-only commands are answered by a running daemon when there is one (resident.ts; PAI_NO_RESIDENT=1: never),
// before anything else is loaded: the modules below are imported after it.
if (import.meta.main) {
  const answered = await (await import("./resident.ts")).residentAnswer(process.argv);
  if (answered !== undefined) process.exit(answered);
}
type Command = import("commander").Command;
const { Command, CommanderError } = await import("commander");
const { default: pkg } = await import("../../package.json", { with: { type: "json" } });
const { environmentErrorOf, exitCodeOf, formatError, ExitCode } = await import("../kernel/errors.ts");
const { safeText } = await import("../kernel/terminal.ts");
const { paths } = await import("../kernel/paths.ts");

type Loader = () => Promise<{ register(program: Command): void }>;

/** Every top-level command: its one-line summary and the module that defines it. */
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
  doctor: { summary: "check the install, data, configuration and backends", load: () => import("./commands/doctor.ts") },
  upgrade: { summary: "update the install with git (user/ is never touched)", load: () => import("./commands/upgrade.ts") },
};

const EXAMPLES = `
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

export function buildProgram(helpTarget: { path: string } = { path: "pai" }): Command {
  const program = new Command("pai")
    .description("Personal AI infrastructure: an assistant that knows you, remembers, and acts within limits you set.")
    .version(pkg.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .addHelpText("after", EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => {
        // One line: commander puts its "(Did you mean …?)" suggestion on a line of its own.
        const msg = str.replace(/^error:\s*/i, "").trim().replace(/\s*\n\s*/g, " ");
        write(`pai: ${msg} — see '${helpTarget.path} --help'\n`);
      },
    });
  return program;
}

/** The first word that is not an option: the command being run. */
function commandName(args: string[]): string | undefined {
  for (const a of args) {
    if (!a.startsWith("-")) return a;
    if (a === "--") return undefined;
  }
  return undefined;
}

/** The deepest registered command named by the leading words of args: "pai jobs add" for `jobs add x --cron …`. */
function commandPath(program: Command, args: string[]): string {
  const path = ["pai"];
  let cur = program;
  for (const a of args) {
    if (a.startsWith("-")) break;
    const sub = cur.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    path.push(sub.name());
    cur = sub;
  }
  return path.join(" ");
}

/** The user's database: the file a SQLite error that names none is about. */
function userDatabase(): string | undefined {
  try {
    return paths().db;
  } catch {
    return undefined;
  }
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const helpTarget = { path: "pai" };
  const program = buildProgram(helpTarget);
  let args = argv.slice(2);
  // `pai help jobs list` is `pai jobs list --help`.
  if (args[0] === "help" && args.length > 1) {
    args = [...args.slice(1), "--help"];
    argv = [...argv.slice(0, 2), ...args];
  }
  return runProgram(program, helpTarget, args, argv);
}

/**
 * Registers the command `args` name (the others by their summaries only), parses `argv` and turns a failure
 * into its one line and exit code. main() runs it for this process; the daemon runs it for a command sent to
 * it (resident-run.ts), with the program's and output.ts's output going to the client.
 */
export async function runProgram(program: Command, helpTarget: { path: string }, args: string[], argv: string[]): Promise<number> {
  const name = commandName(args);
  const loaded = name && Object.hasOwn(COMMANDS, name) ? name : undefined;
  for (const [cmd, { summary, load }] of Object.entries(COMMANDS)) {
    if (cmd === loaded) (await load()).register(program);
    else program.command(cmd).description(summary).allowUnknownOption().helpOption(false);
  }
  helpTarget.path = loaded ? commandPath(program, args) : "pai";
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        return ExitCode.ok;
      }
      return ExitCode.usage;
    }
    // A failure of the machine (a folder where a file should be, a full or read-only disk, a damaged
    // database) is reported by its cause, naming the file, as an environment error (exit 3).
    const { outputEnv, writeFd } = await import("./output.ts");
    const shown = environmentErrorOf(err, { db: userDatabase() }) ?? err;
    writeFd(2, `${safeText(formatError(shown))}\n`);
    if (outputEnv("PAI_DEBUG") === "1" && err instanceof Error && err.stack) writeFd(2, `${err.stack}\n`);
    return exitCodeOf(shown);
  }
}

if (import.meta.main) {
  // A reader that stops early (`pai --help | head -1`) is not an error: stop quietly, no stack trace.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    // Output that cannot be written (a full disk behind a redirection): one line, exit 3, no stack trace.
    const shown = environmentErrorOf(err, { file: "standard output" }) ?? err;
    process.stderr.write(`${safeText(formatError(shown))}\n`);
    process.exit(exitCodeOf(shown));
  });
  const code = await main();
  process.exitCode = code;
}
