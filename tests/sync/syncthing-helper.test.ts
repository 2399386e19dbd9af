/** The Syncthing nodes the sync tests use carry plain files between folders on loopback. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSyncthings, syncthingAvailable, syncthingVersion, type SyncthingCluster } from "../helpers/syncthing.ts";
import { tmpDir } from "../helpers/tmp.ts";

const available = syncthingAvailable();
if (!available) console.warn("skipping the Syncthing tests: /usr/bin/syncthing is missing (apt-get install syncthing)");

/** Every file under dir, recursively, with its bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...filesUnder(p));
    else if (s.isFile()) out.push({ path: p, bytes: readFileSync(p) });
  }
  return out;
}

let cluster: SyncthingCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe.skipIf(!available)(`Syncthing on loopback (${syncthingVersion()})`, { timeout: 60_000 }, () => {
  it("a file written on one node appears on the other within 30 s; discovery, relays and NAT are off", async () => {
    const dir = tmpDir("pai-st-");
    cluster = await startSyncthings(dir, 2);
    const a = cluster.nodes[0]!;
    const opts = await a.api<{ globalAnnounceEnabled: boolean; localAnnounceEnabled: boolean; relaysEnabled: boolean; natEnabled: boolean; urAccepted: number; crashReportingEnabled: boolean; autoUpgradeIntervalH: number; listenAddresses: string[] }>("GET", "/rest/config/options");
    expect(opts).toMatchObject({ globalAnnounceEnabled: false, localAnnounceEnabled: false, relaysEnabled: false, natEnabled: false, urAccepted: -1, crashReportingEnabled: false, autoUpgradeIntervalH: 0 });
    expect(opts.listenAddresses).toEqual([`tcp://127.0.0.1:${a.listenPort}`]);
    await cluster.shareFolder("plain", { paths: { 0: join(dir, "a"), 1: join(dir, "b") } });
    await cluster.waitForConnections();
    const t0 = Date.now();
    writeFileSync(join(dir, "a", "hello.txt"), "hello from a\n");
    // No rescan asked for: the file watcher alone carries it.
    while (!existsSync(join(dir, "b", "hello.txt")) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    const ms = Date.now() - t0;
    expect(readFileSync(join(dir, "b", "hello.txt"), "utf8")).toBe("hello from a\n");
    console.log(`syncthing: a file reached the other node in ${ms} ms`);
    expect(ms).toBeLessThan(30_000);
  });

  it("an untrusted node holds only encrypted blocks yet relays a change between two nodes never online together", async () => {
    const dir = tmpDir("pai-st-");
    cluster = await startSyncthings(dir, 3, { untrusted: [2] });
    const password = "folder-password-for-the-relay";
    await cluster.shareFolder("relay", { paths: { 0: join(dir, "a"), 1: join(dir, "b"), 2: join(dir, "u") }, encryptionPassword: password });
    await cluster.waitForConnections();
    await cluster.stopNode(1);
    const secret = "the-secret-text-that-must-stay-encrypted-7f3a";
    writeFileSync(join(dir, "a", "note.txt"), `${secret}\n`);
    const toRelay = await cluster.waitForConvergence("relay", { until: () => filesUnder(join(dir, "u")).some((f) => !f.path.includes(".stfolder") && f.bytes.length > 0) });
    await cluster.stopNode(0);
    await cluster.startNode(1);
    const t0 = Date.now();
    await cluster.waitForConvergence("relay", { until: () => existsSync(join(dir, "b", "note.txt")) });
    console.log(`syncthing: A → untrusted node ${toRelay} ms; untrusted node → B ${Date.now() - t0} ms`);
    expect(readFileSync(join(dir, "b", "note.txt"), "utf8")).toBe(`${secret}\n`);
    // Neither the text nor the file's name is on the untrusted node's disk: not in its folder, not in its database.
    for (const root of [join(dir, "u"), cluster.nodes[2]!.home]) {
      for (const f of filesUnder(root)) {
        expect(f.bytes.includes(Buffer.from(secret)), f.path).toBe(false);
        expect(f.bytes.includes(Buffer.from("note.txt")), f.path).toBe(false);
      }
    }
  });
});
