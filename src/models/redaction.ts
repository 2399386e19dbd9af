/**
 * The last guard before a host that is not this machine: a decorator that redacts every text of a request
 * (the system prompt, each message, the model's own tool input, tool results) and every text to embed, with
 * the credential shapes and every secret value the process handles (a `Secrets` value handed down). Any
 * backend whose audience is "cloud" is wrapped in it, whatever its vendor.
 */
import { Secrets } from "../kernel/secrets.ts";
import type { ChatEvent, ChatMessage, ChatRequest, Health, ModelBackend, ModelInfo } from "./types.ts";

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

export class CloudRedaction implements ModelBackend {
  readonly name;
  readonly audience;
  readonly defaultModel: string;
  readonly embed?: ModelBackend["embed"];
  /** The inner backend's embedding model, where it has one. */
  readonly embedModel?: string;

  constructor(
    readonly inner: ModelBackend,
    private readonly secrets: Secrets,
  ) {
    this.name = inner.name;
    this.audience = inner.audience;
    this.defaultModel = inner.defaultModel;
    this.embedModel = (inner as { embedModel?: string }).embedModel;
    if (inner.embed) this.embed = (texts, o) => inner.embed!(texts.map((t) => secrets.redact(t)), o);
  }

  chat(req: ChatRequest): AsyncIterable<ChatEvent> {
    return this.inner.chat(redactRequest(req, this.secrets));
  }

  listModels(): Promise<ModelInfo[]> {
    return this.inner.listModels();
  }

  health(opts?: { timeoutMs?: number }): Promise<Health> {
    return this.inner.health(opts);
  }
}

/** The backend as it may be used for its audience: a cloud one behind the redaction, a local one as it is. */
export function guarded(backend: ModelBackend, secrets: Secrets = new Secrets()): ModelBackend {
  return backend.audience === "cloud" ? new CloudRedaction(backend, secrets) : backend;
}
