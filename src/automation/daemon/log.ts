/**
 * The daemon's log file, rotated by size: user/logs/daemon.log, then daemon.log.1 (the newest rotated one) up to
 * daemon.log.<keep> (the oldest; the one past it is dropped).
 *
 * - Writing: one RotatingLog in the daemon process appends every line (synchronously, mode 0600). Before a line
 *   that would take the file past maxBytes it shifts the rotated files up, renames daemon.log to daemon.log.1 and
 *   goes on in a fresh daemon.log. It rotates only between lines, so a line is never split across files, and only
 *   once enabled (by the daemon that holds the lease: a second `pai daemon run` that is refused never rotates).
 * - Reading: lastLines() reads backwards across daemon.log and the rotated files; followLog() keeps an open
 *   descriptor on the file it reads, so a rotation never loses or repeats a line: when daemon.log is another file
 *   than the one held, the held one is read to its end, then the files rotated after it, then the new daemon.log.
 */
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";

const NL = 0x0a;

/** The rotated files of a log that exist, newest first (daemon.log.1, daemon.log.2, …; gaps allowed). */
export function rotatedFiles(file: string): string[] {
  const dir = dirname(file);
  const prefix = `${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^[1-9][0-9]*$/.test(n.slice(prefix.length)))
    .map((n) => ({ n: Number(n.slice(prefix.length)), f: join(dir, n) }))
    .sort((a, b) => a.n - b.n)
    .map((x) => x.f);
}

/** Whether the open descriptor fd is the file at path (same device and inode). */
export function sameFile(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(path);
    return a.isFile() && a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

export interface RotatingLogOptions {
  /** Rotate before a line would take the file past this many bytes (0: never rotate). */
  maxBytes: number;
  /** How many rotated files to keep (0: none, the old log is deleted). */
  keep: number;
}

export class RotatingLog {
  private fd = -1;
  private size = 0;
  private atLineStart = true;
  private rotating = false;

  constructor(
    readonly file: string,
    private readonly opts: RotatingLogOptions,
  ) {
    this.open();
  }

  /** Rotation starts once this is called (by the process that owns the log). */
  enableRotation(): void {
    this.rotating = this.opts.maxBytes > 0;
  }

  write(chunk: string | Uint8Array): void {
    let buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (buf.length) {
      let take = buf.length;
      if (this.rotating) {
        const room = this.opts.maxBytes - this.size;
        if (buf.length > room) {
          // As many whole lines as fit; else rotate first (at a line start) or write the one line whole.
          const cut = room > 0 ? buf.lastIndexOf(NL, room - 1) : -1;
          if (cut >= 0) take = cut + 1;
          else if (this.atLineStart && this.size > 0 && this.rotate()) continue;
          else {
            const nl = buf.indexOf(NL);
            take = nl >= 0 ? nl + 1 : buf.length;
          }
        }
      }
      this.append(buf.subarray(0, take));
      buf = buf.subarray(take);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private open(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    this.fd = openSync(this.file, "a", 0o600);
    this.size = fstatSync(this.fd).size;
    this.atLineStart = true;
    if (this.size > 0) {
      const last = Buffer.alloc(1);
      const r = openSync(this.file, "r");
      try {
        readSync(r, last, 0, 1, this.size - 1);
      } finally {
        closeSync(r);
      }
      this.atLineStart = last[0] === NL;
    }
  }

  private append(buf: Buffer): void {
    if (!buf.length) return;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.size += buf.length;
    this.atLineStart = buf[buf.length - 1] === NL;
  }

  /** Shifts the rotated files up (dropping those past keep) and starts a fresh file. False if it could not. */
  private rotate(): boolean {
    const keep = this.opts.keep;
    try {
      const rotated = rotatedFiles(this.file);
      for (const f of rotated) if (Number(f.slice(f.lastIndexOf(".") + 1)) >= keep) unlinkSync(f);
      for (let i = keep - 1; i >= 1; i--) if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      if (keep >= 1) renameSync(this.file, `${this.file}.1`);
      else unlinkSync(this.file);
    } catch (err) {
      // Keep writing where we are (nothing is lost); say so once and stop trying.
      this.rotating = false;
      this.append(Buffer.from(`${new Date().toISOString()} log rotation failed, the log keeps growing: ${(err as Error).message}\n`));
      return false;
    }
    closeSync(this.fd);
    this.open();
    return true;
  }
}

// ---- reading ----------------------------------------------------------------------------------------

/** The last n lines of one open file, reading backwards from end (the lines wanted, at most n). */
function lastLinesOf(fd: number, end: number, n: number): string[] {
  if (n <= 0 || end <= 0) return [];
  const chunks: Buffer[] = [];
  let pos = end;
  let newlines = 0;
  // n lines need n newlines before them (n + 1 counting the file's own final one), or the start of the file.
  while (pos > 0 && newlines <= n) {
    const len = Math.min(pos, 65536);
    const buf = Buffer.alloc(len);
    const got = readSync(fd, buf, 0, len, pos - len);
    const chunk = buf.subarray(0, got);
    for (const b of chunk) if (b === NL) newlines++;
    chunks.unshift(chunk);
    pos -= len;
  }
  const lines = Buffer.concat(chunks).toString("utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (pos > 0) lines.shift(); // the first piece is the tail of an earlier line
  return lines.slice(-n);
}

function lastLinesOfFile(path: string, n: number): string[] {
  let fd: number;
  try {
    // Non-blocking, so that a FIFO put in the log's place cannot hang the reader; only a plain file is read.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return [];
    return lastLinesOf(fd, st.size, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The last n lines of the log, across daemon.log and its rotated files (oldest first). current: an open
 * descriptor of daemon.log and the offset to read it up to (else the file as it is now).
 */
export function lastLines(file: string, n: number, current?: { fd: number; pos: number }): string[] {
  if (n <= 0) return [];
  const out = current ? lastLinesOf(current.fd, current.pos, n) : lastLinesOfFile(file, n);
  for (const f of rotatedFiles(file)) {
    if (out.length >= n) break;
    out.unshift(...lastLinesOfFile(f, n - out.length));
  }
  return out;
}

interface Held {
  fd: number;
  ino: number;
  pos: number;
}

function openHeld(path: string, at: "start" | "end"): Held | undefined {
  try {
    const fd = openSync(path, "r");
    const st = fstatSync(fd);
    return { fd, ino: st.ino, pos: at === "end" ? st.size : 0 };
  } catch {
    return undefined;
  }
}

function inoOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Prints the last `lines` lines of the log, then every line appended after them until the signal aborts, across
 * rotations: the file held open is read to its end before moving on to the files rotated after it.
 */
export async function followLog(file: string, lines: number, onLine: (l: string) => void, signal: AbortSignal, pollMs = 200): Promise<void> {
  let held = openHeld(file, "end");
  for (const l of lastLines(file, lines, held ? { fd: held.fd, pos: held.pos } : undefined)) onLine(l);
  let rest = "";
  let decoder = new StringDecoder("utf8");
  const drain = (h: Held) => {
    for (;;) {
      const size = fstatSync(h.fd).size;
      if (size < h.pos) h.pos = 0; // truncated in place
      if (size === h.pos) return;
      const buf = Buffer.alloc(Math.min(size - h.pos, 1 << 20));
      const got = readSync(h.fd, buf, 0, buf.length, h.pos);
      if (got <= 0) return;
      h.pos += got;
      const parts = (rest + decoder.write(buf.subarray(0, got))).split("\n");
      rest = parts.pop() ?? "";
      for (const l of parts) onLine(l);
    }
  };
  try {
    while (!signal.aborted) {
      if (!held) {
        held = openHeld(file, "start");
        if (!held) {
          await sleep(pollMs);
          continue;
        }
      }
      // Look at the path first: once it names another file, the held one was renamed after its last line.
      const now = inoOf(file);
      drain(held);
      if (now === undefined || now === held.ino) {
        await sleep(pollMs);
        continue;
      }
      rest += decoder.end();
      if (rest) onLine(rest); // a last line without its newline (a crash mid-line): still shown, once
      rest = "";
      decoder = new StringDecoder("utf8");
      // Oldest first: the held file's place among the rotated ones says which came after it.
      const chain = [...rotatedFiles(file).reverse(), file];
      const at = chain.findIndex((f) => inoOf(f) === held!.ino);
      const next = at >= 0 ? chain[at + 1]! : file;
      closeSync(held.fd);
      held = openHeld(next, "start");
    }
  } finally {
    if (held) closeSync(held.fd);
  }
}
