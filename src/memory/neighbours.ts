/** Conversation context in search: the turns of one exchange lend each other part of their relevance. */
import { COLS, type Candidate, type Ctx, type Row } from "./rows.ts";

/** Neighbour spreading (see spreadToNeighbours): how many top items share, how far, and how much. */
const NEIGHBOUR_SOURCES = 30;
const NEIGHBOUR_SPAN = 2;
const NEIGHBOUR_SHARE = 0.5;
/** Turns further apart than this belong to different exchanges. */
const EXCHANGE_GAP_MS = 6 * 3_600_000;

/**
 * Conversation context: the turns of one exchange (episodes with consecutive ids, at most EXCHANGE_GAP
 * apart in time) share part of their relevance with their neighbours, so the answer that follows a
 * matching question ("What do your kids like?" → "Dinosaurs!") is found too. Other kinds of items (notes,
 * facts) never borrow relevance from whatever happened to be stored next to them.
 */
export function spreadToNeighbours({ db }: Ctx, cand: Map<number, Candidate>, keep: (r: Row) => boolean): void {
  const best = [...cand.values()].sort((a, b) => b.rel - a.rel).slice(0, NEIGHBOUR_SOURCES);
  const want = new Set<number>();
  for (const c of best) for (let d = -NEIGHBOUR_SPAN; d <= NEIGHBOUR_SPAN; d++) if (d) want.add(c.row.id + d);
  if (!want.size) return;
  const rows = new Map<number, Row>();
  for (const r of db.prepare<Row>(`SELECT ${COLS} FROM memory_items WHERE id IN (${[...want].join(",")})`).all()) rows.set(r.id, r);
  const bonus = new Map<number, number>();
  for (const c of best) {
    for (let d = -NEIGHBOUR_SPAN; d <= NEIGHBOUR_SPAN; d++) {
      const n = d ? rows.get(c.row.id + d) ?? cand.get(c.row.id + d)?.row : undefined;
      if (!n || !sameExchange(c.row, n)) continue;
      const b = (NEIGHBOUR_SHARE * c.rel) / Math.abs(d);
      if (!(bonus.get(n.id)! >= b)) bonus.set(n.id, b);
    }
  }
  for (const [id, b] of bonus) {
    const c = cand.get(id);
    if (c) c.rel += b;
    else {
      const row = rows.get(id)!;
      if (keep(row)) cand.set(id, { row, rel: b, vec: 0 });
    }
  }
}

function sameExchange(a: Row, b: Row): boolean {
  if (a.kind !== "episode" || b.kind !== "episode") return false;
  return Math.abs(Date.parse(a.created_at) - Date.parse(b.created_at)) <= EXCHANGE_GAP_MS;
}
