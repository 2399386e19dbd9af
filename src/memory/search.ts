/**
 * Search: FTS5 BM25 candidates, bounded on a large store, fused with recency, tier, importance, use,
 * neighbouring turns of a conversation and optional embeddings; and the filters list() shares.
 */
import type { SqlValue } from "../kernel/storage/index.ts";
import { toIso } from "./dates.ts";
import { addSessionEvidence, spreadToNeighbours } from "./neighbours.ts";
import { checkKind, checkTier, COLS, DAY_MS, M_COLS, rowTier, tierOf, toItem, type Candidate, type Ctx, type Row } from "./rows.ts";
import { matchExpression, queryPhrases, queryTerms } from "./text.ts";
import type { ListOptions, SearchHit, SearchOptions } from "./types.ts";
import { addVectorScores } from "./vectors.ts";

/**
 * The ranking's settings, each chosen by a stated principle (README, "How search ranks"); the LoCoMo benchmark
 * checks them by leave-one-conversation-out, which is why they are one object.
 * - `aroundWeight`: a word of the turn an item follows (threads.ts) counts half of one of its own.
 * - `dateWeight`: the date words ("8 may 2023 monday") count less than a third of the text's words.
 * - `sessionShare`: a third of an item's relevance may come from its session: the best three matches of the
 *   same sitting, relative to the best session's, so a session that holds several matches lifts all of them.
 * - `neighbourShare`: a turn lends half its relevance to the turns next to it, a quarter to those two away.
 */
export const RANKING = { aroundWeight: 0.5, dateWeight: 0.3, sessionShare: 1 / 3, sessionTop: 3, neighbourShare: 0.5 };
/** BM25 column weights: the text, the date words and the words of the turn it follows. */
const columnWeights = () => [1.0, RANKING.dateWeight, RANKING.aroundWeight];
/** The same weights as bm25()'s arguments. */
const bm25Weights = () => columnWeights().join(", ");
/** Most matches a search scores exactly (see ftsCandidates). */
const MATCH_BUDGET = 4000;
/**
 * bm25() first counts every item that holds each term (its IDF), reading every entry of the term, about 20 ns
 * each; scoring a match in JavaScript reads its text and sizes, about 3.5 µs, some 180 entries' worth. The most
 * recent matches of one term are scored here when the term is estimated to be held by more items than 180 times
 * the matches scored (see recentOfTerm).
 */
const ENTRIES_PER_ROW_READ = 180;

/** SQL conditions for the options; `warmCut` (now − memory.warmWindowDays) tells warm from cold. */
export function filters(opts: SearchOptions | ListOptions, warmCut: string, alias = "m"): { sql: string; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (!opts.includeSuperseded) where.push(`${alias}.superseded_by IS NULL`);
  if (opts.audience === "cloud") where.push(`${alias}.visibility = 'shareable'`);
  if (opts.tier) {
    where.push(`${tierOf(alias)} = ?`);
    params.push(warmCut, checkTier(opts.tier));
  }
  if (opts.kind) {
    where.push(`${alias}.kind = ?`);
    params.push(checkKind(opts.kind));
  }
  if ("kinds" in opts && opts.kinds) {
    const kinds = opts.kinds.map(checkKind);
    where.push(kinds.length ? `${alias}.kind IN (${kinds.map(() => "?").join(", ")})` : "0");
    params.push(...kinds);
  }
  if (opts.visibilities) {
    const vis = opts.visibilities.filter((v) => v === "private" || v === "shareable");
    where.push(vis.length ? `${alias}.visibility IN (${vis.map(() => "?").join(", ")})` : "0");
    params.push(...vis);
  }
  if ("since" in opts && opts.since) {
    where.push(`${alias}.created_at >= ?`);
    params.push(toIso(opts.since, "--since date"));
  }
  if ("pinned" in opts && opts.pinned !== undefined) where.push(`${alias}.pinned = ${opts.pinned ? 1 : 0}`);
  return { sql: where.length ? ` AND ${where.join(" AND ")}` : "", params };
}

/** The same filters as filters(), applied to loaded rows. */
export function rowFilter(opts: SearchOptions, warmCut: string): (r: Row) => boolean {
  const tier = opts.tier ? checkTier(opts.tier) : undefined;
  const kind = opts.kind ? checkKind(opts.kind) : undefined;
  const kinds = opts.kinds ? new Set<string>(opts.kinds.map(checkKind)) : undefined;
  const visibilities = opts.visibilities ? new Set<string>(opts.visibilities) : undefined;
  const since = opts.since ? toIso(opts.since, "--since date") : undefined;
  return (r) =>
    (opts.includeSuperseded || r.superseded_by === null) &&
    (opts.audience !== "cloud" || r.visibility === "shareable") &&
    (!tier || rowTier(r, warmCut) === tier) &&
    (!kind || r.kind === kind) &&
    (!kinds || kinds.has(r.kind)) &&
    (!visibilities || visibilities.has(r.visibility)) &&
    (!since || r.created_at >= since);
}

/**
 * Full-text candidates with their BM25 relevance (higher is better). Exact when the query matches at most
 * MATCH_BUDGET items: every match is scored and the best `pool` kept. Beyond that, scoring every match would
 * cost too much on a large store, so candidates come from cheaper queries whose scores are still BM25:
 * items that hold every term (exact scores), items that hold the query's selective terms (scored on those
 * terms; the common ones add little IDF), and the most recent matches. Each of those is itself bounded.
 */
function ftsCandidates({ db }: Ctx, terms: string[], op: "OR" | "AND", pool: number, phrases: string[] = []): Map<number, number> {
  const out = new Map<number, number>();
  const capped = (expr: string, cap: number) =>
    db.prepare<{ n: number }>("SELECT count(*) AS n FROM (SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? LIMIT ?)").get(expr, cap + 1)!.n;
  const add = (rows: { id: number; r: number }[]) => {
    for (const { id, r } of rows) if (!(out.get(id)! >= r)) out.set(id, r);
  };
  const ranked = (expr: string, n: number) =>
    add(
      db
        .prepare<{ id: number; r: number }>(
          `SELECT rowid AS id, -bm25(memory_fts, ${bm25Weights()}) AS r FROM memory_fts WHERE memory_fts MATCH ? ORDER BY bm25(memory_fts, ${bm25Weights()}) LIMIT ?`,
        )
        .all(expr, n),
    );
  const recent = (expr: string, n: number, oneTerm = false) =>
    add(
      (oneTerm && recentOfTerm({ db }, expr, n)) ||
        db
          .prepare<{ id: number; r: number }>(
            `SELECT rowid AS id, -bm25(memory_fts, ${bm25Weights()}) AS r FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
          )
          .all(expr, n),
    );
  const full = matchExpression(op === "OR" ? [...terms, ...phrases] : terms, op);
  if (capped(full, MATCH_BUDGET) <= MATCH_BUDGET) {
    ranked(full, pool);
    return out;
  }
  if (terms.length > 1 && op === "OR") {
    const all = matchExpression(terms, "AND");
    if (capped(all, MATCH_BUDGET) <= MATCH_BUDGET) ranked(all, pool);
    else recent(all, 1000);
    // Selective terms, rarest first, while their matches fit the budget.
    const dfs = terms.map((t) => ({ t, df: capped(matchExpression([t]), MATCH_BUDGET) })).sort((a, b) => a.df - b.df);
    const rare: string[] = [];
    let sum = 0;
    for (const { t, df } of dfs) {
      if (df > MATCH_BUDGET / 2 || sum + df > MATCH_BUDGET) break;
      rare.push(t);
      sum += df;
    }
    if (rare.length && rare.length < terms.length) ranked(matchExpression(rare), pool);
  }
  // The most recent matches of the terms alone: phrases would make BM25 read every position of their terms.
  recent(op === "OR" ? matchExpression(terms, "OR") : full, 300, terms.length === 1);
  return out;
}

/** The SQLite variable-length integers of a blob (FTS5's sizes and totals). */
function varints(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length; ) {
    let v = 0;
    for (let j = 0; ; j++) {
      const c = b[i++] ?? 0;
      if (j === 8) {
        v = v * 256 + c;
        break;
      }
      v = v * 128 + (c & 0x7f);
      if (!(c & 0x80) || i >= b.length) break;
    }
    out.push(v);
  }
  return out;
}

/** Marks each match in highlight(): a sequence no text holds. */
const MARK = "\u0001\u0002\u0003\u0004";

function marks(text: string | null): number {
  let n = 0;
  for (let i = text ? text.indexOf(MARK) : -1; i >= 0; i = text!.indexOf(MARK, i + MARK.length)) n++;
  return n;
}

/**
 * The `n` most recent matches of a one-term expression with their BM25 score as bm25() computes it, divided by
 * the term's IDF: for one term that factor is the same for every match, and relevance is taken relative to the
 * best match, so it changes nothing; leaving it out spares reading every entry of the term. Used only when the
 * term is estimated to be held by more than ENTRIES_PER_ROW_READ × n items (from how densely the ids of its most
 * recent matches lie); undefined otherwise, and bm25() scores them.
 */
export function recentOfTerm({ db }: Pick<Ctx, "db">, expr: string, n: number, force = false): { id: number; r: number }[] | undefined {
  // The index's totals: how many items, and how many words each column holds in all.
  const totals = db.prepare<{ block: Uint8Array }>("SELECT block FROM memory_fts_data WHERE id = 1").get();
  const [rows = 0, ...columns] = totals ? varints(totals.block) : [];
  if (!rows || (!force && rows < ENTRIES_PER_ROW_READ * n)) return undefined;
  const ids = db.prepare<{ id: number }>("SELECT rowid AS id FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?").all(expr, n);
  if (!ids.length) return [];
  const span = ids[0]!.id - ids[ids.length - 1]!.id + 1;
  if (!force && (ids.length < n || (ids.length / span) * rows < ENTRIES_PER_ROW_READ * n)) return undefined;
  const avgdl = columns.reduce((a, b) => a + b, 0) / rows;
  const w = columnWeights();
  const k1 = 1.2;
  const b = 0.75;
  return db
    .prepare<{ id: number; h0: string | null; h1: string | null; h2: string | null; sz: Uint8Array | null }>(
      `SELECT rowid AS id, highlight(memory_fts, 0, ?, '') AS h0, highlight(memory_fts, 1, ?, '') AS h1, highlight(memory_fts, 2, ?, '') AS h2,
         (SELECT sz FROM memory_fts_docsize WHERE id = memory_fts.rowid) AS sz
       FROM memory_fts WHERE memory_fts MATCH ? AND rowid >= ? ORDER BY rowid DESC LIMIT ?`,
    )
    .all(MARK, MARK, MARK, expr, ids[ids.length - 1]!.id, n)
    .map((row) => {
      const f = w[0]! * marks(row.h0) + w[1]! * marks(row.h1) + w[2]! * marks(row.h2);
      const d = row.sz ? varints(row.sz).reduce((a, c) => a + c, 0) : 0;
      return { id: row.id, r: (f * (k1 + 1)) / (f + k1 * (1 - b + (b * d) / avgdl)) };
    });
}

/** Hybrid search: full-text relevance (and vector similarity) fused with recency, tier, importance and use. */
export function search(ctx: Ctx, query: string, opts: SearchOptions = {}): SearchHit[] {
  const { db } = ctx;
  const limit = Math.max(1, Math.min(opts.limit ?? 10, 1000));
  const c = ctx.cuts();
  const f = filters(opts, c.warm);
  const terms = queryTerms(typeof query === "string" ? query : "");
  const now = Date.parse(c.now);
  const cand = new Map<number, Candidate>();
  if (terms.length) {
    const pool = Math.max(limit * 4, 60);
    const scored = ftsCandidates(ctx, terms, opts.all ? "AND" : "OR", pool, opts.all ? [] : queryPhrases(query));
    // Load only the best candidates. With filters (a cloud audience, a tier, a kind…), a few times the pool
    // are checked first through the filters alone (no text, no JSON), then the best `pool` that pass are loaded.
    let ids = [...scored.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, f.sql ? pool * 3 : pool)
      .map(([id]) => id);
    const checked = ids.length;
    if (f.sql && ids.length) {
      const pass = new Set(
        db
          .prepare<{ id: number }>(`SELECT m.id FROM memory_items m WHERE m.id IN (${ids.join(",")})${f.sql}`)
          .all(...f.params)
          .map((r) => r.id),
      );
      ids = ids.filter((id) => pass.has(id)).slice(0, pool);
    }
    const rows = ids.length ? db.prepare<Row>(`SELECT ${COLS} FROM memory_items WHERE id IN (${ids.join(",")})`).all() : [];
    const keep = rowFilter(opts, c.warm);
    let kept = rows.filter(keep).map((row) => ({ row, r: scored.get(row.id)! }));
    if (kept.length < Math.min(limit, pool) && checked > kept.length && f.sql) {
      // The filters dropped candidates: rank within the filtered items directly (exact, slower).
      kept = db
        .prepare<Row & { r: number }>(
          `SELECT ${M_COLS}, -bm25(memory_fts, ${bm25Weights()}) AS r FROM memory_fts JOIN memory_items m ON m.id = memory_fts.rowid
           WHERE memory_fts MATCH ?${f.sql} ORDER BY bm25(memory_fts, ${bm25Weights()}) LIMIT ?`,
        )
        .all(matchExpression(terms, opts.all ? "AND" : "OR"), ...f.params, pool)
        .map((row) => ({ row, r: row.r }));
    }
    kept.sort((a, b) => b.r - a.r);
    kept = kept.slice(0, pool);
    const top = kept.length ? Math.max(kept[0]!.r, 1e-9) : 1;
    for (const { row, r } of kept) cand.set(row.id, { row, rel: r / top, vec: 0 });
    if (!opts.all) {
      addSessionEvidence(cand, RANKING.sessionShare, RANKING.sessionTop);
      spreadToNeighbours(ctx, cand, keep, RANKING.neighbourShare);
      // Conversation evidence can lift a turn above 1: the best relevance is 1 again, on the scale of meaning's.
      let best = 0;
      for (const c of cand.values()) if (c.rel > best) best = c.rel;
      if (best > 1) for (const c of cand.values()) c.rel /= best;
    }
  }
  addVectorScores(ctx, cand, opts.queryEmbedding, f, limit, opts.embeddingModel);
  if (!cand.size) return [];
  const meaning = vectorScale(cand, Math.max(limit * 4, 60));
  const hits: SearchHit[] = [];
  for (const { row, rel, vec } of cand.values()) {
    const ageDays = Math.max(0, (now - Date.parse(row.active_at)) / DAY_MS);
    const recency = Math.exp(-ageDays / 365);
    const tier = rowTier(row, c.warm);
    const tierScore = tier === "hot" ? 1 : tier === "warm" ? 0.5 : 0;
    const use = Math.min(1, Math.log1p(row.use_count) / Math.log(20));
    const score =
      rel + meaning(vec) + 0.08 * tierScore + 0.06 * recency + 0.06 * (row.importance - 0.5) + 0.04 * use + (row.pinned ? 0.04 : 0);
    hits.push({ ...toItem(row, c.warm), score: Math.round(score * 10_000) / 10_000 });
  }
  hits.sort((a, b) => b.score - a.score || b.id - a.id);
  return hits.slice(0, limit);
}

/**
 * Vector similarity on the scale of text relevance: the best similarity among the candidates scores 1, like
 * the best text match, and a similarity no better than the `pool`-th best (or than the least similar
 * candidate, when there are fewer) scores 0. Cosine similarities of
 * different models lie in different ranges (one model's unrelated texts score 0.2, another's 0.5); ranks
 * within the query's own candidates do not depend on that. With no vectors, every candidate scores 0.
 */
function vectorScale(cand: Map<number, Candidate>, pool: number): (s: number) => number {
  const sims: number[] = [];
  for (const c of cand.values()) if (c.vec > 0) sims.push(c.vec);
  if (!sims.length) return () => 0;
  sims.sort((a, b) => b - a);
  const top = sims[0]!;
  // Fewer candidates than the pool: the least similar of them is the floor (a lone vector scores 1).
  const floor = sims.length > pool ? sims[pool]! : sims.length > 1 ? sims[sims.length - 1]! : 0;
  return (s) => (s <= floor ? 0 : top > floor ? Math.min(1, (s - floor) / (top - floor)) : 1);
}
