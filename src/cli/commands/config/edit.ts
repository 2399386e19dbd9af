/**
 * `pai config edit`: config.json in $VISUAL or $EDITOR, checked against the schema when the editor closes. A file
 * that does not pass is never left in place: on a terminal pai offers to edit it again; otherwise (or when the
 * user declines) the edit is kept beside it as config.json.rejected and the previous file is put back.
 */
import type { Command } from "commander";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { PaiError, UserError } from "../../../kernel/errors.ts";
import { writeFileAtomic } from "../../../kernel/fs.ts";
import { paths } from "../../../kernel/paths.ts";
import { examples, note } from "../../output.ts";

export function registerEdit(group: Command): void {
  const cmd = group.command("edit").description("open config.json in $VISUAL or $EDITOR, then check it (a file that does not pass is not kept)");
  examples(cmd, ["pai config edit", "EDITOR='code --wait' pai config edit"]);
  cmd.action(async () => {
    const file = paths().config;
    const editor = process.env.VISUAL?.trim() || process.env.EDITOR?.trim();
    const terminal = !!process.stdin.isTTY && !!process.stdout.isTTY;
    // Without a terminal the fallback editor (vi) would wait for keys that never come.
    if (!editor && !terminal) {
      throw new UserError("no terminal to edit in and no $VISUAL or $EDITOR set", { hint: "set EDITOR (e.g. EDITOR='code --wait' pai config edit), or use 'pai config set KEY VALUE'" });
    }
    const before = existsSync(file) ? readFileSync(file) : undefined;
    if (!before) writeFileSync(file, "{\n}\n", { mode: 0o600 });
    const { readRawConfig, validateConfig } = await import("../../../config/index.ts");
    for (;;) {
      // The editor may carry arguments ("code --wait"): the shell splits it, the file is passed as one word.
      const r = spawnSync("sh", ["-c", `${editor || "vi"} "$1"`, "sh", file], { stdio: "inherit" });
      if (r.status !== 0) {
        throw new UserError(`the editor (${editor || "vi"}) exited with ${r.status ?? r.signal}`, { hint: `${file} is as the editor left it; run 'pai config edit' again or 'pai doctor' to check it` });
      }
      let problem: string;
      try {
        validateConfig(readRawConfig(file), file);
        note(`${file}: ok`);
        return;
      } catch (err) {
        if (!(err instanceof PaiError)) throw err;
        problem = err.message;
      }
      if (terminal) {
        process.stderr.write(`pai: ${problem}\n`);
        const { askYesNo } = await import("../../prompt.ts");
        if (await askYesNo("Edit it again?")) continue;
      }
      // Nothing is lost: the edit is kept beside the file, and the file is the one that worked.
      const rejected = `${file}.rejected`;
      writeFileSync(rejected, readFileSync(file), { mode: 0o600 });
      if (before) writeFileAtomic(file, before);
      else rmSync(file, { force: true });
      throw new UserError(problem, { hint: `your edit is kept in ${rejected}; ${before ? "the previous config.json is back" : "no config.json was written"} — fix it and run 'pai config edit' again` });
    }
  });
}
