import type { Command } from "commander";
import { examples, note, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = withJson(
    group
      .command("logs")
      .description("show the daemon's log (user/logs/daemon.log)")
      .option("-n, --lines <n>", "how many lines", "50")
      .option("-f, --follow", "keep printing new lines (Ctrl-C to stop)"),
  );
  examples(cmd, ["pai daemon logs", "pai daemon logs -n 200", "pai daemon logs -f"]);
  cmd.action(async (opts: { json?: boolean; lines: string; follow?: boolean }) => {
    const { readLogs, followLogs } = await import("../../../daemon/index.ts");
    const { paths } = await import("../../../paths.ts");
    const { UsageError } = await import("../../../errors.ts");
    const n = Number(opts.lines);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid --lines '${opts.lines}'`, { hint: "a whole number, e.g. -n 100" });
    const lines = readLogs(undefined, n);
    if (opts.json && !opts.follow) return printData({ lines });
    for (const l of lines) print(l);
    if (!lines.length && !opts.follow) note("No daemon log yet. Start the daemon with 'pai daemon start'.");
    if (!opts.follow) return;
    const ac = new AbortController();
    process.once("SIGINT", () => ac.abort());
    process.once("SIGTERM", () => ac.abort());
    await followLogs(paths(), (l) => print(opts.json ? JSON.stringify({ line: l }) : l), ac.signal);
  });
}
