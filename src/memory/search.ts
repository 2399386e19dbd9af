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
const bm25Weights = () => `1.0, ${RANKING.dateWeight}, ${RANKING.aroundWeight}`;
/** Most matches a search scores exactly (see ftsCandidates). */
const MATCH_BUDGET = 4000;

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
  const recent = (expr: string, n: number) =>
    add(
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
  recent(op === "OR" ? matchExpression(terms, "OR") : full, 300);
  return out;
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
