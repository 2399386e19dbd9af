import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { setKillSwitch } from "../../../automation/daemon/control.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("pause").description("kill switch: the daemon fires nothing until 'pai daemon resume' (kept across restarts)"));
  examples(cmd, ["pai daemon pause"]);
  cmd.action(
    async (opts: { json?: boolean }) => {
      const r = await withHome(({ db }) => setKillSwitch(db, new Secrets(), true));
      if (opts.json) return printData(r);
      print(r.changed ? "Paused: the daemon fires nothing until 'pai daemon resume'." : "Already paused.");
    },
  );
}
