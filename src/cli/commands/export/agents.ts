import type { Command } from "commander";
import { existsSync } from "node:fs";
import { PaiError, UsageError } from "../../../kernel/errors.ts";
import { examples, note, print, printData, style, withJson } from "../../output.ts";

export function registerAgents(group: Command): void {
  const cmd = group
    .command("agents")
    .description("write AGENTS.md and/or CLAUDE.md from the shareable Telos and the memories you chose for them (pinned, or --for-agents), between <!-- pai:begin --> and <!-- pai:end -->")
    .option("--to <dir>", "folder to write into (default: the current folder)")
    .option("--flavour <flavour>", "agents (AGENTS.md), claude (CLAUDE.md) or both", "agents")
    .option("--include-private", "also export private Telos files and memories (these files are read by cloud agents)")
    .option("--dry-run", "show the block that would be written; write nothing");
  withJson(cmd);
  examples(cmd, [
    "pai export agents                              AGENTS.md in the current folder",
    "pai export agents --to ~/code/app --flavour both",
    "pai export agents --flavour claude --dry-run       the exact block, nothing written",
    'pai remember --for-agents "I write TypeScript with 2-space indents"   a memory that goes in',
  ]);
  cmd.action(async (opts: { to?: string; flavour?: string; includePrivate?: boolean; dryRun?: boolean; json?: boolean }) => {
    const { exportAgents, parseFlavour } = await import("../../../interop/agents.ts");
    try {
      parseFlavour(opts.flavour);
    } catch (err) {
      // A bad flag value is a usage error (exit 2).
      if (err instanceof PaiError) throw new UsageError(err.message, { hint: err.hint });
      throw err;
    }
    const { withHome } = await import("../../../app/home.ts");
    // Hot memory comes from the database when there is one; an export never creates it.
    const r = await withHome((home) =>
      exportAgents({
        to: opts.to,
        flavour: opts.flavour,
        includePrivate: opts.includePrivate,
        dryRun: opts.dryRun,
        paths: home.paths,
        config: home.config,
        db: existsSync(home.paths.db) ? home.db : undefined,
      }),
    );
    // These files are often committed: say so when the folder is in a git repository (one line, stderr).
    if (r.gitRepository) note(`pai: warning: ${r.dir} is in the git repository ${r.gitRepository}; the file may be committed and shared (pai export agents --dry-run shows what goes in)`);
    if (opts.json) return printData(r);
    if (r.dryRun) print(r.block);
    const prefix = r.dryRun ? style.yellow("Dry run, nothing written: ") : "";
    for (const f of r.files) print(`${prefix}${f.action === "unchanged" ? "unchanged" : r.dryRun ? `would be ${f.action}` : f.action}  ${f.path}`);
    print(
      style.dim(
        `${r.telosItems} Telos line(s) and ${r.memories} memor${r.memories === 1 ? "y" : "ies"}${r.includePrivate ? ", private ones included" : ", shareable only"}; memories go in when pinned or marked with --for-agents.`,
      ),
    );
  });
}
