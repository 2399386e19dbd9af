/**
 * The one place that decides who handles a request: an installed pack whose trigger matches it, else the model
 * with the user's context (a plain answer, remembered as `pai ask` remembers it). It prints nothing: the CLI
 * shows what it returns.
 *
 * Two policies. `pai do` tries every tier (code, then CLI, then prompt, then skill) and takes the first trigger
 * that fits, example phrases included. `pai ask` is for questions, so it hands a request to a pack only when
 * that is unambiguous (see `matchingPack`); everything else is answered by the model.
 */
import { existsSync, readdirSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import { requireUser, type Paths } from "../kernel/paths.ts";
import type { Secrets } from "../kernel/secrets.ts";
import type { Database } from "../kernel/storage/index.ts";
import { parseBackendName } from "../models/index.ts";
import { candidates, matchCommand, runMatch, splitArgs, type Candidate } from "../packs/dispatch.ts";
import { dispatch, TIERS, type AnswerOptions, type DispatchResult, type TriggerMatch } from "../packs/index.ts";
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
  /** A command the caller already chose (pai ask, by `matchingPack`): it runs as it is, nothing is matched again. */
  chosen?: TriggerMatch;
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

/**
 * A request that names an installed pack: "PACK: text", "PACK:COMMAND text", "use PACK to text",
 * "use PACK: text", "with PACK, text", "ask PACK to text" (optionally "the PACK pack").
 */
const NAMED = [
  /^(?<pack>[a-z0-9-]+):(?<command>[A-Za-z0-9_-]+)(?:\s+(?<rest>[\s\S]*))?$/i,
  /^(?<pack>[a-z0-9-]+)\s*:\s+(?<rest>[\s\S]+)$/i,
  /^(?:use|with|ask)\s+(?:the\s+)?(?<pack>[a-z0-9-]+)(?:\s+pack)?\s*(?:to\b|:|,)\s*(?<rest>[\s\S]+)$/i,
];

/** The command of a pack the request names, matched on the rest of the request (any tier, any trigger). */
function namedPackMatch(request: string, all: Candidate[]): TriggerMatch | undefined {
  for (const re of NAMED) {
    const m = re.exec(request.trim());
    if (!m?.groups) continue;
    const pack = m.groups.pack!.toLowerCase();
    const own = all.filter((c) => c.pack === pack);
    if (!own.length) continue;
    const rest = (m.groups.rest ?? "").trim();
    const command = m.groups.command;
    if (command !== undefined) {
      const c = own.find((x) => x.command === command);
      if (!c) continue;
      return { pack, command: c.command, tier: c.tier, trigger: "name", detail: `${pack}:${c.command}`, input: { args: splitArgs(rest), text: rest, vars: {} } };
    }
    if (!rest) continue;
    for (const tier of TIERS) {
      for (const c of own.filter((x) => x.tier === tier)) {
        const hit = matchCommand(c, rest);
        if (hit) return hit;
      }
    }
    // A pack of one command: naming the pack names the command.
    if (own.length === 1) {
      const c = own[0]!;
      return { pack, command: c.command, tier: c.tier, trigger: "name", detail: pack, input: { args: splitArgs(rest), text: rest, vars: {} } };
    }
  }
  return undefined;
}

/**
 * The pack command `pai ask` hands a request to, if any. Unambiguous means one of two things:
 * - the request names an installed pack ("patterns: …", "use patterns to …", "patterns:summarize …"), and one of
 *   that pack's commands fits the rest of it (or the pack has a single command);
 * - otherwise, exactly one code or CLI command fits the request by a pattern or by its name. A fit by example
 *   phrase (a similarity of words) does not count, prompt and skill commands are left to `pai do` and `pai run`,
 *   and when two code or CLI commands fit, the model answers.
 */
export function matchingPack(request: string, p: Paths): TriggerMatch | undefined {
  if (!anyPackInstalled(p)) return undefined;
  const all = candidates(p);
  const named = namedPackMatch(request, all);
  if (named) return named;
  const fits = all
    .filter((c) => c.tier === "code" || c.tier === "cli")
    .map((c) => matchCommand(c, request))
    .filter((m): m is TriggerMatch => m !== undefined && (m.trigger === "pattern" || m.trigger === "name"));
  return fits.length === 1 ? fits[0] : undefined;
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

/** Runs a command the caller already chose (pai ask's `matchingPack`), without matching the request again. */
async function runChosen(request: string, chosen: TriggerMatch, opts: RouteOptions): Promise<DispatchResult> {
  const result = await runMatch(chosen, { ...opts, paths: requireUser(opts.paths) });
  // No tier was tried here: the caller chose the command.
  return { request, route: "triggers", tiers: [], chosen, explain: false, ran: true, result, output: result.output, ok: result.ok };
}

/** Routes a request: the matching pack runs it, or the model answers it plainly. */
export function route(request: string, opts: RouteOptions): Promise<DispatchResult> {
  if (opts.chosen) return runChosen(request, opts.chosen, opts);
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
