/**
 * No network listener unless the user enables one: `pai mcp` speaks stdio only, the daemon listens nowhere by
 * default, and with daemon.webhook.enabled it listens on 127.0.0.1 only, wants the token in a header (never
 * the URL), bounds the body, and writes no secret from a request to its log, database or audit trail.
 * Sockets are read from /proc: every socket the process (and its children) holds, matched against the
 * kernel's tables of listening TCP and bound UDP sockets.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { PAI_BIN, pai, ROOT } from "../helpers/cli.ts";
import { ALL_SECRETS, expectAbsent, expectNoSecretsStored, plantedHome, SECRET_TEXT } from "./helpers.ts";

const onLinux = existsSync("/proc/net/tcp");

/** The pid and every descendant of it. */
function family(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {}
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

function socketInodes(pids: number[]): Set<string> {
  const out = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) out.add(m[1]!);
      } catch {}
    }
  }
  return out;
}

function hexAddress(hex: string): string {
  const [addr, port] = hex.split(":") as [string, string];
  if (addr.length === 8) {
    const bytes = addr.match(/../g)!.map((b) => Number.parseInt(b, 16)).reverse();
    return `${bytes.join(".")}:${Number.parseInt(port, 16)}`;
  }
  return `[${addr}]:${Number.parseInt(port, 16)}`;
}

/** Listening TCP sockets and bound UDP sockets held by the process or its children: "tcp 127.0.0.1:8787". */
function listeners(pid: number): string[] {
  const inodes = socketInodes(family(pid));
  const out: string[] = [];
  for (const proto of ["tcp", "tcp6", "udp", "udp6"]) {
    const file = `/proc/net/${proto}`;
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const [local, state, inode] = [cols[1]!, cols[3]!, cols[9]!];
      const listening = proto.startsWith("tcp") ? state === "0A" : true;
      if (listening && inodes.has(inode)) out.push(`${proto} ${hexAddress(local)}`);
    }
  }
  return out;
}

describe.skipIf(!onLinux)("network listeners", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  it("pai mcp serves over stdio and holds no listening socket", async () => {
    const { home } = plantedHome();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.PAI_HOME = home;
    const transport = new StdioClientTransport({ command: PAI_BIN, args: ["mcp"], env, cwd: ROOT, stderr: "pipe" });
    const client = new Client({ name: "pai-security-test", version: "0.0.0" });
    await client.connect(transport);
    cleanups.push(() => client.close());
    // A full round trip first, so the server has opened everything it will open.
    const tools = await client.listTools();
    expect(tools.tools.length).toBeGreaterThan(0);
    await client.callTool({ name: "context", arguments: { query: "goals" } });
    expect(transport.pid).toBeTypeOf("number");
    expect(listeners(transport.pid!)).toEqual([]);
  });

  it("the daemon listens nowhere by default; with the webhook on, only on 127.0.0.1, with the token in a header", async () => {
    const { home, p } = plantedHome();
    const token = "wh-token-0123456789abcdef0123456789";
    const env = { PAI_WEBHOOK_TOKEN: token };
    writeFileSync(join(p.jobs, "hook.json"), JSON.stringify({ trigger: { type: "webhook" }, action: { type: "remember", text: "hook says {{body}}" } }));

    const start = (): number => {
      const r = pai(["daemon", "start", "--json"], { home, env });
      expect(r.code).toBe(0);
      cleanups.push(() => pai(["daemon", "stop"], { home }));
      return JSON.parse(r.stdout).pid as number;
    };
    const pid = start();
    expect(listeners(pid)).toEqual([]);
    expect(pai(["daemon", "stop"], { home }).code).toBe(0);

    const raw = JSON.parse(readFileSync(p.config, "utf8"));
    raw.daemon = { webhook: { enabled: true, port: 0, maxBodyBytes: 4096 } };
    writeFileSync(p.config, JSON.stringify(raw, null, 2));
    const pid2 = start();
    // The daemon records the port once the listener is up.
    let port: number | undefined;
    for (let i = 0; i < 200 && !port; i++) {
      const status = JSON.parse(pai(["daemon", "status", "--json"], { home }).stdout);
      port = status.webhook_port ?? status.webhookPort ?? undefined;
      if (!port) await new Promise((r) => setTimeout(r, 50));
    }
    expect(port).toBeGreaterThan(0);
    expect(listeners(pid2)).toEqual([`tcp 127.0.0.1:${port}`]);

    const url = `http://127.0.0.1:${port}/hooks/hook`;
    const post = (u: string, headers: Record<string, string>, body = "hello") => fetch(u, { method: "POST", headers, body });
    expect((await post(url, {})).status).toBe(401);
    expect((await post(url, { authorization: "Bearer wrong-token" })).status).toBe(401);
    expect((await post(`${url}?token=${token}`, { authorization: `Bearer ${token}` })).status).toBe(400);
    expect((await post(`${url}?t=${token}`, {})).status).toBe(400);
    expect((await post(url, { authorization: `Bearer ${token}` }, "x".repeat(5000))).status).toBe(413);
    const ok = await post(url, { "x-pai-token": token }, `from the hook: ${SECRET_TEXT}`);
    expect(ok.status).toBe(202);
    // Wait for the job to have remembered the body.
    let stored = "";
    for (let i = 0; i < 200 && !stored.includes("hook says"); i++) {
      stored = pai(["memory", "search", "hook", "--json"], { home }).stdout;
      if (!stored.includes("hook says")) await new Promise((r) => setTimeout(r, 50));
    }
    expect(stored).toContain("hook says from the hook");
    expect(stored).toContain("[REDACTED:");
    expect(pai(["daemon", "stop"], { home }).code).toBe(0);
    expectNoSecretsStored(p);
    const logs = readFileSync(join(p.logs, "daemon.log"), "utf8");
    expectAbsent(logs, [token, ...ALL_SECRETS], "user/logs/daemon.log");
    expect(logs).toMatch(/webhook refused: 40[01]/);
    const audit = pai(["audit", "--json"], { home });
    expectAbsent(audit.stdout, [token, ...ALL_SECRETS], "pai audit");
    expect(audit.stdout).toContain("webhook_refused");
  });
});

describe("the source", () => {
  /** Every .ts/.tsx file under a folder of the install. */
  function sources(dir: string): string[] {
    const out: string[] = [];
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const f = join(dir, e.name);
      if (e.isDirectory()) out.push(...sources(f));
      else if (/\.tsx?$/.test(e.name)) out.push(f);
    }
    return out;
  }

  it("opens a network server in one place only, the webhook, bound to 127.0.0.1; the daemon's socket is a Unix socket file", () => {
    const servers: string[] = [];
    for (const f of [...sources(join(ROOT, "src")), ...sources(join(ROOT, "packs"))]) {
      const text = readFileSync(f, "utf8");
      if (/createServer\(|\.listen\(|Bun\.serve\(|node:net|node:dgram|createSocket\(/.test(text)) servers.push(f.slice(ROOT.length + 1));
    }
    // The daemon's read-only socket (server) and its client: a path under user/run/, never a port.
    // The dashboard (pai serve): loopback only, checked below and in tests/web/serve-security.test.ts.
    expect(servers.sort()).toEqual(["src/automation/daemon/resident.ts", "src/automation/daemon/webhook.ts", "src/cli/resident.ts", "src/web/server.ts"]);
    const dashboard = readFileSync(join(ROOT, "src/web/server.ts"), "utf8");
    expect(dashboard.match(/Bun\.serve\(\{ hostname: "[^"]+"/g)).toEqual(['Bun.serve({ hostname: "127.0.0.1"', 'Bun.serve({ hostname: "::1"']);
    const resident = readFileSync(join(ROOT, "src/automation/daemon/resident.ts"), "utf8");
    expect(resident.match(/\.listen\([^)]*\)/g)).toEqual([".listen(file, ()"]);
    const webhook = readFileSync(join(ROOT, "src/automation/daemon/webhook.ts"), "utf8");
    expect(webhook.match(/\.listen\([^)]*\)/g)).toEqual(['.listen(opts.port, "127.0.0.1", ()']);
    expect(webhook).toContain("timingSafeEqual");
  });
});
