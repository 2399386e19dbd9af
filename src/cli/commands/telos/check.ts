import type { Command } from "commander";
import { paths } from "../../../kernel/paths.ts";
import { checkReport } from "../../../telos/commands.ts";
import { formatProblem } from "../../../telos/index.ts";
import { examples, note, print, printData, withJson } from "../../output.ts";

export function registerCheck(group: Command): void {
  const cmd = withJson(
    group
      .command("check")
      .description("check front matter, encoding, IDs and links; each problem as file:line: message; exit 1 on any error"),
  );
  examples(cmd, ["pai telos check", "pai telos check --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const report = checkReport(paths());
    if (opts.json) printData(report);
    else {
      for (const p of report.problems) print(formatProblem(p));
      note(report.summary);
    }
    if (!report.ok) process.exitCode = 1;
  });
}
