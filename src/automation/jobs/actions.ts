/**
 * What a job does: run a pack command, ask the model, notify through the notify/voice packs, or remember.
 * The modules behind each action are loaded only when the action runs.
 */
import type { Config } from "../../config/index.ts";
import { UserError } from "../../kernel/errors.ts";
import type { Database } from "../../kernel/storage/index.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import type { MemoryKind } from "../../memory/index.ts";
import { deliveredBy, type Action, type Job } from "./schema.ts";

export interface ActionResult {
  output: string;
  tier?: string;
  runId?: string | number;
  memoryId?: string | number;
}

export interface ActionContext {
  db: Database;
  config: Config;
  signal: AbortSignal;
  paths: Paths;
  /** The secret values this process handles (a model call redacts them from what it sends). */
  secrets: Secrets;
}

/** Replaces {{name}} with vars[name] (unknown names are left as they are). */
export function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (m, k: string) => (Object.hasOwn(vars, k) ? vars[k]! : m));
}

async function runPack(job: Job, ref: { pack: string; command: string }, input: { args: string[]; text?: string; vars: Record<string, string> }, ctx: ActionContext): Promise<ActionResult> {
  const { runPackCommand } = await import("../../packs/index.ts");
  const r = await runPackCommand(ref, input, { grants: job.policy.grants, signal: ctx.signal, db: ctx.db, config: ctx.config, paths: ctx.paths, secrets: ctx.secrets, origin: `daemon:${job.name}` });
  if (!r.ok) {
    // Pack errors usually name the command already ("notify:send failed: …"): say it once.
    const message = firstLine(r.error?.message ?? r.output);
    const prefix = `${ref.pack}:${ref.command} `;
    throw new UserError(message.startsWith(prefix) ? message : `${prefix}${r.outcome}: ${message}`);
  }
  return { output: r.output, tier: r.tier, runId: r.runId, memoryId: r.memoryId };
}

function firstLine(s: string): string {
  const l = (s ?? "").trim().split("\n", 1)[0] ?? "";
  return l.length > 200 ? `${l.slice(0, 200)}…` : l;
}

export async function runAction(job: Job, action: Action, vars: Record<string, string>, ctx: ActionContext): Promise<ActionResult> {
  ctx.signal.throwIfAborted();
  switch (action.type) {
    case "remember": {
      // The note is the firing's one item: the firing stores no record of its own beside it.
      const text = render(action.text, vars);
      const id = await rememberText(ctx, text, `job:${job.name}`, { job: job.name, trigger: vars.trigger ?? "" }, "note");
      return { output: text, memoryId: id };
    }
    case "pack":
      return runPack(job, { pack: action.pack, command: action.command }, {
        args: action.args.map((a) => render(a, vars)),
        text: action.text === undefined ? undefined : render(action.text, vars),
        vars,
      }, ctx);
    case "notify": {
      const message = render(action.message, vars);
      const title = action.title === undefined ? undefined : render(action.title, vars);
      return runPack(job, deliveredBy(action), { args: [], text: message, vars: { ...vars, ...(title ? { title } : {}), message } }, ctx);
    }
    case "ask": {
      const { ask } = await import("../../conversation/ask.ts");
      const r = await ask(render(action.prompt, vars), {
        backend: action.backend,
        model: action.model,
        signal: ctx.signal,
        db: ctx.db,
        config: ctx.config,
        paths: ctx.paths,
        secrets: ctx.secrets,
        learn: false,
        // Nobody asked: the exchange is no conversation to keep as an episode. The firing's record (with the
        // answer) is its one item.
        incognito: true,
        source: `job:${job.name}`,
      });
      if (!action.then) return { output: r.answer };
      // Delivered: the 07:00 brief reaches the user, through the pack that notifies (or speaks).
      const title = action.then.title === undefined ? undefined : render(action.then.title, vars);
      const sent = await runPack(job, deliveredBy(action.then), {
        args: [],
        text: r.answer,
        vars: { ...vars, answer: r.answer, message: r.answer, ...(title ? { title } : {}) },
      }, ctx);
      return { ...sent, output: r.answer };
    }
  }
}

/** Stores one memory item (redacted by the memory module); returns its id (none in incognito mode). */
export async function rememberText(
  ctx: { db: Database; config: Config },
  content: string,
  source: string,
  meta: Record<string, unknown>,
  kind: MemoryKind,
): Promise<number | undefined> {
  if (ctx.config.memory.incognito) return undefined; // "store nothing" holds for jobs too
  const { openMemory } = await import("../../memory/index.ts");
  return openMemory(ctx.db, ctx.config).remember({ content, kind, source, meta }).item.id;
}
