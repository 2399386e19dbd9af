/**
 * The base of a decorator around a backend (cloud redaction, the call log with retries): it is the backend it
 * wraps in name and audience, and passes on what it does not change.
 */
import type { ChatEvent, ChatRequest, Health, ModelBackend, ModelInfo } from "./types.ts";

export abstract class BackendDecorator implements ModelBackend {
  readonly name;
  readonly audience;
  readonly defaultModel: string;
  readonly embed?: ModelBackend["embed"];
  /** The wrapped backend's embedding model, where it has one. */
  readonly embedModel?: string;

  constructor(
    readonly inner: ModelBackend,
    defaultModel: string = inner.defaultModel,
  ) {
    this.name = inner.name;
    this.audience = inner.audience;
    this.defaultModel = defaultModel;
    this.embedModel = (inner as { embedModel?: string }).embedModel;
    if (inner.embed) this.embed = (texts, o) => this.embedTexts(texts, o);
  }

  abstract chat(req: ChatRequest): AsyncIterable<ChatEvent>;

  /** Embeddings through the decorator (called only when the wrapped backend has them): passed on unchanged by default. */
  protected embedTexts(texts: string[], opts?: { model?: string; signal?: AbortSignal }): Promise<number[][]> {
    return this.inner.embed!(texts, opts);
  }

  listModels(): Promise<ModelInfo[]> {
    return this.inner.listModels();
  }

  health(opts?: { timeoutMs?: number }): Promise<Health> {
    return this.inner.health(opts);
  }
}
