import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { stopDaemon } from "../../../automation/daemon/control.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(
    group
      .command("stop")
      .description("stop the daemon (SIGTERM; a running action gets daemon.graceMs to finish; a daemon still running after that is killed)")
      .option("--force", "kill it (SIGKILL) without waiting daemon.graceMs"),
  );
  examples(cmd, ["pai daemon stop", "pai daemon stop --force"]);
  cmd.action(async (opts: { json?: boolean; force?: boolean }) => {
    const r = await withHome((home) => stopDaemon(home, new Secrets(), { force: opts.force }));
    if (opts.json) return printData(r);
    print(
      !r.wasRunning
        ? "The daemon is not running."
        : r.killed
          ? `The daemon (pid ${r.pid}) did not stop in time: killed it (SIGKILL, with its process group).`
          : `Stopped the daemon (pid ${r.pid}).`,
    );
  });
}
