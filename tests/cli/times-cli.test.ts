/** The real CLI shows times in the user's zone (TZ), names the zone, keeps --json in UTC, and reads relative dates. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const PARIS = { TZ: "Europe/Paris" };
const UTC = { TZ: "UTC" };
const BAD = "use ISO 8601 (2026-03-15) or a relative date (yesterday, 2h, 3 days ago)";

/** An instant as a clock in `zone` shows it, "2026-12-05 07:00:03" (Swedish dates are ISO-shaped). */
const wall = (iso: string, zone: string) => new Date(iso).toLocaleString("sv-SE", { timeZone: zone });
/** Today's date in `zone`, `back` days before. */
function day(zone: string, back = 0): string {
  const [y, m, d] = wall(new Date().toISOString(), zone).slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! - back)).toISOString().slice(0, 10);
}

function run(args: string[], home: string, env: Record<string, string>) {
  return pai(args, { home, env });
}

describe("times shown in the user's zone", () => {
  it("jobs list: NEXT in the zone it names; --json unchanged in UTC", () => {
    const h = initHome(tmpDir());
    expect(run(["jobs", "add", "morning", "--cron", "0 7 * * *", "--tz", "Europe/Paris", "--action", "remember", "--text", "hi"], h, PARIS).code).toBe(0);
    const paris = run(["jobs", "list"], h, PARIS).stdout;
    const utc = run(["jobs", "list"], h, UTC).stdout;
    expect(paris).toMatch(/NEXT \(Europe\/Paris\)/);
    expect(paris).toMatch(/ \d{4}-\d{2}-\d{2} 07:00 /);
    expect(utc).toMatch(/NEXT \(UTC\)/);
    // 07:00 in Paris is 06:00 or 05:00 UTC, by the season.
    expect(utc).toMatch(/ \d{4}-\d{2}-\d{2} 0[56]:00 /);
    const j1 = run(["jobs", "list", "--json"], h, PARIS).stdout;
    expect(j1).toBe(run(["jobs", "list", "--json"], h, UTC).stdout);
    expect(JSON.parse(j1).jobs[0].next_run).toMatch(/^\d{4}-\d{2}-\d{2}T0[56]:00:00\.000Z$/);
  });

  it("audit: TIME in the zone, to the second; --since reads relative dates; --json unchanged", () => {
    const h = initHome(tmpDir());
    run(["jobs", "add", "morning", "--cron", "0 7 * * *", "--action", "remember", "--text", "hi"], h, PARIS);
    const [entry] = JSON.parse(run(["audit", "--json"], h, PARIS).stdout);
    expect(run(["audit", "--json"], h, UTC).stdout).toBe(run(["audit", "--json"], h, PARIS).stdout);
    expect(entry.time).toMatch(/Z$/);
    const shown = run(["audit"], h, PARIS).stdout;
    expect(shown).toMatch(/TIME \(Europe\/Paris\)/);
    expect(shown).toContain(wall(entry.time, "Europe/Paris"));
    expect(run(["audit"], h, UTC).stdout).toContain(wall(entry.time, "UTC"));
    expect(JSON.parse(run(["audit", "--since", "yesterday", "--json"], h, PARIS).stdout)).toHaveLength(1);
    expect(JSON.parse(run(["audit", "--since", "2h", "--json"], h, PARIS).stdout)).toHaveLength(1);
    expect(JSON.parse(run(["audit", "--since", "tomorrow", "--json"], h, PARIS).stdout)).toHaveLength(0);
    const bad = run(["audit", "--since", "xyz"], h, PARIS);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(`pai: invalid date 'xyz' — ${BAD}`);
  });

  it("approvals list and show: REQUESTED in the zone it names; --json unchanged", async () => {
    const h = initHome(tmpDir());
    expect(run(["jobs", "add", "gated", "--webhook", "--action", "remember", "--text", "deploy {{body}}", "--approval"], h, PARIS).code).toBe(0);
    const { paths } = await import("../../src/kernel/paths.ts");
    const { openDatabase } = await import("../../src/app/db.ts");
    const { loadConfig } = await import("../../src/config/index.ts");
    const { fireJob, getJob } = await import("../../src/automation/jobs/index.ts");
    const { Secrets } = await import("../../src/kernel/secrets.ts");
    const p = paths(h);
    const db = openDatabase(p.db);
    const waiting = await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "gated"), { trigger: "webhook", key: "w1", vars: { body: "v2" } });
    db.close();
    const [a] = JSON.parse(run(["approvals", "list", "--json"], h, PARIS).stdout);
    expect(run(["approvals", "list", "--json"], h, UTC).stdout).toBe(run(["approvals", "list", "--json"], h, PARIS).stdout);
    expect(a.requested_at).toMatch(/Z$/);
    const list = run(["approvals", "list"], h, { ...PARIS, COLUMNS: "200" }).stdout;
    expect(list).toMatch(/REQUESTED \(Europe\/Paris\)/);
    expect(list).toContain(wall(a.requested_at, "Europe/Paris").slice(0, 16));
    expect(run(["approvals", "list"], h, { ...UTC, COLUMNS: "200" }).stdout).toContain(wall(a.requested_at, "UTC").slice(0, 16));
    const show = run(["approvals", "show", String(waiting.approvalId)], h, PARIS).stdout;
    expect(show).toContain(`at ${wall(a.requested_at, "Europe/Paris").slice(0, 16)} (Europe/Paris)`);
  });

  it("daemon status: since and the next runs in the zone, named once; --json unchanged", () => {
    const h = initHome(tmpDir());
    run(["jobs", "add", "morning", "--cron", "0 7 * * *", "--tz", "Europe/Paris", "--action", "remember", "--text", "hi"], h, PARIS);
    expect(run(["daemon", "start"], h, PARIS).code).toBe(0);
    try {
      const s = JSON.parse(run(["daemon", "status", "--json"], h, PARIS).stdout);
      expect(s.since).toMatch(/Z$/);
      expect(s.next_runs[0].at).toMatch(/T0[56]:00:00\.000Z$/);
      const text = run(["daemon", "status"], h, PARIS).stdout;
      expect(text).toContain(`since ${wall(s.since, "Europe/Paris").slice(0, 16)} (Europe/Paris)`);
      expect(text).toMatch(/^ {2}next: \d{4}-\d{2}-\d{2} 07:00 {2}morning$/m);
      expect(text.match(/Europe\/Paris\)/g)).toHaveLength(1);
    } finally {
      run(["daemon", "stop"], h, PARIS);
    }
  });

  it("daemon logs: each line's time in the zone, named once on stderr; --json lines as written", () => {
    const h = initHome(tmpDir());
    mkdirSync(join(h, "user", "logs"), { recursive: true });
    writeFileSync(join(h, "user", "logs", "daemon.log"), "2026-12-05T06:00:00.000Z daemon started\n2026-07-05T06:00:09.900Z job morning fired\nno time here\n");
    const r = run(["daemon", "logs"], h, PARIS);
    expect(r.stdout).toBe("2026-12-05 07:00:00 daemon started\n2026-07-05 08:00:09 job morning fired\nno time here\n");
    expect(r.stderr).toContain("times in Europe/Paris");
    expect(run(["daemon", "logs"], h, UTC).stdout).toContain("2026-12-05 06:00:00 daemon started");
    expect(JSON.parse(run(["daemon", "logs", "--json"], h, PARIS).stdout).lines[0]).toBe("2026-12-05T06:00:00.000Z daemon started");
  });

  it("log: the call table's TIME and --cost's since name the zone", () => {
    const h = initHome(tmpDir());
    expect(run(["log"], h, PARIS).stdout).toMatch(/No model calls yet/);
    const cost = run(["log", "--cost", "--since", "last week"], h, PARIS).stdout;
    expect(cost).toMatch(/^No model calls since \d{4}-\d{2}-\d{2} \(Europe\/Paris\)\.$/m);
    const since = JSON.parse(run(["log", "--cost", "--since", "last week", "--json"], h, PARIS).stdout).since;
    // Monday at midnight in Paris, written in UTC.
    expect(since).toMatch(/T2[23]:00:00\.000Z$/);
    expect(new Date(since).toLocaleString("en-US", { timeZone: "Europe/Paris", weekday: "long" })).toBe("Monday");
    expect(wall(since, "Europe/Paris")).toMatch(/ 00:00:00$/);
    const bad = run(["log", "--cost", "--since", "fortnight"], h, PARIS);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(`pai: invalid date 'fortnight' — ${BAD}`);
  });
});

describe("relative dates in memory commands", () => {
  it("remember --date yesterday is yesterday at local midnight; show and list name the zone", () => {
    const h = initHome(tmpDir());
    const made = JSON.parse(run(["remember", "--json", "--kind", "event", "--date", "yesterday", "Dinner at Le Bouchon"], h, PARIS).stdout);
    const shown = JSON.parse(run(["memory", "show", "--json", String(made.id)], h, PARIS).stdout);
    expect(shown.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T2[23]:00:00\.000Z$/);
    expect(wall(shown.created_at, "Europe/Paris")).toBe(`${day("Europe/Paris", 1)} 00:00:00`);
    expect(run(["memory", "show", "--json", "--incognito", String(made.id)], h, UTC).stdout).toBe(run(["memory", "show", "--json", "--incognito", String(made.id)], h, PARIS).stdout);
    const human = run(["memory", "show", String(made.id)], h, PARIS).stdout;
    expect(human).toContain(`happened     ${day("Europe/Paris", 1)} 00:00 (Europe/Paris)`);
    const list = run(["memory", "list"], h, PARIS).stdout;
    expect(list).toMatch(/DATE \(Europe\/Paris\)/);
    expect(list).toContain(day("Europe/Paris", 1));
    // The same instant is the evening before in UTC.
    expect(run(["memory", "list"], h, UTC).stdout).toContain(shown.created_at.slice(0, 10));
  });

  it("search --since and edit --date read relative dates; a bad one is one line, exit 2, nothing stored", () => {
    const h = initHome(tmpDir());
    const old = JSON.parse(run(["remember", "--json", "--date", "3 days ago", "lunch with Bob"], h, PARIS).stdout);
    JSON.parse(run(["remember", "--json", "--date", "2h", "lunch with Alice"], h, PARIS).stdout);
    const ago = Date.now() - Date.parse(old.created_at);
    expect(Math.abs(ago - 3 * 86_400_000)).toBeLessThan(2 * 3_600_000); // three calendar days (a clock change moves it an hour)
    const recent = JSON.parse(run(["memory", "search", "--json", "--since", "yesterday", "lunch"], h, PARIS).stdout);
    expect(recent.map((x: { content: string }) => x.content)).toEqual(["lunch with Alice"]);
    expect(JSON.parse(run(["memory", "search", "--json", "--since", "1w", "lunch"], h, PARIS).stdout)).toHaveLength(2);
    const edited = JSON.parse(run(["memory", "edit", "--json", String(old.id), "--date", "last monday"], h, PARIS).stdout);
    expect(new Date(edited.created_at).toLocaleString("en-US", { timeZone: "Europe/Paris", weekday: "long" })).toBe("Monday");
    expect(wall(edited.created_at, "Europe/Paris")).toMatch(/ 00:00:00$/);
    const before = run(["memory", "list", "--json", "--include-superseded"], h, PARIS).stdout;
    for (const args of [["remember", "--date", "xyz", "never stored"], ["memory", "edit", String(edited.id), "--date", "xyz"], ["memory", "search", "--since", "xyz", "lunch"]]) {
      const r = run(args, h, PARIS);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim()).toBe(`pai: invalid date 'xyz' — ${BAD}`);
    }
    expect(run(["memory", "list", "--json", "--include-superseded"], h, PARIS).stdout).toBe(before);
  });
});
