/**
 * Threshold triggers: a command's numeric output (run from an argv array, never through a shell) or a
 * file's value, checked on an interval. The job fires when the value crosses the bound, not on every check:
 * the side of the bound is remembered in job_state, so a restart does not fire again.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ThresholdTrigger } from "../jobs/schema.ts";

/** The first number in a text ("93%", "load: 1.5"), or undefined. */
export function parseNumber(text: string): number | undefined {
  const m = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[0]);
  return Number.isFinite(n) ? n : undefined;
}

export async function readThresholdValue(t: ThresholdTrigger, cwd: string, signal?: AbortSignal): Promise<number> {
  let text: string;
  if (t.file) {
    text = await readFile(resolve(cwd, t.file), "utf8");
  } else {
    const [cmd, ...args] = t.command!;
    text = await new Promise<string>((res, rej) => {
      execFile(cmd!, args, { cwd, timeout: t.timeoutMs, maxBuffer: 1 << 20, signal, windowsHide: true }, (err, stdout) => {
        if (err) rej(new Error(`${cmd} failed: ${(err as Error).message.split("\n", 1)[0]}`));
        else res(String(stdout));
      });
    });
  }
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
