/** Output helpers: data to stdout, diagnostics to stderr, JSON with a stable shape. */
import type { Command } from "commander";
import { safeJson, safeText } from "../kernel/terminal.ts";

export function printJson(data: unknown): void {
  process.stdout.write(`${safeJson(JSON.stringify(data, null, 2))}\n`);
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
  process.stdout.write(`${safeText(line, { keepStyle: useColor() })}\n`);
}

/** Text streamed from a model or a pack, as it arrives: nothing in it may drive the terminal. */
export function writeStream(text: string): void {
  process.stdout.write(safeText(text));
}

/** A diagnostic line on stderr (progress, notices): never mixed into data on stdout. */
export function note(line: string): void {
  process.stderr.write(`${safeText(line, { keepStyle: useColor() })}\n`);
}

const useColor = (): boolean => !process.env.NO_COLOR && !!process.stdout.isTTY && process.env.TERM !== "dumb";

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

/** Pads columns for a simple table. */
export function table(cells: string[][], width = process.stdout.isTTY ? process.stdout.columns : 0): string {
  // Cells hold text from strangers (memory content, mail subjects, job errors): made inert here, pai's own
  // colours kept, so a table written anywhere (stdout, stderr) cannot drive the terminal.
  const rows = cells.map((r) => r.map((c) => safeText(c, { keepStyle: true })));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(c))));
  return rows
    .map((r) => {
      const line = r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i]! - visibleLength(c)))).join("  ");
      // On a terminal, a plain last column (a description) is cut to the width rather than wrapped; a pipe
      // gets it whole.
      const last = r[r.length - 1] ?? "";
      if (!width || line.length <= width || last.length !== visibleLength(last)) return line;
      const room = width - (line.length - last.length) - 1;
      return room >= 10 ? `${line.slice(0, line.length - last.length + room).trimEnd()}…` : line;
    })
    .join("\n");
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/** Reads all of standard input (for `-` arguments). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
