/**
 * Embeddings of memory: the backlog of items lacking a vector of the embed model is embedded in batches by
 * the backend of the `embed` purpose (models.embed, else backend.default; ollama.embedModel), and a search
 * query is embedded so memory search can rank by meaning as well as by words.
 *
 * Privacy: a cloud embed backend (Anthropic has none; an Ollama that is not this machine and not trusted)
 * never receives a private item: its backlog leaves them out. A query is the user's own words and is treated
 * as private: it is embedded by a local backend, and by a cloud one only for a search whose results go to a
 * cloud audience anyway (private items are not searched then). Otherwise search stays lexical.
 *
 * A query is embedded only when the store holds a vector of the model (with none, no call is made and the
 * results are exactly the lexical ones), within a short timeout. A failure of the model (unreachable,
 * missing) is recorded (embed-state.ts) and nothing is tried on its own for a back-off period; search goes on
 * lexical meanwhile and `pai memory stats` and `pai doctor` say so.
 */
import type { Config } from "../config/schema.ts";
import { EnvironmentError, PaiError, UserError } from "../kernel/errors.ts";
import type { Database } from "../kernel/storage/index.ts";
import type { Audience } from "../kernel/privacy.ts";
import { BackendFailure, getBackend, ollamaHost, type BackendName, type ModelBackend } from "../models/index.ts";
import { backendEmbeds, embeddingsEnabled, embedTarget, hasBacklog, queryWanted, type EmbedTarget } from "./embed-target.ts";
import { clearFailure, inBackoff, readFailure, recordFailure, takeEmbedLock, type EmbedFailure, type EmbedFailureKind } from "./embed-state.ts";
import { embeddingStore } from "./embed-store.ts";
import { failureFix } from "./embed-status.ts";
import type { SearchOptions } from "../memory/types.ts";

export { embeddingsEnabled, embedTarget, hasBacklog, queryWanted, type EmbedTarget } from "./embed-target.ts";
export { embeddingStatus, failureFix, type EmbeddingStatus } from "./embed-status.ts";
export { EMBED_BACKOFF_MS, embedderRunning, inBackoff, readFailure, takeEmbedLock, type EmbedFailure } from "./embed-state.ts";

/** Texts per request to the embed model. */
export const EMBED_BATCH = 32;
/** How long a search waits for its query's vector before going on lexical. */
export const QUERY_EMBED_TIMEOUT_MS = 2_000;
/** The longest query text sent to be embedded. */
const QUERY_MAX_CHARS = 4_000;

export interface EmbedProgress {
  /** Items embedded so far in this run. */
  embedded: number;
  /** Items that lacked a vector when the run began (for a cloud backend, private ones included). */
  total: number;
  model: string;
}

export interface EmbedBacklogOptions {
  db: Database;
  config: Config;
  env?: NodeJS.ProcessEnv;
  /** The backend to embed with (default: the one of the embed purpose, logged, with retries). */
  backend?: ModelBackend;
  signal?: AbortSignal;
  onProgress?: (p: EmbedProgress) => void;
  /** Texts per request (default EMBED_BATCH). */
  batch?: number;
  /** user/run/: where a failure is recorded (and a success clears it). */
  run?: string;
}

export interface EmbedBacklogResult {
  backend: BackendName;
  model: string;
  audience: Audience;
  embedded: number;
  /** Current items still lacking a vector of the model. */
  left: number;
  /** Of those, private items a cloud backend is never given. */
  keptPrivate: number;
  interrupted: boolean;
}

/** The failure behind an error of a backend, classified for the record and the notice. */
function failureOf(err: unknown): { kind: EmbedFailureKind; reason: string; host?: string } {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    if (e instanceof BackendFailure) {
      const kind: EmbedFailureKind = e.kind === "connection" || e.kind === "model_not_found" || e.kind === "timeout" ? e.kind : "other";
      return { kind, reason: e.message.split("\n", 1)[0]!.slice(0, 300), host: e.extra.host };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return { kind: "other", reason: String((err as Error)?.message ?? err).split("\n", 1)[0]!.slice(0, 300) };
}

/** The error for a failure of the embed model: one line with the fix. */
function embedError(t: EmbedTarget, f: { kind: EmbedFailureKind; reason: string; host?: string }, cause?: unknown): PaiError {
  const where = t.backend === "ollama" ? `Ollama at ${f.host ?? "its host"}` : t.backend;
  const message =
    f.kind === "model_not_found"
      ? `${where} has no embed model '${t.model}'`
      : f.kind === "connection"
        ? `cannot reach ${where} to embed with '${t.model}'`
        : f.kind === "timeout"
          ? `${where} did not embed with '${t.model}' in time`
          : `embedding with '${t.model}' failed: ${f.reason}`;
  return new EnvironmentError(message, { hint: `${failureFix({ ...f, model: t.model, backend: t.backend })}; search stays lexical meanwhile`, cause });
}

function backendFor(opts: { db: Database; config: Config; env?: NodeJS.ProcessEnv; backend?: ModelBackend }): ModelBackend {
  return opts.backend ?? getBackend({ purpose: "embed", config: opts.config, db: opts.db, env: opts.env });
}

/**
 * Embeds every current item lacking a vector of the embed model, in id order and in batches, each batch
 * stored in one transaction: interrupted (the signal) or failed, what was stored stays, and the next run
 * goes on from there. A failure of the model is recorded (`run`) and thrown as one line with the fix.
 */
export async function embedBacklog(opts: EmbedBacklogOptions): Promise<EmbedBacklogResult> {
  const { db, config, env = process.env, signal } = opts;
  const target = embedTarget(config, env);
  const batch = opts.batch ?? EMBED_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new UserError(`invalid batch size ${batch}`, { hint: "give a whole number of texts per request, at least 1" });
  const backend = backendFor({ ...opts, env });
  const audience = backend.audience;
  const es = embeddingStore(db, config);
  const total = es.embeddingCounts(target.model).pending;
  const result = (embedded: number, interrupted: boolean): EmbedBacklogResult => {
    const left = es.embeddingCounts(target.model).pending;
    const keptPrivate = audience === "cloud" && !interrupted ? left : 0;
    return { backend: target.backend, model: target.model, audience, embedded, left, keptPrivate, interrupted };
  };
  if (!backend.embed) {
    const f = { kind: "no_embeddings" as const, reason: `${target.backend} has no embeddings` };
    if (opts.run) recordFailure(opts.run, { backend: target.backend, model: target.model, ...f });
    throw new EnvironmentError(`the embed backend ${target.backend} has no embeddings`, { hint: `${failureFix({ ...f, model: target.model, backend: target.backend })}; search stays lexical meanwhile` });
  }
  let embedded = 0;
  let after = 0;
  let reached = false;
  const host = target.backend === "ollama" ? ollamaHost(config.ollama.host, env) : undefined;
  opts.onProgress?.({ embedded, total, model: target.model });
  while (!signal?.aborted) {
    // A cloud backend is never given a private item.
    const rows = es.embeddingBacklog({ model: target.model, afterId: after, limit: batch, audience });
    if (!rows.length) break;
    after = rows[rows.length - 1]!.id;
    if (!reached) {
      // Is anyone there? Asked before the first batch and never logged as a model call, so a machine with no
      // model running gets one line (and a background embedder writes nothing to the database).
      const h = await backend.health({ timeoutMs: QUERY_EMBED_TIMEOUT_MS }).catch((err) => ({ ok: false, detail: String((err as Error)?.message ?? err) }));
      if (signal?.aborted) break;
      if (!h.ok) {
        const f = { kind: "connection" as const, reason: h.detail.split("\n", 1)[0]!.slice(0, 300), host };
        if (opts.run) recordFailure(opts.run, { backend: target.backend, model: target.model, kind: f.kind, reason: f.reason });
        throw embedError(target, f);
      }
      reached = true;
    }
    let vectors: number[][];
    try {
      vectors = await backend.embed(
        rows.map((r) => r.content),
        { model: target.model, signal },
      );
    } catch (err) {
      if (signal?.aborted) break;
      const f = failureOf(err);
      if (opts.run) recordFailure(opts.run, { backend: target.backend, model: target.model, kind: f.kind, reason: f.reason });
      throw embedError(target, { ...f, host: f.host ?? host }, err);
    }
    if (vectors.length !== rows.length || vectors.some((v) => !Array.isArray(v) || !v.length)) {
      throw new EnvironmentError(`the embed model '${target.model}' answered ${vectors.length} vector(s) for ${rows.length} text(s)`, {
        hint: "check that it is an embedding model ('pai models' marks them)",
      });
    }
    es.setEmbeddings(rows.map((r, i) => ({ id: r.id, vector: vectors[i]!, model: target.model })));
    embedded += rows.length;
    opts.onProgress?.({ embedded, total, model: target.model });
  }
  // The model answered: an earlier failure is no longer the latest word on it.
  if (opts.run && reached && embedded > 0) clearFailure(opts.run);
  return result(embedded, !!signal?.aborted);
}

export interface QueryEmbeddingContext {
  db: Database;
  config: Config;
  env?: NodeJS.ProcessEnv;
  /** The audience the search's results go to (default "local"). */
  audience?: Audience;
  /** user/run/: a failure is recorded there, and a recorded one within its back-off means no attempt. */
  run?: string;
  timeoutMs?: number;
  backend?: ModelBackend;
}

/**
 * The query's vector and its model, or undefined (search stays lexical): embeddings off, no vector of the
 * model stored, a cloud embed backend for a search that is not for a cloud audience, the model in back-off,
 * or the model failed or was slow (then recorded).
 */
export async function queryEmbedding(ctx: QueryEmbeddingContext, text: string): Promise<{ vector: number[]; model: string } | undefined> {
  const { env = process.env } = ctx;
  const target = queryWanted(ctx, text);
  if (!target) return undefined;
  const backend = backendFor({ ...ctx, env });
  if (!backend.embed) return undefined;
  const timer = AbortSignal.timeout(ctx.timeoutMs ?? QUERY_EMBED_TIMEOUT_MS);
  try {
    // A long request (a pasted file) is embedded by its beginning: its vector is for finding, not for storing.
    const [vector] = await backend.embed([text.slice(0, QUERY_MAX_CHARS)], { model: target.model, signal: timer });
    if (ctx.run && readFailure(ctx.run)) clearFailure(ctx.run);
    return vector?.length ? { vector, model: target.model } : undefined;
  } catch (err) {
    const f = timer.aborted ? { kind: "timeout" as const, reason: `no vector within ${ctx.timeoutMs ?? QUERY_EMBED_TIMEOUT_MS} ms` } : failureOf(err);
    if (ctx.run) recordFailure(ctx.run, { backend: target.backend, model: target.model, kind: f.kind, reason: f.reason });
    return undefined;
  }
}

/** The search options that rank by the query's vector (none without one). */
export function vectorSearch(q: { vector: number[]; model: string } | undefined): Pick<SearchOptions, "queryEmbedding" | "embeddingModel"> {
  return q ? { queryEmbedding: q.vector, embeddingModel: q.model } : {};
}

export interface EmbedPassOptions {
  db: Database;
  config: Config;
  env?: NodeJS.ProcessEnv;
  /** user/run/: the lock and the failure record. */
  run: string;
  signal?: AbortSignal;
  backend?: ModelBackend;
  /** Start only when recent items wait (see hasBacklog); once started, the whole backlog is embedded. */
  recent?: boolean;
}

/**
 * One pass of a background embedder (after a write, or the daemon's): nothing when embeddings are off, the
 * model is in its back-off, another embedder holds the lock or nothing waits; otherwise the backlog is
 * embedded under the lock. A failure is recorded, never thrown. Items written while it worked and after its
 * last look are seen by one more look once the lock is released.
 */
export async function embedPass(opts: EmbedPassOptions): Promise<EmbedBacklogResult | undefined> {
  const { db, config, env = process.env, run } = opts;
  let last: EmbedBacklogResult | undefined;
  for (let round = 0; round < 3 && !opts.signal?.aborted; round++) {
    const target = embedTarget(config, env);
    if (!embeddingsEnabled(config) || !backendEmbeds(target.backend) || inBackoff(run, target.model)) return last;
    if (!hasBacklog(db, config, env, { recent: opts.recent })) return last;
    const release = takeEmbedLock(run);
    if (!release) return last;
    try {
      last = await embedBacklog({ ...opts, env });
    } catch {
      return last;
    } finally {
      release();
    }
  }
  return last;
}
