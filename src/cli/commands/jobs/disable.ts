import type { Command } from "commander";
import { print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(group.command("disable <name>").description("switch a job off (its file stays)")).action(async (name: string, opts: { json?: boolean }) => {
    const { enableJob } = await import("../../../jobs/index.ts");
    enableJob(name, false);
    if (opts.json) return printJson({ name, enabled: false });
    print(`Disabled job ${name}.`);
  });
}
