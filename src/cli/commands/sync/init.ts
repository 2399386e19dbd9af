import type { Command } from "commander";
import { createInterface } from "node:readline/promises";
import { withHome } from "../../../app/home.ts";
import { examples, print, printData, style, withJson } from "../../output.ts";
import { syncEnv } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group
    .command("init")
    .description("join a sync folder: the first device makes its key, the others pair with that key")
    .requiredOption("--folder <dir>", "the folder a sync engine replicates between your devices")
    .option("--key <key>", "the sync key printed on the first device (or PAI_SYNC_KEY; asked for on a terminal)");
  withJson(cmd);
  examples(cmd, [
    "pai sync init --folder ~/pai-sync",
    "pai sync init --folder ~/pai-sync --key 3q2-7wE…   on the second device",
  ]);
  cmd.action(async (opts: { folder: string; key?: string; json?: boolean }) => {
    const { initSync } = await import("../../../memory/sync/index.ts");
    const { readFolderInfo } = await import("../../../memory/sync/files.ts");
    let key = opts.key ?? (process.env.PAI_SYNC_KEY || undefined);
    if (key === undefined && process.stdin.isTTY && readFolderInfo(opts.folder)) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      key = (await rl.question("This folder already has devices. Its sync key (from 'pai sync init' on the first device): ")).trim();
      rl.close();
    }
    await withHome(async (home) => {
      const r = await initSync(syncEnv(home), opts.folder, key);
      if (opts.json) return printData(r);
      print(`${style.green(r.created ? "made" : "joined")}  sync folder ${r.folder}`);
      print(`this device  ${r.device}`);
      print(`devices      ${r.devices.length} in the folder`);
      print(`published    ${r.sync.published} operation(s); applied ${r.sync.applied}`);
      if (r.created) {
        print();
        print(`sync key     ${r.key}`);
        print(style.dim("Keep it like a password: every device you pair needs it ('pai sync init --folder DIR --key KEY' there)."));
        print(style.dim("It is stored in user/sync.key (0600) here; the folder holds only a check value."));
      }
    });
  });
}
