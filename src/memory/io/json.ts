/** The stable JSON shape of a memory item (snake_case keys), used by --json output and export. */
import type { MemoryItem } from "../types.ts";

export interface MemoryItemJson {
  id: number;
  content: string;
  kind: string;
  tier: string;
  score?: number;
  created_at: string;
  recorded_at: string;
  last_used_at: string | null;
  use_count: number;
  importance: number;
  pinned: boolean;
  visibility: string;
  source: string | null;
  derived_from: number[];
  supersedes: number | null;
  superseded_by: number | null;
  redacted: boolean;
  meta: Record<string, unknown>;
  thread: string | null;
}

export function itemJson(item: MemoryItem & { score?: number }): MemoryItemJson {
  const out: MemoryItemJson = {
    id: item.id,
    content: item.content,
    kind: item.kind,
    tier: item.tier,
    created_at: item.createdAt,
    recorded_at: item.recordedAt,
    last_used_at: item.lastUsedAt,
    use_count: item.useCount,
    importance: item.importance,
    pinned: item.pinned,
    visibility: item.visibility,
    source: item.source,
    derived_from: item.derivedFrom,
    supersedes: item.supersedes,
    superseded_by: item.supersededBy,
    redacted: item.redacted,
    meta: item.meta,
    thread: item.thread,
  };
  if (item.score === undefined) return out;
  const { id, content, kind, tier, ...rest } = out;
  return { id, content, kind, tier, score: item.score, ...rest };
}

/** How deep an item's meta may nest (objects and arrays), and how large it may be as JSON. */
export const MAX_META_DEPTH = 32;
export const MAX_META_BYTES = 64 * 1024;

/**
 * Why a meta value cannot be stored, or undefined when it can. Walks without recursion, so a value nested
 * a hundred thousand levels deep is refused instead of overflowing the stack of every later reader.
 */
export function metaProblem(meta: unknown): string | undefined {
  const stack: { v: unknown; depth: number }[] = [{ v: meta, depth: 1 }];
  let nodes = 0;
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_META_DEPTH) return `meta is nested more than ${MAX_META_DEPTH} levels deep (the limit)`;
    // Every object or array is at least two bytes of JSON: this many is over the size limit already.
    if (++nodes > MAX_META_BYTES / 2) return `meta is larger than ${MAX_META_BYTES / 1024} KiB as JSON (the limit)`;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push({ v: child, depth: depth + 1 });
  }
  const bytes = Buffer.byteLength(JSON.stringify(meta) ?? "", "utf8");
  if (bytes > MAX_META_BYTES) return `meta is ${Math.ceil(bytes / 1024)} KiB as JSON (at most ${MAX_META_BYTES / 1024} KiB)`;
  return undefined;
}
