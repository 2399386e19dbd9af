/**
 * Sign bits of embeddings (1 bit per dimension) and the Hamming distances between them: how they are made
 * from a float vector, the k nearest of a list of distances, and the bits of one model and dimension held in
 * memory by a connection (see `resident`), scanned in two stages when they are many.
 */
import { vectorSupport, type SqlValue } from "../kernel/storage/index.ts";
import type { Ctx } from "./rows.ts";

export type Where = { sql: string; params: SqlValue[] };

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

/** The ids of the `k` smallest distances, nearest first, through a histogram of distances. */
export function smallest(ids: ArrayLike<number>, dists: ArrayLike<number>, n: number, maxDist: number, k: number): number[] {
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

/** The bits set in each byte value. */
export const POP8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP8[i] = (i & 1) + POP8[i >> 1]!;

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
export function resident(ctx: Ctx, same: Where, bytes: number): Resident | undefined {
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
export function nearestResident(r: Resident, qbits: Uint8Array, k: number): number[] {
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

