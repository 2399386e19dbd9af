import type { Command } from "commander";
import { examples } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("run").description("run the daemon in the foreground (for a service manager); SIGTERM stops it");
  examples(cmd, ["pai daemon run", "PAI_HOME=~/work-profile pai daemon run"]);
  cmd.action(async () => {
      const { runForeground } = await import("../../../automation/daemon/index.ts");
      await runForeground();
    });
}
