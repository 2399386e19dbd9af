/**
 * Schedules: one timer for the nearest run of every schedule job (woken at least once a minute, so a clock
 * change is noticed); the runs due are computed by the Scheduler, which remembers them in job_state.
 */
import type { Job } from "../../jobs/schema.ts";
import { Scheduler } from "../scheduler.ts";
import type { Trigger, TriggerHost } from "./trigger.ts";

const MAX_TIMER_MS = 60_000;

export class Schedules implements Trigger {
  readonly scheduler: Scheduler;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private host: TriggerHost) {
    this.scheduler = new Scheduler(host.db, host.secrets);
  }

  /** How many jobs are scheduled. */
  get size(): number {
    return this.scheduler.size;
  }

  sync(jobs: ReadonlyMap<string, Job>): void {
    this.scheduler.load([...jobs.values()], new Date());
    this.arm();
  }

  /** Fires every scheduled run due at `now` (tests drive it with explicit dates). */
  tick(now: Date): void {
    this.scheduler.tick(now, (due) => {
      this.host.dispatch(due.job, {
        trigger: "schedule",
        key: `schedule:${due.scheduledAt.toISOString()}`,
        scheduledAt: due.scheduledAt,
        vars: { scheduledAt: due.scheduledAt.toISOString(), catchUp: due.catchUp ? "yes" : "no" },
      });
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.stop();
    if (this.host.stopping) return;
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
      this.host.log(`scheduler error: ${(err as Error).message}`);
    }
    this.arm();
  }
}
