import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { examples, note, print, printData, withJson } from "../../output.ts";
import { syncEnv } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group.command("now").description("apply what other devices wrote, then publish what changed here");
  withJson(cmd);
  examples(cmd, ["pai sync now", "pai sync now --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const { syncNow } = await import("../../../memory/sync/index.ts");
    await withHome(async (home) => {
      const r = await syncNow(syncEnv(home));
      if (opts.json) return printData(r);
      for (const s of r.skipped) note(`pai: skipped a line of ${s.device}/${s.file} at byte ${s.offset}: ${s.reason}`);
      const parts = [`applied ${r.applied}`, `published ${r.published}`];
      if (r.forgotten) parts.push(`forgot ${r.forgotten}`);
      if (r.conflicts) parts.push(`${r.conflicts} conflict(s) resolved`);
      if (r.duplicates) parts.push(`${r.duplicates} already applied`);
      if (r.waiting) parts.push(`${r.waiting} waiting for what they need to arrive`);
      if (r.skipped.length) parts.push(`${r.skipped.length} line(s) skipped`);
      print(`${parts.join(", ")}.`);
    });
  });
}
