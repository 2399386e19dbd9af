/**
 * Conversations in memory: which items are turns of one conversation, and what that changes for search.
 *
 * An item may belong to a thread (`thread`: a chat session, a transcript, the lines of one imported file).
 * Exchanges stored by `pai ask` and other episodes without a thread form one implicit thread of their own.
 * Within a thread, a session is a run of turns with no silence longer than SESSION_GAP between one and the next;
 * `session` holds the id of its first turn. A turn `follows` the turn before it in its session, and the words of
 * the turn it follows are indexed beside its own (the FTS column `around`, read through the view
 * memory_fts_source, so no text is stored twice): an answer is found by the question it answers. A shareable
 * turn never follows a private one, so no private word can make a shareable item match.
 *
 * Forgetting a turn re-indexes the turn that follows it without the forgotten words (`unlinkFollowers`).
 */
import type { Migration } from "../kernel/storage/migrations.ts";
import type { Ctx, Predecessor } from "./rows.ts";
import { isoTime } from "./dates.ts";
import { dateWords } from "./text.ts";

/** A longer silence between two turns of a thread starts a new session. */
export const SESSION_GAP_MS = 6 * 3_600_000;

export const FTS_TOKENIZE = "porter unicode61 remove_diacritics 2";

/** Where a new item sits in its conversation: its thread, session and the turn it follows (all null when none). */
export interface Placement {
  thread: string | null;
  session: number | null;
  follows: number | null;
  /** The text of the turn it follows, indexed beside its own. */
  around: string | null;
}

const NONE: Placement = { thread: null, session: null, follows: null, around: null };

/** True when two times are close enough to be turns of one session. */
function sameSession(a: string, b: string): boolean {
  return Math.abs(timeOf(a) - timeOf(b)) <= SESSION_GAP_MS;
}

// The last date read: turns placed one after another compare each date twice (as the new turn, then as the one
// the next turn follows), so it is parsed once.
let lastIso = "";
let lastMs = Number.NaN;
function timeOf(iso: string): number {
  if (iso !== lastIso) {
    lastIso = iso;
    lastMs = isoTime(iso);
  }
  return lastMs;
}

/**
 * Where a new item goes: a thread given, or an episode without one (the implicit thread of exchanges). Its
 * session continues the last turn of its thread when that turn is within SESSION_GAP; `id` is the id the item
 * will get (its own session when it starts one).
 */
export function placeItem(
  ctx: Ctx,
  thread: string | null | undefined,
  kind: string,
  createdAt: string,
  visibility: string,
  id: () => number,
  turns?: LastTurns,
): Placement {
  const name = typeof thread === "string" ? threadName(thread) : null;
  if (!name && kind !== "episode") return NONE;
  const prev = name ? lastOfThread(ctx, name, turns) : lastEpisode(ctx, turns);
  if (!prev || !sameSession(prev.created_at, createdAt)) return { thread: name, session: id(), follows: null, around: null };
  const linked = !(prev.visibility === "private" && visibility !== "private");
  return { thread: name, session: prev.session ?? prev.id, follows: linked ? prev.id : null, around: linked ? prev.content : null };
}

// The last thread name read: the turns of a batch mostly share theirs, which is then trimmed and cut once.
let lastThread = "";
let lastName: string | null = null;
/** A thread's stored name: trimmed, at most 500 characters, null when blank. */
function threadName(thread: string): string | null {
  if (thread !== lastThread) {
    lastThread = thread;
    lastName = thread.trim().slice(0, 500) || null;
  }
  return lastName;
}

/**
 * The last turn of each thread (and the last episode outside any thread) as a batch of inserts leaves them,
 * kept in memory for the length of one transaction so that placing each item asks the database only once per
 * thread. Items are only added during a batch: the last turn of a thread is the one inserted last.
 */
export interface LastTurns {
  byThread: Map<string, Predecessor | null>;
  /** undefined: not read yet. */
  episode?: Predecessor | null;
  /** The store held no item when the batch began: a thread (or the episodes) not seen in it has no turn yet. */
  emptyBefore?: boolean;
}

function lastOfThread(ctx: Ctx, thread: string, turns?: LastTurns): Predecessor | undefined {
  if (!turns) return ctx.q.lastOfThread.get(thread);
  let prev = turns.byThread.get(thread);
  if (prev === undefined) turns.byThread.set(thread, (prev = turns.emptyBefore ? null : (ctx.q.lastOfThread.get(thread) ?? null)));
  return prev ?? undefined;
}

function lastEpisode(ctx: Ctx, turns?: LastTurns): Predecessor | undefined {
  if (!turns) return ctx.q.lastEpisode.get();
  if (turns.episode === undefined) turns.episode = turns.emptyBefore ? null : (ctx.q.lastEpisode.get() ?? null);
  return turns.episode ?? undefined;
}

/** Records an item just inserted at `place` as the last turn of its thread (or the last episode outside any). */
export function noteTurn(turns: LastTurns, place: Placement, item: { id: number; kind: string; createdAt: string; visibility: string; content: string }): void {
  const turn: Predecessor = { id: item.id, session: place.session, created_at: item.createdAt, visibility: item.visibility, content: item.content };
  if (place.thread) turns.byThread.set(place.thread, turn);
  else if (item.kind === "episode") turns.episode = turn;
}

/** The text indexed beside an item: that of the turn it follows. */
export function aroundOf(ctx: Ctx, follows: number | null): string | null {
  return follows === null ? null : (ctx.q.get.get(follows)?.content ?? null);
}

/**
 * Before items are deleted: the turns that follow them stop following them, and are re-indexed without their
 * words (inside the caller's transaction).
 */
export function unlinkFollowers(ctx: Ctx, ids: number[]): void {
  if (!ids.length) return;
  const { db, q } = ctx;
  const followers = db
    .prepare<{ id: number; content: string; created_at: string; follows: number }>(
      `SELECT id, content, created_at, follows FROM memory_items WHERE follows IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids));
  for (const f of followers) {
    q.deleteFts.run(f.id, f.content, dateWords(f.created_at), aroundOf(ctx, f.follows));
    db.prepare("UPDATE memory_items SET follows = NULL WHERE id = ?").run(f.id);
    q.insertFts.run(f.id, f.content, dateWords(f.created_at), null);
  }
}

export const threadMigrations: Migration[] = [
  {
    // Conversations: a thread key, sessions within it, and the turn each turn follows, whose words are indexed
    // beside its own (see threads.ts). The full-text index gains that third column, read through a view; the
    // episodes already stored are placed in sessions as new ones would be, and the index is rebuilt once.
    version: 106,
    name: "memory conversations: threads, sessions, the turn each follows",
    up: (db) => {
      db.exec(`
        ALTER TABLE memory_items ADD COLUMN thread TEXT;
        ALTER TABLE memory_items ADD COLUMN session INTEGER;
        ALTER TABLE memory_items ADD COLUMN follows INTEGER;
        CREATE INDEX memory_items_thread ON memory_items (thread, id) WHERE thread IS NOT NULL;
        CREATE INDEX memory_items_follows ON memory_items (follows) WHERE follows IS NOT NULL;
      `);
      const episodes = db
        .prepare<{ id: number; created_at: string; visibility: string }>("SELECT id, created_at, visibility FROM memory_items WHERE kind = 'episode' ORDER BY id")
        .all();
      const set = db.prepare("UPDATE memory_items SET session = ?, follows = ? WHERE id = ?");
      let prev: { id: number; created_at: string; visibility: string; session: number } | undefined;
      for (const e of episodes) {
        const cont = prev && sameSession(prev.created_at, e.created_at);
        const session = cont ? prev!.session : e.id;
        const follows = cont && !(prev!.visibility === "private" && e.visibility !== "private") ? prev!.id : null;
        set.run(session, follows, e.id);
        prev = { ...e, session };
      }
      db.exec(`
        DROP TABLE memory_fts;
        CREATE VIEW memory_fts_source AS
          SELECT m.id AS id, m.content AS content, m.context AS context, p.content AS around
          FROM memory_items m LEFT JOIN memory_items p ON p.id = m.follows;
        CREATE VIRTUAL TABLE memory_fts USING fts5(
          content, context, around,
          content = 'memory_fts_source', content_rowid = 'id',
          tokenize = '${FTS_TOKENIZE}'
        );
        INSERT INTO memory_fts (memory_fts, rank) VALUES ('secure-delete', 1);
        INSERT INTO memory_fts (memory_fts) VALUES ('rebuild');
      `);
    },
  },
];
