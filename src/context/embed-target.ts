/**
 * Which backend and model embed, whether embedding is on, and whether anything waits for a vector: answered
 * from the config and the store alone, with no model SDK loaded, so the check a command makes after a write
 * costs it nothing it would notice.
 */
import type { Config } from "../config/schema.ts";
import type { Audience } from "../kernel/privacy.ts";
import type { Database } from "../kernel/storage/index.ts";
import { backendAudience } from "../models/audience.ts";
import { resolveModel } from "../models/resolve.ts";
import type { BackendName } from "../models/types.ts";
import { embeddingStore } from "./embed-store.ts";
import { inBackoff } from "./embed-state.ts";

export interface EmbedTarget {
  backend: BackendName;
  model: string;
  audience: Audience;
}

/** The backend and model that embed, and who that backend is for privacy. */
export function embedTarget(config: Config, env: NodeJS.ProcessEnv = process.env): EmbedTarget {
  const { backend, model } = resolveModel({ purpose: "embed", config });
  return { backend, model, audience: backendAudience(backend, config, env) };
}

export function embeddingsEnabled(config: Config): boolean {
  return config.memory.embeddings !== "off";
}

/** Whether the backend has embeddings at all (Anthropic's API has none): nothing is started for one that has not. */
export function backendEmbeds(backend: BackendName): boolean {
  return backend !== "anthropic";
}

/** How many of the newest items `hasBacklog` looks at when asked about recent writes only. */
const RECENT_ITEMS = 1000;

/**
 * Whether the backlog holds anything this embed backend may embed. `recent`: among the newest items only (the
 * cheap check after a write, which looks no further back than what it could have written; an embedder once
 * started embeds the whole backlog).
 */
export function hasBacklog(db: Database, config: Config, env: NodeJS.ProcessEnv = process.env, opts: { recent?: boolean } = {}): boolean {
  const t = embedTarget(config, env);
  const es = embeddingStore(db, config);
  const afterId = opts.recent ? Math.max(0, es.newestId() - RECENT_ITEMS) : 0;
  return es.embeddingBacklog({ model: t.model, afterId, limit: 1, audience: t.audience }).length > 0;
}


/**
 * Whether a search's query should be embedded (the rules of ./embed.ts: embeddings on, a vector of the model
 * stored, a local embed backend or a search for a cloud audience, the model not in its back-off).
 */
export function queryWanted(ctx: { db: Database; config: Config; env?: NodeJS.ProcessEnv; audience?: Audience; run?: string }, text: string): EmbedTarget | undefined {
  const { db, config, env = process.env } = ctx;
  if (!embeddingsEnabled(config) || !text.trim()) return undefined;
  const target = embedTarget(config, env);
  if (target.audience === "cloud" && ctx.audience !== "cloud") return undefined;
  if (!embeddingStore(db, config).hasVectors(target.model)) return undefined;
  if (ctx.run && inBackoff(ctx.run, target.model)) return undefined;
  return target;
}
