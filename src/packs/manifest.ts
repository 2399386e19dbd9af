/**
 * The pack manifest: `pack.json`, or the YAML front matter of `PACK.md`. Validated with zod, then checked
 * against the pack's files (modules, prompts and SKILL.md folders exist, SKILL.md is valid, every cli
 * executable is declared, hooks name real commands). Every problem is collected and reported at once, each
 * with the file, the field path and what is allowed.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { ForeignFrontMatterError, locateFrontMatter, readFrontMatter } from "../kernel/frontmatter.ts";
import * as z from "zod";
import { UserError } from "../kernel/errors.ts";

export const TIERS = ["code", "cli", "prompt", "skill"] as const;
export type Tier = (typeof TIERS)[number];
export const PERMISSION_KINDS = ["network", "read", "write", "env", "exec"] as const;
export const HOOK_EVENTS = ["file.changed", "schedule", "mail.received", "webhook", "daemon.start"] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** a-z, 0-9 and single hyphens, 1–64 characters (the Agent Skills rule, used for pack names too). */
export const NAME_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Command names may also use underscores (fabric's pattern names do: extract_wisdom). */
export const COMMAND_RE = /^[a-z0-9]+([-_][a-z0-9]+)*$/;
const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;
const TEMPLATE_RE = /^\{\{\s*config\.[A-Za-z0-9_.-]+\s*\}\}$/;

const packName = z
  .string({ error: "required text" })
  .min(1, "must not be empty")
  .max(64, "at most 64 characters")
  .regex(NAME_RE, "only a-z, 0-9 and single hyphens, not at the start or end (e.g. git-digest)");

const relPath = z
  .string()
  .min(1)
  .refine((p) => !isAbsolute(p) && !normalize(p).startsWith(".."), "must be a path inside the pack folder");

const hostEntry = z
  .string()
  .min(1)
  .refine(
    (h) => h === "*" || TEMPLATE_RE.test(h) || /^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(h) || /^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(h),
    "a host name (example.com, *.example.com, 127.0.0.1:8080), '*' for any host, or {{config.KEY}}",
  );
const pathEntry = z
  .string()
  .min(1)
  .refine(
    (p) => p.startsWith("/") || /^(~|\$PAI_HOME|\$PACK)(\/|$)/.test(p) || TEMPLATE_RE.test(p),
    "an absolute path, ~/…, $PAI_HOME/…, $PACK/… or {{config.KEY}}",
  );

export const permissionsSchema = z
  .object({
    network: z.array(hostEntry).default([]).describe("hosts the command may reach through the fetch it is handed"),
    read: z.array(pathEntry).default([]).describe("folders and files it may read"),
    write: z.array(pathEntry).default([]).describe("folders and files it may write"),
    env: z.array(z.string().regex(ENV_RE, "an environment variable name (A-Z, 0-9, _)")).default([]).describe("environment secrets it receives"),
    exec: z
      .array(z.string().regex(/^(\.\/)?[A-Za-z0-9._+/-]+$/, "a program name (rg), an absolute path, or ./path inside the pack"))
      .default([])
      .describe("executables it may spawn"),
  })
  .strict();
export type Permissions = z.infer<typeof permissionsSchema>;

const regexString = z.string().min(1).superRefine((s, ctx) => {
  try {
    new RegExp(s, "i");
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `not a valid regular expression (${(err as Error).message})` });
  }
});

export const triggersSchema = z
  .object({
    names: z.array(z.string().min(1)).default([]).describe("words that name the command at the start of a request"),
    patterns: z.array(regexString).default([]).describe("regular expressions (case-insensitive); named groups become variables"),
    examples: z.array(z.string().min(1)).default([]).describe("example phrases; a request close to one matches"),
  })
  .strict();

const common = {
  description: z.string({ error: "required text" }).min(1, "must not be empty").max(1024, "at most 1024 characters"),
  usage: z.string().optional(),
  triggers: triggersSchema.default({ names: [], patterns: [], examples: [] }),
  permissions: permissionsSchema.default({ network: [], read: [], write: [], env: [], exec: [] }),
  timeoutMs: z.number().int().positive().max(3_600_000).optional(),
};

const codeCommand = z
  .object({ ...common, tier: z.literal("code"), module: relPath, export: z.string().min(1).default("default") })
  .strict();
const cliCommand = z
  .object({
    ...common,
    tier: z.literal("cli"),
    exec: z.string().min(1),
    args: z.array(z.string()).default([]),
    stdin: z.enum(["none", "input"]).default("none"),
    okCodes: z.array(z.number().int()).default([0]),
  })
  .strict();
const promptCommand = z
  .object({
    ...common,
    tier: z.literal("prompt"),
    prompt: relPath,
    /** "text": the request is the input; "url-or-file": the input names a URL or file whose content is fetched. */
    input: z.enum(["text", "url-or-file"]).default("text"),
    maxInputChars: z.number().int().positive().default(60_000),
    /** false: the command runs with an empty input too (e.g. a scheduled review). */
    inputRequired: z.boolean().default(true),
  })
  .strict();
const skillCommand = z
  .object({ ...common, tier: z.literal("skill"), skill: relPath, maxSteps: z.number().int().min(1).max(50).default(8) })
  .strict();

export const commandSchema = z.discriminatedUnion("tier", [codeCommand, cliCommand, promptCommand, skillCommand]);
export type PackCommand = z.infer<typeof commandSchema>;

const configKey = z
  .object({
    description: z.string().min(1),
    type: z.enum(["string", "number", "boolean", "string[]"]).default("string"),
    default: z.unknown().optional(),
  })
  .strict();
export type ConfigKeySpec = z.infer<typeof configKey>;

export const hookSchema = z
  .object({
    event: z.enum(HOOK_EVENTS),
    command: z.string().min(1),
    cron: z.string().optional().describe("for schedule: a cron expression"),
    paths: z.array(pathEntry).optional().describe("for file.changed: the paths watched"),
    description: z.string().optional(),
  })
  .strict();
export type PackHook = z.infer<typeof hookSchema>;

export const manifestSchema = z
  .object({
    name: packName,
    version: z
      .string({ error: "required text" })
      .regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, "a semantic version such as 1.0.0"),
    description: z.string({ error: "required text" }).min(1, "must not be empty").max(1024, "at most 1024 characters"),
    author: z.string().optional(),
    license: z.string().optional(),
    homepage: z.string().optional(),
    commands: z.record(z.string(), commandSchema, { error: "required: an object of commands by name" }),
    config: z.record(z.string(), configKey).default({}),
    hooks: z.array(hookSchema).default([]),
  })
  .strict();

export type PackManifest = z.infer<typeof manifestSchema> & {
  /** The folder the manifest was read from. */
  dir: string;
  /** pack.json or PACK.md. */
  file: string;
};

export interface ManifestProblem {
  file: string;
  path: string;
  message: string;
}

export class ManifestError extends UserError {
  readonly problems: ManifestProblem[];
  constructor(problems: ManifestProblem[]) {
    const file = problems[0]?.file ?? "manifest";
    super(`${file} is invalid: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ")}`, {
      hint: "fix the pack's manifest; 'pai pack info PATH' checks it again",
      data: { problems },
    });
    this.problems = problems;
  }
}

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

/**
 * Parses the YAML front matter of a PACK.md, SKILL.md or prompt file (util/frontmatter.ts: YAML only; a block
 * in another language is refused unread), with a lenient retry for the classic mistake of an unquoted colon
 * inside a value (`description: Use it: now`): such values are quoted and parsed again.
 */
export function parseFrontMatter(text: string, file = "front matter"): { data: Record<string, unknown>; content: string } {
  try {
    return readFrontMatter(text, file);
  } catch (first) {
    if (first instanceof ForeignFrontMatterError) throw first;
    const split = locateFrontMatter(text);
    if (!split.lines || !split.closed) throw first;
    const lines = split.lines.map((line) => {
      const m = /^([A-Za-z][\w-]*):[ \t]+(.+)$/.exec(line);
      if (!m) return line;
      const value = m[2]!.trim();
      if (/^["'[{|>]/.test(value) || !value.includes(": ")) return line;
      return `${m[1]}: ${JSON.stringify(value)}`;
    });
    const fixed = `---\n${lines.join("\n")}\n---\n${split.body}`;
    try {
      return readFrontMatter(fixed, file);
    } catch {
      throw first;
    }
  }
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
    for (const issue of r.error.issues) problems.push(describeIssue(issue, label));
    return undefined;
  }
  if (r.data.name !== basename(dir)) {
    problems.push({ file: label, path: "name", message: `'${r.data.name}' must match its folder's name '${basename(dir)}'` });
  }
  return { name: r.data.name, description: r.data.description, allowedTools: splitTools(r.data["allowed-tools"]), body: parsed.content.trim(), file };
}

function firstLine(s: string): string {
  return s.split("\n", 1)[0] ?? s;
}

function received(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s && s.length > 60 ? `${s.slice(0, 57)}…` : (s ?? String(v));
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let cur = root;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k as string];
  }
  return cur;
}

/** What a required field must hold, by its name (for "required" messages). */
const REQUIRED: Record<string, string> = {
  name: "1–64 characters of a-z, 0-9 and single hyphens",
  version: "a semantic version such as 1.0.0",
  description: "text of at most 1024 characters",
  commands: "an object of commands by name",
  module: "the path of a .ts module in the pack",
  prompt: "the path of a Markdown prompt in the pack",
  skill: "the path of a folder holding SKILL.md",
  exec: "the name of the program to run",
  event: HOOK_EVENTS.join(", "),
  command: "the name of one of the pack's commands",
};

const KNOWN_KEYS: Record<string, readonly string[]> = {
  permissions: PERMISSION_KINDS,
  triggers: ["names", "patterns", "examples"],
};

function describeIssue(issue: z.core.$ZodIssue, file: string, root?: unknown): ManifestProblem {
  const path = issue.path.map(String).join(".");
  const last = String(issue.path[issue.path.length - 1] ?? "");
  const got = root === undefined ? undefined : valueAt(root, issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const where = last === "permissions" ? "permission" : last === "triggers" ? "trigger" : "field";
      const allowed = KNOWN_KEYS[last];
      return {
        file,
        path,
        message: `unknown ${where}${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}${allowed ? ` (allowed: ${allowed.join(", ")})` : ""}`,
      };
    }
    case "invalid_union": {
      if (last === "tier" || (issue as any).note === "No matching discriminator") {
        const tierPath = last === "tier" ? path : `${path}.tier`;
        const tierValue = root === undefined ? undefined : valueAt(root, last === "tier" ? issue.path : [...issue.path, "tier"]);
        return { file, path: tierPath, message: `${tierValue === undefined ? "required" : `unknown tier ${received(tierValue)}`}: one of ${TIERS.join(", ")}` };
      }
      return { file, path, message: issue.message };
    }
    case "invalid_value":
      return { file, path, message: `${got === undefined ? "required" : `got ${received(got)}`}; allowed: ${issue.values.map((v) => String(v)).join(", ")}` };
    case "invalid_type":
      return {
        file,
        path,
        message: got === undefined ? `required: ${REQUIRED[last] ?? issue.expected}` : `must be ${issue.expected === "array" ? "a list" : issue.expected}, got ${received(got)}`,
      };
    default:
      return { file, path, message: got === undefined || issue.code !== "invalid_format" ? issue.message : `${issue.message}, got ${received(got)}` };
  }
}

function inside(dir: string, rel: string): string | undefined {
  const full = resolve(dir, rel);
  return full === dir || full.startsWith(dir + sep) ? full : undefined;
}

/** Reads the raw manifest of a pack folder: pack.json first, else PACK.md's front matter. */
function readRaw(dir: string): { raw: unknown; file: string } {
  const json = join(dir, "pack.json");
  const md = join(dir, "PACK.md");
  if (existsSync(json)) {
    try {
      return { raw: JSON.parse(readFileSync(json, "utf8")), file: "pack.json" };
    } catch (err) {
      throw new ManifestError([{ file: "pack.json", path: "", message: `not valid JSON (${(err as Error).message})` }]);
    }
  }
  if (existsSync(md)) {
    try {
      return { raw: parseFrontMatter(readFileSync(md, "utf8"), md).data, file: "PACK.md" };
    } catch (err) {
      if (err instanceof ForeignFrontMatterError) throw err;
      throw new ManifestError([{ file: "PACK.md", path: "front matter", message: `not valid YAML (${firstLine((err as Error).message)})` }]);
    }
  }
  throw new UserError(`${dir} is not a pack: it has neither pack.json nor PACK.md`, {
    hint: "a pack is a folder with a manifest; see packs/README.md",
  });
}

function checkCommand(
  dir: string,
  file: string,
  packName: string,
  name: string,
  cmd: PackCommand,
  commands: Record<string, PackCommand>,
  config: Record<string, ConfigKeySpec>,
  problems: ManifestProblem[],
  checkSkills: boolean,
): void {
  const names = Object.keys(commands);
  const at = `commands.${name}`;
  if (!COMMAND_RE.test(name) || name.length > 64) {
    problems.push({ file, path: at, message: "command names use only a-z, 0-9 and single hyphens or underscores (at most 64)" });
  }
  const need = (rel: string, field: string, kind: "file" | "dir") => {
    const full = inside(dir, rel);
    if (!full || !existsSync(full) || (kind === "file" ? !statSync(full).isFile() : !statSync(full).isDirectory())) {
      problems.push({ file, path: `${at}.${field}`, message: `${kind === "file" ? "file" : "folder"} '${rel}' not found in the pack` });
      return undefined;
    }
    return full;
  };
  if (cmd.tier === "code") need(cmd.module, "module", "file");
  if (cmd.tier === "prompt") {
    const prompt = need(cmd.prompt, "prompt", "file");
    // Its front matter is read as the run reads it: another language than YAML is refused here, unread.
    if (prompt && checkSkills) {
      try {
        parseFrontMatter(readFileSync(prompt, "utf8"), prompt);
      } catch (err) {
        if (err instanceof ForeignFrontMatterError) throw err;
        problems.push({ file: cmd.prompt, path: "front matter", message: `not valid YAML (${firstLine((err as Error).message)})` });
      }
    }
  }
  if (cmd.tier === "cli" && !cmd.permissions.exec.includes(cmd.exec)) {
    problems.push({ file, path: `${at}.exec`, message: `'${cmd.exec}' must also be listed in ${at}.permissions.exec` });
  }
  if (cmd.tier === "skill") {
    const folder = need(cmd.skill, "skill", "dir");
    if (folder && checkSkills) {
      const skillFile = join(cmd.skill, "SKILL.md");
      const skill = readSkill(folder, problems, skillFile);
      for (const tool of skill?.allowedTools ?? []) {
        const [prefix, target] = tool.includes(":") ? (tool.split(":") as [string, string]) : [packName, tool];
        if (prefix !== packName || !commands[target]) {
          problems.push({ file: skillFile, path: "allowed-tools", message: `'${tool}' is not a command of this pack (commands: ${names.join(", ")})` });
        } else if (commands[target]!.tier === "skill") {
          problems.push({ file: skillFile, path: "allowed-tools", message: `'${tool}' is a skill; a skill may call only code, cli and prompt commands` });
        }
      }
    }
  }
  for (const key of templateKeys([...cmd.permissions.network, ...cmd.permissions.read, ...cmd.permissions.write])) {
    if (!config[key]) problems.push({ file, path: `${at}.permissions`, message: `{{config.${key}}} names no key of 'config'` });
  }
}

/**
 * Loads and validates a pack's manifest, listing every problem (file, field path, what is allowed).
 * Nothing from the pack is executed. `skills: false` skips parsing SKILL.md files (listing and routing of
 * installed packs, which were fully checked at install; a skill's SKILL.md is checked again when it runs).
 */
export function loadManifest(dirIn: string, opts: { skills?: boolean } = {}): PackManifest {
  const checkSkills = opts.skills !== false;
  const dir = resolve(dirIn);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`no pack folder at ${dir}`, { hint: "give the path of a folder that holds pack.json or PACK.md" });
  }
  const { raw, file } = readRaw(dir);
  const problems: ManifestProblem[] = [];
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    for (const issue of r.error.issues) problems.push(describeIssue(issue, file, raw));
    // Check the files of the commands that are themselves valid, so one pass reports every problem.
    const rawObj = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
    const rawCommands = (rawObj.commands && typeof rawObj.commands === "object" ? rawObj.commands : {}) as Record<string, unknown>;
    const parsed: Record<string, PackCommand> = {};
    for (const [name, c] of Object.entries(rawCommands)) {
      const one = commandSchema.safeParse(c);
      if (one.success) parsed[name] = one.data;
    }
    const rawConfig = (rawObj.config && typeof rawObj.config === "object" ? rawObj.config : {}) as Record<string, ConfigKeySpec>;
    for (const [name, cmd] of Object.entries(parsed)) checkCommand(dir, file, String(rawObj.name ?? ""), name, cmd, parsed, rawConfig, problems, true);
    if (rawObj.commands && typeof rawObj.commands === "object" && !Object.keys(rawCommands).length) {
      problems.push({ file, path: "commands", message: "a pack needs at least one command" });
    }
    throw new ManifestError(dedupe(problems));
  }
  const m = r.data;
  const names = Object.keys(m.commands);
  if (names.length === 0) problems.push({ file, path: "commands", message: "a pack needs at least one command" });
  for (const [name, cmd] of Object.entries(m.commands)) checkCommand(dir, file, m.name, name, cmd, m.commands, m.config, problems, checkSkills);
  m.hooks.forEach((h, i) => {
    if (!m.commands[h.command]) problems.push({ file, path: `hooks.${i}.command`, message: `'${h.command}' is not a command of this pack (commands: ${names.join(", ")})` });
    if (h.event === "schedule" && !h.cron) problems.push({ file, path: `hooks.${i}.cron`, message: "required for a schedule hook (a cron expression)" });
    if (h.event === "file.changed" && !h.paths?.length) problems.push({ file, path: `hooks.${i}.paths`, message: "required for a file.changed hook" });
  });
  for (const [key, spec] of Object.entries(m.config)) {
    if (spec.default !== undefined && !matchesType(spec.default, spec.type)) {
      problems.push({ file, path: `config.${key}.default`, message: `must be of type ${spec.type}, got ${received(spec.default)}` });
    }
  }
  if (problems.length) throw new ManifestError(problems);
  return { ...m, dir, file };
}

function dedupe(problems: ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}|${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function matchesType(v: unknown, type: ConfigKeySpec["type"]): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
    case "string[]":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
  }
}

/** The config keys referenced as {{config.KEY}} in a list of permission entries. */
export function templateKeys(entries: string[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const m = /^\{\{\s*config\.([A-Za-z0-9_.-]+)\s*\}\}$/.exec(e);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** The skill document of a skill command. */
export function skillOf(m: PackManifest, cmd: Extract<PackCommand, { tier: "skill" }>): SkillDoc {
  const problems: ManifestProblem[] = [];
  const doc = readSkill(resolve(m.dir, cmd.skill), problems, join(cmd.skill, "SKILL.md"));
  if (!doc) throw new ManifestError(problems);
  return doc;
}

/** Relative path of `file` inside the pack (for messages). */
export function packRelative(m: PackManifest, file: string): string {
  return relative(m.dir, file);
}
