/** `pai chat`: the Ink screen on a terminal, the plain line mode otherwise. Ink and React load only here. */
import { ChatSession, type ChatSessionOptions } from "./session.ts";

export { ChatSession, HELP, type ChatStatus, type CommandResult } from "./session.ts";
import { withInterrupt } from "../../kernel/interrupt.ts";
import { runLineChat } from "./line.ts";
import { safeText } from "../../kernel/terminal.ts";

export { runLineChat };

export interface ChatOptions extends ChatSessionOptions {
  /** Force the line mode even on a terminal. */
  plain?: boolean;
}

/** Where /copy writes its escape sequence: the terminal, when standard output or error is one. */
function terminalWriter(): ((data: string) => void) | undefined {
  if (process.stdout.isTTY) return (d) => void process.stdout.write(d);
  if (process.stderr.isTTY) return (d) => void process.stderr.write(d);
  return undefined;
}

/** The line that says which conversation this is, on standard error before the chat begins. */
export function conversationLine(session: ChatSession, resumed: boolean): string | undefined {
  const id = session.conversationId;
  const n = session.history.length / 2;
  if (resumed) {
    const last = session.history.findLast((m) => m.role === "user")?.content.split("\n")[0] ?? "";
    const shown = last.length > 60 ? `${last.slice(0, 59)}…` : last;
    return `pai: conversation ${id} resumed: ${n} earlier exchange${n === 1 ? "" : "s"}${shown ? `, the last: "${shown}"` : ""}`;
  }
  // A new conversation's id is shown on a terminal; in a script, 'pai chat --list' gives it.
  if (session.incognito || !process.stderr.isTTY) return undefined;
  return `pai: conversation ${id} — 'pai chat --resume ${id}' takes it up again`;
}

/** Runs a chat on this process's terminal; resolves with the exit code. */
export async function runChat(opts: ChatOptions): Promise<number> {
  const session = new ChatSession({ terminal: terminalWriter(), ...opts });
  const line = conversationLine(session, !!opts.conversation);
  if (line) process.stderr.write(`${safeText(line)}\n`);
  const stdin = process.stdin;
  const rawOk = !!stdin.isTTY && typeof (stdin as any).setRawMode === "function";
  if (!opts.plain && rawOk && process.stdout.isTTY) {
    // A real terminal is interactive whatever the environment says: Ink (through is-in-ci) would otherwise
    // render nothing but the last frame when CI is set.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const { runScreen } = await import("./screen.tsx");
    return runScreen(session);
  }
  const r = await withInterrupt((signal) => runLineChat(session, { input: stdin, output: process.stdout, error: process.stderr, signal }));
  return r.interrupted ? 130 : 0;
}
