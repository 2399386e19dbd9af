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
          f.edited ? localTime(f.edited) : "-",
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

/** "2026-03-01 18:40" in the local time zone. */
function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
