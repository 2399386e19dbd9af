/**
 * The one place that decides who handles a request: an installed pack whose trigger matches it (code, then
 * CLI, then prompt, then skill, as `pai do` routes), else the model with the user's context (a plain answer,
 * remembered as `pai ask` remembers it). It prints nothing: the CLI shows what it returns.
 */
import { existsSync, readdirSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Secrets } from "../kernel/secrets.ts";
import type { Database } from "../kernel/storage/index.ts";
import { parseBackendName } from "../models/index.ts";
import { dispatch, matchRequest, type AnswerOptions, type DispatchResult, type TriggerMatch } from "../packs/index.ts";
import { ask } from "./ask.ts";

export interface RouteOptions {
  paths: Paths;
  config: Config;
  db: Database;
  backend?: string;
  model?: string;
  incognito?: boolean;
  signal?: AbortSignal;
  onText?: (text: string) => void;
  /** Where the request came from ("cli" for `pai do`, "ask", a job). */
  origin: string;
  /** Only say what would run. */
  explain?: boolean;
  /** With no trigger match, let the model choose among the prompts and skills ("model"). */
  route?: "triggers" | "model";
  secrets?: Secrets;
}

/** True when at least one pack is installed (checked without loading the pack machinery). */
function anyPackInstalled(p: Paths): boolean {
  return existsSync(p.packs) && readdirSync(p.packs).some((f) => f.endsWith(".lock.json"));
}

/** The installed pack command whose trigger matches the request, if any. */
export function matchingPack(request: string, p: Paths): TriggerMatch | undefined {
  if (!anyPackInstalled(p)) return undefined;
  return matchRequest(request, p).chosen;
}

/** A plain answer: pai's own ask, with the user's context, remembered as an episode of the given source. */
function plainAnswer(opts: RouteOptions, source: string) {
  return async (question: string, o: AnswerOptions): Promise<string> => {
    const r = await ask(question, {
      paths: opts.paths,
      config: opts.config,
      db: opts.db,
      backend: o.backend ? parseBackendName(o.backend) : undefined,
      model: o.model,
      incognito: o.incognito,
      onText: o.onText,
      signal: o.signal,
      secrets: opts.secrets,
      source,
    });
    return r.answer;
  };
}

/** Routes a request: the matching pack runs it, or the model answers it plainly. */
export function route(request: string, opts: RouteOptions): Promise<DispatchResult> {
  return dispatch(request, {
    explain: opts.explain,
    route: opts.route,
    onText: opts.onText,
    backend: opts.backend,
    model: opts.model,
    signal: opts.signal,
    incognito: opts.incognito,
    paths: opts.paths,
    config: opts.config,
    db: opts.db,
    origin: opts.origin,
    secrets: opts.secrets,
    answer: plainAnswer(opts, "do"),
  });
}
