/**
 * Stored chat conversations, for `pai chat --continue` and `--resume ID`. The texts stay where every exchange
 * is kept, in its `episode` memory (so a forget or an export reaches them). Table `chat_conversations` holds a
 * conversation's id and times, `chat_exchanges` the episode ids of its exchanges in order: ids only. An
 * exchange forgotten since is gone from the conversation; an incognito one was never stored, so never part of it.
 * Two conversations may share an episode (the same question and answer are one memory).
 */
import { randomBytes } from "node:crypto";
import type { Config } from "../config/schema.ts";
import { UserError } from "../kernel/errors.ts";
import type { Database } from "../kernel/storage/index.ts";
import { openMemory, type MemoryItem } from "../memory/index.ts";
import { backendAudience } from "../models/index.ts";
import type { Audience, BackendName } from "../models/types.ts";

export const INTERRUPTED_NOTE = "[interrupted: the answer was cut off before it was complete]";

/** The most exchanges read back when a conversation is resumed (the last ones). */
const MAX_EXCHANGES = 500;

export interface StoredTurn {
  episodeId: number;
  question: string;
  answer: string;
  interrupted: boolean;
  /** Who answered it: a local answer was written with the private context in view. */
  answeredBy: Audience;
  at: string;
}

export interface StoredConversation {
  id: string;
  updatedAt: string;
  /** Oldest first. */
  turns: StoredTurn[];
}

/** A new conversation id: eight hex digits, short enough to type after --resume. */
export function newConversationId(): string {
  return randomBytes(4).toString("hex");
}

/** Whether a memory item is a stored exchange (an episode with its question in the meta). */
export function isExchange(x: MemoryItem | undefined): x is MemoryItem {
  return !!x && x.kind === "episode" && typeof x.meta.question === "string";
}

/** The answer of a stored exchange, without the interruption note. */
export function answerOf(item: MemoryItem): string {
  const m = /\nA(?: \(interrupted\))?: ([\s\S]*)$/.exec(item.content);
  return (m?.[1] ?? "").replace(INTERRUPTED_NOTE, "").trim();
}

/** Records `episodeId` as the conversation's newest exchange. */
export function recordExchange(db: Database, id: string, episodeId: number, now: Date = new Date()): void {
  db.transaction(() => {
    db.prepare("INSERT INTO chat_conversations (id, started_at, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at").run(
      id,
      now.toISOString(),
      now.toISOString(),
    );
    db.prepare("INSERT INTO chat_exchanges (conversation_id, seq, episode_id) VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM chat_exchanges WHERE conversation_id = ?), ?)").run(
      id,
      id,
      episodeId,
    );
  });
}

/** The conversation last spoken in, or undefined when there is none. */
export function latestConversationId(db: Database): string | undefined {
  return db.prepare<{ id: string }>("SELECT id FROM chat_conversations ORDER BY updated_at DESC, rowid DESC LIMIT 1").get()?.id ?? undefined;
}

export interface ConversationRow {
  id: string;
  startedAt: string;
  updatedAt: string;
  exchanges: number;
}

/** The most recent conversations, newest first. */
export function listConversations(db: Database, limit = 20): ConversationRow[] {
  return db
    .prepare<{ id: string; started_at: string; updated_at: string; exchanges: number }>(
      `SELECT id, started_at, updated_at, (SELECT count(*) FROM chat_exchanges e WHERE e.conversation_id = c.id) AS exchanges
       FROM chat_conversations c ORDER BY updated_at DESC, rowid DESC LIMIT ?`,
    )
    .all(limit)
    .map((r) => ({ id: r.id, startedAt: r.started_at, updatedAt: r.updated_at, exchanges: r.exchanges }));
}

/** The first message of a conversation still stored (for `pai chat --list`), or "". */
export function firstQuestion(db: Database, config: Config, id: string): string {
  const mem = openMemory(db, config);
  const q = db.prepare<{ episode_id: number }>("SELECT episode_id FROM chat_exchanges WHERE conversation_id = ? ORDER BY seq LIMIT 20");
  for (const r of q.all(id)) {
    const item = mem.get(r.episode_id);
    if (isExchange(item)) return String(item.meta.question);
  }
  return "";
}

/** Reads a conversation back: its last exchanges, oldest first (the ones forgotten since are gone from it). */
export function loadConversation(db: Database, config: Config, id: string): StoredConversation {
  id = id.trim().toLowerCase();
  const row = db.prepare<{ updated_at: string }>("SELECT updated_at FROM chat_conversations WHERE id = ?").get(id);
  if (!row) throw new UserError(`no conversation '${id}'`, { hint: "'pai chat --list' shows them; 'pai chat --continue' resumes the latest" });
  const mem = openMemory(db, config);
  const turns: StoredTurn[] = [];
  const ids = db
    .prepare<{ episode_id: number }>("SELECT episode_id FROM chat_exchanges WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?")
    .all(id, MAX_EXCHANGES)
    .map((r) => r.episode_id)
    .reverse();
  for (const episodeId of ids) {
    const item = mem.get(episodeId);
    if (!isExchange(item)) continue;
    turns.push({
      episodeId: item.id,
      question: String(item.meta.question),
      answer: answerOf(item),
      interrupted: item.meta.interrupted === true,
      answeredBy: backendAudience(String(item.meta.backend) as BackendName, config),
      at: item.createdAt,
    });
  }
  return { id, updatedAt: row.updated_at, turns };
}
