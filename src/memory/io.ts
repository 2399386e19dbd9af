/**
 * Memory import, export and backup: plain functions the CLI and the benchmarks call.
 *
 * Import reads JSON Lines one line at a time and commits in batches (one transaction each), reporting every
 * committed batch, so a process killed mid-import loses nothing it reported as committed. A bad line is
 * reported with its number and skipped. Export writes the same shape, so it round-trips through import.
 */
import { createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import { UserError } from "../errors.ts";
import type { Database } from "../storage/index.ts";
import { itemJson } from "./json.ts";
import { MEMORY_KINDS, toIso, type MemoryStore, type RememberInput } from "./store.ts";

/** One line of an import file. Unknown keys (an export's id, tier, …) are accepted and ignored. */
export const importLineSchema = z.object({
  content: z.string().refine((s) => s.trim().length > 0, "content is empty"),
  created_at: z.string().optional(),
  kind: z.enum(MEMORY_KINDS as unknown as [string, ...string[]]).optional(),
  source: z.string().nullable().optional(),
  pinned: z.boolean().optional(),
  visibility: z.enum(["private", "shareable"]).optional(),
  importance: z.number().min(0).max(1).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  redacted: z.boolean().optional(),
});

const KIND_SET = new Set<string>(MEMORY_KINDS);

/**
 * The common case checked by hand (the import hot path): the same rules as importLineSchema. Returns
 * undefined when anything is off, and the zod schema then says what.
 */
function quickLine(o: Record<string, unknown>): RememberInput | undefined {
  const { content, created_at, kind, source, pinned, visibility, importance, meta, redacted } = o;
  if (redacted !== undefined && typeof redacted !== "boolean") return undefined;
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
    const t = Date.parse(created_at);
    if (Number.isNaN(t)) return undefined;
    createdAt = new Date(t).toISOString();
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
  };
}

function withDefaults(input: RememberInput, defaults: { visibility?: "private" | "shareable" }): RememberInput {
  if (input.visibility === undefined && defaults.visibility) input.visibility = defaults.visibility;
  return input;
}

/** Parses one import line into a store input, or throws an Error whose message says what is wrong. */
export function parseImportLine(line: string, defaults: { visibility?: "private" | "shareable" } = {}): RememberInput {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("not a JSON object");
  const fast = quickLine(raw as Record<string, unknown>);
  if (fast) return withDefaults(fast, defaults);
  const r = importLineSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const at = issue.path.join(".");
    throw new Error(`${at ? `${at}: ` : ""}${issue.code === "invalid_type" && issue.path[0] === "content" ? "content (text) is required" : issue.message}`);
  }
  const v = r.data;
  let createdAt: string | undefined;
  if (v.created_at !== undefined) {
    try {
      createdAt = toIso(v.created_at, "created_at");
    } catch {
      throw new Error(`created_at: '${v.created_at}' is not an ISO 8601 date`);
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
  visibility?: "private" | "shareable";
  onBatch?: (p: ImportProgress) => void;
  onBadLine?: (line: number, error: string) => void;
  /** Keep at most this many bad-line reports in the result (all are passed to onBadLine). */
  maxBadKept?: number;
}

/** Collects inputs and commits them in batches of `size`, one transaction each, reporting every commit. */
function batcher(store: MemoryStore, opts: ImportOptions) {
  const size = Math.max(1, opts.batchSize ?? 5000);
  const p: ImportProgress = { committed: 0, added: 0, merged: 0, redacted: 0, line: 0 };
  let batch: RememberInput[] = [];
  let lastLine = 0;
  const flush = () => {
    if (!batch.length) return;
    const r = store.rememberMany(batch);
    p.added += r.added;
    p.merged += r.merged;
    p.redacted += r.redacted;
    p.committed += r.added + r.merged;
    p.line = lastLine;
    batch = [];
    opts.onBatch?.({ ...p });
  };
  return {
    progress: p,
    push(line: number, input: RememberInput) {
      batch.push(input);
      lastLine = line;
      if (batch.length >= size) flush();
    },
    flush,
  };
}

/** Imports inputs that are already parsed: batches, one transaction each. */
export function importInputs(store: MemoryStore, inputs: Iterable<{ line: number; input: RememberInput }>, opts: ImportOptions = {}): ImportProgress {
  const b = batcher(store, opts);
  for (const { line, input } of inputs) b.push(line, input);
  b.flush();
  return { ...b.progress };
}

/** `pai memory import FILE`: JSON Lines, bad lines reported and skipped, committed in batches. */
export async function importJsonlFile(store: MemoryStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const path = resolve(file);
  if (file !== "-" && (!existsSync(path) || !statSync(path).isFile())) {
    throw new UserError(`no such file: ${file}`, { hint: "give the path of a JSON Lines file (one JSON object per line)" });
  }
  const b = batcher(store, opts);
  // Batches whose dates lie in random order touch pages all over the date indexes; checkpointing the
  // write-ahead log after every batch would copy those pages again each time. A larger threshold during the
  // import copies each page once per few batches (commits stay durable in the log either way).
  const restore = widenCheckpoint(store);
  try {
    return await readLines(file, path, opts, b);
  } finally {
    restore();
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

async function readLines(
  file: string,
  path: string,
  opts: ImportOptions,
  b: ReturnType<typeof batcher>,
): Promise<ImportResult> {
  const input = file === "-" ? process.stdin : createReadStream(path, { encoding: "utf8" });
  const rl = createInterface({ input, crlfDelay: Infinity });
  const keep = opts.maxBadKept ?? 1000;
  const bad: { line: number; error: string }[] = [];
  let lineNo = 0;
  for await (const raw of rl) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (!line.trim()) continue;
    let parsed: RememberInput;
    try {
      parsed = parseImportLine(line, { visibility: opts.visibility });
    } catch (err) {
      const error = (err as Error).message;
      if (bad.length < keep) bad.push({ line: lineNo, error });
      opts.onBadLine?.(lineNo, error);
      continue;
    }
    b.push(lineNo, parsed);
  }
  b.flush();
  return { ...b.progress, lines: lineNo, bad };
}

/** The export lines of a store (current items; superseded ones too when asked). */
export function* exportLines(store: MemoryStore, opts: { includeSuperseded?: boolean } = {}): Generator<string> {
  for (const item of store.iterate({ includeSuperseded: opts.includeSuperseded ?? false })) {
    yield JSON.stringify(itemJson(item));
  }
}

/** `pai memory backup [PATH]`: a consistent online copy through VACUUM INTO. Never overwrites a file. */
export function backupDatabase(db: Database, target: string): { path: string; bytes: number } {
  const path = resolve(target);
  if (existsSync(path)) throw new UserError(`${target} already exists`, { hint: "choose a new path; a backup never overwrites a file" });
  mkdirSync(dirname(path), { recursive: true });
  db.prepare("VACUUM INTO ?").run(path);
  return { path, bytes: statSync(path).size };
}

export function defaultBackupPath(userDir: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return resolve(userDir, "backups", `pai-${stamp}.db`);
}
