/**
 * Ctrl-C during a command: the one place where SIGINT becomes an AbortSignal. The work sees `signal.aborted`
 * and stops cleanly (a model stream ends, a pack's process group is killed). A second Ctrl-C exits at once with
 * 130 (the shell's code for it), also while the work is still closing after the first: the handler then stays,
 * so the process never dies by the signal itself. Otherwise the handler is removed afterwards.
 */

export interface InterruptOptions {
  /** Called on the first Ctrl-C before the signal is aborted (e.g. to end a half-written line). */
  onInterrupt?: () => void;
}

/** Runs fn with a signal that Ctrl-C aborts. */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T> | T, opts: InterruptOptions = {}): Promise<T> {
  const ctrl = new AbortController();
  const onSigint = () => {
    if (ctrl.signal.aborted) process.exit(130);
    opts.onInterrupt?.();
    ctrl.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await fn(ctrl.signal);
  } finally {
    if (!ctrl.signal.aborted) process.off("SIGINT", onSigint);
  }
}

/** Runs fn (a child that owns the terminal, such as an editor) with Ctrl-C ignored by pai itself. */
export function ignoringInterrupt<T>(fn: () => T): T {
  const ignore = () => {};
  process.on("SIGINT", ignore);
  try {
    return fn();
  } finally {
    process.off("SIGINT", ignore);
  }
}
