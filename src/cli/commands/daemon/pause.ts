import type { Command } from "commander";
import { print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(group.command("pause").description("kill switch: the daemon fires nothing until 'pai daemon resume' (kept across restarts)")).action(
    async (opts: { json?: boolean }) => {
      const { setKillSwitch } = await import("../../../daemon/index.ts");
      const r = setKillSwitch(true);
      if (opts.json) return printJson(r);
      print(r.changed ? "Paused: the daemon fires nothing until 'pai daemon resume'." : "Already paused.");
    },
  );
}
