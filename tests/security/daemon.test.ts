/**
 * The daemon against hostile inputs, run as the real process (`pai daemon start` in a temporary PAI_HOME):
 * a watched folder holding a symlink to `/` or more than the watch bounds; threshold checks that never end
 * (a command that ignores SIGTERM, one that leaves a child holding its output, a FIFO, /dev/zero); a daemon
 * that does not answer SIGTERM, or that lost its lease; and a flood of unauthenticated webhook requests, some
 * with a Host or Origin that a web page (DNS rebinding) would send.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { alive, waitFor } from "../automation/helpers.ts";

const started: number[] = [];
const others: number[] = [];
afterEach(() => {
  for (const pid of [...started.splice(0), ...others.splice(0)]) {
    try {
      process.kill(pid, "SIGCONT");
      process.kill(pid, "SIGKILL");
    } catch {}
  }
});

/** Resident memory of a process, in MB. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

function start(home: string, env: Record<string, string> = {}): number {
  const r = pai(["daemon", "start", "--json"], { home, env });
  if (r.code !== 0) throw new Error(`daemon start failed: ${r.stderr}`);
  const pid = JSON.parse(r.stdout).pid as number;
  started.push(pid);
  return pid;
}

function job(home: string, name: string, spec: unknown): void {
  writeFileSync(join(home, "user", "jobs", `${name}.json`), JSON.stringify(spec));
}

function query<T>(home: string, sql: string, ...args: (string | number)[]): T[] {
  const db = openDatabase(join(home, "user", "pai.db"));
  try {
    return db.prepare<any>(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

const okFirings = (home: string, name: string) =>
  query<{ n: number }>(home, "SELECT count(*) AS n FROM job_firings WHERE job = ? AND status = 'ok'", name)[0]!.n;

const logs = (home: string) => pai(["daemon", "logs", "-n", "400"], { home }).stdout;

/** The pids a shell command wrote, one per line. */
const pidsIn = (file: string): number[] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .map(Number)
        .filter((n) => n > 0)
    : [];

describe("file watches never hold back the daemon", { timeout: 90_000 }, () => {
  it("a symlink to / in a watched folder is not followed: schedules fire, changes are seen, 'pai daemon stop' exits 0", async () => {
    const home = initHome(tmpDir("pai-sec-"));
    const watched = join(home, "notes");
    mkdirSync(watched);
    symlinkSync("/", join(watched, "root"));
    writeFileSync(join(watched, "a.md"), "a\n");
    job(home, "notes", { trigger: { type: "file", path: watched, debounceMs: 50 }, action: { type: "remember", text: "notes changed {{path}}" } });
    job(home, "tick", { trigger: { type: "schedule", cron: "* * * * * *" }, action: { type: "remember", text: "tick" } });
    const pid = start(home);
    await waitFor(() => okFirings(home, "tick") >= 2, "the schedule to fire");
    writeFileSync(join(watched, "b.md"), "b\n");
    await waitFor(() => okFirings(home, "notes") >= 1, "the file job");
    // Nothing under / was walked: the daemon stays small.
    expect(rssMb(pid)).toBeLessThan(400);
    const stop = await paiAsync(["daemon", "stop"], { home });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/Stopped the daemon/);
    expect(alive(pid)).toBe(false);
  });

  it("a folder past the depth or entry bound is watched up to it, and 'pai jobs list' and the log say so", async () => {
    const home = initHome(tmpDir("pai-sec-"));
    expect(pai(["config", "set", "daemon.watchMaxDepth", "1"], { home }).code).toBe(0);
    expect(pai(["config", "set", "daemon.watchMaxEntries", "20"], { home }).code).toBe(0);
    const deep = join(home, "deep");
    mkdirSync(join(deep, "a", "b", "c", "d"), { recursive: true });
    job(home, "deep", { trigger: { type: "file", path: deep, debounceMs: 50 }, action: { type: "remember", text: "deep {{path}}" } });
    job(home, "tick", { trigger: { type: "schedule", cron: "* * * * * *" }, action: { type: "remember", text: "tick" } });
    start(home);
    const warnings = () => Object.fromEntries((JSON.parse(pai(["jobs", "list", "--json"], { home }).stdout).jobs as any[]).map((j) => [j.name, j.warning]));
    const w = await waitFor(() => warnings().deep as string | undefined, "the depth warning");
    expect(w).toContain("daemon.watchMaxDepth");
    expect(pai(["jobs", "list"], { home }).stdout).toMatch(/watch limit deep: .*daemon\.watchMaxDepth/);
    expect(logs(home)).toMatch(/watching .*deep: more than 1 levels of folders \(daemon\.watchMaxDepth\)/);
    // Within the bound, changes still fire.
    writeFileSync(join(deep, "a", "x.md"), "x\n");
    await waitFor(() => okFirings(home, "deep") >= 1, "a change within the bound");
    expect((await paiAsync(["daemon", "stop"], { home })).code).toBe(0);

    const wide = join(home, "wide");
    mkdirSync(wide);
    for (let i = 0; i < 40; i++) writeFileSync(join(wide, `f${i}.md`), `${i}\n`);
    job(home, "wide", { trigger: { type: "file", path: wide, debounceMs: 50 }, action: { type: "remember", text: "wide" } });
    const pid = start(home);
    const ww = await waitFor(() => warnings().wide as string | undefined, "the entries warning");
    expect(ww).toContain("daemon.watchMaxEntries");
    expect(logs(home)).toMatch(/more than 20 entries in the watched folders \(daemon\.watchMaxEntries\)/);
    await waitFor(() => okFirings(home, "tick") >= 1, "the schedule");
    expect((await paiAsync(["daemon", "stop"], { home })).code).toBe(0);
    expect(alive(pid)).toBe(false);
  });
});

describe("threshold checks always end", { timeout: 90_000 }, () => {
  it("a command ignoring SIGTERM, a child holding the output, a FIFO and /dev/zero: the daemon stays small and stops with nothing left", async () => {
    const home = initHome(tmpDir("pai-sec-"));
    expect(pai(["config", "set", "daemon.graceMs", "200"], { home }).code).toBe(0);
    const stubbornPids = join(home, "stubborn.pids");
    const holderPids = join(home, "holder.pids");
    const fifo = join(home, "value.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const remember = { type: "remember", text: "crossed {{value}}" };
    job(home, "stubborn", {
      trigger: { type: "threshold", command: ["sh", "-c", `trap '' TERM; echo $$ >> ${stubbornPids}; sleep 1000 & echo $! >> ${stubbornPids}; wait`], above: 1, intervalMs: 100, timeoutMs: 300 },
      action: remember,
    });
    job(home, "holder", {
      trigger: { type: "threshold", command: ["sh", "-c", `sleep 1000 & echo $! >> ${holderPids}; echo 5`], above: 1, intervalMs: 200, timeoutMs: 60_000 },
      action: remember,
    });
    job(home, "fifo", { trigger: { type: "threshold", file: fifo, above: 1, intervalMs: 100 }, action: remember });
    job(home, "zero", { trigger: { type: "threshold", file: "/dev/zero", above: 1, intervalMs: 100 }, action: remember });
    job(home, "tick", { trigger: { type: "schedule", cron: "* * * * * *" }, action: { type: "remember", text: "tick" } });
    const pid = start(home);

    // The command that exits leaving a child on its output is read and fires (its child is killed).
    await waitFor(() => okFirings(home, "holder") === 1, "the holder's firing");
    await waitFor(() => pidsIn(stubbornPids).length >= 4, "a few stubborn checks");
    await waitFor(() => okFirings(home, "tick") >= 2, "the schedule");
    const log = await waitFor(() => {
      const l = logs(home);
      return /fifo: threshold check failed: .*value\.fifo is not a regular file/.test(l) && /zero: threshold check failed: \/dev\/zero is not a regular file/.test(l) && l;
    }, "the refused files");
    expect(log).toMatch(/stubborn: threshold check failed: sh did not finish within 300 ms/);
    expect(rssMb(pid)).toBeLessThan(400);
    // A timed-out check took its whole group with it, SIGTERM ignored or not.
    const firstStubborn = pidsIn(stubbornPids).slice(0, 2);
    await waitFor(() => firstStubborn.every((p) => !alive(p)), "the first stubborn check's processes to be killed");
    await waitFor(() => pidsIn(holderPids).slice(0, 1).every((p) => !alive(p)), "the holder's child to be killed");

    const stop = await paiAsync(["daemon", "stop"], { home });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/Stopped the daemon/);
    expect(alive(pid)).toBe(false);
    const left = [...pidsIn(stubbornPids), ...pidsIn(holderPids)].filter(alive);
    others.push(...left);
    expect(left).toEqual([]);
    // Each broken check is reported once, not on every interval.
    const audit = JSON.parse(pai(["audit", "--json"], { home }).stdout) as any[];
    expect(audit.filter((e) => e.job === "fifo" && e.type === "error")).toHaveLength(1);
    expect(audit.filter((e) => e.job === "zero" && e.type === "error")).toHaveLength(1);
  });
});

describe("'pai daemon stop' and the lease", { timeout: 90_000 }, () => {
  it("a daemon that does not answer SIGTERM is killed with its process group and its checks, and the stop says so", async () => {
    const home = initHome(tmpDir("pai-sec-"));
    expect(pai(["config", "set", "daemon.graceMs", "100"], { home }).code).toBe(0);
    const pids = join(home, "check.pids");
    job(home, "slow", {
      trigger: { type: "threshold", command: ["sh", "-c", `echo $$ >> ${pids}; sleep 1000`], above: 1, intervalMs: 60_000, timeoutMs: 600_000 },
      action: { type: "remember", text: "x" },
    });
    const pid = start(home);
    const check = await waitFor(() => pidsIn(pids)[0], "the running check");
    await waitFor(() => existsSync(join(home, "user", "run", "daemon.children")), "the check's process group on record");
    process.kill(pid, "SIGSTOP"); // a daemon that cannot answer
    const stop = await paiAsync(["daemon", "stop"], { home });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/did not stop in time: killed it/);
    await waitFor(() => !alive(pid), "the daemon to be gone");
    await waitFor(() => !alive(check), "its check to be gone");
    const audit = JSON.parse(pai(["audit", "--json"], { home }).stdout) as any[];
    expect(audit.some((e) => e.type === "daemon" && e.data.event === "killed" && e.data.pid === pid)).toBe(true);
    expect(pai(["daemon", "status"], { home }).code).not.toBe(0);
  });

  it("a daemon whose lease is removed stops", async () => {
    const home = initHome(tmpDir("pai-sec-"));
    job(home, "tick", { trigger: { type: "schedule", cron: "0 7 * * *" }, action: { type: "remember", text: "tick" } });
    const pid = start(home);
    const db = openDatabase(join(home, "user", "pai.db"));
    try {
      db.prepare("DELETE FROM daemon_state WHERE key = 'lease'").run();
    } finally {
      db.close();
    }
    await waitFor(() => !alive(pid), "the daemon without its lease to stop");
    expect(logs(home)).toMatch(/no longer holds the lease/);
  });
});

/** One raw HTTP/1.1 request (so that the Host header is exactly what is given); resolves with the status. */
function rawRequest(port: number, lines: string[], body = ""): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const sock = connect(port, "127.0.0.1", () => {
      sock.write(`${lines.join("\r\n")}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    let text = "";
    sock.on("data", (d) => (text += d));
    sock.on("error", reject);
    sock.on("close", () => resolveStatus(Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

describe("the webhook under a flood", { timeout: 90_000 }, () => {
  it("300 unauthenticated requests add one audit entry; later ones get 429; a foreign Host or Origin is refused; the trail verifies", async () => {
    const home = initHome(tmpDir("pai-sec-"));
    const token = "wh-flood-token-0123456789abcdef";
    const env = { PAI_WEBHOOK_TOKEN: token };
    const raw = JSON.parse(readFileSync(join(home, "user", "config.json"), "utf8"));
    raw.daemon = { webhook: { enabled: true, port: 0, maxBodyBytes: 4096 } };
    writeFileSync(join(home, "user", "config.json"), JSON.stringify(raw));
    job(home, "hook", { trigger: { type: "webhook" }, action: { type: "remember", text: "hook says {{body}}" } });
    start(home, env);
    const port = await waitFor(() => JSON.parse(pai(["daemon", "status", "--json"], { home }).stdout).webhook_port as number | undefined, "the port");
    const auditCount = () => query<{ n: number }>(home, "SELECT count(*) AS n FROM audit_log")[0]!.n;

    // DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends its own Host (and Origin); the token does not help it.
    const auth = `authorization: Bearer ${token}`;
    expect(await rawRequest(port, ["POST /hooks/hook HTTP/1.1", `host: evil.example:${port}`, auth], "x")).toBe(421);
    expect(await rawRequest(port, ["POST /hooks/hook HTTP/1.1", `host: localhost.evil.example:${port}`, auth], "x")).toBe(421);
    expect(await rawRequest(port, ["POST /hooks/hook HTTP/1.1", "host: 127.0.0.1:1", auth], "x")).toBe(421);
    expect(await rawRequest(port, ["POST /hooks/hook HTTP/1.1", `host: 127.0.0.1:${port}`, "origin: http://evil.example", auth], "x")).toBe(403);
    expect(await rawRequest(port, ["POST /hooks/hook HTTP/1.1", `host: localhost:${port}`, `origin: http://localhost:${port}`, auth], "from home")).toBe(202);
    await waitFor(() => okFirings(home, "hook") === 1, "the accepted call");

    const before = auditCount();
    const marker = "CALLERTEXT";
    const statuses: number[] = [];
    for (let batch = 0; batch < 15; batch++) {
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`http://127.0.0.1:${port}/hooks/${marker}-${batch}-${i}-${"%7B%22x%22".repeat(30)}`, {
            method: "POST",
            headers: { authorization: `Bearer ${marker}-wrong`, "x-note": marker },
            body: `${marker} `.repeat(100),
          }).then((r) => r.status),
        ),
      );
      statuses.push(...rs);
    }
    expect(statuses).toHaveLength(300);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(150);
    expect(statuses.slice(-20).every((s) => s === 429)).toBe(true);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);

    expect((await paiAsync(["daemon", "stop"], { home })).code).toBe(0);
    // The flood is one entry (written at the latest at the stop), plus the stop itself.
    const added = auditCount() - before;
    expect(added).toBeLessThanOrEqual(3);
    const audit = JSON.parse(pai(["audit", "--json"], { home }).stdout) as any[];
    const refused = audit.filter((e) => e.data.decision === "webhook_refused");
    expect(refused.reduce((n, e) => n + e.data.count, 0)).toBe(300 + 4);
    // At most 20 kinds (status, method, path), then counted by status alone.
    for (const e of refused) expect(e.data.refused.length).toBeLessThanOrEqual(30);
    const text = JSON.stringify(refused);
    expect(text).not.toContain(`${marker} ${marker}`);
    expect(text).not.toContain("%7B");
    expect(text).not.toContain(token);
    expect(Math.max(...refused.flatMap((e) => e.data.refused.map((k: any) => String(k.path).length)))).toBeLessThanOrEqual(65);
    expect(logs(home).match(/webhook refused: /g)!.length).toBeLessThanOrEqual(10);
    expect(pai(["audit", "verify"], { home }).code).toBe(0);
  });
});
