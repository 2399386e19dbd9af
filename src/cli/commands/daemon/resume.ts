import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("resume").description("lift the kill switch"));
  examples(cmd, ["pai daemon resume"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const { setKillSwitch } = await import("../../../automation/daemon/index.ts");
    const r = setKillSwitch(false);
    if (opts.json) return printData(r);
    print(r.changed ? "Resumed: the daemon acts again." : "Not paused.");
  });
}
