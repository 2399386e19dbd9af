import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { getApproval, renderedAction } from "../../../automation/jobs/approvals.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { formatWhen, userZone } from "../../../kernel/when.ts";
import { examples, print, printData, style, verbatim, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("show <id>").description("exactly what approving runs or sends: the action with the trigger's values filled in"));
  examples(cmd, ["pai approvals show 3", "pai approvals show 3 --json"]);
  cmd.action(async (id: string, opts: { json?: boolean }) => {
    const n = Number(id);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid approval id '${id}'`, { hint: "'pai approvals list' shows the ids" });
    const a = await withHome(({ db }) => getApproval(db, n));
    const rendered = renderedAction(a);
    if (opts.json) return printData({ ...a, action: verbatim(a.action), trigger: { ...a.trigger, vars: verbatim(a.trigger.vars) }, rendered: verbatim(Object.fromEntries(rendered.map((f) => [f.label, f.value]))) });
    print(`${style.bold(`Approval #${a.id}`)} for job ${a.job} (${a.status === "pending" ? style.yellow(a.status) : a.status})`);
    print(`Fired by ${a.trigger.trigger} (${a.trigger.key}) at ${formatWhen(a.requestedAt)} (${userZone()})`);
    print("");
    const width = Math.max(...rendered.map((f) => f.label.length));
    for (const f of rendered) {
      const [first, ...rest] = f.value.split("\n");
      print(`  ${f.label.padEnd(width)}  ${first}`);
      for (const line of rest) print(`  ${" ".repeat(width)}  ${line}`);
    }
    print("");
    if (a.status === "pending") print(`Approve: pai approvals approve ${a.id}    Deny: pai approvals deny ${a.id}`);
    else if (a.reason) print(`Reason: ${a.reason}`);
  });
}
