import type { Command } from "commander";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("verify").description("check the hash chain: exit 1 at the first edited, removed or reordered entry"));
  examples(cmd, ["pai audit verify", "pai audit verify --json"]);
  cmd.action(
    async () => {
      // --json may be read by the parent `audit` command, which has it too.
      const opts = cmd.optsWithGlobals() as { json?: boolean };
      const { verifyAudit } = await import("../../../audit/index.ts");
      const { openUserDatabase } = await import("../../../storage/index.ts");
      const db = await openUserDatabase();
      try {
        const r = verifyAudit(db);
        // With --json the report is on stdout and a broken chain is still one line on stderr.
        if (opts.json) printData(r);
        if (r.ok) {
          if (!opts.json) print(`The audit log is intact: ${r.entries} entries, every hash and link checks.`);
        } else process.stderr.write(`pai: the audit log was tampered with: ${r.message} (first bad entry: ${r.badSeq}, ${r.problem}) — restore user/pai.db from a backup to recover the trail\n`);
        if (!r.ok) process.exitCode = 1;
      } finally {
        db.close();
      }
    },
  );
}
