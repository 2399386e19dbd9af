import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type Config } from "../../src/config/index.ts";
import { Daemon } from "../../src/automation/daemon/daemon.ts";
import { paths, type Paths } from "../../src/kernel/paths.ts";
import { openDatabase, type Database } from "../../src/app/db.ts";
import { initHome } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** Polls until fn returns something truthy. The deadline is generous: it only matters when the condition never comes. */
export async function waitFor<T>(fn: () => T | undefined | false | null, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Rig {
  home: string;
  p: Paths;
  db: Database;
  config: Config;
  daemon: Daemon;
  firings(job?: string): { id: number; job: string; trigger: string; status: string; fire_key: string; scheduled_at: string | null }[];
  memories(): { content: string; kind: string }[];
  close(): Promise<void>;
}

export function writeJob(p: Paths, name: string, spec: unknown): void {
  writeFileSync(join(p.jobs, `${name}.json`), JSON.stringify(spec, null, 2));
}

/** A temporary PAI_HOME with jobs written, and a daemon running in this process. */
export async function rig(jobs: Record<string, unknown>, tweak?: (c: Config) => Config, before?: (home: string) => void): Promise<Rig> {
  const home = initHome(tmpDir());
  before?.(home);
  const p = paths(home);
  for (const [name, spec] of Object.entries(jobs)) writeJob(p, name, spec);
  const db = openDatabase(p.db);
  let config = loadConfig(p.config);
  if (tweak) config = tweak(config);
  const daemon = new Daemon({ paths: p, config, db, log: process.env.PAI_TEST_DAEMON_LOG ? (l) => console.error(l) : () => {}, watchJobs: false });
  await daemon.start();
  // File watches start after the other triggers: a test that changes a file waits for their first scan.
  await daemon.watching();
  return {
    home,
    p,
    db,
    config,
    daemon,
    firings: (job?: string) =>
      db
        .prepare<any>(`SELECT id, job, trigger, status, fire_key, scheduled_at FROM job_firings${job ? " WHERE job = ?" : ""} ORDER BY id`)
        .all(...(job ? [job] : [])),
    memories: () => db.prepare<any>("SELECT content, kind FROM memory_items ORDER BY id").all(),
    async close() {
      await daemon.stop(1000);
      await daemon.idle();
      db.close();
    },
  };
}

/** True while the process runs (a zombie or a dead process is not alive). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}
