import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { writeFileAtomic } from "../../../kernel/fs.ts";
import { openMemory } from "../../../memory/index.ts";
import { exportLines } from "../../../memory/io/jsonl.ts";
import { examples, note, withJson, writeFd } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("export")
    .description("export memories as JSON Lines (round-trips through 'pai memory import')")
    .option("--format <format>", "jsonl (one item per line) or json (one array)", "jsonl")
    .option("--output <file>", "write to this file (atomically) instead of standard output")
    .option("--include-superseded", "also export items replaced by an edit");
  withJson(cmd);
  examples(cmd, ["pai memory export > memory.jsonl", "pai memory export --output backup.jsonl", "pai memory export --format json"]);
  cmd.action(async (opts: { format: string; output?: string; includeSuperseded?: boolean; json?: boolean }) => {
    const format = opts.json ? "json" : opts.format;
    if (format !== "jsonl" && format !== "json") throw new UsageError(`unknown format '${opts.format}'`, { hint: "use jsonl or json" });
    await withHome((home) => {
      const lines = exportLines(openMemory(home.db, home.config), { includeSuperseded: !!opts.includeSuperseded });
      if (opts.output) {
        const parts: string[] = [];
        for (const l of lines) parts.push(l);
        writeFileAtomic(opts.output, format === "json" ? `[${parts.join(",\n")}]\n` : parts.length ? `${parts.join("\n")}\n` : "");
        note(`exported ${parts.length} item(s) to ${opts.output}`);
        return;
      }
      let n = 0;
      let buf = format === "json" ? "[" : "";
      for (const l of lines) {
        buf += format === "json" ? `${n ? ",\n" : ""}${l}` : `${l}\n`;
        n++;
        if (buf.length > 1 << 16) {
          writeFd(1, buf);
          buf = "";
        }
      }
      if (format === "json") buf += "]\n";
      writeFd(1, buf);
    });
  });
}
