import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { listJobs } from "../../../automation/jobs/index.ts";
import { examples, print, printData, style, table, verbatim, withJson } from "../../output.ts";
import { safeText } from "../../../kernel/terminal.ts";
import { formatWhen, inZone } from "../../../kernel/when.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("list").description("every job with its trigger, action, next run and last firing"));
  examples(cmd, ["pai jobs list", "pai jobs list --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const r = await withHome((home) => listJobs(home));
    // trigger, action and policy are the job file's own documents (user/jobs/NAME.json): their keys are kept.
    if (opts.json) return printData({ ...r, jobs: r.jobs.map((j) => ({ ...j, trigger: verbatim(j.trigger), action: verbatim(j.action), policy: verbatim(j.policy) })) });
    if (!r.jobs.length && !r.invalid.length) {
      print("No jobs yet. Add one with 'pai jobs add NAME --cron \"0 7 * * *\" --action remember --text \"…\"'.");
      return;
    }
    const rows = [["NAME", "ON", "TRIGGER", "ACTION", inZone("NEXT"), "LAST"]];
    for (const j of r.jobs) {
      rows.push([
        j.name,
        j.broken ? style.red("broken") : j.enabled ? "yes" : style.dim("no"),
        j.summary.trigger,
        j.summary.action + (j.policy.requireApproval ? style.yellow(" (approval)") : ""),
        j.nextRun ? formatWhen(j.nextRun) : "-",
        j.last ? `${j.last.status} ${formatWhen(j.last.at)}` : "-",
      ]);
    }
    print(table(rows, { columns: ["key", undefined, "wrap", "wrap", undefined, "wrap"] }));
    for (const j of r.jobs) if (j.warning) print(`${style.yellow("watch limit")} ${j.name}: ${j.warning}`);
    for (const j of r.jobs) if (j.broken) print(`${style.red("broken")} ${j.name}: ${j.broken} — install it, or 'pai jobs remove ${j.name}'`);
    for (const bad of r.invalid) process.stderr.write(safeText(`${style.red("invalid")} ${bad.error}\n`, { keepStyle: true }));
  });
}
