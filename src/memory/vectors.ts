/** Embeddings: storing an item's vector, and scoring items by cosine similarity to a query's vector. */
import { UserError } from "../kernel/errors.ts";
import type { SqlValue } from "../kernel/storage/index.ts";
import { mustGet, type Candidate, type Ctx } from "./rows.ts";

/** Stores (or replaces) an item's embedding as 32-bit floats. */
export function setEmbedding(ctx: Ctx, id: number, vector: number[], model: string): void {
  const { db } = ctx;
  mustGet(ctx, id);
  if (!vector.length || vector.some((x) => !Number.isFinite(x))) throw new UserError("an embedding must be a non-empty list of numbers");
  const f = Float32Array.from(vector);
  db.prepare("INSERT OR REPLACE INTO memory_embeddings (item_id, model, dim, vector) VALUES (?, ?, ?, ?)").run(
    id,
    model,
    f.length,
    new Uint8Array(f.buffer),
  );
}

/**
 * Adds the vector similarity of the items nearest the query's embedding to the candidates (loading those
 * not among them yet). Up to 50,000 embeddings every one passing the filters is compared; beyond that, only
 * the candidates are.
 */
export function addVectorScores(
  ctx: Ctx,
  cand: Map<number, Candidate>,
  queryEmbedding: number[] | undefined,
  f: { sql: string; params: SqlValue[] },
  limit: number,
): void {
  if (!queryEmbedding || !queryEmbedding.length) return;
  const { db, q } = ctx;
  const qv = Float32Array.from(queryEmbedding);
  const qn = norm(qv);
  const total = db.prepare<{ n: number }>("SELECT count(*) AS n FROM memory_embeddings").get()!.n;
  if (!(total > 0 && qn > 0)) return;
  const vecRows =
    total <= 50_000
      ? db
          .prepare<{ item_id: number; vector: Uint8Array }>(
            `SELECT e.item_id, e.vector FROM memory_embeddings e JOIN memory_items m ON m.id = e.item_id WHERE e.dim = ?${f.sql}`,
          )
          .all(qv.length, ...f.params)
      : cand.size
        ? db
            .prepare<{ item_id: number; vector: Uint8Array }>(
              `SELECT item_id, vector FROM memory_embeddings WHERE dim = ? AND item_id IN (${[...cand.keys()].join(",")})`,
            )
            .all(qv.length)
        : [];
  const sims: { id: number; s: number }[] = [];
  for (const v of vecRows) {
    // A driver may hand back a view at an offset that is not a multiple of 4: copy it then.
    const bytes = v.vector.byteOffset % 4 === 0 ? v.vector : new Uint8Array(v.vector);
    const vec = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
    sims.push({ id: v.item_id, s: dot(qv, vec) / (qn * norm(vec) || 1) });
  }
  sims.sort((a, b) => b.s - a.s);
  for (const { id, s } of sims.slice(0, Math.max(limit * 4, 60))) {
    const c = cand.get(id);
    if (c) c.vec = s;
    else {
      const row = q.get.get(id);
      if (row) cand.set(id, { row, rel: 0, vec: s });
    }
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

