/**
 * pai on two and three devices (separate PAI_HOMEs), their sync folders carried by real Syncthing instances on
 * loopback: what one remembers the others find; two devices offline both write and converge with nothing lost;
 * a forget reaches every database and leaves nothing readable in any folder; a private item's text never
 * appears in clear in any folder nor on the untrusted relay's disk.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, paiAsync, type RunResult } from "../helpers/cli.ts";
import { startSyncthings, syncthingAvailable, syncthingVersion, type SyncthingCluster } from "../helpers/syncthing.ts";
import { tmpDir } from "../helpers/tmp.ts";

const available = syncthingAvailable();
if (!available) console.warn("skipping the sync end-to-end tests: /usr/bin/syncthing is missing (apt-get install syncthing)");

const FOLDER = "pai-sync";
const RELAY_PASSWORD = "relay-folder-password-for-tests";

let cluster: SyncthingCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Every regular file under dir, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...filesUnder(p));
    else if (s.isFile()) out.push(p);
  }
  return out;
}

/** The files under these folders whose bytes contain the text. */
function holding(text: string, ...dirs: string[]): string[] {
  const needle = Buffer.from(text);
  return dirs.flatMap((d) => (statSync(d).isFile() ? [d] : filesUnder(d))).filter((f) => readFileSync(f).includes(needle));
}

async function ok(p: Promise<RunResult>, what: string): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

interface Devices {
  homes: string[];
  folders: string[];
  relayFolder?: string;
  cluster: SyncthingCluster;
  run(i: number, args: string[]): Promise<RunResult>;
  remember(i: number, text: string, ...flags: string[]): Promise<void>;
  syncNow(i: number): Promise<RunResult>;
  /** Every device publishes, Syncthing converges, every device applies (twice over, so what one applies and re-publishes travels too). */
  syncAll(): Promise<number>;
  finds(i: number, query: string): Promise<string>;
}

/** The key printed by `pai sync init` (its --json answer). */
function keyOf(r: RunResult): string {
  const data = JSON.parse(r.stdout) as Record<string, unknown>;
  const key = data.key ?? data.sync_key;
  if (typeof key !== "string") throw new Error(`pai sync init --json gave no key: ${r.stdout}`);
  return key;
}

/**
 * n devices, each with its own PAI_HOME, sync folder and Syncthing; `relay`: one more Syncthing that holds the
 * folder encrypted (receiveencrypted) and runs no pai.
 */
async function devices(n: number, opts: { relay?: boolean } = {}): Promise<Devices> {
  const dir = tmpDir("pai-sync-e2e-");
  const nodes = n + (opts.relay ? 1 : 0);
  const c = await startSyncthings(dir, nodes, { untrusted: opts.relay ? [n] : [] });
  cluster = c;
  const homes = Array.from({ length: n }, (_, i) => initHome(join(dir, `home-${i}`), `Ada ${i}`));
  const folders = Array.from({ length: n }, (_, i) => join(dir, `sync-${i}`));
  const relayFolder = opts.relay ? join(dir, "relay") : undefined;
  const paths: Record<number, string> = Object.fromEntries(folders.map((f, i) => [i, f]));
  if (relayFolder) paths[n] = relayFolder;
  await c.shareFolder(FOLDER, { paths, encryptionPassword: RELAY_PASSWORD });
  await c.waitForConnections();

  const run = (i: number, args: string[]) => paiAsync(args, { home: homes[i], env: { PAI_SYNC_KEY: undefined } });
  const key = keyOf(await ok(run(0, ["sync", "init", "--folder", folders[0]!, "--json"]), "pai sync init"));
  await c.waitForConvergence(FOLDER);
  for (let i = 1; i < n; i++) await ok(run(i, ["sync", "init", "--folder", folders[i]!, "--key", key]), `pai sync init on device ${i}`);

  const d: Devices = {
    homes,
    folders,
    relayFolder,
    cluster: c,
    run,
    async remember(i, text, ...flags) {
      await ok(run(i, ["remember", ...flags, text]), "pai remember");
    },
    syncNow: (i) => ok(run(i, ["sync", "now"]), `pai sync now on device ${i}`),
    async syncAll() {
      const t0 = Date.now();
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < n; i++) if (c.nodes[i]!.running()) await d.syncNow(i);
        await c.waitForConvergence(FOLDER);
      }
      for (let i = 0; i < n; i++) if (c.nodes[i]!.running()) await d.syncNow(i);
      return Date.now() - t0;
    },
    async finds(i, query) {
      return (await ok(run(i, ["memory", "search", query]), "pai memory search")).stdout;
    },
  };
  await d.syncAll();
  return d;
}

/** The database files of a PAI_HOME (the file, its WAL and shared memory). */
function dbFiles(home: string): string[] {
  return filesUnder(home).filter((f) => /\.db(-wal|-shm)?$/.test(f));
}

describe.skipIf(!available)(`pai sync through Syncthing ${syncthingVersion()} on loopback`, { timeout: 90_000 }, () => {
  it("remembered on one device, found on the two others after a sync", async () => {
    const d = await devices(3);
    await d.remember(0, "the allotment key is under the blue flowerpot");
    const ms = await d.syncAll();
    console.log(`sync e2e: remember → found on 3 devices in ${ms} ms`);
    expect(await d.finds(1, "allotment flowerpot")).toContain("the allotment key is under the blue flowerpot");
    expect(await d.finds(2, "allotment flowerpot")).toContain("the allotment key is under the blue flowerpot");
  });

  it("both devices offline, both remember; back online, both hold both and nothing is lost", async () => {
    const d = await devices(2);
    await d.cluster.stopNode(0);
    await d.cluster.stopNode(1);
    await d.remember(0, "written on the laptop on the train");
    await d.remember(1, "written on the server during the outage");
    await d.syncNow(0);
    await d.syncNow(1);
    await d.cluster.startNode(0);
    await d.cluster.startNode(1);
    await d.cluster.waitForConnections();
    const ms = await d.syncAll();
    console.log(`sync e2e: two offline devices converged in ${ms} ms after restart`);
    for (const i of [0, 1]) {
      expect(await d.finds(i, "laptop train")).toContain("written on the laptop on the train");
      expect(await d.finds(i, "server outage")).toContain("written on the server during the outage");
    }
  });

  it("forget on one device: after a sync the text is in no database file and readable in no folder", async () => {
    const d = await devices(2, { relay: true });
    const text = "my old passport number is XK4471923";
    await d.remember(0, text);
    await d.syncAll();
    expect(await d.finds(1, "passport")).toContain(text);
    const id = /^\s*#?(\d+)/m.exec(await d.finds(1, "passport"))?.[1];
    expect(id, "the local id on device 1").toBeTruthy();
    await ok(d.run(1, ["memory", "forget", id!, "--yes"]), "pai memory forget");
    await d.syncAll();
    for (const i of [0, 1]) expect(await d.finds(i, "passport")).not.toContain(text);
    expect(holding(text, ...d.homes.flatMap(dbFiles))).toEqual([]);
    expect(holding(text, ...d.homes)).toEqual([]);
    expect(holding(text, ...d.folders, d.relayFolder!)).toEqual([]);
  });

  it("a private item's text never appears in clear in any folder, nor anywhere on the untrusted relay's disk", async () => {
    const d = await devices(2, { relay: true });
    const text = "private: the diagnosis from the clinic on 3 March";
    await d.remember(0, text, "--private");
    await d.syncAll();
    expect(await d.finds(1, "diagnosis clinic")).toContain(text);
    const relayHome = d.cluster.nodes[2]!.home;
    expect(holding(text, ...d.folders, d.relayFolder!, relayHome)).toEqual([]);
    expect(holding("diagnosis", ...d.folders, d.relayFolder!, relayHome)).toEqual([]);
    // The relay holds something: encrypted files, not an empty folder.
    expect(filesUnder(d.relayFolder!).filter((f) => !f.includes(".stfolder")).length).toBeGreaterThan(0);
  });
});
