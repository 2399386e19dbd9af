import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { packHooks } from "../../src/packs/index.ts";
import { pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { home, install, makePack, memories, runIn, runs } from "./helpers.ts";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  delete process.env.PAI_TEST_SECRET;
});

/** A loopback HTTP server that records every request. */
async function loopback(): Promise<{ url: string; host: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.url === "/redirect") {
      res.writeHead(302, { location: `http://localhost:${(server.address() as AddressInfo).port}/elsewhere` });
      return res.end();
    }
    res.end("pong");
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, hits };
}

const CODE = `
export async function fetchIt(ctx) { const r = await ctx.fetch(ctx.text); return await r.text(); }
export async function readIt(ctx) { return await ctx.fs.readText(ctx.text); }
export async function writeIt(ctx) { return await ctx.fs.writeText(ctx.vars.path, ctx.text); }
export async function execIt(ctx) { const r = await ctx.exec(ctx.args[0], ctx.args.slice(1)); return r.stdout.trim(); }
export async function env(ctx) { return JSON.stringify({ env: ctx.env, leaked: process.env.PAI_TEST_SECRET === undefined ? null : "visible-in-process" }); }
export async function boom() { throw new Error("kaput"); }
`;

function guarded(host: string, allowedDir: string) {
  return makePack(
    {
      name: "guarded",
      version: "1.0.0",
      description: "tries things",
      commands: {
        fetch: { tier: "code", description: "fetch", module: "g.ts", export: "fetchIt", permissions: { network: [host] } },
        read: { tier: "code", description: "read", module: "g.ts", export: "readIt", permissions: { read: [allowedDir] } },
        write: { tier: "code", description: "write", module: "g.ts", export: "writeIt", permissions: { write: [allowedDir] } },
        exec: { tier: "code", description: "exec", module: "g.ts", export: "execIt", permissions: { exec: ["echo"] } },
        secret: { tier: "code", description: "env", module: "g.ts", export: "env", permissions: { env: ["PAI_TEST_SECRET"] } },
        nosecret: { tier: "code", description: "env", module: "g.ts", export: "env" },
        printenv: { tier: "cli", description: "env of a child", exec: "env", args: [], permissions: { exec: ["env"] } },
        printenv2: { tier: "cli", description: "env of a child", exec: "env", args: [], permissions: { exec: ["env"], env: ["PAI_TEST_SECRET"] } },
        echo: { tier: "cli", description: "echo", exec: "echo", args: ["[{{input}}]", "{{args}}", "{{who}}"], permissions: { exec: ["echo"] } },
        cat: { tier: "cli", description: "cat a granted file", exec: "cat", args: ["{{read:arg1}}"], permissions: { exec: ["cat"], read: [allowedDir] } },
        boom: { tier: "code", description: "fails", module: "g.ts", export: "boom" },
      },
      hooks: [
        { event: "file.changed", command: "read", paths: [allowedDir] },
        { event: "schedule", command: "boom", cron: "0 * * * *" },
      ],
    },
    { "g.ts": CODE },
  );
}

describe("running pack commands within their permissions", () => {
  it("the fetch handed to code reaches declared hosts only; redirects to other hosts are refused", async () => {
    const p = home();
    const srv = await loopback();
    await install(p, guarded(srv.host, tmpDir()));
    const ok = await runIn({ pack: "guarded", command: "fetch" }, { text: `${srv.url}/ping` }, { paths: p });
    expect(ok).toMatchObject({ ok: true, output: "pong", tier: "code" });
    const other = await loopback();
    const refused = await runIn({ pack: "guarded", command: "fetch" }, { text: `${other.url}/x` }, { paths: p });
    expect(refused.ok).toBe(false);
    expect(refused.outcome).toBe("refused");
    expect(refused.output).toBe(`guarded:fetch may not reach ${other.host}: the host is not among those it declared and was granted`);
    expect(other.hits).toEqual([]);
    const redirected = await runIn({ pack: "guarded", command: "fetch" }, { text: `${srv.url}/redirect` }, { paths: p });
    expect(redirected.output).toMatch(/may not reach localhost:\d+/);
    expect(srv.hits).toEqual(["GET /ping", "GET /redirect"]);
  });

  it("files: reads and writes inside the grants only (.. and symlinks do not escape)", async () => {
    const p = home();
    const allowed = tmpDir();
    const outside = tmpDir();
    require("node:fs").writeFileSync(join(outside, "secret.txt"), "no");
    require("node:fs").symlinkSync(outside, join(allowed, "link"));
    await install(p, guarded("example.com", allowed));
    const w = await runIn({ pack: "guarded", command: "write" }, { text: "hi", vars: { path: join(allowed, "sub", "a.txt") } }, { paths: p });
    expect(w.ok).toBe(true);
    expect(readFileSync(join(allowed, "sub", "a.txt"), "utf8")).toBe("hi");
    for (const target of [join(outside, "b.txt"), `${allowed}/../${outside.split("/").pop()}/b.txt`, join(allowed, "link", "b.txt")]) {
      const r = await runIn({ pack: "guarded", command: "write" }, { text: "x", vars: { path: target } }, { paths: p });
      expect(r.outcome).toBe("refused");
      expect(r.output).toMatch(/^guarded:write may not write .*: it is outside the paths it was granted$/);
    }
    expect(existsSync(join(outside, "b.txt"))).toBe(false);
    const r = await runIn({ pack: "guarded", command: "read" }, { text: join(allowed, "link", "secret.txt") }, { paths: p });
    expect(r.outcome).toBe("refused");
    const cat = await runIn({ pack: "guarded", command: "cat" }, { args: [join(outside, "secret.txt")] }, { paths: p });
    expect(cat.outcome).toBe("refused");
    expect(cat.output).toMatch(/guarded:cat may not read/);
  });

  it("executables: only declared ones run, spawned with an argv array (no shell)", async () => {
    const p = home();
    await install(p, guarded("example.com", tmpDir()));
    const ok = await runIn({ pack: "guarded", command: "exec" }, { args: ["echo", "hi"] }, { paths: p });
    expect(ok.output).toBe("hi");
    const refused = await runIn({ pack: "guarded", command: "exec" }, { args: ["rm", "-rf", "/nonexistent"] }, { paths: p });
    expect(refused.outcome).toBe("refused");
    expect(refused.output).toBe("guarded:exec may not run 'rm': the executable is not among those it declared and was granted");
    const echo = await runIn({ pack: "guarded", command: "echo" }, { args: ["a;", "$(whoami)"], vars: { who: "`id`" } }, { paths: p });
    expect(echo.output).toBe("[a; $(whoami)] a; $(whoami) `id`");
  });

  it("secrets reach only the commands that declared them, and never the run records or memory", async () => {
    const p = home();
    process.env.PAI_TEST_SECRET = "s3cr3t-value-123";
    await install(p, guarded("example.com", tmpDir()));
    const withIt = await runIn({ pack: "guarded", command: "secret" }, {}, { paths: p });
    // The command had the value (what it returns is redacted at the source: the value's place shows it).
    expect(JSON.parse(withIt.output).env).toEqual({ PAI_TEST_SECRET: "[REDACTED:secret]" });
    const without = await runIn({ pack: "guarded", command: "nosecret" }, {}, { paths: p });
    expect(JSON.parse(without.output).env).toEqual({});
    const child = await runIn({ pack: "guarded", command: "printenv" }, {}, { paths: p });
    expect(child.output).not.toContain("PAI_TEST_SECRET");
    const child2 = await runIn({ pack: "guarded", command: "printenv2" }, {}, { paths: p });
    expect(child2.output).toContain("PAI_TEST_SECRET=[REDACTED:secret]");
    const stored = JSON.stringify([runs(p), memories(p)]);
    expect(stored).not.toContain("s3cr3t-value-123");
    expect(stored).toContain("[REDACTED:secret]");
  });

  it("every run is recorded (pack, command, tier, args, outcome) and its result becomes an action memory", async () => {
    const p = home();
    await install(p, guarded("example.com", tmpDir()));
    const r = await runIn({ pack: "guarded", command: "echo" }, { args: ["one", "two"] }, { paths: p, origin: "daemon:test" });
    expect(r.memoryId).toBeGreaterThan(0);
    const failed = await runIn({ pack: "guarded", command: "boom" }, {}, { paths: p });
    expect(failed).toMatchObject({ ok: false, outcome: "failed", output: "guarded:boom failed: kaput" });
    const rows = runs(p);
    expect(rows.map((x) => [x.pack, x.command, x.tier, x.args, x.origin, x.outcome])).toEqual([
      ["guarded", "echo", "cli", '["one","two"]', "daemon:test", "ok"],
      ["guarded", "boom", "code", "[]", "cli", "failed"],
    ]);
    expect(rows[1]!.error).toBe("guarded:boom failed: kaput");
    const mem = memories(p).find((m) => m.id === r.memoryId)!;
    expect(mem).toMatchObject({ kind: "action", source: "pack:guarded:echo" });
    expect(mem.content).toContain("[one two] one two");
  });

  it("a job's grants narrow what a command may do", async () => {
    const p = home();
    const srv = await loopback();
    await install(p, guarded(srv.host, tmpDir()));
    const none = { network: [], read: [], write: [], env: [], exec: [] };
    const r = await runIn({ pack: "guarded", command: "fetch" }, { text: `${srv.url}/ping` }, { paths: p, grants: none });
    expect(r.outcome).toBe("refused");
    const r2 = await runIn({ pack: "guarded", command: "fetch" }, { text: `${srv.url}/ping` }, { paths: p, grants: { ...none, network: [srv.host] } });
    expect(r2.output).toBe("pong");
  });

  it("unknown packs and commands are clear errors; hooks are exposed with expanded paths", async () => {
    const p = home();
    const dir = tmpDir();
    await install(p, guarded("example.com", dir));
    await expect(runIn({ pack: "nope", command: "x" }, {}, { paths: p })).rejects.toThrow(/no installed pack 'nope'/);
    await expect(runIn({ pack: "guarded", command: "x" }, {}, { paths: p })).rejects.toThrow(/pack 'guarded' has no command 'x' — |has no command 'x'/);
    expect(packHooks(p, loadConfig(p.config))).toEqual([
      { pack: "guarded", command: "read", event: "file.changed", cron: undefined, paths: [dir], description: undefined },
      { pack: "guarded", command: "boom", event: "schedule", cron: "0 * * * *", paths: undefined, description: undefined },
    ]);
  });

  it("pai run: output on stdout, a refusal is one line on stderr with exit 1, --json has a stable shape", async () => {
    const p = home();
    await install(p, guarded("example.com", tmpDir()));
    const ok = pai(["run", "guarded:echo", "hello"], { home: p.home });
    expect(ok).toMatchObject({ code: 0, stdout: "[hello] hello\n" });
    const refused = pai(["run", "guarded:exec", "ls"], { home: p.home });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("pai: guarded:exec may not run 'ls': the executable is not among those it declared and was granted — allowed executables: echo\n");
    const json = JSON.parse(pai(["run", "guarded:echo", "--json", "x"], { home: p.home }).stdout);
    expect(Object.keys(json)).toEqual(["ok", "pack", "command", "tier", "run_id", "memory_id", "output", "data", "error"]);
    const usage = pai(["run", "nocolon"], { home: p.home });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^pai: 'nocolon' is not PACK:COMMAND — /);
    const stdin = pai(["run", "guarded:echo", "-"], { home: p.home, input: "from stdin" });
    expect(stdin.stdout).toBe("[from stdin]\n");
  });
});
