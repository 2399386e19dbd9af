/**
 * The skill tier: an Agent Skills SKILL.md drives a model that may call the pack's other commands as tools
 * (those its allowed-tools names, never another skill), for at most maxSteps steps. A cloud model sees no
 * secret and no private Telos item or memory a tool's output may quote.
 */
import type { PaiError } from "../../kernel/errors.ts";
import { UserError } from "../../kernel/errors.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import type { ChatMessage, ToolCall, ToolSpec } from "../../models/types.ts";
import { modelBackend, privateFilter, userContext } from "../external.ts";
import { skillOf, type PackCommand } from "../manifest/index.ts";
import { assertUnchanged, prepare, scopeOf, type Prepared, type RunInput, type RunOptions, type TierInput, type TierOutput } from "../prepare.ts";
import { renderText } from "../template.ts";

type SkillCommand = Extract<PackCommand, { tier: "skill" }>;

/** Runs one of the pack's commands as a tool call of the skill (recorded as a child run). */
export type RunTool = (command: string, input: RunInput) => Promise<{ ok: boolean; output: string; runId: number; error?: PaiError }>;

const TOOL_PARAMS: Record<string, unknown> = {
  type: "object",
  properties: {
    text: { type: "string", description: "the input text of the command" },
    args: { type: "array", items: { type: "string" }, description: "positional arguments" },
    vars: { type: "object", additionalProperties: { type: "string" }, description: "named variables" },
  },
};

function toolArgs(call: ToolCall): RunInput {
  const a = call.arguments ?? {};
  const args = Array.isArray(a.args) ? a.args.map(String) : [];
  const vars: Record<string, string> = {};
  if (a.vars && typeof a.vars === "object") for (const [k, v] of Object.entries(a.vars as object)) vars[k] = String(v);
  return { args, text: typeof a.text === "string" ? a.text : undefined, vars };
}

/** The commands of its pack a skill may call as tools (from its SKILL.md's allowed-tools; never another skill). */
export function skillTools(prep: Prepared, cmd: SkillCommand, doc?: ReturnType<typeof skillOf>): string[] {
  let tools: string[];
  try {
    tools = (doc ?? skillOf(prep.manifest, cmd)).allowedTools;
  } catch {
    return []; // an unreadable SKILL.md fails the run itself, with its own message
  }
  return tools
    .map((t) => (t.includes(":") ? t.split(":")[1]! : t))
    .filter((t) => prep.manifest.commands[t] !== undefined && prep.manifest.commands[t]!.tier !== "skill");
}

/** The secret values a skill's tool would be handed (none when it cannot be prepared). */
export function toolSecrets(prep: Prepared, command: string, opts: Pick<RunOptions, "grants">): string[] {
  try {
    return prepare({ pack: prep.guard.pack, command }, { grants: opts.grants, paths: prep.p, config: prep.config }).secrets;
  } catch {
    return [];
  }
}

export async function runSkill(
  prep: Prepared,
  ref: { pack: string; command: string },
  cmd: SkillCommand,
  input: TierInput,
  opts: RunOptions,
  secrets: Secrets,
  runTool: RunTool,
): Promise<TierOutput> {
  const doc = skillOf(prep.manifest, cmd);
  assertUnchanged(prep, doc.file);
  const allowed = skillTools(prep, cmd, doc);
  const tools: ToolSpec[] = allowed.map((name) => ({ name, description: prep.manifest.commands[name]!.description, parameters: TOOL_PARAMS }));
  if (!input.text.trim()) throw new UserError(`${ref.pack}:${ref.command} needs a request`, { hint: `e.g. pai run ${ref.pack}:${ref.command} "…"` });
  const backend = await modelBackend({ purpose: "skill", backend: opts.backend, model: opts.model, config: prep.config, db: opts.db, secrets, pack: ref.pack, origin: opts.origin, incognito: opts.incognito });
  const context = await userContext({ query: input.text.slice(0, 500), audience: backend.audience, config: prep.config, db: opts.db, paths: prep.p });
  const vars = Object.entries({ ...input.vars, ...Object.fromEntries(Object.entries(prep.settings).map(([k, v]) => [`config.${k}`, Array.isArray(v) ? v.join(", ") : String(v)])) })
    .map(([k, v]) => `- ${k}: ${v}`)
    .join("\n");
  const cloud = backend.audience === "cloud";
  let system = [
    `# SKILL: ${doc.name}\n\n${renderText(doc.body, scopeOf(prep, input))}`,
    `# TOOLS\n\nYou may call only these tools: ${allowed.join(", ") || "(none)"}. Stop calling tools and answer in plain text when the work is done. You have at most ${cmd.maxSteps} steps.`,
    vars ? `# SETTINGS\n\n${vars}` : "",
    context ? `# CONTEXT ABOUT THE USER\n\n${context}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
  // A cloud model sees no secret, and no private Telos item or private memory a tool's output may quote.
  const withhold = cloud ? await privateFilter({ paths: prep.p, db: opts.db }) : (t: string) => t;
  const outgoing = (t: string) => (cloud ? withhold(secrets.redact(t)) : t);
  system = outgoing(system);
  const messages: ChatMessage[] = [{ role: "user", content: outgoing(input.text) }];
  const steps: { tool: string; ok: boolean; runId?: number }[] = [];
  for (let step = 1; step <= cmd.maxSteps; step++) {
    let text = "";
    const calls: ToolCall[] = [];
    for await (const ev of backend.chat({ purpose: "skill", system, messages, tools, signal: opts.signal })) {
      if (ev.type === "text") {
        text += ev.text;
        opts.onText?.(ev.text);
      } else if (ev.type === "tool_call") calls.push(ev.call);
    }
    if (!calls.length) return { output: text.trim(), data: { steps } };
    messages.push({ role: "assistant", content: text, toolCalls: calls });
    for (const call of calls) {
      let content: string;
      if (!allowed.includes(call.name)) {
        content = `refused: '${call.name}' is not a tool this skill may use (allowed: ${allowed.join(", ")})`;
        steps.push({ tool: call.name, ok: false });
      } else {
        const r = await runTool(call.name, toolArgs(call));
        content = r.ok ? r.output || "(done)" : `error: ${r.output}${r.error?.hint ? ` — ${r.error.hint}` : ""}`;
        steps.push({ tool: call.name, ok: r.ok, runId: r.runId });
      }
      messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: outgoing(content) });
    }
  }
  throw new UserError(`${ref.pack}:${ref.command} stopped after ${cmd.maxSteps} steps without finishing`, { hint: "the skill's maxSteps bounds its loop; ask for less, or raise maxSteps in the manifest" });
}
