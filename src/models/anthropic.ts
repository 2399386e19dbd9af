/**
 * The Anthropic backend, through `@anthropic-ai/sdk`, streaming the Messages API. The SDK's own retries are
 * off: the wrapper retries (config backend.retries) so every attempt is logged.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { abortedEnd, BackendFailure } from "./errors.ts";
import type { ChatEvent, ChatRequest, Health, ModelBackend, ModelInfo } from "./types.ts";

export interface AnthropicOptions {
  apiKey?: string;
  baseUrl?: string;
  model: string;
  maxTokens: number;
  timeoutMs: number;
}

export const DEFAULT_ANTHROPIC_URL = "https://api.anthropic.com";

/** The tool a request with a schema must call: Anthropic's way of holding an answer to a JSON Schema. */
const JSON_TOOL = "json_answer";

function toAnthropicMessages(req: ChatRequest): any[] {
  const out: any[] = [];
  const push = (role: "user" | "assistant", block: any) => {
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(block);
    else out.push({ role, content: [block] });
  };
  for (const m of req.messages) {
    if (m.role === "tool") push("user", { type: "tool_result", tool_use_id: m.toolCallId, content: m.content });
    else if (m.role === "assistant") {
      if (m.content) push("assistant", { type: "text", text: m.content });
      for (const c of m.toolCalls ?? []) push("assistant", { type: "tool_use", id: c.id, name: c.name, input: c.arguments });
    } else {
      for (const i of m.images ?? []) push("user", { type: "image", source: { type: "base64", media_type: i.mediaType, data: i.data } });
      push("user", { type: "text", text: m.content });
    }
  }
  // Plain one-block text messages are sent as strings, the common shape.
  return out.map((m) => (m.content.length === 1 && m.content[0].type === "text" ? { role: m.role, content: m.content[0].text } : m));
}

let anthropicSdk: Promise<typeof import("@anthropic-ai/sdk")> | undefined;
/** The SDK once loaded: an error can only be one of its classes after that. */
let loaded: typeof Anthropic | undefined;

export class AnthropicBackend implements ModelBackend {
  readonly name = "anthropic" as const;
  readonly audience = "cloud" as const;
  readonly defaultModel: string;
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly maxTokens: number;
  private readonly timeoutMs: number;
  private sdk?: Anthropic;

  constructor(opts: AnthropicOptions) {
    this.apiKey = opts.apiKey;
    this.baseUrl = opts.baseUrl || DEFAULT_ANTHROPIC_URL;
    this.defaultModel = opts.model;
    this.maxTokens = opts.maxTokens;
    this.timeoutMs = opts.timeoutMs;
  }

  /** The client, its SDK loaded on the first call (a command that never calls Anthropic never loads it). */
  private async client(): Promise<Anthropic> {
    const Anthropic = (loaded = (await (anthropicSdk ??= import("@anthropic-ai/sdk"))).default);
    if (!this.apiKey) throw new BackendFailure("anthropic", "auth", "no API key", { host: this.baseUrl });
    this.sdk ??= new Anthropic({ apiKey: this.apiKey, baseURL: this.baseUrl, maxRetries: 0, timeout: this.timeoutMs });
    return this.sdk;
  }

  private classify(err: any, model?: string, signal?: AbortSignal): BackendFailure {
    if (err instanceof BackendFailure) return err;
    if (signal?.aborted) {
      if (signal.reason instanceof BackendFailure) return signal.reason;
      return new BackendFailure("anthropic", "aborted", "aborted", { host: this.baseUrl, cause: err });
    }
    const status: number | undefined = typeof err?.status === "number" ? err.status : undefined;
    const type: string | undefined = err?.error?.error?.type ?? err?.error?.type;
    const apiMessage: string = err?.error?.error?.message ?? err?.error?.message ?? err?.message ?? String(err);
    const message = this.apiKey ? apiMessage.split(this.apiKey).join("[key]") : apiMessage;
    const retryAfter = Number(err?.headers?.get?.("retry-after") ?? Number.NaN);
    const extra = { status, host: this.baseUrl, model, cause: err, retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined };
    if (loaded && err instanceof loaded.APIUserAbortError) return new BackendFailure("anthropic", "aborted", "aborted", extra);
    if (loaded && err instanceof loaded.APIConnectionTimeoutError) return new BackendFailure("anthropic", "timeout", message, extra);
    if (status === 401 || status === 403 || type === "authentication_error" || type === "permission_error")
      return new BackendFailure("anthropic", "auth", message, { ...extra, status: status ?? 401 });
    if (status === 429 || type === "rate_limit_error") return new BackendFailure("anthropic", "rate_limit", message, extra);
    if (status === 529 || type === "overloaded_error") return new BackendFailure("anthropic", "overloaded", message, extra);
    if (status === 404 || type === "not_found_error") return new BackendFailure("anthropic", "model_not_found", message, extra);
    if ((status !== undefined && status >= 500) || type === "api_error") return new BackendFailure("anthropic", "server", message, extra);
    if (status !== undefined && status >= 400) return new BackendFailure("anthropic", "bad_request", message, extra);
    if (loaded && err instanceof loaded.APIConnectionError) return new BackendFailure("anthropic", "connection", message, extra);
    return new BackendFailure("anthropic", "server", message, extra);
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatEvent> {
    const model = req.model ?? this.defaultModel;
    const system =
      req.json || req.schema
        ? `${req.system ? `${req.system}\n\n` : ""}Answer with one JSON object only, no prose and no code fences.`
        : req.system;
    const body: any = { model, max_tokens: req.maxTokens ?? this.maxTokens, messages: toAnthropicMessages(req), stream: true };
    if (system) body.system = system;
    if (req.temperature !== undefined) body.temperature = req.temperature;
    // Of the sampling options, the Messages API has top_p and top_k.
    if (req.sampling?.topP !== undefined) body.top_p = req.sampling.topP;
    if (req.sampling?.topK !== undefined) body.top_k = req.sampling.topK;
    if (req.tools?.length) body.tools = req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
    // A schema becomes the one tool the model must call; its input is handed on as the JSON text of the answer.
    if (req.schema) {
      body.tools = [{ name: JSON_TOOL, description: "Give the answer as a JSON object matching this schema.", input_schema: req.schema }];
      body.tool_choice = { type: "tool", name: JSON_TOOL };
    }
    let input = 0;
    let output = 0;
    let stop = "end";
    let finalModel = model;
    const blocks = new Map<number, { id: string; name: string; json: string }>();
    try {
      const stream = await (await this.client()).messages.create(body, { signal: req.signal });
      for await (const ev of stream as unknown as AsyncIterable<any>) {
        switch (ev.type) {
          case "message_start":
            input = ev.message?.usage?.input_tokens ?? 0;
            output = ev.message?.usage?.output_tokens ?? 0;
            finalModel = ev.message?.model ?? model;
            break;
          case "content_block_start":
            if (ev.content_block?.type === "tool_use") blocks.set(ev.index, { id: ev.content_block.id, name: ev.content_block.name, json: "" });
            else if (ev.content_block?.type === "text" && ev.content_block.text) yield { type: "text", text: ev.content_block.text };
            break;
          case "content_block_delta":
            if (ev.delta?.type === "text_delta") yield { type: "text", text: ev.delta.text };
            else if (ev.delta?.type === "input_json_delta") {
              const b = blocks.get(ev.index);
              if (b) b.json += ev.delta.partial_json ?? "";
            }
            break;
          case "content_block_stop": {
            const b = blocks.get(ev.index);
            if (b) {
              let args: Record<string, unknown> = {};
              try {
                args = b.json ? JSON.parse(b.json) : {};
              } catch {
                throw new BackendFailure("anthropic", "server", `malformed tool input for ${b.name}`);
              }
              if (req.schema && b.name === JSON_TOOL) yield { type: "text", text: JSON.stringify(args) };
              else yield { type: "tool_call", call: { id: b.id, name: b.name, arguments: args } };
              blocks.delete(ev.index);
            }
            break;
          }
          case "message_delta":
            if (ev.usage?.output_tokens !== undefined) output = ev.usage.output_tokens;
            if (ev.usage?.input_tokens) input = ev.usage.input_tokens;
            if (ev.delta?.stop_reason) {
              const end = ev.delta.stop_reason === "end_turn" || ev.delta.stop_reason === "stop_sequence" || (req.schema && ev.delta.stop_reason === "tool_use");
              stop = end ? "end" : ev.delta.stop_reason;
            }
            break;
        }
      }
    } catch (err) {
      yield abortedEnd(this.classify(err, model, req.signal), { inputTokens: input, outputTokens: output }, finalModel);
      return;
    }
    yield { type: "done", usage: { inputTokens: input, outputTokens: output }, stopReason: stop, model: finalModel };
  }

  async listModels(): Promise<ModelInfo[]> {
    try {
      const out: ModelInfo[] = [];
      for await (const m of (await this.client()).models.list({ limit: 100 })) out.push({ name: m.id, backend: "anthropic", family: (m as any).display_name });
      return out;
    } catch (err) {
      throw this.classify(err);
    }
  }

  async health(_opts: { timeoutMs?: number } = {}): Promise<Health> {
    if (!this.apiKey) return { ok: false, detail: `${this.baseUrl}: no API key — set ANTHROPIC_API_KEY` };
    try {
      await (await this.client()).models.list({ limit: 1 });
      return { ok: true, detail: this.baseUrl };
    } catch (err) {
      const f = this.classify(err);
      return { ok: false, detail: `${this.baseUrl}: ${f.kind === "auth" ? "the API key was rejected (401)" : f.message}` };
    }
  }
}
