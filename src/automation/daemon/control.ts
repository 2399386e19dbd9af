/**
 * Controlling the daemon from the CLI: its status, starting it in the background (detached, output to
 * user/logs/daemon.log, which the daemon writes and rotates itself: see output.ts and log.ts), stopping it
 * (SIGTERM, then wait, then kill), the kill switch, and its log.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EnvironmentError, UserError } from "../../kernel/errors.ts";
import { fileKind } from "../../kernel/fs.ts";
import { installDir, type Paths } from "../../kernel/paths.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { appendAudit } from "../audit/index.ts";
import type { AutomationHome } from "../context.ts";
import { pendingApprovals } from "../jobs/approvals.ts";
import { countJobs, type JobCounts } from "../jobs/counts.ts";
import { loadJobs } from "../jobs/store.ts";
import { nextRuns } from "../jobs/state.ts";
import { isPaused, processAlive, setPaused } from "../state.ts";
import { followLog, lastLines } from "./log.ts";
import { logFile } from "./output.ts";
import { residentRequests } from "./resident.ts";
import { childrenFile, liveLease, readLease, releaseLease, type Lease } from "./state.ts";

export interface DaemonStatus {
  running: boolean;
  pid: number | null;
  since: string | null;
  paused: boolean;
  webhookPort: number | null;
  /** Read-only commands the running daemon has answered on its socket (resident.ts); null when it has none open. */
  residentRequests: number | null;
  /** The valid job files of user/jobs/ (jobs/counts.ts), enabled or not; the enabled and invalid ones apart. */
  jobs: number;
  jobsEnabled: number;
  jobsInvalid: number;
  pendingApprovals: number;
  nextRuns: { job: string; at: string }[];
  log: string;
}

export function daemonStatus(home: Pick<AutomationHome, "paths" | "db">): DaemonStatus {
  const { paths: p, db } = home;
  const lease = liveLease(db);
  const counted: JobCounts = countJobs(loadJobs(p));
  return {
    running: !!lease,
    pid: lease?.pid ?? null,
    since: lease?.startedAt ?? null,
    paused: isPaused(db),
    webhookPort: lease?.webhookPort ?? null,
    residentRequests: lease ? (residentRequests(p, lease.pid) ?? null) : null,
    jobs: counted.jobs,
    jobsEnabled: counted.enabled,
    jobsInvalid: counted.invalid,
    pendingApprovals: pendingApprovals(db),
    nextRuns: nextRuns(db, 5),
    log: logFile(p),
  };
}

/**
 * `pai daemon start`: spawns `pai daemon run` detached, its output on user/logs/daemon.log (from then on the daemon
 * appends to the log and rotates it itself; the descriptor catches what comes before, such as a failed start).
 */
export async function startBackground(home: AutomationHome, opts: { waitMs?: number } = {}): Promise<{ pid: number; already: boolean; log: string }> {
  const { paths: p, db } = home;
  void home.config; // a broken config is reported here, not in the log
  const running = liveLease(db);
  if (running) return { pid: running.pid, already: true, log: logFile(p) };
  mkdirSync(p.logs, { recursive: true });
  const log = logFile(p);
  // The log must be a plain file: a FIFO would block, a device (/dev/full) would swallow or refuse every line.
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(log);
  } catch {}
  if (st && !st.isFile()) {
    throw new EnvironmentError(`${log} is ${fileKind(st)}, not a plain file; the daemon writes its log there`, {
      hint: `remove it (rm ${log}) and run 'pai daemon start' again`,
      data: { path: log },
    });
  }
  const fd = openSync(log, "a", 0o600);
  const child = spawn(process.execPath, [join(installDir, "src", "cli", "main.ts"), "daemon", "run"], {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { ...process.env, PAI_HOME: p.home },
    cwd: p.home,
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code ?? 1));
  child.unref();
  // Returns once the daemon's triggers are in place and its socket and dashboard opened (its lease says when), so
  // that a file changed or a webhook called right after 'pai daemon start' is seen, and a read-only command or
  // 'pai serve' goes to it; a daemon that holds the lease but is still setting up when the time is out is running,
  // and is reported as started.
  const deadline = Date.now() + (opts.waitMs ?? 15_000);
  let ours = false;
  while (Date.now() < deadline) {
    await sleep(50);
    const lease = readLease(db);
    ours = !!lease && lease.pid === child.pid && processAlive(child.pid);
    // File watches are waited for a little longer, never past WATCH_WAIT_MS: a huge folder must not hold the start.
    if (ours && lease!.readyAt && lease!.servingAt && (lease!.watchingAt || Date.now() - Date.parse(lease!.readyAt) > WATCH_WAIT_MS)) return { pid: child.pid!, already: false, log };
    if (exited !== undefined) {
      const last = lastLines(log, 5).filter((l) => l.trim()).pop() ?? "no output";
      const other = liveLease(db);
      if (other) return { pid: other.pid, already: true, log };
      throw new UserError(`the daemon exited at start (${last.replace(/^\S+Z /, "")})`, { hint: `see ${log}` });
    }
  }
  if (ours) return { pid: child.pid!, already: false, log };
  throw new EnvironmentError("the daemon did not start within the time allowed", { hint: `see ${log}` });
}

/** How long 'pai daemon start' waits for the file watches' first scan once the other triggers are in place. */
const WATCH_WAIT_MS = 3000;
/** On top of daemon.graceMs: the time a stopping daemon has to kill its threshold commands and close everything. */
const STOP_SLACK_MS = 3000;

/** The process group the pid leads, or undefined when it leads none (then only the process itself is killed). */
function ownGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    return pgrp === pid ? pid : undefined;
  } catch {
    return undefined;
  }
}

function kill(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {}
}

/**
 * `pai daemon stop`: SIGTERM, then waits up to daemon.graceMs (and a little more) for the daemon to end; one
 * that has not is killed: SIGKILL to its process group (`pai daemon start` makes it the leader of one), and
 * to the groups of the threshold commands it was running. The kill is reported and recorded in the audit
 * trail. --force does not wait the grace period.
 */
export async function stopDaemon(
  home: AutomationHome,
  secrets: Secrets,
  opts: { force?: boolean; waitMs?: number } = {},
): Promise<{ wasRunning: boolean; pid?: number; killed?: boolean }> {
  const { paths: p, db } = home;
  const lease: Lease | undefined = liveLease(db);
  if (!lease) return { wasRunning: false };
  const config = home.config;
  const group = ownGroup(lease.pid);
  kill(lease.pid, "SIGTERM");
  const deadline = Date.now() + (opts.waitMs ?? (opts.force ? 1000 : config.daemon.graceMs + STOP_SLACK_MS));
  while (Date.now() < deadline) {
    if (!processAlive(lease.pid)) return { wasRunning: true, pid: lease.pid };
    await sleep(50);
  }
  let children: number[] = [];
  try {
    children = readFileSync(childrenFile(p), "utf8").split("\n").map(Number).filter((n) => Number.isInteger(n) && n > 1);
  } catch {}
  kill(group ? -group : lease.pid, "SIGKILL");
  for (const g of children) kill(-g, "SIGKILL");
  for (let i = 0; i < 100 && processAlive(lease.pid); i++) await sleep(50);
  if (processAlive(lease.pid)) throw new EnvironmentError(`the daemon (pid ${lease.pid}) did not stop, even killed`, { hint: `see ${logFile(p)}` });
  releaseLease(db, lease.pid);
  appendAudit(db, secrets, { type: "daemon", data: { event: "killed", pid: lease.pid, reason: "did not stop after SIGTERM" } });
  try {
    unlinkSync(childrenFile(p));
  } catch {}
  return { wasRunning: true, pid: lease.pid, killed: true };
}

/** `pai daemon pause` / `resume`: the kill switch, kept in the database (a running daemon sees it at once). */
export function setKillSwitch(db: Database, secrets: Secrets, paused: boolean): { paused: boolean; changed: boolean } {
  const was = isPaused(db);
  setPaused(db, paused);
  if (was !== paused) appendAudit(db, secrets, { type: "daemon", data: { event: paused ? "pause" : "resume", by: "user" } });
  return { paused, changed: was !== paused };
}

/** The last lines of the log, across daemon.log and its rotated files (daemon.log.1, …). */
export function readLogs(p: Paths, lines = 50): string[] {
  return lastLines(logFile(p), lines);
}

/** Follows the log: calls onLine for its last `lines` lines, then every new line (across rotations) until the signal aborts. */
export async function followLogs(p: Paths, onLine: (l: string) => void, signal: AbortSignal, lines = 0): Promise<void> {
  await followLog(logFile(p), lines, onLine, signal);
}
