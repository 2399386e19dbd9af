/** The shapes of the memory store: items, what goes in, what comes out, and the store's interface. */
import type { Audience, Visibility } from "../kernel/privacy.ts";
import type { Database } from "../kernel/storage/index.ts";

export type MemoryKind = "fact" | "preference" | "event" | "episode" | "note" | "action";
export type MemoryTier = "hot" | "warm" | "cold";
export type MemoryVisibility = Visibility;
export const MEMORY_KINDS: readonly MemoryKind[] = ["fact", "preference", "event", "episode", "note", "action"];
export const MEMORY_TIERS: readonly MemoryTier[] = ["hot", "warm", "cold"];

export interface MemoryItem {
  id: number;
  content: string;
  kind: MemoryKind;
  tier: MemoryTier;
  createdAt: string;
  recordedAt: string;
  lastUsedAt: string | null;
  useCount: number;
  importance: number;
  pinned: boolean;
  visibility: MemoryVisibility;
  source: string | null;
  derivedFrom: number[];
  supersedes: number | null;
  supersededBy: number | null;
  redacted: boolean;
  meta: Record<string, unknown>;
  /** The conversation it is a turn of (a chat session, a transcript, an imported file), or null. */
  thread: string | null;
}

export interface RememberInput {
  content: string;
  kind?: MemoryKind;
  pinned?: boolean;
  visibility?: MemoryVisibility;
  source?: string | null;
  createdAt?: string | Date;
  derivedFrom?: number[];
  supersedes?: number;
  importance?: number;
  meta?: Record<string, unknown>;
  /** Already redacted upstream (an export being re-imported): keeps the flag. */
  redacted?: boolean;
  /** The conversation it is a turn of: consecutive turns of one thread are searched together (threads.ts). */
  thread?: string | null;
  /** Its global id (sync: the id it has on every device); a new UUIDv7 when not given. */
  gid?: string;
}

/**
 * An item ready to be stored: checked, its secrets redacted out of every field, its hash and date words computed.
 * Making one needs no database (prepareInput), so it can be done before the transaction, or on another thread.
 */
export interface Prepared {
  /** The text, trimmed and redacted. */
  content: string;
  kind: MemoryKind;
  /** ISO 8601; undefined: the time it is stored. */
  createdAt?: string;
  /** dateWords(createdAt), when createdAt is given. */
  dateWords?: string;
  hash: number;
  pinned: boolean;
  visibility: MemoryVisibility;
  importance: number;
  /** The source, redacted. */
  source: string | null;
  /** The meta as stored (JSON, redacted, with the kinds of secrets redacted from the content), or null. */
  meta: string | null;
  /** Secrets were redacted from the content. */
  redacted: boolean;
  /** Stored as redacted: redacted here or upstream. */
  flagged: boolean;
  derived: readonly number[];
  supersedes?: number;
  thread?: string | null;
  /** Its global id: the input's, or a new UUIDv7. */
  gid: string;
}

/**
 * How a batch of inserts deals with duplicates: merged (by default) or not looked for; `known`: see KnownHashes.
 * `bulk`: when the store is empty, its items are written without memory_items' indexes, built once at the end
 * (write.ts, dropIndexes): for an import.
 */
export interface BatchOptions {
  dedup?: boolean;
  known?: KnownHashes;
  bulk?: boolean;
}

/** See MemoryStore.openBatch. */
export interface BatchWriter {
  /** Inserts one item (or merges it into its duplicate); a throw leaves the batch open, for abort(). */
  add(item: Prepared): void;
  /** Commits the batch. */
  end(): RememberManyResult;
  /** Rolls the batch back (nothing when it is over). */
  abort(): void;
}

export interface RememberResult {
  item: MemoryItem;
  merged: boolean;
  redacted: boolean;
}

export interface RememberManyResult {
  added: number;
  merged: number;
  redacted: number;
  ids: number[];
}

export interface SearchOptions {
  limit?: number;
  tier?: MemoryTier;
  kind?: MemoryKind;
  /** Only items of these kinds (with `kind`, both must hold). */
  kinds?: readonly MemoryKind[];
  /** Only items of these visibilities. */
  visibilities?: readonly MemoryVisibility[];
  since?: string;
  audience?: Audience;
  includeSuperseded?: boolean;
  queryEmbedding?: number[];
  /** The model that made `queryEmbedding`: only vectors of that model (and dimension) are compared. */
  embeddingModel?: string;
  /** Require every query term (AND) instead of ranking items that have any of them (OR). */
  all?: boolean;
}

export type SearchHit = MemoryItem & { score: number };

export interface ListOptions {
  tier?: MemoryTier;
  kind?: MemoryKind;
  /** Only items of these kinds (with `kind`, both must hold). */
  kinds?: readonly MemoryKind[];
  /** Only items of these visibilities. */
  visibilities?: readonly MemoryVisibility[];
  limit?: number;
  offset?: number;
  audience?: Audience;
  includeSuperseded?: boolean;
  pinned?: boolean;
  /** Newest first (default) or oldest first (export). */
  order?: "newest" | "oldest";
}

export interface MemoryStats {
  total: number;
  active: number;
  superseded: number;
  pinned: number;
  redacted: number;
  embeddings: number;
  byTier: Record<MemoryTier, number>;
  byKind: Record<MemoryKind, number>;
  oldest: string | null;
  newest: string | null;
  dbBytes: number;
  walBytes: number;
}

export interface MaintainResult {
  /** Moves into and out of hot, by kind ("hot->warm", "hot->cold", "warm->hot", "cold->hot"); warm ↔ cold is derived, never moved. */
  moved: Record<string, number>;
  total: number;
  /** Items per tier at the time maintain ran (warm and cold derived from it). */
  byTier: Record<MemoryTier, number>;
  ms: number;
}

export interface MemoryHistory {
  item: MemoryItem;
  /** Tier moves, oldest first: the stored ones, then the move to cold it made by itself since, if any (derived). */
  tiers: { at: string; from: MemoryTier; to: MemoryTier }[];
  /** Older versions this item replaced, newest first. */
  supersedes: MemoryItem[];
  /** Newer versions that replaced it, oldest first. */
  supersededBy: MemoryItem[];
  derivedFrom: MemoryItem[];
  derived: MemoryItem[];
}

export interface MemoryStore {
  readonly db: Database;
  remember(input: RememberInput): RememberResult;
  /** `known`: kept by the caller across calls (an import), so that most items need no lookup of their hash. */
  rememberMany(inputs: RememberInput[], opts?: BatchOptions): RememberManyResult;
  /** rememberMany for items already prepared (prepare.ts prepareInput, which needs no database). */
  rememberPrepared(items: Prepared[], opts?: BatchOptions): RememberManyResult;
  /**
   * A batch written as its items come (an import, while its lines are still being read): one transaction, open from
   * openBatch to end() (which commits it) or abort(). Nothing else may use the connection meanwhile.
   */
  openBatch(opts?: BatchOptions): BatchWriter;
  search(query: string, opts?: SearchOptions): SearchHit[];
  get(id: number): MemoryItem | undefined;
  list(opts?: ListOptions): MemoryItem[];
  /** How many items list() would give without its limit and offset. */
  count(opts?: ListOptions): number;
  /** Iterates every item in id order (export). */
  iterate(opts?: { includeSuperseded?: boolean }): IterableIterator<MemoryItem>;
  hot(opts?: { audience?: Audience; limit?: number }): MemoryItem[];
  /**
   * Current items that happened within [from, to): actions and events first, then the rest, newest first
   * within each (at most `limit`, default 20).
   */
  between(from: string | Date, to: string | Date, opts?: { audience?: Audience; limit?: number }): MemoryItem[];
  touch(ids: number[]): void;
  /**
   * Corrects an item: a new item supersedes it, with the new text (or the same) and the old item's date, kind,
   * visibility, pin, source and agents mark unless `changes` gives others.
   */
  edit(id: number, content: string | undefined, changes?: { createdAt?: string | Date; kind?: MemoryKind; visibility?: MemoryVisibility }): MemoryItem;
  /** Marks items for agents files (`pai export agents`) or removes the mark, all or none; nothing else changes. */
  setForAgents(ids: number[], on: boolean): MemoryItem[];
  /** Current items chosen for agents files: pinned or marked, pinned first, then newest first. */
  forAgents(opts?: { audience?: Audience; limit?: number }): MemoryItem[];
  pin(id: number, pinned: boolean): MemoryItem;
  /**
   * Marks items private (never sent to a cloud model) or shareable, all or none (an unknown id changes
   * nothing); their tiers and dates are left alone.
   */
  setVisibility(ids: number[], visibility: MemoryVisibility): MemoryItem[];
  forget(ids: number[]): number;
  stats(): MemoryStats;
  maintain(opts?: { now?: Date }): MaintainResult;
  history(id: number): MemoryHistory;
  setEmbedding(id: number, vector: number[], model: string): void;
  /** Stores a batch of embeddings in one transaction; items deleted meanwhile are skipped. Returns how many were stored. */
  setEmbeddings(rows: { id: number; vector: number[]; model: string }[]): number;
  /**
   * Current items lacking a vector of `model` (none, or one of another model), in id order after `afterId`;
   * for a cloud audience shareable items only.
   */
  embeddingBacklog(opts: { model: string; afterId?: number; limit: number; audience?: Audience }): { id: number; content: string }[];
  /** How many current items have a vector of `model`, of another model, or lack one of `model` (index counts). */
  embeddingCounts(model: string): EmbeddingCounts;
  /** Whether sqlite-vec is loaded for vector search (loading it if need be), and why not: search works either way. */
  vectorStatus(): VectorStatus;
  consolidate(summarize: (items: MemoryItem[], period: { from: string; to: string }) => Promise<string>, opts?: { maxPeriods?: number; maxItemsPerSummary?: number }): Promise<number>;
  /** Re-tiers at most `limit` items per step through indexed queries (runs after every write). */
  retier(limit?: number): number;
}

export interface EmbeddingCounts {
  /** Current (not superseded) items. */
  items: number;
  /** Current items with a vector of the model. */
  embedded: number;
  /** Current items whose vector is of another model. */
  otherModels: number;
  /** Current items lacking a vector of the model. */
  pending: number;
}

/** sqlite-vec loaded (the coarse vector pass runs in SQLite), or why not (it runs in JavaScript). */
export type VectorStatus = { available: true } | { available: false; reason: string; notice: string };

export interface OpenMemoryOptions {
  /** The clock (tests and benchmarks move it). */
  now?: () => Date;
}

/**
 * What a run of rememberMany calls (an import) knows of the hashes in the store. While `complete`, every current
 * item's hash is in `hashes` (which may hold more: a hash there is looked up in the store, one missing is new).
 * It is complete when the run started on an empty store, until another connection writes (PRAGMA data_version).
 */
export interface KnownHashes {
  complete?: boolean;
  hashes: Set<number>;
  dataVersion?: number;
}

