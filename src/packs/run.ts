/**
 * Running one pack command at its tier, with the permissions it declared and the user granted, recorded in
 * pack_runs; a run of a command that changes something is also remembered as an `action` memory (secrets
 * redacted), while a read-only one is not: its output is already where it came from.
 */
import { PaiError, UsageError, UserError } from "../kernel/errors.ts";
import { requireUser } from "../kernel/paths.ts";
import { secretForms } from "../kernel/redact.ts";
import { Secrets } from "../kernel/secrets.ts";
import { rememberItem } from "./external.ts";
import { packChange } from "./integrity.ts";
import { commandChanges, type PackTier } from "./manifest/index.ts";
import { PermissionError } from "./permissions.ts";
import { prepare, type Prepared, type RunInput, type RunOptions, type TierInput, type TierOutput } from "./prepare.ts";
import { finishRun, startRun, type RunOutcome } from "./runs.ts";
import { runCli } from "./tiers/cli.ts";
import { runCode } from "./tiers/code.ts";
import { runPrompt } from "./tiers/prompt.ts";
import { runSkill, skillTools, toolSecrets } from "./tiers/skill.ts";

export type { RunInput, RunOptions } from "./prepare.ts";

export interface PackRunResult {
  ok: boolean;
  output: string;
  data?: unknown;
  tier: PackTier;
  runId: number;
  memoryId?: number;
  /** Set when ok is false: the error (a PermissionError for refusals). */
  error?: PaiError;
  outcome: RunOutcome;
}

export function parseRef(s: string): { pack: string; command: string } {
  const m = /^([a-z0-9-]+):([A-Za-z0-9_-]+)$/.exec(s.trim());
  if (!m) {
    throw new UsageError(`'${s}' is not PACK:COMMAND`, { hint: "e.g. pai run journal:write 'a good day'" });
  }
  return { pack: m[1]!, command: m[2]! };
}

/** Runs one pack command. Unknown packs or commands throw; failures of the run itself are returned (ok: false). */
export async function runPackCommand(ref: { pack: string; command: string }, input: RunInput, opts: RunOptions): Promise<PackRunResult> {
  // Every file of the pack is hashed and compared with its install record first; a changed pack runs nothing
  // (recorded as a failed run when its manifest still names the command, refused outright otherwise).
  const changed = packChange(ref.pack, requireUser(opts.paths));
  let prep: Prepared;
  try {
    prep = prepare(ref, opts);
  } catch (err) {
    throw changed ?? err;
  }
  // A skill's run holds its tools' secrets too: a tool's token typed into the request or quoted back by the
  // model is redacted from what the skill stores, returns and sends, as the tool's own output is.
  if (prep.cmd.tier === "skill" && !changed) prep.secrets = [...new Set([...prep.secrets, ...skillTools(prep, prep.cmd).flatMap((name) => toolSecrets(prep, name, opts))])];
  // The caller's secrets learn this command's too: whatever it writes later is redacted with them.
  const secrets = opts.secrets ?? new Secrets();
  for (const s of prep.secrets) secrets.add(s);
  const db = opts.db;
  const args = input.args ?? [];
  const text = input.text ?? args.join(" ");
  const runId = startRun(db, {
    pack: ref.pack,
    command: ref.command,
    tier: prep.cmd.tier,
    args: secrets.redact(JSON.stringify(args)),
    input: secrets.redact(text.slice(0, 2000)),
    origin: opts.origin ?? "cli",
    parentId: opts.parentId,
  });
  let outcome: RunOutcome = "ok";
  let output = "";
  let data: unknown;
  let error: PaiError | undefined;
  try {
    opts.signal?.throwIfAborted();
    if (changed) throw changed;
    const stream = opts.onText && prep.secrets.length ? redactingStream(opts.onText, secrets, prep.secrets) : undefined;
    try {
      const r = await runTier(prep, ref, { args, text, vars: input.vars ?? {} }, stream ? { ...opts, onText: stream.write } : opts, secrets, runId);
      output = r.output;
      data = r.data;
    } finally {
      stream?.end();
    }
  } catch (err) {
    if (opts.signal?.aborted) {
      outcome = "aborted";
      error = new UserError(`${ref.pack}:${ref.command} was interrupted`);
    } else if (err instanceof PermissionError) {
      outcome = "refused";
      error = err;
    } else if (err instanceof PaiError) {
      outcome = "failed";
      error = err;
    } else {
      outcome = "failed";
      const msg = err instanceof Error ? err.message : String(err);
      error = new UserError(`${ref.pack}:${ref.command} failed: ${msg.split("\n", 1)[0]}`, { hint: `'pai pack info ${ref.pack}' shows its settings and permissions`, cause: err });
    }
    output = error.message;
  }
  const stored = secrets.redact(output);
  let memoryId: number | undefined;
  // A skill's tool calls are part of its run: only the run the user (or a job) started is remembered.
  if (outcome === "ok" && !opts.incognito && opts.parentId === undefined && commandChanges(prep.manifest, ref.command)) {
    try {
      const summary = `${ref.pack}:${ref.command} (${prep.cmd.tier})${args.length ? ` ${args.join(" ")}` : text ? ` ${text.slice(0, 200)}` : ""}\n${stored}`.slice(0, 8000);
      memoryId = await rememberItem(db, prep.config, {
        content: secrets.redact(summary),
        kind: "action",
        source: `pack:${ref.pack}:${ref.command}`,
        meta: { runId, tier: prep.cmd.tier, origin: opts.origin ?? "cli" },
      });
    } catch {
      memoryId = undefined;
    }
  }
  finishRun(db, runId, { outcome, error: error ? secrets.redact(error.message) : null, output: stored, memoryId });
  // Redacted at the source: whatever leaves a run (its output, data and error) carries none of the secrets it
  // was handed nor a recognisable credential, whoever receives it (the CLI, a job firing, the audit trail, a
  // skill's model).
  return {
    ok: outcome === "ok",
    output: stored,
    data: data === undefined ? undefined : secrets.redactDeep(data),
    tier: prep.cmd.tier,
    runId,
    memoryId,
    error: error ? redactError(error, secrets) : undefined,
    outcome,
  };
}

/**
 * Streamed text with the run's secrets redacted: the last (longest secret − 1) characters are held back until
 * more text comes, so a secret split across two chunks is still caught.
 */
function redactingStream(onText: (t: string) => void, secrets: Secrets, own: string[]): { write: (t: string) => void; end: () => void } {
  const hold = Math.max(0, ...own.flatMap(secretForms).map((x) => x.length)) - 1;
  let pending = "";
  return {
    write(t) {
      pending = secrets.redact(pending + t);
      if (pending.length > hold) {
        onText(pending.slice(0, pending.length - hold));
        pending = pending.slice(pending.length - hold);
      }
    },
    end() {
      if (pending) onText(secrets.redact(pending));
      pending = "";
    },
  };
}

/** The error with its message and hint redacted (same class, same exit code). */
function redactError(error: PaiError, secrets: Secrets): PaiError {
  const message = secrets.redact(error.message);
  const hint = error.hint === undefined ? undefined : secrets.redact(error.hint);
  if (message === error.message && hint === error.hint) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as PaiError;
  Object.assign(copy, error);
  Object.defineProperty(copy, "message", { value: message, writable: true, configurable: true });
  Object.defineProperty(copy, "hint", { value: hint, writable: false, configurable: true, enumerable: true });
  copy.stack = `${copy.name}: ${message}`;
  return copy;
}

async function runTier(prep: Prepared, ref: { pack: string; command: string }, input: TierInput, opts: RunOptions, secrets: Secrets, runId: number): Promise<TierOutput> {
  switch (prep.cmd.tier) {
    case "code":
      return runCode(prep, prep.cmd, input, opts, secrets);
    case "cli":
      return runCli(prep, prep.cmd, input, opts);
    case "prompt":
      return runPrompt(prep, prep.cmd, input, opts, secrets);
    case "skill":
      // A tool call is a run of its own, recorded under this one, with the same home and secrets.
      return runSkill(prep, ref, prep.cmd, input, opts, secrets, (command, toolInput) =>
        runPackCommand({ pack: ref.pack, command }, toolInput, { ...opts, secrets, onText: undefined, origin: `skill:${ref.pack}:${ref.command}`, parentId: runId }),
      );
  }
}
