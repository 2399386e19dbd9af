import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { approveApproval } from "../../../automation/jobs/approvals.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { withInterrupt } from "../../../kernel/interrupt.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";
import { safeText } from "../../../kernel/terminal.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("approve <id>").description("approve a waiting action and run it now"));
  examples(cmd, ["pai approvals approve 3"]);
  cmd.action(async (id: string, opts: { json?: boolean }) => {
    const n = Number(id);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid approval id '${id}'`, { hint: "'pai approvals list' shows the ids" });
    await withHome(async (home) => {
      const r = await withInterrupt((signal) => approveApproval({ db: home.db, config: home.config, paths: home.paths, secrets: new Secrets(), signal }, n));
      // With --json the outcome is on stdout and a failure is still one line on stderr.
      if (opts.json) printData({ id: n, job: r.approval.job, ...r.outcome });
      if (r.outcome.status === "ok") {
        if (!opts.json) print(`Approved #${n} (${r.approval.job}): ${r.outcome.output ?? "done"}`);
      } else {
        const ended = r.outcome.status === "error" ? "failed" : r.outcome.status === "abandoned" ? "was abandoned" : `ended as ${r.outcome.status}`;
        process.stderr.write(safeText(`pai: approved #${n} (${r.approval.job}) but the action ${ended}: ${r.outcome.error ?? ""} — see 'pai audit --job ${r.approval.job}'\n`, { keepStyle: true }));
        process.exitCode = 1;
      }
    });
  });
}
