import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { setKillSwitch } from "../../../automation/daemon/control.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("resume").description("lift the kill switch"));
  examples(cmd, ["pai daemon resume"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const r = await withHome(({ db }) => setKillSwitch(db, new Secrets(), false));
    if (opts.json) return printData(r);
    print(r.changed ? "Resumed: the daemon acts again." : "Not paused.");
  });
}
