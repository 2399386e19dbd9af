import type { Command } from "commander";
import { print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(group.command("enable <name>").description("switch a job on (a schedule starts from its next run)")).action(
    async (name: string, opts: { json?: boolean }) => {
      const { enableJob } = await import("../../../jobs/index.ts");
      enableJob(name, true);
      if (opts.json) return printJson({ name, enabled: true });
      print(`Enabled job ${name}.`);
    },
  );
}
