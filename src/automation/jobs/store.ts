/**
 * Job files: user/jobs/<name>.json, one per job, validated with zod. Errors name the file and the field.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { Cron } from "croner";
import type { z } from "zod";
import { UsageError, UserError } from "../../kernel/errors.ts";
import { describeIssue, shownValue, valueAt } from "../../kernel/issues.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { writeFileAtomic } from "../../kernel/fs.ts";
import { actionSchema, JOB_NAME, jobSchema, policySchema, triggerSchema, type Job } from "./schema.ts";

export interface InvalidJob {
  name: string;
  file: string;
  error: string;
}

/** The fields allowed at a path of a job file (a trigger's and an action's depend on their type). */
function knownKeys(raw: unknown, path: string): readonly string[] | undefined {
  const ofType = (union: typeof triggerSchema | typeof actionSchema, at: string) => {
    const type = valueAt(raw, [at, "type"]);
    const option = union.options.find((o) => o.shape.type.value === type);
    return option ? Object.keys(option.shape) : undefined;
  };
  if (path === "") return Object.keys(jobSchema.shape);
  if (path === "trigger") return ofType(triggerSchema, "trigger");
  if (path === "action") return ofType(actionSchema, "action");
  if (path === "policy") return Object.keys(policySchema.shape);
  return undefined;
}

/** "trigger.cron: required: a cron expression …", "trigger.type: got 'cronjob'; allowed: schedule, …". */
function issueText(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "invalid_union" && "options" in issue && Array.isArray(issue.options)) {
    const at = issue.path.map(String).join(".");
    const got = valueAt(raw, issue.path);
    return `${at}: ${got === undefined ? "required" : `got ${shownValue(got)}`}; allowed: ${issue.options.map(String).join(", ")}`;
  }
  const w = describeIssue(issue, raw, {
    knownKeys: (path) => knownKeys(raw, path),
    required: (_path, key) => REQUIRED[key],
  });
  return issue.code === "unrecognized_keys" || !w.path ? w.message : `${w.path}: ${w.message}`;
}

/** What a missing field must hold, by its key. */
const REQUIRED: Record<string, string> = {
  trigger: "an object with a type (schedule, file, threshold, mail, webhook or manual)",
  action: "an object with a type (pack, ask, notify or remember)",
  cron: "a cron expression, e.g. '0 7 * * *'",
  path: "the file or folder to watch",
  host: "the IMAP server",
  user: "the IMAP user",
  passwordEnv: "the name of the environment variable holding the password",
};

/** Validates a parsed job object; throws UserError naming the file and field. */
export function validateJob(raw: unknown, displayed: string, name: string): Job {
  const r = jobSchema.safeParse(raw);
  if (!r.success) {
    throw new UserError(`${displayed}: ${issueText(r.error.issues[0]!, raw)}`, { hint: `fix the file, then 'pai jobs list' shows it` });
  }
  const job = r.data;
  if (job.trigger.type === "schedule") {
    try {
      new Cron(job.trigger.cron, { timezone: job.trigger.tz, paused: true }).nextRun();
    } catch (err) {
      const msg = (err as Error).message;
      const field = /timezone/i.test(msg) ? "trigger.tz" : "trigger.cron";
      throw new UserError(`${displayed}: ${field}: ${field === "trigger.tz" ? `unknown time zone '${job.trigger.tz}'` : `invalid cron expression '${job.trigger.cron}'`}`, {
        hint: field === "trigger.tz" ? "use an IANA name such as Europe/Paris" : "five fields: minute hour day-of-month month day-of-week, e.g. '0 7 * * *'",
      });
    }
  }
  return { ...job, name, file: displayed };
}

export function checkName(name: string): void {
  if (!JOB_NAME.test(name)) {
    throw new UsageError(`invalid job name '${name}'`, { hint: "use letters, digits, '.', '_' or '-' (at most 64 characters)" });
  }
}

export function jobFile(p: Paths, name: string): string {
  return join(p.jobs, `${name}.json`);
}

function readJobFile(file: string, name: string, home: string): Job {
  const shown = relative(home, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${shown}: not valid JSON (${(err as Error).message})`, { hint: "fix the file by hand" });
  }
  const job = validateJob(raw, shown, name);
  return { ...job, file };
}

/** Every job file: the valid ones, and the invalid ones with their error. */
export function loadJobs(p: Paths): { jobs: Job[]; invalid: InvalidJob[] } {
  const jobs: Job[] = [];
  const invalid: InvalidJob[] = [];
  if (!existsSync(p.jobs)) return { jobs, invalid };
  for (const f of readdirSync(p.jobs).sort()) {
    if (!f.endsWith(".json") || f.startsWith(".")) continue;
    const name = f.slice(0, -5);
    const file = join(p.jobs, f);
    if (!JOB_NAME.test(name)) {
      invalid.push({ name, file, error: `${relative(p.home, file)}: invalid job name` });
      continue;
    }
    try {
      jobs.push(readJobFile(file, name, p.home));
    } catch (err) {
      invalid.push({ name, file, error: (err as Error).message });
    }
  }
  return { jobs, invalid };
}

export function getJob(p: Paths, name: string): Job {
  checkName(name);
  const file = jobFile(p, name);
  if (!existsSync(file)) {
    throw new UserError(`no job named '${name}'`, { hint: "'pai jobs list' shows the jobs" });
  }
  return readJobFile(file, name, p.home);
}

/** Writes a new job file (validated first, then by `check`); refuses to overwrite unless `replace`. */
export function saveJob(p: Paths, name: string, spec: unknown, opts: { replace?: boolean; check?: (job: Job) => void } = {}): Job {
  checkName(name);
  const file = jobFile(p, name);
  if (existsSync(file) && !opts.replace) {
    throw new UserError(`a job named '${name}' exists already`, { hint: `remove it first with 'pai jobs remove ${name}'` });
  }
  const job = validateJob(spec, relative(p.home, file), name);
  opts.check?.(job);
  // What the user gave is written as it is: defaults stay implicit, so the file stays short.
  writeFileAtomic(file, `${JSON.stringify(spec, null, 2)}\n`);
  return { ...job, file };
}

export function removeJob(p: Paths, name: string): void {
  checkName(name);
  const file = jobFile(p, name);
  if (!existsSync(file)) throw new UserError(`no job named '${name}'`, { hint: "'pai jobs list' shows the jobs" });
  unlinkSync(file);
}

export function setEnabled(p: Paths, name: string, enabled: boolean): Job {
  checkName(name);
  const file = jobFile(p, name);
  if (!existsSync(file)) throw new UserError(`no job named '${name}'`, { hint: "'pai jobs list' shows the jobs" });
  const current = readJobFile(file, name, p.home);
  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  raw.enabled = enabled;
  writeFileAtomic(file, `${JSON.stringify(raw, null, 2)}\n`);
  return { ...current, enabled };
}

/** Blanks the detail (the action's output or error) of job firings that hold a forgotten text; returns how many. */
export function scrubFirings(db: Database, needles: string[]): number {
  let n = 0;
  const blank = db.prepare("UPDATE job_firings SET detail = '[forgotten]' WHERE instr(coalesce(detail, ''), ?) > 0");
  for (const needle of needles) n += blank.run(needle).changes;
  return n;
}

/**
 * Blanks what approvals copied of a forgotten text (the shown action, the trigger's values, the result). The
 * action that runs on approval is read from the job's file, never from this copy (see approvals.ts), except for
 * an approval recorded without its action's hash: a pending one of those is left whole.
 */
export function scrubApprovals(db: Database, needles: string[]): number {
  const ids = new Set<number>();
  const q = db.prepare<{ id: number }>(
    "SELECT id FROM approvals WHERE (instr(action, ?1) > 0 OR instr(trigger, ?1) > 0 OR instr(coalesce(result, ''), ?1) > 0) AND NOT (status = 'pending' AND action_hash IS NULL)",
  );
  for (const n of needles) for (const r of q.all(n)) ids.add(r.id);
  const blank = db.prepare(
    `UPDATE approvals SET action = '{"type":"forgotten"}', trigger = '{"trigger":"forgotten","vars":{}}', result = CASE WHEN result IS NULL THEN NULL ELSE '[forgotten]' END WHERE id = ?`,
  );
  for (const id of ids) blank.run(id);
  return ids.size;
}
