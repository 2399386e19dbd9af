import type { Command } from "commander";
import { examples, note, print, printJson, style, table, withJson } from "../../output.ts";

export function registerList(group: Command): void {
  const cmd = withJson(group.command("list").description("each file with its item count, last edit and visibility"));
  examples(cmd, ["pai telos list", "pai telos list --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const { listTelos } = await import("../../../telos/commands.ts");
    const result = listTelos();
    if (opts.json) return printJson(result);
    print(
      table([
        ["FILE", "ITEMS", "UPDATED", "EDITED", "VISIBILITY"],
        ...result.files.map((f) => [
          f.file,
          f.exists ? String(f.items) + (f.inactive ? style.dim(` (+${f.inactive} inactive)`) : "") : style.dim("missing"),
          f.updated ?? "-",
          f.edited ? f.edited.replace("T", " ").slice(0, 16) : "-",
          f.visibility === "private" ? style.yellow("private") : "shareable",
        ]),
      ]),
    );
    const { errors, warnings } = result.problems;
    if (errors || warnings) {
      note(`${errors} error(s), ${warnings} warning(s) — run 'pai telos check' to see them`);
    }
  });
}
