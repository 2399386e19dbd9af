import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { enableJob } from "../../../automation/jobs/index.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("enable <name>").description("switch a job on (a schedule starts from its next run)"));
  examples(cmd, ["pai jobs enable nightly"]);
  cmd.action(
    async (name: string, opts: { json?: boolean }) => {
      await withHome((home) => enableJob(home, new Secrets(), name, true));
      if (opts.json) return printData({ name, enabled: true });
      print(`Enabled job ${name}.`);
    },
  );
}
