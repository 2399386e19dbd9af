/** The stable JSON shape of a memory item (snake_case keys), used by --json output and export. */
import type { MemoryItem } from "./store.ts";

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
  };
  if (item.score === undefined) return out;
  const { id, content, kind, tier, ...rest } = out;
  return { id, content, kind, tier, score: item.score, ...rest };
}
