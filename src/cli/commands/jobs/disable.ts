import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { enableJob } from "../../../automation/jobs/index.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("disable <name>").description("switch a job off (its file stays)"));
  examples(cmd, ["pai jobs disable nightly"]);
  cmd.action(async (name: string, opts: { json?: boolean }) => {
    await withHome((home) => enableJob(home, new Secrets(), name, false));
    if (opts.json) return printData({ name, enabled: false });
    print(`Disabled job ${name}.`);
  });
}
