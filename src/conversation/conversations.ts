/**
 * Stored chat conversations, for `pai chat --continue` and `--resume ID`. The texts stay where every exchange
 * is kept, in its `episode` memory (so a forget or an export reaches them); table `chat_conversations` holds
 * only ids: a conversation's id, when it was last spoken in, and its last stored exchange. Each exchange
 * records the one before it in its meta (`continues`), so a conversation is read back from its last one.
 * An incognito exchange is not stored, so it is not part of the conversation when it is resumed.
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

/** Records that `episodeId` is the conversation's newest exchange. */
export function recordExchange(db: Database, id: string, episodeId: number, now: Date = new Date()): void {
  db.prepare(
    `INSERT INTO chat_conversations (id, started_at, updated_at, last_episode, exchanges) VALUES (?, ?, ?, ?, 1)
     ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, last_episode = excluded.last_episode, exchanges = exchanges + 1`,
  ).run(id, now.toISOString(), now.toISOString(), episodeId);
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
      "SELECT id, started_at, updated_at, exchanges FROM chat_conversations ORDER BY updated_at DESC, rowid DESC LIMIT ?",
    )
    .all(limit)
    .map((r) => ({ id: r.id, startedAt: r.started_at, updatedAt: r.updated_at, exchanges: r.exchanges }));
}

/** Reads a conversation back from its last exchange (the ones forgotten since are gone from it). */
export function loadConversation(db: Database, config: Config, id: string): StoredConversation {
  const row = db.prepare<{ updated_at: string; last_episode: number }>("SELECT updated_at, last_episode FROM chat_conversations WHERE id = ?").get(id.trim().toLowerCase());
  if (!row) throw new UserError(`no conversation '${id}'`, { hint: "'pai chat --list' shows them; 'pai chat --continue' resumes the latest" });
  const mem = openMemory(db, config);
  const turns: StoredTurn[] = [];
  const seen = new Set<number>();
  let item = mem.get(row.last_episode);
  while (isExchange(item) && !seen.has(item.id) && turns.length < MAX_EXCHANGES && item.meta.conversation === id) {
    seen.add(item.id);
    turns.unshift({
      episodeId: item.id,
      question: String(item.meta.question),
      answer: answerOf(item),
      interrupted: item.meta.interrupted === true,
      answeredBy: backendAudience(String(item.meta.backend) as BackendName, config),
      at: item.createdAt,
    });
    item = typeof item.meta.continues === "number" ? mem.get(item.meta.continues) : undefined;
  }
  return { id, updatedAt: row.updated_at, turns };
}
