/** Processes pai started or knows of: whether one is still running. */
import { readFileSync } from "node:fs";

/** True when pid is a live process (and, where /proc exists, not a zombie: killed but not yet reaped). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
  } catch {
    // No /proc: the signal check is all there is.
  }
  return true;
}
