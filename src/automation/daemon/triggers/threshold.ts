/**
 * Thresholds: each threshold job is checked on its interval (a check still running skips the next one) and
 * fires when its value crosses the bound, once per crossing; the side it was on is kept in job_state. Running
 * check commands are tracked by process group, listed in user/run/ for 'pai daemon stop', and killed with their
 * whole group when the daemon stops. A failing check is logged and audited once, until it recovers.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { appendAudit } from "../../audit/index.ts";
import type { Job, ThresholdTrigger } from "../../jobs/schema.ts";
import { getJobState, patchJobState } from "../../jobs/state.ts";
import { childrenFile } from "../state.ts";
import { crossing, pastBound, ProcessGroups, readThresholdValue } from "../threshold.ts";
import type { Trigger, TriggerHost } from "./trigger.ts";

interface Poller {
  spec: string;
  timer: ReturnType<typeof setInterval>;
  busy: boolean;
  lastError?: string;
}

export class Thresholds implements Trigger {
  private jobs = new Map<string, Job>();
  private pollers = new Map<string, Poller>();
  /** Aborted as soon as a stop begins: running checks are killed (actions get their grace period). */
  private checks = new AbortController();
  private groups: ProcessGroups;

  constructor(private host: TriggerHost) {
    // The process groups of running check commands, kept in user/run/ for 'pai daemon stop' (see stopDaemon).
    this.groups = new ProcessGroups((pgids) => {
      if (!host.started) return;
      try {
        mkdirSync(host.paths.run, { recursive: true });
        if (pgids.length) writeFileSync(childrenFile(host.paths), `${pgids.join("\n")}\n`);
        else rmSync(childrenFile(host.paths), { force: true });
      } catch {}
    });
  }

  sync(jobs: ReadonlyMap<string, Job>): void {
    this.jobs = new Map();
    if (!this.host.stopping) for (const [name, job] of jobs) if (job.trigger.type === "threshold") this.jobs.set(name, job);
    for (const [name, p] of this.pollers) {
      const job = this.jobs.get(name);
      if (!job || JSON.stringify(job.trigger) !== p.spec) {
        clearInterval(p.timer);
        this.pollers.delete(name);
      }
    }
    for (const [name, job] of this.jobs) {
      if (this.pollers.has(name)) continue;
      const t = job.trigger as ThresholdTrigger;
      this.pollers.set(name, { spec: JSON.stringify(t), busy: false, timer: setInterval(() => void this.check(name), t.intervalMs) });
      void this.check(name);
    }
  }

  has(name: string): boolean {
    return this.pollers.has(name);
  }

  /** One check of a threshold job (skipped while the previous one is still running). */
  async check(name: string): Promise<void> {
    const { host } = this;
    const p = this.pollers.get(name);
    const job = this.jobs.get(name);
    if (!p || !job || p.busy || host.stopping) return;
    p.busy = true;
    try {
      if (job.trigger.type === "threshold") await this.checkOne(job, job.trigger);
      if (p.lastError) host.log(`${name}: recovered`);
      p.lastError = undefined;
    } catch (err) {
      const msg = host.secrets.redact((err as Error).message ?? String(err));
      if (p.lastError !== msg) {
        host.log(`${name}: ${job.trigger.type} check failed: ${msg}`);
        appendAudit(host.db, host.secrets, { job: name, type: "error", data: { trigger: job.trigger.type, error: msg } });
      }
      p.lastError = msg;
    } finally {
      p.busy = false;
    }
  }

  /** Kills the running checks (SIGTERM to their process groups, then SIGKILL after a grace period). */
  async stop(): Promise<void> {
    this.checks.abort();
    for (const p of this.pollers.values()) clearInterval(p.timer);
    this.pollers.clear();
    await this.groups.killAll();
  }

  private async checkOne(job: Job, t: ThresholdTrigger): Promise<void> {
    const { host } = this;
    const value = await readThresholdValue(t, host.paths.home, this.checks.signal, this.groups);
    if (host.stopping) return;
    const on = pastBound(t, value);
    const prev = getJobState(host.db, job.name)?.threshold_on;
    if (crossing(prev, on)) {
      const now = new Date();
      host.dispatch(
        job,
        { trigger: "threshold", key: `threshold:${now.toISOString()}:${process.pid}`, vars: { value: String(value), bound: String(t.above ?? t.below) } },
        () => patchJobState(host.db, job.name, { threshold_on: 1, threshold_value: value }),
      );
    } else if (prev !== (on ? 1 : 0)) {
      patchJobState(host.db, job.name, { threshold_on: on ? 1 : 0, threshold_value: value });
    }
  }
}
