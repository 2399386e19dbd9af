/**
 * The persistent assistant: one process per PAI_HOME (a lease in the database), running jobs on schedules
 * (a single timer for the nearest run), file changes (one chokidar watcher), thresholds (polled on their
 * intervals), mailboxes (one IMAP connection per mail job, waiting in IDLE where the server has it) and local
 * webhooks. Job files are reloaded when they change. On stop, a running action gets `daemon.graceMs` to finish
 * and is then abandoned (recorded as such).
 *
 * No trigger kind holds back another: schedules, thresholds and mail are armed first, file watches start after
 * them without being waited for (a watch never follows a symlink, and stops at daemon.watchMaxDepth levels and
 * daemon.watchMaxEntries entries, which it reports), and a threshold check always ends (see threshold.ts). The
 * daemon checks its lease every second and stops when it no longer holds it.
 */
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { FSWatcher } from "chokidar";
import type { Config } from "../../config/index.ts";
import { UserError } from "../../kernel/errors.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { appendAudit } from "../audit.ts";
import { redact } from "../../kernel/secrets.ts";
import { safeText } from "../../kernel/terminal.ts";
import { claimFiring, markAbandoned, recoverAbandoned, type FireEvent, type FireOutcome } from "../jobs/fire.ts";
import type { FileTrigger, Job, MailTrigger, ThresholdTrigger } from "../jobs/schema.ts";
import { loadJobs } from "../jobs/store.ts";
import { MailWatcher, type MailMode } from "./mail.ts";
import { Scheduler } from "./scheduler.ts";
import { acquireLease, childrenFile, deleteState, getJobState, patchJobState, readLease, releaseLease, setState, updateLease, WATCH_BOUND_KEY } from "./state.ts";
import { crossing, pastBound, ProcessGroups, readThresholdValue } from "./threshold.ts";
import { RefusalTally } from "./webhook.ts";

export interface DaemonOptions {
  paths: Paths;
  config: Config;
  db: Database;
  log?: (line: string) => void;
  /** Reload job files when they change (default true). */
  watchJobs?: boolean;
  /** Called when the lease is found to be held by another process, or gone (default: the daemon stops). */
  onLeaseLost?: () => void;
}

interface Poller {
  spec: string;
  timer: ReturnType<typeof setInterval>;
  busy: boolean;
  lastError?: string;
}

const MAX_TIMER_MS = 60_000;
const MISSING_PATH_CHECK_MS = 2_000;
const LEASE_CHECK_MS = 1_000;
/** Refused webhook requests are counted and written to the audit trail as one entry per this period. */
const REFUSALS_FLUSH_MS = 60_000;
/** How long the start waits for the job folder's watcher before going on without it. */
const JOBS_WATCH_WAIT_MS = 5_000;

/** True when path is root or inside it. */
function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export class Daemon {
  readonly scheduler: Scheduler;
  private jobs = new Map<string, Job>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fileWatcher: FSWatcher | undefined;
  private watchedPaths = new Map<string, Set<string>>(); // absolute path -> job names
  private realRoots = new Map<string, string>(); // absolute path -> the real path watched (a symlinked root is resolved once)
  private chokidarPaths = new Set<string>(); // real paths
  private watchEntries = new Set<string>(); // every entry the file watcher accepted, bounded by daemon.watchMaxEntries
  private watchBounds = new Map<string, string>(); // real root -> the bound it hit
  private watchSync: Promise<void> = Promise.resolve();
  private watchReady: Promise<void> = Promise.resolve();
  private missingPaths = new Set<string>();
  private missingTimer: ReturnType<typeof setInterval> | undefined;
  private debounce = new Map<string, { timer: ReturnType<typeof setTimeout>; path: string; event: string }>();
  private jobsWatcher: FSWatcher | undefined;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private pollers = new Map<string, Poller>();
  private mailWatchers = new Map<string, { watcher: MailWatcher; spec: string }>();
  private mailStopping = new Set<Promise<void>>();
  private webhook: { port: number; close(): Promise<void> } | undefined;
  private running = new Map<number, { job: string; promise: Promise<FireOutcome> }>();
  private abort = new AbortController();
  /** Aborted as soon as a stop begins: running threshold checks are killed (actions get their grace period). */
  private checks = new AbortController();
  readonly groups: ProcessGroups;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private refusals: RefusalTally | undefined;
  private refusalTimer: ReturnType<typeof setInterval> | undefined;
  private eventSeq = 0;
  private stopping = false;
  started = false;

  constructor(private opts: DaemonOptions) {
    this.scheduler = new Scheduler(opts.db);
    // The process groups of running threshold commands, kept in user/run/ for 'pai daemon stop' (see stopDaemon).
    this.groups = new ProcessGroups((pgids) => {
      if (!this.started) return;
      try {
        mkdirSync(opts.paths.run, { recursive: true });
        if (pgids.length) writeFileSync(childrenFile(opts.paths), `${pgids.join("\n")}\n`);
        else rmSync(childrenFile(opts.paths), { force: true });
      } catch {}
    });
  }

  private get db(): Database {
    return this.opts.db;
  }

  log(line: string): void {
    (this.opts.log ?? ((l: string) => process.stdout.write(`${new Date().toISOString()} ${safeText(l)}\n`)))(redact(line));
  }

  get webhookPort(): number | undefined {
    return this.webhook?.port;
  }

  /** Takes the lease and starts every trigger. */
  async start(): Promise<void> {
    const lease = acquireLease(this.db);
    if (!lease.ok) {
      throw new UserError(`the daemon is already running (pid ${lease.holder.pid})`, { hint: "'pai daemon status' shows it; 'pai daemon stop' stops it" });
    }
    this.started = true;
    if (lease.tookOver) this.log(`took over the lease of pid ${lease.tookOver.pid}, which is gone`);
    const abandoned = recoverAbandoned(this.db);
    if (abandoned) this.log(`${abandoned} action(s) left running by a stopped daemon recorded as abandoned`);
    appendAudit(this.db, { type: "daemon", data: { event: "start", pid: process.pid, ...(lease.tookOver ? { tookOverFrom: lease.tookOver.pid } : {}) } });
    this.leaseTimer = setInterval(() => this.checkLease(), LEASE_CHECK_MS);
    this.db.prepare("DELETE FROM daemon_state WHERE key LIKE ?").run(`${WATCH_BOUND_KEY}%`);
    // Schedules, thresholds and mail are armed here; file watches start after them, in the background.
    await this.reload();
    // Recorded once the file watches have finished their first scan ('pai daemon start' waits a little for it).
    void this.watching().then(() => {
      if (!this.stopping) updateLease(this.db, { watchingAt: new Date().toISOString() });
    });
    if (this.stopping) return;
    if (this.opts.watchJobs !== false) await this.watchJobsFolder();
    if (this.stopping) return;
    if (this.opts.config.daemon.webhook.enabled) await this.startWebhook();
    if (this.stopping) return;
    // `pai daemon start` returns once this is set, so a change made right after it is seen.
    updateLease(this.db, { readyAt: new Date().toISOString() });
    this.log(`started (pid ${process.pid}): ${this.jobs.size} job(s), ${this.scheduler.size} scheduled`);
    this.fireHooks("daemon.start", `daemon.start:${new Date().toISOString()}:${process.pid}`, {});
  }

  /** Resolves once the file watches set up so far have finished their first scan (they are never waited for by the other triggers). */
  async watching(): Promise<void> {
    await this.watchSync;
    await this.watchReady;
  }

  /** Re-reads user/jobs/ and reconciles every trigger with it. */
  async reload(): Promise<void> {
    const { jobs, invalid } = loadJobs(this.opts.paths);
    for (const bad of invalid) this.log(`skipped an invalid job: ${bad.error}`);
    this.jobs = new Map(jobs.filter((j) => j.enabled).map((j) => [j.name, j]));
    for (const h of await this.packHookJobs()) if (!this.jobs.has(h.name)) this.jobs.set(h.name, h);
    this.scheduler.load([...this.jobs.values()], new Date());
    this.armTimer();
    this.syncPollers();
    this.syncMailWatchers();
    // File watches never hold back the other triggers: they are set up after them, one sync at a time.
    this.watchSync = this.watchSync.then(() => this.syncFileWatches().catch((err) => this.log(`file watches: ${(err as Error).message}`)));
  }

  /** A daemon that no longer holds its lease (taken over, or removed) stops. */
  private checkLease(): void {
    if (this.stopping) return;
    let holder: number | undefined;
    try {
      holder = readLease(this.db)?.pid;
    } catch {
      return; // the database is busy: checked again in a second
    }
    if (holder === process.pid) return;
    this.log(holder ? `the lease is held by pid ${holder}: stopping` : "the lease is gone: stopping");
    if (this.opts.onLeaseLost) this.opts.onLeaseLost();
    else void this.stop(undefined, "lease lost");
  }

  /**
   * Hooks declared by installed packs, as jobs named pack.<pack>.<command>.<event>: schedule and file.changed
   * hooks get their trigger, webhook hooks answer POST /hooks/pack.<pack>.<command>.webhook, daemon.start hooks fire when
   * the daemon starts and mail.received hooks whenever a mail job fires. They run with the permissions the
   * user granted the pack at install.
   */
  private async packHookJobs(): Promise<Job[]> {
    let hooks: import("../../packs/index.ts").InstalledHook[];
    try {
      const { packHooks } = await import("../../packs/index.ts");
      hooks = packHooks(this.opts.paths);
    } catch (err) {
      this.log(`pack hooks not loaded: ${(err as Error).message}`);
      return [];
    }
    const out: Job[] = [];
    const base = (name: string, h: (typeof hooks)[number], trigger: Job["trigger"]): Job => ({
      name,
      file: `packs/${h.pack}`,
      enabled: true,
      description: h.description ?? `hook of the ${h.pack} pack (${h.event})`,
      trigger,
      action: { type: "pack", pack: h.pack, command: h.command, args: [] },
      policy: { requireApproval: false },
    });
    for (const h of hooks) {
      const short = { schedule: "schedule", "file.changed": "file", webhook: "webhook", "daemon.start": "start", "mail.received": "mail" }[h.event];
      const name = `pack.${h.pack}.${h.command}.${short}`;
      if (h.event === "schedule" && h.cron) out.push(base(name, h, { type: "schedule", cron: h.cron, catchUp: "skip", catchUpMax: 10 }));
      else if (h.event === "file.changed")
        (h.paths ?? []).forEach((path, i) =>
          out.push(base(i ? `${name}.${i}` : name, h, { type: "file", path, debounceMs: 100, events: ["add", "change", "unlink"] })),
        );
      else if (h.event === "webhook") out.push(base(name, h, { type: "webhook" }));
      else if (h.event === "daemon.start" || h.event === "mail.received") out.push({ ...base(name, h, { type: "manual" }), description: h.event });
    }
    return out;
  }

  private fireHooks(event: "daemon.start" | "mail.received", key: string, vars: Record<string, string>): void {
    for (const job of this.jobs.values()) {
      if (job.description === event && job.trigger.type === "manual" && job.name.startsWith("pack.")) {
        this.dispatch(job, { trigger: event, key, vars });
      }
    }
  }

  // ---- schedules -------------------------------------------------------------------------------

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopping) return;
    const wake = this.scheduler.nextWake();
    if (!wake) return;
    const delay = Math.max(0, Math.min(wake.getTime() - Date.now(), MAX_TIMER_MS));
    this.timer = setTimeout(() => this.onTimer(), delay);
  }

  private onTimer(): void {
    this.timer = undefined;
    try {
      this.tick(new Date());
    } catch (err) {
      this.log(`scheduler error: ${(err as Error).message}`);
    }
    this.armTimer();
  }

  /** Fires every scheduled run due at `now` (tests drive it with explicit dates). */
  tick(now: Date): void {
    this.scheduler.tick(now, (due) => {
      this.dispatch(due.job, {
        trigger: "schedule",
        key: `schedule:${due.scheduledAt.toISOString()}`,
        scheduledAt: due.scheduledAt,
        vars: { scheduledAt: due.scheduledAt.toISOString(), catchUp: due.catchUp ? "yes" : "no" },
      });
    });
  }

  // ---- firing --------------------------------------------------------------------------------

  /** Claims a firing now and runs its action in the background. */
  dispatch(job: Job, ev: FireEvent, extra?: () => void): FireOutcome {
    if (this.stopping) return { status: "abandoned" };
    const ctx = { db: this.db, config: this.opts.config, paths: this.opts.paths, signal: this.abort.signal, log: (l: string) => this.log(l) };
    const { outcome, run } = claimFiring(ctx, job, ev, extra);
    if (outcome.status !== "duplicate") this.log(`${job.name}: ${ev.trigger} (${ev.key}) → ${run ? "running" : outcome.status}`);
    if (run && outcome.firingId !== undefined) {
      const id = outcome.firingId;
      const promise = run()
        .catch((err): FireOutcome => {
          this.log(`${job.name}: ${(err as Error).message}`);
          return { status: "error", firingId: id, error: (err as Error).message };
        })
        .finally(() => this.running.delete(id));
      this.running.set(id, { job: job.name, promise });
    }
    return outcome;
  }

  /** Resolves when every action running now has ended. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()].map((r) => r.promise));
  }

  // ---- file triggers -------------------------------------------------------------------------

  private async syncFileWatches(): Promise<void> {
    if (this.stopping) return;
    const want = new Map<string, Set<string>>();
    for (const job of this.jobs.values()) {
      if (job.trigger.type !== "file") continue;
      const abs = resolve(this.opts.paths.home, job.trigger.path.replace(/^~(?=\/|$)/, process.env.HOME ?? "~"));
      if (!want.has(abs)) want.set(abs, new Set());
      want.get(abs)!.add(job.name);
    }
    for (const [path, names] of this.watchedPaths) {
      for (const name of names) if (!want.get(path)?.has(name)) deleteState(this.db, `${WATCH_BOUND_KEY}${name}`);
    }
    this.watchedPaths = want;
    // chokidar watches only paths that exist: missing ones are looked for every few seconds.
    const present = [...want.keys()].filter((p) => existsSync(p));
    const missing = [...want.keys()].filter((p) => !existsSync(p));
    for (const m of missing) if (!this.missingPaths.has(m)) this.log(`waiting for ${m} to exist before watching it`);
    this.missingPaths = new Set(missing);
    if (this.missingTimer) clearInterval(this.missingTimer);
    this.missingTimer = undefined;
    if (missing.length && !this.stopping) {
      this.missingTimer = setInterval(() => {
        const appeared = [...this.missingPaths].filter((p) => existsSync(p));
        if (!appeared.length) return;
        for (const p of appeared) this.missingPaths.delete(p);
        this.watchSync = this.watchSync.then(() => this.syncFileWatches().catch((err) => this.log(`file watches: ${(err as Error).message}`)));
      }, MISSING_PATH_CHECK_MS);
    }
    // A watched path that is itself a symlink is resolved once (the user named it); inside it, no symlink is followed.
    this.realRoots = new Map(
      present.map((p) => {
        try {
          return [p, realpathSync(p)];
        } catch {
          return [p, p];
        }
      }),
    );
    const real = new Set(this.realRoots.values());
    const add = [...real].filter((p) => !this.chokidarPaths.has(p));
    const remove = [...this.chokidarPaths].filter((p) => !real.has(p));
    if (!real.size) {
      if (this.fileWatcher) await this.fileWatcher.close();
      this.fileWatcher = undefined;
      this.chokidarPaths.clear();
      this.watchEntries.clear();
      return;
    }
    if (!this.fileWatcher) {
      const { watch } = await import("chokidar");
      if (this.stopping) return;
      this.fileWatcher = watch(add, {
        ignoreInitial: true,
        persistent: true,
        ignorePermissionErrors: true,
        atomic: false,
        followSymlinks: false,
        // One level further than the bound, so that what lies past it is seen (and reported) by the filter.
        depth: this.opts.config.daemon.watchMaxDepth + 1,
        ignored: (path: string) => this.beyondWatchBounds(path),
      });
      this.fileWatcher.on("all", (event, path) => this.onFileEvent(event, path));
      this.fileWatcher.on("error", (err) => this.log(`file watcher: ${(err as Error).message}`));
      this.chokidarPaths = new Set(add);
      this.watchReady = new Promise<void>((res) => this.fileWatcher!.once("ready", () => res()));
      return;
    }
    if (remove.length) {
      this.fileWatcher.unwatch(remove);
      for (const e of [...this.watchEntries]) if (remove.some((r) => e === r || e.startsWith(r + sep))) this.watchEntries.delete(e);
    }
    if (add.length) this.fileWatcher.add(add);
    for (const p of remove) this.chokidarPaths.delete(p);
    for (const p of add) this.chokidarPaths.add(p);
  }

  /**
   * The file watcher's filter: an entry deeper than daemon.watchMaxDepth below its watched folder, or past
   * daemon.watchMaxEntries entries in all, is not watched; the first time a folder hits a bound it is logged and
   * noted for `pai jobs list`.
   */
  private beyondWatchBounds(path: string): boolean {
    const abs = resolve(path);
    if (this.watchEntries.has(abs)) return false;
    const root = [...this.chokidarPaths].find((r) => isUnder(abs, r));
    if (!root) return false; // a parent folder chokidar looks at to watch a single file
    const { watchMaxDepth, watchMaxEntries } = this.opts.config.daemon;
    // A folder's own entries are at depth 1; those inside N levels of subfolders at N + 1.
    const depth = abs === root ? 0 : relative(root, abs).split(sep).length;
    if (depth > watchMaxDepth + 1) return this.watchBoundHit(root, `more than ${watchMaxDepth} levels of folders (daemon.watchMaxDepth): deeper ones are not watched`);
    if (this.watchEntries.size >= watchMaxEntries) return this.watchBoundHit(root, `more than ${watchMaxEntries} entries in the watched folders (daemon.watchMaxEntries): the rest are not watched`);
    this.watchEntries.add(abs);
    return false;
  }

  private watchBoundHit(root: string, what: string): true {
    if (this.watchBounds.get(root) === what) return true;
    this.watchBounds.set(root, what);
    const shown = [...this.realRoots].find(([, r]) => r === root)?.[0] ?? root;
    this.log(`watching ${shown}: ${what}`);
    for (const [configured, names] of this.watchedPaths) {
      if ((this.realRoots.get(configured) ?? configured) !== root) continue;
      for (const name of names) {
        try {
          setState(this.db, `${WATCH_BOUND_KEY}${name}`, `${shown}: ${what}`);
        } catch {}
      }
    }
    return true;
  }

  private onFileEvent(event: string, path: string): void {
    const kind = event === "addDir" ? "add" : event === "unlinkDir" ? "unlink" : event;
    if (kind !== "add" && kind !== "change" && kind !== "unlink") return;
    const abs = resolve(path);
    if (kind === "unlink") this.watchEntries.delete(abs);
    for (const [watched, names] of this.watchedPaths) {
      const root = this.realRoots.get(watched) ?? watched;
      if (!isUnder(abs, root)) continue;
      // The path as the job names it (under a symlinked root, not under its target).
      const shown = abs === root ? watched : join(watched, relative(root, abs));
      for (const name of names) {
        const job = this.jobs.get(name);
        if (!job || job.trigger.type !== "file") continue;
        const t = job.trigger as FileTrigger;
        if (!t.events.includes(kind)) continue;
        const pending = this.debounce.get(name);
        if (pending) clearTimeout(pending.timer);
        const timer = setTimeout(() => {
          const d = this.debounce.get(name);
          this.debounce.delete(name);
          if (!d) return;
          const current = this.jobs.get(name);
          if (!current) return;
          this.dispatch(current, {
            trigger: "file",
            key: `file:${Date.now()}:${process.pid}:${++this.eventSeq}`,
            vars: { path: d.path, event: d.event },
          });
        }, t.debounceMs);
        this.debounce.set(name, { timer, path: shown, event: kind });
      }
    }
  }

  // ---- thresholds: polled on their intervals ----------------------------------------------------

  private syncPollers(): void {
    const want = new Map<string, Job>();
    if (!this.stopping) for (const job of this.jobs.values()) if (job.trigger.type === "threshold") want.set(job.name, job);
    for (const [name, p] of this.pollers) {
      const job = want.get(name);
      if (!job || JSON.stringify(job.trigger) !== p.spec) {
        clearInterval(p.timer);
        this.pollers.delete(name);
      }
    }
    for (const [name, job] of want) {
      if (this.pollers.has(name)) continue;
      const t = job.trigger as ThresholdTrigger;
      const poller: Poller = {
        spec: JSON.stringify(t),
        busy: false,
        timer: setInterval(() => void this.poll(name), t.intervalMs),
      };
      this.pollers.set(name, poller);
      void this.poll(name);
    }
  }

  /**
   * One check of a threshold job (skipped while the previous one is still running), or of a mail job (resolves
   * when a check of its mailbox that started after the call has ended).
   */
  async poll(name: string): Promise<void> {
    const mail = this.mailWatchers.get(name);
    if (mail) return mail.watcher.check();
    const p = this.pollers.get(name);
    const job = this.jobs.get(name);
    if (!p || !job || p.busy || this.stopping) return;
    p.busy = true;
    try {
      if (job.trigger.type === "threshold") await this.checkThreshold(job, job.trigger);
      if (p.lastError) this.log(`${name}: recovered`);
      p.lastError = undefined;
    } catch (err) {
      const msg = redact((err as Error).message ?? String(err));
      if (p.lastError !== msg) {
        this.log(`${name}: ${job.trigger.type} check failed: ${msg}`);
        appendAudit(this.db, { job: name, type: "error", data: { trigger: job.trigger.type, error: msg } });
      }
      p.lastError = msg;
    } finally {
      p.busy = false;
    }
  }

  private async checkThreshold(job: Job, t: ThresholdTrigger): Promise<void> {
    const value = await readThresholdValue(t, this.opts.paths.home, this.checks.signal, this.groups);
    if (this.stopping) return;
    const on = pastBound(t, value);
    const prev = getJobState(this.db, job.name)?.threshold_on;
    if (crossing(prev, on)) {
      const now = new Date();
      this.dispatch(
        job,
        { trigger: "threshold", key: `threshold:${now.toISOString()}:${process.pid}`, vars: { value: String(value), bound: String(t.above ?? t.below) } },
        () => patchJobState(this.db, job.name, { threshold_on: 1, threshold_value: value }),
      );
    } else if (prev !== (on ? 1 : 0)) {
      patchJobState(this.db, job.name, { threshold_on: on ? 1 : 0, threshold_value: value });
    }
  }

  // ---- mail: one long-lived IMAP connection per job --------------------------------------------------

  /** How a mail job's connection stands: in IDLE, polling (no IDLE on the server), connecting, retrying. */
  mailMode(name: string): MailMode | undefined {
    return this.mailWatchers.get(name)?.watcher.mode;
  }

  private syncMailWatchers(): void {
    const want = new Map<string, Job>();
    if (!this.stopping) for (const job of this.jobs.values()) if (job.trigger.type === "mail") want.set(job.name, job);
    for (const [name, w] of this.mailWatchers) {
      const job = want.get(name);
      if (job && JSON.stringify(job.trigger) === w.spec) continue;
      this.mailWatchers.delete(name);
      this.stopMailWatcher(w.watcher);
    }
    for (const [name, job] of want) {
      if (this.mailWatchers.has(name)) continue;
      const t = job.trigger as MailTrigger;
      let lastError: string | undefined;
      const watcher = new MailWatcher(t, {
        position: () => {
          const st = getJobState(this.db, name);
          return { uid: st?.mail_uid ?? null, uidValidity: st?.mail_uid_validity ?? null };
        },
        baseline: (uidValidity, lastUid) => {
          // First look at this mailbox (or it was rebuilt): remember where it stands; old mail never fires.
          patchJobState(this.db, name, { mail_uid: lastUid, mail_uid_validity: uidValidity });
          this.log(`${name}: watching ${t.mailbox} from UID ${lastUid}`);
        },
        found: (uidValidity, messages, lastUid) => this.onMail(name, uidValidity, messages, lastUid),
        watching: (mode) => {
          this.log(`${name}: ${mode === "idle" ? `waiting for mail in ${t.mailbox} (IDLE)` : `checking ${t.mailbox} every ${t.intervalMs} ms (the server has no IDLE)`}`);
          if (lastError) this.log(`${name}: recovered`);
          lastError = undefined;
        },
        failed: ({ message, retryMs, wasWatching }) => {
          const msg = redact(message);
          const retry = `retrying in ${retryMs >= 60_000 ? `${Math.round(retryMs / 60_000)} min` : `${Math.round(retryMs / 1000)} s`}`;
          if (wasWatching) {
            // A dropped connection is logged; it is audited only if reconnecting fails.
            this.log(`${name}: connection to ${t.host} lost: ${msg}; ${retry}`);
            return;
          }
          if (lastError !== msg) {
            this.log(`${name}: mail check failed: ${msg}; ${retry}`);
            appendAudit(this.db, { job: name, type: "error", data: { trigger: "mail", error: msg } });
          }
          lastError = msg;
        },
      });
      this.mailWatchers.set(name, { watcher, spec: JSON.stringify(t) });
      watcher.start();
    }
  }

  private stopMailWatcher(w: MailWatcher): void {
    const p = w.stop().catch((err) => this.log(`mail watcher: ${(err as Error).message}`));
    this.mailStopping.add(p);
    void p.finally(() => this.mailStopping.delete(p));
  }

  private onMail(name: string, uidValidity: string, messages: { uid: number; from: string; subject: string }[], lastUid: number): void {
    const job = this.jobs.get(name);
    if (!job || job.trigger.type !== "mail" || this.stopping) return;
    for (const m of messages) {
      const vars = { from: m.from, subject: m.subject, uid: String(m.uid) };
      const outcome = this.dispatch(job, { trigger: "mail", key: `mail:${uidValidity}:${m.uid}`, vars }, () =>
        patchJobState(this.db, name, { mail_uid: m.uid }),
      );
      if (outcome.status !== "duplicate") this.fireHooks("mail.received", `mail:${name}:${uidValidity}:${m.uid}`, vars);
    }
    if (lastUid > (getJobState(this.db, name)?.mail_uid ?? 0)) patchJobState(this.db, name, { mail_uid: lastUid });
  }

  // ---- webhook ---------------------------------------------------------------------------------

  private async startWebhook(): Promise<void> {
    const { startWebhookServer, webhookToken } = await import("./webhook.ts");
    const { token } = webhookToken(this.opts.paths, this.opts.config);
    const cfg = this.opts.config.daemon.webhook;
    // Refusals are counted, not written one by one: one audit entry per minute at most, whatever a caller sends.
    const tally = new RefusalTally();
    this.refusals = tally;
    this.refusalTimer = setInterval(() => this.flushRefusals(), REFUSALS_FLUSH_MS);
    const server = await startWebhookServer({
      port: cfg.port,
      maxBodyBytes: cfg.maxBodyBytes,
      token,
      onRefused: (r) => {
        if (tally.add(r)) this.log(`webhook refused: ${r.status} ${r.error} (${r.method} ${r.path})`);
      },
      handler: async (name, body, headers) => {
        const job = this.jobs.get(name);
        if (!job || job.trigger.type !== "webhook") return { status: 404, body: { error: `no enabled webhook job named '${name}'` } };
        const outcome = this.dispatch(job, {
          trigger: "webhook",
          key: `webhook:${Date.now()}:${process.pid}:${++this.eventSeq}`,
          vars: { body, contentType: headers["content-type"] ?? "" },
        });
        return { status: 202, body: { job: name, firing: outcome.firingId ?? null, status: outcome.status === "ok" ? "running" : outcome.status } };
      },
    });
    if (this.stopping) return void (await server.close());
    this.webhook = server;
    updateLease(this.db, { webhookPort: this.webhook.port });
    this.log(`webhook listening on 127.0.0.1:${this.webhook.port}`);
  }

  /** Writes the refusals counted since the last flush as one audit entry (none when there were none). */
  private flushRefusals(): void {
    const summary = this.refusals?.flush();
    if (!summary) return;
    this.log(`webhook: ${summary.count} request(s) refused since ${summary.since}`);
    try {
      appendAudit(this.db, { type: "decision", data: { decision: "webhook_refused", ...summary } });
    } catch (err) {
      this.log(`webhook refusals not recorded: ${(err as Error).message}`);
    }
  }

  // ---- jobs folder -------------------------------------------------------------------------------

  private async watchJobsFolder(): Promise<void> {
    const { watch } = await import("chokidar");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(this.opts.paths.jobs, { recursive: true });
    if (this.stopping) return;
    const jobs = resolve(this.opts.paths.jobs);
    this.jobsWatcher = watch(this.opts.paths.jobs, {
      ignoreInitial: true,
      depth: 0,
      atomic: false,
      followSymlinks: false,
      ignored: (path: string, stats?: { isFile(): boolean }) => resolve(path) !== jobs && !!stats?.isFile() && !path.endsWith(".json"),
    });
    this.jobsWatcher.on("all", (_e, path) => {
      if (!path.endsWith(".json")) return;
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = undefined;
        if (this.stopping) return;
        this.log("job files changed: reloading");
        this.reload().catch((err) => this.log(`reload failed: ${(err as Error).message}`));
      }, 200);
    });
    await Promise.race([new Promise<void>((res) => this.jobsWatcher!.once("ready", () => res())), sleep(JOBS_WATCH_WAIT_MS, undefined, { ref: false })]);
  }

  // ---- stopping --------------------------------------------------------------------------------

  /** Stops every trigger, lets running actions finish within graceMs, abandons the rest, releases the lease. */
  async stop(graceMs: number = this.opts.config.daemon.graceMs, reason = "stop"): Promise<{ finished: number; abandoned: number }> {
    if (this.stopping) return { finished: 0, abandoned: 0 };
    this.stopping = true;
    this.checks.abort();
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.refusalTimer) clearInterval(this.refusalTimer);
    if (this.timer) clearTimeout(this.timer);
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    if (this.missingTimer) clearInterval(this.missingTimer);
    for (const d of this.debounce.values()) clearTimeout(d.timer);
    this.debounce.clear();
    for (const p of this.pollers.values()) clearInterval(p.timer);
    this.pollers.clear();
    for (const w of this.mailWatchers.values()) this.stopMailWatcher(w.watcher);
    this.mailWatchers.clear();
    // Threshold commands are killed with their whole process group (SIGTERM, then SIGKILL after a grace period).
    const killed = this.groups.killAll();
    await this.watchSync;
    await Promise.allSettled([this.fileWatcher?.close(), this.jobsWatcher?.close(), this.webhook?.close(), ...this.mailStopping, killed]);
    this.flushRefusals();
    const inFlight = [...this.running.entries()];
    let abandoned = 0;
    if (inFlight.length) {
      this.log(`waiting up to ${graceMs} ms for ${inFlight.length} running action(s)`);
      let timeout: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled(inFlight.map(([, r]) => r.promise)),
        new Promise((res) => (timeout = setTimeout(res, graceMs))),
      ]);
      if (timeout) clearTimeout(timeout);
      for (const [id, r] of this.running) {
        markAbandoned(this.db, r.job, id, `the daemon stopped (${reason}) before the action finished`);
        abandoned++;
      }
      this.abort.abort();
    }
    if (this.started) {
      appendAudit(this.db, { type: "daemon", data: { event: "stop", pid: process.pid, reason, abandoned } });
      releaseLease(this.db);
      rmSync(childrenFile(this.opts.paths), { force: true });
    }
    this.log(`stopped (${reason})${abandoned ? `: ${abandoned} action(s) abandoned` : ""}`);
    return { finished: inFlight.length - abandoned, abandoned };
  }
}
