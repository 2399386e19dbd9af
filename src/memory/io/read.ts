/**
 * The lines of an import file read, parsed and made ready to store: what `pai memory import` does to each line before
 * writing it, on the importing thread or on a second one (prepare-worker.ts). Nothing here opens the database.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { issueLine } from "../../kernel/issues.ts";
import { MAX_LINE_BYTES, splitLineBatches, type JsonLine } from "./lines.ts";
import { metaProblem } from "./json.ts";
import { isoDate } from "../dates.ts";
import { prepareInput } from "../prepare.ts";
import { MEMORY_KINDS, type MemoryVisibility, type Prepared, type RememberInput } from "../types.ts";

const requireLazy = createRequire(import.meta.url);
type Zod = typeof import("zod");
let schemaCache: ReturnType<typeof buildSchema> | undefined;

/**
 * The zod schema of one line of an import file, loaded on demand (only a line quickLine refuses needs it: zod takes
 * milliseconds to load, on the thread that prepares an import too). Unknown keys (an export's id, tier, …) are
 * accepted and ignored.
 */
function importLineSchema(): ReturnType<typeof buildSchema> {
  schemaCache ??= buildSchema(requireLazy("zod") as Zod);
  return schemaCache;
}

function buildSchema(z: Zod) {
  return z.object({
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
}

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

/** The input with what the line did not say taken from `defaults`. */
function withDefaults(input: RememberInput, defaults: LineDefaults): RememberInput {
  if (input.visibility === undefined && defaults.visibility) input.visibility = defaults.visibility;
  if (input.thread === undefined && defaults.thread !== undefined) input.thread = defaults.thread;
  return input;
}

/**
 * Parses one import line (no longer than MAX_LINE_BYTES: splitLineBatches gives a longer one only as its length) into
 * a store input, or throws an Error whose message says what is wrong.
 */
function parseImportLine(line: string, defaults: LineDefaults): RememberInput {
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
  const r = importLineSchema().safeParse(raw);
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
  return withDefaults(
    {
      content: v.content,
      kind: v.kind as RememberInput["kind"],
      source: v.source ?? null,
      pinned: v.pinned,
      visibility: v.visibility as MemoryVisibility | undefined,
      importance: v.importance,
      meta: v.meta,
      redacted: v.redacted,
      createdAt,
      thread: v.thread,
    },
    defaults,
  );
}

/** What every line of an import gets when it does not say: its visibility, and its thread (the file's own). */
export interface LineDefaults {
  visibility?: MemoryVisibility;
  thread?: string;
}

/** What an import reads: standard input (`file` "-") or the file at `path`. */
export interface LineSource {
  file: string;
  path: string;
}

/**
 * Reads an import file (LineSource), parses each line that is not blank and prepares it to be stored (prepare.ts):
 * `onItem` gets what a line holds, `onBad` what is wrong with a line; `onChunk`, when given, is awaited after the
 * lines of each chunk read. Returns the number of lines read.
 */
export async function eachPreparedLine(
  source: LineSource,
  defaults: LineDefaults,
  onBad: (line: number, error: string) => void,
  onItem: (line: number, item: Prepared) => void,
  onChunk?: () => Promise<void> | void,
): Promise<number> {
  let lines = 0;
  // A chunk's lines are parsed, then prepared, then handed on in order: each step's code stays in the processor's
  // caches over a run of lines (parsing and redaction in turn for each line evict each other's).
  const parsed: (RememberInput | string | undefined)[] = [];
  for await (const batch of importLines(source)) {
    parsed.length = batch.length;
    for (let i = 0; i < batch.length; i++) {
      const l = batch[i]!;
      if (l.text === undefined) parsed[i] = tooLong(l.bytes);
      else if (blank(l.text)) parsed[i] = undefined;
      else {
        try {
          parsed[i] = parseImportLine(l.text, defaults);
        } catch (err) {
          parsed[i] = (err as Error).message;
        }
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const line = batch[i]!.line;
      const input = parsed[i];
      lines = line;
      if (input === undefined) continue;
      if (typeof input === "string") {
        onBad(line, input);
        continue;
      }
      let item: Prepared;
      try {
        item = prepareInput(input);
      } catch (err) {
        onBad(line, (err as Error).message);
        continue;
      }
      onItem(line, item);
    }
    parsed.length = 0;
    await onChunk?.();
  }
  return lines;
}

/** What is said of a line longer than MAX_LINE_BYTES. */
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

/**
 * Bytes read from an import file at a time: whole lines of a chunk are decoded and split at once. The first read is
 * FIRST_CHUNK, so that the first lines are ready at once.
 */
const READ_CHUNK = 1 << 20;
const FIRST_CHUNK = 64 * 1024;

/**
 * The bytes of a file, read with plain read() calls: a file in the page cache is read in a fraction of a millisecond
 * per chunk, where a stream first takes some 15 ms to start (more than a thread takes to prepare a thousand lines).
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fd = openSync(path, "r");
  try {
    for (let size = FIRST_CHUNK; ; size = READ_CHUNK) {
      // A new buffer each time: the start of a line that spans two chunks is kept as a view of the first.
      const buf = Buffer.allocUnsafe(size);
      const n = readSync(fd, buf, 0, size, null);
      if (n === 0) return;
      yield n < size ? buf.subarray(0, n) : buf;
    }
  } finally {
    closeSync(fd);
  }
}

/** The lines of an import file (or standard input), a chunk's worth at a time, with a leading byte-order mark removed. */
async function* importLines({ file, path }: LineSource): AsyncGenerator<JsonLine[]> {
  const input = file === "-" ? process.stdin : fileChunks(path);
  for await (const lines of splitLineBatches(input)) {
    const l = lines[0]!;
    if (l.line === 1 && l.text !== undefined) l.text = l.text.replace(/^\uFEFF/, "");
    yield lines;
  }
}

