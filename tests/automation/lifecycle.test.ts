import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listAudit } from "../../src/automation/audit/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { alive, waitFor } from "./helpers.ts";

const started: number[] = [];
afterEach(() => {
  while (started.length) {
    try {
      process.kill(started.pop()!, "SIGKILL");
    } catch {}
  }
});

function status(home: string): { code: number; s: any } {
  const r = pai(["daemon", "status", "--json"], { home });
  return { code: r.code, s: JSON.parse(r.stdout) };
}

function start(home: string): number {
  const r = pai(["daemon", "start", "--json"], { home });
  if (r.code !== 0) throw new Error(`daemon start failed: ${r.stderr}`);
  const pid = JSON.parse(r.stdout).pid as number;
  started.push(pid);
  return pid;
}

function firings(home: string, job: string): { id: number; status: string; fire_key: string; scheduled_at: string | null }[] {
  const db = openDatabase(join(home, "user", "pai.db"));
  try {
    return db.prepare<any>("SELECT id, status, fire_key, scheduled_at FROM job_firings WHERE job = ? ORDER BY id").all(job);
  } finally {
    db.close();
  }
}

/** A local pack whose command sleeps: an action that is still running when the daemon is stopped or killed. */
function installSlowPack(home: string): void {
  const dir = join(home, "slow-pack");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "pack.json"),
    JSON.stringify({
      name: "slow",
      version: "1.0.0",
      description: "sleeps for the tests",
      commands: { nap: { description: "sleeps N seconds", tier: "cli", exec: "sleep", args: ["{{input}}"], permissions: { exec: ["sleep"] } } },
    }),
  );
  const r = pai(["pack", "install", dir, "--yes"], { home });
  if (r.code !== 0) throw new Error(`pack install failed: ${r.stderr}`);
}

describe("pai daemon lifecycle (the real CLI)", { timeout: 60_000 }, () => {
  it("start, status (exit 0 / non-zero), one instance per PAI_HOME, logs, stop", async () => {
    const home = initHome(tmpDir());
    const before = status(home);
    expect(before.code).not.toBe(0);
    expect(before.s.running).toBe(false);

    const pid = start(home);
    const running = status(home);
    expect(running.code).toBe(0);
    expect(running.s).toMatchObject({ running: true, pid, paused: false });

    // A second start finds it; a second foreground daemon refuses to run.
    expect(JSON.parse(pai(["daemon", "start", "--json"], { home }).stdout)).toMatchObject({ pid, already_running: true });
    const second = pai(["daemon", "run"], { home });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running \(pid \d+\)/);

    // 'pai daemon start' returns once the daemon's triggers are set up, which it logs as "started".
    expect(pai(["daemon", "logs", "-n", "20"], { home }).stdout).toMatch(/started \(pid \d+\)/);

    const stop = pai(["daemon", "stop"], { home });
    expect(stop.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(status(home).code).not.toBe(0);
    expect(pai(["daemon", "stop"], { home }).stdout).toMatch(/not running/);
    const events = (() => {
      const db = openDatabase(join(home, "user", "pai.db"));
      try {
        return listAudit(db).filter((e) => e.type === "daemon").map((e) => e.data.event);
      } finally {
        db.close();
      }
    })();
    expect(events).toEqual(["start", "stop"]);
  });

  it("a SIGTERM sent as soon as 'pai daemon start' returns (the daemon still starting) is a clean, recorded stop", async () => {
    const home = initHome(tmpDir());
    writeFileSync(join(home, "user", "jobs", "tick.json"), JSON.stringify({ trigger: { type: "schedule", cron: "0 7 * * *" }, action: { type: "remember", text: "tick" } }));
    for (let i = 0; i < 3; i++) {
      const pid = start(home);
      process.kill(pid, "SIGTERM");
      await waitFor(() => !alive(pid), "the daemon to stop");
    }
    expect(pai(["daemon", "logs", "-n", "100"], { home }).stdout.match(/received SIGTERM: stopping/g)).toHaveLength(3);
    const audit = JSON.parse(pai(["audit", "--json"], { home }).stdout) as any[];
    const events = audit.filter((e) => e.type === "daemon").map((e) => `${e.data.event}${e.data.reason ? ` ${e.data.reason}` : ""}`);
    expect(events).toEqual(["start", "stop SIGTERM", "start", "stop SIGTERM", "start", "stop SIGTERM"]);
    expect(status(home).s.running).toBe(false);
  });

  it("kill -9 mid-job, then restart: the lock is taken over, the job is abandoned, nothing fires twice", async () => {
    const home = initHome(tmpDir());
    installSlowPack(home);
    const value = join(home, "value");
    writeFileSync(value, "100");
    writeFileSync(
      join(home, "user", "jobs", "busy.json"),
      JSON.stringify({ trigger: { type: "threshold", file: value, above: 50, intervalMs: 100 }, action: { type: "pack", pack: "slow", command: "nap", text: "3" } }),
    );
    writeFileSync(join(home, "user", "jobs", "tick.json"), JSON.stringify({ trigger: { type: "schedule", cron: "* * * * * *", catchUp: "all", catchUpMax: 100 }, action: { type: "remember", text: "tick" } }));
    const pid = start(home);
    await waitFor(() => firings(home, "busy")[0]?.status === "running", "the running action");
    await waitFor(() => firings(home, "tick").length >= 2, "a few ticks");
    process.kill(pid, "SIGKILL");
    await waitFor(() => !alive(pid), "the killed daemon to be gone");
    expect(status(home).code).not.toBe(0);

    const pid2 = start(home);
    expect(pid2).not.toBe(pid);
    await waitFor(() => firings(home, "busy")[0]?.status === "abandoned", "the abandoned firing");
    const ticksAtRestart = firings(home, "tick").length;
    await waitFor(() => firings(home, "tick").length >= ticksAtRestart + 2, "ticks after the restart");
    expect(pai(["daemon", "stop"], { home }).code).toBe(0);

    // The threshold stayed above its bound: its one firing was not repeated.
    expect(firings(home, "busy")).toHaveLength(1);
    // Every scheduled second fired at most once, across the crash (the missed ones caught up).
    const times = firings(home, "tick").map((f) => f.scheduled_at);
    expect(new Set(times).size).toBe(times.length);
    const logs = pai(["daemon", "logs", "-n", "100"], { home }).stdout;
    expect(logs).toMatch(/took over the lease of pid \d+/);
    expect(logs).toMatch(/recorded as abandoned/);
  });

  it("SIGTERM abandons an action that outlives the grace period, and records it", async () => {
    const home = initHome(tmpDir());
    installSlowPack(home);
    expect(pai(["config", "set", "daemon.graceMs", "200"], { home }).code).toBe(0);
    const value = join(home, "value");
    writeFileSync(value, "100");
    writeFileSync(
      join(home, "user", "jobs", "busy.json"),
      JSON.stringify({ trigger: { type: "threshold", file: value, above: 50, intervalMs: 100 }, action: { type: "pack", pack: "slow", command: "nap", text: "5" } }),
    );
    const pid = start(home);
    await waitFor(() => firings(home, "busy")[0]?.status === "running", "the running action");
    const stop = await paiAsync(["daemon", "stop"], { home });
    expect(stop.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(firings(home, "busy")[0]!.status).toBe("abandoned");
    const audit = JSON.parse(pai(["audit", "--json"], { home }).stdout) as any[];
    expect(audit.some((e) => e.job === "busy" && e.data.status === "abandoned")).toBe(true);
    expect(audit.find((e) => e.data.event === "stop").data).toMatchObject({ reason: "SIGTERM", abandoned: 1 });
  });

  it("a file changed as soon as 'pai daemon start' returns fires its job", async () => {
    const home = initHome(tmpDir());
    const watched = join(home, "inbox.txt");
    writeFileSync(watched, "old");
    writeFileSync(join(home, "user", "jobs", "seen.json"), JSON.stringify({ trigger: { type: "file", path: watched }, action: { type: "remember", text: "inbox changed" } }));
    start(home);
    writeFileSync(watched, "new");
    await waitFor(() => firings(home, "seen").some((f) => f.status === "ok"), "the file job");
    expect(pai(["daemon", "stop"], { home }).code).toBe(0);
  });

  it("the CLI and the daemon share the database at once; new job files are picked up", async () => {
    const home = initHome(tmpDir());
    writeFileSync(join(home, "user", "jobs", "tick.json"), JSON.stringify({ trigger: { type: "schedule", cron: "* * * * * *" }, action: { type: "remember", text: "tick" } }));
    start(home);
    await waitFor(() => firings(home, "tick").length >= 1, "a tick");
    expect(pai(["jobs", "add", "late", "--cron", "* * * * * *", "--text", "late"], { home }).code).toBe(0);
    expect(pai(["jobs", "add", "manual", "--webhook", "--text", "by hand"], { home }).code).toBe(0);
    const runs = await Promise.all([
      ...Array.from({ length: 4 }, () => paiAsync(["jobs", "run", "manual"], { home })),
      paiAsync(["audit", "verify"], { home }),
      paiAsync(["jobs", "list", "--json"], { home }),
      paiAsync(["approvals", "list"], { home }),
    ]);
    for (const r of runs) expect(r.stderr).toBe("");
    expect(runs.every((r) => r.code === 0)).toBe(true);
    await waitFor(() => firings(home, "late").some((f) => f.status === "ok"), "the job added while running");
    expect(pai(["daemon", "stop"], { home }).code).toBe(0);
    expect(pai(["audit", "verify"], { home }).code).toBe(0);
    expect(firings(home, "manual").filter((f) => f.status === "ok")).toHaveLength(4);
  });

  it("pause and resume are kept in the database; status shows them", () => {
    const home = initHome(tmpDir());
    expect(pai(["daemon", "pause"], { home }).stdout).toMatch(/Paused/);
    expect(status(home).s.paused).toBe(true);
    expect(pai(["daemon", "resume"], { home }).stdout).toMatch(/Resumed/);
    expect(status(home).s.paused).toBe(false);
  });

  it("install writes a systemd user unit (XDG_CONFIG_HOME or --dir) and a launchd plist; enables nothing", () => {
    const home = initHome(tmpDir());
    const xdg = tmpDir("pai-xdg-");
    const r = pai(["daemon", "install"], { home, env: { XDG_CONFIG_HOME: xdg } });
    expect(r.code).toBe(0);
    const unit = join(xdg, "systemd", "user", "pai.service");
    const text = readFileSync(unit, "utf8");
    expect(text).toContain(`Environment=PAI_HOME=${home}`);
    expect(text).toMatch(/ExecStart=\S+ \S+src\/cli\/main\.ts daemon run/);
    expect(text).toContain("WantedBy=default.target");
    // The same log as 'pai daemon start' and launchd, so 'pai daemon logs' shows it and the daemon rotates it.
    expect(text).toContain(`StandardOutput=append:${join(home, "user", "logs", "daemon.log")}`);
    expect(text).toContain(`StandardError=append:${join(home, "user", "logs", "daemon.log")}`);
    expect(r.stdout).toMatch(/Nothing was enabled/);
    expect(r.stdout).toContain("systemctl --user enable --now pai.service");

    const dir = tmpDir("pai-units-");
    expect(pai(["daemon", "install", "--dir", dir, "--json"], { home }).code).toBe(0);
    expect(existsSync(join(dir, "pai.service"))).toBe(true);
    const mac = pai(["daemon", "install", "--dir", dir, "--platform", "darwin"], { home });
    expect(mac.code).toBe(0);
    const plist = readFileSync(join(dir, "dev.pai.daemon.plist"), "utf8");
    expect(plist).toContain("<string>daemon</string>");
    expect(plist).toContain(`<string>${home}</string>`);
    expect(pai(["daemon", "install", "--platform", "windows"], { home }).code).toBe(2);
  });

  it("install carries the backend environment in user/daemon.env (0600), named but never printed", () => {
    const home = initHome(tmpDir());
    const dir = tmpDir("pai-units-");
    const key = `sk-ant-test-"quoted" $HOME \\ back`;
    const env = { ANTHROPIC_API_KEY: key, OLLAMA_HOST: "http://10.0.0.5:11434", ANTHROPIC_BASE_URL: undefined };
    const r = pai(["daemon", "install", "--dir", dir], { home, env });
    expect(r.code).toBe(0);
    const file = join(home, "user", "daemon.env");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(r.stdout).toContain(`Wrote ${file} (owner-only)`);
    expect(r.stdout).toMatch(/OLLAMA_HOST, ANTHROPIC_API_KEY/);
    expect(r.stdout + r.stderr).not.toContain("sk-ant-test");
    expect(readFileSync(file, "utf8")).not.toContain("ANTHROPIC_BASE_URL");
    expect(readFileSync(join(dir, "pai.service"), "utf8")).toContain(`EnvironmentFile=-${file}`);
    // A POSIX shell reads the values back as they were (systemd's EnvironmentFile takes the same quoting).
    const read = spawnSync("sh", ["-c", `set -a; . '${file}'; printf '%s|%s' "$ANTHROPIC_API_KEY" "$OLLAMA_HOST"`], { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(read.stdout).toBe(`${key}|http://10.0.0.5:11434`);
    // launchd runs a shell that reads the file, then becomes the daemon.
    expect(pai(["daemon", "install", "--dir", dir, "--platform", "darwin"], { home, env }).code).toBe(0);
    const args = [...readFileSync(join(dir, "dev.pai.daemon.plist"), "utf8").matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
    const i = args.indexOf("/bin/sh");
    expect(args.slice(i, i + 2)).toEqual(["/bin/sh", "-c"]);
    const viaLaunchd = spawnSync("/bin/sh", ["-c", args[i + 2]!, "printenv", "ANTHROPIC_API_KEY"], { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(viaLaunchd.stdout).toBe(`${key}\n`);
  });
});
