/**
 * Schedules: croner computes run times (with the job's time zone); the scheduler keeps each job's next run
 * in memory and in job_state, and the daemon keeps a single timer for the nearest one. `tick(now)` is driven
 * with explicit dates in tests. Runs missed while the daemon was down follow the job's catch-up policy.
 */
import { Cron } from "croner";
import type { Database } from "../../kernel/storage/index.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import { appendAudit } from "../audit/index.ts";
import type { Job, ScheduleTrigger } from "../jobs/schema.ts";
import { allJobStates, patchJobState } from "../jobs/state.ts";

export interface Due {
  job: Job;
  scheduledAt: Date;
  /** True for a run that was missed and is caught up now. */
  catchUp: boolean;
}

interface Entry {
  job: Job;
  trigger: ScheduleTrigger;
  sig: string;
  next: Date | null;
}

/** How late a run may be and still count as on time (not missed). */
export const LATE_GRACE_MS = 60_000;

const sigOf = (t: ScheduleTrigger) => `${t.cron}|${t.tz ?? ""}`;

/**
 * A croner instance for a trigger, made when needed and dropped after: each one holds ~80 KB of lookup
 * tables (a year table among them), so 1,000 kept alive would cost ~80 MB for nothing.
 */
const cronOf = (t: ScheduleTrigger) => new Cron(t.cron, { timezone: t.tz, paused: true });

export class Scheduler {
  private entries = new Map<string, Entry>();

  constructor(
    private db: Database,
    private secrets: Secrets,
    private lateGraceMs = LATE_GRACE_MS,
  ) {}

  /**
   * Sets the scheduled jobs (on start and whenever job files change). A job seen for the first time, or
   * whose schedule changed, starts from its next run after `now`; others resume from the stored next run.
   */
  load(jobs: Job[], now: Date): void {
    const states = allJobStates(this.db);
    const keep = new Set<string>();
    for (const job of jobs) {
      if (job.trigger.type !== "schedule" || !job.enabled) continue;
      keep.add(job.name);
      const trigger = job.trigger;
      const sig = sigOf(trigger);
      const existing = this.entries.get(job.name);
      if (existing && existing.sig === sig) {
        existing.job = job;
        existing.trigger = trigger;
        continue;
      }
      const st = states.get(job.name);
      let next: Date | null;
      if (st?.next_run && st.schedule === sig) next = new Date(st.next_run);
      else {
        next = cronOf(trigger).nextRun(now);
        patchJobState(this.db, job.name, { schedule: sig, next_run: next?.toISOString() ?? null });
      }
      this.entries.set(job.name, { job, trigger, sig, next });
    }
    for (const name of [...this.entries.keys()]) if (!keep.has(name)) this.entries.delete(name);
  }

  /** The nearest next run of all jobs, or undefined when nothing is scheduled. */
  nextWake(): Date | undefined {
    let min: Date | undefined;
    for (const e of this.entries.values()) if (e.next && (!min || e.next < min)) min = e.next;
    return min;
  }

  nextRunOf(name: string): Date | null | undefined {
    return this.entries.get(name)?.next;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Everything due at `now`. `claim` records each due run (under its unique key) before the job's next run
   * is advanced, so a crash in between can only repeat a claim, which the key turns into a no-op.
   */
  tick(now: Date, claim: (due: Due) => void): Due[] {
    const dues: Due[] = [];
    for (const e of this.entries.values()) {
      if (!e.next || e.next > now) continue;
      const first = e.next;
      const cron = cronOf(e.trigger);
      const bound = e.trigger.catchUp === "all" ? e.trigger.catchUpMax : 1;
      // The most recent runs up to now, oldest first, none before the stored next run.
      const recent = cron
        .previousRuns(bound + 1, new Date(now.getTime() + 1000))
        .filter((t) => t >= first && t <= now)
        .reverse();
      if (!recent.length) recent.push(first);
      const onTime = recent.length === 1 && now.getTime() - recent[0]!.getTime() <= this.lateGraceMs && recent[0]!.getTime() === first.getTime();
      let fire: Date[] = [];
      if (onTime) fire = recent;
      else {
        const missed = recent;
        if (e.trigger.catchUp === "once") fire = missed.slice(-1);
        else if (e.trigger.catchUp === "all") fire = missed.slice(-e.trigger.catchUpMax);
        const skipped = missed.length - fire.length;
        appendAudit(this.db, this.secrets, {
          job: e.job.name,
          type: "decision",
          data: {
            decision: "missed_runs",
            policy: e.trigger.catchUp,
            since: first.toISOString(),
            caughtUp: fire.map((d) => d.toISOString()),
            skipped: skipped > 0 ? (missed.length > bound ? `${skipped}+` : skipped) : 0,
          },
        });
      }
      for (const t of fire) {
        const due = { job: e.job, scheduledAt: t, catchUp: !onTime };
        claim(due);
        dues.push(due);
      }
      e.next = cron.nextRun(now);
      patchJobState(this.db, e.job.name, { next_run: e.next?.toISOString() ?? null, ...(fire.length ? { last_fired: fire[fire.length - 1]!.toISOString() } : {}) });
    }
    return dues;
  }
}
