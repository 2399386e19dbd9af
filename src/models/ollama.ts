/**
 * The Ollama backend, through the `ollama` npm client. Every chat sends `options.num_ctx` sized to the prompt:
 * Ollama's default context silently truncates long prompts.
 */
import type { Ollama } from "ollama";
import { abortedEnd, BackendFailure } from "./errors.ts";
import type { Audience, ChatEvent, ChatRequest, Health, ModelBackend, ModelInfo, ToolCall } from "./types.ts";
import { tokensOfChars } from "../kernel/text.ts";

export interface OllamaOptions {
  host: string;
  model: string;
  embedModel: string;
  /** The user declared a host that is not this machine trusted (config ollama.trusted). */
  trusted?: boolean;
}

export { DEFAULT_OLLAMA_HOST, isLoopbackUrl, ollamaAudience, ollamaHost } from "./audience.ts";
import { ollamaAudience } from "./audience.ts";

/** Room kept for the answer when the request names no maxTokens. */
export const ANSWER_ROOM = 1024;

/** num_ctx for a prompt: its estimated tokens plus room for the answer, rounded up to a power of two ≥ 2048. */
export function numCtxFor(promptTokens: number, answerTokens: number = ANSWER_ROOM): number {
  const need = Math.max(1, promptTokens + answerTokens);
  let n = 2048;
  while (n < need) n *= 2;
  return n;
}

function promptTokens(req: ChatRequest): number {
  let chars = req.system?.length ?? 0;
  for (const m of req.messages) chars += m.content.length + 8;
  if (req.tools?.length) chars += JSON.stringify(req.tools).length;
  return tokensOfChars(chars);
}

function toOllamaMessages(req: ChatRequest): any[] {
  const out: any[] = [];
  if (req.system) out.push({ role: "system", content: req.system });
  for (const m of req.messages) {
    if (m.role === "tool") out.push({ role: "tool", content: m.content, tool_name: m.name });
    else if (m.role === "assistant" && m.toolCalls?.length)
      out.push({ role: "assistant", content: m.content, tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) });
    else if (m.role === "user" && m.images?.length) out.push({ role: "user", content: m.content, images: m.images.map((i) => i.data) });
    else out.push({ role: m.role, content: m.content });
  }
  return out;
}

function isConnectionError(err: any): boolean {
  const text = `${err?.name ?? ""} ${err?.code ?? ""} ${err?.message ?? ""} ${err?.cause?.code ?? ""} ${err?.cause?.message ?? ""}`;
  return /ECONNREFUSED|ConnectionRefused|Unable to connect|fetch failed|ENOTFOUND|EHOSTUNREACH|ECONNRESET|socket|network|FailedToOpenSocket|ConnectionClosed/i.test(text);
}

let ollamaSdk: Promise<typeof import("ollama")> | undefined;

export class OllamaBackend implements ModelBackend {
  readonly name = "ollama" as const;
  readonly audience: Audience;
  readonly defaultModel: string;
  readonly host: string;
  readonly embedModel: string;

  constructor(opts: OllamaOptions) {
    this.host = opts.host;
    this.audience = ollamaAudience(opts.host, opts.trusted === true);
    this.defaultModel = opts.model;
    this.embedModel = opts.embedModel;
  }

  /** The client, its SDK loaded on the first call (a command that never calls Ollama never loads it). */
  private async client(signal?: AbortSignal): Promise<Ollama> {
    const { Ollama } = await (ollamaSdk ??= import("ollama"));
    const f: typeof fetch = ((input: any, init: any = {}) => {
      const signals = [init.signal, signal].filter(Boolean) as AbortSignal[];
      return fetch(input, { ...init, signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0] });
    }) as typeof fetch;
    return new Ollama({ host: this.host, fetch: f });
  }

  private classify(err: any, model?: string, signal?: AbortSignal): BackendFailure {
    if (err instanceof BackendFailure) return err;
    if (signal?.aborted) {
      const reason = signal.reason;
      if (reason instanceof BackendFailure) return reason;
      return new BackendFailure("ollama", "aborted", "aborted", { host: this.host, cause: err });
    }
    const status: number | undefined = err?.status_code;
    const message = String(err?.error ?? err?.message ?? err);
    if (status === 404 || /model ['"]?.*['"]? not found|not found, try pulling/i.test(message))
      return new BackendFailure("ollama", "model_not_found", message, { status, host: this.host, model, cause: err });
    if (status === 429) return new BackendFailure("ollama", "rate_limit", message, { status, host: this.host, cause: err });
    if (status !== undefined && status >= 500) return new BackendFailure("ollama", "server", message, { status, host: this.host, cause: err });
    if (status !== undefined && status >= 400) return new BackendFailure("ollama", "bad_request", message, { status, host: this.host, cause: err });
    if (isConnectionError(err)) return new BackendFailure("ollama", "connection", message, { host: this.host, cause: err });
    return new BackendFailure("ollama", "server", message, { host: this.host, cause: err });
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatEvent> {
    const model = req.model ?? this.defaultModel;
    const options: Record<string, number> = { num_ctx: numCtxFor(promptTokens(req), req.maxTokens ?? ANSWER_ROOM) };
    if (req.maxTokens) options.num_predict = req.maxTokens;
    if (req.temperature !== undefined) options.temperature = req.temperature;
    const o = req.sampling ?? {};
    const named: [number | undefined, string][] = [[o.topP, "top_p"], [o.topK, "top_k"], [o.minP, "min_p"], [o.seed, "seed"], [o.repeatPenalty, "repeat_penalty"], [o.contextTokens, "num_ctx"]];
    for (const [v, key] of named) if (v !== undefined) options[key] = v;
    const body: any = { model, messages: toOllamaMessages(req), stream: true, options };
    // Ollama's structured outputs take a JSON Schema in `format`; "json" only asks for some JSON object.
    if (req.schema) body.format = req.schema;
    else if (req.json) body.format = "json";
    if (req.tools?.length)
      body.tools = req.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } }));
    let input = 0;
    let output = 0;
    let stop = "end";
    let finalModel = model;
    let n = 0;
    try {
      const stream = await (await this.client(req.signal)).chat(body);
      for await (const part of stream as AsyncIterable<any>) {
        const text: string = part.message?.content ?? "";
        if (text) yield { type: "text", text };
        for (const c of part.message?.tool_calls ?? []) {
          const call: ToolCall = { id: `call_${++n}`, name: c.function?.name ?? "", arguments: c.function?.arguments ?? {} };
          yield { type: "tool_call", call };
          stop = "tool_use";
        }
        if (part.done) {
          input = part.prompt_eval_count ?? 0;
          output = part.eval_count ?? 0;
          finalModel = part.model ?? model;
          if (part.done_reason === "length") stop = "max_tokens";
        }
      }
    } catch (err) {
      yield abortedEnd(this.classify(err, model, req.signal), { inputTokens: input, outputTokens: output }, finalModel);
      return;
    }
    yield { type: "done", usage: { inputTokens: input, outputTokens: output }, stopReason: stop, model: finalModel };
  }

  async embed(texts: string[], opts: { model?: string; signal?: AbortSignal } = {}): Promise<number[][]> {
    const model = opts.model ?? this.embedModel;
    try {
      const r = await (await this.client(opts.signal)).embed({ model, input: texts });
      return r.embeddings;
    } catch (err) {
      throw this.classify(err, model, opts.signal);
    }
  }

  async listModels(): Promise<ModelInfo[]> {
    try {
      const r = await (await this.client(AbortSignal.timeout(10_000))).list();
      return r.models.map((m: any) => ({
        name: m.name ?? m.model,
        backend: "ollama" as const,
        sizeBytes: m.size,
        family: m.details?.family,
        embedding: /embed|bert/i.test(`${m.name} ${m.details?.family ?? ""} ${(m.details?.families ?? []).join(" ")}`),
      }));
    } catch (err) {
      throw this.classify(err);
    }
  }

  async health(opts: { timeoutMs?: number } = {}): Promise<Health> {
    try {
      const r = await (await this.client(AbortSignal.timeout(opts.timeoutMs ?? 3000))).version();
      return { ok: true, detail: `${this.host} (Ollama ${r.version})` };
    } catch (err) {
      const f = this.classify(err);
      return { ok: false, detail: `${this.host}: ${f.kind === "connection" ? "not reachable — start it with 'ollama serve'" : f.message}` };
    }
  }
}
