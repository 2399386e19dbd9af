/** Writing one item (made ready by prepare.ts): duplicate merging, its tier, index and provenance rows. */
import { UserError } from "../kernel/errors.ts";
import { M_COLS, type Ctx, type Cuts, type Row } from "./rows.ts";
import { prepareInput } from "./prepare.ts";
import { bigrams, dateWords, jaccard, matchExpression, queryTerms } from "./text.ts";
import { countInserted, countLater, flushCounts, pendingCounts, type PendingCounts } from "./stats.ts";
import { noteTurn, placeItem, type LastTurns } from "./threads.ts";
import { mayBeHot, setTier } from "./tiers.ts";
import type { KnownHashes, Prepared, RememberInput } from "./types.ts";

/**
 * What a batch of inserts in one transaction keeps in memory instead of asking or writing the database per
 * item: the last turn of each thread, the next id, and the counts (see newBatch, writeHeld).
 */
export interface Batch {
  turns: LastTurns;
  /** The id the next inserted item gets (undefined: not read yet). */
  nextId?: number;
  counts: PendingCounts;
  /** The hashes known to be in the store, when every one is (see KnownHashes). */
  known?: Set<number>;
  /** nextId of this batch, made once. */
  idOf?: () => number;
  /**
   * Items inserted whose tier row and index entry are held (see flushRows): the first id of the run, then for each
   * item in id order whether it is hot (1 or 0) and its date words.
   */
  rowsFrom: number;
  hot: number[];
  words: string[];
  /** The statements of memory_items' indexes the batch dropped (dropIndexes), until restoreIndexes builds them. */
  dropped?: string[];
}

export function newBatch(): Batch {
  return { turns: { byThread: new Map() }, counts: pendingCounts(), rowsFrom: 0, hot: [], words: [] };
}

/**
 * Writes what the batch holds back (tier rows, index entries, counts) and builds the indexes it dropped: at its end
 * (inside its transaction, after its last insert), and before anything in it reads or moves what it holds (a merge,
 * a supersede, a near-duplicate search).
 */
export function writeHeld(ctx: Ctx, b: Batch): void {
  flushRows(ctx, b);
  flushCounts(ctx.db, b.counts);
  restoreIndexes(ctx, b);
}

/**
 * Bulk mode, for a batch into an empty store (an import's first): memory_items' indexes are dropped, the items
 * inserted without them, and each index built once at the end from all its rows (restoreIndexes), which costs less
 * than as many inserts into it in the order of the hashes and dates (an import of 10k items some 7 % quicker).
 * All inside the batch's transaction: a failure or a kill leaves them as they were. The store being empty, a thread
 * the batch has not seen has no turn yet (LastTurns.emptyBefore): nothing is looked up meanwhile.
 */
export function dropIndexes({ db }: Ctx, b: Batch): void {
  const indexes = db
    .prepare<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'memory_items' AND sql IS NOT NULL")
    .all();
  for (const { name } of indexes) db.exec(`DROP INDEX "${name.replace(/"/g, '""')}"`);
  b.dropped = indexes.map((i) => i.sql);
  b.turns.emptyBefore = true;
}

/** Builds again the indexes dropIndexes dropped: before anything in the batch reads through one, and at its end. */
export function restoreIndexes({ db }: Ctx, b: Batch): void {
  if (!b.dropped) return;
  const dropped = b.dropped;
  b.dropped = undefined;
  for (const sql of dropped) db.exec(sql);
}

/**
 * Writes the held tier rows and index entries of a batch: one statement each for the run of items, where writing
 * them one by one costs a call into SQLite per row (at 10k items some 10 % of an import). Called before anything in
 * the batch reads or changes a tier row or the index (a merge, a supersede), and at its end.
 */
export function flushRows({ q }: Ctx, b: Batch): void {
  if (!b.words.length) return;
  q.insertTierRun.run({ from: b.rowsFrom, hot: Buffer.from(b.hot) });
  q.insertFtsRun.run({ from: b.rowsFrom, words: JSON.stringify(b.words) });
  b.hot = [];
  b.words = [];
}

/** Holds the tier row and index entry of an item the batch inserted, to be written by flushRows with its run. */
function holdRows(ctx: Ctx, b: Batch, id: number, hot: boolean, words: string): void {
  if (b.words.length && id !== b.rowsFrom + b.words.length) flushRows(ctx, b);
  if (!b.words.length) b.rowsFrom = id;
  b.hot.push(hot ? 1 : 0);
  b.words.push(words);
}

/**
 * Inserts one item (inside the caller's transaction). Returns the row id and whether it merged. With `batch`,
 * a batch of inserts in the same transaction: what it holds is written by writeHeld.
 */
export function insertOne(ctx: Ctx, input: RememberInput, c: Cuts, dedup: "exact" | "near" | "none", batch?: Batch): { id: number; merged: boolean; redacted: boolean } {
  return insertPrepared(ctx, prepareInput(input), c, dedup, batch);
}

/** insertOne for an item already prepared (prepareInput). */
export function insertPrepared(ctx: Ctx, p: Prepared, c: Cuts, dedup: "exact" | "near" | "none", batch?: Batch): { id: number; merged: boolean; redacted: boolean } {
  const { q } = ctx;
  const { content, kind, pinned, hash } = p;
  const createdAt = p.createdAt ?? c.now;
  if (dedup !== "none" && p.supersedes === undefined) {
    const surelyNew = batch?.known && !batch.known.has(hash);
    // A lookup reads through the hash index: one the batch dropped is built first.
    if (!surelyNew && batch) restoreIndexes(ctx, batch);
    let existing = surelyNew ? undefined : q.byHash.get(hash);
    if (!existing && dedup === "near") {
      // It searches the full-text index: what the batch holds is written first.
      if (batch) writeHeld(ctx, batch);
      existing = nearDuplicate(ctx, content);
    }
    if (existing) {
      // The merge moves the item's counts (triggers) and may change a tier row the batch holds: written first.
      if (batch) writeHeld(ctx, batch);
      const at = createdAt > c.now ? c.now : createdAt;
      q.merge.run({ at, pin: pinned ? 1 : 0, id: existing.id });
      const active = existing.active_at < at ? at : existing.active_at;
      // Seeing it again warms it (a cold item whose new date is within the warm window is warm by that date);
      // bookkeeping stays out of the hot set unless pinned.
      const keepPinned = pinned || existing.pinned === 1;
      setTier(ctx, existing.id, keepPinned || (mayBeHot(existing.kind, false) && (existing.hot === 1 || active >= c.hot)), c);
      // Provenance: remember the other sources the same memory came from (bounded).
      const src = p.source;
      if (src && src !== existing.source) {
        const meta = existing.meta ? (JSON.parse(existing.meta) as Record<string, unknown>) : {};
        const also = Array.isArray(meta.alsoFrom) ? (meta.alsoFrom as string[]) : [];
        if (!also.includes(src) && also.length < 50) {
          meta.alsoFrom = [...also, src];
          q.setMeta.run(JSON.stringify(meta), existing.id);
        }
      }
      return { id: existing.id, merged: true, redacted: p.redacted };
    }
  }
  const { visibility, derived } = p;
  const activeAt = createdAt > c.now ? c.now : createdAt;
  const place = placeItem(ctx, p.thread, kind, createdAt, visibility, batch ? (batch.idOf ??= () => nextId(ctx, batch)) : () => nextId(ctx), batch?.turns);
  // Recent items start hot, except bookkeeping (never hot unless pinned; see tiers.ts).
  const hot = pinned || (mayBeHot(kind, false) && activeAt >= c.hot);
  const { lastInsertRowid: id } = q.insert.run(
    content,
    kind,
    createdAt,
    c.now,
    activeAt,
    p.importance,
    pinned ? 1 : 0,
    visibility,
    p.source,
    derived.length ? JSON.stringify(derived) : null,
    p.supersedes ?? null,
    p.flagged ? 1 : 0,
    p.meta,
    hash,
    place.thread,
    place.session,
    place.follows,
    p.gid,
  );
  const words = p.dateWords ?? dateWords(createdAt);
  if (batch) {
    holdRows(ctx, batch, id, hot, words);
    countLater(batch.counts, kind, pinned, p.flagged, hot, activeAt);
    batch.nextId = id + 1;
    noteTurn(batch.turns, place, { id, kind, createdAt, visibility, content });
    batch.known?.add(hash);
  } else {
    q.insertTier.run(id, hot ? 1 : 0, activeAt, pinned ? 1 : 0, kind);
    countInserted(ctx.db, { kind, pinned, redacted: p.flagged, hot, activeAt });
    q.insertFts.run(id, content, words, place.around);
  }
  for (const from of derived) q.insertLink.run(id, from);
  if (p.supersedes !== undefined) {
    // The replaced item's tier changes (triggers move its counts), and it may be held by the batch: what the batch
    // holds is written first.
    if (batch) writeHeld(ctx, batch);
    const old = q.get.get(p.supersedes);
    if (!old) throw new UserError(`no memory item ${p.supersedes} to supersede`);
    q.supersede.run(id, p.supersedes);
    // A replaced item is never hot.
    setTier(ctx, p.supersedes, false, c);
  }
  return { id, merged: false, redacted: p.redacted };
}

/** Whether the store holds no item (knownHashes, and a bulk batch: dropIndexes). */
export function storeEmpty(db: Ctx["db"]): boolean {
  return !db.prepare("SELECT 1 FROM memory_items LIMIT 1").get();
}

/** The most hashes an import keeps in memory (some 50 MB); past them, each item's hash is looked up. */
const KNOWN_HASHES_MAX = 1_000_000;

/**
 * The hashes a batch may trust (inside its transaction): those of `known` while it is complete. It becomes complete
 * on an empty store, and stops being so for good once another connection has written or the hashes reach
 * KNOWN_HASHES_MAX (the batch then looks every hash up in the store).
 */
export function knownHashes(db: Ctx["db"], known: KnownHashes): Set<number> | undefined {
  const version = db.prepare<{ data_version: number }>("PRAGMA data_version").get()!.data_version;
  if (known.complete === undefined) known.complete = storeEmpty(db);
  else if (known.complete && (version !== known.dataVersion || known.hashes.size >= KNOWN_HASHES_MAX)) known.complete = false;
  known.dataVersion = version;
  if (!known.complete) known.hashes.clear();
  return known.complete ? known.hashes : undefined;
}

/** An existing item whose text is nearly the same (word-bigram Jaccard ≥ 0.85 among the best FTS matches). */
function nearDuplicate({ db }: Ctx, content: string): Row | undefined {
  const terms = queryTerms(content, 24);
  if (terms.length < 3) return undefined;
  const rows = db
    .prepare<Row>(
      `SELECT ${M_COLS} FROM memory_fts f JOIN memory_items m ON m.id = f.rowid
       WHERE memory_fts MATCH ? AND m.superseded_by IS NULL ORDER BY bm25(memory_fts) LIMIT 5`,
    )
    .all(matchExpression(terms, "AND"));
  const mine = bigrams(content);
  return rows.find((r) => jaccard(mine, bigrams(r.content)) >= 0.85);
}

/** The id SQLite gives the next inserted item (an INTEGER PRIMARY KEY without AUTOINCREMENT: the largest, plus one). */
function nextId({ q }: Ctx, batch?: Batch): number {
  if (batch?.nextId !== undefined) return batch.nextId;
  return (q.nextId.get()?.n ?? 0) + 1;
}
