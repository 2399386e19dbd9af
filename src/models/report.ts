/** `pai models`: what each backend offers, whether it answers, and which backend/model serves each purpose. */
import type { Config } from "../config/index.ts";
import { PaiError } from "../kernel/errors.ts";
import { BACKENDS, createBackend, resolveModel } from "./index.ts";
import type { Audience, BackendName, ModelInfo } from "./types.ts";

export interface BackendReport {
  name: BackendName;
  audience: Audience;
  ok: boolean;
  detail: string;
  models: ModelInfo[];
  error?: string;
}

export interface ModelsReport {
  default: BackendName;
  inUse: Record<"answer" | "extract" | "embed", { backend: BackendName; model: string }>;
  backends: BackendReport[];
}

export async function modelsReport(config: Config, opts: { backends?: BackendName[]; env?: NodeJS.ProcessEnv } = {}): Promise<ModelsReport> {
  const inUse = {
    answer: resolveModel({ purpose: "answer", config }),
    extract: resolveModel({ purpose: "extract", config }),
    embed: resolveModel({ purpose: "embed", config }),
  };
  const names = opts.backends ?? [...BACKENDS];
  const backends = await Promise.all(
    names.map(async (name): Promise<BackendReport> => {
      const b = createBackend(name, name === "anthropic" ? config.anthropic.model : config.ollama.model, config, opts.env);
      const health = await b.health({ timeoutMs: Math.min(5000, config.backend.timeoutMs) });
      if (!health.ok) return { name, audience: b.audience, ok: false, detail: health.detail, models: [] };
      try {
        return { name, audience: b.audience, ok: true, detail: health.detail, models: await b.listModels() };
      } catch (err) {
        const msg = err instanceof PaiError || err instanceof Error ? err.message : String(err);
        return { name, audience: b.audience, ok: false, detail: health.detail, models: [], error: msg };
      }
    }),
  );
  return { default: config.backend.default, inUse, backends };
}
