/**
 * `pai ask`: assemble the user's context for the question (nothing private for a cloud backend, secrets
 * redacted from the whole prompt), stream the answer, store the exchange as an `episode` memory with the
 * memory ids that were in the context, and queue it for learning in the same transaction. The learning itself
 * happens afterwards, in a learner of its own (learner.ts): the answer never waits for it. An interrupted
 * answer is stored marked as such, and not learned from.
 */
import { randomUUID } from "node:crypto";
import type { Config } from "../config/schema.ts";
import { UsageError, UserError } from "../kernel/errors.ts";
import { backendAudience, getBackend, resolveModel } from "../models/index.ts";
import type { Audience, BackendName, ChatMessage, Purpose, Usage } from "../models/types.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Secrets } from "../kernel/secrets.ts";
import { redactSecrets } from "../kernel/redact.ts";
import { assembleContextFirst } from "../context/index.ts";
import { latestEpisodeId, openMemory } from "../memory/index.ts";
import type { MemoryItem } from "../memory/index.ts";
import type { Database } from "../kernel/storage/index.ts";
import { enqueueLearning } from "./pending.ts";
import { answerInstructions, buildSystem } from "./prompt.ts";
import { answerOf, INTERRUPTED_NOTE, isExchange } from "./conversations.ts";
import { attachmentNote, messageWithAttachments, optionsNotSent, type Attachment, type ModelOptions } from "./options.ts";

export interface AskOptions {
  backend?: BackendName;
  model?: string;
  incognito?: boolean;
  /** Token budget of the context (default config context.budget). */
  budget?: number;
  onText?: (delta: string) => void;
  signal?: AbortSignal;
  paths: Paths;
  db: Database;
  config: Config;
  purpose?: Purpose;
  /** Instructions replacing the default answer prompt (the user's context is still appended). */
  system?: string;
  /** Earlier turns of a conversation (chat). */
  history?: ChatMessage[];
  /** Learn facts from the exchange (default config learning.enabled). */
  learn?: boolean;
  /** Environment for backend hosts and keys (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where the exchange came from, stored as the episode's source (default "ask"). */
  source?: string;
  /**
   * Continue a conversation: the stored exchange (an episode id, or "latest" for the last 'pai ask' one) and
   * those it continued are sent as earlier turns, and the new episode records that it continues it.
   */
  continueFrom?: number | "latest";
  /** Answers given by a local model earlier in this conversation (chat), withheld from a cloud model. */
  localAnswers?: LocalAnswers;
  /** Secret values to keep out of a cloud request and the call log. */
  secrets?: Secrets;
  /** An instruction of the user's, added after pai's own (`pai ask -s`). */
  extraSystem?: string;
  /** Send the user's context (Telos, memories); default true (`pai ask --no-context` sends none). */
  context?: boolean;
  /** Model options (`pai ask -o`). */
  modelOptions?: ModelOptions;
  /** Files sent with the question (`pai ask -a`): text inlined, images as image parts. */
  attachments?: Attachment[];
  /** More to record in the stored exchange's meta (chat: its conversation and the exchange it follows). */
  episodeMeta?: Record<string, unknown>;
}

export interface AskResult {
  answer: string;
  memoryIds: number[];
  usage: Usage;
  exchangeId: string;
  interrupted: boolean;
  episodeId?: number;
  backend: string;
  model: string;
  /** What happens to the learning step: queued for the learner ("pending"), or not done and why. */
  learning?: "off" | "pending" | "skipped";
  /** Tokens of the user's context that were sent. */
  contextTokens: number;
  /** The episode this exchange continued (--continue), and how many earlier exchanges were sent. */
  continued?: { from: number; sent: number; withheld: number };
  /** Model options the backend has no parameter for, so not sent. */
  optionsNotSent?: string[];
}

interface Assembled {
  text: string;
  tokens: number;
  memoryIds: number[];
  /** Warms the memories the context used: called once the model has answered, off the way to its answer. */
  recordUse: () => void;
}

async function assemble(args: { query: string; budget: number; audience: Audience; db: Database; config: Config; paths: Paths; env?: NodeJS.ProcessEnv }): Promise<Assembled> {
  const { context: r, recordUse } = await assembleContextFirst(args);
  return { text: r.text ?? "", tokens: r.tokens ?? 0, memoryIds: [...new Set<number>(r.memoryIds ?? [])], recordUse };
}

export { INTERRUPTED_NOTE };

const answerKey = (s: string) => s.replace(/\s*\[interrupted\]\s*$/, "").trim();
export const WITHHELD_ANSWER = "[an earlier answer by a local model, withheld from this cloud model]";

/**
 * Answers given by a local backend in one conversation. A local answer was written with the private context
 * in view and may quote it, so when the conversation moves to a cloud backend (chat's /backend), those earlier
 * answers are withheld from the cloud request; the user's own messages are still sent (redacted on the way).
 */
export class LocalAnswers {
  readonly #keys = new Set<string>();

  add(answer: string): void {
    if (!answer.trim()) return;
    this.#keys.add(answerKey(answer));
    // A conversation sends at most its last few turns: the oldest answers can be forgotten.
    if (this.#keys.size > 500) this.#keys.delete(this.#keys.values().next().value!);
  }

  has(answer: string): boolean {
    return this.#keys.has(answerKey(answer));
  }
}

/** The history a cloud backend may see: the earlier local answers of this conversation withheld. */
export function cloudHistory(history: ChatMessage[], local: LocalAnswers | undefined): ChatMessage[] {
  if (!local) return history;
  return history.map((m) => (m.role === "assistant" && local.has(m.content) ? { role: "assistant", content: WITHHELD_ANSWER } : m));
}

/** Most earlier exchanges `--continue` sends (as chat sends its last 20 messages). */
const CONTINUE_EXCHANGES = 10;

/**
 * The turns of the stored conversation ending at `from` (oldest first), following each episode's
 * meta.continues. For a cloud backend, an exchange that was answered locally is left out whole: it is a
 * private memory, and its answer was written with the private context in view.
 */
export async function storedConversation(
  db: Database,
  config: Config,
  from: number | "latest",
  audience: Audience,
): Promise<{ from: number; history: ChatMessage[]; sent: number; withheld: number }> {
  const mem = openMemory(db, config);
  let id: number | undefined;
  if (from === "latest") {
    id = latestEpisodeId(db, "ask:");
    if (id === undefined) throw new UserError("there is no earlier 'pai ask' exchange to continue", { hint: "ask without --continue" });
  } else id = from;
  const first = mem.get(id);
  if (!isExchange(first)) {
    throw new UserError(`memory item ${id} is not a stored exchange`, { hint: "'pai memory list --kind episode' shows them" });
  }
  const turns: ChatMessage[][] = [];
  let withheld = 0;
  let item: MemoryItem | undefined = first;
  for (let n = 0; isExchange(item) && n < CONTINUE_EXCHANGES; n++) {
    const answer = answerOf(item);
    if (audience === "cloud" && backendAudience(String(item.meta.backend) as BackendName, config) !== "cloud") withheld++;
    else turns.unshift([{ role: "user", content: String(item.meta.question) }, { role: "assistant", content: item.meta.interrupted ? `${answer} [interrupted]` : answer }]);
    item = typeof item.meta.continues === "number" ? mem.get(item.meta.continues) : undefined;
  }
  return { from: id, history: turns.flat(), sent: turns.length, withheld };
}

export async function ask(question: string, opts: AskOptions): Promise<AskResult> {
  const q = question.trim();
  if (!q) throw new UsageError("no question", { hint: "pai ask \"your question\" (or pipe it: echo question | pai ask -)" });
  const { paths: p, config, db } = opts;
  const purpose = opts.purpose ?? "answer";
  const { backend: backendName, model } = resolveModel({ purpose, backend: opts.backend, model: opts.model, config });
  const audience = backendAudience(backendName, config);
  const incognito = opts.incognito ?? config.memory.incognito;

  const conversation = opts.continueFrom !== undefined ? await storedConversation(db, config, opts.continueFrom, audience) : undefined;
  const ctx =
    opts.context === false
      ? { text: "", tokens: 0, memoryIds: [], recordUse: () => {} }
      : await assemble({ query: q, budget: opts.budget ?? config.context.budget, audience, db, config, paths: p, env: opts.env });
  const system = buildSystem(opts.system ?? answerInstructions(p), ctx.text, opts.extraSystem);
  const files = opts.attachments ?? [];
  const images = files.flatMap((a) => (a.image ? [a.image] : []));
  const asked: ChatMessage = { role: "user", content: messageWithAttachments(q, files), ...(images.length ? { images } : {}) };
  let messages: ChatMessage[] = [...(conversation?.history ?? []), ...(opts.history ?? []), asked];
  // The context holds nothing private for a cloud model; the backend redacts secrets from what it sends.
  if (audience === "cloud") messages = cloudHistory(messages, opts.localAnswers);

  const exchangeId = randomUUID();
  // A job's exchange is its own in the call log (its caps apply), and keeps its texts: it runs incognito only to store no episode.
  const job = opts.source?.startsWith("job:") ? opts.source.slice(4) : undefined;
  const backend = getBackend({ purpose, backend: backendName, model, config, db, env: opts.env, secrets: opts.secrets, job, incognito: job ? undefined : opts.incognito });
  let answer = "";
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let interrupted = false;
  let finalModel = model;
  const mo = opts.modelOptions;
  const tuning = mo ? { temperature: mo.temperature, maxTokens: mo.maxTokens, sampling: mo.sampling } : {};
  for await (const ev of backend.chat({ purpose, system, messages, signal: opts.signal, exchangeId, ...tuning })) {
    if (ev.type === "text") {
      answer += ev.text;
      opts.onText?.(ev.text);
    } else if (ev.type === "done") {
      usage = ev.usage;
      finalModel = ev.model || model;
      interrupted = ev.stopReason === "aborted";
    }
  }
  if (opts.signal?.aborted) interrupted = true;
  if (audience === "local") opts.localAnswers?.add(answer);
  // The memories the answer was given with are warmed now, after the model's answer rather than on the way to it.
  if (!incognito) ctx.recordUse();

  const result: AskResult = {
    answer,
    memoryIds: ctx.memoryIds,
    usage,
    exchangeId,
    interrupted,
    backend: backendName,
    model: finalModel,
    contextTokens: ctx.tokens,
    learning: "off",
    ...(conversation ? { continued: { from: conversation.from, sent: conversation.sent, withheld: conversation.withheld } } : {}),
    ...(optionsNotSent(mo, backendName).length ? { optionsNotSent: optionsNotSent(mo, backendName) } : {}),
  };
  if (incognito) return result;

  const mem = openMemory(db, config);
  // Memories matched for the question were marked as used above (recordUse).
  if (interrupted && !answer.trim()) return result; // nothing was said: nothing to store
  // The stored question names the attached files; their content is not kept.
  const stored = `${q}${attachmentNote(files)}`;
  const content = interrupted
    ? `Q: ${stored}\nA (interrupted): ${answer.trimEnd()}\n${INTERRUPTED_NOTE}`
    : `Q: ${stored}\nA: ${answer.trim()}`;
  const learning = learningFor(opts.learn ?? config.learning.enabled, interrupted, audience, config);
  const episode = {
    content,
    kind: "episode" as const,
    source: `${opts.source ?? "ask"}:${backendName}/${finalModel}`,
    derivedFrom: ctx.memoryIds,
    visibility: "private" as const,
    meta: {
      exchange_id: exchangeId,
      question: redactSecrets(stored).text,
      backend: backendName,
      model: finalModel,
      memory_ids: ctx.memoryIds,
      interrupted,
      complete: !interrupted,
      usage,
      ...(conversation ? { continues: conversation.from } : {}),
      ...opts.episodeMeta,
    },
  };
  // The episode and its place in the learning queue are stored together: a process ending now loses neither.
  const item = db.transaction(() => {
    const { item: stored } = mem.remember(episode);
    if (learning === "pending") enqueueLearning(db, { episodeId: stored.id, exchangeId, answeredBy: audience });
    return stored;
  });
  return { ...result, episodeId: item.id, learning };
}

/** Whether an exchange is queued for learning, or why not. */
function learningFor(on: boolean, interrupted: boolean, audience: Audience, config: Config): "off" | "pending" | "skipped" {
  if (!on || interrupted) return interrupted ? "skipped" : "off";
  if (audience === "cloud" && !config.learning.cloud) return "skipped";
  // An exchange answered locally (with private context in view) is never handed to a cloud extractor.
  const extractAudience = backendAudience(resolveModel({ purpose: "extract", config }).backend, config);
  if (extractAudience === "cloud" && (audience === "local" || !config.learning.cloud)) return "skipped";
  return "pending";
}
