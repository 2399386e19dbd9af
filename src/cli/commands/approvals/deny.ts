import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { denyApproval } from "../../../automation/jobs/approvals.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("deny <id>").description("refuse a waiting action (recorded in the audit log)").option("--reason <text>", "why you refused (kept in the audit log)"));
  examples(cmd, ["pai approvals deny 4 --reason 'not tonight'"]);
  cmd.action(
    async (id: string, opts: { json?: boolean; reason?: string }) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid approval id '${id}'`, { hint: "'pai approvals list' shows the ids" });
      const a = await withHome(({ db }) => denyApproval({ db, secrets: new Secrets() }, n, opts.reason));
      if (opts.json) return printData({ id: n, job: a.job, status: "denied" });
      print(`Denied #${n} (${a.job}).`);
    },
  );
}
