/** The chat screen's status line and its one-line errors. */
import { PaiError } from "../../kernel/errors.ts";
import type { ChatStatus } from "./session.ts";

/** An error as one line, its hint pointing at the slash commands rather than the command-line options. */
export function errorLine(err: unknown): string {
  const text =
    err instanceof PaiError ? (err.hint ? `${err.message} — ${err.hint}` : err.message) : String((err as Error)?.message ?? err);
  return text.replace(/--backend (ollama|anthropic)\b/g, "/backend $1").replace(/--model\b/g, "/model").replace(/\s*\n\s*/g, " ");
}

export function statusText(s: ChatStatus | null, streaming: boolean): string {
  if (!s) return "…";
  const mem = `${s.memories} ${s.memories === 1 ? "memory" : "memories"} (${s.hot} hot)`;
  return [s.backend, s.model, mem, ...(s.incognito ? ["incognito"] : []), streaming ? "Ctrl-C stops" : "/help"].join(" · ");
}
