import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { backupDatabase, defaultBackupPath } from "../../../memory/io/backup.ts";
import { examples, print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("backup")
    .argument("[path]", "where to write the copy (default: user/backups/pai-<timestamp>.db)")
    .description("a consistent copy of the database, safe while pai is running (VACUUM INTO); never overwrites a file");
  withJson(cmd);
  examples(cmd, ["pai memory backup", "pai memory backup ~/safe/pai.db"]);
  cmd.action(async (target: string | undefined, opts: { json?: boolean }) => {
    await withHome(({ db, paths }) => {
      const r = backupDatabase(db, target ?? defaultBackupPath(paths.user));
      if (opts.json) return printJson({ path: r.path, bytes: r.bytes });
      print(`Backed up to ${r.path} (${(r.bytes / 1048576).toFixed(1)} MB).`);
    });
  });
}
