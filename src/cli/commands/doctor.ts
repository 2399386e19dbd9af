import type { Command } from "commander";
import { paths } from "../../kernel/paths.ts";
import { examples, print, printData, style, withJson } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("doctor")
    .description("check the runtime, PAI_HOME, config, database, Telos, daemon, installed packs and the programs they run, the install's git state, the model backends and the models pulled");
  cmd.option("--full", "check the whole database with SQLite's integrity_check (also the full-text index, embedding bits, counters, page accounting, and every index against its table; slower) instead of the quick check of the tables holding your data");
  withJson(cmd);
  examples(cmd, ["pai doctor", "pai doctor --full", "pai doctor --json", "PAI_HOME=~/work-profile pai doctor"]);
  cmd.addHelpText("after", "\nEach line is ok, warn or fail, with the fix under it. Exit 1 when any check fails, 0 otherwise.\n");
  cmd.action(async (opts: { json?: boolean; full?: boolean }) => {
    const { runDoctor, renderDoctor } = await import("../../admin/doctor.ts");
    const { latestSchemaVersion } = await import("../../app/db.ts");
    // On a terminal, a long check shows a line on stderr while it runs, cleared once it is done.
    const tty = process.stderr.isTTY === true;
    let shown = false;
    const report = await runDoctor({
      paths: paths(),
      latestSchema: latestSchemaVersion(),
      full: opts.full === true,
      onProgress: (what) => {
        if (!tty) return;
        process.stderr.write(`\r\x1b[K${style.dim(what)}`);
        shown = true;
      },
    });
    if (shown) process.stderr.write("\r\x1b[K");
    if (opts.json) printData(report);
    else print(renderDoctor(report, (status, s) => (status === "ok" ? style.green(s) : status === "warn" ? style.yellow(s) : style.red(s))));
    if (!report.ok) process.exitCode = 1;
  });
}
