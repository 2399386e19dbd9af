import type { Command } from "commander";
import { examples, print, printJson, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("backup")
    .argument("[path]", "where to write the copy (default: user/backups/pai-<timestamp>.db)")
    .description("a consistent copy of the database, safe while pai is running (VACUUM INTO); never overwrites a file");
  withJson(cmd);
  examples(cmd, ["pai memory backup", "pai memory backup ~/safe/pai.db"]);
  cmd.action(async (target: string | undefined, opts: { json?: boolean }) => {
    const { withUserStore } = await import("../../../memory/cli.ts");
    const { backupDatabase, defaultBackupPath } = await import("../../../memory/io.ts");
    await withUserStore(({ db, userDir }) => {
      const r = backupDatabase(db, target ?? defaultBackupPath(userDir));
      if (opts.json) return printJson({ path: r.path, bytes: r.bytes });
      print(`Backed up to ${r.path} (${(r.bytes / 1048576).toFixed(1)} MB).`);
    });
  });
}
