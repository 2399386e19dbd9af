/**
 * The parser: builds the commander program, registers the command being run (its module loaded; every other
 * command by its summary only), parses, and turns a failure into its one line and exit code. main.ts runs it for
 * this process; the daemon runs it for a command sent to it (resident-run.ts), its output going to the client.
 * Everything commander prints goes through output.ts (the file descriptors, or the request being answered).
 */
import { Command, CommanderError } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { environmentErrorOf, exitCodeOf, formatError, ExitCode } from "../kernel/errors.ts";
import { safeText } from "../kernel/terminal.ts";
import { paths } from "../kernel/paths.ts";
import { DESCRIPTION, EXAMPLES, PROGRAM_OPTIONS, commandName } from "./catalog.ts";
import { COMMANDS } from "./registry.ts";
import { outputEnv, stderrColumns, terminalColumns, writeFd } from "./output.ts";

export function buildProgram(helpTarget: { path: string } = { path: "pai" }): Command {
  const [[versionFlags, versionText], [helpFlags, helpText]] = PROGRAM_OPTIONS as [[string, string], [string, string]];
  return new Command("pai")
    .description(DESCRIPTION)
    .version(pkg.version, versionFlags, versionText)
    .helpOption(helpFlags, helpText)
    .addHelpText("after", EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => writeFd(1, s),
      writeErr: (s) => writeFd(2, s),
      getOutHelpWidth: (() => terminalColumns() || undefined) as () => number,
      getErrHelpWidth: (() => stderrColumns() || undefined) as () => number,
      outputError: (str, write) => {
        // One line: commander puts its "(Did you mean …?)" suggestion on a line of its own.
        const msg = str.replace(/^error:\s*/i, "").trim().replace(/\s*\n\s*/g, " ");
        write(`pai: ${msg} — see '${helpTarget.path} --help'\n`);
      },
    });
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

/** Runs `pai ARGS…` (argv as process.argv gives it) in this process; returns the exit code. */
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
 * into its one line and exit code.
 */
export async function runProgram(program: Command, helpTarget: { path: string }, args: string[], argv: string[]): Promise<number> {
  await registerCommand(program, args);
  return parseProgram(program, helpTarget, args, argv);
}

/** The command `args` name, when it is one. */
function loadedCommand(args: string[]): string | undefined {
  const name = commandName(args);
  return name && Object.hasOwn(COMMANDS, name) ? name : undefined;
}

/** Registers the command `args` name, its module loaded, and every other one by its summary only. */
export async function registerCommand(program: Command, args: string[]): Promise<void> {
  const loaded = loadedCommand(args);
  for (const [cmd, { summary, load }] of Object.entries(COMMANDS)) {
    if (cmd === loaded) await (await load()).register(program, args.slice(args.indexOf(cmd) + 1));
    else program.command(cmd).description(summary).allowUnknownOption().helpOption(false);
  }
}

/**
 * Parses `argv` with a program registerCommand prepared for these args, and turns a failure into its one line and
 * exit code. A program may parse again (commander 14 restores its options before each parse): the daemon keeps one
 * per command it answers.
 */
export async function parseProgram(program: Command, helpTarget: { path: string }, args: string[], argv: string[]): Promise<number> {
  helpTarget.path = loadedCommand(args) ? commandPath(program, args) : "pai";
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
    const shown = environmentErrorOf(err, { db: userDatabase() }) ?? err;
    writeFd(2, `${safeText(formatError(shown))}\n`);
    if (outputEnv("PAI_DEBUG") === "1" && err instanceof Error && err.stack) writeFd(2, `${err.stack}\n`);
    return exitCodeOf(shown);
  }
}
