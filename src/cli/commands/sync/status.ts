import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { UserError } from "../../../kernel/errors.ts";
import { examples, print, printData, style, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("status").description("this device, the other devices, pending operations, conflicts resolved, lines skipped");
  withJson(cmd);
  examples(cmd, ["pai sync status", "pai sync status --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const { syncStatus } = await import("../../../memory/sync/index.ts");
    await withHome(({ db }) => {
      const s = syncStatus(db);
      if (!s) throw new UserError("this device does not sync yet", { hint: "run 'pai sync init --folder DIR' first" });
      if (opts.json) return printData(s);
      print(`this device   ${s.device}`);
      print(`folder        ${s.folder}`);
      print(`last sync     ${s.lastSync ?? "never"}`);
      print(`pending       ${s.pending} local change(s) not yet published`);
      print(`applied       ${s.applied} operation(s) from other devices; ${s.conflicts} conflict(s) resolved; ${s.skipped} corrupt line(s) skipped`);
      print(`forgotten     ${s.tombstones} item(s) (never come back)`);
      print(s.devices.length ? "other devices" : style.dim("no other device has written to the folder yet"));
      for (const d of s.devices) print(`  ${d.device}  last seen ${d.lastSeen ?? "never"}, ${d.ops} operation(s)${d.inFolder ? "" : style.dim("  (gone from the folder)")}`);
    });
  });
}
