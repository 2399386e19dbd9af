/**
 * Routing a request through the installed packs, deterministic first: a code command whose trigger matches,
 * then a cli command, then a prompt, then a skill. Within a tier, packs are taken by name and commands in
 * manifest order; for each command its patterns, then its names, then its example phrases are tried. The
 * first trigger that fits wins. With no match: the plain answer the caller provides, or (route "model") the
 * model chooses among the prompts and skills by their descriptions, answering with JSON validated by zod.
 */
import * as z from "zod";
import type { Config } from "../config/index.ts";
import { UserError } from "../kernel/errors.ts";
import { describeIssue } from "../kernel/issues.ts";
import { requireUser, type Paths } from "../kernel/paths.ts";
import { Secrets } from "../kernel/secrets.ts";
import type { Database } from "../kernel/storage/index.ts";
import { STOP_WORDS } from "../kernel/text.ts";
import { modelBackend } from "./external.ts";
import { TIERS, type PackCommand, type PackTier } from "./manifest/index.ts";
import { runPackCommand, type PackRunResult } from "./run.ts";
import { listInstalled } from "./store.ts";

export interface Candidate {
  pack: string;
  command: string;
  tier: PackTier;
  description: string;
  cmd: PackCommand;
}

export interface TriggerMatch {
  pack: string;
  command: string;
  tier: PackTier;
  trigger: "name" | "pattern" | "example" | "model";
  /** The name, pattern or example that matched (or the model's reason). */
  detail: string;
  score?: number;
  input: { args: string[]; text: string; vars: Record<string, string> };
}

export interface TierAttempt {
  tier: PackTier;
  /** Commands at this tier that were tried. */
  candidates: string[];
  matched?: TriggerMatch;
  why: string;
}

export interface DispatchResult {
  request: string;
  route: "triggers" | "model";
  tiers: TierAttempt[];
  chosen?: TriggerMatch;
  /** What happens when no trigger matched. */
  fallback?: "answer" | "model";
  explain: boolean;
  ran: boolean;
  result?: PackRunResult;
  output?: string;
  ok: boolean;
}

/** What a plain answer is given: how to stream it, which model, and whether to remember it. */
export interface AnswerOptions {
  onText?: (text: string) => void;
  backend?: string;
  model?: string;
  incognito?: boolean;
  signal?: AbortSignal;
}

export interface DispatchOptions {
  paths: Paths;
  config: Config;
  db: Database;
  /** The plain answer when no pack command matches (pai's own ask, provided by the caller). */
  answer: (question: string, opts: AnswerOptions) => Promise<string>;
  /** The secret values the caller handles; each run adds its command's (see RunOptions). */
  secrets?: Secrets;
  explain?: boolean;
  route?: "triggers" | "model";
  onText?: (text: string) => void;
  backend?: string;
  model?: string;
  signal?: AbortSignal;
  incognito?: boolean;
  origin?: string;
}

/** Words that say nothing about which command is meant: the function words, and the politeness of a request. */
const STOP = new Set([...STOP_WORDS, "please"]);

function words(s: string): Set<string> {
  return new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9']+/)
      .filter((w) => w && !STOP.has(w)),
  );
}

/** Jaccard similarity of the content words of two phrases. */
export function similarity(a: string, b: string): number {
  const A = words(a);
  const B = words(b);
  if (!A.size || !B.size) return 0;
  let both = 0;
  for (const w of A) if (B.has(w)) both++;
  return both / (A.size + B.size - both);
}

export const EXAMPLE_THRESHOLD = 0.5;

/** How many content words two phrases share (an example must share at least two with the request). */
export function sharedWords(a: string, b: string): number {
  const B = words(b);
  let n = 0;
  for (const w of words(a)) if (B.has(w)) n++;
  return n;
}

/** The words of a request, as a command's arguments. */
export function splitArgs(text: string): string[] {
  return text.trim() ? text.trim().split(/\s+/) : [];
}

/** Does one command's trigger fit the request? */
export function matchCommand(c: Candidate, request: string): TriggerMatch | undefined {
  const req = request.trim();
  const lower = req.toLowerCase();
  const base = { pack: c.pack, command: c.command, tier: c.tier };
  for (const pattern of c.cmd.triggers.patterns) {
    const m = new RegExp(pattern, "i").exec(req);
    if (!m) continue;
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) vars[k] = v;
    const text = vars.input ?? (m.length > 1 && m[1] !== undefined ? m[1] : req);
    return { ...base, trigger: "pattern", detail: pattern, input: { args: splitArgs(text), text, vars } };
  }
  for (const name of c.cmd.triggers.names) {
    const n = name.toLowerCase();
    if (lower === n || lower.startsWith(`${n} `) || lower.startsWith(`${n}:`)) {
      const rest = req.slice(n.length).replace(/^[:\s]+/, "");
      return { ...base, trigger: "name", detail: name, input: { args: splitArgs(rest), text: rest, vars: {} } };
    }
  }
  let best: { example: string; score: number } | undefined;
  for (const example of c.cmd.triggers.examples) {
    const score = similarity(req, example);
    if (score >= EXAMPLE_THRESHOLD && sharedWords(req, example) >= 2 && (!best || score > best.score)) best = { example, score };
  }
  if (best) return { ...base, trigger: "example", detail: best.example, score: Math.round(best.score * 100) / 100, input: { args: splitArgs(req), text: req, vars: {} } };
  return undefined;
}

export function candidates(p: Paths): Candidate[] {
  const out: Candidate[] = [];
  for (const pack of listInstalled(p)) {
    if (!pack.manifest) continue;
    for (const [command, cmd] of Object.entries(pack.manifest.commands)) {
      out.push({ pack: pack.name, command, tier: cmd.tier, description: cmd.description, cmd });
    }
  }
  return out;
}

/** The tiers tried and the first match, without running anything. */
export function matchRequest(request: string, p: Paths): { tiers: TierAttempt[]; chosen?: TriggerMatch } {
  const all = candidates(p);
  const tiers: TierAttempt[] = [];
  let chosen: TriggerMatch | undefined;
  for (const tier of TIERS) {
    const here = all.filter((c) => c.tier === tier);
    const names = here.map((c) => `${c.pack}:${c.command}`);
    if (chosen) {
      tiers.push({ tier, candidates: names, why: "not tried: an earlier tier matched" });
      continue;
    }
    if (!here.length) {
      tiers.push({ tier, candidates: [], why: `no installed ${tier} commands` });
      continue;
    }
    for (const c of here) {
      const m = matchCommand(c, request);
      if (m) {
        chosen = m;
        break;
      }
    }
    tiers.push(
      chosen
        ? {
            tier,
            candidates: names,
            matched: chosen,
            why: `${chosen.pack}:${chosen.command} matched its ${chosen.trigger} ${chosen.trigger === "example" ? `"${chosen.detail}" (similarity ${chosen.score})` : `'${chosen.detail}'`}`,
          }
        : { tier, candidates: names, why: `no trigger of ${names.length} command${names.length === 1 ? "" : "s"} matched` },
    );
  }
  return { tiers, chosen };
}

const routeSchema = z.object({
  command: z.string().nullable(),
  input: z.string().optional(),
  reason: z.string().optional(),
});

/** Lets the model choose among prompts and skills by their descriptions (JSON answer, validated). */
async function modelRoute(request: string, opts: DispatchOptions, p: Paths): Promise<TriggerMatch | undefined> {
  const pool = candidates(p).filter((c) => c.tier === "prompt" || c.tier === "skill");
  if (!pool.length) return undefined;
  const secrets = opts.secrets ?? new Secrets();
  const backend = await modelBackend({ purpose: "route", backend: opts.backend, model: opts.model, config: opts.config, db: opts.db, secrets });
  // The request goes to the router as typed, except that a cloud model never sees a secret in it.
  const sentRequest = backend.audience === "cloud" ? secrets.redact(request) : request;
  const list = pool.map((c) => `- ${c.pack}:${c.command} (${c.tier}): ${c.description}`).join("\n");
  const system = `You route a user's request to one of these commands, or to none when none fits.\n\n${list}\n\nAnswer with a JSON object only: {"command": "pack:command" or null, "input": "the text to give the command", "reason": "one short sentence"}.`;
  let text = "";
  for await (const ev of backend.chat({ purpose: "route", system, messages: [{ role: "user", content: sentRequest }], json: true, signal: opts.signal })) {
    if (ev.type === "text") text += ev.text;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1));
  } catch {
    throw new UserError("the model's routing answer was not JSON", { hint: "try again, use another model (--model), or name the command: pai run PACK:COMMAND" });
  }
  const r = routeSchema.safeParse(parsed);
  if (!r.success) {
    const first = describeIssue(r.error.issues[0]!, parsed);
    throw new UserError(`the model's routing answer has the wrong shape (${first.path}: ${first.message})`, { hint: "try again or name the command: pai run PACK:COMMAND" });
  }
  if (!r.data.command) return undefined;
  const c = pool.find((x) => `${x.pack}:${x.command}` === r.data.command);
  if (!c) return undefined;
  const input = r.data.input?.trim() || request;
  return { pack: c.pack, command: c.command, tier: c.tier, trigger: "model", detail: r.data.reason ?? "", input: { args: splitArgs(input), text: input, vars: {} } };
}

/** Runs the command a trigger (or the model) chose, with the request's input, as dispatch does. */
export function runMatch(m: TriggerMatch, opts: Omit<DispatchOptions, "answer" | "explain" | "route">): Promise<PackRunResult> {
  return runPackCommand({ pack: m.pack, command: m.command }, m.input, {
    signal: opts.signal,
    onText: opts.onText,
    backend: opts.backend,
    model: opts.model,
    incognito: opts.incognito,
    paths: opts.paths,
    config: opts.config,
    db: opts.db,
    secrets: opts.secrets,
    origin: opts.origin ?? "dispatch",
  });
}

export async function dispatch(request: string, opts: DispatchOptions): Promise<DispatchResult> {
  const p = requireUser(opts.paths);
  const route = opts.route ?? "triggers";
  const { tiers, chosen } = matchRequest(request, p);
  const base: DispatchResult = { request, route, tiers, chosen, explain: !!opts.explain, ran: false, ok: true };
  if (!chosen) base.fallback = route === "model" ? "model" : "answer";
  if (opts.explain) return base;
  const run = async (m: TriggerMatch): Promise<DispatchResult> => {
    const result = await runMatch(m, { ...opts, paths: p });
    return { ...base, chosen: m, ran: true, result, output: result.output, ok: result.ok };
  };
  if (chosen) return run(chosen);
  if (route === "model") {
    const picked = await modelRoute(request, opts, p);
    if (picked) return run(picked);
  }
  const output = await opts.answer(request, { onText: opts.onText, backend: opts.backend, model: opts.model, incognito: opts.incognito, signal: opts.signal });
  return { ...base, fallback: "answer", ran: true, output, ok: true };
}
