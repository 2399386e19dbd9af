/** The daemon, jobs and packs agree: what a job needs is checked, named and shown, and a running daemon follows pack changes. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { makePack } from "../packs/helpers.ts";
import { waitFor } from "./helpers.ts";

const started: string[] = [];
afterEach(() => {
  while (started.length) pai(["daemon", "stop"], { home: started.pop()! });
});

/** A loopback ntfy: records the bodies it is sent. */
async function fakeNtfy(): Promise<{ url: string; bodies: string[]; titles: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const titles: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      bodies.push(body);
      titles.push(String(req.headers.title ?? ""));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "x1", event: "message" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`, bodies, titles, close: () => new Promise((r) => server.close(() => r())) };
}

describe("jobs and the packs they run", () => {
  it("jobs add refuses a pack that is not installed, or a command it lacks; nothing is written", () => {
    const home = initHome(tmpDir());
    const r = pai(["jobs", "add", "jot", "--manual", "--action", "pack", "--command", "journal:write", "--text", "x"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("pai: job jot was not added: the pack 'journal' is not installed — install it first ('pai pack install journal'; 'pai pack list --available' shows the packs)\n");
    expect(existsSync(join(home, "user", "jobs", "jot.json"))).toBe(false);
    const notify = pai(["jobs", "add", "ping", "--manual", "--action", "notify", "--message", "hi"], { home });
    expect(notify.code).toBe(1);
    expect(notify.stderr).toMatch(/the pack 'notify' is not installed/);
    expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
    const wrong = pai(["jobs", "add", "jot", "--manual", "--action", "pack", "--command", "journal:nope"], { home });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^pai: job jot was not added: the pack 'journal' has no command 'nope' \(it has: .*write.*\) — 'pai pack info journal' lists its commands\n$/);
    expect(pai(["jobs", "add", "jot", "--manual", "--action", "pack", "--command", "journal:write", "--text", "x"], { home }).code).toBe(0);
  });

  it("uninstalling a pack names the jobs that use it, and jobs list marks them broken", () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
    expect(pai(["jobs", "add", "jot", "--manual", "--action", "pack", "--command", "journal:write", "--text", "x"], { home }).code).toBe(0);
    expect(pai(["jobs", "add", "note", "--manual", "--text", "plain"], { home }).code).toBe(0);
    const un = pai(["pack", "uninstall", "journal"], { home });
    expect(un.code).toBe(0);
    expect(un.stdout).toBe("Uninstalled journal.\n");
    expect(un.stderr).toBe("warning: the job jot uses journal and will fail until it is installed again ('pai pack install journal') or it is removed ('pai jobs remove NAME')\n");
    const list = pai(["jobs", "list"], { home, env: { COLUMNS: "200" } });
    expect(list.stdout).toMatch(/^jot\s+broken\s/m);
    expect(list.stdout).toMatch(/^note\s+yes\s/m);
    expect(list.stdout).toContain("broken jot: the pack 'journal' is not installed — install it, or 'pai jobs remove jot'");
    const json = JSON.parse(pai(["jobs", "list", "--json"], { home }).stdout);
    expect(json.jobs.find((j: any) => j.name === "jot").broken).toBe("the pack 'journal' is not installed");
    expect(json.jobs.find((j: any) => j.name === "note").broken).toBeUndefined();
    expect(pai(["pack", "install", "journal", "--yes"], { home }).code).toBe(0);
    expect(JSON.parse(pai(["jobs", "list", "--json"], { home }).stdout).jobs.find((j: any) => j.name === "jot").broken).toBeUndefined();
  });

  it("approvals show renders exactly what approving sends; list has a one-line preview", async () => {
    const home = initHome(tmpDir());
    expect(pai(["pack", "install", "notify", "--yes"], { home }).code).toBe(0);
    expect(pai(["jobs", "add", "gated", "--webhook", "--action", "notify", "--title", "deploy {{status}}", "--message", "deployed {{body}} to prod", "--approval"], { home }).code).toBe(0);
    const { paths } = await import("../../src/kernel/paths.ts");
    const { openDatabase } = await import("../../src/app/db.ts");
    const { loadConfig } = await import("../../src/config/index.ts");
    const { fireJob, getJob } = await import("../../src/automation/jobs/index.ts");
    const { Secrets } = await import("../../src/kernel/secrets.ts");
    const p = paths(home);
    const db = openDatabase(p.db);
    const waiting = await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "gated"), { trigger: "webhook", key: "w1", vars: { body: "v2.1", status: "ok" } });
    db.close();
    const show = pai(["approvals", "show", String(waiting.approvalId)], { home });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("sends    through the notify pack (send)");
    expect(show.stdout).toContain("title    deploy ok");
    expect(show.stdout).toContain("message  deployed v2.1 to prod");
    expect(show.stdout).toContain(`Approve: pai approvals approve ${waiting.approvalId}`);
    const list = pai(["approvals", "list"], { home, env: { COLUMNS: "250" } });
    expect(list.stdout).toContain("sends through the notify pack (send) · title deploy ok · message deployed v2.1 to prod");
    const json = JSON.parse(pai(["approvals", "show", String(waiting.approvalId), "--json"], { home }).stdout);
    expect(json.rendered).toMatchObject({ message: "deployed v2.1 to prod", title: "deploy ok" });
    expect(pai(["approvals", "show", "999"], { home }).stderr).toMatch(/^pai: no approval #999 — /);
    expect(pai(["approvals", "show", "x"], { home }).code).toBe(2);
  });

  it("a job can ask and then deliver the answer through notify", async () => {
    const s = await startFakeOllama({ reply: "Three things: garden, taxes, call Bob." });
    const ntfy = await fakeNtfy();
    try {
      const home = initHome(tmpDir());
      expect(pai(["pack", "install", "notify", "--yes"], { home }).code).toBe(0);
      expect(pai(["pack", "config", "notify", "server", ntfy.url], { home }).code).toBe(0);
      expect(pai(["pack", "config", "notify", "topic", "brief"], { home }).code).toBe(0);
      const add = pai(["jobs", "add", "brief", "--cron", "0 7 * * *", "--action", "ask", "--prompt", "my day in three lines", "--then", "notify", "--title", "Morning brief"], { home });
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toContain('ask "my day in three lines" then notify');
      const r = await paiAsync(["jobs", "run", "brief"], { home, env: { OLLAMA_HOST: s.url } });
      expect(r.stderr).toBe("");
      expect(ntfy.bodies).toEqual(["Three things: garden, taxes, call Bob."]);
      expect(ntfy.titles).toEqual(["Morning brief"]);
      expect(pai(["jobs", "add", "x", "--manual", "--prompt", "p", "--then", "mail"], { home }).code).toBe(2);
    } finally {
      await s.close();
      await ntfy.close();
    }
  });

  it("a running daemon picks up pack installs and uninstalls without a restart", { timeout: 60_000 }, async () => {
    const home = initHome(tmpDir());
    const watched = tmpDir("pai-hook-");
    const dir = makePack({
      name: "hooky",
      version: "1.0.0",
      description: "reacts to events",
      commands: { echo: { description: "echoes", tier: "cli", exec: "echo", args: ["hooked"], permissions: { exec: ["echo"] } } },
      hooks: [{ event: "file.changed", command: "echo", paths: [watched] }],
    });
    expect(pai(["daemon", "start"], { home }).code).toBe(0);
    started.push(home);
    const log = () => readFileSync(join(home, "user", "logs", "daemon.log"), "utf8");
    expect(pai(["pack", "install", dir, "--yes"], { home }).code).toBe(0);
    await waitFor(() => log().includes("packs changed: reloading"), "the daemon's reload");
    const fired = () => JSON.parse(pai(["audit", "--json"], { home }).stdout).filter((e: any) => e.job === "pack.hooky.echo.file" && e.type === "action").length;
    await waitFor(() => {
      writeFileSync(join(watched, "a.txt"), String(Date.now()));
      return fired() > 0;
    }, "the installed pack's hook");
    expect(pai(["pack", "uninstall", "hooky"], { home }).code).toBe(0);
    await waitFor(() => log().split("packs changed: reloading").length > 2, "the reload after uninstall");
    await new Promise((r) => setTimeout(r, 500));
    const before = fired();
    writeFileSync(join(watched, "b.txt"), "2");
    await new Promise((r) => setTimeout(r, 1500));
    expect(fired()).toBe(before);
  });
});
