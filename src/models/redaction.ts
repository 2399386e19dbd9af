/**
 * The last guard before a host that is not this machine: a decorator that redacts every text of a request
 * (the system prompt, each message, the model's own tool input, tool results) and every text to embed, with
 * the credential shapes and every secret value the process handles (a `Secrets` value handed down). Any
 * backend whose audience is "cloud" is wrapped in it, whatever its vendor.
 */
import { Secrets } from "../kernel/secrets.ts";
import { BackendDecorator } from "./decorator.ts";
import type { ChatEvent, ChatMessage, ChatRequest, ModelBackend } from "./types.ts";

/** The request with every text redacted. */
export function redactRequest(req: ChatRequest, secrets: Secrets): ChatRequest {
  const clean = (t: string) => secrets.redact(t);
  const messages = req.messages.map((m): ChatMessage => {
    if (m.role === "assistant") {
      return { ...m, content: clean(m.content), ...(m.toolCalls ? { toolCalls: m.toolCalls.map((c) => ({ ...c, arguments: secrets.redactDeep(c.arguments) })) } : {}) };
    }
    return { ...m, content: clean(m.content) };
  });
  return { ...req, ...(req.system !== undefined ? { system: clean(req.system) } : {}), messages };
}

export class CloudRedaction extends BackendDecorator {
  constructor(
    inner: ModelBackend,
    private readonly secrets: Secrets,
  ) {
    super(inner);
  }

  chat(req: ChatRequest): AsyncIterable<ChatEvent> {
    return this.inner.chat(redactRequest(req, this.secrets));
  }

  protected override embedTexts(texts: string[], opts?: { model?: string; signal?: AbortSignal }): Promise<number[][]> {
    return this.inner.embed!(texts.map((t) => this.secrets.redact(t)), opts);
  }
}

/** The backend as it may be used for its audience: a cloud one behind the redaction, a local one as it is. */
export function guarded(backend: ModelBackend, secrets: Secrets = new Secrets()): ModelBackend {
  return backend.audience === "cloud" ? new CloudRedaction(backend, secrets) : backend;
}
