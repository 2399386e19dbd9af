import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listAudit } from "../../src/automation/audit/index.ts";
import { getJobState } from "../../src/automation/jobs/state.ts";
import { setPaused } from "../../src/automation/state.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { rig, waitFor } from "./helpers.ts";

const remember = (text: string) => ({ type: "remember", text });

describe("file trigger (a real chokidar watcher on a temp folder)", () => {
  it("fires once per burst of changes (debounced), with the changed path", async () => {
    const dir = tmpDir("pai-watch-");
    // A burst is the five writes below, made at once; the debounce is long enough that a busy machine cannot split it.
    const r = await rig({ notes: { trigger: { type: "file", path: dir, debounceMs: 1000 }, action: remember("changed {{path}} ({{event}})") } });
    try {
      for (let i = 0; i < 5; i++) writeFileSync(join(dir, "a.md"), `draft ${i}\n`);
      await waitFor(() => r.firings("notes").length === 1 && r.firings("notes")[0]!.status === "ok", "the file firing");
      await r.daemon.idle();
      expect(r.memories().find((m) => m.kind === "note")?.content).toMatch(new RegExp(`changed ${join(dir, "a.md")} \\((add|change)\\)`));
      writeFileSync(join(dir, "b.md"), "other\n");
      await waitFor(() => r.firings("notes").length === 2, "the second firing");
    } finally {
      await r.close();
    }
  });

  it("a paused daemon fires nothing", async () => {
    const dir = tmpDir("pai-watch-");
    const r = await rig({ w: { trigger: { type: "file", path: dir, debounceMs: 50 }, action: remember("should not happen") } });
    try {
      setPaused(r.db, true);
      writeFileSync(join(dir, "x.txt"), "1");
      // Creating a file is an add and a change: one firing, or two if a busy machine spaces them past the debounce.
      await waitFor(() => r.firings("w").length >= 1, "the paused firing");
      for (const f of r.firings("w")) expect(f.status).toBe("paused");
      await r.daemon.idle();
      expect(r.memories()).toEqual([]);
    } finally {
      await r.close();
    }
  });
});

describe("threshold trigger (a real command, argv without a shell)", () => {
  it("fires on the crossing only, and remembers its side across a restart", async () => {
    const dir = tmpDir("pai-thr-");
    const value = join(dir, "value");
    const script = join(dir, "read.sh");
    writeFileSync(script, '#!/bin/sh\nprintf "usage: %s%%\\n" "$(cat "$1")"\n');
    writeFileSync(value, "50");
    const spec = {
      trigger: { type: "threshold", command: ["sh", script, value], above: 90, intervalMs: 3_600_000 },
      action: remember("disk at {{value}}%"),
    };
    let r = await rig({ disk: spec });
    try {
      await waitFor(() => getJobState(r.db, "disk")?.threshold_on === 0, "the first check");
      writeFileSync(value, "95");
      await r.daemon.poll("disk");
      expect(r.firings("disk")).toHaveLength(1);
      await r.daemon.poll("disk"); // still above: no new firing
      await r.daemon.poll("disk");
      expect(r.firings("disk")).toHaveLength(1);
      writeFileSync(value, "40");
      await r.daemon.poll("disk");
      expect(getJobState(r.db, "disk")?.threshold_on).toBe(0);
      writeFileSync(value, "99");
      await r.daemon.poll("disk");
      expect(r.firings("disk")).toHaveLength(2);
      await r.daemon.idle();
      expect(r.memories().filter((m) => m.kind === "note").map((m) => m.content)).toEqual(["disk at 95%", "disk at 99%"]);
    } finally {
      await r.close();
    }
    // A restart with the value still above the bound does not fire again.
    const { Daemon } = await import("../../src/automation/daemon/daemon.ts");
    const { openDatabase } = await import("../../src/app/db.ts");
    const db = openDatabase(r.p.db);
    const d2 = new Daemon({ paths: r.p, config: r.config, db, log: () => {}, watchJobs: false });
    await d2.start();
    await d2.poll("disk");
    await new Promise((res) => setTimeout(res, 100));
    expect(db.prepare<{ n: number }>("SELECT count(*) AS n FROM job_firings WHERE job = 'disk'").get()!.n).toBe(2);
    await d2.stop(100);
    db.close();
  });

  it("checks on its interval in real time and reports a broken command once", async () => {
    const dir = tmpDir("pai-thr-");
    const value = join(dir, "v");
    writeFileSync(value, "1");
    const r = await rig({
      low: { trigger: { type: "threshold", file: value, below: 10, intervalMs: 100 }, action: remember("low {{value}}") },
      broken: { trigger: { type: "threshold", command: ["/nonexistent/prog"], above: 1, intervalMs: 100 }, action: remember("x") },
    });
    try {
      await waitFor(() => r.firings("low").length === 1, "the low firing");
      await waitFor(() => listAudit(r.db, { job: "broken" }).some((e) => e.type === "error"), "the error entry");
      await new Promise((res) => setTimeout(res, 350));
      expect(listAudit(r.db, { job: "broken" }).filter((e) => e.type === "error")).toHaveLength(1);
      expect(r.firings("low")).toHaveLength(1);
    } finally {
      await r.close();
    }
  });
});

describe("webhook (loopback HTTP)", () => {
  it("requires the token in a header, refuses it in the URL, bounds the body", async () => {
    const r = await rig(
      { hook: { trigger: { type: "webhook" }, action: remember("hook said {{body}}") }, other: { trigger: { type: "manual" }, action: remember("x") } },
      (c) => ({ ...c, daemon: { ...c.daemon, webhook: { ...c.daemon.webhook, enabled: true, port: 0, maxBodyBytes: 1024, tokenEnv: "PAI_TEST_NO_SUCH_TOKEN" } } }),
    );
    try {
      const port = r.daemon.webhookPort!;
      const tokenFile = join(r.p.run, "webhook.token");
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      const token = (await import("node:fs")).readFileSync(tokenFile, "utf8").trim();
      const url = `http://127.0.0.1:${port}/hooks/hook`;
      const post = (u: string, headers: Record<string, string>, body = "ping") => fetch(u, { method: "POST", headers, body });

      expect((await post(url, {})).status).toBe(401);
      expect((await post(url, { authorization: "Bearer wrong-token" })).status).toBe(401);
      expect((await post(`${url}?token=${token}`, {})).status).toBe(400);
      expect((await post(`${url}?token=${token}`, { authorization: `Bearer ${token}` })).status).toBe(400);
      expect((await post(url, { "x-pai-token": token }, "x".repeat(1025))).status).toBe(413);
      expect((await post(`http://127.0.0.1:${port}/hooks/other`, { "x-pai-token": token })).status).toBe(404);
      expect((await fetch(url, { headers: { "x-pai-token": token } })).status).toBe(405);
      expect(r.firings()).toEqual([]);

      const ok = await post(url, { authorization: `Bearer ${token}` }, "deploy done");
      expect(ok.status).toBe(202);
      expect(await ok.json()).toMatchObject({ job: "hook", status: "running" });
      expect((await post(url, { "x-pai-token": token }, "second")).status).toBe(202);
      await waitFor(() => r.firings("hook").filter((f) => f.status === "ok").length === 2, "two webhook runs");
      await r.daemon.idle();
      expect(r.memories().filter((m) => m.kind === "note").map((m) => m.content)).toEqual(["hook said deploy done", "hook said second"]);
      // Refusals are counted, and written as one entry (per minute, and at the stop).
      expect(listAudit(r.db).filter((e) => e.data.decision === "webhook_refused")).toEqual([]);
      await r.daemon.stop(1000);
      const refused = listAudit(r.db).filter((e) => e.data.decision === "webhook_refused");
      expect(refused).toHaveLength(1);
      expect(refused[0]!.data.count).toBe(6);
      const byStatus = (refused[0]!.data.refused as { status: number; count: number }[]).map((k) => [k.status, k.count]);
      expect(byStatus.sort()).toEqual([[400, 2], [401, 2], [405, 1], [413, 1]]);
      expect(JSON.stringify(listAudit(r.db))).not.toContain(token);
    } finally {
      await r.close();
    }
  });

  it("is off unless enabled", async () => {
    const r = await rig({ hook: { trigger: { type: "webhook" }, action: remember("x") } });
    try {
      expect(r.daemon.webhookPort).toBeUndefined();
    } finally {
      await r.close();
    }
  });
});

describe("webhook token from the environment", () => {
  it("uses the variable named by daemon.webhook.tokenEnv and writes no token file", async () => {
    process.env.PAI_TEST_HOOK_TOKEN = "env-token-for-the-webhook-test";
    try {
      const r = await rig({ hook: { trigger: { type: "webhook" }, action: remember("env hook") } }, (c) => ({
        ...c,
        daemon: { ...c.daemon, webhook: { ...c.daemon.webhook, enabled: true, port: 0, tokenEnv: "PAI_TEST_HOOK_TOKEN" } },
      }));
      try {
        const url = `http://127.0.0.1:${r.daemon.webhookPort}/hooks/hook`;
        expect((await fetch(url, { method: "POST", headers: { "x-pai-token": "env-token-for-the-webhook-tesT" } })).status).toBe(401);
        expect((await fetch(url, { method: "POST", headers: { "x-pai-token": "env-token-for-the-webhook-test" } })).status).toBe(202);
        expect((await import("node:fs")).existsSync(join(r.p.run, "webhook.token"))).toBe(false);
        await waitFor(() => r.firings("hook").some((f) => f.status === "ok"), "the run");
      } finally {
        await r.close();
      }
    } finally {
      delete process.env.PAI_TEST_HOOK_TOKEN;
    }
  });
});

describe("file trigger on a path that does not exist yet", () => {
  it("starts watching it once it appears", async () => {
    const parent = tmpDir("pai-watch-");
    const dir = join(parent, "later");
    const r = await rig({ later: { trigger: { type: "file", path: dir, debounceMs: 50 }, action: remember("later {{path}}") } });
    try {
      (await import("node:fs")).mkdirSync(dir);
      // Once the folder is watched, a write in it fires (retry: the folder is picked up within a few seconds).
      let last = 0;
      await waitFor(() => {
        if (Date.now() - last > 400) {
          writeFileSync(join(dir, "f.txt"), String(Date.now()));
          last = Date.now();
        }
        return r.firings("later").length > 0;
      }, "the firing in the new folder");
    } finally {
      await r.close();
    }
  });
});
