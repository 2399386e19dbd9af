/**
 * Memory sync from the daemon. When another device's files change in the sync folder (`pai sync init`), at start,
 * and every minute while local changes wait to be published, the daemon runs `pai sync now` in a child process:
 * the whole command, so a forget that arrives blanks every copy pai holds, as it does when run by hand. One run at
 * a time; a change during a run brings one more after it. Nothing is watched on a device that does not sync.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { FSWatcher } from "chokidar";
import { installDir } from "../../kernel/paths.ts";
import type { Database } from "../../kernel/storage/index.ts";

export interface SyncWatchOptions {
  db: Database;
  /** PAI_HOME of the daemon, given to the command it runs. */
  home: string;
  log: (line: string) => void;
  /** Quiet time after a change before syncing (default 1 s: the sync engine writes a file in several steps). */
  debounceMs?: number;
  /** How often to look for local changes waiting to be published (default a minute). */
  everyMs?: number;
}

export class SyncWatch {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: SyncWatchOptions) {}

  async start(): Promise<void> {
    let folder: string | undefined;
    let own: string | undefined;
    try {
      const { syncFolder } = await import("../../memory/sync/index.ts");
      const { getState } = await import("../../memory/sync/state.ts");
      folder = syncFolder(this.opts.db);
      own = getState(this.opts.db, "device");
    } catch {
      return;
    }
    if (!folder || !existsSync(folder) || this.stopped) return;
    const dir = join(folder, "devices");
    mkdirSync(dir, { recursive: true });
    const mine = own ? resolve(dir, own) + sep : undefined;
    const { watch } = await import("chokidar");
    if (this.stopped) return;
    this.watcher = watch(dir, { ignoreInitial: true, depth: 2, followSymlinks: false });
    // This device's own files change when it publishes: only the others' bring something to apply.
    this.watcher.on("all", (_e, path) => {
      if (path.endsWith(".jsonl") && !(mine && resolve(path).startsWith(mine))) this.schedule();
    });
    this.interval = setInterval(() => {
      if (this.pending()) this.schedule();
    }, this.opts.everyMs ?? 60_000);
    this.interval.unref();
    this.opts.log(`syncing memory through ${folder}`);
    this.schedule();
  }

  private pending(): boolean {
    try {
      return !!this.opts.db.prepare("SELECT 1 AS x FROM sync_outbox LIMIT 1").get();
    } catch {
      return false;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.opts.debounceMs ?? 1000);
  }

  private run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let out = "";
    let err = "";
    const done = (line: string) => {
      if (line) this.opts.log(line);
      this.running = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.schedule();
      }
    };
    try {
      const child = spawn(process.execPath, [join(installDir, "src", "cli", "main.ts"), "sync", "now"], {
        env: { ...process.env, PAI_HOME: this.opts.home, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("error", (e) => done(`sync: ${e.message}`));
      child.on("close", (code) => {
        const said = out.trim();
        if (code !== 0) done(`sync failed: ${err.trim().split("\n")[0] ?? `exit ${code}`}`);
        else done(/^applied 0, published 0\.$/.test(said) ? "" : `sync: ${said}${err.trim() ? ` (${err.trim().split("\n").length} line(s) skipped)` : ""}`);
      });
    } catch (e) {
      done(`sync: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.interval) clearInterval(this.interval);
    await this.watcher?.close();
  }
}
