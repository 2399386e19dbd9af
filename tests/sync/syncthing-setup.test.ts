/** `pai sync setup-syncthing`: prints the folder's settings, or applies them to a real Syncthing on loopback. */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startSyncthings, syncthingAvailable, type SyncthingCluster } from "../helpers/syncthing.ts";
import { tmpDir } from "../helpers/tmp.ts";

const available = syncthingAvailable();
if (!available) console.warn("skipping the setup-syncthing --apply tests: /usr/bin/syncthing is missing (apt-get install syncthing)");

let cluster: SyncthingCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe("pai sync setup-syncthing", () => {
  it("prints the folder's settings and the steps, and changes nothing", () => {
    const home = initHome(tmpDir());
    const folder = join(tmpDir(), "pai-sync");
    const r = pai(["sync", "setup-syncthing", "--folder", folder], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("pai-sync");
    expect(r.stdout).toContain(folder);
    expect(r.stdout).toMatch(/watch for changes\s+on/);
    expect(r.stdout).toMatch(/file versioning\s+off/);
    expect(r.stdout).toContain("*.tmp");
    expect(r.stdout).toContain("--share-with");
    expect(existsSync(folder)).toBe(false);
    const j = pai(["sync", "setup-syncthing", "--folder", folder, "--json"], { home });
    expect(JSON.parse(j.stdout)).toMatchObject({ applied: false, folder: { id: "pai-sync", path: folder, fs_watcher_enabled: true } });
  });

  it("takes the folder 'pai sync init' set for this device; without one, says how to set it", () => {
    const home = initHome(tmpDir());
    const none = pai(["sync", "setup-syncthing"], { home });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/^pai: this device has no sync folder yet — run 'pai sync init --folder DIR' first, or pass --folder DIR/);
    const folder = join(tmpDir(), "pai-sync");
    const init = pai(["sync", "init", "--folder", folder], { home, env: { PAI_SYNC_KEY: undefined } });
    expect(init.code, init.stderr).toBe(0);
    const r = pai(["sync", "setup-syncthing", "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).folder.path).toBe(folder);
  });

  it("bad input: one line naming the fix, non-zero exit", () => {
    const home = initHome(tmpDir());
    const bad = pai(["sync", "setup-syncthing", "--folder", "/tmp/x", "--share-with", "nope"], { home });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^pai: 'nope' is not a Syncthing device id — /);
    const untrusted = pai(["sync", "setup-syncthing", "--folder", "/tmp/x", "--untrusted", "MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD"], {
      home,
      env: { PAI_SYNCTHING_PASSWORD: undefined },
    });
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/PAI_SYNCTHING_PASSWORD/);
    const noKey = pai(["sync", "setup-syncthing", "--apply", "--folder", "/tmp/x"], { home, env: { HOME: tmpDir(), XDG_STATE_HOME: undefined, XDG_CONFIG_HOME: undefined } });
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toMatch(/config\.xml was not found — pass --api-key/);
  });
});

describe.skipIf(!available)("pai sync setup-syncthing --apply (real Syncthing on loopback)", { timeout: 60_000 }, () => {
  it("finds the API key in Syncthing's config.xml, adds the folder shared with the other device; files then travel", async () => {
    const dir = tmpDir("pai-st-cli-");
    cluster = await startSyncthings(dir, 2);
    const [a, b] = [cluster.nodes[0]!, cluster.nodes[1]!];
    const home = initHome(join(dir, "home-a"));
    // Syncthing's default location: $XDG_STATE_HOME/syncthing/config.xml.
    const state = join(dir, "state");
    mkdirSync(state);
    symlinkSync(a.home, join(state, "syncthing"));
    const r = await paiAsync(["sync", "setup-syncthing", "--apply", "--folder", join(dir, "a"), "--share-with", b.deviceId], { home, env: { XDG_STATE_HOME: state } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`added  Syncthing folder pai-sync at ${join(dir, "a")}`);
    expect(r.stdout).toContain(a.deviceId);
    // The other device with the key given on the command line.
    const rb = await paiAsync(["sync", "setup-syncthing", "--apply", "--api", b.apiUrl, "--api-key", b.apiKey, "--folder", join(dir, "b"), "--share-with", a.deviceId, "--json"], {
      home: initHome(join(dir, "home-b")),
    });
    expect(rb.code, rb.stderr).toBe(0);
    expect(JSON.parse(rb.stdout)).toMatchObject({ applied: true, created: true, device_id: b.deviceId, shared_with: [a.deviceId] });
    const folder = await a.api<Record<string, unknown>>("GET", "/rest/config/folders/pai-sync");
    expect(folder).toMatchObject({ fsWatcherEnabled: true, versioning: { type: "" } });
    await cluster.waitForConnections();
    const ms = await cluster.waitForConvergence("pai-sync", { until: () => existsSync(join(dir, "b", ".stignore")) });
    expect(readFileSync(join(dir, "b", ".stignore"), "utf8")).toContain("*.tmp");
    console.log(`syncthing: the folder set up by the CLI on both devices converged in ${ms} ms`);
    // Again: nothing new.
    const again = await paiAsync(["sync", "setup-syncthing", "--apply", "--folder", join(dir, "a")], { home, env: { XDG_STATE_HOME: state } });
    expect(again.stdout).toContain("updated  Syncthing folder pai-sync");
    expect(again.stdout).toContain(`shared with: ${b.deviceId}`);
  });
});
