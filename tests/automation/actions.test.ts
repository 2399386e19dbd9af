import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { startFakeOllama } from "../helpers/fake-ollama.ts";
import { rig, waitFor } from "./helpers.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A loopback ntfy: records what it is sent. */
async function fakeNtfy(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "x1", event: "message" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  return { port: typeof addr === "object" && addr ? addr.port : 0, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe("actions through packs", () => {
  it("notify goes through the notify pack to ntfy (loopback), audited and remembered once", async () => {
    const ntfy = await fakeNtfy();
    try {
      const home = initHome(tmpDir());
      expect(pai(["pack", "install", "notify", "--yes"], { home }).code).toBe(0);
      expect(pai(["pack", "config", "notify", "server", `http://127.0.0.1:${ntfy.port}`], { home }).code).toBe(0);
      expect(pai(["pack", "config", "notify", "topic", "pai-alerts"], { home }).code).toBe(0);
      expect(pai(["jobs", "add", "alert", "--webhook", "--action", "notify", "--message", "backup finished", "--title", "pai"], { home }).code).toBe(0);
      const r = await paiAsync(["jobs", "run", "alert", "--json"], { home });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout).status).toBe("ok");
      expect(ntfy.seen).toHaveLength(1);
      expect(ntfy.seen[0]).toMatchObject({ method: "POST", url: "/pai-alerts", body: "backup finished" });
      expect(ntfy.seen[0]!.headers.title).toBe("pai");
      const audit = JSON.parse(pai(["audit", "--job", "alert", "--json"], { home }).stdout) as any[];
      expect(audit.find((e) => e.type === "action").data).toMatchObject({ action: "notify", status: "ok" });
      const mem = JSON.parse(pai(["memory", "list", "--json"], { home }).stdout) as any;
      const items = (Array.isArray(mem) ? mem : mem.items) as { kind: string }[];
      expect(items.filter((m) => m.kind === "action")).toHaveLength(1);
    } finally {
      await ntfy.close();
    }
  });

  it("ask sends the prompt with the user's context to the model, and the answer becomes an action memory", async () => {
    const s = await startFakeOllama({ reply: "Focus on the garden project today." });
    try {
      const home = initHome(tmpDir());
      expect(pai(["jobs", "add", "brief", "--cron", "0 7 * * *", "--prompt", "what should I focus on today?"], { home }).code).toBe(0);
      const r = await paiAsync(["jobs", "run", "brief"], { home, env: { OLLAMA_HOST: s.url } });
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("Focus on the garden project today.");
      const chat = s.requests.filter((q) => q.path === "/api/chat");
      expect(chat).toHaveLength(1);
      const sent = JSON.stringify(chat[0]!.body.messages);
      expect(sent).toContain("what should I focus on today?");
      expect(sent).toContain("Ada"); // the user's context went with it
      const mem = JSON.parse(pai(["memory", "list", "--json"], { home }).stdout) as any;
      const items = (Array.isArray(mem) ? mem : mem.items) as { kind: string; content: string }[];
      expect(items.some((m) => m.kind === "action" && m.content.includes("asked the model") && m.content.includes("garden project"))).toBe(true);
      // One item per firing: the exchange is not kept as an episode beside it.
      expect(items).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it("a failing pack command is recorded as an error, not a crash", async () => {
    const home = initHome(tmpDir());
    // 'pai jobs add' refuses a pack that is not installed: the file is written by hand, as a user might.
    writeFileSync(join(home, "user", "jobs", "ghost.json"), JSON.stringify({ trigger: { type: "webhook" }, action: { type: "pack", pack: "nosuch", command: "thing" } }));
    const r = await paiAsync(["jobs", "run", "ghost", "--json"], { home });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "error" });
    const audit = JSON.parse(pai(["audit", "--job", "ghost", "--json"], { home }).stdout) as any[];
    expect(audit.find((e) => e.type === "action").data.status).toBe("error");
  });

  it("hooks declared by installed packs: daemon.start and file.changed", async () => {
    const watched = tmpDir("pai-hook-");
    const r = await rig({}, undefined, (home) => {
      const dir = join(home, "hooky");
      mkdirSync(dir);
      writeFileSync(
        join(dir, "pack.json"),
        JSON.stringify({
          name: "hooky",
          version: "1.0.0",
          description: "reacts to events",
          commands: { echo: { description: "echoes", tier: "cli", exec: "echo", args: ["hooked", "{{vars.path}}"], permissions: { exec: ["echo"] } } },
          hooks: [
            { event: "daemon.start", command: "echo" },
            { event: "file.changed", command: "echo", paths: [watched] },
          ],
        }),
      );
      const inst = pai(["pack", "install", dir, "--yes"], { home });
      if (inst.code !== 0) throw new Error(inst.stderr);
    });
    try {
      await waitFor(() => r.firings("pack.hooky.echo.start").some((f) => f.status === "ok"), "the daemon.start hook");
      writeFileSync(join(watched, "x.txt"), "1");
      await waitFor(() => r.firings("pack.hooky.echo.file").some((f) => f.status === "ok"), "the file.changed hook");
    } finally {
      await r.close();
    }
  });
});

describe("stopping with an action running", () => {
  it("lets it finish within the grace period", async () => {
    const r = await rig({ slow: { trigger: { type: "manual" }, action: { type: "pack", pack: "slow", command: "nap", text: "0.4" } } }, undefined, (home) => {
      const dir = join(home, "slow-pack");
      mkdirSync(dir);
      writeFileSync(
        join(dir, "pack.json"),
        JSON.stringify({
          name: "slow",
          version: "1.0.0",
          description: "sleeps",
          commands: { nap: { description: "sleeps", tier: "cli", exec: "sleep", args: ["{{input}}"], permissions: { exec: ["sleep"] } } },
        }),
      );
      if (pai(["pack", "install", dir, "--yes"], { home }).code !== 0) throw new Error("pack install failed");
    });
    const { getJob } = await import("../../src/automation/jobs/store.ts");
    r.daemon.dispatch(getJob(r.p, "slow"), { trigger: "manual", key: "m1" });
    await waitFor(() => r.firings("slow")[0]?.status === "running", "the running action");
    const stopped = await r.daemon.stop(10_000, "test");
    expect(stopped).toEqual({ finished: 1, abandoned: 0 });
    expect(r.firings("slow")[0]!.status).toBe("ok");
    r.db.close();
  });
});
