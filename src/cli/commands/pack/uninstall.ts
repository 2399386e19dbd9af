import type { Command } from "commander";
import { examples, note, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("uninstall <name>").description("remove an installed pack and its lock file (its run history stays in the database)");
  withJson(cmd);
  examples(cmd, ["pai pack uninstall journal"]);
  cmd.action(async (name: string, opts: { json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { uninstallPack } = await import("../../../packs/index.ts");
    const { jobsUsing, loadJobs } = await import("../../../automation/jobs/index.ts");
    const { r, jobs } = await withHome((home) => {
      const r = uninstallPack(name, home.paths);
      // The jobs it breaks are named (they stay: 'pai jobs list' marks them broken until the pack is back).
      return { r, jobs: jobsUsing(loadJobs(home.paths).jobs, name) };
    });
    if (opts.json) return printData({ ...r, brokenJobs: jobs });
    print(`Uninstalled ${name}.`);
    if (jobs.length) note(`warning: ${jobs.length === 1 ? "the job" : "the jobs"} ${jobs.join(", ")} ${jobs.length === 1 ? "uses" : "use"} ${name} and will fail until it is installed again ('pai pack install ${name}') or ${jobs.length === 1 ? "it is" : "they are"} removed ('pai jobs remove NAME')`);
  });
}
