import type { Command } from "commander";
import { print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(group.command("remove <name>").alias("rm").description("delete a job's file (its audit entries stay)")).action(
    async (name: string, opts: { json?: boolean }) => {
      const { deleteJob } = await import("../../../jobs/index.ts");
      deleteJob(name);
      if (opts.json) return printJson({ removed: name });
      print(`Removed job ${name}.`);
    },
  );
}
