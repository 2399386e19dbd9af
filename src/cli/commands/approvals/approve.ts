import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";
import { safeText } from "../../../kernel/terminal.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("approve <id>").description("approve a waiting action and run it now"));
  examples(cmd, ["pai approvals approve 3"]);
  cmd.action(async (id: string, opts: { json?: boolean }) => {
    const { approveApproval } = await import("../../../automation/jobs/approvals.ts");
    const { openUserDatabase } = await import("../../../app/db.ts");
    const { loadConfig } = await import("../../../config/index.ts");
    const { paths } = await import("../../../kernel/paths.ts");
    const { UsageError } = await import("../../../kernel/errors.ts");
    const n = Number(id);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid approval id '${id}'`, { hint: "'pai approvals list' shows the ids" });
    const db = await openUserDatabase();
    try {
      const ac = new AbortController();
      process.once("SIGINT", () => ac.abort());
      const r = await approveApproval({ db, config: loadConfig(), paths: paths(), signal: ac.signal }, n);
      // With --json the outcome is on stdout and a failure is still one line on stderr.
      if (opts.json) printData({ id: n, job: r.approval.job, ...r.outcome });
      if (r.outcome.status === "ok") {
        if (!opts.json) print(`Approved #${n} (${r.approval.job}): ${r.outcome.output ?? "done"}`);
      } else {
        const ended = r.outcome.status === "error" ? "failed" : r.outcome.status === "abandoned" ? "was abandoned" : `ended as ${r.outcome.status}`;
        process.stderr.write(safeText(`pai: approved #${n} (${r.approval.job}) but the action ${ended}: ${r.outcome.error ?? ""} — see 'pai audit --job ${r.approval.job}'\n`, { keepStyle: true }));
        process.exitCode = 1;
      }
    } finally {
      db.close();
    }
  });
}
