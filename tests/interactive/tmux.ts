/**
 * A tmux server of its own (a unique socket, no config) running one command in a detached window of a given
 * size: keys typed with send-keys, text pasted as a bracketed paste, the window resized, and what it shows
 * read with capture-pane (the visible screen, or the scrollback too).
 */
import { execFileSync } from "node:child_process";

let n = 0;

export interface Tmux {
  /** Keys as tmux names them ("Enter", "M-Enter", "Up", "C-d") or literal text with { literal: true }. */
  keys(...keys: string[]): void;
  type(text: string): void;
  /** Pastes text as a bracketed paste when the program asked for one (paste-buffer -p), line ends as CR. */
  paste(text: string): void;
  resize(columns: number, rows: number): void;
  /** The visible screen, or with all: the scrollback as well. */
  screen(all?: boolean): string;
  waitFor(what: string | RegExp, opts?: { all?: boolean; timeoutMs?: number }): Promise<string>;
  /** From now on, everything the program writes (escape sequences included) is appended to `file`. */
  record(file: string): void;
  /** The process id of the window's command (the shell running it). */
  pid(): string;
  /** Whether the command is still running. */
  alive(): boolean;
  kill(): void;
}

export function startTmux(command: string, opts: { columns?: number; rows?: number } = {}): Tmux {
  const socket = `pai-test-${process.pid}-${Date.now()}-${n++}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  tmux("new-session", "-d", "-s", "t", "-x", String(opts.columns ?? 100), "-y", String(opts.rows ?? 30), command);
  tmux("set-option", "-t", "t", "remain-on-exit", "on");
  tmux("set-option", "-t", "t", "history-limit", "5000");
  const screen = (all = false) => tmux("capture-pane", "-p", "-t", "t", ...(all ? ["-S", "-"] : []));
  return {
    keys: (...keys) => void tmux("send-keys", "-t", "t", ...keys),
    type: (text) => void tmux("send-keys", "-t", "t", "-l", text),
    paste: (text) => {
      tmux("set-buffer", "-b", "p", text);
      tmux("paste-buffer", "-p", "-d", "-b", "p", "-t", "t");
    },
    resize: (columns, rows) => void tmux("resize-window", "-t", "t", "-x", String(columns), "-y", String(rows)),
    screen,
    async waitFor(what, o = {}) {
      const deadline = Date.now() + (o.timeoutMs ?? 20_000);
      for (;;) {
        const s = screen(o.all);
        if (typeof what === "string" ? s.includes(what) : what.test(s)) return s;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${s}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    record: (file) => void tmux("pipe-pane", "-t", "t", "-o", `cat >> '${file}'`),
    pid: () => tmux("display-message", "-p", "-t", "t", "#{pane_pid}").trim(),
    alive: () => tmux("display-message", "-p", "-t", "t", "#{pane_dead}").trim() === "0",
    kill: () => {
      try {
        tmux("kill-server");
      } catch {
        // already gone
      }
    },
  };
}
