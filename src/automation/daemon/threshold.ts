/**
 * Threshold triggers: a command's numeric output (run from an argv array, never through a shell) or a
 * file's value, checked on an interval. The job fires when the value crosses the bound, not on every check:
 * the side of the bound is remembered in job_state, so a restart does not fire again.
 *
 * A check always ends: a command runs in a process group of its own, and on its timeout, on a stop, or when
 * it has exited leaving something behind (a child still holding its output), the whole group gets SIGTERM
 * and, after a grace period, SIGKILL. Its output is read up to a bound. A file is opened without blocking,
 * must be a regular file (a FIFO or a device such as /dev/zero is refused), and is read up to a bound.
 */
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ThresholdTrigger } from "../jobs/schema.ts";

/** The most of a threshold file, or of a command's output, that is read: a number is at its start. */
export const MAX_THRESHOLD_BYTES = 64 * 1024;
/** How long a process group has between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 1000;

/** The first number in a text ("93%", "load: 1.5"), or undefined. */
export function parseNumber(text: string): number | undefined {
  const m = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[0]);
  return Number.isFinite(n) ? n : undefined;
}

/** True while a process of the group is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGTERM to every process of the group, SIGKILL after graceMs; resolves once the group is gone (or after SIGKILL and a short wait). */
export async function killGroup(pgid: number, graceMs = KILL_GRACE_MS): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pgid, s);
    } catch {}
  };
  if (!groupAlive(pgid)) return;
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(25);
    if (!groupAlive(pgid)) return;
  }
  signal("SIGKILL");
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await sleep(25);
}

/**
 * The process groups of the threshold commands running now. `changed` is called with the list whenever it
 * changes (the daemon keeps a copy in user/run/, so that `pai daemon stop` can kill them if it has to kill the daemon).
 */
export class ProcessGroups {
  private groups = new Map<number, Promise<void> | undefined>();
  constructor(private changed?: (pgids: number[]) => void) {}

  add(pgid: number): void {
    this.groups.set(pgid, undefined);
    this.changed?.(this.list());
  }

  delete(pgid: number): void {
    if (this.groups.delete(pgid)) this.changed?.(this.list());
  }

  list(): number[] {
    return [...this.groups.keys()];
  }

  /** Kills the group (once, however often it is asked) and forgets it when it is gone. */
  kill(pgid: number, graceMs = KILL_GRACE_MS): Promise<void> {
    const pending = this.groups.get(pgid);
    if (pending) return pending;
    const p = killGroup(pgid, graceMs).finally(() => this.delete(pgid));
    if (this.groups.has(pgid)) this.groups.set(pgid, p);
    return p;
  }

  /** Kills every group; resolves when they are all gone. */
  async killAll(graceMs = KILL_GRACE_MS): Promise<void> {
    await Promise.allSettled(this.list().map((g) => this.kill(g, graceMs)));
  }
}

/** The start of a regular file, opened without blocking (a FIFO with no writer must not hold the check). */
async function readBoundedFile(path: string): Promise<string> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${path} is not a regular file (a threshold file must be one)`);
    const buf = Buffer.alloc(MAX_THRESHOLD_BYTES);
    let len = 0;
    while (len < buf.length) {
      const { bytesRead } = await fh.read(buf, len, buf.length - len, len);
      if (!bytesRead) break;
      len += bytesRead;
    }
    return buf.subarray(0, len).toString("utf8");
  } finally {
    await fh.close().catch(() => {});
  }
}

/**
 * Runs argv in a process group of its own and returns what it printed on standard output. On the timeout,
 * on abort, or past MAX_THRESHOLD_BYTES of output, the group is killed and the check fails; when the command
 * exits, whatever it left in its group is killed too, so a child holding the output open cannot hold the check.
 */
async function runBounded(argv: string[], cwd: string, timeoutMs: number, signal: AbortSignal | undefined, groups: ProcessGroups): Promise<string> {
  const [cmd, ...args] = argv;
  if (signal?.aborted) throw new Error("stopped");
  return new Promise<string>((res, rej) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const child = spawn(cmd!, args, { cwd, detached: true, stdio: ["ignore", "pipe", "ignore"], windowsHide: true });
    const pgid = child.pid;
    if (pgid) groups.add(pgid);
    const finish = (err: Error | undefined, text?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (pgid) void groups.kill(pgid);
      if (err) rej(err);
      else res(text ?? "");
    };
    const timer = setTimeout(() => finish(new Error(`${cmd} did not finish within ${timeoutMs} ms: stopped`)), timeoutMs);
    const onAbort = () => finish(new Error("stopped"));
    signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (err) => finish(new Error(`${cmd} failed: ${err.message.split("\n", 1)[0]}`)));
    child.stdout!.on("data", (c: Buffer) => {
      if (settled) return;
      size += c.length;
      if (size > MAX_THRESHOLD_BYTES) return finish(new Error(`${cmd} printed more than ${MAX_THRESHOLD_BYTES} bytes: stopped`));
      chunks.push(c);
    });
    child.stdout!.on("error", () => {});
    child.on("exit", (code, sig) => {
      // What is in the pipe is read before 'end'; a child left holding it open is killed with the group.
      const done = () => {
        if (code === 0) finish(undefined, Buffer.concat(chunks).toString("utf8"));
        else finish(new Error(`${cmd} failed: ${sig ? `killed by ${sig}` : `exit code ${code}`}`));
      };
      if (child.stdout!.readableEnded) return done();
      const grace = setTimeout(done, 200);
      child.stdout!.once("end", () => {
        clearTimeout(grace);
        done();
      });
    });
  });
}

export async function readThresholdValue(t: ThresholdTrigger, cwd: string, signal?: AbortSignal, groups: ProcessGroups = new ProcessGroups()): Promise<number> {
  const text = t.file ? await readBoundedFile(resolve(cwd, t.file)) : await runBounded(t.command!, cwd, t.timeoutMs, signal, groups);
  const n = parseNumber(text);
  if (n === undefined) throw new Error(`no number in ${t.file ? t.file : t.command!.join(" ")}'s output`);
  return n;
}

/** Whether the value is past the bound (above it, or below it). */
export function pastBound(t: ThresholdTrigger, value: number): boolean {
  return t.above !== undefined ? value > t.above : value < t.below!;
}

/**
 * The decision for one check: fire when the value is past the bound now and was not at the previous check
 * (an unknown previous side counts as not past, so a value already over the bound at the first check fires).
 */
export function crossing(previousOn: number | null | undefined, on: boolean): boolean {
  return on && previousOn !== 1;
}
