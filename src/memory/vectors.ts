/**
 * Embeddings: storing items' vectors (32-bit floats with their model, the source of truth, and their sign
 * bits beside them), the backlog of current items an embed model has not embedded, and the nearest
 * neighbours of a query's vector for search.
 *
 * Nearest neighbours take two passes. The coarse pass ranks every stored vector of the query's model and
 * dimension by the Hamming distance between its sign bits and the query's (sqlite-vec's vec_distance_hamming
 * in SQL when the extension loads, a popcount here otherwise: `PAI_SQLITE_VEC=off` forces that); the best
 * few hundred are then re-ranked by the cosine of their float vectors. The filters of the search (audience,
 * tier, kind, since, superseded) are applied to the coarse pass's best; when too few of those pass, the
 * coarse pass runs again within the filtered items only.
 */
import { UserError } from "../kernel/errors.ts";
import type { Audience } from "../kernel/privacy.ts";
import { vectorSupport, type SqlValue } from "../kernel/storage/index.ts";
import { mustGet, type Candidate, type Ctx } from "./rows.ts";
import type { EmbeddingCounts, VectorStatus } from "./types.ts";

/** At least this many of the coarse pass's best are re-ranked by their float vectors (four times the 60 a search takes). */
const RERANK = 240;

/** The floats of a stored vector (a driver may hand back a view at an offset that is not a multiple of 4: copied then). */
export function floatsOf(blob: Uint8Array): Float32Array {
  const bytes = blob.byteOffset % 4 === 0 ? blob : new Uint8Array(blob);
  return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
}

/** Sign bits, as vec_quantize_binary gives them: bit i (of byte i / 8, from the low end) set when component i is positive. */
export function signBits(v: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(v.length / 8));
  for (let i = 0; i < v.length; i++) if (v[i]! > 0) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

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

/** Current items, and how many of them have a vector of `model`, of another model, or none of `model`. */
export function embeddingCounts(ctx: Ctx, model: string): EmbeddingCounts {
  const r = ctx.db
    .prepare<{ items: number; embedded: number; other: number }>(
      `SELECT (SELECT count(*) FROM memory_tiers WHERE current = 1) AS items,
         (SELECT count(*) FROM memory_embedding_bits WHERE model = ? AND current = 1) AS embedded,
         (SELECT count(*) FROM memory_embedding_bits WHERE model <> ? AND current = 1) AS other`,
    )
    .get(model, model)!;
  return { items: r.items, embedded: r.embedded, otherModels: r.other, pending: Math.max(0, r.items - r.embedded) };
}

/** Whether the coarse pass runs in SQLite (sqlite-vec loaded) or here, and why not. Loads the extension. */
export function vectorStatus(ctx: Ctx): VectorStatus {
  const s = vectorSupport(ctx.db);
  return s.available ? { available: true } : { available: false, reason: s.reason, notice: `vectors unavailable: ${s.reason}` };
}

type Where = { sql: string; params: SqlValue[] };

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

/** The ids of the `k` smallest distances, nearest first, through a histogram of distances. */
function smallest(ids: ArrayLike<number>, dists: ArrayLike<number>, n: number, maxDist: number, k: number): number[] {
  return smallestAt(dists, n, maxDist, k).map((i) => ids[i]!);
}

/** The positions of the `k` smallest distances, nearest first. */
function smallestAt(dists: ArrayLike<number>, n: number, maxDist: number, k: number): number[] {
  const hist = new Int32Array(maxDist + 1);
  for (let i = 0; i < n; i++) hist[dists[i]!]!++;
  let cut = 0;
  for (let acc = 0; cut < hist.length && acc + hist[cut]! < k; cut++) acc += hist[cut]!;
  const pick: number[] = [];
  for (let i = 0; i < n; i++) if (dists[i]! < cut) pick.push(i);
  for (let i = 0; i < n && pick.length < k; i++) if (dists[i] === cut) pick.push(i);
  return pick.sort((a, b) => dists[a]! - dists[b]! || a - b);
}

const POP8 = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let x = i; x; x >>= 1) n += x & 1;
  return n;
});

/**
 * The sign bits of one selection (model and dimension) held in memory by a connection, as 32-bit words.
 * Valid while nothing was written (PRAGMA data_version for other connections, total_changes() for this
 * one); after a write, the rows with a higher `seq` (written or replaced since) are appended. Rows deleted or
 * replaced since leave stale entries (counted from the table's count): a stale entry costs recall at most,
 * never correctness, as the re-rank reads the float vectors, their model and the filters from the database;
 * once they are an eighth of what is held, everything is read again.
 */
interface Resident {
  words: number;
  n: number;
  ids: Int32Array;
  bits: Uint32Array;
  seq: number;
  total: number;
  stale: number;
  sig: string;
}

const residents = new WeakMap<object, Map<string, Resident | number>>();

/**
 * The bits of `same` in memory, or undefined: a connection keeps them from its second vector search on (a
 * one-off search is cheaper in SQL than reading every row), or from the first when sqlite-vec is unavailable.
 */
function resident(ctx: Ctx, same: Where, bytes: number): Resident | undefined {
  const { db } = ctx;
  let byKey = residents.get(db);
  if (!byKey) residents.set(db, (byKey = new Map()));
  const key = JSON.stringify(same.params);
  const held = byKey.get(key);
  if (held === undefined && vectorSupport(db).available) {
    byKey.set(key, 1);
    return undefined;
  }
  const dv = db.prepare<{ data_version: number }>("PRAGMA data_version").get()!.data_version;
  const tc = db.prepare<{ t: number }>("SELECT total_changes() AS t").get()!.t;
  const sig = `${dv}:${tc}`;
  let r = typeof held === "object" ? held : undefined;
  if (r && r.sig === sig) return r;
  const now = db.prepare<{ n: number; s: number }>("SELECT count(*) AS n, coalesce(max(seq), 0) AS s FROM memory_embedding_bits").get()!;
  const words = Math.ceil(bytes / 4);
  if (r && r.words === words) {
    const added = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_embedding_bits WHERE seq > ?").get(r.seq)!.n;
    const gone = Math.max(0, r.total + added - now.n);
    if (r.stale + gone <= r.n / 8) {
      const seq = load(db, r, same, r.seq);
      Object.assign(r, { seq: Math.max(now.s, seq), total: now.n, stale: r.stale + gone, sig });
      return r;
    }
  }
  const room = Math.max(1024, now.n);
  r = { words, n: 0, ids: new Int32Array(room), bits: new Uint32Array(room * words), seq: 0, total: now.n, stale: 0, sig };
  r.seq = Math.max(now.s, load(db, r, same, 0));
  byKey.set(key, r);
  return r;
}

/**
 * Appends the rows of `same` written after `afterSeq` to a resident selection (in pages: faster than a row
 * at a time); returns the last `seq` read.
 */
function load(db: Ctx["db"], r: Resident, same: Where, afterSeq: number): number {
  let last = afterSeq;
  const pad = new Uint8Array(r.words * 4);
  const asWords = new Uint32Array(pad.buffer);
  const page = db.prepare<{ seq: number; item_id: number; bits: Uint8Array }>(
    `SELECT b.seq, b.item_id, b.bits FROM memory_embedding_bits b NOT INDEXED WHERE b.seq > ? AND ${same.sql} ORDER BY b.seq LIMIT 4096`,
  );
  for (let rows = page.all(afterSeq, ...same.params); rows.length; rows = page.all(rows[rows.length - 1]!.seq, ...same.params)) {
    if (r.n + rows.length > r.ids.length) {
      const room = Math.max(r.ids.length * 2, r.n + rows.length);
      const ids = new Int32Array(room);
      ids.set(r.ids.subarray(0, r.n));
      const bits = new Uint32Array(room * r.words);
      bits.set(r.bits.subarray(0, r.n * r.words));
      Object.assign(r, { ids, bits });
    }
    for (const row of rows) {
      pad.fill(0);
      pad.set(row.bits.subarray(0, pad.length));
      r.ids[r.n] = row.item_id;
      r.bits.set(asWords, r.n * r.words);
      r.n++;
    }
    last = rows[rows.length - 1]!.seq;
  }
  return last;
}

/** Above this many vectors, the resident scan first ranks all of them by their first PREFIX_WORDS words only. */
const TWO_STAGE = 50_000;
const PREFIX_WORDS = 8;

/**
 * The `k` nearest of a resident selection. A large one is scanned in two stages: the Hamming distance of
 * the first 256 bits of every vector (a third of the work at 768 dimensions), then the full distance of the
 * best 16·k of those.
 */
function nearestResident(r: Resident, qbits: Uint8Array, k: number): number[] {
  const pad = new Uint8Array(r.words * 4);
  pad.set(qbits.subarray(0, pad.length));
  const q = new Uint32Array(pad.buffer);
  const { bits, words, n } = r;
  let rows: number[] | undefined;
  if (n > TWO_STAGE && words > PREFIX_WORDS * 2) rows = smallestAt(prefixHamming(bits, words, q, n), n, PREFIX_WORDS * 32, k * 16);
  const m = rows ? rows.length : n;
  const d = hamming(bits, words, q, rows, m, words);
  const ids = smallestAt(d, m, words * 32, k).map((i) => r.ids[rows ? rows[i]! : i]!);
  // A replaced vector may be held twice (its old and new bits): each id once.
  return [...new Set(ids)];
}

const pop = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
};

/** Hamming distances over the first PREFIX_WORDS (8) words of each of the first `n` rows, unrolled. */
function prefixHamming(bits: Uint32Array, words: number, q: Uint32Array, n: number): Uint16Array {
  const out = new Uint16Array(n);
  const [q0, q1, q2, q3, q4, q5, q6, q7] = [q[0]!, q[1]!, q[2]!, q[3]!, q[4]!, q[5]!, q[6]!, q[7]!];
  for (let j = 0, o = 0; j < n; j++, o += words) {
    out[j] =
      pop(bits[o]! ^ q0) + pop(bits[o + 1]! ^ q1) + pop(bits[o + 2]! ^ q2) + pop(bits[o + 3]! ^ q3) +
      pop(bits[o + 4]! ^ q4) + pop(bits[o + 5]! ^ q5) + pop(bits[o + 6]! ^ q6) + pop(bits[o + 7]! ^ q7);
  }
  return out;
}

/**
 * Hamming distances between `q` and rows of `bits` (`words` per row: the rows at the positions `rows`, or
 * the first `n`), over their first `upto` words.
 */
function hamming(bits: Uint32Array, words: number, q: Uint32Array, rows: number[] | undefined, n: number, upto: number): Uint16Array {
  const out = new Uint16Array(n);
  for (let j = 0; j < n; j++) {
    const o = (rows ? rows[j]! : j) * words;
    let d = 0;
    for (let w = 0; w < upto; w++) {
      let x = bits[o + w]! ^ q[w]!;
      x -= (x >>> 1) & 0x55555555;
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    out[j] = d;
  }
  return out;
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
