/** The system prompt of an answer: pai's instructions, then the user's context as `pai context` renders it. */
import { existsSync, readFileSync } from "node:fs";
import { systemFile, type Paths } from "../kernel/paths.ts";
import { splitFrontMatter } from "../kernel/frontmatter.ts";

export const DEFAULT_INSTRUCTIONS = `You are pai, a personal assistant running in the user's terminal.
Below is what you know about the user: their Telos (mission, goals, projects, …), preferences and memories.
Use it when it helps and cite the ids you rely on (G1, P2, mem:42). If the context does not answer something,
say so rather than guessing. Be concise and concrete.
The last line of this prompt gives today's date, time and time zone: read "today", "tomorrow", "this week"
and the dates in the memories against it.`;

/** The instructions: user/overrides/prompts/answer.md when the user wrote one, else system/prompts/answer.md, else the built-in text. */
export function answerInstructions(p: Paths): string {
  const file = systemFile("prompts/answer.md", p);
  let raw: string | undefined;
  try {
    if (existsSync(file)) raw = readFileSync(file, "utf8");
  } catch {}
  if (raw === undefined) return DEFAULT_INSTRUCTIONS;
  // Front matter in another language than YAML is refused (one line), never read.
  const text = splitFrontMatter(raw, file).body.trim();
  return text || DEFAULT_INSTRUCTIONS;
}

/** pai's instructions, then the user's own (`pai ask -s`), then the user's context. */
export function buildSystem(instructions: string, context: string, extra?: string): string {
  const ctx = context.trim();
  const head = extra?.trim() ? `${instructions}\n\n${extra.trim()}` : instructions;
  return ctx ? `${head}\n\n# What you know about the user\n\n${ctx}` : head;
}
