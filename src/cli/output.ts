/**
 * Output helpers: data to stdout, diagnostics to stderr, JSON with a stable shape.
 *
 * Everything a command prints, and every decision about how it looks (colours, table width, whether a stream is a
 * terminal, the environment that changes output), goes through here. With no output context set, text is
 * written to the file descriptors directly (no stream objects are built) and the process's own environment and
 * terminals decide. The daemon sets an output context for the duration of one request answered for a client
 * (cli/resident-run.ts): the text goes to that request, and the client's environment and terminals decide.
 */
import { fstatSync, writeSync } from "node:fs";
import type { Command } from "commander";
import { environmentErrorOf } from "../kernel/errors.ts";
import { isTerminalFile, safeJson, safeText } from "../kernel/terminal.ts";
import { terminalWidth } from "./resident.ts";
import { hangingWrap, layoutTable, type TableOptions } from "./layout.ts";

export type { ColumnHint, TableOptions } from "./layout.ts";

/** Where one request's output goes and what decides its look (set by the daemon, one request at a time). */
export interface OutputContext {
  write(fd: 1 | 2, text: string): void;
  /** The requester's values of the variables that change output (NO_COLOR, TERM, COLUMNS, FORCE_COLOR, PAI_DEBUG…). */
  env: Record<string, string | undefined>;
  /** Whether the requester's stdout and stderr are terminals, and the terminal's width. */
  tty: { out: boolean; err: boolean };
  columns?: number;
}

let context: OutputContext | undefined;

/** Sets (or clears, with undefined) the output context; returns the one it replaces. */
export function setOutputContext(next: OutputContext | undefined): OutputContext | undefined {
  const previous = context;
  context = next;
  return previous;
}

/** A variable of the environment that changes output: the requester's under an output context, else this process's. */
export function outputEnv(name: string): string | undefined {
  return context ? context.env[name] : process.env[name];
}

/** Whether standard output is a terminal. */
export function stdoutIsTTY(): boolean {
  return context ? context.tty.out : isTerminal(1);
}

/** Whether standard error is a terminal. */
export function stderrIsTTY(): boolean {
  return context ? context.tty.err : isTerminal(2);
}

/**
 * The width of the terminal standard output is, or 0 when it is not one: COLUMNS when set to a number (as
 * `ls` honours it), else the terminal's own width, else 80. Under an output context, the requester's.
 */
export function terminalColumns(): number {
  if (!stdoutIsTTY()) return 0;
  return terminalWidth(outputEnv("COLUMNS"), context ? context.columns : process.stdout.columns);
}

/** The width of the terminal standard error is, or 0 when it is not one (or under an output context). */
export function stderrColumns(): number {
  if (context) return 0;
  return isTerminal(2) ? (process.stderr.columns ?? 0) : 0;
}

/** Writes text to stdout (1) or stderr (2): to the request under an output context, else to the descriptor. */
export function writeFd(fd: 1 | 2, text: string): void {
  if (context) return context.write(fd, text);
  writeAll(fd, Buffer.from(text, "utf8"));
}

/** Writes all of `buf` to a descriptor: partial writes continued, a full pipe waited for, a closed reader quiet. */
export function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      // A reader that stops early (`pai memory list | head -1`) is not an error: stop quietly.
      if (code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
      throw environmentErrorOf(err, { file: fd === 1 ? "standard output" : "standard error" }) ?? err;
    }
  }
}

export function printJson(data: unknown): void {
  writeFd(1, `${safeJson(JSON.stringify(data, null, 2))}\n`);
}

/**
 * Marks a document the user authored (a job definition as in user/jobs/NAME.json, a config value, a pack's
 * settings or manifest, template variables, a pack command's own data) so that printData() echoes it with its
 * own keys. Returns the value itself.
 */
export function verbatim<T>(value: T): T {
  if (value !== null && typeof value === "object") VERBATIM.add(value as object);
  return value;
}
const VERBATIM = new WeakSet<object>();

/** camelCase → snake_case ("inputTokens" → "input_tokens", "badSeq" → "bad_seq"); other keys unchanged. */
export function snakeCase(key: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(key) || !/[A-Z]/.test(key)) return key;
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toLowerCase();
}

/** A copy of a value with every key pai produces in snake_case; subtrees marked verbatim() are kept as they are. */
export function snakeKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (VERBATIM.has(value)) return value;
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) out[snakeCase(k)] = snakeKeys(v);
  }
  return out;
}

/** Prints a command's --json output: pai's own keys in snake_case, documents marked verbatim() as they are. */
export function printData(data: unknown): void {
  printJson(snakeKeys(data));
}

/** A line on stdout; control sequences that are not pai's own colours are shown, never run (util/terminal.ts). */
export function print(line = ""): void {
  writeFd(1, `${safeText(line, { keepStyle: useColor() })}\n`);
}

/** Text streamed from a model or a pack, as it arrives: nothing in it may drive the terminal. */
export function writeStream(text: string): void {
  writeFd(1, safeText(text));
}

/** A diagnostic line on stderr (progress, notices): never mixed into data on stdout. */
export function note(line: string): void {
  writeFd(2, `${safeText(line, { keepStyle: useColor() })}\n`);
}

const useColor = (): boolean => !outputEnv("NO_COLOR") && stdoutIsTTY() && outputEnv("TERM") !== "dumb";

function paint(code: number, reset: number) {
  return (s: string) => (useColor() ? `\x1b[${code}m${s}\x1b[${reset}m` : s);
}
export const style = {
  bold: paint(1, 22),
  dim: paint(2, 22),
  red: paint(31, 39),
  green: paint(32, 39),
  yellow: paint(33, 39),
  cyan: paint(36, 39),
};

/** Adds the standard --json option. */
export function withJson(cmd: Command): Command {
  return cmd.option("--json", "print machine-readable JSON");
}

/** Adds an "Examples:" block to a command's help. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/**
 * Lays out a table to the terminal's width (cli/layout.ts): the columns hinted "wrap" or "cut" shrink, the key
 * column (what a user types next) never does; not on a terminal, every line is printed whole.
 */
export function table(cells: string[][], opts: TableOptions = {}, width = terminalColumns()): string {
  // Cells hold text from strangers (memory content, mail subjects, job errors): made inert here, pai's own
  // colours kept, so a table written anywhere (stdout, stderr) cannot drive the terminal.
  const rows = cells.map((r) => r.map((c) => safeText(c, { keepStyle: true })));
  return layoutTable(rows, width, opts);
}

/** A line wrapped at word boundaries to the terminal's width, its lines after the first indented `indent` columns. */
export function wrapHanging(text: string, indent: number, width = terminalColumns()): string {
  return hangingWrap(text, indent, width);
}

/** Whether a file descriptor is a terminal, from fstat alone (kernel/terminal.ts). */
export function isTerminal(fd: number): boolean {
  try {
    return isTerminalFile(fstatSync(fd));
  } catch {
    return false;
  }
}

/** Reads all of standard input (for `-` arguments). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
