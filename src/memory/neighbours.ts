/**
 * Conversation context in search (threads.ts says what a thread, a session and a followed turn are): the
 * turns of one session lend each other part of their relevance, so the answer that follows a matching
 * question ("What do your kids like?" → "Dinosaurs!") is found too, and a session where several turns match
 * lifts them all. Items that are no conversation's turns (notes, facts told one by one) never borrow
 * relevance from whatever happened to be stored next to them.
 */
import { COLS, type Candidate, type Ctx, type Row } from "./rows.ts";

/** How many of the best candidates lend relevance to their neighbours, and across how many turns. */
const NEIGHBOUR_SOURCES = 30;
const NEIGHBOUR_SPAN = 2;

/**
 * Session evidence: each candidate of a session gains `share` × (the sum of its session's `top` best
 * relevances) / (the same sum for the best session). Candidates outside any session gain nothing.
 */
export function addSessionEvidence(cand: Map<number, Candidate>, share: number, top: number): void {
  if (!(share > 0)) return;
  const bySession = new Map<number, number[]>();
  for (const c of cand.values()) {
    const s = c.row.session;
    if (s === null) continue;
    const list = bySession.get(s);
    if (list) list.push(c.rel);
    else bySession.set(s, [c.rel]);
  }
  if (!bySession.size) return;
  const sums = new Map<number, number>();
  let best = 0;
  for (const [s, rels] of bySession) {
    rels.sort((a, b) => b - a);
    let sum = 0;
    for (let i = 0; i < Math.min(top, rels.length); i++) sum += rels[i]!;
    sums.set(s, sum);
    if (sum > best) best = sum;
  }
  if (!(best > 0)) return;
  const bonus = new Map<Candidate, number>();
  for (const c of cand.values()) if (c.row.session !== null) bonus.set(c, (share * sums.get(c.row.session)!) / best);
  for (const [c, b] of bonus) c.rel += b;
}

/**
 * Neighbour spreading: each of the best candidates lends `share` × its relevance / distance to the turns up to
 * NEIGHBOUR_SPAN before and after it in its session (following the `follows` links), loading those not among
 * the candidates yet when they pass the search's filters.
 */
export function spreadToNeighbours({ db }: Ctx, cand: Map<number, Candidate>, keep: (r: Row) => boolean, share: number): void {
  if (!(share > 0)) return;
  const best = [...cand.values()].filter((c) => c.row.session !== null).sort((a, b) => b.rel - a.rel).slice(0, NEIGHBOUR_SOURCES);
  if (!best.length) return;
  const rows = new Map<number, Row>();
  for (const c of cand.values()) rows.set(c.row.id, c.row);
  const load = (sql: string, ids: number[]) => {
    const want = ids.filter((id) => !rows.has(id));
    if (want.length) for (const r of db.prepare<Row>(sql).all(JSON.stringify(want))) rows.set(r.id, r);
  };
  // Before: the `follows` chain. After: the turns that follow, by the follows index.
  const before = new Map<number, number[]>();
  const after = new Map<number, number[]>();
  let front = best.map((c) => c.row);
  const prevOf = new Map<number, number>();
  const nextOf = new Map<number, number>();
  for (let d = 1; d <= NEIGHBOUR_SPAN; d++) {
    load(`SELECT ${COLS} FROM memory_items WHERE id IN (SELECT value FROM json_each(?))`, front.map((r) => r.follows).filter((x): x is number => x !== null));
    const followers = db
      .prepare<Row>(`SELECT ${COLS} FROM memory_items WHERE follows IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(front.map((r) => r.id)));
    for (const r of followers) {
      rows.set(r.id, r);
      if (r.follows !== null && !nextOf.has(r.follows)) nextOf.set(r.follows, r.id);
    }
    for (const r of front) if (r.follows !== null) prevOf.set(r.id, r.follows);
    front = [...front.map((r) => r.follows), ...front.map((r) => nextOf.get(r.id))]
      .filter((x): x is number => x !== undefined && x !== null)
      .map((id) => rows.get(id))
      .filter((r): r is Row => r !== undefined);
  }
  for (const c of best) {
    const b: number[] = [];
    const a: number[] = [];
    for (let id: number | undefined = c.row.id, d = 0; d < NEIGHBOUR_SPAN && id !== undefined; d++) {
      id = prevOf.get(id) ?? rows.get(id)?.follows ?? undefined;
      if (id !== undefined) b.push(id);
    }
    for (let id: number | undefined = c.row.id, d = 0; d < NEIGHBOUR_SPAN && id !== undefined; d++) {
      id = nextOf.get(id);
      if (id !== undefined) a.push(id);
    }
    before.set(c.row.id, b);
    after.set(c.row.id, a);
  }
  const bonus = new Map<number, number>();
  for (const c of best) {
    for (const side of [before.get(c.row.id)!, after.get(c.row.id)!]) {
      side.forEach((id, i) => {
        const v = (share * c.rel) / (i + 1);
        if (!(bonus.get(id)! >= v)) bonus.set(id, v);
      });
    }
  }
  for (const [id, v] of bonus) {
    const c = cand.get(id);
    if (c) c.rel += v;
    else {
      const row = rows.get(id);
      if (row && keep(row)) cand.set(id, { row, rel: v, vec: 0 });
    }
  }
}
