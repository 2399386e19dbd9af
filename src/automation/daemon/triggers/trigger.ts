/**
 * One kind of trigger (schedules, file watches, thresholds, mailboxes, the webhook): it watches for its jobs'
 * events and hands each to the daemon, which claims and runs the firing. The daemon composes one of each.
 */
import type { Config } from "../../../config/index.ts";
import type { Paths } from "../../../kernel/paths.ts";
import type { Secrets } from "../../../kernel/secrets.ts";
import type { Database } from "../../../kernel/storage/index.ts";
import type { FireEvent, FireOutcome } from "../../jobs/fire.ts";
import type { Job } from "../../jobs/schema.ts";

export interface Trigger {
  /** Reconciles with the daemon's enabled jobs: starts watching what is new or changed, stops what is gone. */
  sync(jobs: ReadonlyMap<string, Job>): void | Promise<void>;
  /** Stops everything it started; resolves once all of it is closed. */
  stop(): void | Promise<void>;
}

/** What a trigger gets from the daemon that runs it. */
export interface TriggerHost {
  readonly db: Database;
  readonly config: Config;
  readonly paths: Paths;
  /** The secret values the daemon handles: a trigger adds those it reads (a password, a token). */
  readonly secrets: Secrets;
  /** True once the daemon holds its lease. */
  readonly started: boolean;
  /** True once a stop has begun: nothing new is armed or fired. */
  readonly stopping: boolean;
  log(line: string): void;
  /** Claims a firing now and runs its action in the background; `extra` runs inside the claim's transaction. */
  dispatch(job: Job, ev: FireEvent, extra?: () => void): FireOutcome;
  /** Fires the pack hooks declared for an event. */
  fireHooks(event: "daemon.start" | "mail.received", key: string, vars: Record<string, string>): void;
}
