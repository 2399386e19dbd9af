/**
 * Real Syncthing instances on loopback for tests (Debian's `syncthing`). Each node has its own home folder
 * (`syncthing generate --home`), its GUI/REST on 127.0.0.1:<free port> with an API key, and listens for peers
 * on tcp://127.0.0.1:<free port>; global and local discovery, relays, NAT, STUN, usage reporting, automatic
 * upgrades and crash reporting are off. Each pair of nodes connects one way only: a node dials the peers after it by
 * their static addresses and only accepts the peers before it (`dynamic`, with discovery off). Two nodes dialling
 * each other at the same moment could both stall in Syncthing's Hello exchange until its 20 s deadline, then wait for
 * the next dial, longer than the tests wait. A node started with
 * `untrusted` is told by the others that it is untrusted: folders shared with it carry an encryption password, and
 * it holds them as `receiveencrypted` (encrypted blocks and names only).
 *
 * `shareFolder` configures a folder on the nodes given (through the REST API, as a user's tools would),
 * `waitForConvergence` waits until every node is idle, needs nothing and sees every peer complete, `stopNode` and
 * `startNode` take one node offline and back on the same ports, `stop` ends every process group.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export const SYNCTHING_BIN = ["/usr/bin/syncthing", "/usr/local/bin/syncthing"].find((p) => existsSync(p));

export function syncthingAvailable(): boolean {
  return !!SYNCTHING_BIN;
}

/** "v1.19.2" (the first word after "syncthing" in `syncthing --version`). */
export function syncthingVersion(): string {
  if (!SYNCTHING_BIN) return "";
  const r = spawnSync(SYNCTHING_BIN, ["--version"], { encoding: "utf8" });
  return (r.stdout ?? "").split(/\s+/)[1] ?? "";
}

export interface SyncthingNode {
  name: string;
  home: string;
  deviceId: string;
  apiUrl: string;
  apiKey: string;
  listenPort: number;
  untrusted: boolean;
  /** A REST call: the parsed JSON answer (or the text when it is not JSON); throws on a non-2xx status. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  running(): boolean;
  log(): string;
}

export interface ShareOptions {
  /** Node index → folder path on that node; nodes not listed do not have the folder. */
  paths: Record<number, string>;
  /** Password the trusting nodes give the untrusted ones (required when an untrusted node is listed). */
  encryptionPassword?: string;
  rescanIntervalS?: number;
  fsWatcherDelayS?: number;
}

export interface SyncthingCluster {
  nodes: SyncthingNode[];
  shareFolder(folderId: string, opts: ShareOptions): Promise<void>;
  /**
   * Resolves once, twice in a row, every running node sharing the folder is idle, needs nothing and sees each
   * running peer at 100 %, and `until()` (when given) holds; rescans the folder on every node first. Returns
   * the milliseconds it took.
   */
  waitForConvergence(folderId: string, opts?: { timeoutMs?: number; until?: () => boolean }): Promise<number>;
  /** Resolves once every running node is connected to every other running node. */
  waitForConnections(timeoutMs?: number): Promise<void>;
  stopNode(i: number): Promise<void>;
  startNode(i: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Internal extends SyncthingNode {
  guiPort: number;
  child?: ChildProcess;
  out: string;
}

function configXml(version: string, me: Internal, nodes: Internal[]): string {
  const peers = nodes.filter((p) => p !== me);
  const dials = (d: Internal) => d === me || nodes.indexOf(d) > nodes.indexOf(me);
  const device = (d: Internal) => `    <device id="${d.deviceId}" name="${d.name}" compression="metadata" introducer="false">
        <address>${dials(d) ? `tcp://127.0.0.1:${d.listenPort}` : "dynamic"}</address>
        <autoAcceptFolders>false</autoAcceptFolders>
        <untrusted>${d !== me && d.untrusted}</untrusted>
    </device>`;
  return `<configuration version="${version}">
${[me, ...peers].map(device).join("\n")}
    <gui enabled="true" tls="false" debugging="false">
        <address>127.0.0.1:${me.guiPort}</address>
        <apikey>${me.apiKey}</apikey>
    </gui>
    <options>
        <listenAddress>tcp://127.0.0.1:${me.listenPort}</listenAddress>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <globalAnnounceServer></globalAnnounceServer>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <stunServer></stunServer>
        <stunKeepaliveStartS>0</stunKeepaliveStartS>
        <startBrowser>false</startBrowser>
        <urAccepted>-1</urAccepted>
        <urSeen>3</urSeen>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <crashReportingEnabled>false</crashReportingEnabled>
        <reconnectionIntervalS>1</reconnectionIntervalS>
        <progressUpdateIntervalS>1</progressUpdateIntervalS>
        <setLowPriority>false</setLowPriority>
        <announceLANAddresses>false</announceLANAddresses>
        <databaseTuning>small</databaseTuning>
    </options>
</configuration>
`;
}

/**
 * Starts `n` Syncthing nodes under `dir` (dir/st-<i>/), each knowing the others. `untrusted` lists the indexes
 * of nodes the others treat as untrusted.
 */
export async function startSyncthings(dir: string, n: number, opts: { untrusted?: number[] } = {}): Promise<SyncthingCluster> {
  if (!SYNCTHING_BIN) throw new Error("syncthing is not installed");
  const bin = SYNCTHING_BIN;
  const nodes: Internal[] = [];
  let version = "36";
  for (let i = 0; i < n; i++) {
    const home = join(dir, `st-${i}`);
    mkdirSync(home, { recursive: true });
    const g = spawnSync(bin, ["generate", "--home", home, "--no-default-folder", "--skip-port-probing"], { encoding: "utf8" });
    if (g.status !== 0) throw new Error(`syncthing generate failed: ${g.stderr}${g.stdout}`);
    const deviceId = /Device ID:\s*([A-Z0-9-]{63})/.exec(`${g.stdout}${g.stderr}`)?.[1];
    if (!deviceId) throw new Error(`syncthing generate printed no device id: ${g.stdout}${g.stderr}`);
    version = /<configuration version="(\d+)"/.exec(readFileSync(join(home, "config.xml"), "utf8"))?.[1] ?? version;
    const guiPort = await freePort();
    const apiKey = `pai-test-key-${process.pid}-${i}-${Math.random().toString(36).slice(2)}`;
    const node: Internal = {
      name: `node-${i}`,
      home,
      deviceId,
      guiPort,
      apiUrl: `http://127.0.0.1:${guiPort}`,
      apiKey,
      listenPort: await freePort(),
      untrusted: !!opts.untrusted?.includes(i),
      out: "",
      async api<T>(method: string, path: string, body?: unknown): Promise<T> {
        const res = await fetch(`${node.apiUrl}${path}`, {
          method,
          headers: { "X-API-Key": apiKey, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`${node.name}: ${method} ${path}: ${res.status} ${text.trim()}`);
        try {
          return JSON.parse(text) as T;
        } catch {
          return text as T;
        }
      },
      running: () => !!node.child && node.child.exitCode === null && node.child.signalCode === null,
      log: () => node.out.slice(-4000),
    };
    nodes.push(node);
  }
  for (const node of nodes) writeFileSync(join(node.home, "config.xml"), configXml(version, node, nodes));

  const launch = async (node: Internal): Promise<void> => {
    node.out += `--- start ${new Date().toISOString()}\n`;
    const child = spawn(bin, ["serve", "--home", node.home, "--no-browser", "--no-restart", "--no-upgrade", "--logflags=0"], {
      detached: true, // its own process group, ended as a whole
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HOME: node.home, STNORESTART: "1", STNOUPGRADE: "1", STNODEFAULTFOLDER: "1", all_proxy: "", ALL_PROXY: "" },
    });
    child.stdout!.on("data", (d) => (node.out += d));
    child.stderr!.on("data", (d) => (node.out += d));
    node.child = child;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (!node.running()) throw new Error(`${node.name}: syncthing exited (${child.exitCode}): ${node.log()}`);
      try {
        const s = await node.api<{ myID: string }>("GET", "/rest/system/status");
        if (s.myID === node.deviceId) break;
      } catch {}
      if (Date.now() > deadline) throw new Error(`${node.name}: syncthing's REST API did not answer on ${node.apiUrl}: ${node.log()}`);
      await sleep(100);
    }
    // Folders configured before a restart are in its config.xml already; nothing to re-apply.
  };

  const halt = async (node: Internal): Promise<void> => {
    const child = node.child;
    if (!child || !node.running()) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {}
      }, 5000).unref();
    });
  };

  const running = () => nodes.filter((node) => node.running());

  const cluster: SyncthingCluster = {
    nodes,
    async shareFolder(folderId, share) {
      const members = Object.keys(share.paths).map(Number);
      // Untrusted nodes first: each trusting node then announces the folder (with its password token) to a peer
      // that already has it.
      const order = [...members].sort((x, y) => Number(nodes[y]!.untrusted) - Number(nodes[x]!.untrusted));
      for (const i of order) {
        const node = nodes[i]!;
        const path = share.paths[i]!;
        mkdirSync(path, { recursive: true });
        const devices = members.map((j) => {
          const peer = nodes[j]!;
          const password = j !== i && peer.untrusted && !node.untrusted ? share.encryptionPassword : undefined;
          if (j !== i && peer.untrusted && !node.untrusted && !password) throw new Error(`sharing ${folderId} with the untrusted ${peer.name} needs an encryptionPassword`);
          return { deviceID: peer.deviceId, introducedBy: "", encryptionPassword: password ?? "" };
        });
        const folder = {
          id: folderId,
          label: folderId,
          path,
          type: node.untrusted ? "receiveencrypted" : "sendreceive",
          devices,
          rescanIntervalS: share.rescanIntervalS ?? 5,
          fsWatcherEnabled: true,
          fsWatcherDelayS: share.fsWatcherDelayS ?? 1,
          ignorePerms: false,
          versioning: { type: "", params: {} },
          // A receive-encrypted folder must not check free space by percentage of a size it cannot know.
          ...(node.untrusted ? { minDiskFree: { value: 0, unit: "%" } } : {}),
        };
        await node.api("POST", "/rest/config/folders", folder);
      }
    },
    async waitForConnections(timeoutMs = 30_000) {
      const start = Date.now();
      for (;;) {
        const live = running();
        let ok = true;
        for (const node of live) {
          const c = await node.api<{ connections: Record<string, { connected: boolean }> }>("GET", "/rest/system/connections");
          for (const peer of live) if (peer !== node && !c.connections[peer.deviceId]?.connected) ok = false;
        }
        if (ok) return;
        if (Date.now() - start > timeoutMs) throw new Error(`syncthing nodes did not connect within ${timeoutMs} ms:\n${live.map((x) => `${x.name}: ${x.log()}`).join("\n")}`);
        await sleep(200);
      }
    },
    async waitForConvergence(folderId, wait = {}) {
      const start = Date.now();
      const timeoutMs = wait.timeoutMs ?? 45_000;
      // The running nodes that have the folder (set up here or through the REST API by the code under test).
      const members = async () => {
        const up = running();
        const has = await Promise.all(up.map((node) => node.api("GET", `/rest/config/folders/${encodeURIComponent(folderId)}`).then(() => true, () => false)));
        return up.filter((_, i) => has[i]);
      };
      let lastState = "";
      let good = 0;
      let rescanned = false;
      for (;;) {
        if (!rescanned) {
          // A scan now rather than on the watcher's delay; each answers once its scan is done.
          await Promise.all((await members()).map((node) => node.api("POST", `/rest/db/scan?folder=${encodeURIComponent(folderId)}`).catch(() => undefined)));
          rescanned = true;
        }
        const live = await members();
        const states: string[] = [];
        let ok = wait.until ? wait.until() : true;
        for (const node of live) {
          const s = await node.api<{ state: string; needTotalItems: number; errors: number; pullErrors?: number }>(
            "GET",
            `/rest/db/status?folder=${encodeURIComponent(folderId)}`,
          );
          states.push(`${node.name}: ${s.state}, needs ${s.needTotalItems}`);
          if (s.state !== "idle" || s.needTotalItems !== 0) ok = false;
          for (const peer of live) {
            if (peer === node) continue;
            const c = await node.api<{ completion: number; needItems: number; needDeletes: number; remoteState?: string }>(
              "GET",
              `/rest/db/completion?folder=${encodeURIComponent(folderId)}&device=${peer.deviceId}`,
            );
            states.push(`${node.name} sees ${peer.name} at ${c.completion}% (${c.remoteState ?? "?"})`);
            // A peer that has not taken the folder up yet counts as complete: its state says so.
            if (c.completion < 100 || c.needItems !== 0 || c.needDeletes !== 0 || (c.remoteState && c.remoteState !== "valid")) ok = false;
          }
        }
        lastState = states.join("; ");
        good = ok ? good + 1 : 0;
        if (good >= 2) return Date.now() - start;
        if (Date.now() - start > timeoutMs) throw new Error(`folder ${folderId} did not converge within ${timeoutMs} ms: ${lastState}\n${live.map((x) => `${x.name}: ${x.log()}`).join("\n")}`);
        await sleep(250);
      }
    },
    async stopNode(i) {
      await halt(nodes[i]!);
    },
    async startNode(i) {
      const node = nodes[i]!;
      if (!node.running()) await launch(node);
    },
    async stop() {
      await Promise.all(nodes.map(halt));
    },
  };

  try {
    await Promise.all(nodes.map(launch));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
