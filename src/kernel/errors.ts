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

/**
 * The error for a database whose file is damaged: names the file and the way back (`unchanged` when it was
 * found before anything could be written).
 */
export function damagedDatabase(
  path: string,
  detail: string,
  opts: { cause?: unknown; unchanged?: boolean; notSqlite?: boolean } = {},
): EnvironmentError {
  const { cause, unchanged = false } = opts;
  return new EnvironmentError(opts.notSqlite ? `the database ${path} is not a SQLite database` : `the database ${path} is damaged (${detail})`, {
    hint:
      `${unchanged ? "nothing was changed; " : ""}move it aside (mv '${path}' '${path}.broken'), then copy your latest backup from ` +
      `user/backups/ (made by 'pai memory backup') in its place, or run 'pai init' to start a new one; 'pai doctor' checks it`,
    cause,
    data: { path },
  });
}

/**
 * What the file system or SQLite said, by cause, as pai's one-line EnvironmentError (exit 3): a folder where a
 * file should be, a read-only or full disk, a permission, a FIFO, a damaged database. Undefined for any other
 * error. `path` is the file the error is about when the error does not carry one itself (Bun's often do not);
 * `file` is the file it is about even when it does (the target of a write made through a temporary file);
 * `db` is the database a SQLite error is about.
 */
export function environmentErrorOf(err: unknown, where: { path?: string; file?: string; db?: string } = {}): EnvironmentError | undefined {
  if (err instanceof PaiError || !err || typeof err !== "object") return undefined;
  const e = err as { code?: unknown; path?: unknown; dest?: unknown; syscall?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const detail = firstLine(String(e.message ?? code));
  const opts = { cause: err };
  if (code.startsWith("SQLITE_")) {
    const db = where.db ?? "the database";
    const base = code.replace(/^(SQLITE_[A-Z]+).*$/, "$1");
    switch (base) {
      case "SQLITE_CORRUPT":
      case "SQLITE_NOTADB":
        return damagedDatabase(db, detail, { cause: err });
      case "SQLITE_FULL":
        return new EnvironmentError(`the disk that holds ${db} is full`, { ...opts, hint: "free some space and run the command again" });
      case "SQLITE_READONLY":
        return new EnvironmentError(`${db} cannot be written (${detail})`, {
          ...opts,
          hint: `check that it and its folder are writable and not on a read-only file system (ls -l '${db}')`,
        });
      case "SQLITE_CANTOPEN":
        return new EnvironmentError(`${db} cannot be opened (${detail})`, {
          ...opts,
          hint: `check that it is a file (not a folder) that you can read and write, in a folder you can write (ls -l '${db}')`,
        });
      case "SQLITE_IOERR":
        return new EnvironmentError(`reading or writing ${db} failed (${detail})`, {
          ...opts,
          hint: "check the disk (is it full, removed or failing?) and run 'pai doctor'",
        });
      case "SQLITE_BUSY":
      case "SQLITE_LOCKED":
        return new EnvironmentError(`${db} is busy`, { ...opts, hint: "another pai process holds a long write; try again" });
      default:
        return undefined;
    }
  }
  const path = where.file ?? (typeof e.path === "string" ? e.path : where.path);
  const file = path ?? "a file pai uses";
  const q = path ? ` '${path}'` : "";
  switch (code) {
    case "EISDIR":
      return new EnvironmentError(`${file} is a folder, where a file is expected`, { ...opts, hint: `move the folder aside (mv${q}${path ? ` '${path}.folder'` : ""}) and run the command again` });
    case "ENOTDIR":
      return new EnvironmentError(`${file} cannot be reached: part of its path is a file, where a folder is expected`, { ...opts, hint: "move that file aside and run the command again" });
    case "EROFS":
      return new EnvironmentError(`${file} is on a read-only file system`, { ...opts, hint: "remount it read-write, or set PAI_HOME to a folder you can write" });
    case "ENOSPC":
      return new EnvironmentError(`no space left on the disk that holds ${file}`, { ...opts, hint: "free some space and run the command again" });
    case "EDQUOT":
      return new EnvironmentError(`the disk quota is used up writing ${file}`, { ...opts, hint: "free some space (or raise the quota) and run the command again" });
    case "EACCES":
    case "EPERM":
      return new EnvironmentError(`permission denied on ${file}`, { ...opts, hint: `check its owner and permissions, and its folder's (ls -l${q})` });
    case "ENXIO":
      return new EnvironmentError(`${file} is a FIFO, socket or device, not a regular file`, { ...opts, hint: "replace it with a regular file" });
    case "ELOOP":
      return new EnvironmentError(`${file} is a loop of symbolic links`, { ...opts, hint: "point the link at a real file" });
    case "EIO":
      return new EnvironmentError(`reading or writing ${file} failed (input/output error)`, { ...opts, hint: "check the disk (is it removed or failing?)" });
    case "EMFILE":
    case "ENFILE":
      return new EnvironmentError("too many files are open", { ...opts, hint: "raise the limit (ulimit -n) or close other programs, and run the command again" });
    default:
      return undefined;
  }
}

/** Formats an error as the single line pai prints on stderr. */
export function formatError(err: unknown): string {
  err = environmentErrorOf(err) ?? err;
  if (err instanceof PaiError) {
    return err.hint ? `pai: ${err.message} — ${err.hint}` : `pai: ${err.message}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `pai: unexpected error: ${firstLine(message)} — run again with PAI_DEBUG=1 for details`;
}

export function exitCodeOf(err: unknown): number {
  err = environmentErrorOf(err) ?? err;
  return err instanceof PaiError ? err.exitCode : 1;
}

function firstLine(s: string): string {
  const line = s.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
