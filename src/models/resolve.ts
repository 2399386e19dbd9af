/**
 * Which backend and model serve a purpose, decided from the config alone: no model SDK is loaded, so a command
 * that only needs the answer (the check after a write whether anything waits for a vector) stays cheap.
 */
import type { Config } from "../config/schema.ts";
import type { BackendName, Purpose } from "./types.ts";

/** The `models.<key>` entry that configures a purpose. */
function choiceKey(purpose: Purpose): "answer" | "extract" | "embed" {
  if (purpose === "embed") return "embed";
  if (purpose === "extract" || purpose === "consolidate") return "extract";
  return "answer";
}

export interface Resolved {
  backend: BackendName;
  model: string;
}

/** Which backend and model serve a purpose: the flags, then config models.<purpose>, then backend.default. */
export function resolveModel(opts: { purpose: Purpose; backend?: BackendName; model?: string; config: Config }): Resolved {
  const config = opts.config;
  const choice = config.models[choiceKey(opts.purpose)] ?? {};
  const backend = opts.backend ?? choice.backend ?? config.backend.default;
  const choiceApplies = (choice.backend ?? config.backend.default) === backend;
  const fallback =
    backend === "anthropic" ? config.anthropic.model : opts.purpose === "embed" ? config.ollama.embedModel : config.ollama.model;
  const model = opts.model ?? (choiceApplies ? choice.model : undefined) ?? fallback;
  return { backend, model };
}

