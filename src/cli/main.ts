#!/usr/bin/env bun
/**
 * pai's entry point. Each step loads only what it needs, so a command starts in about the runtime's own
 * start-up time:
 *   1. `pai --version` is answered from package.json, and `pai --help` from plain data, before any parser is
 *      loaded;
 *   2. read-only commands are answered by a running daemon when there is one (resident.ts; PAI_NO_RESIDENT=1:
 *      never);
 *   3. anything else is parsed by program.ts, which loads only the module of the command being run; in the build,
 *      a read-only command the daemon did not answer runs from a file of its own with its bytecode
 *      (dist/pai/ro.<command>[.<verb>].js: program.ts with that command alone).
 * bin/pai runs this file as built by scripts/build.ts when there is a build (dist/pai/entry.js, CommonJS with its
 * bytecode, awaited by dist/pai/main.js); a build older than any file under src/ hands over to src/cli/main.ts, so
 * an edit is never shadowed by an old build.
 */
import pkg from "../../package.json" with { type: "json" };

const HELP = new Set(["--help", "-h", "help"]);

/** `pai --version` (or -V) alone. */
const isVersion = (args: string[]) => args.length === 1 && (args[0] === "--version" || args[0] === "-V");

/** `pai --version`, `pai --help` and bare `pai`: answered here, without the parser. */
function answeredHere(args: string[]): boolean {
  return args.length === 0 || isVersion(args) || (args.length === 1 && HELP.has(args[0]!));
}

/** Runs `pai ARGS…`; returns the exit code (`tried`: the daemon was already asked, and declined). */
export async function run(args: string[], tried = false): Promise<number> {
  if (isVersion(args)) {
    console.log(pkg.version);
    return 0;
  }
  if (answeredHere(args)) {
    const [{ topLevelHelp }, { terminal, terminalWidth }] = await Promise.all([import("./help.ts"), import("./resident.ts")]);
    // Bare `pai` prints the help on stderr, as commander does for a program run without its command. The width is
    // what commander gets from output.ts (terminalColumns, stderrColumns), read from the stream only when it is a
    // terminal (building a stream costs more than the rest).
    const stream = args.length === 0 ? "stderr" : "stdout";
    let width = 80;
    if (await terminal(stream === "stdout" ? 1 : 2)) width = stream === "stdout" ? terminalWidth(process.env.COLUMNS, process.stdout.columns) : process.stderr.columns || 80;
    const text = topLevelHelp(width).slice(0, -1);
    if (stream === "stdout") console.log(text);
    else console.error(text);
    return 0;
  }
  const answer = tried ? undefined : await (await import("./resident.ts")).residentAnswer(process.argv);
  return answer ?? (await (await import("./program.ts")).main(process.argv));
}

/**
 * Run as the build (dist/NAME/main.js, the process's main module; scripts/build.ts sets PAI_BUILD and
 * PAI_BUILD_SOURCES, the files under src/ it was made from), the source's entry when package.json or one of those
 * files is newer than the build: two folders up is the install, as it is from src/cli/. A file added since is used
 * only through one that changed; a file removed since reads as newer (Bun gives a missing file the largest time),
 * so the source runs then too.
 * `pai --version` and `pai --help` check only the few files this one is built from (PAI_ENTRY_SOURCES).
 *
 * A read-only command asks a running daemon first, before that check (a few hundred stats, 3–4 ms): the daemon runs
 * the command with its own code, which it proves by its fingerprint (the version and the commit checked out); only
 * the client, a few lines that read, connect and print, comes from the build. When the daemon declines, the check
 * decides where the command runs.
 */
async function entry(): Promise<number> {
  const args = process.argv.slice(2);
  if (process.env.PAI_BUILD !== "bundle") return run(args);
  // Under Bun (the build runs only there): the file's own path and folder (dist/NAME/), without parsing a URL. It is
  // the process's entry (Bun.main): built as CommonJS, the file's own names would be those of the source.
  const self = Bun.main;
  const dir = self.slice(0, self.lastIndexOf("/"));
  const root = dir.replace(/\/[^/]+\/[^/]+$/, "");
  const built = Bun.file(self).lastModified;
  // Bun.file(…).lastModified is one stat, with no module to load (node:fs costs milliseconds). A plain loop: in a
  // process this young, a callback per file (Array.some) costs a third more than the stats themselves.
  const newer = (files: string[], prefix: string) => {
    for (let i = 0; i < files.length; i++) if (Bun.file(prefix + files[i]).lastModified > built) return true;
    return false;
  };
  // A path known only when run (the bundler would follow a literal one into the sources).
  const fromSource = async () => ((await import(`${root}/src/cli/main.ts`)) as { run: typeof run }).run(args, true);
  // `pai --version` and `pai --help` are answered by this file alone (help.ts and catalog.ts are inside it): it is
  // stale for them only when a file it was built from changed.
  if (answeredHere(args)) return newer(JSON.parse(process.env.PAI_ENTRY_SOURCES ?? "[]") as string[], `${root}/`) ? fromSource() : run(args, true);
  // resident.ts is part of this file in the build: asking costs nothing for a command the daemon does not answer.
  const resident = await import("./resident.ts");
  const answer = await resident.residentAnswer(process.argv);
  if (answer !== undefined) return answer;
  if (newer(["package.json"], `${root}/`) || newer(JSON.parse(process.env.PAI_BUILD_SOURCES ?? "[]") as string[], `${root}/src/`)) return fromSource();
  // A read-only command the daemon did not answer runs from its own file (scripts/build.ts), loaded as CommonJS so
  // Bun uses the bytecode beside it; without that file (a build cut short), the way every other command runs.
  const own = resident.readOnlyName(args);
  const file = own && `${dir}/ro.${own}.js`;
  if (file && Bun.file(file).size > 0) return (require(file) as typeof import("./program.ts")).main(process.argv);
  return run(args, true);
}

/** What the process runs, from this file or from the build's main.js (which awaits it); the exit code. */
export function start(): Promise<number> {
  // bin/pai turned the JIT off for this process alone (a read-only command): not for the programs it starts.
  if (process.env.PAI_JIT_OFF === "1") {
    delete process.env.BUN_JSC_useJIT;
    delete process.env.PAI_JIT_OFF;
  }
  return entry();
}

// Not a top-level await: this file is built as CommonJS (scripts/build.ts), whose main.js awaits start() instead.
if (import.meta.main) {
  void start().then((code) => {
    process.exitCode = code;
  });
}
