import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(
    group
      .command("stop")
      .description("stop the daemon (SIGTERM; a running action gets daemon.graceMs to finish)")
      .option("--force", "kill it (SIGKILL) if it has not stopped in time"),
  );
  examples(cmd, ["pai daemon stop", "pai daemon stop --force"]);
  cmd.action(async (opts: { json?: boolean; force?: boolean }) => {
    const { stopDaemon } = await import("../../../daemon/index.ts");
    const r = await stopDaemon(undefined, { force: opts.force });
    if (opts.json) return printData(r);
    print(r.wasRunning ? `Stopped the daemon (pid ${r.pid})${r.killed ? " by force" : ""}.` : "The daemon is not running.");
  });
}
