/**
 * A job = a trigger + an action + a policy, one JSON file per job in user/jobs/<name>.json.
 */
import * as z from "zod";

export const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

const posInt = z.number().int().positive();

export const scheduleTrigger = z
  .object({
    type: z.literal("schedule"),
    cron: z.string().min(1).describe("cron expression (5 or 6 fields)"),
    tz: z.string().min(1).optional().describe("IANA time zone (default: the system's)"),
    catchUp: z.enum(["skip", "once", "all"]).default("skip").describe("runs missed while the daemon was down"),
    catchUpMax: posInt.max(1000).default(10).describe("with catchUp 'all': at most this many missed runs"),
  })
  .strict();

export const fileTrigger = z
  .object({
    type: z.literal("file"),
    path: z.string().min(1).describe("file or folder to watch"),
    debounceMs: z.number().int().min(0).max(600_000).default(100),
    events: z.array(z.enum(["add", "change", "unlink"])).min(1).default(["add", "change", "unlink"]),
  })
  .strict();

export const thresholdTrigger = z
  .object({
    type: z.literal("threshold"),
    command: z.array(z.string().min(1)).min(1).optional().describe("argv of a command printing a number (no shell)"),
    file: z.string().min(1).optional().describe("file holding a number"),
    above: z.number().optional(),
    below: z.number().optional(),
    intervalMs: z.number().int().min(50).default(60_000),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict()
  .refine((t) => (t.command ? 1 : 0) + (t.file ? 1 : 0) === 1, { message: "give exactly one of command or file", path: ["command"] })
  .refine((t) => (t.above === undefined ? 0 : 1) + (t.below === undefined ? 0 : 1) === 1, {
    message: "give exactly one of above or below",
    path: ["above"],
  });

export const mailTrigger = z
  .object({
    type: z.literal("mail"),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(993),
    secure: z.boolean().default(true).describe("TLS from the start (false: plain, upgraded with STARTTLS if offered)"),
    user: z.string().min(1),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/i).describe("environment variable holding the password"),
    mailbox: z.string().min(1).default("INBOX"),
    from: z.string().optional().describe("only messages whose sender contains this"),
    subject: z.string().optional().describe("only messages whose subject contains this"),
    intervalMs: z.number().int().min(100).default(60_000),
  })
  .strict();

export const webhookTrigger = z
  .object({
    type: z.literal("webhook"),
  })
  .strict();

export const manualTrigger = z.object({ type: z.literal("manual") }).strict();

export const triggerSchema = z.discriminatedUnion("type", [
  scheduleTrigger,
  fileTrigger,
  thresholdTrigger,
  mailTrigger,
  webhookTrigger,
  manualTrigger,
]);

export const actionSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("pack"),
      pack: z.string().min(1),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      text: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal("ask"),
      prompt: z.string().min(1),
      backend: z.enum(["ollama", "anthropic"]).optional(),
      model: z.string().optional(),
      then: z
        .object({
          via: z.enum(["notify", "voice"]).describe("the pack that delivers the answer"),
          title: z.string().optional(),
          command: z.string().optional().describe("the pack command to use (default: the pack's send/say command)"),
        })
        .strict()
        .optional()
        .describe("deliver the answer through the notify or voice pack"),
    })
    .strict(),
  z
    .object({
      type: z.literal("notify"),
      message: z.string().min(1),
      title: z.string().optional(),
      via: z.enum(["notify", "voice"]).default("notify"),
      command: z.string().optional().describe("the pack command to use (default: the pack's send/say command)"),
    })
    .strict(),
  z
    .object({
      type: z.literal("remember"),
      text: z.string().min(1),
    })
    .strict(),
]);

export const ACTION_TYPES = ["pack", "ask", "notify", "remember"] as const;

/** The pack command that delivers a message (a notify action, an ask's `then`): the pack's send, or voice's say. */
export function deliveredBy(d: { via: string; command?: string }): { pack: string; command: string } {
  return { pack: d.via, command: d.command ?? (d.via === "voice" ? "say" : "send") };
}
export type ActionType = (typeof ACTION_TYPES)[number];

export const policySchema = z
  .object({
    grants: z
      .object({
        network: z.array(z.string().min(1)).default([]),
        read: z.array(z.string().min(1)).default([]),
        write: z.array(z.string().min(1)).default([]),
        env: z.array(z.string().min(1)).default([]),
        exec: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .optional()
      .describe("limits the pack permissions the action may use (absent: what the pack was granted at install)"),
    rateLimit: z
      .object({
        max: posInt.describe("at most this many runs"),
        windowSec: posInt.describe("per this many seconds"),
      })
      .strict()
      .optional(),
    requireApproval: z
      .union([z.boolean(), z.array(z.enum(ACTION_TYPES))])
      .default(false)
      .describe("true, or the action types that wait for 'pai approvals approve'"),
  })
  .strict();

export const jobSchema = z
  .object({
    description: z.string().optional(),
    enabled: z.boolean().default(true),
    trigger: triggerSchema,
    action: actionSchema,
    policy: policySchema.default({ requireApproval: false }),
  })
  .strict();

export type JobSpec = z.infer<typeof jobSchema>;
export type JobInput = z.input<typeof jobSchema>;
export type Trigger = z.infer<typeof triggerSchema>;
export type Action = z.infer<typeof actionSchema>;
export type Policy = z.infer<typeof policySchema>;
export type ScheduleTrigger = z.infer<typeof scheduleTrigger>;
export type FileTrigger = z.infer<typeof fileTrigger>;
export type ThresholdTrigger = z.infer<typeof thresholdTrigger>;
export type MailTrigger = z.infer<typeof mailTrigger>;

export interface Job extends JobSpec {
  name: string;
  file: string;
}

export function needsApproval(job: JobSpec): boolean {
  const r = job.policy.requireApproval;
  return r === true || (Array.isArray(r) && r.includes(job.action.type));
}
