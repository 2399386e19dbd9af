/**
 * The second thread of an import (prepare-thread.ts starts it): reads the file, parses and prepares its lines
 * (read.ts), and posts them packed (packed.ts), a few at a time, while the first thread writes.
 *
 * Messages in: `{ start }` once, then `{ credit: n }` as the other thread takes the lines posted: once `credits` lines
 * are posted and not yet taken, reading waits, so a slow writer never has the whole file waiting in memory. Out:
 * `{ packed, bad }` for every MESSAGE_LINES lines (the first messages fewer, so that the writer starts at once), then
 * `{ done: lines }`, or `{ error }` when the file cannot be read.
 *
 * It also copies the write-ahead log back into the database while the first thread writes: `{ checkpoint: path }`,
 * sent after a committed batch once the last one is answered `{ checkpointed }`, runs a passive checkpoint on a
 * connection of its own, which copies the committed pages without waiting for or holding up the writer, so that
 * little is left to copy when the import ends. `{ stop }` is answered `{ stopped }` once no checkpoint is under way,
 * and the thread can be ended.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { openDriver } from "../../kernel/storage/driver-bun.ts";
import { eachPreparedLine, type LineDefaults, type LineSource } from "./read.ts";
import { packLines, type PreparedLine } from "./packed.ts";

declare const self: Worker;

/**
 * This thread's scheduling priority, as `nice` gives a background job: where the two threads (and the runtime's own
 * compiler and collector threads) want more cores than the machine has, the writer, which sets the pace of the
 * import, goes first. Linux names a thread's id in /proc/thread-self; elsewhere the priority stays as it is.
 */
const NICE = 10;
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), NICE);
} catch {}

export interface StartMessage {
  source: LineSource;
  defaults: LineDefaults;
  credits: number;
}

/** Lines per message; the first message has FIRST_LINES, and each next one twice as many, up to MESSAGE_LINES. */
const MESSAGE_LINES = 1024;
const FIRST_LINES = 32;

let credits = 0;
let wake: (() => void) | undefined;

self.onmessage = (e: MessageEvent<{ start?: StartMessage; credit?: number; checkpoint?: string; stop?: true }>) => {
  if (e.data.checkpoint) {
    checkpoint(e.data.checkpoint);
    self.postMessage({ checkpointed: true });
  }
  else if (e.data.stop) self.postMessage({ stopped: true });
  else if (e.data.credit) {
    credits += e.data.credit;
    wake?.();
    wake = undefined;
  } else if (e.data.start) {
    const start = e.data.start;
    credits = start.credits;
    run(start).catch((err: NodeJS.ErrnoException) => {
      self.postMessage({ error: { message: String(err?.message ?? err), code: err?.code, errno: err?.errno, syscall: err?.syscall, path: err?.path } });
    });
  }
};

async function run({ source, defaults }: StartMessage): Promise<void> {
  let lines: PreparedLine[] = [];
  let bad: { line: number; error: string }[] = [];
  let size = FIRST_LINES;
  const post = () => {
    if (!lines.length && !bad.length) return;
    credits -= lines.length + bad.length;
    const packed = packLines(lines);
    self.postMessage({ packed, bad }, [packed.ends.buffer as ArrayBuffer, packed.nums.buffer as ArrayBuffer]);
    lines = [];
    bad = [];
    size = Math.min(size * 2, MESSAGE_LINES);
  };
  const n = await eachPreparedLine(
    source,
    defaults,
    (line, error) => {
      bad.push({ line, error });
      if (lines.length + bad.length >= size) post();
    },
    (line, item) => {
      lines.push({ line, item });
      if (lines.length + bad.length >= size) post();
    },
    async () => {
      post();
      while (credits <= 0) await new Promise<void>((r) => (wake = r));
    },
  );
  post();
  self.postMessage({ done: n });
}

/** A passive checkpoint of the database at `path` (nothing when it cannot be done: the writer's own one follows). */
function checkpoint(path: string): void {
  try {
    const db = openDriver(path, { create: false });
    try {
      db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    } finally {
      db.close();
    }
  } catch {}
}
