import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { verifyAudit } from "../../../automation/audit/index.ts";
import { firingCount } from "../../../automation/jobs/fire.ts";
import { examples, print, printData, withJson } from "../../output.ts";
import { safeText } from "../../../kernel/terminal.ts";

export function register(group: Command): void {
  const cmd = withJson(group.command("verify").description("check the hash chain and where it ends (user/audit.head): exit 1 on an edited, removed or reordered entry, a cut-off tail or an emptied log"));
  examples(cmd, ["pai audit verify", "pai audit verify --json"]);
  cmd.action(
    async () => {
      // --json may be read by the parent `audit` command, which has it too.
      const opts = cmd.optsWithGlobals() as { json?: boolean };
      // Recorded firings are evidence too: an empty trail beside them was emptied.
      const r = await withHome(({ db }) => verifyAudit(db, { firings: () => firingCount(db) }));
      // With --json the report is on stdout and a broken chain is still one line on stderr.
      if (opts.json) printData(r);
      if (r.ok) {
        if (!opts.json) print(`The audit log is intact: ${r.entries} entries, every hash and link checks.`);
      } else {
        // One line per problem: a cut tail shows in the chain, the head row and the head file alike.
        const problems = r.problems?.length ? r.problems : [r.message ?? "the chain does not check"];
        const hint = "restore user/pai.db and user/audit.head from a backup to recover the trail";
        for (const [i, m] of problems.entries()) {
          process.stderr.write(safeText(`pai: the audit log was tampered with: ${m}${i === 0 ? ` (first bad entry: ${r.badSeq}, ${r.problem})` : ""} — ${hint}\n`, { keepStyle: true }));
        }
      }
      if (!r.ok) process.exitCode = 1;
    },
  );
}
