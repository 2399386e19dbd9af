/**
 * Memory import and export as JSON Lines: plain functions the CLI and the benchmarks call.
 *
 * Import reads JSON Lines one line at a time and commits in batches (one transaction each), reporting every
 * committed batch, so a process killed mid-import loses nothing it reported as committed. A bad line is
 * reported with its number and skipped — whatever is wrong with it: bad JSON, a date that cannot be stored,
 * a meta nested too deeply or too large, a line longer than MAX_LINE_BYTES (never held in memory whole), or
 * anything the store refuses when the line's batch is committed. Export writes the same shape, so it
 * round-trips through import.
 *
 * Each line is parsed, checked and made ready to store (its secrets redacted, its hash computed: read.ts) before the
 * transaction that writes it; for a large file that is done on a second thread (prepare-thread.ts) while this one
 * writes, with the same result.
 *
 * The lines of one file are taken as turns of one conversation: a line without a `thread` key belongs to the
 * file's own thread (so consecutive lines close in time are searched together, whatever their kind); a line
 * names its thread with `thread`, or says it is no conversation's turn with `"thread": null` (as export writes).
 */
import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { PaiError, UserError } from "../../kernel/errors.ts";
import { itemJson } from "./json.ts";
import { eachPreparedLine, type LineDefaults } from "./read.ts";
import { startThread, THREAD_MIN_BYTES, threadAvailable, type PreparingThread } from "./prepare-thread.ts";
import type { PreparedLine } from "./packed.ts";
import { prepareInput } from "../prepare.ts";
import type { BatchWriter, KnownHashes, MemoryStore, MemoryVisibility, Prepared, RememberInput, RememberManyResult } from "../types.ts";

/**
 * Items per committed batch by default. Large: the full-text index writes one segment per transaction (which
 * later merges cost again), and each commit writes the pages the batch touched.
 */
export const IMPORT_BATCH = 50_000;

export interface ImportProgress {
  /** Items committed so far (added + merged). */
  committed: number;
  added: number;
  merged: number;
  redacted: number;
  /** The last line number included in the committed batches. */
  line: number;
}

export interface ImportResult extends ImportProgress {
  lines: number;
  bad: { line: number; error: string }[];
}

export interface ImportOptions {
  batchSize?: number;
  visibility?: MemoryVisibility;
  onBatch?: (p: ImportProgress) => void;
  onBadLine?: (line: number, error: string) => void;
  /** Keep at most this many bad-line reports in the result (all are passed to onBadLine). */
  maxBadKept?: number;
  /**
   * Prepare the lines on a second thread (prepare-thread.ts): by default for a file of THREAD_MIN_BYTES or more, where
   * a second thread can run. false: never; true: whenever one can run.
   */
  thread?: boolean;
}

/**
 * True when an error thrown while committing a batch comes from one of its items (a value the store
 * refuses), not from the database or the machine (a full disk, a damaged file, a lock): the batch is then
 * split to find the item, which is reported and skipped. Any other error stops the import.
 */
function itemFault(err: unknown): boolean {
  if (err instanceof PaiError) return err instanceof UserError;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/.test(code);
  return err instanceof RangeError || err instanceof TypeError || err instanceof SyntaxError;
}

/**
 * Writes prepared items in batches of `size`, one transaction each (MemoryStore.openBatch), reporting every commit.
 * `eager`: each item is written as it comes, so that writing overlaps reading (for input that never keeps the batch's
 * transaction, and its lock, waiting long: a file); otherwise a batch is written whole when it is full or the input
 * ends (standard input may trickle). When an item fails, the batch is rolled back and its items are kept, to be
 * committed at its end split in halves until the item is found: that line is reported as bad and the rest of the
 * batch is committed.
 */
function batcher(store: MemoryStore, opts: ImportOptions, reportBad: (line: number, error: string) => void, eager: boolean, committed?: () => void) {
  const size = Math.max(1, opts.batchSize ?? IMPORT_BATCH);
  const p: ImportProgress = { committed: 0, added: 0, merged: 0, redacted: 0, line: 0 };
  let items: Prepared[] = [];
  let lines: number[] = [];
  let lastLine = 0;
  let open: BatchWriter | undefined;
  // An item of the batch failed: the rest is only kept, for split().
  let failed = false;
  // The hashes this import stored, which spare most items a lookup when it began on an empty store.
  const known: KnownHashes = { hashes: new Set() };
  const count = (r: RememberManyResult) => {
    p.added += r.added;
    p.merged += r.merged;
    p.redacted += r.redacted;
    p.committed += r.added + r.merged;
  };
  const fault = (err: unknown) => {
    open?.abort();
    open = undefined;
    if (!itemFault(err)) throw err;
    failed = true;
  };
  const split = (part: Prepared[], at: number[]) => {
    try {
      count(store.rememberPrepared(part, { known }));
    } catch (err) {
      if (!itemFault(err)) throw err;
      if (part.length === 1) return reportBad(at[0]!, (err as Error).message);
      const half = part.length >> 1;
      split(part.slice(0, half), at.slice(0, half));
      split(part.slice(half), at.slice(half));
    }
  };
  const write = (item: Prepared) => {
    try {
      // bulk: an import into an empty store builds memory_items' indexes once, at its first batch's end.
      (open ??= store.openBatch({ known, bulk: true })).add(item);
    } catch (err) {
      fault(err);
    }
  };
  const flush = () => {
    if (!items.length) return;
    if (!eager) {
      for (const item of items) {
        write(item);
        if (failed) break;
      }
    }
    if (!failed) {
      try {
        count(open!.end());
      } catch (err) {
        fault(err);
      }
    }
    if (failed) split(items, lines);
    committed?.();
    open = undefined;
    failed = false;
    p.line = lastLine;
    items = [];
    lines = [];
    opts.onBatch?.({ ...p });
  };
  return {
    progress: p,
    push(line: number, item: Prepared) {
      items.push(item);
      lines.push(line);
      lastLine = line;
      if (eager && !failed) write(item);
      if (items.length >= size) flush();
    },
    flush,
    /** Rolls back the batch not yet committed (the import stops). */
    abort() {
      open?.abort();
      open = undefined;
    },
  };
}

/** Imports inputs that are already parsed: batches, one transaction each. */
export function importInputs(store: MemoryStore, inputs: Iterable<{ line: number; input: RememberInput }>, opts: ImportOptions = {}): ImportProgress {
  const reportBad = (line: number, error: string) => opts.onBadLine?.(line, error);
  const b = batcher(store, opts, reportBad, true);
  try {
    for (const { line, input } of inputs) {
      let item: Prepared;
      try {
        item = prepareInput(input);
      } catch (err) {
        if (!itemFault(err)) throw err;
        reportBad(line, (err as Error).message);
        continue;
      }
      b.push(line, item);
    }
    b.flush();
  } finally {
    b.abort();
  }
  return { ...b.progress };
}

/** `pai memory import FILE`: JSON Lines, bad lines reported and skipped, committed in batches. */
export async function importJsonlFile(store: MemoryStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const path = importPath(file);
  const keep = opts.maxBadKept ?? 1000;
  const bad: { line: number; error: string }[] = [];
  const reportBad = (line: number, error: string) => {
    if (bad.length < keep) bad.push({ line, error });
    opts.onBadLine?.(line, error);
  };
  // With a second thread, the write-ahead log is copied back into the database there after each batch (prepare-worker.ts).
  let thread: PreparingThread | undefined;
  const b = batcher(store, opts, reportBad, file !== "-", () => thread?.checkpoint(store.db.path));
  const defaults: LineDefaults = { visibility: opts.visibility, thread: `import:${basename(path)}:${new Date().toISOString()}` };
  // Batches whose dates lie in random order touch pages all over the date indexes; checkpointing the
  // write-ahead log after every batch would copy those pages again each time. A larger threshold during the
  // import copies each page once per few batches (commits stay durable in the log either way).
  const restore = widenCheckpoint(store);
  try {
    let lines: number;
    const push = (line: number, item: Prepared) => b.push(line, item);
    if (file !== "-" && threadAvailable() && (opts.thread ?? statSync(path).size >= THREAD_MIN_BYTES)) {
      thread = startThread({ file, path }, defaults);
      try {
        for (;;) {
          const r = await thread.next();
          if (typeof r === "number") {
            lines = r;
            break;
          }
          for (const l of r.bad) reportBad(l.line, l.error);
          for (const l of r.lines) push(l.line, l.item);
        }
      } finally {
        // The last batch is committed after: its log is copied back by the final checkpoint (restore below).
        const stopping = thread;
        thread = undefined;
        await stopping.stop();
      }
    } else {
      // A chunk's lines are prepared, then written: each step's code and data stay in the processor's caches over a
      // run of lines (at 10k lines 5–9 % quicker than taking each line through both steps in turn).
      let pending: PreparedLine[] = [];
      const prepared = (line: number, item: Prepared) => pending.push({ line, item });
      lines = await eachPreparedLine({ file, path }, defaults, reportBad, prepared, () => {
        for (const l of pending) push(l.line, l.item);
        pending = [];
      });
    }
    b.flush();
    bad.sort((x, y) => x.line - y.line);
    return { ...b.progress, lines, bad };
  } finally {
    b.abort();
    restore();
  }
}

/** `pai memory import --incognito FILE`: every line checked and prepared as an import would, nothing stored. */
export async function checkJsonlFile(file: string, opts: { onBadLine?: (line: number, error: string) => void } = {}): Promise<{ lines: number; valid: number }> {
  let valid = 0;
  const lines = await eachPreparedLine({ file, path: importPath(file) }, {}, (line, error) => opts.onBadLine?.(line, error), () => valid++);
  return { lines, valid };
}

/** The file to import ('-' is standard input), checked to be a regular file. */
function importPath(file: string): string {
  const path = resolve(file);
  if (file !== "-" && (!existsSync(path) || !statSync(path).isFile())) {
    throw new UserError(`no such file: ${file}`, { hint: "give the path of a JSON Lines file (one JSON object per line)" });
  }
  return path;
}

/** Raises the connection's WAL auto-checkpoint threshold; returns what puts it back (and checkpoints). */
function widenCheckpoint(store: MemoryStore): () => void {
  let before: number | undefined;
  try {
    before = (store.db.prepare<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint").get() ?? {}).wal_autocheckpoint;
    if (before !== undefined && before > 0 && before < IMPORT_CHECKPOINT_PAGES) store.db.exec(`PRAGMA wal_autocheckpoint = ${IMPORT_CHECKPOINT_PAGES}`);
    else before = undefined;
  } catch {
    before = undefined;
  }
  return () => {
    if (before === undefined) return;
    try {
      store.db.exec(`PRAGMA wal_autocheckpoint = ${before}`);
      // A log grown past the usual size is copied back and cut to nothing (if no reader holds it).
      let walBytes = 0;
      try {
        walBytes = statSync(`${store.db.path}-wal`).size;
      } catch {}
      store.db.prepare(`PRAGMA wal_checkpoint(${walBytes > before * 4096 * 4 ? "TRUNCATE" : "PASSIVE"})`).get();
    } catch {}
  };
}

/** Pages of write-ahead log between checkpoints during an import (65,536 pages of 4 KiB: 256 MiB). */
const IMPORT_CHECKPOINT_PAGES = 65_536;

/** The export lines of a store (current items; superseded ones too when asked). */
export function* exportLines(store: MemoryStore, opts: { includeSuperseded?: boolean } = {}): Generator<string> {
  for (const item of store.iterate({ includeSuperseded: opts.includeSuperseded ?? false })) {
    yield JSON.stringify(itemJson(item));
  }
}
