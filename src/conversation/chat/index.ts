/** `pai chat`: the Ink screen on a terminal, the plain line mode otherwise. Ink and React load only here. */
import { ChatSession, type ChatSessionOptions } from "./session.ts";

export { ChatSession, HELP, type ChatStatus, type CommandResult } from "./session.ts";
import { withInterrupt } from "../../kernel/interrupt.ts";
import { runLineChat } from "./line.ts";

export { runLineChat };

export interface ChatOptions extends ChatSessionOptions {
  /** Force the line mode even on a terminal. */
  plain?: boolean;
}

/** Runs a chat on this process's terminal; resolves with the exit code. */
export async function runChat(opts: ChatOptions): Promise<number> {
  const session = new ChatSession(opts);
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
