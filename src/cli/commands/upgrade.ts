import type { Command } from "commander";
import { describeUser, upgrade, type InstallState } from "../../admin/upgrade.ts";
import { PaiError } from "../../kernel/errors.ts";
import { examples, note, print, printData, style, withJson } from "../output.ts";

const short = (h: string) => h.slice(0, 10);

/** The incoming commits, hash and subject, on stdout. */
function showIncoming(s: { incoming: { hash: string; subject: string }[]; upstream: string | null }): void {
  if (!s.incoming.length) return;
  print(`${s.incoming.length} incoming commit(s) from ${s.upstream}:`);
  for (const c of s.incoming) print(`  ${style.yellow(short(c.hash))}  ${c.subject}`);
}

export function register(program: Command): void {
  const cmd = program
    .command("upgrade")
    .description("update the install with git: fetch, show incoming commits, fast-forward only (user/ is never touched)")
    .option("--check", "only fetch and report what an upgrade would bring");
  withJson(cmd);
  examples(cmd, ["pai upgrade --check", "pai upgrade", "pai upgrade --json"]);
  cmd.addHelpText(
    "after",
    "\nRefuses, changing nothing, when tracked files outside user/ have local edits, the history has diverged,\n" +
      "there is no upstream, an incoming change touches user/, or an incoming path exists untracked or\n" +
      "ignored in the work tree. Every file under user/ is hashed before and after; a changed one is put back.\n" +
      "Exit codes: 0 done or up to date, 1 refused, 3 git missing, not a git checkout, or the fetch failed.\n",
  );
  cmd.action(async (opts: { check?: boolean; json?: boolean }) => {
    let result;
    try {
      result = await upgrade({ check: opts.check });
    } catch (err) {
      if (!(err instanceof PaiError) || !err.data?.state) throw err;
      const state = err.data.state as InstallState;
      if (opts.json) printData({ ...state, status: "refused", message: err.message, hint: err.hint, changed: [], notes: [] });
      else showIncoming(state);
      throw err;
    }
    if (opts.json) return printData(result);
    showIncoming(result);
    if (result.status === "up-to-date") {
      print(`Up to date with ${result.upstream}${result.ahead ? ` (${result.ahead} local commit(s) not upstream)` : ""}.`);
    } else if (result.status === "available") {
      print(`Run 'pai upgrade' to fast-forward ${result.branch} to ${short(result.target!)}.`);
    } else {
      print(`Upgraded ${result.branch} to ${short(result.head)} (${result.changed.length} file(s) changed); ${describeUser(result.user)}.`);
    }
    for (const n of result.notes) note(`Note: ${n}`);
  });
}
