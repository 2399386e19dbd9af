import type { Command } from "commander";
import { print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(group.command("resume").description("lift the kill switch")).action(async (opts: { json?: boolean }) => {
    const { setKillSwitch } = await import("../../../daemon/index.ts");
    const r = setKillSwitch(false);
    if (opts.json) return printJson(r);
    print(r.changed ? "Resumed: the daemon acts again." : "Not paused.");
  });
}
