/**
 * Memory: the public surface. Items in SQLite with automatic hot/warm/cold tiers, hybrid search, provenance,
 * secret redaction and hard deletion. Others import from here only.
 */
export { openMemory, FOR_AGENTS } from "./store.ts";
export { isoDate, toIso } from "./dates.ts";
export {
  MEMORY_KINDS,
  MEMORY_TIERS,
  type MemoryKind,
  type MemoryTier,
  type MemoryVisibility,
  type MemoryItem,
  type MemoryStore,
  type MemoryStats,
  type MemoryHistory,
  type MaintainResult,
  type RememberInput,
  type RememberResult,
  type RememberManyResult,
  type SearchOptions,
  type SearchHit,
  type ListOptions,
  type OpenMemoryOptions,
} from "./types.ts";
export { redactSecrets, type RedactResult } from "../kernel/redact.ts";
export { itemJson, type MemoryItemJson } from "./io/json.ts";
export { countItems, latestEpisodeId, memoryCounts } from "./queries.ts";
