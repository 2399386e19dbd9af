/**
 * Ctrl-C during a command: the one place where SIGINT becomes an AbortSignal. The work sees `signal.aborted`
 * and stops cleanly (a model stream ends, a pack's process group is killed); the handler is always removed
 * afterwards, so a later Ctrl-C has its usual meaning.
 */

export interface InterruptOptions {
  /** Called on each Ctrl-C before the signal is aborted (e.g. to end a half-written line). */
  onInterrupt?: () => void;
}

/** Runs fn with a signal that Ctrl-C aborts. */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T> | T, opts: InterruptOptions = {}): Promise<T> {
  const ctrl = new AbortController();
  const onSigint = () => {
    opts.onInterrupt?.();
    ctrl.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await fn(ctrl.signal);
  } finally {
    process.off("SIGINT", onSigint);
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
