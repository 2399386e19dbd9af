import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Scheduler, type Due } from "../../src/automation/daemon/scheduler.ts";
import { getJobState } from "../../src/automation/jobs/state.ts";
import { Secrets } from "../../src/kernel/secrets.ts";
import { listAudit } from "../../src/automation/audit/index.ts";
import { jobSchema, type Job } from "../../src/automation/jobs/schema.ts";
import { openDatabase, type Database } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

function job(name: string, trigger: Record<string, unknown>): Job {
  const spec = jobSchema.parse({ trigger: { type: "schedule", ...trigger }, action: { type: "remember", text: "x" } });
  return { ...spec, name, file: `${name}.json` };
}

function db(): Database {
  return openDatabase(join(tmpDir(), "pai.db"));
}

const at = (s: string) => new Date(s);
const iso = (d: Due[]) => d.map((x) => x.scheduledAt.toISOString());

describe("scheduler (fake time: tick with explicit dates)", () => {
  it("fires a daily job at 07:00 in its time zone, once, and computes the next run", () => {
    const d = db();
    const s = new Scheduler(d, new Secrets());
    // Europe/Paris is UTC+1 in January: 07:00 there is 06:00Z.
    s.load([job("nightly", { cron: "0 7 * * *", tz: "Europe/Paris" })], at("2026-01-10T12:00:00Z"));
    expect(s.nextWake()?.toISOString()).toBe("2026-01-11T06:00:00.000Z");
    expect(s.tick(at("2026-01-11T05:59:59Z"), () => {})).toEqual([]);
    const claimed: Due[] = [];
    const due = s.tick(at("2026-01-11T06:00:00.200Z"), (x) => claimed.push(x));
    expect(iso(due)).toEqual(["2026-01-11T06:00:00.000Z"]);
    expect(claimed).toHaveLength(1);
    expect(due[0]!.catchUp).toBe(false);
    expect(s.tick(at("2026-01-11T06:00:30Z"), () => {})).toEqual([]);
    expect(getJobState(d, "nightly")?.next_run).toBe("2026-01-12T06:00:00.000Z");
    // Summer time: 07:00 in Paris is 05:00Z.
    s.load([job("summer", { cron: "0 7 * * *", tz: "Europe/Paris" })], at("2026-07-01T00:00:00Z"));
    expect(s.nextRunOf("summer")?.toISOString()).toBe("2026-07-01T05:00:00.000Z");
    d.close();
  });

  it("one timer for the nearest run among many jobs", () => {
    const d = db();
    const s = new Scheduler(d, new Secrets());
    const jobs = Array.from({ length: 50 }, (_, i) => job(`j${i}`, { cron: `${i % 60} * * * *`, tz: "UTC" }));
    s.load(jobs, at("2026-01-01T00:30:30Z"));
    expect(s.size).toBe(50);
    expect(s.nextWake()?.toISOString()).toBe("2026-01-01T00:31:00.000Z");
    d.close();
  });

  it("resumes from the stored next run after a restart, with no duplicate firing", () => {
    const d = db();
    const j = job("hourly", { cron: "0 * * * *", tz: "UTC" });
    const a = new Scheduler(d, new Secrets());
    a.load([j], at("2026-01-01T00:10:00Z"));
    expect(iso(a.tick(at("2026-01-01T01:00:05Z"), () => {}))).toEqual(["2026-01-01T01:00:00.000Z"]);
    // A new process (same database) at the same instant: the run is not repeated.
    const b = new Scheduler(d, new Secrets());
    b.load([j], at("2026-01-01T01:00:06Z"));
    expect(b.tick(at("2026-01-01T01:00:06Z"), () => {})).toEqual([]);
    expect(b.nextWake()?.toISOString()).toBe("2026-01-01T02:00:00.000Z");
    d.close();
  });

  it("catch-up policies for runs missed while the daemon was down: skip, once, all (bounded)", () => {
    const d = db();
    const jobs = [
      job("skip", { cron: "0 * * * *", tz: "UTC", catchUp: "skip" }),
      job("once", { cron: "0 * * * *", tz: "UTC", catchUp: "once" }),
      job("all", { cron: "0 * * * *", tz: "UTC", catchUp: "all", catchUpMax: 3 }),
      job("allfew", { cron: "0 * * * *", tz: "UTC", catchUp: "all", catchUpMax: 10 }),
    ];
    const before = new Scheduler(d, new Secrets());
    before.load(jobs, at("2026-01-01T00:30:00Z")); // next runs: 01:00
    // Down from 00:30 to 05:30: runs at 01, 02, 03, 04 and 05:00 were missed.
    const after = new Scheduler(d, new Secrets());
    after.load(jobs, at("2026-01-01T05:30:00Z"));
    const due = after.tick(at("2026-01-01T05:30:00Z"), () => {});
    const by = (n: string) => iso(due.filter((x) => x.job.name === n));
    expect(by("skip")).toEqual([]);
    expect(by("once")).toEqual(["2026-01-01T05:00:00.000Z"]);
    expect(by("all")).toEqual(["2026-01-01T03:00:00.000Z", "2026-01-01T04:00:00.000Z", "2026-01-01T05:00:00.000Z"]);
    expect(by("allfew")).toHaveLength(5);
    expect(due.every((x) => x.catchUp)).toBe(true);
    for (const name of ["skip", "once", "all"]) expect(after.nextRunOf(name)?.toISOString()).toBe("2026-01-01T06:00:00.000Z");
    const missed = listAudit(d).filter((e) => e.data.decision === "missed_runs");
    expect(missed.map((e) => e.job).sort()).toEqual(["all", "allfew", "once", "skip"]);
    d.close();
  });

  it("a changed schedule starts from its own next run", () => {
    const d = db();
    const s = new Scheduler(d, new Secrets());
    s.load([job("j", { cron: "0 7 * * *", tz: "UTC" })], at("2026-01-01T00:00:00Z"));
    const s2 = new Scheduler(d, new Secrets());
    s2.load([job("j", { cron: "30 8 * * *", tz: "UTC" })], at("2026-01-01T00:00:00Z"));
    expect(s2.nextRunOf("j")?.toISOString()).toBe("2026-01-01T08:30:00.000Z");
    d.close();
  });
});
