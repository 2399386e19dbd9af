/**
 * The persistent assistant: one process per PAI_HOME (a lease in the database), running jobs on their triggers,
 * one of each kind behind the same interface (triggers/): schedules, file watches, thresholds, mailboxes and
 * the local webhook. Job files are reloaded when they change. On stop, a running action gets `daemon.graceMs`
 * to finish and is then abandoned (recorded as such).
 *
 * No trigger kind holds back another: schedules, thresholds and mail are armed first, file watches start after
 * them without being waited for, and a threshold check always ends (see threshold.ts). The daemon checks its
 * lease every second and stops when it no longer holds it.
 */
import { mkdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { FSWatcher } from "chokidar";
import type { Config } from "../../config/index.ts";
import { UserError } from "../../kernel/errors.ts";
import type { Paths } from "../../kernel/paths.ts";
import { Secrets } from "../../kernel/secrets.ts";
import type { Database } from "../../kernel/storage/index.ts";
import { appendAudit } from "../audit/index.ts";
import { claimFiring, markAbandoned, recoverAbandoned, type FireContext, type FireEvent, type FireOutcome } from "../jobs/fire.ts";
import type { Job } from "../jobs/schema.ts";
import { countJobs, jobsText, type JobCounts } from "../jobs/counts.ts";
import { loadJobs } from "../jobs/store.ts";
import { clearWatchWarnings } from "../state.ts";
import { EmbedPasses } from "./embedder.ts";
import { hooksFor, packHookJobs, type HookEvent } from "./hooks.ts";
import type { MailMode } from "./mail.ts";
import { acquireLease, childrenFile, readLease, releaseLease, updateLease } from "./state.ts";
import { FileWatches } from "./triggers/file-watch.ts";
import { Mailboxes } from "./triggers/mail.ts";
import { Schedules } from "./triggers/schedule.ts";
import { Thresholds } from "./triggers/threshold.ts";
import type { Trigger, TriggerHost } from "./triggers/trigger.ts";
import type { Webhooks } from "./triggers/webhook.ts";
import { SyncWatch } from "./sync-watch.ts";

export interface DaemonOptions {
  paths: Paths;
  config: Config;
  db: Database;
  /** Where the daemon's log lines go (redacted first). */
  log: (line: string) => void;
  /** The secret values of this process (default: a new, empty set the daemon fills as it reads them). */
  secrets?: Secrets;
  /** Reload job files when they change (default true). */
  watchJobs?: boolean;
  /** Called when the lease is found to be held by another process, or gone (default: the daemon stops). */
  onLeaseLost?: () => void;
}

const LEASE_CHECK_MS = 1_000;
/** How long the start waits for the job folder's watcher before going on without it. */
const JOBS_WATCH_WAIT_MS = 5_000;

export class Daemon {
  readonly secrets: Secrets;
  private jobs = new Map<string, Job>();
  private counted: JobCounts = { jobs: 0, enabled: 0, invalid: 0 };
  private readonly host: TriggerHost;
  private readonly schedules: Schedules;
  private readonly files: FileWatches;
  private readonly thresholds: Thresholds;
  private readonly mail: Mailboxes;
  private readonly embedder: EmbedPasses;
  private webhooks: Webhooks | undefined;
  private readonly triggers: Trigger[];
  private jobsWatcher: FSWatcher | undefined;
  private readonly syncWatch: SyncWatch;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private running = new Map<number, { job: string; promise: Promise<FireOutcome> }>();
  private abort = new AbortController();
  private stopping = false;
  started = false;

  constructor(private opts: DaemonOptions) {
    this.secrets = opts.secrets ?? new Secrets();
    const daemon = this;
    this.host = {
      db: opts.db,
      config: opts.config,
      paths: opts.paths,
      secrets: this.secrets,
      get started() {
        return daemon.started;
      },
      get stopping() {
        return daemon.stopping;
      },
      log: (line) => this.log(line),
      dispatch: (job, ev, extra) => this.dispatch(job, ev, extra),
      fireHooks: (event, key, vars) => this.fireHooks(event, key, vars),
    };
    this.schedules = new Schedules(this.host);
    this.files = new FileWatches(this.host);
    this.thresholds = new Thresholds(this.host);
    this.mail = new Mailboxes(this.host);
    this.triggers = [this.schedules, this.thresholds, this.mail, this.files];
    this.syncWatch = new SyncWatch({ db: opts.db, home: opts.paths.home, log: (line) => this.log(line) });
    this.embedder = new EmbedPasses({ db: opts.db, config: opts.config, paths: opts.paths, log: (line) => this.log(line) });
  }

  private get db(): Database {
    return this.opts.db;
  }

  log(line: string): void {
    this.opts.log(this.secrets.redact(line));
  }

  get webhookPort(): number | undefined {
    return this.webhooks?.port;
  }

  /** Takes the lease and starts every trigger. */
  async start(): Promise<void> {
    const lease = acquireLease(this.db);
    if (!lease.ok) {
      throw new UserError(`the daemon is already running (pid ${lease.holder.pid})`, { hint: "'pai daemon status' shows it; 'pai daemon stop' stops it" });
    }
    this.started = true;
    if (lease.tookOver) this.log(`took over the lease of pid ${lease.tookOver.pid}, which is gone`);
    const abandoned = recoverAbandoned(this.fireContext());
    if (abandoned) this.log(`${abandoned} action(s) left running by a stopped daemon recorded as abandoned`);
    appendAudit(this.db, this.secrets, { type: "daemon", data: { event: "start", pid: process.pid, ...(lease.tookOver ? { tookOverFrom: lease.tookOver.pid } : {}) } });
    this.leaseTimer = setInterval(() => this.checkLease(), LEASE_CHECK_MS);
    clearWatchWarnings(this.db);
    // Schedules, thresholds and mail are armed here; file watches start after them, in the background.
    await this.reload();
    // Recorded once the file watches have finished their first scan ('pai daemon start' waits a little for it).
    void this.watching().then(() => {
      if (!this.stopping) updateLease(this.db, { watchingAt: new Date().toISOString() });
    });
    if (this.stopping) return;
    if (this.opts.watchJobs !== false) await this.watchJobsFolder();
    await this.syncWatch.start();
    if (this.stopping) return;
    if (this.opts.config.daemon.webhook.enabled) {
      const { Webhooks } = await import("./triggers/webhook.ts");
      const webhooks = new Webhooks(this.host);
      webhooks.sync(this.jobs);
      this.webhooks = webhooks;
      this.triggers.push(webhooks);
      await webhooks.open();
    }
    if (this.stopping) return;
    // `pai daemon start` returns once this is set, so a change made right after it is seen.
    updateLease(this.db, { readyAt: new Date().toISOString() });
    const hooks = this.jobs.size - this.counted.enabled;
    this.log(`started (pid ${process.pid}): ${jobsText(this.counted)}${hooks > 0 ? `, ${hooks} pack hook(s)` : ""}, ${this.schedules.size} scheduled`);
    // Memory waiting for a vector is embedded beside the triggers, once they are all in place.
    this.embedder.start();
    this.fireHooks("daemon.start", `daemon.start:${new Date().toISOString()}:${process.pid}`, {});
  }

  /** Resolves once the file watches set up so far have finished their first scan (they are never waited for by the other triggers). */
  watching(): Promise<void> {
    return this.files.ready();
  }

  /** Re-reads user/jobs/ and reconciles every trigger with it. */
  async reload(): Promise<void> {
    const { jobs, invalid } = loadJobs(this.opts.paths);
    for (const bad of invalid) this.log(`skipped an invalid job: ${bad.error}`);
    this.counted = countJobs({ jobs, invalid });
    this.jobs = new Map(jobs.filter((j) => j.enabled).map((j) => [j.name, j]));
    for (const h of await packHookJobs(this.opts.paths, this.opts.config, (l) => this.log(l))) if (!this.jobs.has(h.name)) this.jobs.set(h.name, h);
    // File watches (last in the list) are set up in the background: they never hold back the other triggers.
    for (const t of this.triggers) await t.sync(this.jobs);
  }

  /** Fires every scheduled run due at `now` (tests drive it with explicit dates). */
  tick(now: Date): void {
    this.schedules.tick(now);
  }

  /**
   * One check of a threshold job (skipped while the previous one is still running), or of a mail job (resolves
   * when a check of its mailbox that started after the call has ended).
   */
  async poll(name: string): Promise<void> {
    if (this.mail.has(name)) return this.mail.check(name);
    return this.thresholds.check(name);
  }

  /** How a mail job's connection stands: in IDLE, polling (no IDLE on the server), connecting, retrying. */
  mailMode(name: string): MailMode | undefined {
    return this.mail.mode(name);
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

  private fireHooks(event: HookEvent, key: string, vars: Record<string, string>): void {
    for (const job of hooksFor(this.jobs.values(), event)) this.dispatch(job, { trigger: event, key, vars });
  }

  private fireContext(): FireContext {
    return { db: this.db, config: this.opts.config, paths: this.opts.paths, secrets: this.secrets, signal: this.abort.signal, log: (l: string) => this.log(l) };
  }

  /** Claims a firing now and runs its action in the background. */
  dispatch(job: Job, ev: FireEvent, extra?: () => void): FireOutcome {
    if (this.stopping) return { status: "abandoned" };
    const { outcome, run } = claimFiring(this.fireContext(), job, ev, extra);
    if (outcome.status !== "duplicate") this.log(`${job.name}: ${ev.trigger} (${ev.key}) → ${run ? "running" : outcome.status}`);
    if (run && outcome.firingId !== undefined) {
      const id = outcome.firingId;
      const promise = run()
        .catch((err): FireOutcome => {
          this.log(`${job.name}: ${(err as Error).message}`);
          return { status: "error", firingId: id, error: (err as Error).message };
        })
        .finally(() => {
          this.running.delete(id);
          this.embedder.afterFiring();
        });
      this.running.set(id, { job: job.name, promise });
    }
    return outcome;
  }

  /** Resolves when every action running now has ended. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()].map((r) => r.promise));
  }

  /**
   * Watches user/jobs/ (job files) and user/packs/ (a pack's lock file is written last on install and removed on
   * uninstall): a change reloads the jobs and the packs' hooks, so neither needs a restart.
   */
  private async watchJobsFolder(): Promise<void> {
    const { watch } = await import("chokidar");
    const { jobs: jobsDir, packs: packsDir } = this.opts.paths;
    mkdirSync(jobsDir, { recursive: true });
    mkdirSync(packsDir, { recursive: true });
    if (this.stopping) return;
    const folders = new Set([resolve(jobsDir), resolve(packsDir)]);
    const watcher = watch([jobsDir, packsDir], {
      ignoreInitial: true,
      depth: 0,
      atomic: false,
      followSymlinks: false,
      ignored: (path: string, stats?: { isFile(): boolean }) => !folders.has(resolve(path)) && !!stats?.isFile() && !path.endsWith(".json"),
    });
    this.jobsWatcher = watcher;
    watcher.on("all", (_e, path) => {
      if (!path.endsWith(".json")) return;
      const what = resolve(path).startsWith(`${resolve(packsDir)}/`) ? "packs" : "job files";
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = undefined;
        if (this.stopping) return;
        this.log(`${what} changed: reloading`);
        this.reload().catch((err) => this.log(`reload failed: ${(err as Error).message}`));
      }, 200);
    });
    await Promise.race([new Promise<void>((res) => watcher.once("ready", () => res())), sleep(JOBS_WATCH_WAIT_MS, undefined, { ref: false })]);
  }

  /** Stops every trigger, lets running actions finish within graceMs, abandons the rest, releases the lease. */
  async stop(graceMs: number = this.opts.config.daemon.graceMs, reason = "stop"): Promise<{ finished: number; abandoned: number }> {
    if (this.stopping) return { finished: 0, abandoned: 0 };
    this.stopping = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    // Threshold commands are killed with their whole process group (SIGTERM, then SIGKILL after a grace period).
    await Promise.allSettled([...this.triggers.map(async (t) => t.stop()), this.jobsWatcher?.close(), this.embedder.stop(), this.syncWatch.stop()]);
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
        markAbandoned(this.fireContext(), r.job, id, `the daemon stopped (${reason}) before the action finished`);
        abandoned++;
      }
      this.abort.abort();
    }
    if (this.started) {
      appendAudit(this.db, this.secrets, { type: "daemon", data: { event: "stop", pid: process.pid, reason, abandoned } });
      releaseLease(this.db);
      rmSync(childrenFile(this.opts.paths), { force: true });
    }
    this.log(`stopped (${reason})${abandoned ? `: ${abandoned} action(s) abandoned` : ""}`);
    return { finished: inFlight.length - abandoned, abandoned };
  }
}
