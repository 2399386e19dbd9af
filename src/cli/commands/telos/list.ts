import type { Command } from "commander";
import { paths } from "../../../kernel/paths.ts";
import { listTelos } from "../../../telos/commands.ts";
import { examples, note, print, printData, style, table, withJson } from "../../output.ts";

export function registerList(group: Command): void {
  const cmd = withJson(group.command("list").description("each file with its item count, last edit and visibility"));
  examples(cmd, ["pai telos list", "pai telos list --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const result = listTelos(paths());
    if (opts.json) return printData(result);
    print(
      table([
        ["FILE", "ITEMS", "UPDATED", "EDITED", "VISIBILITY"],
        ...result.files.map((f) => [
          f.file,
          // Counted as --json and every other screen counts them (telos/counts.ts): "1 active (2 inactive)" is three items.
          f.exists ? (f.inactive ? `${f.active} active${style.dim(` (${f.inactive} inactive)`)}` : String(f.items)) : style.dim("missing"),
          f.updated ?? "-",
          f.edited ? ago(f.edited) : "-",
          f.visibility === "private" ? style.yellow("private") : "shareable",
        ]),
      ], { columns: ["key", "wrap"] }),
    );
    const { errors, warnings } = result.problems;
    if (errors || warnings) {
      note(`${errors} error(s), ${warnings} warning(s) — run 'pai telos check' to see them`);
    }
  });
}

/**
 * How long ago, e.g. "5 min ago", "3 d ago"; the date after two months. (Relative: local-time formatting
 * would load the time-zone database, which costs more than the rest of this command.)
 */
function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 60 * 86_400) return `${Math.floor(s / 86_400)} d ago`;
  return iso.slice(0, 10);
}
