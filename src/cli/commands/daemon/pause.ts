import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("pause").description("kill switch: the daemon fires nothing until 'pai daemon resume' (kept across restarts)"));
  examples(cmd, ["pai daemon pause"]);
  cmd.action(
    async (opts: { json?: boolean }) => {
      const { setKillSwitch } = await import("../../../automation/daemon/index.ts");
      const r = setKillSwitch(true);
      if (opts.json) return printData(r);
      print(r.changed ? "Paused: the daemon fires nothing until 'pai daemon resume'." : "Already paused.");
    },
  );
}
