import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("remove <name>").alias("rm").description("delete a job's file (its audit entries stay)"));
  examples(cmd, ["pai jobs remove nightly", "pai jobs rm nightly --json"]);
  cmd.action(
    async (name: string, opts: { json?: boolean }) => {
      const { deleteJob } = await import("../../../automation/jobs/index.ts");
      deleteJob(name);
      if (opts.json) return printData({ name, removed: true });
      print(`Removed job ${name}.`);
    },
  );
}
