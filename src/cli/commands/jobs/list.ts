import type { Command } from "commander";
import { print, printJson, style, table, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(group.command("list").description("every job with its trigger, action, next run and last firing")).action(async (opts: { json?: boolean }) => {
    const { listJobs } = await import("../../../jobs/index.ts");
    const r = listJobs();
    if (opts.json) return printJson(r);
    if (!r.jobs.length && !r.invalid.length) {
      print("No jobs yet. Add one with 'pai jobs add NAME --cron \"0 7 * * *\" --action remember --text \"…\"'.");
      return;
    }
    const rows = [["NAME", "ON", "TRIGGER", "ACTION", "NEXT", "LAST"]];
    for (const j of r.jobs) {
      rows.push([
        j.name,
        j.enabled ? "yes" : style.dim("no"),
        j.summary.trigger,
        j.summary.action + (j.policy.requireApproval ? style.yellow(" (approval)") : ""),
        j.nextRun ? j.nextRun.replace("T", " ").slice(0, 16) : "-",
        j.last ? `${j.last.status} ${j.last.at.replace("T", " ").slice(0, 16)}` : "-",
      ]);
    }
    print(table(rows));
    for (const bad of r.invalid) process.stderr.write(`${style.red("invalid")} ${bad.error}\n`);
  });
}
