/** A skill command's SKILL.md (the Agent Skills format): its front matter, checked, and its body. */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import * as z from "zod";
import { ForeignFrontMatterError } from "../../kernel/frontmatter.ts";
import { parseFrontMatter } from "./frontmatter.ts";
import { firstLine, ManifestError, problemOf, type ManifestProblem } from "./problems.ts";
import { NAME_RE, type PackCommand, type PackManifest } from "./schema.ts";

/** The Agent Skills SKILL.md front matter. */
export const skillFrontMatter = z
  .object({
    name: z
      .string({ error: "required text" })
      .min(1, "must not be empty")
      .max(64, "at most 64 characters")
      .regex(NAME_RE, "only a-z, 0-9 and single hyphens, not at the start or end"),
    description: z.string({ error: "required text" }).min(1, "must not be empty").max(1024, "at most 1024 characters"),
    "allowed-tools": z.union([z.string(), z.array(z.string())]).optional(),
    license: z.string().optional(),
    compatibility: z.string().max(500).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export interface SkillDoc {
  name: string;
  description: string;
  allowedTools: string[];
  body: string;
  file: string;
}

function splitTools(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).map((s) => s.trim()).filter(Boolean);
  if (typeof v === "string") return v.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  return [];
}

/** Reads and validates a SKILL.md in `dir` (its `name` must match the folder's name). */
export function readSkill(dir: string, problems: ManifestProblem[], label = "SKILL.md"): SkillDoc | undefined {
  const file = join(dir, "SKILL.md");
  if (!existsSync(file)) {
    problems.push({ file: label, path: "", message: `missing (a skill folder must hold a SKILL.md)` });
    return undefined;
  }
  let parsed: { data: Record<string, unknown>; content: string };
  try {
    parsed = parseFrontMatter(readFileSync(file, "utf8"), file);
  } catch (err) {
    if (err instanceof ForeignFrontMatterError) throw err;
    problems.push({ file: label, path: "front matter", message: `not valid YAML (${firstLine((err as Error).message)})` });
    return undefined;
  }
  const r = skillFrontMatter.safeParse(parsed.data);
  if (!r.success) {
    for (const issue of r.error.issues) problems.push(problemOf(issue, label));
    return undefined;
  }
  if (r.data.name !== basename(dir)) {
    problems.push({ file: label, path: "name", message: `'${r.data.name}' must match its folder's name '${basename(dir)}'` });
  }
  return { name: r.data.name, description: r.data.description, allowedTools: splitTools(r.data["allowed-tools"]), body: parsed.content.trim(), file };
}

/** The skill document of a skill command. */
export function skillOf(m: PackManifest, cmd: Extract<PackCommand, { tier: "skill" }>): SkillDoc {
  const problems: ManifestProblem[] = [];
  const doc = readSkill(resolve(m.dir, cmd.skill), problems, join(cmd.skill, "SKILL.md"));
  if (!doc) throw new ManifestError(problems);
  return doc;
}
