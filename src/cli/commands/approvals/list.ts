import type { Command } from "commander";
import { print, printJson, style, table, withJson } from "../../output.ts";

export function register(group: Command): void {
  withJson(group.command("list").description("pending approvals (--all: every decision)").option("--all", "include approved and denied ones")).action(
    async (opts: { json?: boolean; all?: boolean }) => {
      const { listApprovals } = await import("../../../jobs/approvals.ts");
      const { openUserDatabase } = await import("../../../storage/index.ts");
      const db = await openUserDatabase();
      try {
        const rows = listApprovals(db, { all: opts.all });
        if (opts.json) return printJson(rows);
        if (!rows.length) return print(opts.all ? "No approvals yet." : "Nothing is waiting for approval.");
        print(
          table([
            ["ID", "JOB", "ACTION", "TRIGGER", "REQUESTED", "STATUS"],
            ...rows.map((a) => [
              String(a.id),
              a.job,
              String(a.action.type) + (a.action.pack ? ` ${a.action.pack}:${a.action.command}` : ""),
              a.trigger.trigger,
              a.requestedAt.replace("T", " ").slice(0, 16),
              a.status === "pending" ? style.yellow(a.status) : a.status,
            ]),
          ]),
        );
      } finally {
        db.close();
      }
    },
  );
}
