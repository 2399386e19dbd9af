/**
 * The run state of embedding, as two small files under user/run/ (state of a machine, not the user's data):
 * `embeddings.json`, the last failure of the embed model (when, which model, why), read before any attempt
 * so a model that is missing or unreachable is not tried again for EMBED_BACKOFF_MS; and `embed.lock`, the
 * pid of the one embedder at work, so only one runs at a time. Every read tolerates a missing or damaged
 * file (it means: no failure, no embedder).
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../kernel/process.ts";

/** How long after a failure of the embed model no attempt is made on its own (an explicit `pai memory embed` always tries). */
export const EMBED_BACKOFF_MS = 10 * 60_000;

export type EmbedFailureKind = "connection" | "model_not_found" | "timeout" | "no_embeddings" | "other";

export interface EmbedFailure {
  at: string;
  backend: string;
  model: string;
  kind: EmbedFailureKind;
  /** One line: what went wrong. */
  reason: string;
}

const failureFile = (run: string) => join(run, "embeddings.json");
const lockFile = (run: string) => join(run, "embed.lock");

export function readFailure(run: string): EmbedFailure | undefined {
  try {
    const v = JSON.parse(readFileSync(failureFile(run), "utf8")) as EmbedFailure;
    return typeof v?.at === "string" && typeof v.model === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

export function recordFailure(run: string, f: Omit<EmbedFailure, "at">, now: Date = new Date()): void {
  try {
    mkdirSync(run, { recursive: true });
    const tmp = `${failureFile(run)}.${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify({ at: now.toISOString(), ...f })}\n`);
    renameSync(tmp, failureFile(run));
  } catch {
    // Nothing to do: the next attempt finds no record and tries again.
  }
}

export function clearFailure(run: string): void {
  try {
    rmSync(failureFile(run), { force: true });
  } catch {}
}

/** The failure of this model still within its back-off, if any. */
export function inBackoff(run: string, model: string, now: number = Date.now()): EmbedFailure | undefined {
  const f = readFailure(run);
  if (!f || f.model !== model) return undefined;
  const at = Date.parse(f.at);
  return Number.isFinite(at) && now - at < EMBED_BACKOFF_MS && now >= at ? f : undefined;
}

function lockHolder(run: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile(run), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function youngerThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < ms;
  } catch {
    return false;
  }
}

/** The pid of a live embedder holding the lock, if any. */
export function embedderRunning(run: string): number | undefined {
  const pid = lockHolder(run);
  return pid !== undefined && pid !== process.pid && processAlive(pid) ? pid : undefined;
}

/**
 * Takes the embedder's lock for this process: a release function, or undefined when a live embedder holds it.
 * A lock left by a process that is gone is taken over.
 */
export function takeEmbedLock(run: string): (() => void) | undefined {
  mkdirSync(run, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile(run), "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (lockHolder(run) === process.pid) rmSync(lockFile(run), { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
      const pid = lockHolder(run);
      if (pid === process.pid) return () => {};
      if (pid !== undefined && processAlive(pid)) return undefined;
      // A lock without a pid yet is being taken right now, unless it was left so by a process that died at once.
      if (pid === undefined && youngerThan(lockFile(run), 10_000)) return undefined;
      rmSync(lockFile(run), { force: true });
    }
  }
  return undefined;
}
