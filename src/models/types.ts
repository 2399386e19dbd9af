/**
 * The model backend interface. No vendor type crosses it: Ollama and Anthropic are adapted to these shapes
 * inside their own modules. Cross-cutting behaviour (logging every call, retries) wraps a backend.
 */
export type BackendName = "ollama" | "anthropic";
/** Local backends may see private items; cloud backends never do. */
import type { Audience } from "../kernel/privacy.ts";
export type { Audience };
export type Purpose = "answer" | "extract" | "embed" | "consolidate" | "skill" | "prompt" | "route" | "job";

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** An image sent with a user message: its media type (image/png, image/jpeg, image/gif, image/webp) and base64 bytes. */
export interface ImagePart {
  mediaType: string;
  data: string;
}

export type ChatMessage =
  | { role: "user"; content: string; images?: ImagePart[] }
  | { role: "assistant"; content: string; toolCalls?: ToolCall[] }
  | { role: "tool"; toolCallId: string; name: string; content: string };

export interface ChatRequest {
  /** Model name; the backend's default when absent. */
  model?: string;
  system?: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  maxTokens?: number;
  temperature?: number;
  /** Further sampling options the user named (`pai ask -o`); each backend sends those it has. */
  sampling?: Sampling;
  /** Ask for a JSON object as the answer (structured output). */
  json?: boolean;
  /**
   * The JSON Schema the answer must match (structured output): Ollama receives it as `format`, Anthropic as a
   * tool it must call. The answer still arrives as text events holding the JSON. Implies `json`.
   */
  schema?: Record<string, unknown>;
  purpose: Purpose;
  signal?: AbortSignal;
  /** The exchange this call belongs to, for the call log. */
  exchangeId?: string;
}

export interface Sampling {
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  repeatPenalty?: number;
  /** The context window (Ollama's num_ctx), instead of the one sized to the prompt. */
  contextTokens?: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type ChatEvent =
  | { type: "text"; text: string }
  | { type: "tool_call"; call: ToolCall }
  | { type: "done"; usage: Usage; stopReason: "end" | "max_tokens" | "tool_use" | "aborted" | string; model: string };

export interface ModelInfo {
  name: string;
  backend: BackendName;
  sizeBytes?: number;
  family?: string;
  embedding?: boolean;
}

export interface Health {
  ok: boolean;
  /** What was tried ("http://127.0.0.1:11434") and, when not ok, what to do. */
  detail: string;
}

export interface ModelBackend {
  readonly name: BackendName;
  readonly audience: Audience;
  /** The model used when a request names none. */
  readonly defaultModel: string;
  /** Streams text deltas and tool calls, then one `done` event with the usage. */
  chat(req: ChatRequest): AsyncIterable<ChatEvent>;
  /** Embeddings, where the backend has them (undefined otherwise). */
  embed?(texts: string[], opts?: { model?: string; signal?: AbortSignal }): Promise<number[][]>;
  listModels(): Promise<ModelInfo[]>;
  health(opts?: { timeoutMs?: number }): Promise<Health>;
}
