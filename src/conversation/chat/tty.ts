/**
 * The terminal modes the chat screen needs, set as early as possible and always given back: raw mode at once
 * (keys typed while the screen starts are neither echoed nor lost: they wait in the terminal and reach the
 * input once it reads), and bracketed paste (a paste arrives between ESC[200~ and ESC[201~, so its line ends
 * are text, not Enter). Both are undone on exit, including a crash or a SIGTERM, SIGHUP or SIGINT from outside.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PASTE_ON = "\u001B[?2004h";
export const PASTE_OFF = "\u001B[?2004l";

let held = false;

function restore(): void {
  if (!held) return;
  held = false;
  try {
    writeSync(1, PASTE_OFF);
  } catch {
    // stdout already closed
  }
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  } catch {
    // stdin already closed
  }
}

const onSignal = (sig: NodeJS.Signals) => {
  restore();
  process.exit(sig === "SIGHUP" ? 129 : sig === "SIGINT" ? 130 : 143);
};

/** Raw mode and bracketed paste on, until leaveModes() or the process ends. Does nothing off a terminal. */
export function holdKeys(): void {
  if (held || !process.stdin.isTTY || !process.stdout.isTTY || typeof process.stdin.setRawMode !== "function") return;
  held = true;
  process.stdin.setRawMode(true);
  // Keys typed before this were echoed by the terminal on the current line: that line is cleared (the keys
  // themselves still wait to be read, and reach the input).
  writeSync(1, `\r\u001B[K${PASTE_ON}`);
  process.once("exit", restore);
  process.once("SIGTERM", onSignal);
  process.once("SIGHUP", onSignal);
  process.once("SIGINT", onSignal);
}

/** Bracketed paste off and cooked mode back (the screen has ended). */
export function leaveModes(): void {
  restore();
  process.off("exit", restore);
  process.off("SIGTERM", onSignal);
  process.off("SIGHUP", onSignal);
  process.off("SIGINT", onSignal);
}

/**
 * The text edited in $VISUAL or $EDITOR (vi when neither is set), on a temporary file readable only by the
 * user: the terminal is handed to the editor in its normal mode and taken back after. Undefined when the editor
 * fails; the text with its last line end removed otherwise.
 */
export function editText(text: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const editor = env.VISUAL || env.EDITOR || "vi";
  const dir = mkdtempSync(join(tmpdir(), "pai-chat-"));
  const file = join(dir, "message.md");
  const raw = !!process.stdin.isTTY && process.stdin.isRaw;
  try {
    writeFileSync(file, text, { mode: 0o600 });
    if (raw) process.stdin.setRawMode(false);
    if (held) writeSync(1, PASTE_OFF);
    // The editor may carry arguments ("code --wait"): the shell splits it, the file is passed as one word.
    const r = spawnSync("sh", ["-c", `${editor} "$1"`, "sh", file], { stdio: "inherit" });
    if (r.status !== 0) return undefined;
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } finally {
    if (held) writeSync(1, PASTE_ON);
    if (raw) process.stdin.setRawMode(true);
    rmSync(dir, { recursive: true, force: true });
  }
}
