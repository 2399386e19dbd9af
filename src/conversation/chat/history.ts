/**
 * What was typed at the chat prompt, kept across runs in user/chat_history (mode 0600): one entry a line, a
 * multi-line entry kept whole ("\n" written as \n, "\" as \\), the newest last, at most MAX_ENTRIES of them.
 */
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from "node:fs";

export const MAX_ENTRIES = 1000;

const encode = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const decode = (s: string) => s.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));

/** The entries in the file, oldest first (none when it does not exist or cannot be read). */
export function readHistory(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.length)
    .map(decode)
    .slice(-MAX_ENTRIES);
}

/**
 * Adds an entry (not when it repeats the newest one); the file is written again without its oldest entries once
 * it holds more than MAX_ENTRIES. A file that cannot be written is left as it is: the history is a convenience.
 */
export function appendHistory(file: string, entry: string, known: string[]): void {
  if (!entry.trim() || known[known.length - 1] === entry) return;
  try {
    appendFileSync(file, `${encode(entry)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    const all = readHistory(file);
    if (readFileSync(file, "utf8").split("\n").length - 1 > MAX_ENTRIES) {
      writeFileSync(file, all.map((e) => `${encode(e)}\n`).join(""), { mode: 0o600 });
    }
  } catch {
    // Read-only home or a full disk: the chat goes on without it.
  }
}
