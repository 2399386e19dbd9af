/**
 * `pai daemon run`: the daemon in this process, until SIGTERM, SIGINT or SIGHUP, or until it loses its lease.
 * Its output is redacted and, when it is daemon.log, written and rotated by the process itself (output.ts).
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../../kernel/paths.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import type { AutomationHome } from "../context.ts";
import { Daemon } from "./daemon.ts";
import { captureOutput, logLine, ownLog, type OutputSinks } from "./output.ts";
import { startResident, type ResidentHandler, type ResidentServer } from "./resident.ts";
import { updateLease } from "./state.ts";

export function pidFile(p: Paths): string {
  return join(p.run, "daemon.pid");
}

/**
 * Runs the daemon until a signal (or a lost lease) stops it; `secrets` redacts all it writes. With `resident`,
 * the daemon that holds the lease answers read-only commands on its socket (resident.ts) with it.
 */
/** Something the daemon serves while it holds the lease (the dashboard), started after its triggers. */
export type DaemonService = () => Promise<{ stop(): Promise<void> }>;

export async function runForeground(home: AutomationHome, secrets: Secrets, opts: { resident?: ResidentHandler; fingerprint?: string; dashboard?: DaemonService } = {}): Promise<void> {
  const p = home.paths;
  const sinks: OutputSinks = new Map();
  captureOutput(secrets, sinks);
  const log = ownLog(p, home.config, sinks);
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
  const daemon = new Daemon({ paths: p, config: home.config, db: home.db, secrets, log: logLine, onLeaseLost: () => leaseLost() });
  // A stop asked for while the daemon is still starting is not held back by the start.
  const starting = daemon.start().then(() => undefined);
  let early: string | undefined;
  try {
    early = await Promise.race([starting, received]);
  } catch (err) {
    signals.forEach((s, i) => process.off(s, handlers[i]!));
    throw err;
  }
  if (early !== undefined) {
    starting.catch(() => {});
    return finish(home, daemon, early, undefined);
  }
  // Only the daemon that holds the lease rotates: one refused at start just appends its reason.
  log?.enableRotation();
  mkdirSync(p.run, { recursive: true });
  writeFileSync(pidFile(p), `${process.pid}\n`);
  process.on("uncaughtException", (err) => daemon.log(`unexpected error: ${err.message}`));
  process.on("unhandledRejection", (err) => daemon.log(`unexpected error: ${(err as Error)?.message ?? String(err)}`));
  let resident: ResidentServer | undefined;
  if (opts.resident && opts.fingerprint) {
    try {
      resident = await startResident(p, opts.resident, { fingerprint: opts.fingerprint, log: (line) => daemon.log(line) });
    } catch (err) {
      daemon.log(`the socket for read-only commands could not be opened (${(err as Error)?.message ?? String(err)}): they run in their own process`);
    }
  }
  let dashboard: { stop(): Promise<void> } | undefined;
  if (opts.dashboard) {
    try {
      dashboard = await opts.dashboard();
      daemon.log("serving the dashboard on loopback: 'pai serve' gives its address");
    } catch (err) {
      daemon.log(`the dashboard could not be served (${(err as Error)?.message ?? String(err)}): 'pai serve' starts one of its own`);
    }
  }
  // 'pai daemon start' returns once this is recorded: a read-only command or 'pai serve' right after it finds them.
  updateLease(home.db, { servingAt: new Date().toISOString() });
  await finish(home, daemon, await received, resident, dashboard);
}

async function finish(home: AutomationHome, daemon: Daemon, signal: string, resident: ResidentServer | undefined, dashboard?: { stop(): Promise<void> }): Promise<void> {
  daemon.log(signal === "lease lost" ? "stopping: this daemon no longer holds the lease" : `received ${signal}: stopping`);
  await resident?.close().catch(() => {});
  await dashboard?.stop().catch(() => {});
  await daemon.stop(home.config.daemon.graceMs, signal);
  try {
    if (readFileSync(pidFile(home.paths), "utf8").trim() === String(process.pid)) unlinkSync(pidFile(home.paths));
  } catch {}
  // Stopped: nothing left open (a watcher, a socket) may keep the process alive.
  setTimeout(() => process.exit(), 1000).unref();
}
