import type { Command } from "commander";
import { UserError } from "../../../kernel/errors.ts";
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
    // Without a terminal the fallback editor (vi) would wait for keys that never come.
    const editorSet = Boolean(process.env.VISUAL?.trim() || process.env.EDITOR?.trim());
    if (!editorSet && (!process.stdin.isTTY || !process.stdout.isTTY)) {
      throw new UserError("no terminal to edit in and no $VISUAL or $EDITOR set", { hint: `set EDITOR (e.g. EDITOR='code --wait' pai telos edit ${file}), or edit the file directly` });
    }
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
