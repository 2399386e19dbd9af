/**
 * The lease of the running daemon (one per PAI_HOME), kept in daemon_state and read by the CLI, and the file
 * that lists the process groups of its threshold commands.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../kernel/paths.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { getState, processAlive, setState } from "../state.ts";

const now = () => new Date().toISOString();

// ---- lease: one daemon per PAI_HOME -----------------------------------------------------------

export interface Lease {
  pid: number;
  startedAt: string;
  webhookPort?: number;
  /** When its triggers were in place (job files read, schedules, thresholds and mail armed, webhook listening). */
  readyAt?: string;
  /** When its file watches had finished their first scan (they start after the other triggers, and never hold them back). */
  watchingAt?: string;
  /** When its socket for read-only commands and its dashboard (each when it has one) were opened, or failed to open. */
  servingAt?: string;
}

/** The process groups of the threshold commands the daemon is running, one per line (killed by `pai daemon stop` if it must kill the daemon). */
export function childrenFile(p: Paths): string {
  return join(p.run, "daemon.children");
}

function isDaemonProcess(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    // `bun …/src/cli/main.ts daemon run`: a recycled pid running something else is not the daemon.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return pid === process.pid || /main\.ts\0daemon\0run/.test(cmd);
  } catch {
    return true; // no /proc: trust the pid
  }
}

export function readLease(db: Database): Lease | undefined {
  const v = getState(db, "lease");
  if (!v) return undefined;
  try {
    return JSON.parse(v) as Lease;
  } catch {
    return undefined;
  }
}

/** The lease of a daemon that is running now, or undefined. */
export function liveLease(db: Database): Lease | undefined {
  const lease = readLease(db);
  return lease && isDaemonProcess(lease.pid) ? lease : undefined;
}

/**
 * Takes the lease for this process, atomically (BEGIN IMMEDIATE): fails with the holder when a live daemon
 * holds it; a stale lease (its process is gone) is taken over.
 */
export function acquireLease(db: Database, pid: number = process.pid): { ok: true; tookOver?: Lease } | { ok: false; holder: Lease } {
  return db.transaction(() => {
    const current = readLease(db);
    if (current && current.pid !== pid && isDaemonProcess(current.pid)) return { ok: false as const, holder: current };
    setState(db, "lease", JSON.stringify({ pid, startedAt: now() } satisfies Lease));
    return current && current.pid !== pid ? { ok: true as const, tookOver: current } : { ok: true as const };
  });
}

export function updateLease(db: Database, patch: Partial<Lease>): void {
  const lease = readLease(db);
  if (!lease || lease.pid !== process.pid) return;
  setState(db, "lease", JSON.stringify({ ...lease, ...patch }));
}

export function releaseLease(db: Database, pid: number = process.pid): void {
  db.prepare("DELETE FROM daemon_state WHERE key = 'lease' AND json_extract(value, '$.pid') = ?").run(pid);
}
