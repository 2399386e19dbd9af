import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { listAudit } from "../../../automation/audit/index.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { formatWhen, inZone, parseWhen } from "../../../kernel/when.ts";
import { print, printData, style, table, verbatim, withJson } from "../../output.ts";

/** The group's own action: list entries. */
export function register(group: Command): void {
  withJson(
    group
      .option("--since <date>", "only entries from this date or time: ISO 8601 (2026-03-01, 2026-03-01T08:00Z) or relative (today, yesterday, 2h, 7d, 3 days ago, last week, monday)")
      .option("--job <name>", "only this job's entries")
      .option("-n, --limit <n>", "only the last n entries"),
  ).action(async (opts: { json?: boolean; since?: string; job?: string; limit?: string }) => {
    const since = opts.since === undefined ? undefined : parseWhen(opts.since);
    let limit: number | undefined;
    if (opts.limit !== undefined) {
      limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`invalid --limit '${opts.limit}'`, { hint: "a positive whole number" });
    }
    const entries = await withHome(({ db }) => listAudit(db, { since, job: opts.job, limit }));
    // Each entry's data is printed exactly as it was recorded and hashed, so the output can be re-verified.
    if (opts.json) return printData(entries.map((e) => ({ ...e, data: verbatim(e.data) })));
    if (!entries.length) return print(opts.since || opts.job ? "No audit entries match." : "No audit entries yet. Jobs, approvals and the daemon record here as they act.");
    const rows = [["SEQ", inZone("TIME"), "JOB", "TYPE", "WHAT", "DETAILS"]];
    for (const e of entries) {
      const { decision, event, status, ...rest } = e.data as Record<string, unknown>;
      const what = [decision, event, status].filter((x) => x !== undefined).join(" ");
      const details = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      rows.push([String(e.seq), formatWhen(e.time, { seconds: true }), e.job ?? "-", e.type, what, style.dim(details)]);
    }
    // The details are cut to the terminal's width (--json has them all); a pipe gets them whole.
    print(table(rows, { columns: ["key", undefined, undefined, undefined, "wrap", "cut"] }));
  });
}
