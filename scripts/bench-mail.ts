/**
 * bench:mail — latency from delivering a message to a mail job's action, with the real daemon (`pai daemon
 * start`) watching a real dovecot on loopback (tests/helpers/dovecot.ts; needs dovecot-imapd).
 *
 * Each message is written into the Maildir (as an MTA delivers it) and the clock runs until the job's firing is
 * recorded (the action starts: created_at) and until it is done (finished_at), read from the database. The job's
 * interval is ten minutes, so what fires within a second is IDLE's doing. p50 and p95 over the messages.
 * Target: delivery to action done p50 < 1 s.
 *
 * With --no-idle the server does not announce IDLE and the job checks every --interval ms (the fallback).
 *
 *   npx bun scripts/bench-mail.ts [--messages 12] [--no-idle --interval 5000]
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openDatabase } from "../src/app/db.ts";
import { dovecotAvailable, startDovecot } from "../tests/helpers/dovecot.ts";

const ROOT = resolve(import.meta.dirname, "..");
const PAI = join(ROOT, "bin", "pai");

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const MESSAGES = Math.max(5, arg("--messages", 12));
const IDLE = !process.argv.includes("--no-idle");
const INTERVAL_MS = IDLE ? 600_000 : arg("--interval", 5_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function main(): Promise<void> {
  if (!dovecotAvailable()) {
    console.error("pai: bench:mail needs dovecot — install dovecot-imapd (apt-get install dovecot-imapd)");
    process.exit(1);
  }
  const base = mkdtempSync(join(tmpdir(), "pai-bench-mail-"));
  chmodSync(base, 0o755); // run as root, dovecot serves the mail as an unprivileged user: it must reach the folder
  const home = join(base, "home");
  const server = await startDovecot(join(base, "imap"), { idle: IDLE });
  const env = { ...process.env, PAI_HOME: home, NO_COLOR: "1", PAI_BENCH_IMAP_PASSWORD: server.password };
  const pai = (...args: string[]) => {
    const r = spawnSync(PAI, args, { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`pai ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  let started = false;
  try {
    pai("init", "--name", "Bench");
    writeFileSync(
      join(home, "user", "jobs", "inbox.json"),
      JSON.stringify({
        trigger: { type: "mail", host: "127.0.0.1", port: server.port, secure: false, user: server.user, passwordEnv: "PAI_BENCH_IMAP_PASSWORD", subject: "bench", intervalMs: INTERVAL_MS },
        action: { type: "remember", text: "mail: {{subject}}" },
      }),
    );
    const { pid } = JSON.parse(pai("daemon", "start", "--json")) as { pid: number };
    started = true;
    const log = join(home, "user", "logs", "daemon.log");
    const ready = IDLE ? "(IDLE)" : "the server has no IDLE";
    const deadline = Date.now() + 30_000;
    while (!readFileSync(log, "utf8").includes(ready)) {
      if (Date.now() > deadline) throw new Error(`the daemon did not start watching the mailbox:\n${readFileSync(log, "utf8")}`);
      await sleep(50);
    }
    console.log(`daemon pid ${pid}, dovecot on 127.0.0.1:${server.port}, ${IDLE ? "IDLE" : `no IDLE: checks every ${INTERVAL_MS} ms`}, job interval ${INTERVAL_MS} ms`);
    await sleep(500);

    const db = openDatabase(join(home, "user", "pai.db"));
    const toStart: number[] = [];
    const toDone: number[] = [];
    for (let i = 1; i <= MESSAGES; i++) {
      const t = Date.now();
      server.deliver({ from: "bench@example.com", subject: `bench ${i}` });
      const until = Date.now() + Math.max(10_000, 2 * INTERVAL_MS);
      let row: { created_at: string; finished_at: string | null } | undefined;
      while (Date.now() < until) {
        row = db
          .prepare<{ created_at: string; finished_at: string | null }>("SELECT created_at, finished_at FROM job_firings WHERE job = 'inbox' AND fire_key LIKE ? AND status = 'ok'")
          .get(`mail:%:${i}`);
        if (row?.finished_at) break;
        await sleep(5);
      }
      if (!row?.finished_at) throw new Error(`message ${i} did not fire`);
      toStart.push(Date.parse(row.created_at) - t);
      toDone.push(Date.parse(row.finished_at) - t);
      await sleep(200 + Math.floor(Math.random() * 300));
    }
    db.close();
    toStart.sort((x, y) => x - y);
    toDone.sort((x, y) => x - y);
    console.log("");
    console.log(`delivery → action starts, ${MESSAGES} messages: p50 ${pct(toStart, 50)} ms, p95 ${pct(toStart, 95)} ms, min ${toStart[0]} ms, max ${toStart[toStart.length - 1]} ms`);
    const done = `delivery → action done,   ${MESSAGES} messages: p50 ${pct(toDone, 50)} ms, p95 ${pct(toDone, 95)} ms, min ${toDone[0]} ms, max ${toDone[toDone.length - 1]} ms`;
    if (IDLE) {
      console.log(`${done}   (target p50 < 1000 ms)`);
      console.log(pct(toDone, 50) < 1000 ? "target met" : "target missed");
    } else {
      console.log(`${done}   (polling: up to the ${INTERVAL_MS} ms interval)`);
    }
  } finally {
    if (started) spawnSync(PAI, ["daemon", "stop"], { env });
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
