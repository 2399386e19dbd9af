import type { Command } from "commander";
import { print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(
    group
      .command("stop")
      .description("stop the daemon (SIGTERM; a running action gets daemon.graceMs to finish)")
      .option("--force", "kill it (SIGKILL) if it has not stopped in time"),
  ).action(async (opts: { json?: boolean; force?: boolean }) => {
    const { stopDaemon } = await import("../../../daemon/index.ts");
    const r = await stopDaemon(undefined, { force: opts.force });
    if (opts.json) return printJson(r);
    print(r.wasRunning ? `Stopped the daemon (pid ${r.pid})${r.killed ? " by force" : ""}.` : "The daemon is not running.");
  });
}
