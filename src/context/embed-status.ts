/**
 * How embedding stands, for `pai memory stats` and `pai doctor`: the counts of the embed model's vectors,
 * whether sqlite-vec serves them, and, when search is lexical for a reason the user can fix, one notice and
 * its fix. Read from the config, the store and user/run/ alone (no model SDK is loaded).
 */
import type { Config } from "../config/schema.ts";
import type { Audience } from "../kernel/privacy.ts";
import type { Database } from "../kernel/storage/index.ts";
import type { VectorStatus } from "../memory/types.ts";
import type { BackendName } from "../models/types.ts";
import { readFailure, type EmbedFailure } from "./embed-state.ts";
import { backendEmbeds, embeddingsEnabled, embedTarget } from "./embed-target.ts";
import { embeddingStore } from "./embed-store.ts";

/** What to do about a failure of the embed model, in words (for errors, notices and doctor). */
export function failureFix(f: Pick<EmbedFailure, "kind" | "model" | "backend">): string {
  if (f.kind === "no_embeddings") return "set models.embed.backend ollama ('pai config set models.embed.backend ollama')";
  if (f.kind === "model_not_found") return `run 'ollama pull ${f.model}' or set another model with 'pai config set ollama.embedModel NAME'`;
  if (f.kind === "connection") return `start Ollama ('ollama serve') and run 'ollama pull ${f.model}', or set ollama.host / models.embed`;
  return `check the embed model (${f.model}), then run 'pai memory embed'`;
}

export interface EmbeddingStatus {
  enabled: boolean;
  backend: BackendName;
  model: string;
  audience: Audience;
  items: number;
  embedded: number;
  otherModels: number;
  pending: number;
  /** The last failure of this model, when it is the latest word on it. */
  failure?: EmbedFailure;
  /** One line when search is lexical for a reason the user can fix ("search is lexical: …"). */
  notice?: string;
  /** What to do about it. */
  fix?: string;
  /** Whether sqlite-vec serves the vector pass (else it runs in JavaScript: slower, same results). */
  vectors: VectorStatus;
}

/** How embedding stands, for `pai memory stats` and `pai doctor`. */
export function embeddingStatus(opts: { db: Database; config: Config; env?: NodeJS.ProcessEnv; run?: string }): EmbeddingStatus {
  const { db, config, env = process.env } = opts;
  const target = embedTarget(config, env);
  const es = embeddingStore(db, config);
  const counts = es.embeddingCounts(target.model);
  const vectors = es.store.vectorStatus();
  const enabled = embeddingsEnabled(config);
  const recorded = opts.run ? readFailure(opts.run) : undefined;
  const failure = recorded && recorded.model === target.model ? recorded : undefined;
  let notice: string | undefined;
  let fix: string | undefined;
  if (enabled && !backendEmbeds(target.backend)) {
    notice = `search is lexical: the embed backend ${target.backend} has no embeddings`;
    fix = failureFix({ kind: "no_embeddings", model: target.model, backend: target.backend });
  } else if (enabled && failure) {
    const what =
      failure.kind === "model_not_found"
        ? `the embed model '${failure.model}' is missing`
        : failure.kind === "connection"
          ? `the embed model '${failure.model}' was unreachable`
          : `the embed model '${failure.model}' failed (${failure.reason})`;
    notice = `search is lexical: ${what} at ${failure.at.slice(0, 16).replace("T", " ")}Z`;
    fix = `${failureFix(failure)}, then 'pai memory embed'`;
  }
  return { enabled, ...target, ...counts, vectors, ...(failure ? { failure } : {}), ...(notice ? { notice, fix } : {}) };
}

