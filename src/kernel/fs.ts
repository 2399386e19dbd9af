import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { EnvironmentError, environmentErrorOf } from "./errors.ts";
import { dirname, join, basename } from "node:path";

/**
 * Writes a file so that a crash or Ctrl-C leaves either the old content or the new one, never half:
 * write a temporary file beside it, fsync, then rename over the target. A target that is a folder, a FIFO
 * or a device is refused (never replaced), and a failure of the disk (full, read-only, no permission) is
 * an EnvironmentError naming the target.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(file);
  } catch {}
  if (st && !st.isFile()) throw notRegular(file, fileKind(st), "choose a path that is a regular file or does not exist yet");
  // A fresh name, created exclusively: a link planted at the temporary path is never followed.
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex")}.tmp`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, typeof content === "string" ? Buffer.from(content, "utf8") : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw environmentErrorOf(err, { file }) ?? err;
  }
}

/** What a path that is not a regular file is, in words ("a folder", "a FIFO", …). */
export function fileKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/**
 * Reads a file that must be a regular file, never blocking on a FIFO or reading a device: anything else
 * (a folder, a FIFO, a socket, a device) is an EnvironmentError naming the file and `fix`. A symbolic link
 * is followed to what it points to, which must be a regular file too. The check is on the opened file
 * (opened without blocking), so the file cannot be swapped between the check and the read.
 */
export function readRegularFile(file: string, fix = "replace it with a regular file"): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "ENXIO") throw notRegular(file, code === "EISDIR" ? "a folder" : fileKind(lstatSync(file)), fix, err);
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(file, fileKind(st), fix);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function notRegular(file: string, kind: string, fix: string, cause?: unknown): EnvironmentError {
  return new EnvironmentError(`${file} is ${kind}, not a regular file`, { hint: fix, cause, data: { path: file } });
}

/**
 * What identifies one version of a file (device, inode, size, modification and change times in nanoseconds, mode),
 * or undefined when it cannot be stat'ed. An editor that replaces the file changes the inode, and any write in place
 * changes the change time, which no program can set back, even within the same second and at the same size: a
 * parse kept with its file's stamp is stale exactly when the stamp differs.
 */
export function fileStamp(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}`;
  } catch {
    return undefined;
  }
}
