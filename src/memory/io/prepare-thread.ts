/**
 * An import's lines read, parsed and prepared on a second thread (prepare-worker.ts) while this one writes them:
 * preparing a line (parsing, checking, redacting secrets, hashing) costs about a quarter of what writing it does, and
 * the two overlap. Under Bun only (Node runs TypeScript workers only through a loader), for a file of at least
 * THREAD_MIN_BYTES on a machine with more than one core; otherwise the lines are prepared in turn (read.ts).
 */
import { availableParallelism } from "node:os";
import type { LineDefaults, LineSource } from "./read.ts";
import { unpackLines, type Packed, type PreparedLine } from "./packed.ts";
import type { StartMessage } from "./prepare-worker.ts";

/**
 * The smallest file prepared on a second thread. A thread costs a start (a runtime of its own, its code compiled
 * afresh: some 0.1–0.2 s of processor time) that the time it saves the writer repays from about 4 MiB (20,000 lines
 * of 200 bytes; measured on two cores, where the two threads and the runtime's own share them).
 */
export const THREAD_MIN_BYTES = 4 << 20;

/** How long stop() waits for a checkpoint under way to end. */
const STOP_WAIT_MS = 10_000;

/** Lines the second thread may have posted and not yet seen taken: more than a batch of the import's writes. */
const IN_FLIGHT = 65_536;

/** True when a second thread can prepare the lines (Bun, more than one core). */
export function threadAvailable(): boolean {
  return typeof Bun !== "undefined" && availableParallelism() > 1;
}

type Message = { packed: Packed; bad: { line: number; error: string }[] } | { done: number } | { error: { message: string; code?: string; errno?: number; syscall?: string; path?: string } };

/** What a thread preparing lines gives: a few prepared lines, with the bad lines among them (numbered from 1). */
export interface PreparedChunk {
  lines: PreparedLine[];
  bad: { line: number; error: string }[];
}

/** A thread preparing the lines of a file (startThread). */
export interface PreparingThread {
  /** The next lines, or at the end the number of lines read (a failure to read the file is thrown). */
  next(): Promise<PreparedChunk | number>;
  /**
   * Asks the thread to copy the committed part of the write-ahead log of the database at `path` into it (nothing when
   * the last one asked is not done: it will copy what is committed by then, and the next one the rest).
   */
  checkpoint(path: string): void;
  /** Ends the thread once a checkpoint under way is over (at any time; again is nothing). */
  stop(): Promise<void>;
}

/** Starts a thread preparing the lines of a file (see prepare-worker.ts). */
export function startThread(source: LineSource, defaults: LineDefaults): PreparingThread {
  const worker = new Worker(new URL(import.meta.url.endsWith(".ts") ? "./prepare-worker.ts" : "./prepare-worker.js", import.meta.url));
  const queue: Message[] = [];
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const next = () => {
    wake?.();
    wake = undefined;
  };
  let stopped: (() => void) | undefined;
  // A checkpoint asked and not yet done: another is not asked meanwhile (small batches would queue one per commit).
  let checkpointing = false;
  worker.onmessage = (e: MessageEvent<Message | { stopped: true } | { checkpointed: true }>) => {
    if ("stopped" in e.data) stopped?.();
    else if ("checkpointed" in e.data) checkpointing = false;
    else queue.push(e.data);
    next();
  };
  worker.onerror = (e: ErrorEvent) => {
    failed = new Error(`the import's reading thread failed: ${e.message}`);
    next();
  };
  worker.postMessage({ start: { source, defaults, credits: IN_FLIGHT } satisfies StartMessage });
  return {
    async next() {
      while (!queue.length && !failed) await new Promise<void>((r) => (wake = r));
      if (failed) throw failed;
      const m = queue.shift()!;
      if ("error" in m) throw Object.assign(new Error(m.error.message), m.error);
      if ("done" in m) return m.done;
      const lines = unpackLines(m.packed);
      worker.postMessage({ credit: lines.length + m.bad.length });
      return { lines, bad: m.bad };
    },
    checkpoint(path) {
      if (failed || checkpointing) return;
      checkpointing = true;
      worker.postMessage({ checkpoint: path });
    },
    async stop() {
      if (!failed) {
        // A checkpoint is never cut short (its connection would hold the log's locks); a thread that does not answer
        // (it failed) is ended all the same.
        await new Promise<void>((r) => {
          stopped = r;
          setTimeout(r, STOP_WAIT_MS).unref?.();
          worker.postMessage({ stop: true });
        });
      }
      failed ??= new Error("the import's reading thread has stopped");
      worker.terminate();
    },
  };
}
