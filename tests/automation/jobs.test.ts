import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { setPaused } from "../../src/automation/state.ts";
import { Secrets } from "../../src/kernel/secrets.ts";
import { fireJob } from "../../src/automation/jobs/fire.ts";
import { getJob } from "../../src/automation/jobs/store.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function memories(home: string): { content: string; kind: string; source: string | null }[] {
  const db = openDatabase(join(home, "user", "pai.db"));
  try {
    return db.prepare<any>("SELECT content, kind, source FROM memory_items ORDER BY id").all();
  } finally {
    db.close();
  }
}

function auditOf(home: string, job: string): any[] {
  return JSON.parse(pai(["audit", "--job", job, "--json"], { home }).stdout);
}

describe("pai jobs", () => {
  it("adds a job from flags, lists it, disables, enables and removes it", () => {
    const home = initHome(tmpDir());
    const add = pai(["jobs", "add", "nightly", "--cron", "0 7 * * *", "--tz", "Europe/Paris", "--action", "remember", "--text", "morning review"], { home });
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    const file = join(home, "user", "jobs", "nightly.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      trigger: { type: "schedule", cron: "0 7 * * *", tz: "Europe/Paris" },
      action: { type: "remember", text: "morning review" },
    });
    const list = JSON.parse(pai(["jobs", "list", "--json"], { home }).stdout);
    expect(list.jobs).toHaveLength(1);
    expect(list.jobs[0]).toMatchObject({ name: "nightly", enabled: true, trigger: { catchUp: "skip" }, file: "user/jobs/nightly.json" });
    expect(pai(["jobs", "disable", "nightly"], { home }).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).enabled).toBe(false);
    expect(pai(["jobs", "enable", "nightly"], { home }).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).enabled).toBe(true);
    expect(pai(["jobs", "remove", "nightly"], { home }).code).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(auditOf(home, "nightly").map((e) => e.data.event)).toEqual(["added", "disabled", "enabled", "removed"]);
  });

  it("lists a threshold's interval as it was given ('every 5m'), the file holding milliseconds", () => {
    const home = initHome(tmpDir());
    expect(pai(["jobs", "add", "disk", "--check-file", "/tmp/v", "--above", "90", "--every", "5m", "--action", "remember", "--text", "x"], { home }).code).toBe(0);
    expect(JSON.parse(readFileSync(join(home, "user", "jobs", "disk.json"), "utf8")).trigger.intervalMs).toBe(300_000);
    expect(pai(["jobs", "list"], { home }).stdout).toContain("file /tmp/v > 90 every 5m");
  });

  it("bad input: one line naming the file and field, non-zero exit, nothing written", () => {
    const home = initHome(tmpDir());
    const cron = pai(["jobs", "add", "x", "--cron", "every day", "--text", "hi"], { home });
    expect(cron.code).toBe(1);
    expect(cron.stderr).toMatch(/^pai: user\/jobs\/x\.json: trigger\.cron: invalid cron expression/);
    expect(cron.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(home, "user", "jobs", "x.json"))).toBe(false);

    expect(pai(["jobs", "add", "x", "--cron", "0 7 * * *", "--tz", "Mars/Olympus", "--text", "hi"], { home }).stderr).toMatch(/trigger\.tz: unknown time zone/);
    expect(pai(["jobs", "add", "x", "--text", "hi"], { home }).code).toBe(2);
    expect(pai(["jobs", "add", "../evil", "--cron", "0 7 * * *", "--text", "hi"], { home }).code).toBe(2);

    const spec = join(home, "spec.json");
    writeFileSync(spec, JSON.stringify({ trigger: { type: "threshold", file: "/tmp/v", above: 3, intervalMs: 10 }, action: { type: "remember", text: "x" } }));
    const from = pai(["jobs", "add", "t", "--from", spec], { home });
    expect(from.code).toBe(1);
    expect(from.stderr).toMatch(/user\/jobs\/t\.json: trigger\.intervalMs: /);

    // A broken file on disk is listed as invalid, not fatal.
    writeFileSync(join(home, "user", "jobs", "broken.json"), JSON.stringify({ trigger: { type: "schedule" }, action: { type: "remember", text: "x" } }));
    const list = pai(["jobs", "list", "--json"], { home });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).invalid[0].error).toMatch(/user\/jobs\/broken\.json: trigger\.cron/);
    const run = pai(["jobs", "run", "broken"], { home });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broken\.json: trigger\.cron/);
    expect(pai(["jobs", "add", "dup", "--cron", "0 7 * * *", "--text", "a"], { home }).code).toBe(0);
    expect(pai(["jobs", "add", "dup", "--cron", "0 8 * * *", "--text", "b"], { home }).stderr).toMatch(/exists already/);
    expect(JSON.parse(readFileSync(join(home, "user", "jobs", "dup.json"), "utf8")).action.text).toBe("a");
  });

  it("jobs run fires once now: audited, and remembered as exactly one item per firing (the note, from the job)", () => {
    const home = initHome(tmpDir());
    pai(["jobs", "add", "note", "--cron", "0 7 * * *", "--action", "remember", "--text", "water the plants ({{time}})"], { home });
    const count = () => JSON.parse(pai(["memory", "stats", "--json"], { home }).stdout).total as number;
    expect(count()).toBe(0);
    const r = pai(["jobs", "run", "note"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^water the plants \(\d{4}-/);
    expect(count()).toBe(1);
    const listed = JSON.parse(pai(["memory", "list", "--json"], { home }).stdout) as { content: string; kind: string; source: string; meta: Record<string, unknown> }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ content: r.stdout.trim(), kind: "note", source: "job:note", meta: { job: "note", trigger: "manual" } });
    expect(auditOf(home, "note").map((e) => e.type)).toEqual(["job", "trigger", "decision", "action"]);
    // A second firing adds one more item, not two.
    expect(pai(["jobs", "run", "note"], { home }).code).toBe(0);
    expect(count()).toBe(2);
    expect(memories(home).map((m) => m.source)).toEqual(["job:note", "job:note"]);
  });

  it("a pack action stores one item per firing, whether its command changes anything or not", () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
    const count = () => JSON.parse(pai(["memory", "stats", "--json"], { home }).stdout).total as number;
    pai(["jobs", "add", "jot", "--manual", "--action", "pack", "--command", "journal:write", "--text", "fed the cat"], { home });
    pai(["jobs", "add", "peek", "--manual", "--action", "pack", "--command", "journal:today"], { home });
    const wrote = pai(["jobs", "run", "jot"], { home });
    expect(wrote.code, wrote.stderr).toBe(0);
    expect(count()).toBe(1);
    // The command's own action record is the firing's item.
    expect(memories(home)).toEqual([expect.objectContaining({ kind: "action", source: "pack:journal:write" })]);
    const read = pai(["jobs", "run", "peek"], { home });
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain("fed the cat");
    // A read-only command stores nothing itself: the firing keeps one short line of what the job did.
    expect(count()).toBe(2);
    const last = memories(home)[1]!;
    expect(last).toMatchObject({ kind: "action", source: "job:peek" });
    expect(last.content).toMatch(/^Job peek \(manual trigger\) ran journal:today at /);
    expect(last.content.length).toBeLessThan(450);
  });

  it("a failing pack action is reported in one plain line, naming the command once", async () => {
    const home = initHome(tmpDir());
    // The notify pack without a topic fails with its own "notify:send failed: no ntfy topic: …".
    expect(pai(["pack", "install", "notify", "--yes"], { home }).code).toBe(0);
    const add = pai(["jobs", "add", "ping", "--manual", "--action", "notify", "--message", "hi"], { home });
    expect(add.stdout).toContain("A running daemon picks it up by itself; 'pai jobs run ping' fires it once now.");
    const run = pai(["jobs", "run", "ping"], { home });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("pai: ping failed: notify:send failed: no ntfy topic: set one with 'pai pack config notify topic YOUR-TOPIC' — see 'pai audit --job ping'\n");

    pai(["jobs", "add", "gated", "--webhook", "--action", "notify", "--message", "{{body}}", "--approval"], { home });
    const p = paths(home);
    const db = openDatabase(p.db);
    const waiting = await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "gated"), { trigger: "webhook", key: "w1", vars: { body: "deployed" } });
    db.close();
    const approve = pai(["approvals", "approve", String(waiting.approvalId)], { home });
    expect(approve.code).toBe(1);
    expect(approve.stderr).toBe(
      `pai: approved #${waiting.approvalId} (gated) but the action failed: notify:send failed: no ntfy topic: set one with 'pai pack config notify topic YOUR-TOPIC' — see 'pai audit --job gated'\n`,
    );
  });

  it("the rate limit is persisted across processes", () => {
    const home = initHome(tmpDir());
    pai(["jobs", "add", "limited", "--cron", "0 7 * * *", "--text", "x", "--rate", "2/1h"], { home });
    expect(pai(["jobs", "run", "limited"], { home }).code).toBe(0);
    expect(pai(["jobs", "run", "limited"], { home }).code).toBe(0);
    const third = pai(["jobs", "run", "limited", "--json"], { home });
    expect(third.code).toBe(1);
    expect(JSON.parse(third.stdout).status).toBe("rate_limited");
    expect(auditOf(home, "limited").some((e) => e.data.decision === "rate_limited")).toBe(true);
  });

  it("an approval-gated action does nothing until approved; a denial is recorded", async () => {
    const home = initHome(tmpDir());
    pai(["jobs", "add", "gated", "--webhook", "--text", "approved note {{body}}", "--approval"], { home });
    const p = paths(home);
    const job = getJob(p, "gated");
    const db = openDatabase(p.db);
    const ctx = { db, config: loadConfig(p.config), paths: p, secrets: new Secrets() };
    const first = await fireJob(ctx, job, { trigger: "webhook", key: "w1", vars: { body: "one" } });
    const second = await fireJob(ctx, job, { trigger: "webhook", key: "w2", vars: { body: "two" } });
    db.close();
    expect(first.status).toBe("waiting_approval");
    expect(second.status).toBe("waiting_approval");
    expect(memories(home)).toEqual([]); // nothing happened

    const list = JSON.parse(pai(["approvals", "list", "--json"], { home }).stdout);
    expect(list.map((a: any) => a.id)).toEqual([first.approvalId, second.approvalId]);
    const ok = pai(["approvals", "approve", String(first.approvalId)], { home });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/approved note one/);
    expect(memories(home).some((m) => m.content === "approved note one")).toBe(true);
    expect(pai(["approvals", "approve", String(first.approvalId)], { home }).stderr).toMatch(/already approved/);

    const deny = pai(["approvals", "deny", String(second.approvalId), "--reason", "not now"], { home });
    expect(deny.code).toBe(0);
    expect(memories(home).some((m) => m.content === "approved note two")).toBe(false);
    expect(JSON.parse(pai(["approvals", "list", "--json"], { home }).stdout)).toEqual([]);
    const decisions = auditOf(home, "gated").filter((e) => e.type === "approval").map((e) => e.data.decision);
    expect(decisions).toEqual(["approved", "denied"]);
    expect(pai(["approvals", "approve", "99"], { home }).code).toBe(1);
    expect(pai(["approvals", "deny", "abc"], { home }).code).toBe(2);
  });

  it("an approval stores no secret, and runs only the action that was put up for approval", async () => {
    const home = initHome(tmpDir());
    const secret = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    pai(["jobs", "add", "gated", "--webhook", "--text", `token note ${secret}`, "--approval"], { home });
    const p = paths(home);
    const db = openDatabase(p.db);
    const ctx = { db, config: loadConfig(p.config), paths: p, secrets: new Secrets() };
    const first = await fireJob(ctx, getJob(p, "gated"), { trigger: "webhook", key: "s1" });
    const second = await fireJob(ctx, getJob(p, "gated"), { trigger: "webhook", key: "s2" });
    const rows = db.prepare<{ action: string }>("SELECT action FROM approvals").all();
    db.close();
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.action).not.toContain(secret);

    // Approving runs the job's real action (the stored copy is only for display).
    const ok = pai(["approvals", "approve", String(first.approvalId)], { home });
    expect(ok.code).toBe(0);
    expect(memories(home).some((m) => m.content.startsWith("token note"))).toBe(true);

    // The job's action changed since the second request: approving it is refused, nothing runs.
    const file = join(home, "user", "jobs", "gated.json");
    const def = JSON.parse(readFileSync(file, "utf8"));
    def.action.text = "something else entirely";
    writeFileSync(file, JSON.stringify(def));
    const refused = pai(["approvals", "approve", String(second.approvalId)], { home });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^pai: job gated changed since approval #\d+ was requested — deny it/);
    expect(memories(home).some((m) => m.content === "something else entirely")).toBe(false);
  });

  it("the kill switch: a paused daemon fires nothing, and says so in the audit log", async () => {
    const home = initHome(tmpDir());
    pai(["jobs", "add", "w", "--webhook", "--text", "hello"], { home });
    expect(pai(["daemon", "pause"], { home }).code).toBe(0);
    const p = paths(home);
    const db = openDatabase(p.db);
    const r = await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "w"), { trigger: "webhook", key: "k1" });
    expect(r.status).toBe("paused");
    setPaused(db, false);
    const again = await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "w"), { trigger: "webhook", key: "k2" });
    expect(again.status).toBe("ok");
    const dup = await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "w"), { trigger: "webhook", key: "k2" });
    expect(dup.status).toBe("duplicate");
    db.close();
    expect(memories(home).filter((m) => m.content === "hello")).toHaveLength(1);
    expect(auditOf(home, "w").some((e) => e.data.decision === "paused")).toBe(true);
  });
});
