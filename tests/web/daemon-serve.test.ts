/** The dashboard served by the daemon (daemon.serve: true): `pai serve` hands out its address, one sign-in per key. */
import { readFileSync, statSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const homes: string[] = [];
afterEach(() => {
  while (homes.length) pai(["daemon", "stop"], { home: homes.pop()! });
});

/** Signs in with the address's key: the session cookie, or the refusal's status. */
async function signIn(url: string): Promise<{ status: number; cookie?: string }> {
  const u = new URL(url);
  const token = /token=([0-9a-f]+)/.exec(u.hash)![1];
  const r = await fetch(`${u.origin}/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
  return { status: r.status, cookie: r.headers.get("set-cookie")?.split(";")[0] };
}

describe("the daemon's dashboard", { timeout: 60_000 }, () => {
  it("pai serve gives its address with a fresh one-time key; nothing of it in the log; gone when the daemon stops", async () => {
    const home = initHome(tmpDir());
    expect(pai(["config", "set", "daemon.serve", "true"], { home }).code).toBe(0);
    expect(pai(["daemon", "start"], { home }).code).toBe(0);
    homes.push(home);
    // 'pai daemon start' returns once the dashboard is served: its address is there at once.
    expect(existsSync(join(home, "user", "run", "dashboard.json"))).toBe(true);
    const first = pai(["serve"], { home });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/The daemon serves the dashboard/);
    const url = first.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
    const file = join(home, "user", "run", "dashboard.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const session = await signIn(url);
    expect(session.status).toBe(200);
    const origin = new URL(url).origin;
    const page = await fetch(`${origin}/memory`, { headers: { cookie: session.cookie! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Memory</h1>");
    // The key was used: the next sign-in needs the next address.
    expect((await signIn(url)).status).toBe(403);
    const second = pai(["serve"], { home }).stdout.trim();
    expect(second).not.toBe(url);
    expect((await signIn(second)).status).toBe(200);

    const token = /token=([0-9a-f]+)/.exec(second)![1]!;
    expect(readFileSync(join(home, "user", "logs", "daemon.log"), "utf8")).not.toContain(token.slice(0, 16));

    expect(pai(["daemon", "stop"], { home }).code).toBe(0);
    homes.pop();
    expect(existsSync(file)).toBe(false);
    await expect(fetch(`${origin}/`)).rejects.toThrow();
  });

  it("off by default: the daemon serves nothing and pai serve refuses a port that is taken", async () => {
    const home = initHome(tmpDir());
    expect(pai(["daemon", "start"], { home }).code).toBe(0);
    homes.push(home);
    expect(existsSync(join(home, "user", "run", "dashboard.json"))).toBe(false);
    const bad = pai(["serve", "--port", "http"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("pai: --port takes a port number (0-65535), not 'http'\n");
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = pai(["serve", "--port", String(port)], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`pai: port ${port} is in use — choose another with --port, or leave it out for any free one\n`);
    } finally {
      taken.close();
    }
  });
});
