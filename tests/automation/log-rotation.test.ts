// user/logs/daemon.log is rotated by size by the daemon itself (the real CLI, a real daemon): daemon.log.1 … up to
// daemon.logKeep files, no line lost, repeated or split, secrets redacted; `pai daemon logs -n` and `-f` read across.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RotatingLog, rotatedFiles } from "../../src/automation/daemon/log.ts";
import { openDatabase } from "../../src/app/db.ts";
import { localLine } from "../../src/cli/commands/daemon/logs.ts";
import { userZone } from "../../src/kernel/when.ts";
import { initHome, pai, PAI_BIN } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { waitFor } from "./helpers.ts";

const KEY = "sk-ant-api03-" + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm12345";
const TOKEN = "log-rotation-hook-token-0123456789abcdef";
const env = { PAI_WEBHOOK_TOKEN: TOKEN };

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) {
    try {
      cleanups.pop()!();
    } catch {}
  }
});

/**
 * A home whose daemon runs a code pack on each webhook call: the body "FROM COUNT SECRET" makes it print the lines
 * `talk N key=SECRET` for N in FROM…FROM+COUNT-1, by console.log, console.error and ctx.log in turn.
 */
function talkingHome(maxBytes: number, keep: number): string {
  const home = initHome(tmpDir());
  const dir = join(home, "talk-pack");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "pack.json"),
    JSON.stringify({
      name: "talk",
      version: "1.0.0",
      description: "prints numbered lines for the tests",
      commands: { burst: { tier: "code", description: "prints numbered lines", module: "mod.ts", export: "burst" } },
    }),
  );
  writeFileSync(
    join(dir, "mod.ts"),
    [
      "export async function burst(ctx: any) {",
      '  const [from, count, secret] = ctx.text.split(" ");',
      "  for (let n = Number(from); n < Number(from) + Number(count); n++) {",
      "    const line = `talk ${n} key=${secret}`;",
      "    if (n % 3 === 0) console.log(line);",
      "    else if (n % 3 === 1) console.error(line);",
      "    else ctx.log(line);",
      "  }",
      '  return "said";',
      "}",
      "",
    ].join("\n"),
  );
  expect(pai(["pack", "install", dir, "--yes"], { home }).code).toBe(0);
  writeFileSync(join(home, "user", "jobs", "talker.json"), JSON.stringify({ trigger: { type: "webhook" }, action: { type: "pack", pack: "talk", command: "burst", text: "{{body}}" } }));
  for (const [k, v] of [
    ["daemon.webhook.enabled", "true"],
    ["daemon.webhook.port", "0"],
    ["daemon.logMaxBytes", String(maxBytes)],
    ["daemon.logKeep", String(keep)],
  ]) {
    expect(pai(["config", "set", k!, v!], { home }).code).toBe(0);
  }
  return home;
}

async function startDaemon(home: string): Promise<number> {
  const r = pai(["daemon", "start", "--json"], { home, env });
  if (r.code !== 0) throw new Error(`daemon start failed: ${r.stderr}`);
  cleanups.push(() => pai(["daemon", "stop", "--force"], { home }));
  return waitFor(() => JSON.parse(pai(["daemon", "status", "--json"], { home }).stdout).webhook_port as number | undefined, "the webhook port");
}

function firingStatus(home: string, id: number): string | undefined {
  const db = openDatabase(join(home, "user", "pai.db"));
  try {
    return db.prepare<{ status: string }>("SELECT status FROM job_firings WHERE id = ?").get(id)?.status;
  } finally {
    db.close();
  }
}

/** One webhook call; returns once the pack has printed all its lines. */
async function burst(home: string, port: number, from: number, count: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/hooks/talker`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: `${from} ${count} ${KEY}` });
  expect(res.status).toBe(202);
  const { firing } = (await res.json()) as { firing: number };
  const status = await waitFor(() => {
    const s = firingStatus(home, firing);
    return s && s !== "running" ? s : undefined;
  }, `firing ${firing}`);
  expect(status).toBe("ok");
}

const logOf = (home: string) => join(home, "user", "logs", "daemon.log");
/** The log's files, oldest first. */
const filesOf = (home: string) => [...rotatedFiles(logOf(home)).reverse(), logOf(home)];
const linesOf = (text: string) => text.split("\n").slice(0, text.endsWith("\n") ? -1 : undefined);
const allLines = (home: string) => filesOf(home).flatMap((f) => linesOf(readFileSync(f, "utf8")));
/** A line as `pai daemon logs` shows it: its leading time in the user's zone. */
const shown = (line: string) => localLine(line, userZone());
const talkNumbers = (lines: string[]) => lines.map((l) => /^talk (\d+) /.exec(l)?.[1]).filter((n) => n !== undefined).map(Number);

describe("daemon log rotation (the real CLI and daemon)", { timeout: 120_000 }, () => {
  it("rotates at daemon.logMaxBytes, keeps daemon.logKeep files, loses and repeats no line, redacts; logs -n spans the files", async () => {
    const MAX = 2000;
    const home = talkingHome(MAX, 3);
    const port = await startDaemon(home);
    const PER = 25;
    const BURSTS = 12;
    for (let b = 0; b < BURSTS; b++) await burst(home, port, b * PER, PER);
    expect(pai(["daemon", "stop"], { home }).code).toBe(0);

    const log = logOf(home);
    expect(rotatedFiles(log)).toEqual([`${log}.1`, `${log}.2`, `${log}.3`]);
    const files = filesOf(home);
    for (const f of files) expect(statSync(f).mode & 0o777, f).toBe(0o600);
    // Each rotated file stopped at the limit: within it, and the next line (the first of the next file) did not fit.
    for (let i = 0; i < files.length - 1; i++) {
      const text = readFileSync(files[i]!, "utf8");
      const size = Buffer.byteLength(text);
      expect(text.endsWith("\n"), files[i]).toBe(true);
      expect(size, files[i]).toBeLessThanOrEqual(MAX);
      const nextFirst = readFileSync(files[i + 1]!, "utf8").split("\n", 1)[0]!;
      expect(size + Buffer.byteLength(nextFirst) + 1, files[i]).toBeGreaterThan(MAX);
    }

    // Read oldest to newest, the numbered lines run on one by one to the last: none lost or repeated across the
    // rotations; the oldest ones went with the dropped files.
    const lines = allLines(home);
    const numbers = talkNumbers(lines);
    expect(numbers[numbers.length - 1]).toBe(BURSTS * PER - 1);
    expect(numbers[0]).toBeGreaterThan(0);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers[0]! + i));
    expect(lines[lines.length - 1]).toMatch(/stopped \(SIGTERM\)/);

    // The key the pack printed (console.log, console.error, ctx.log) is redacted in every file, rotated or not.
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toContain(KEY);
      expect(text, f).not.toContain(TOKEN);
      expect(text, f).toMatch(/talk \d+ key=\[REDACTED:/);
    }

    // -n spans daemon.log and the rotated files, oldest first, exactly as the files hold them.
    const current = linesOf(readFileSync(log, "utf8")).length;
    const n = current + linesOf(readFileSync(`${log}.1`, "utf8")).length + 3;
    const tail = pai(["daemon", "logs", "-n", String(n)], { home });
    expect(tail.code).toBe(0);
    expect(linesOf(tail.stdout)).toEqual(lines.slice(-n).map(shown));
    expect(JSON.parse(pai(["daemon", "logs", "-n", "2", "--json"], { home }).stdout).lines).toEqual(lines.slice(-2));
    expect(linesOf(pai(["daemon", "logs", "-n", "100000"], { home }).stdout)).toEqual(lines.map(shown));
  });

  it("logs -f follows daemon.log past its rotations: every line once, in order", async () => {
    const home = talkingHome(2000, 5);
    const port = await startDaemon(home);
    await burst(home, port, 0, 25);

    const follower = spawn(PAI_BIN, ["daemon", "logs", "-f", "-n", "1"], { env: { ...process.env, PAI_HOME: home, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    cleanups.push(() => follower.kill("SIGKILL"));
    let out = "";
    follower.stdout.on("data", (d) => (out += d));
    const closed = new Promise<number | null>((r) => follower.on("close", (code) => r(code)));
    // The one line before it started: once printed, the follower holds the file.
    const first = await waitFor(() => (out.includes("\n") ? out.split("\n", 1)[0] : undefined), "the follower's first line");
    const startedIn = readFileSync(logOf(home), "utf8");
    expect(linesOf(startedIn).map(shown)).toContain(first);

    for (let b = 1; b <= 4; b++) await burst(home, port, b * 25, 25);
    expect(pai(["daemon", "stop"], { home }).code).toBe(0);
    await waitFor(() => /stopped \(SIGTERM\)/.test(out), "the follower to print the daemon's last line");
    follower.kill("SIGINT");
    expect(await closed).toBe(0);

    // The file it started in was rotated (at least twice over), and it printed every line from there exactly once.
    expect(rotatedFiles(logOf(home)).length).toBeGreaterThanOrEqual(2);
    // Shown times have whole seconds, so the line is found as written (its time to the millisecond).
    const firstRaw = linesOf(startedIn).findLast((l) => shown(l) === first)!;
    expect(linesOf(readFileSync(logOf(home), "utf8"))).not.toContain(firstRaw);
    const lines = allLines(home);
    const from = lines.lastIndexOf(firstRaw);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(linesOf(out)).toEqual(lines.slice(from).map(shown));
    expect(talkNumbers(linesOf(out)).slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 25 + i));
    expect(out).not.toContain(KEY);
  });
});

describe("RotatingLog", () => {
  it("never splits a line across files, whatever the chunks, rotates at the limit and keeps the given number of files", () => {
    const file = join(tmpDir(), "logs", "daemon.log");
    const log = new RotatingLog(file, { maxBytes: 300, keep: 2 });
    log.enableRotation();
    // Lines of varied lengths (one longer than the limit), written in chunks that cut them anywhere.
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${"é".repeat((i * 37) % 50)}${i === 150 ? "x".repeat(400) : ""}`);
    const text = Buffer.from(lines.map((l) => `${l}\n`).join(""));
    let seed = 7;
    for (let off = 0; off < text.length; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const len = 1 + (seed % 120);
      log.write(text.subarray(off, off + len));
      off += len;
    }
    log.close();
    expect(rotatedFiles(file)).toEqual([`${file}.1`, `${file}.2`]);
    const files = [`${file}.2`, `${file}.1`, file];
    const kept = files.flatMap((f) => {
      const t = readFileSync(f, "utf8");
      expect(t.endsWith("\n"), f).toBe(true);
      const ls = linesOf(t);
      // Every line but the last starts and ends within the limit; the last one started within it (a line
      // written in pieces may end past it, as may a line longer than the limit alone in its file).
      expect(Buffer.byteLength(t) - Buffer.byteLength(`${ls[ls.length - 1]}\n`), f).toBeLessThanOrEqual(300);
      return ls;
    });
    expect(kept).toEqual(lines.slice(-kept.length));
  });

  it("rotates nothing until enabled (a refused second daemon only appends); keep 0 deletes the old log", () => {
    const file = join(tmpDir(), "logs", "daemon.log");
    const line = (i: number) => `entry ${String(i).padStart(4, "0")} ${"-".repeat(40)}\n`;
    const idle = new RotatingLog(file, { maxBytes: 100, keep: 2 });
    for (let i = 0; i < 10; i++) idle.write(line(i));
    idle.close();
    expect(rotatedFiles(file)).toEqual([]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const owner = new RotatingLog(file, { maxBytes: 110, keep: 0 }); // two 52-byte lines a file
    owner.enableRotation();
    for (let i = 10; i < 20; i++) owner.write(line(i));
    owner.close();
    expect(rotatedFiles(file)).toEqual([]);
    expect(readFileSync(file, "utf8")).toBe(line(18) + line(19));
  });
});
