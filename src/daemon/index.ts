/**
 * Daemon lifecycle: run in the foreground, start in the background (detached, output to
 * user/logs/daemon.log), stop (SIGTERM, then wait), status, logs, pause/resume (the kill switch, kept in the
 * database) and the service files for systemd and launchd.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { format } from "node:util";
import { loadConfig } from "../config/index.ts";
import { EnvironmentError, UserError } from "../errors.ts";
import { installDir, requireUser, paths as getPaths, type Paths } from "../paths.ts";
import { openDatabase, withDatabase, type Database } from "../storage/index.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { appendAudit } from "../audit/index.ts";
import { redact } from "../audit/redact.ts";
import { isPaused, liveLease, processAlive, readLease, setPaused, type Lease } from "./state.ts";

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Everything the daemon process prints goes to daemon.log: pass it through the redactor, so a pack that prints
 * a secret with console.log cannot leave it in the log.
 */
export function redactOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : undefined;
      return write(text === undefined ? chunk : redact(text), ...rest);
    }) as typeof stream.write;
  }
  // Bun's console writes to the file descriptors directly, not through process.stdout: route it through them.
  for (const [method, stream] of [["log", process.stdout], ["info", process.stdout], ["debug", process.stdout], ["warn", process.stderr], ["error", process.stderr]] as const) {
    console[method] = (...args: unknown[]) => void stream.write(`${format(...args)}\n`);
  }
}

/** `pai daemon run`: the daemon in this process, until SIGTERM or SIGINT. */
export async function runForeground(p: Paths = requireUser(getPaths())): Promise<void> {
  redactOutput();
  const config = loadConfig(p.config);
  const db = openDatabase(p.db);
  const { Daemon } = await import("./daemon.ts");
  const daemon = new Daemon({ paths: p, config, db });
  try {
    await daemon.start();
  } catch (err) {
    db.close();
    throw err;
  }
  mkdirSync(p.run, { recursive: true });
  writeFileSync(pidFile(p), `${process.pid}\n`);
  process.on("uncaughtException", (err) => daemon.log(`unexpected error: ${err.message}`));
  process.on("unhandledRejection", (err) => daemon.log(`unexpected error: ${(err as Error)?.message ?? String(err)}`));
  const signal = await new Promise<string>((resolveSignal) => {
    for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(s, () => resolveSignal(s));
  });
  daemon.log(`received ${signal}: stopping`);
  await daemon.stop(config.daemon.graceMs, signal);
  db.close();
  try {
    if (readFileSync(pidFile(p), "utf8").trim() === String(process.pid)) unlinkSync(pidFile(p));
  } catch {}
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

function tail(file: string, lines: number): string[] {
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  const len = Math.min(size, Math.max(4096, lines * 400));
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const all = buf.toString("utf8").split("\n");
    if (all[all.length - 1] === "") all.pop();
    if (len < size) all.shift(); // a partial first line
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}

/** `pai daemon start`: spawns `pai daemon run` detached, output appended to user/logs/daemon.log. */
export async function startBackground(p: Paths = requireUser(getPaths()), opts: { waitMs?: number } = {}): Promise<{ pid: number; already: boolean; log: string }> {
  loadConfig(p.config); // a broken config is reported here, not in the log
  const running = withDb(p, (db) => liveLease(db));
  if (running) return { pid: running.pid, already: true, log: logFile(p) };
  mkdirSync(p.logs, { recursive: true });
  const log = logFile(p);
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
  const deadline = Date.now() + (opts.waitMs ?? 15_000);
  while (Date.now() < deadline) {
    await sleep(50);
    const lease = withDb(p, (db) => readLease(db));
    if (lease && lease.pid === child.pid && processAlive(child.pid)) return { pid: child.pid, already: false, log };
    if (exited !== undefined) {
      const last = tail(log, 5).filter((l) => l.trim()).pop() ?? "no output";
      const other = withDb(p, (db) => liveLease(db));
      if (other) return { pid: other.pid, already: true, log };
      throw new UserError(`the daemon exited at start (${last.replace(/^\S+Z /, "")})`, { hint: `see ${log}` });
    }
  }
  throw new EnvironmentError("the daemon did not start within the time allowed", { hint: `see ${log}` });
}

/** `pai daemon stop`: SIGTERM, then waits for the process to end (SIGKILL with force). */
export async function stopDaemon(p: Paths = requireUser(getPaths()), opts: { force?: boolean; waitMs?: number } = {}): Promise<{ wasRunning: boolean; pid?: number; killed?: boolean }> {
  const lease: Lease | undefined = withDb(p, (db) => liveLease(db));
  if (!lease) return { wasRunning: false };
  const config = loadConfig(p.config);
  try {
    process.kill(lease.pid, "SIGTERM");
  } catch {}
  const deadline = Date.now() + (opts.waitMs ?? config.daemon.graceMs + 5000);
  while (Date.now() < deadline) {
    if (!processAlive(lease.pid)) return { wasRunning: true, pid: lease.pid };
    await sleep(50);
  }
  if (opts.force) {
    try {
      process.kill(lease.pid, "SIGKILL");
    } catch {}
    return { wasRunning: true, pid: lease.pid, killed: true };
  }
  throw new EnvironmentError(`the daemon (pid ${lease.pid}) did not stop in time`, { hint: "'pai daemon stop --force' kills it" });
}

export function setKillSwitch(paused: boolean, p: Paths = requireUser(getPaths())): { paused: boolean; changed: boolean } {
  return withDb(p, (db) => {
    const was = isPaused(db);
    setPaused(db, paused);
    if (was !== paused) appendAudit(db, { type: "daemon", data: { event: paused ? "pause" : "resume", by: "user" } });
    return { paused, changed: was !== paused };
  });
}

export function readLogs(p: Paths = requireUser(getPaths()), lines = 50): string[] {
  return tail(logFile(p), lines);
}

/** Follows the log: calls onLine for every new line until the signal aborts. */
export async function followLogs(p: Paths, onLine: (l: string) => void, signal: AbortSignal): Promise<void> {
  const file = logFile(p);
  let pos = existsSync(file) ? statSync(file).size : 0;
  let rest = "";
  while (!signal.aborted) {
    await sleep(200);
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    if (size < pos) pos = 0; // truncated or rotated
    if (size === pos) continue;
    const fd = openSync(file, "r");
    const buf = Buffer.alloc(size - pos);
    readSync(fd, buf, 0, buf.length, pos);
    closeSync(fd);
    pos = size;
    const text = rest + buf.toString("utf8");
    const parts = text.split("\n");
    rest = parts.pop() ?? "";
    for (const l of parts) onLine(l);
  }
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
