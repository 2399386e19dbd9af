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
 * The lines of one file are taken as turns of one conversation: a line without a `thread` key belongs to the
 * file's own thread (so consecutive lines close in time are searched together, whatever their kind); a line
 * names its thread with `thread`, or says it is no conversation's turn with `"thread": null` (as export writes).
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import * as z from "zod";
import { PaiError, UserError } from "../../kernel/errors.ts";
import { issueLine } from "../../kernel/issues.ts";
import { itemJson, metaProblem } from "./json.ts";
import { MAX_LINE_BYTES, splitLineBatches, type JsonLine } from "./lines.ts";
import { isoDate } from "../dates.ts";
import { MEMORY_KINDS, type KnownHashes, type MemoryStore, type MemoryVisibility, type RememberInput } from "../types.ts";

/**
 * Items per committed batch by default. Large: the full-text index writes one segment per transaction (which
 * later merges cost again), and each commit writes the pages the batch touched.
 */
export const IMPORT_BATCH = 50_000;

/** One line of an import file. Unknown keys (an export's id, tier, …) are accepted and ignored. */
export const importLineSchema = z.object({
  content: z.string().refine((s) => s.trim().length > 0, "must not be empty"),
  created_at: z.string().optional(),
  kind: z.enum(MEMORY_KINDS as unknown as [string, ...string[]]).optional(),
  source: z.string().nullable().optional(),
  pinned: z.boolean().optional(),
  visibility: z.enum(["private", "shareable"]).optional(),
  importance: z.number().min(0).max(1).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  redacted: z.boolean().optional(),
  thread: z.string().max(500).nullable().optional(),
});

const KIND_SET = new Set<string>(MEMORY_KINDS);

/**
 * The common case checked by hand (the import hot path): the same rules as importLineSchema. Returns
 * undefined when anything is off, and the zod schema then says what.
 */
function quickLine(o: Record<string, unknown>): RememberInput | undefined {
  const { content, created_at, kind, source, pinned, visibility, importance, meta, redacted, thread } = o;
  if (redacted !== undefined && typeof redacted !== "boolean") return undefined;
  if (thread !== undefined && thread !== null && !(typeof thread === "string" && thread.length <= 500)) return undefined;
  if (typeof content !== "string" || !content.trim()) return undefined;
  if (kind !== undefined && (typeof kind !== "string" || !KIND_SET.has(kind))) return undefined;
  if (source !== undefined && source !== null && typeof source !== "string") return undefined;
  if (pinned !== undefined && typeof pinned !== "boolean") return undefined;
  if (visibility !== undefined && visibility !== "private" && visibility !== "shareable") return undefined;
  if (importance !== undefined && !(typeof importance === "number" && importance >= 0 && importance <= 1)) return undefined;
  if (meta !== undefined && (meta === null || typeof meta !== "object" || Array.isArray(meta))) return undefined;
  let createdAt: string | undefined;
  if (created_at !== undefined) {
    if (typeof created_at !== "string") return undefined;
    createdAt = isoDate(created_at);
    if (createdAt === undefined) return undefined;
  }
  return {
    content,
    kind: kind as RememberInput["kind"],
    source: (source as string | null | undefined) ?? null,
    pinned: pinned as boolean | undefined,
    visibility: visibility as RememberInput["visibility"],
    importance: importance as number | undefined,
    meta: meta as Record<string, unknown> | undefined,
    redacted: redacted as boolean | undefined,
    createdAt,
    thread: thread as string | null | undefined,
  };
}

function withDefaults(input: RememberInput, defaults: { visibility?: MemoryVisibility }): RememberInput {
  if (input.visibility === undefined && defaults.visibility) input.visibility = defaults.visibility;
  return input;
}

/** Parses one import line into a store input, or throws an Error whose message says what is wrong. */
export function parseImportLine(line: string, defaults: { visibility?: MemoryVisibility } = {}): RememberInput {
  // A UTF-16 unit is at most 3 bytes of UTF-8: most lines need no count.
  if (line.length * 3 > MAX_LINE_BYTES) {
    const bytes = Buffer.byteLength(line, "utf8");
    if (bytes > MAX_LINE_BYTES) throw new Error(tooLong(bytes));
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    if (err instanceof RangeError) throw new Error("not valid JSON (nested too deeply to read)");
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("not a JSON object");
  const meta = (raw as Record<string, unknown>).meta;
  if (meta !== undefined) {
    const problem = metaProblem(meta);
    if (problem) throw new Error(problem);
  }
  const fast = quickLine(raw as Record<string, unknown>);
  if (fast) return withDefaults(fast, defaults);
  const r = importLineSchema.safeParse(raw);
  if (!r.success) {
    throw new Error(issueLine(r.error.issues[0]!, raw, { required: (path) => (path === "content" ? "the text to remember" : undefined) }));
  }
  const v = r.data;
  let createdAt: string | undefined;
  if (v.created_at !== undefined) {
    createdAt = isoDate(v.created_at);
    if (createdAt === undefined) {
      throw new Error(`created_at: '${clip(v.created_at)}' is not an ISO 8601 date with a year from 1 to 9999 and a day that exists`);
    }
  }
  return {
    content: v.content,
    kind: v.kind as RememberInput["kind"],
    source: v.source ?? null,
    pinned: v.pinned,
    visibility: v.visibility ?? defaults.visibility,
    importance: v.importance,
    meta: v.meta,
    redacted: v.redacted,
    createdAt,
    thread: v.thread,
  };
}

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
 * Collects inputs and commits them in batches of `size`, one transaction each, reporting every commit. A
 * batch that fails because of one of its items is split in halves until the item is found: that line is
 * reported as bad and the rest of the batch is committed.
 */
function batcher(store: MemoryStore, opts: ImportOptions, reportBad: (line: number, error: string) => void) {
  const size = Math.max(1, opts.batchSize ?? IMPORT_BATCH);
  const p: ImportProgress = { committed: 0, added: 0, merged: 0, redacted: 0, line: 0 };
  let batch: RememberInput[] = [];
  let lines: number[] = [];
  let lastLine = 0;
  // The hashes this import stored, which spare most items a lookup when it began on an empty store.
  const known: KnownHashes = { hashes: new Set() };
  const commit = (inputs: RememberInput[], at: number[]) => {
    try {
      const r = store.rememberMany(inputs, { known });
      p.added += r.added;
      p.merged += r.merged;
      p.redacted += r.redacted;
      p.committed += r.added + r.merged;
    } catch (err) {
      if (!itemFault(err)) throw err;
      if (inputs.length === 1) return reportBad(at[0]!, (err as Error).message);
      const half = inputs.length >> 1;
      commit(inputs.slice(0, half), at.slice(0, half));
      commit(inputs.slice(half), at.slice(half));
    }
  };
  const flush = () => {
    if (!batch.length) return;
    commit(batch, lines);
    p.line = lastLine;
    batch = [];
    lines = [];
    opts.onBatch?.({ ...p });
  };
  return {
    progress: p,
    push(line: number, input: RememberInput) {
      batch.push(input);
      lines.push(line);
      lastLine = line;
      if (batch.length >= size) flush();
    },
    flush,
  };
}

/** Imports inputs that are already parsed: batches, one transaction each. */
export function importInputs(store: MemoryStore, inputs: Iterable<{ line: number; input: RememberInput }>, opts: ImportOptions = {}): ImportProgress {
  const b = batcher(store, opts, (line, error) => opts.onBadLine?.(line, error));
  for (const { line, input } of inputs) b.push(line, input);
  b.flush();
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
  const b = batcher(store, opts, reportBad);
  const fileThread = `import:${basename(path)}:${new Date().toISOString()}`;
  // Batches whose dates lie in random order touch pages all over the date indexes; checkpointing the
  // write-ahead log after every batch would copy those pages again each time. A larger threshold during the
  // import copies each page once per few batches (commits stay durable in the log either way).
  const restore = widenCheckpoint(store);
  try {
    const defaults = { visibility: opts.visibility };
    const lines = await eachImportLine(file, path, defaults, reportBad, (line, parsed) => {
      if (parsed.thread === undefined) parsed.thread = fileThread;
      b.push(line, parsed);
    });
    b.flush();
    bad.sort((x, y) => x.line - y.line);
    return { ...b.progress, lines, bad };
  } finally {
    restore();
  }
}

/** `pai memory import --incognito FILE`: every line checked as an import would, nothing stored. */
export async function checkJsonlFile(file: string, opts: { onBadLine?: (line: number, error: string) => void } = {}): Promise<{ lines: number; valid: number }> {
  let valid = 0;
  const lines = await eachImportLine(file, importPath(file), {}, (line, error) => opts.onBadLine?.(line, error), () => valid++);
  return { lines, valid };
}

/**
 * Reads an import file (`path`, resolved by importPath; `file` "-": standard input) and parses each line that is not
 * blank: `onItem` gets what a line holds, `onBad` what is wrong with a line. Returns the number of lines read.
 */
async function eachImportLine(
  file: string,
  path: string,
  defaults: { visibility?: MemoryVisibility },
  onBad: (line: number, error: string) => void,
  onItem: (line: number, input: RememberInput) => void,
): Promise<number> {
  let lines = 0;
  for await (const batch of importLines(file, path)) {
    for (const l of batch) {
      lines = l.line;
      if (l.text === undefined) {
        onBad(l.line, tooLong(l.bytes));
        continue;
      }
      if (blank(l.text)) continue;
      let parsed: RememberInput;
      try {
        parsed = parseImportLine(l.text, defaults);
      } catch (err) {
        onBad(l.line, (err as Error).message);
        continue;
      }
      onItem(l.line, parsed);
    }
  }
  return lines;
}

/** The file to import ('-' is standard input), checked to be a regular file. */
function importPath(file: string): string {
  const path = resolve(file);
  if (file !== "-" && (!existsSync(path) || !statSync(path).isFile())) {
    throw new UserError(`no such file: ${file}`, { hint: "give the path of a JSON Lines file (one JSON object per line)" });
  }
  return path;
}

function tooLong(bytes: number): string {
  return `line is ${bytes > 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`} long (at most ${MAX_LINE_BYTES / (1 << 20)} MiB)`;
}

/** A line with nothing but white space (skipped). Most lines start with "{": no trimmed copy is made of them. */
function blank(text: string): boolean {
  return text.charCodeAt(0) !== 123 && !text.trim();
}

function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Bytes read from an import file at a time: whole lines of a chunk are decoded and split at once. */
const READ_CHUNK = 1 << 20;

/** The lines of an import file (or standard input), a chunk's worth at a time, with a leading byte-order mark removed. */
async function* importLines(file: string, path: string): AsyncGenerator<JsonLine[]> {
  const input = file === "-" ? process.stdin : createReadStream(path, { highWaterMark: READ_CHUNK });
  for await (const lines of splitLineBatches(input)) {
    const l = lines[0]!;
    if (l.line === 1 && l.text !== undefined) l.text = l.text.replace(/^\uFEFF/, "");
    yield lines;
  }
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
