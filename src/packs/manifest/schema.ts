/**
 * The shape of a pack manifest (`pack.json`, or the YAML front matter of `PACK.md`), as zod schemas: the
 * commands at each tier, their triggers and permissions, the pack's settings and hooks.
 */
import { isAbsolute, normalize } from "node:path";
import * as z from "zod";
import { CONFIG_ENTRY } from "../template.ts";

export const TIERS = ["code", "cli", "prompt", "skill"] as const;
export type PackTier = (typeof TIERS)[number];
export const PERMISSION_KINDS = ["network", "read", "write", "env", "exec"] as const;
export const HOOK_EVENTS = ["file.changed", "schedule", "mail.received", "webhook", "daemon.start"] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** a-z, 0-9 and single hyphens, 1–64 characters (the Agent Skills rule, used for pack names too). */
export const NAME_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Command names may also use underscores (fabric's pattern names do: extract_wisdom). */
export const COMMAND_RE = /^[a-z0-9]+([-_][a-z0-9]+)*$/;
const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;

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
    (h) => h === "*" || CONFIG_ENTRY.test(h) || /^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(h) || /^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(h),
    "a host name (example.com, *.example.com, 127.0.0.1:8080), '*' for any host, or {{config.KEY}}",
  );
const pathEntry = z
  .string()
  .min(1)
  .refine(
    (p) => p.startsWith("/") || /^(~|\$PAI_HOME|\$PACK)(\/|$)/.test(p) || CONFIG_ENTRY.test(p),
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
  /**
   * Whether running the command changes anything (a file, a message sent, a program's effect, memory): a run
   * that changes something is remembered as an `action`; one that only reads is recorded in pack_runs alone.
   * Left out, it follows what the command may do (see commandChanges).
   */
  changes: z
    .boolean({ error: "must be true (running it changes something, and each run is remembered) or false (it only reads: runs are recorded, not remembered)" })
    .optional()
    .describe("true: running it changes something (remembered as an action); false: it only reads (recorded in pack_runs only)"),
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
