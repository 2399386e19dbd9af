/**
 * Ctrl-C during a command: the one place where SIGINT becomes an AbortSignal. The work sees `signal.aborted`
 * and stops cleanly (a model stream ends, a pack's process group is killed); the handler is always removed
 * afterwards, so a later Ctrl-C has its usual meaning.
 */

export interface InterruptOptions {
  /** Called on each Ctrl-C before the signal is aborted (e.g. to end a half-written line). */
  onInterrupt?: () => void;
  /**
   * A second Ctrl-C exits at once with 130 (the shell's code for it), also while the work is closing after the
   * first: the handler then stays, so the process never dies by the signal itself.
   */
  secondExits?: boolean;
}

/** Runs fn with a signal that Ctrl-C aborts. */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T> | T, opts: InterruptOptions = {}): Promise<T> {
  const ctrl = new AbortController();
  const onSigint = () => {
    if (opts.secondExits && ctrl.signal.aborted) process.exit(130);
    opts.onInterrupt?.();
    ctrl.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await fn(ctrl.signal);
  } finally {
    if (!(opts.secondExits && ctrl.signal.aborted)) process.off("SIGINT", onSigint);
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
