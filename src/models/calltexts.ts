/**
 * The texts of recent chat calls (table model_call_texts), for `pai log show ID`: the system prompt and the
 * messages as the call was asked to send them, and the answer, each redacted of every secret the process
 * handles and of credential shapes before it is written (the call log's wrapper redacts them). Apart from the call log itself, so that listing and
 * summing calls never reads them. Kept for the last KEEP_TEXTS calls only; nothing for an incognito call nor for
 * an embedding; a forget blanks every text quoting what it forgot. A call to a local model may hold private
 * items: the texts live in the local database and only `pai log show` prints them.
 */
import type { Database } from "../kernel/storage/index.ts";
import type { Audience, ChatMessage, ChatRequest } from "./types.ts";

/** How many calls keep their texts (older ones are deleted as new ones come). */
export const KEEP_TEXTS = 1000;
/** The longest text kept for one part (system, the messages, the answer). */
const MAX_CHARS = 200_000;

export interface CallTexts {
  audience: Audience;
  system: string | null;
  messages: ChatMessage[];
  response: string;
}

const clip = (s: string) => (s.length > MAX_CHARS ? `${s.slice(0, MAX_CHARS)}\n[…cut at ${MAX_CHARS} characters]` : s);

/** Records the texts of call `callId` (already redacted by the caller), and lets the oldest go past KEEP_TEXTS. */
export function recordTexts(db: Database, callId: number, t: { audience: Audience; request: ChatRequest; response: string }): void {
  const req = t.request;
  // An image is kept as its media type and size, not its bytes.
  const messages = req.messages.map((m) => ({
    ...m,
    content: clip(m.content),
    ...(m.role === "user" && m.images ? { images: m.images.map((i) => ({ mediaType: i.mediaType, data: `[${Math.floor((i.data.length * 3) / 4)} bytes]` })) } : {}),
  }));
  db.prepare("INSERT OR REPLACE INTO model_call_texts (call_id, audience, system, messages, response) VALUES (?, ?, ?, ?, ?)").run(
    callId,
    t.audience,
    req.system === undefined ? null : clip(req.system),
    JSON.stringify(messages),
    clip(t.response),
  );
  db.prepare(`DELETE FROM model_call_texts WHERE call_id < (SELECT call_id FROM model_call_texts ORDER BY call_id DESC LIMIT 1 OFFSET ${KEEP_TEXTS - 1})`).run();
}

export function getTexts(db: Database, callId: number): CallTexts | undefined {
  const r = db.prepare<{ audience: string; system: string | null; messages: string; response: string }>(
    "SELECT audience, system, messages, response FROM model_call_texts WHERE call_id = ?",
  ).get(callId);
  if (!r) return undefined;
  let messages: ChatMessage[] = [];
  try {
    messages = JSON.parse(r.messages);
  } catch {}
  return { audience: r.audience as Audience, system: r.system, messages, response: r.response };
}

/**
 * Deletes the texts of every call whose prompt or answer quotes one of `needles` (a forget); returns how many.
 * The call's row in the log (time, tokens, cost) stays.
 */
export function scrubCallTexts(db: Database, needles: string[]): number {
  const q = db.prepare("DELETE FROM model_call_texts WHERE instr(coalesce(system, ''), ?) > 0 OR instr(messages, ?) > 0 OR instr(response, ?) > 0");
  let n = 0;
  for (const needle of needles) {
    if (!needle) continue;
    n += q.run(needle, JSON.stringify(needle).slice(1, -1), needle).changes;
  }
  return n;
}
