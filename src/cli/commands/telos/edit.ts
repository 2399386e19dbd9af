import type { Command } from "commander";
import { paths } from "../../../kernel/paths.ts";
import { formatProblem } from "../../../telos/index.ts";
import { examples, note, print, printData, withJson } from "../../output.ts";

export function registerEdit(group: Command): void {
  const cmd = withJson(
    group
      .command("edit <file>")
      .description("open a Telos file in $VISUAL or $EDITOR, then check it"),
  );
  examples(cmd, ["pai telos edit goals", "EDITOR='code --wait' pai telos edit projects", "pai telos edit preferences"]);
  cmd.action(async (file: string, opts: { json?: boolean }) => {
    const { editTelos } = await import("../../../telos/edit.ts");
    const result = editTelos(file, paths());
    if (opts.json) printData(result);
    else {
      for (const p of result.problems) print(formatProblem(p));
      note(result.summary);
    }
    if (!result.ok) process.exitCode = 1;
  });
}
