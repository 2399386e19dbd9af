/**
 * Who may talk to `pai serve`, checked with plain HTTP requests (no browser): the cookie, the Host and Origin
 * headers, the CSRF token, the one-time key, and loopback only.
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, type Served } from "../helpers/browser.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (Host included: node:http sends what it is given). */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The addresses listening on `port`, from /proc/net/tcp and tcp6 (state 0A = LISTEN), in the kernel's hex. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== "0A") continue;
      const [addr, p] = cols[1]!.split(":");
      if (p === hexPort) out.push(addr!);
    }
  }
  return out;
}

const LOOPBACK_V4 = "0100007F"; // 127.0.0.1, little-endian
const LOOPBACK_V6 = "00000000000000000000000001000000"; // ::1

describe("pai serve: who may talk to it", { timeout: 30_000 }, () => {
  let home: string;
  let served: Served;
  let token: string;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    home = initHome(mkdtempSync(join(tmpdir(), "pai-serve-sec-")));
    pai(["remember", "The blue heron nests by the river"], { home });
    served = await startServe(home);
    token = /token=([0-9a-f]{64})/.exec(served.url)![1]!;
  });
  afterAll(async () => {
    await served?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("without the cookie: a page is the sign-in page and the API is 401", async () => {
    const pageAnswer = await send(served.port, "GET", "/memory", {});
    expect(pageAnswer.body).toContain("/static/signin.js");
    expect(pageAnswer.body).not.toContain("csrf-token");
    expect((await send(served.port, "GET", "/api/memory/search?q=heron", {})).status).toBe(401);
    expect((await send(served.port, "GET", "/api/telos", { cookie: "pai_session=" + "0".repeat(64) })).status).toBe(401);
    expect((await send(served.port, "POST", "/api/daemon/pause", {})).status).toBe(401);
  });

  it("the one-time key is exchanged once for an HttpOnly, SameSite=Strict cookie, and never again", async () => {
    const bad = await send(served.port, "POST", "/session", { "content-type": "application/json" }, JSON.stringify({ token: "f".repeat(64) }));
    expect(bad.status).toBe(403);
    const first = await send(served.port, "POST", "/session", { "content-type": "application/json" }, JSON.stringify({ token }));
    expect(first.status).toBe(200);
    const set = String(first.headers["set-cookie"]);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    cookie = set.split(";")[0]!;
    const again = await send(served.port, "POST", "/session", { "content-type": "application/json" }, JSON.stringify({ token }));
    expect(again.status).toBe(403);
    expect(again.headers["set-cookie"]).toBeUndefined();

    const page = await send(served.port, "GET", "/memory", { cookie });
    expect(page.status).toBe(200);
    csrf = /<meta name="csrf-token" content="([0-9a-f]{64})">/.exec(page.body)![1]!;
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect((await send(served.port, "GET", "/api/memory/search?q=heron", { cookie })).status).toBe(200);
  });

  it("a wrong Host header is 421, even with the cookie (DNS rebinding)", async () => {
    for (const host of ["evil.example", `evil.example:${served.port}`, `127.0.0.1:${served.port + 1}`, "127.0.0.1", `0.0.0.0:${served.port}`]) {
      const r = await send(served.port, "GET", "/api/telos", { host, cookie });
      expect(r.status, host).toBe(421);
    }
    expect((await send(served.port, "GET", "/api/telos", { host: `localhost:${served.port}`, cookie })).status).toBe(200);
  });

  it("a cross-site Origin or Sec-Fetch-Site is 403, even with the cookie and the CSRF token", async () => {
    const h = { cookie, "x-csrf-token": csrf };
    expect((await send(served.port, "POST", "/api/daemon/pause", { ...h, origin: "https://evil.example" })).status).toBe(403);
    expect((await send(served.port, "POST", "/api/daemon/pause", { ...h, origin: `http://127.0.0.1:${served.port + 1}` })).status).toBe(403);
    expect((await send(served.port, "GET", "/api/telos", { cookie, origin: "null" })).status).toBe(403);
    expect((await send(served.port, "POST", "/api/daemon/pause", { ...h, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect(JSON.parse(pai(["daemon", "status", "--json"], { home }).stdout).paused).toBe(false);
  });

  it("a POST without the page's CSRF token, or with a wrong one, is 403 and changes nothing", async () => {
    const origin = served.origin;
    expect((await send(served.port, "POST", "/api/daemon/pause", { cookie, origin })).status).toBe(403);
    expect((await send(served.port, "POST", "/api/daemon/pause", { cookie, origin, "x-csrf-token": "0".repeat(64) })).status).toBe(403);
    expect((await send(served.port, "POST", "/api/memory/1/forget", { cookie, origin, "x-csrf-token": "" })).status).toBe(403);
    expect(JSON.parse(pai(["daemon", "status", "--json"], { home }).stdout).paused).toBe(false);
    expect(JSON.parse(pai(["memory", "search", "heron", "--json"], { home }).stdout)).toHaveLength(1);
    // With it, the same request works (and is undone).
    expect((await send(served.port, "POST", "/api/daemon/pause", { cookie, origin, "x-csrf-token": csrf })).status).toBe(200);
    expect(JSON.parse(pai(["daemon", "status", "--json"], { home }).stdout).paused).toBe(true);
    expect((await send(served.port, "POST", "/api/daemon/resume", { cookie, origin, "x-csrf-token": csrf })).status).toBe(200);
  });

  it("listens on loopback only: 127.0.0.1 and ::1, never another address", async () => {
    const addrs = listeners(served.port);
    expect(addrs.length).toBeGreaterThan(0);
    expect(addrs.every((a) => a === LOOPBACK_V4 || a === LOOPBACK_V6), addrs.join(", ")).toBe(true);
    expect(addrs).toContain(LOOPBACK_V4);
    const outside = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && i.family === "IPv4")
      .map((i) => i!.address);
    for (const address of outside) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect({ host: address, port: served.port, timeout: 2000 });
        s.on("connect", () => (s.destroy(), resolve(false)));
        s.on("error", () => resolve(true));
        s.on("timeout", () => (s.destroy(), resolve(true)));
      });
      expect(refused, `${address}:${served.port} must not answer`).toBe(true);
    }
  });
});
