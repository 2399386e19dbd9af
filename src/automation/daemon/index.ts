/**
 * Daemon lifecycle: run in the foreground, start in the background (detached, output to
 * user/logs/daemon.log, which the daemon writes and rotates itself: see log.ts), stop (SIGTERM, then wait), status,
 * logs, pause/resume (the kill switch, kept in the database) and the service files for systemd and launchd.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { fileKind } from "../../kernel/fs.ts";
import { homedir } from "node:os";
import { join } from "node:path";
import { format } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../../config/index.ts";
import { EnvironmentError, UserError } from "../../kernel/errors.ts";
import { installDir, requireUser, paths as getPaths, type Paths } from "../../kernel/paths.ts";
import { openDatabase, withDatabase, type Database } from "../../app/db.ts";
import { writeFileAtomic } from "../../kernel/fs.ts";
import { appendAudit } from "../audit.ts";
import { redact } from "../../kernel/secrets.ts";
import type { Config } from "../../config/index.ts";
import { followLog, lastLines, RotatingLog, sameFile } from "./log.ts";
import { childrenFile, isPaused, liveLease, processAlive, readLease, releaseLease, setPaused, type Lease } from "./state.ts";

export { Daemon } from "./daemon.ts";

export function logFile(p: Paths): string {
  return join(p.logs, "daemon.log");
}

function pidFile(p: Paths): string {
  return join(p.run, "daemon.pid");
}

function withDb<T>(p: Paths, fn: (db: Database) => T): T {
  return withDatabase(p.db, fn);
}


/** Streams whose output the daemon appends to its log itself (see ownLog), instead of to the descriptor. */
const sinks = new Map<NodeJS.WriteStream, (text: string) => void>();

/**
 * Everything the daemon process prints goes to daemon.log: pass it through the redactor, so a pack that prints
 * a secret with console.log cannot leave it in the log.
 */
export function redactOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : undefined;
      if (text === undefined) return write(chunk, ...rest);
      const clean = redact(text);
      const sink = sinks.get(stream);
      if (sink) {
        try {
          sink(clean);
          const done = rest.find((r) => typeof r === "function") as ((err?: Error | null) => void) | undefined;
          if (done) queueMicrotask(() => done(null));
          return true;
        } catch {
          // The log could not be written (disk full?): the descriptor is all that is left.
        }
      }
      return write(clean, ...rest);
    }) as typeof stream.write;
  }
  // Bun's console writes to the file descriptors directly, not through process.stdout: route it through them.
  for (const [method, stream] of [["log", process.stdout], ["info", process.stdout], ["debug", process.stdout], ["warn", process.stderr], ["error", process.stderr]] as const) {
    console[method] = (...args: unknown[]) => void stream.write(`${format(...args)}\n`);
  }
}

/**
 * When this process's standard output or error is daemon.log (`pai daemon start`, the systemd unit and launchd
 * agent that `pai daemon install` writes, a shell's `>> daemon.log`), the process writes the log itself, through one RotatingLog, so that it can rotate it: what it
 * prints (redacted first) is appended by path, and a rotation moves on to a fresh file. The descriptors it was
 * started with stay open on the first file; only what bypasses process.stdout/stderr (a crash of the runtime
 * itself) still goes there. On a terminal, or a service manager's own log, nothing changes.
 */
function ownLog(p: Paths, config: Config): RotatingLog | undefined {
  const file = logFile(p);
  const streams = ([[process.stdout, 1], [process.stderr, 2]] as const).filter(([, fd]) => sameFile(fd, file)).map(([s]) => s);
  if (!streams.length) return undefined;
  const log = new RotatingLog(file, { maxBytes: config.daemon.logMaxBytes, keep: config.daemon.logKeep });
  for (const s of streams) sinks.set(s, (text) => log.write(text));
  return log;
}

/** `pai daemon run`: the daemon in this process, until SIGTERM or SIGINT. */
export async function runForeground(p: Paths = requireUser(getPaths())): Promise<void> {
  redactOutput();
  const config = loadConfig(p.config);
  const log = ownLog(p, config);
  const db = openDatabase(p.db);
  const { Daemon } = await import("./daemon.ts");
  // Signals are caught before the daemon starts: 'pai daemon start' returns once the lease is taken, and a stop
  // sent then (while the triggers are still being set up) must still be a clean stop, recorded, not a kill.
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  const handlers: (() => void)[] = [];
  let leaseLost: () => void = () => {};
  const received = new Promise<string>((resolveSignal) => {
    for (const s of signals) {
      const h = () => resolveSignal(s);
      handlers.push(h);
      process.once(s, h);
    }
    leaseLost = () => resolveSignal("lease lost");
  });
  const daemon = new Daemon({ paths: p, config, db, onLeaseLost: () => leaseLost() });
  // A stop asked for while the daemon is still starting is not held back by the start.
  const starting = daemon.start().then(() => undefined);
  let early: string | undefined;
  try {
    early = await Promise.race([starting, received]);
  } catch (err) {
    signals.forEach((s, i) => process.off(s, handlers[i]!));
    db.close();
    throw err;
  }
  if (early !== undefined) {
    starting.catch(() => {});
    return finish(p, daemon, db, config, early);
  }
  // Only the daemon that holds the lease rotates: one refused at start just appends its reason.
  log?.enableRotation();
  mkdirSync(p.run, { recursive: true });
  writeFileSync(pidFile(p), `${process.pid}\n`);
  process.on("uncaughtException", (err) => daemon.log(`unexpected error: ${err.message}`));
  process.on("unhandledRejection", (err) => daemon.log(`unexpected error: ${(err as Error)?.message ?? String(err)}`));
  await finish(p, daemon, db, config, await received);
}

async function finish(p: Paths, daemon: import("./daemon.ts").Daemon, db: Database, config: Config, signal: string): Promise<void> {
  daemon.log(signal === "lease lost" ? "stopping: this daemon no longer holds the lease" : `received ${signal}: stopping`);
  await daemon.stop(config.daemon.graceMs, signal);
  db.close();
  try {
    if (readFileSync(pidFile(p), "utf8").trim() === String(process.pid)) unlinkSync(pidFile(p));
  } catch {}
  // Stopped: nothing left open (a watcher, a socket) may keep the process alive.
  setTimeout(() => process.exit(), 1000).unref();
}

export interface DaemonStatus {
  running: boolean;
  pid: number | null;
  since: string | null;
  paused: boolean;
  webhookPort: number | null;
  jobs: number;
  pendingApprovals: number;
  nextRuns: { job: string; at: string }[];
  log: string;
}

export function daemonStatus(p: Paths = requireUser(getPaths())): DaemonStatus {
  return withDb(p, (db) => {
    const lease = liveLease(db);
    const jobs = existsSync(p.jobs) ? readdirSync(p.jobs).filter((f) => f.endsWith(".json") && !f.startsWith(".")).length : 0;
    const pending = db.prepare<{ n: number }>("SELECT count(*) AS n FROM approvals WHERE status = 'pending'").get()?.n ?? 0;
    const next = db
      .prepare<{ job: string; next_run: string }>("SELECT job, next_run FROM job_state WHERE next_run IS NOT NULL ORDER BY next_run LIMIT 5")
      .all();
    return {
      running: !!lease,
      pid: lease?.pid ?? null,
      since: lease?.startedAt ?? null,
      paused: isPaused(db),
      webhookPort: lease?.webhookPort ?? null,
      jobs,
      pendingApprovals: pending,
      nextRuns: next.map((r) => ({ job: r.job, at: r.next_run })),
      log: logFile(p),
    };
  });
}

/**
 * `pai daemon start`: spawns `pai daemon run` detached, its output on user/logs/daemon.log (from then on the daemon
 * appends to the log and rotates it itself; the descriptor catches what comes before, such as a failed start).
 */
export async function startBackground(p: Paths = requireUser(getPaths()), opts: { waitMs?: number } = {}): Promise<{ pid: number; already: boolean; log: string }> {
  loadConfig(p.config); // a broken config is reported here, not in the log
  const running = withDb(p, (db) => liveLease(db));
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
  // Returns once the daemon's triggers are in place (its lease says when), so that a file changed or a
  // webhook called right after 'pai daemon start' is seen; a daemon that holds the lease but is still setting
  // up when the time is out is running, and is reported as started.
  const deadline = Date.now() + (opts.waitMs ?? 15_000);
  let ours = false;
  while (Date.now() < deadline) {
    await sleep(50);
    const lease = withDb(p, (db) => readLease(db));
    ours = !!lease && lease.pid === child.pid && processAlive(child.pid);
    // File watches are waited for a little longer, never past WATCH_WAIT_MS: a huge folder must not hold the start.
    if (ours && lease!.readyAt && (lease!.watchingAt || Date.now() - Date.parse(lease!.readyAt) > WATCH_WAIT_MS)) return { pid: child.pid!, already: false, log };
    if (exited !== undefined) {
      const last = lastLines(log, 5).filter((l) => l.trim()).pop() ?? "no output";
      const other = withDb(p, (db) => liveLease(db));
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
export async function stopDaemon(p: Paths = requireUser(getPaths()), opts: { force?: boolean; waitMs?: number } = {}): Promise<{ wasRunning: boolean; pid?: number; killed?: boolean }> {
  const lease: Lease | undefined = withDb(p, (db) => liveLease(db));
  if (!lease) return { wasRunning: false };
  const config = loadConfig(p.config);
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
  withDb(p, (db) => {
    releaseLease(db, lease.pid);
    appendAudit(db, { type: "daemon", data: { event: "killed", pid: lease.pid, reason: "did not stop after SIGTERM" } });
  });
  try {
    unlinkSync(childrenFile(p));
  } catch {}
  return { wasRunning: true, pid: lease.pid, killed: true };
}

export function setKillSwitch(paused: boolean, p: Paths = requireUser(getPaths())): { paused: boolean; changed: boolean } {
  return withDb(p, (db) => {
    const was = isPaused(db);
    setPaused(db, paused);
    if (was !== paused) appendAudit(db, { type: "daemon", data: { event: paused ? "pause" : "resume", by: "user" } });
    return { paused, changed: was !== paused };
  });
}

/** The last lines of the log, across daemon.log and its rotated files (daemon.log.1, …). */
export function readLogs(p: Paths = requireUser(getPaths()), lines = 50): string[] {
  return lastLines(logFile(p), lines);
}

/** Follows the log: calls onLine for its last `lines` lines, then every new line (across rotations) until the signal aborts. */
export async function followLogs(p: Paths, onLine: (l: string) => void, signal: AbortSignal, lines = 0): Promise<void> {
  await followLog(logFile(p), lines, onLine, signal);
}

// ---- service files ---------------------------------------------------------------------------------

export interface InstallResult {
  files: string[];
  enable: string[];
}

export function systemdUnit(p: Paths, bun: string = process.execPath, graceMs = 10_000): string {
  return `[Unit]
Description=pai: the persistent assistant (PAI_HOME=${p.home})
After=network-online.target

[Service]
Type=simple
Environment=PAI_HOME=${p.home}
WorkingDirectory=${p.home}
ExecStart=${bun} ${join(installDir, "src", "cli", "main.ts")} daemon run
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=${Math.ceil(graceMs / 1000) + 10}
StandardOutput=append:${logFile(p)}
StandardError=append:${logFile(p)}

[Install]
WantedBy=default.target
`;
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function launchdPlist(p: Paths, bun: string = process.execPath): string {
  const args = [bun, join(installDir, "src", "cli", "main.ts"), "daemon", "run"];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>dev.pai.daemon</string>
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    <string>${xml(a)}</string>`).join("\n")}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PAI_HOME</key>
    <string>${xml(p.home)}</string>
  </dict>
  <key>WorkingDirectory</key>
  <string>${xml(p.home)}</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>StandardOutPath</key>
  <string>${xml(logFile(p))}</string>
  <key>StandardErrorPath</key>
  <string>${xml(logFile(p))}</string>
</dict>
</plist>
`;
}

/**
 * Writes the service file(s); enables nothing. Linux: a systemd user unit in
 * $XDG_CONFIG_HOME/systemd/user/pai.service (or --dir). macOS: a launchd agent in ~/Library/LaunchAgents.
 */
export function installService(
  p: Paths = requireUser(getPaths()),
  opts: { dir?: string; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {},
): InstallResult {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const config = loadConfig(p.config);
  if (platform === "darwin") {
    const dir = opts.dir ?? join(env.HOME ?? homedir(), "Library", "LaunchAgents");
    const file = join(dir, "dev.pai.daemon.plist");
    writeFileAtomic(file, launchdPlist(p));
    return { files: [file], enable: [`launchctl bootstrap gui/$(id -u) ${file}`, "launchctl kickstart -k gui/$(id -u)/dev.pai.daemon"] };
  }
  const base = env.XDG_CONFIG_HOME?.trim() || join(env.HOME ?? homedir(), ".config");
  const dir = opts.dir ?? join(base, "systemd", "user");
  const file = join(dir, "pai.service");
  writeFileAtomic(file, systemdUnit(p, process.execPath, config.daemon.graceMs));
  return { files: [file], enable: ["systemctl --user daemon-reload", "systemctl --user enable --now pai.service", "loginctl enable-linger $USER   # to keep it running while you are logged out"] };
}
