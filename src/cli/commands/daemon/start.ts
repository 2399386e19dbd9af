import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { startBackground } from "../../../automation/daemon/control.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("start").description("start the daemon in the background (output in user/logs/daemon.log)"));
  examples(cmd, ["pai daemon start", "pai daemon start --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const r = await withHome((home) => startBackground(home));
    if (opts.json) return printData({ running: true, pid: r.pid, alreadyRunning: r.already, log: r.log });
    print(r.already ? `The daemon is already running (pid ${r.pid}).` : `Started the daemon (pid ${r.pid}); log: ${r.log}`);
  });
}
