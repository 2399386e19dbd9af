/** `pai chat`: the Ink screen on a terminal, the plain line mode otherwise. Ink and React load only here. */
import { ChatSession, type ChatSessionOptions } from "./session.ts";

export { ChatSession, HELP, type ChatStatus, type CommandResult } from "./session.ts";
export { runLineChat } from "./line.ts";

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
  const { runLineChat } = await import("./line.ts");
  const ctrl = new AbortController();
  const onSigint = () => {
    if (ctrl.signal.aborted) process.exit(130);
    ctrl.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const r = await runLineChat(session, { input: stdin, output: process.stdout, error: process.stderr, signal: ctrl.signal });
    return r.interrupted ? 130 : 0;
  } finally {
    // After a Ctrl-C the handler stays: a second one while closing still exits 130, not by the signal.
    if (!ctrl.signal.aborted) process.off("SIGINT", onSigint);
  }
}
