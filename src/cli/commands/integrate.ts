import type { Command } from "commander";
import { PaiError, UsageError } from "../../kernel/errors.ts";
import { paths } from "../../kernel/paths.ts";
import { examples, print, printData, style, table, verbatim, withJson } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("integrate <tool>")
    .description("register pai's MCP server (and, for Claude Code, its context and transcript hooks) in claude-code, opencode or gemini")
    .option("--uninstall", "take pai's entries out again, restoring the file as it was")
    .option("--dry-run", "show what would change; write nothing");
  withJson(cmd);
  examples(cmd, [
    "pai integrate claude-code --dry-run",
    "pai integrate claude-code",
    "pai integrate opencode",
    "pai integrate gemini --json",
    "pai integrate claude-code --uninstall",
  ]);
  cmd.action(async (tool: string, opts: { uninstall?: boolean; dryRun?: boolean; json?: boolean }) => {
    const { integrate, parseTool } = await import("../../interop/integrate/index.ts");
    try {
      parseTool(tool);
    } catch (err) {
      // An argument outside the fixed list is a usage error (exit 2).
      if (err instanceof PaiError) throw new UsageError(err.message, { hint: err.hint });
      throw err;
    }
    const r = integrate({ tool, uninstall: opts.uninstall, dryRun: opts.dryRun, paths: paths() });
    // server is the entry written into the tool's own file: printed with that file's keys.
    if (opts.json) return printData({ ...r, server: verbatim(r.server) });
    const verb = r.action === "install" ? "Registered pai in" : "Removed pai from";
    const changed = r.files.some((f) => f.action !== "unchanged" && f.action !== "absent");
    if (!changed) {
      print(r.action === "install" ? `pai is already registered in ${r.name}; nothing was changed.` : `pai is not registered in ${r.name}; nothing was changed.`);
      return;
    }
    print(`${r.dryRun ? style.yellow("Dry run, nothing written: ") : ""}${verb} ${r.name}`);
    print(
      table(
        r.files.map((f) => [
          `  ${f.display}`,
          f.action,
          [f.changes.join(", "), f.backup ? style.dim(`(${f.action === "restore" ? "restored from" : "backup:"} ${f.backup})`) : ""].filter(Boolean).join(" "),
        ]),
        { columns: [undefined, undefined, "wrap"] },
      ),
    );
    if (r.dryRun) return;
    if (r.action === "install") {
      print(`Restart ${r.name} to load it. Undo with: pai integrate ${r.tool} --uninstall`);
    }
  });
}
