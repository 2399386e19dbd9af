/**
 * Model backends: resolve which backend and model serve a purpose (flags, then config `models.<purpose>`,
 * then `backend.default`), build it, and wrap it with the date line, cloud redaction, logging, retries and
 * timeouts.
 */
import type { Config } from "../config/schema.ts";
import { UsageError } from "../kernel/errors.ts";
import type { Database } from "../kernel/storage/index.ts";
import type { Secrets } from "../kernel/secrets.ts";
import { AnthropicBackend } from "./anthropic.ts";
import { OllamaBackend, ollamaHost } from "./ollama.ts";
export { backendAudience, isLoopbackUrl, ollamaHost } from "./audience.ts";
import type { Audience, BackendName, ModelBackend, Purpose } from "./types.ts";
import { DatedRequests } from "./clock.ts";
import { guarded } from "./redaction.ts";
import { LoggedBackend } from "./wrapper.ts";

export type * from "./types.ts";
export { BackendFailure, toPaiError } from "./errors.ts";
export { listCalls, type CallRecord } from "./calllog.ts";
export { numCtxFor } from "./ollama.ts";
export { resolveModel, type Resolved } from "./resolve.ts";
import { resolveModel } from "./resolve.ts";
export { todayLine } from "./clock.ts";

export const BACKENDS: readonly BackendName[] = ["ollama", "anthropic"];

export function parseBackendName(name: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new UsageError(`unknown backend '${name}'`, { hint: `use one of: ${BACKENDS.join(", ")}` });
}

/** A raw backend (no logging, no retries). */
export function createBackend(name: BackendName, model: string, config: Config, env: NodeJS.ProcessEnv = process.env): ModelBackend {
  if (name === "anthropic") {
    return new AnthropicBackend({
      apiKey: env.ANTHROPIC_API_KEY?.trim() || undefined,
      baseUrl: env.ANTHROPIC_BASE_URL?.trim() || config.anthropic.baseUrl,
      model,
      maxTokens: config.anthropic.maxTokens,
      timeoutMs: config.backend.timeoutMs,
    });
  }
  return new OllamaBackend({ host: ollamaHost(config.ollama.host, env), model, embedModel: config.ollama.embedModel, trusted: config.ollama.trusted === true });
}

export interface GetBackendOptions {
  purpose: Purpose;
  backend?: BackendName;
  model?: string;
  config: Config;
  /** Where every call is logged. */
  db: Database;
  /** Secret values to redact from anything sent to a cloud backend (credential shapes are redacted anyway). */
  secrets?: Secrets;
  /** Environment for OLLAMA_HOST / ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The clock the date line of each request is read from (default: the machine's; tests fix it). */
  now?: () => Date;
  /** The job and the pack the calls are made for: recorded in the call log, and their caps apply (limits.ts). */
  job?: string;
  pack?: string;
  /** Keep no texts of the calls (an incognito exchange); config memory.incognito does the same. */
  incognito?: boolean;
}

/**
 * The backend for a purpose: every chat request ends its system prompt with today's date, time and zone
 * (see clock.ts); a cloud backend sits behind the redaction; then the call log, retries and the timeout.
 */
export function getBackend(opts: GetBackendOptions): ModelBackend {
  const config = opts.config;
  const { backend, model } = resolveModel({ ...opts, config });
  return new LoggedBackend(guarded(new DatedRequests(createBackend(backend, model, config, opts.env), opts.now), opts.secrets), {
    purpose: opts.purpose,
    model,
    retries: config.backend.retries,
    timeoutMs: config.backend.timeoutMs,
    backoffMs: config.backend.backoffMs,
    db: opts.db,
    secrets: opts.secrets,
    job: opts.job,
    pack: opts.pack,
    keepTexts: !(opts.incognito || config.memory.incognito),
    now: opts.now,
  });
}
