/**
 * Prepared import lines (prepare.ts) packed to cross from one thread to another: the text of every string field of a
 * message's items joined into one string, with their ends and the numbers in two typed arrays (whose buffers are
 * moved, not copied). Copying one string and slicing it costs the receiving thread far less than a structured clone
 * of an object per line, or parsing JSON.
 */
import { NO_IDS } from "../prepare.ts";
import { MEMORY_KINDS, type MemoryKind, type Prepared } from "../types.ts";

/** One message's items. */
export interface Packed {
  text: string;
  /** Where each string field ends in `text` (SLOTS per item). */
  ends: Uint32Array;
  /** Each item's line, hash, importance and flags (NUMS per item). */
  nums: Float64Array;
}

export interface PreparedLine {
  line: number;
  item: Prepared;
}

// content, createdAt, dateWords, source, meta, thread, gid
const SLOTS = 7;
const NUMS = 4;

// Flags, above the kind's index (4 bits).
const PINNED = 1 << 4;
const SHAREABLE = 1 << 5;
const REDACTED = 1 << 6;
const FLAGGED = 1 << 7;
const HAS_DATE = 1 << 8;
const HAS_WORDS = 1 << 9;
const HAS_SOURCE = 1 << 10;
const HAS_META = 1 << 11;
const THREAD_NULL = 1 << 12;
const THREAD_TEXT = 1 << 13;

const KIND_INDEX = new Map<string, number>(MEMORY_KINDS.map((k, i) => [k, i]));

/** Packs prepared lines. Links (derived, supersedes) are never part of an import line, and are refused. */
export function packLines(lines: readonly PreparedLine[]): Packed {
  const parts: string[] = [];
  const ends = new Uint32Array(lines.length * SLOTS);
  const nums = new Float64Array(lines.length * NUMS);
  let at = 0;
  let k = 0;
  const put = (s: string | null | undefined) => {
    if (s) {
      parts.push(s);
      at += s.length;
    }
    ends[k++] = at;
  };
  for (let i = 0; i < lines.length; i++) {
    const { line, item: p } = lines[i]!;
    if (p.derived.length || p.supersedes !== undefined) throw new Error("packLines: an import line has no links (derived, supersedes)");
    put(p.content);
    put(p.createdAt);
    put(p.dateWords);
    put(p.source);
    put(p.meta);
    put(p.thread);
    put(p.gid);
    let flags = KIND_INDEX.get(p.kind)!;
    if (p.pinned) flags |= PINNED;
    if (p.visibility === "shareable") flags |= SHAREABLE;
    if (p.redacted) flags |= REDACTED;
    if (p.flagged) flags |= FLAGGED;
    if (p.createdAt !== undefined) flags |= HAS_DATE;
    if (p.dateWords !== undefined) flags |= HAS_WORDS;
    if (p.source !== null) flags |= HAS_SOURCE;
    if (p.meta !== null) flags |= HAS_META;
    if (p.thread === null) flags |= THREAD_NULL;
    else if (p.thread !== undefined) flags |= THREAD_TEXT;
    nums[i * NUMS] = line;
    nums[i * NUMS + 1] = p.hash;
    nums[i * NUMS + 2] = p.importance;
    nums[i * NUMS + 3] = flags;
  }
  return { text: parts.join(""), ends, nums };
}

/** The prepared lines of a message, as packLines was given them. */
export function unpackLines({ text, ends, nums }: Packed): PreparedLine[] {
  const n = nums.length / NUMS;
  const out: PreparedLine[] = new Array(n);
  let start = 0;
  let k = 0;
  const take = (): string => {
    const end = ends[k++]!;
    const s = text.slice(start, end);
    start = end;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const flags = nums[i * NUMS + 3]!;
    const content = take();
    const createdAt = take();
    const dateWords = take();
    const source = take();
    const meta = take();
    const thread = take();
    const gid = take();
    out[i] = {
      line: nums[i * NUMS]!,
      item: {
        content,
        kind: MEMORY_KINDS[flags & 15] as MemoryKind,
        createdAt: flags & HAS_DATE ? createdAt : undefined,
        dateWords: flags & HAS_WORDS ? dateWords : undefined,
        hash: nums[i * NUMS + 1]!,
        pinned: (flags & PINNED) !== 0,
        visibility: flags & SHAREABLE ? "shareable" : "private",
        importance: nums[i * NUMS + 2]!,
        source: flags & HAS_SOURCE ? source : null,
        meta: flags & HAS_META ? meta : null,
        redacted: (flags & REDACTED) !== 0,
        flagged: (flags & FLAGGED) !== 0,
        derived: NO_IDS,
        thread: flags & THREAD_NULL ? null : flags & THREAD_TEXT ? thread : undefined,
        gid,
      },
    };
  }
  return out;
}
