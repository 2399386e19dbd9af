import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { UsageError, UserError } from "../../../kernel/errors.ts";
import { examples, print, printData, style, withJson } from "../../output.ts";

const collect = (value: string, prev: string[] = []) => [...prev, value];

interface Opts {
  apply?: boolean;
  api?: string;
  apiKey?: string;
  folder?: string;
  folderId?: string;
  shareWith?: string[];
  untrusted?: string[];
  json?: boolean;
}

export function registerSetupSyncthing(group: Command): void {
  const cmd = group
    .command("setup-syncthing")
    .description("print the Syncthing folder configuration for this device's sync folder, or apply it to the local Syncthing (--apply)")
    .option("--apply", "add or update the folder in the local Syncthing through its REST API")
    .option("--api <url>", "Syncthing's GUI/API address (default: from its config.xml, else http://127.0.0.1:8384)")
    .option("--api-key <key>", "Syncthing's API key (default: from its config.xml)")
    .option("--folder <dir>", "the sync folder (default: the one 'pai sync init' set for this device)")
    .option("--folder-id <id>", "Syncthing's id for the folder, the same on every device", "pai-sync")
    .option("--share-with <device-id>", "share the folder with this Syncthing device (repeatable)", collect)
    .option("--untrusted <device-id>", "share it with this device encrypted: it holds ciphertext only (repeatable; password from PAI_SYNCTHING_PASSWORD)", collect);
  withJson(cmd);
  examples(cmd, [
    "pai sync setup-syncthing                          the folder's settings and the steps, nothing changed",
    "pai sync setup-syncthing --apply --share-with <the other device's Syncthing ID>",
    "pai sync setup-syncthing --apply --folder ~/pai-sync --share-with <ID>   before 'pai sync init' on a new device",
    "PAI_SYNCTHING_PASSWORD=… pai sync setup-syncthing --apply --untrusted <relay's ID>   a relay that sees ciphertext only",
    "syncthing --device-id                             this device's Syncthing ID",
  ]);
  cmd.action(async (opts: Opts) => {
    const { syncthingFolderPlan, parseSyncthingGui, syncthingConfigCandidates } = await import("../../../interop/syncthing.ts");
    const folder = opts.folder ? resolve(opts.folder) : await syncFolderOfThisDevice();
    const plan = syncthingFolderPlan({
      path: folder,
      folderId: opts.folderId,
      shareWith: [...(opts.shareWith ?? []).map((deviceId) => ({ deviceId, untrusted: false })), ...(opts.untrusted ?? []).map((deviceId) => ({ deviceId, untrusted: true }))],
    });
    const password = process.env.PAI_SYNCTHING_PASSWORD || undefined;
    if (plan.shareWith.some((s) => s.untrusted) && !password) {
      throw new UsageError("--untrusted needs the folder's encryption password", { hint: "set PAI_SYNCTHING_PASSWORD (the same on every trusted device) and run it again" });
    }
    if (!opts.apply) {
      if (opts.json) return printData({ applied: false, folder: { ...plan } });
      return printPlan(plan);
    }
    let api = opts.api;
    let apiKey = opts.apiKey || process.env.PAI_SYNCTHING_API_KEY || undefined;
    if (!api || !apiKey) {
      const file = syncthingConfigCandidates(process.env, homedir()).find((p) => existsSync(p));
      const gui = file ? parseSyncthingGui(readFileSync(file, "utf8")) : undefined;
      api ??= gui?.url ?? "http://127.0.0.1:8384";
      apiKey ??= gui?.apiKey;
      if (!apiKey) {
        throw new UserError(file ? `no API key in ${file}` : "Syncthing's config.xml was not found", {
          hint: "pass --api-key KEY (Syncthing: Actions > Settings > GUI > API Key), and --api URL if it is not on http://127.0.0.1:8384",
        });
      }
    }
    const { applySyncthingFolder } = await import("../../../interop/syncthing-api.ts");
    const r = await applySyncthingFolder({ api, apiKey, plan, password });
    if (opts.json) return printData({ applied: true, ...r });
    print(`${style.green(r.created ? "added" : "updated")}  Syncthing folder ${r.folderId} at ${r.path} (${r.api})`);
    for (const d of r.devicesAdded) print(`added    device ${d}`);
    print(`this device's Syncthing ID: ${r.deviceId}`);
    print(r.sharedWith.length ? `shared with: ${r.sharedWith.join(", ")}` : style.dim("shared with no other device yet: run it again with --share-with <the other device's Syncthing ID>"));
    print(style.dim(`On each other device: pai sync setup-syncthing --apply --folder <its folder> --share-with ${r.deviceId}`));
  });
}

/** The folder `pai sync init` set for this device. */
async function syncFolderOfThisDevice(): Promise<string> {
  const { withHome } = await import("../../../app/home.ts");
  const { syncFolder } = await import("../../../memory/sync/index.ts");
  // A home without a database has no sync folder: it is not created for the question.
  const folder = await withHome((home) => (existsSync(home.paths.db) ? syncFolder(home.db) : undefined));
  if (!folder) throw new UserError("this device has no sync folder yet", { hint: "run 'pai sync init --folder DIR' first, or pass --folder DIR" });
  return folder;
}

function printPlan(plan: import("../../../interop/syncthing.ts").SyncthingFolderPlan): void {
  const rows: [string, string][] = [
    ["folder id", `${plan.id}  (the same on every device)`],
    ["path", plan.path],
    ["type", "Send & Receive (on an untrusted relay: Receive Encrypted)"],
    ["watch for changes", `on, ${plan.fsWatcherDelayS} s delay; full rescan every ${plan.rescanIntervalS / 60} min`],
    ["file versioning", "off: each operation file is append-only with one writer"],
    ["ignore patterns", plan.ignores.join("  ")],
    ["share with", plan.shareWith.length ? plan.shareWith.map((s) => `${s.deviceId}${s.untrusted ? " (untrusted, encrypted)" : ""}`).join(", ") : "(none given)"],
  ];
  print("Syncthing folder for this device's pai sync folder");
  for (const [k, v] of rows) print(`  ${k.padEnd(18)} ${v}`);
  print();
  print("Steps");
  print("  1. Run Syncthing on each device (Debian: apt install syncthing; systemctl --user enable --now syncthing).");
  print("  2. Here: pai sync setup-syncthing --apply --share-with <the other device's ID>   (an ID: syncthing --device-id)");
  print("  3. There: pai sync setup-syncthing --apply --folder <a folder> --share-with <this device's ID>");
  print("  4. There, once the folder has arrived: pai sync init --folder <that folder> --key <the sync key>");
  print("  5. pai sync now on either device; pai sync status shows both.");
  print(style.dim("A relay that should hold ciphertext only: --untrusted <its ID> with PAI_SYNCTHING_PASSWORD set; add the folder there as Receive Encrypted."));
}
