/**
 * The daemon's side of read-only commands sent over its socket (automation/daemon/resident.ts): runs `pai ARGS…`
 * in the daemon's process exactly as src/cli/main.ts runs it, with the client's working folder, the client's
 * values of the variables that change output and the client's terminals (an output context, output.ts), and
 * returns the exit code. Requests come one at a time; everything changed for one is put back after it.
 */
import { lendHome, type Home } from "../app/home.ts";
import type { ResidentRequest, ResidentSink } from "../automation/daemon/resident.ts";
import { RESIDENT_OUTPUT_ENV } from "../automation/daemon/resident.ts";
import type { Command } from "commander";
import { buildProgram, parseProgram, registerCommand } from "./program.ts";
import { setOutputContext } from "./output.ts";
import { readOnlyName, residentEligible } from "./resident.ts";

/** Answers one request with the daemon's open home (lent to the command): its output written to `sink`, its exit code returned. */
export async function answerResident(req: ResidentRequest, sink: ResidentSink, home: Home): Promise<number> {
  if (!residentEligible(req.argv)) throw new Error(`not a read-only command: ${req.argv[0] ?? ""}`);
  const cwd = process.cwd();
  const exitCode = process.exitCode;
  const env: Record<string, string | undefined> = {};
  for (const k of RESIDENT_OUTPUT_ENV) {
    env[k] = process.env[k];
    const v = req.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const previous = setOutputContext({ write: (fd, text) => sink.write(fd, text), env: req.env, tty: req.tty ?? { out: false, err: false }, columns: req.columns });
  try {
    if (req.cwd !== cwd) process.chdir(req.cwd);
    process.exitCode = 0;
    return await lendHome(home, () => run(req.argv));
  } finally {
    setOutputContext(previous);
    for (const k of RESIDENT_OUTPUT_ENV) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
    process.exitCode = exitCode;
    try {
      if (process.cwd() !== cwd) process.chdir(cwd);
    } catch {}
  }
}

/**
 * The parser of each command and verb the daemon has answered (never help or a version: residentEligible): building
 * one, some forty commander commands, costs more than a search does. Commander restores a program's options before
 * each parse, so nothing one request asked carries over to the next.
 */
const programs = new Map<string, { program: Command; helpTarget: { path: string } }>();

/** program.ts's main() for one read-only command, its output through output.ts (the request's output context). */
async function run(args: string[]): Promise<number> {
  // answerResident checked the command is one the daemon answers: it has a name ("memory.search", "status").
  const key = readOnlyName(args)!;
  let kept = programs.get(key);
  if (!kept) {
    const helpTarget = { path: "pai" };
    const program = buildProgram(helpTarget);
    await registerCommand(program, args);
    programs.set(key, (kept = { program, helpTarget }));
  }
  return parseProgram(kept.program, kept.helpTarget, args, ["bun", "pai", ...args]);
}
