import type { Command } from "commander";
import { paths } from "../../../kernel/paths.ts";
import { renderShow, showTelos } from "../../../telos/commands.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function registerShow(group: Command): void {
  const cmd = withJson(
    group
      .command("show [target]")
      .description("show one file (goals, projects, …, preferences), or one item (G1) with what it links to and what links to it; everything without an argument"),
  );
  examples(cmd, ["pai telos show", "pai telos show goals", "pai telos show P2", "pai telos show G1 --json"]);
  cmd.action(async (target: string | undefined, opts: { json?: boolean }) => {
    const result = showTelos(target, paths());
    if (opts.json) return printData(result);
    print(renderShow(result));
  });
}
