/**
 * Typed errors. Every error a user can cause or fix is a PaiError with an exit code and a hint;
 * the entry point prints it as one line: `pai: <message> — <hint>`.
 */
export const ExitCode = {
  ok: 0,
  user: 1,
  usage: 2,
  environment: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class PaiError extends Error {
  override readonly name: string = "PaiError";
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly data?: Record<string, unknown>;
  constructor(message: string, opts: { hint?: string; exitCode?: ExitCode; cause?: unknown; data?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.exitCode = opts.exitCode ?? ExitCode.user;
    this.hint = opts.hint;
    this.data = opts.data;
  }
}

/** Something the user asked for that cannot be done as asked (exit 1). */
export class UserError extends PaiError {
  override readonly name = "UserError";
  constructor(message: string, opts: { hint?: string; cause?: unknown; data?: Record<string, unknown> } = {}) {
    super(message, { ...opts, exitCode: ExitCode.user });
  }
}

/** The command line itself is wrong (exit 2). */
export class UsageError extends PaiError {
  override readonly name = "UsageError";
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...opts, exitCode: ExitCode.usage });
  }
}

/** The environment is broken: missing backend, corrupt store, no user/ folder (exit 3). */
export class EnvironmentError extends PaiError {
  override readonly name = "EnvironmentError";
  constructor(message: string, opts: { hint?: string; cause?: unknown; data?: Record<string, unknown> } = {}) {
    super(message, { ...opts, exitCode: ExitCode.environment });
  }
}

/** Formats an error as the single line pai prints on stderr. */
export function formatError(err: unknown): string {
  if (err instanceof PaiError) {
    return err.hint ? `pai: ${err.message} — ${err.hint}` : `pai: ${err.message}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `pai: unexpected error: ${firstLine(message)} — run again with PAI_DEBUG=1 for details`;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof PaiError ? err.exitCode : 1;
}

function firstLine(s: string): string {
  const line = s.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
