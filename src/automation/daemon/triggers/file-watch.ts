/**
 * File watches: one chokidar watcher for every file job's path. A watch never follows a symlink (a watched
 * path that is itself one is resolved once) and stops at daemon.watchMaxDepth levels and daemon.watchMaxEntries
 * entries, which it reports in the log and, for `pai jobs list`, beside the job. Paths that do not exist yet are
 * looked for every few seconds. Events are debounced per job.
 *
 * File watches never hold back the other triggers: each sync is queued behind the previous one and runs in the
 * background; `ready()` resolves once the watches set up so far have finished their first scan.
 */
import { existsSync, realpathSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { FSWatcher } from "chokidar";
import type { FileTrigger, Job } from "../../jobs/schema.ts";
import { clearWatchWarning, setWatchWarning } from "../../state.ts";
import type { Trigger, TriggerHost } from "./trigger.ts";

const MISSING_PATH_CHECK_MS = 2_000;

/** True when path is root or inside it. */
function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export class FileWatches implements Trigger {
  private jobs = new Map<string, Job>();
  private watcher: FSWatcher | undefined;
  private watchedPaths = new Map<string, Set<string>>(); // absolute path -> job names
  private realRoots = new Map<string, string>(); // absolute path -> the real path watched (a symlinked root is resolved once)
  private chokidarPaths = new Set<string>(); // real paths
  private entries = new Set<string>(); // every entry the watcher accepted, bounded by daemon.watchMaxEntries
  private bounds = new Map<string, string>(); // real root -> the bound it hit
  private syncing: Promise<void> = Promise.resolve();
  private scanned: Promise<void> = Promise.resolve();
  private missingPaths = new Set<string>();
  private missingTimer: ReturnType<typeof setInterval> | undefined;
  private debounce = new Map<string, { timer: ReturnType<typeof setTimeout>; path: string; event: string }>();
  private eventSeq = 0;

  constructor(private host: TriggerHost) {}

  sync(jobs: ReadonlyMap<string, Job>): void {
    this.jobs = new Map([...jobs].filter(([, j]) => j.trigger.type === "file"));
    this.queue();
  }

  /** Resolves once the watches set up so far have finished their first scan. */
  async ready(): Promise<void> {
    await this.syncing;
    await this.scanned;
  }

  async stop(): Promise<void> {
    if (this.missingTimer) clearInterval(this.missingTimer);
    this.missingTimer = undefined;
    for (const d of this.debounce.values()) clearTimeout(d.timer);
    this.debounce.clear();
    await this.syncing;
    await this.watcher?.close();
  }

  private queue(): void {
    this.syncing = this.syncing.then(() => this.apply().catch((err) => this.host.log(`file watches: ${(err as Error).message}`)));
  }

  private async apply(): Promise<void> {
    const { host } = this;
    if (host.stopping) return;
    const want = new Map<string, Set<string>>();
    for (const job of this.jobs.values()) {
      if (job.trigger.type !== "file") continue;
      const abs = resolve(host.paths.home, job.trigger.path.replace(/^~(?=\/|$)/, process.env.HOME ?? "~"));
      if (!want.has(abs)) want.set(abs, new Set());
      want.get(abs)!.add(job.name);
    }
    for (const [path, names] of this.watchedPaths) {
      for (const name of names) if (!want.get(path)?.has(name)) clearWatchWarning(host.db, name);
    }
    this.watchedPaths = want;
    // chokidar watches only paths that exist: missing ones are looked for every few seconds.
    const present = [...want.keys()].filter((p) => existsSync(p));
    const missing = [...want.keys()].filter((p) => !existsSync(p));
    for (const m of missing) if (!this.missingPaths.has(m)) host.log(`waiting for ${m} to exist before watching it`);
    this.missingPaths = new Set(missing);
    if (this.missingTimer) clearInterval(this.missingTimer);
    this.missingTimer = undefined;
    if (missing.length && !host.stopping) {
      this.missingTimer = setInterval(() => {
        const appeared = [...this.missingPaths].filter((p) => existsSync(p));
        if (!appeared.length) return;
        for (const p of appeared) this.missingPaths.delete(p);
        this.queue();
      }, MISSING_PATH_CHECK_MS);
    }
    // A watched path that is itself a symlink is resolved once (the user named it); inside it, no symlink is followed.
    this.realRoots = new Map(
      present.map((p) => {
        try {
          return [p, realpathSync(p)];
        } catch {
          return [p, p];
        }
      }),
    );
    const real = new Set(this.realRoots.values());
    const add = [...real].filter((p) => !this.chokidarPaths.has(p));
    const remove = [...this.chokidarPaths].filter((p) => !real.has(p));
    if (!real.size) {
      if (this.watcher) await this.watcher.close();
      this.watcher = undefined;
      this.chokidarPaths.clear();
      this.entries.clear();
      return;
    }
    if (!this.watcher) {
      const { watch } = await import("chokidar");
      if (host.stopping) return;
      const watcher = watch(add, {
        ignoreInitial: true,
        persistent: true,
        ignorePermissionErrors: true,
        atomic: false,
        followSymlinks: false,
        // One level further than the bound, so that what lies past it is seen (and reported) by the filter.
        depth: host.config.daemon.watchMaxDepth + 1,
        ignored: (path: string) => this.beyondBounds(path),
      });
      watcher.on("all", (event, path) => this.onEvent(event, path));
      watcher.on("error", (err) => host.log(`file watcher: ${(err as Error).message}`));
      this.watcher = watcher;
      this.chokidarPaths = new Set(add);
      this.scanned = new Promise<void>((res) => watcher.once("ready", () => res()));
      return;
    }
    if (remove.length) {
      this.watcher.unwatch(remove);
      for (const e of [...this.entries]) if (remove.some((r) => e === r || e.startsWith(r + sep))) this.entries.delete(e);
    }
    if (add.length) this.watcher.add(add);
    for (const p of remove) this.chokidarPaths.delete(p);
    for (const p of add) this.chokidarPaths.add(p);
  }

  /**
   * The watcher's filter: an entry deeper than daemon.watchMaxDepth below its watched folder, or past
   * daemon.watchMaxEntries entries in all, is not watched; the first time a folder hits a bound it is logged and
   * noted for `pai jobs list`.
   */
  private beyondBounds(path: string): boolean {
    const abs = resolve(path);
    if (this.entries.has(abs)) return false;
    const root = [...this.chokidarPaths].find((r) => isUnder(abs, r));
    if (!root) return false; // a parent folder chokidar looks at to watch a single file
    const { watchMaxDepth, watchMaxEntries } = this.host.config.daemon;
    // A folder's own entries are at depth 1; those inside N levels of subfolders at N + 1.
    const depth = abs === root ? 0 : relative(root, abs).split(sep).length;
    if (depth > watchMaxDepth + 1) return this.boundHit(root, `more than ${watchMaxDepth} levels of folders (daemon.watchMaxDepth): deeper ones are not watched`);
    if (this.entries.size >= watchMaxEntries) return this.boundHit(root, `more than ${watchMaxEntries} entries in the watched folders (daemon.watchMaxEntries): the rest are not watched`);
    this.entries.add(abs);
    return false;
  }

  private boundHit(root: string, what: string): true {
    if (this.bounds.get(root) === what) return true;
    this.bounds.set(root, what);
    const shown = [...this.realRoots].find(([, r]) => r === root)?.[0] ?? root;
    this.host.log(`watching ${shown}: ${what}`);
    for (const [configured, names] of this.watchedPaths) {
      if ((this.realRoots.get(configured) ?? configured) !== root) continue;
      for (const name of names) {
        try {
          setWatchWarning(this.host.db, name, `${shown}: ${what}`);
        } catch {}
      }
    }
    return true;
  }

  private onEvent(event: string, path: string): void {
    const kind = event === "addDir" ? "add" : event === "unlinkDir" ? "unlink" : event;
    if (kind !== "add" && kind !== "change" && kind !== "unlink") return;
    const abs = resolve(path);
    if (kind === "unlink") this.entries.delete(abs);
    for (const [watched, names] of this.watchedPaths) {
      const root = this.realRoots.get(watched) ?? watched;
      if (!isUnder(abs, root)) continue;
      // The path as the job names it (under a symlinked root, not under its target).
      const shown = abs === root ? watched : join(watched, relative(root, abs));
      for (const name of names) {
        const job = this.jobs.get(name);
        if (!job || job.trigger.type !== "file") continue;
        const t = job.trigger as FileTrigger;
        if (!t.events.includes(kind)) continue;
        const pending = this.debounce.get(name);
        if (pending) clearTimeout(pending.timer);
        const timer = setTimeout(() => {
          const d = this.debounce.get(name);
          this.debounce.delete(name);
          if (!d) return;
          const current = this.jobs.get(name);
          if (!current) return;
          this.host.dispatch(current, {
            trigger: "file",
            key: `file:${Date.now()}:${process.pid}:${++this.eventSeq}`,
            vars: { path: d.path, event: d.event },
          });
        }, t.debounceMs);
        this.debounce.set(name, { timer, path: shown, event: kind });
      }
    }
  }
}
