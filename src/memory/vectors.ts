/**
 * Embeddings: storing items' vectors (32-bit floats with their model, the source of truth, and their sign
 * bits beside them), the backlog of current items an embed model has not embedded, and the nearest
 * neighbours of a query's vector for search.
 *
 * Nearest neighbours take two passes. The coarse pass ranks every stored vector of the query's model and
 * dimension by the Hamming distance between its sign bits and the query's: over the bits a connection holds
 * in memory from its second vector search on (bits.ts), else in SQL with sqlite-vec's vec_distance_hamming,
 * else by a popcount in JavaScript (sqlite-vec missing, failing to load, or `PAI_SQLITE_VEC=off`). The best
 * few hundred are then re-ranked by the cosine of their float vectors. The filters of the search (audience,
 * tier, kind, since, superseded) are applied to the coarse pass's best; when too few of those pass, sixteen
 * times as many, then the nearest among the filtered items only.
 */
import { UserError } from "../kernel/errors.ts";
import type { Audience } from "../kernel/privacy.ts";
import { vectorSupport } from "../kernel/storage/index.ts";
import { floatsOf, nearestResident, POP8, resident, signBits, smallest, type Where } from "./bits.ts";
import { mustGet, type Candidate, type Ctx } from "./rows.ts";
import { maintainedEmbeddingCounts } from "./stats.ts";
import type { EmbeddingCounts, VectorStatus } from "./types.ts";

/** At least this many of the coarse pass's best are re-ranked by their float vectors (four times the 60 a search takes). */
const RERANK = 240;

function checked(vector: number[], model: string): Float32Array {
  if (!Array.isArray(vector) || !vector.length || vector.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
    throw new UserError("an embedding must be a non-empty list of numbers");
  }
  if (typeof model !== "string" || !model.trim()) throw new UserError("an embedding needs the name of the model that made it");
  return Float32Array.from(vector);
}

/** Writes one vector and its sign bits (the caller holds the transaction). */
function write(ctx: Ctx, id: number, f: Float32Array, model: string): void {
  const { db } = ctx;
  db.prepare("INSERT OR REPLACE INTO memory_embeddings (item_id, model, dim, vector) VALUES (?, ?, ?, ?)").run(
    id,
    model,
    f.length,
    new Uint8Array(f.buffer, f.byteOffset, f.byteLength),
  );
  // Deleted then inserted, not INSERT OR REPLACE: an outer OR REPLACE would also rule the statements of the
  // triggers that keep memory_counts (their OR IGNORE turning into OR REPLACE, which resets a count). The
  // inserted row takes a new seq, which is how resident bits learn of it.
  db.prepare("DELETE FROM memory_embedding_bits WHERE item_id = ?").run(id);
  db.prepare(
    `INSERT INTO memory_embedding_bits (item_id, model, dim, current, bits)
     VALUES (?, ?, ?, (SELECT superseded_by IS NULL FROM memory_items WHERE id = ?), ?)`,
  ).run(id, model, f.length, id, signBits(f));
}

/** Stores (or replaces) an item's embedding; an unknown id is a UserError. */
export function setEmbedding(ctx: Ctx, id: number, vector: number[], model: string): void {
  mustGet(ctx, id);
  const f = checked(vector, model);
  ctx.db.transaction(() => write(ctx, id, f, model));
}

/**
 * Stores a batch of embeddings in one transaction; returns how many were stored. Items deleted since the
 * batch was read are skipped; a malformed vector rejects the whole batch before anything is written.
 */
export function setEmbeddings(ctx: Ctx, rows: { id: number; vector: number[]; model: string }[]): number {
  const list = rows.map((r) => ({ id: r.id, f: checked(r.vector, r.model), model: r.model }));
  const exists = ctx.db.prepare<{ n: number }>("SELECT 1 AS n FROM memory_tiers WHERE item_id = ?");
  let stored = 0;
  ctx.db.transaction(() => {
    for (const r of list) {
      if (!exists.get(r.id)) continue;
      write(ctx, r.id, r.f, r.model);
      stored++;
    }
  });
  return stored;
}

/**
 * Current items with no vector of `model` (none, or one of another model), in id order after `afterId`, at
 * most `limit`. For a cloud audience, shareable items only: a cloud backend never embeds a private item.
 */
export function embeddingBacklog(ctx: Ctx, opts: { model: string; afterId?: number; limit: number; audience?: Audience }): { id: number; content: string }[] {
  const cloud = opts.audience === "cloud" ? " AND m.visibility = 'shareable'" : "";
  // The narrow tier table leads (CROSS JOIN fixes the order): a store embedded up to date is walked through
  // its tier rows and the bits' primary key, not through the items' pages.
  return ctx.db
    .prepare<{ id: number; content: string }>(
      `SELECT m.id, m.content FROM memory_tiers t CROSS JOIN memory_items m ON m.id = t.item_id
       WHERE t.item_id > ? AND t.current = 1
         AND NOT EXISTS (SELECT 1 FROM memory_embedding_bits b WHERE b.item_id = t.item_id AND b.model = ?)${cloud}
       ORDER BY t.item_id LIMIT ?`,
    )
    .all(Math.max(0, Math.floor(opts.afterId ?? 0)), opts.model, Math.max(0, Math.floor(opts.limit)));
}

/** Current items, and how many of them have a vector of `model`, of another model, or none of `model` (from the counts kept by stats.ts). */
export function embeddingCounts(ctx: Ctx, model: string): EmbeddingCounts {
  return maintainedEmbeddingCounts(ctx.db, model);
}

/** Whether the coarse pass runs in SQLite (sqlite-vec loaded) or here, and why not. Loads the extension. */
export function vectorStatus(ctx: Ctx): VectorStatus {
  const s = vectorSupport(ctx.db);
  return s.available ? { available: true } : { available: false, reason: s.reason, notice: `vectors unavailable: ${s.reason}` };
}

/**
 * The `k` items whose sign bits are nearest `qbits`, among the vectors `same` selects (and the filters `f`):
 * from the bits kept in memory when this connection has them (see `resident`), else in SQL with sqlite-vec,
 * else by a popcount here over the rows as they are read.
 */
function coarse(ctx: Ctx, qbits: Uint8Array, same: Where, f: Where | undefined, k: number): number[] {
  const { db } = ctx;
  if (!f) {
    const r = resident(ctx, same, qbits.length);
    if (r) return nearestResident(r, qbits, k);
  }
  // Every row is read either way: in table order, not through the model's index (which would also sort).
  const from = `memory_embedding_bits b${f ? " JOIN memory_items m ON m.id = b.item_id" : " NOT INDEXED"} WHERE ${same.sql}${f ? f.sql : ""}`;
  const params = [...same.params, ...(f ? f.params : [])];
  if (vectorSupport(db).available) {
    try {
      return db
        .prepare<{ item_id: number }>(`SELECT b.item_id FROM ${from} ORDER BY vec_distance_hamming(vec_bit(b.bits), vec_bit(?)) LIMIT ?`)
        .all(...params, qbits, k)
        .map((r) => r.item_id);
    } catch {
      // Counted here instead.
    }
  }
  const ids: number[] = [];
  const dists: number[] = [];
  for (const r of db.prepare<{ item_id: number; bits: Uint8Array }>(`SELECT b.item_id, b.bits FROM ${from}`).iterate(...params)) {
    const b = r.bits;
    let d = 0;
    for (let i = 0; i < qbits.length; i++) d += POP8[b[i]! ^ qbits[i]!]!;
    ids.push(r.item_id);
    dists.push(d);
  }
  return smallest(ids, dists, ids.length, qbits.length * 8, k);
}

/**
 * Adds the cosine similarity (`vec`) of the items nearest the query's embedding to the candidates, loading
 * those not among them yet, and sets it on every candidate that has a comparable vector. Only vectors of the
 * query's dimension and of `model` are compared (of any model when `model` is undefined); `f` are the
 * search's filters (memory_items as `m`).
 */
export function addVectorScores(
  ctx: Ctx,
  cand: Map<number, Candidate>,
  queryEmbedding: number[] | undefined,
  f: Where,
  limit: number,
  model?: string,
): void {
  if (!queryEmbedding || !queryEmbedding.length) return;
  const { db, q } = ctx;
  const qv = Float32Array.from(queryEmbedding);
  const qn = norm(qv);
  if (!(qn > 0 && Number.isFinite(qn))) return;
  const want = Math.max(limit * 4, 60);
  const k = Math.max(RERANK, want * 4);
  const qbits = signBits(qv);
  const same: Where = model === undefined ? { sql: "b.dim = ?", params: [qv.length] } : { sql: "b.model = ? AND b.dim = ?", params: [model, qv.length] };
  // The ids that pass the filters, in the order given.
  const pass = (ids: number[]) => {
    const ok = new Set(
      db
        .prepare<{ id: number }>(`SELECT m.id FROM memory_items m WHERE m.id IN (SELECT value FROM json_each(?))${f.sql}`)
        .all(JSON.stringify(ids), ...f.params)
        .map((r) => r.id),
    );
    return ids.filter((id) => ok.has(id));
  };
  let near = coarse(ctx, qbits, same, undefined, k);
  if (f.sql && near.length) {
    const all = near.length;
    near = pass(near);
    // Too few of the nearest pass the filters: sixteen times as many, then the nearest among the filtered
    // items (exact, and slower: every vector's item is read).
    if (near.length < want && all >= k) {
      const wide = coarse(ctx, qbits, same, undefined, k * 16);
      near = pass(wide).slice(0, k);
      if (near.length < want && wide.length >= k * 16) near = coarse(ctx, qbits, same, f, k);
    }
  }
  const passed = new Set(near);
  const ids = [...new Set([...near, ...cand.keys()])];
  if (!ids.length) return;
  const rows = db
    .prepare<{ item_id: number; vector: Uint8Array }>(
      `SELECT item_id, vector FROM memory_embeddings WHERE item_id IN (SELECT value FROM json_each(?)) AND dim = ?${model === undefined ? "" : " AND model = ?"}`,
    )
    .all(JSON.stringify(ids), qv.length, ...(model === undefined ? [] : [model]));
  const sims = rows.map((r) => {
    const v = floatsOf(r.vector);
    return { id: r.item_id, s: dot(qv, v) / (qn * norm(v) || 1) };
  });
  sims.sort((a, b) => b.s - a.s || a.id - b.id);
  for (const { id, s } of sims.slice(0, want)) {
    if (cand.has(id) || !passed.has(id)) continue;
    const row = q.get.get(id);
    if (row) cand.set(id, { row, rel: 0, vec: s });
  }
  for (const { id, s } of sims) {
    const c = cand.get(id);
    if (c) c.vec = s;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}
