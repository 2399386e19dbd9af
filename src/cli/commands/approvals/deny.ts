import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("deny <id>").description("refuse a waiting action (recorded in the audit log)").option("--reason <text>", "why you refused (kept in the audit log)"));
  examples(cmd, ["pai approvals deny 4 --reason 'not tonight'"]);
  cmd.action(
    async (id: string, opts: { json?: boolean; reason?: string }) => {
      const { denyApproval } = await import("../../../automation/jobs/approvals.ts");
      const { openUserDatabase } = await import("../../../app/db.ts");
      const { UsageError } = await import("../../../kernel/errors.ts");
      const n = Number(id);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid approval id '${id}'`, { hint: "'pai approvals list' shows the ids" });
      const db = await openUserDatabase();
      try {
        const a = denyApproval(db, n, opts.reason);
        if (opts.json) return printData({ id: n, job: a.job, status: "denied" });
        print(`Denied #${n} (${a.job}).`);
      } finally {
        db.close();
      }
    },
  );
}
