import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { followLogs, readLogs } from "../../../automation/daemon/control.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { examples, note, print, printData, withJson } from "../../output.ts";
import { safeJson } from "../../../kernel/terminal.ts";
import { formatWhen, userZone } from "../../../kernel/when.ts";

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z(?= |$)/;

/** A log line as the user reads it: its leading UTC time shown in the user's zone (--json keeps the line as written). */
export function localLine(line: string, zone: string): string {
  const m = STAMP.exec(line);
  return m ? formatWhen(m[0], { zone, seconds: true }) + line.slice(m[0].length) : line;
}

export function register(group: Command): void {
  const cmd = withJson(
    group
      .command("logs")
      .description("show the daemon's log (user/logs/daemon.log, then daemon.log.1, … once rotated)")
      .option("-n, --lines <n>", "how many lines (across rotated files)", "50")
      .option("-f, --follow", "keep printing new lines, across rotations (Ctrl-C to stop)"),
  );
  examples(cmd, ["pai daemon logs", "pai daemon logs -n 200", "pai daemon logs -f"]);
  cmd.action(async (opts: { json?: boolean; lines: string; follow?: boolean }) => {
    const n = Number(opts.lines);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid --lines '${opts.lines}'`, { hint: "a whole number, e.g. -n 100" });
    const zone = userZone();
    if (!opts.follow) {
      const lines = await withHome(({ paths }) => readLogs(paths, n));
      if (opts.json) return printData({ lines });
      // The zone is said once, apart from the lines (standard error), so a pipe gets only the log.
      if (lines.length) note(`times in ${zone}`);
      for (const l of lines) print(localLine(l, zone));
      if (!lines.length) note("No daemon log yet. Start the daemon with 'pai daemon start'.");
      return;
    }
    // The last n lines and then every new one, from the same open file: none missed or repeated in between,
    // and a rotation (daemon.log → daemon.log.1) is followed.
    const ac = new AbortController();
    process.once("SIGINT", () => ac.abort());
    process.once("SIGTERM", () => ac.abort());
    if (!opts.json) note(`times in ${zone}`);
    await withHome(({ paths }) => followLogs(paths, (l) => print(opts.json ? safeJson(JSON.stringify({ line: l })) : localLine(l, zone)), ac.signal, n));
  });
}
