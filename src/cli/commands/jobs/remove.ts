import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { deleteJob } from "../../../automation/jobs/index.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("remove <name>").alias("rm").description("delete a job's file (its audit entries stay)"));
  examples(cmd, ["pai jobs remove nightly", "pai jobs rm nightly --json"]);
  cmd.action(
    async (name: string, opts: { json?: boolean }) => {
      await withHome((home) => deleteJob(home, new Secrets(), name));
      if (opts.json) return printData({ name, removed: true });
      print(`Removed job ${name}.`);
    },
  );
}
