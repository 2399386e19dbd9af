import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { approvalPreview, listApprovals } from "../../../automation/jobs/approvals.ts";
import { formatWhen, inZone } from "../../../kernel/when.ts";
import { examples, print, printData, style, table, verbatim, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("list").description("pending approvals (--all: every decision)").option("--all", "include approved and denied ones"));
  examples(cmd, ["pai approvals list", "pai approvals list --all --json"]);
  cmd.action(
    async (opts: { json?: boolean; all?: boolean }) => {
      const rows = await withHome(({ db }) => listApprovals(db, { all: opts.all }));
      // The action is the job file's own document; the trigger's variables are named by the job's templates.
      if (opts.json) return printData(rows.map((a) => ({ ...a, action: verbatim(a.action), trigger: { ...a.trigger, vars: verbatim(a.trigger.vars) } })));
      if (!rows.length) return print(opts.all ? "No approvals yet. Actions of jobs added with --approval wait here for you." : "Nothing is waiting for approval. 'pai approvals list --all' shows past decisions.");
      print(
        table([
          ["ID", "JOB", "ACTION", "TRIGGER", inZone("REQUESTED"), "STATUS", "WHAT IT DOES"],
          ...rows.map((a) => [
            String(a.id),
            a.job,
            String(a.action.type) + (a.action.pack ? ` ${a.action.pack}:${a.action.command}` : ""),
            a.trigger.trigger,
            formatWhen(a.requestedAt),
            a.status === "pending" ? style.yellow(a.status) : a.status,
            approvalPreview(a),
          ]),
        ], { columns: ["key", undefined, "wrap", undefined, undefined, undefined, "wrap"] }),
      );
    },
  );
}
