/**
 * Backend failures, classified once inside each backend so the wrapper can decide what to retry, and turned
 * into one user-facing line (EnvironmentError, exit 3) with the fix when retries are exhausted.
 */
import { EnvironmentError, UserError, type PaiError } from "../kernel/errors.ts";
import type { BackendName, ChatEvent, Usage } from "./types.ts";

export type FailureKind =
  | "connection" // nothing listening, DNS, reset
  | "timeout"
  | "auth" // missing key or 401/403
  | "model_not_found"
  | "rate_limit" // 429
  | "overloaded" // 529
  | "server" // other 5xx
  | "bad_request" // 400 and other 4xx
  | "aborted"; // the caller aborted

export class BackendFailure extends Error {
  override readonly name = "BackendFailure";
  constructor(
    readonly backend: BackendName,
    readonly kind: FailureKind,
    message: string,
    readonly extra: { status?: number; host?: string; model?: string; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
  }
  get retryable(): boolean {
    return this.kind === "rate_limit" || this.kind === "overloaded" || this.kind === "server" || this.kind === "timeout";
  }
}

/** One line with the fix, for a failure that retries could not cure. */
export function toPaiError(f: BackendFailure, attempts = 1): PaiError {
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : "";
  if (f.backend === "ollama") {
    const host = f.extra.host ?? "the Ollama host";
    switch (f.kind) {
      case "connection":
        return new EnvironmentError(`cannot reach Ollama at ${host}`, {
          hint: "start it with 'ollama serve' (or set OLLAMA_HOST / 'pai config set ollama.host URL'), or use --backend anthropic",
          cause: f,
        });
      case "model_not_found":
        return new EnvironmentError(`Ollama at ${host} has no model '${f.extra.model}'`, {
          hint: `run 'ollama pull ${f.extra.model}' (or choose another with --model; 'pai models' lists them)`,
          cause: f,
        });
      case "timeout":
        return new EnvironmentError(`Ollama at ${host} did not answer in time${tries}`, {
          hint: "raise backend.timeoutMs ('pai config set backend.timeoutMs 300000') or use a smaller model",
          cause: f,
        });
      case "bad_request":
        return new UserError(`Ollama rejected the request: ${f.message}`, { hint: "check the model name and options", cause: f });
      default:
        return new EnvironmentError(`Ollama at ${host} failed: ${f.message}${tries}`, { hint: "check 'ollama serve' output, then try again", cause: f });
    }
  }
  switch (f.kind) {
    case "auth":
      return new EnvironmentError(f.extra.status ? `Anthropic rejected the API key (${f.extra.status})` : "no Anthropic API key", {
        hint: f.extra.status
          ? "check ANTHROPIC_API_KEY (a valid key from console.anthropic.com), or use --backend ollama"
          : "set ANTHROPIC_API_KEY, or use --backend ollama",
        cause: f,
      });
    case "connection":
      return new EnvironmentError(`cannot reach Anthropic at ${f.extra.host ?? "the API"}`, {
        hint: "check the network (and ANTHROPIC_BASE_URL / anthropic.baseUrl), or use --backend ollama",
        cause: f,
      });
    case "rate_limit":
      return new EnvironmentError(`Anthropic is rate limiting requests${tries}`, { hint: "wait a minute and try again, or use --backend ollama", cause: f });
    case "overloaded":
      return new EnvironmentError(`Anthropic is overloaded${tries}`, { hint: "try again shortly, or use --backend ollama", cause: f });
    case "timeout":
      return new EnvironmentError(`Anthropic did not answer in time${tries}`, { hint: "raise backend.timeoutMs, or try again", cause: f });
    case "model_not_found":
      return new EnvironmentError(`Anthropic has no model '${f.extra.model}'`, { hint: "choose another with --model ('pai models' lists them)", cause: f });
    case "bad_request":
      return new UserError(`Anthropic rejected the request: ${f.message}`, { hint: "check the model name and options", cause: f });
    default:
      return new EnvironmentError(`Anthropic failed: ${f.message}${tries}`, { hint: "try again shortly, or use --backend ollama", cause: f });
  }
}

/**
 * The end of a stream that failed: a `done` event marked aborted when the caller stopped it (what was said so
 * far stands), else the failure, thrown.
 */
export function abortedEnd(f: BackendFailure, usage: Usage, model: string): ChatEvent {
  if (f.kind !== "aborted") throw f;
  return { type: "done", usage, stopReason: "aborted", model };
}
