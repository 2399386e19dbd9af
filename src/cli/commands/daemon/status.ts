import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { daemonStatus } from "../../../automation/daemon/control.ts";
import { jobsText } from "../../../automation/jobs/counts.ts";
import { formatWhen, zoneOnce } from "../../../kernel/when.ts";
import { examples, print, printData, style, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("status").description("is the daemon running? (exit 0 if it is, 3 if not)"));
  examples(cmd, ["pai daemon status", "pai daemon status --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const s = await withHome((home) => daemonStatus(home));
    if (!s.running) process.exitCode = 3;
    if (opts.json) return printData(s);
    // The zone is named with the first time shown.
    const zone = zoneOnce();
    if (s.running) print(`${style.green("running")} (pid ${s.pid})${s.since ? ` since ${formatWhen(s.since)}${zone()}` : ""}${s.paused ? style.yellow(" — PAUSED: it fires nothing ('pai daemon resume')") : ""}`);
    else print(`${style.red("not running")}${s.paused ? " (paused)" : ""} — 'pai daemon start' starts it`);
    print(`jobs: ${jobsText({ jobs: s.jobs, enabled: s.jobsEnabled, invalid: s.jobsInvalid })}   pending approvals: ${s.pendingApprovals}${s.webhookPort ? `   webhook: 127.0.0.1:${s.webhookPort}` : ""}`);
    for (const n of s.nextRuns) print(`  next: ${formatWhen(n.at)}${zone()}  ${n.job}`);
    print(style.dim(`log: ${s.log}`));
  });
}
