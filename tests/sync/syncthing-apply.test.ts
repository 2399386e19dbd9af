/** The folder plan for a device's sync folder, applied to real Syncthing nodes through their REST API. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applySyncthingFolder } from "../../src/interop/syncthing-api.ts";
import { normalizeDeviceId, parseSyncthingGui, syncthingConfigCandidates, syncthingFolderPlan } from "../../src/interop/syncthing.ts";
import { startSyncthings, syncthingAvailable, type SyncthingCluster } from "../helpers/syncthing.ts";
import { tmpDir } from "../helpers/tmp.ts";

const available = syncthingAvailable();
if (!available) console.warn("skipping the Syncthing apply tests: /usr/bin/syncthing is missing (apt-get install syncthing)");

let cluster: SyncthingCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe("the Syncthing folder plan", () => {
  it("reads the API's address and key from config.xml; a wildcard listen address means loopback", () => {
    const xml = `<configuration version="36"><gui enabled="true" tls="false"><address>0.0.0.0:8385</address><apikey>k&amp;y</apikey></gui></configuration>`;
    expect(parseSyncthingGui(xml)).toEqual({ url: "http://127.0.0.1:8385", apiKey: "k&y", tls: false });
    expect(parseSyncthingGui(`<gui tls="true"><address>[::]:8384</address></gui>`)).toEqual({ url: "https://[::1]:8384", apiKey: undefined, tls: true });
    expect(parseSyncthingGui(`<gui><address>unix:///run/st.sock</address><apikey>a</apikey></gui>`).url).toBeUndefined();
    expect(syncthingConfigCandidates({ XDG_CONFIG_HOME: "/x" }, "/home/ada")).toEqual([
      "/home/ada/.local/state/syncthing/config.xml",
      "/x/syncthing/config.xml",
      "/home/ada/Library/Application Support/Syncthing/config.xml",
    ]);
  });

  it("takes device ids with or without dashes and refuses anything else", () => {
    const id = "MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD";
    expect(normalizeDeviceId(id.toLowerCase().replace(/-/g, ""))).toBe(id);
    expect(() => normalizeDeviceId("not-an-id")).toThrow(/not a Syncthing device id/);
    expect(() => syncthingFolderPlan({ path: "/x", folderId: "a b" })).toThrow(/not a Syncthing folder id/);
    const plan = syncthingFolderPlan({ path: "/x", shareWith: [{ deviceId: id, untrusted: false }, { deviceId: id, untrusted: false }] });
    expect(plan).toMatchObject({ id: "pai-sync", type: "sendreceive", fsWatcherEnabled: true, versioning: { type: "" } });
    expect(plan.shareWith).toHaveLength(1);
    expect(plan.ignores).toContain("*.tmp");
  });
});

describe.skipIf(!available)("applying it to real Syncthing nodes", { timeout: 60_000 }, () => {
  it("adds the folder on both devices; files travel, temporary files do not; applying again changes nothing", async () => {
    const dir = tmpDir("pai-st-apply-");
    cluster = await startSyncthings(dir, 2);
    const [a, b] = [cluster.nodes[0]!, cluster.nodes[1]!];
    const ra = await applySyncthingFolder({ api: a.apiUrl, apiKey: a.apiKey, plan: syncthingFolderPlan({ path: join(dir, "a"), shareWith: [{ deviceId: b.deviceId, untrusted: false }] }) });
    expect(ra).toMatchObject({ deviceId: a.deviceId, folderId: "pai-sync", created: true, devicesAdded: [], sharedWith: [b.deviceId] });
    const rb = await applySyncthingFolder({ api: b.apiUrl, apiKey: b.apiKey, plan: syncthingFolderPlan({ path: join(dir, "b"), shareWith: [{ deviceId: a.deviceId, untrusted: false }] }) });
    expect(rb.created).toBe(true);

    const folder = await a.api<Record<string, unknown>>("GET", "/rest/config/folders/pai-sync");
    expect(folder).toMatchObject({ path: join(dir, "a"), type: "sendreceive", fsWatcherEnabled: true, fsWatcherDelayS: 2, versioning: { type: "" } });
    expect(readFileSync(join(dir, "a", ".stignore"), "utf8")).toContain("*.tmp");

    await cluster.waitForConnections();
    writeFileSync(join(dir, "a", "ops.log"), "line 1\n");
    writeFileSync(join(dir, "a", "ops.log.tmp"), "half written");
    const ms = await cluster.waitForConvergence("pai-sync", { until: () => existsSync(join(dir, "b", "ops.log")) });
    console.log(`syncthing: a folder set up through the API converged in ${ms} ms`);
    expect(readFileSync(join(dir, "b", "ops.log"), "utf8")).toBe("line 1\n");
    expect(existsSync(join(dir, "b", "ops.log.tmp"))).toBe(false);

    // The user's own ignore pattern and devices stay; nothing is added twice.
    await a.api("POST", "/rest/db/ignores?folder=pai-sync", { ignore: ["mine.txt", "*.tmp"] });
    const again = await applySyncthingFolder({ api: a.apiUrl, apiKey: a.apiKey, plan: syncthingFolderPlan({ path: join(dir, "a") }) });
    expect(again).toMatchObject({ created: false, sharedWith: [b.deviceId] });
    expect(again.ignores[0]).toBe("mine.txt");
    expect(again.ignores.filter((p) => p === "*.tmp")).toHaveLength(1);
  });

  it("a wrong API key, a Syncthing that is not there, a path already used by another folder: one clear error each", async () => {
    const dir = tmpDir("pai-st-apply-");
    cluster = await startSyncthings(dir, 1);
    const a = cluster.nodes[0]!;
    const plan = syncthingFolderPlan({ path: join(dir, "a") });
    await expect(applySyncthingFolder({ api: a.apiUrl, apiKey: "wrong", plan })).rejects.toThrow(/refused the API key/);
    await expect(applySyncthingFolder({ api: "http://127.0.0.1:9", apiKey: "x", plan })).rejects.toThrow(/did not answer/);
    await a.api("POST", "/rest/config/folders", { id: "other", path: join(dir, "a") });
    await expect(applySyncthingFolder({ api: a.apiUrl, apiKey: a.apiKey, plan })).rejects.toThrow(/already has the folder 'other'/);
  });
});
