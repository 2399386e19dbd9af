/** The cli tier: a granted program run with an argv rendered from the manifest's template (never a shell). */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../../kernel/errors.ts";
import { expandPath } from "../grants.ts";
import type { PackCommand } from "../manifest/index.ts";
import { checkRead, checkWrite } from "../permissions.ts";
import { assertUnchanged, scopeOf, type Prepared, type RunOptions, type TierInput, type TierOutput } from "../prepare.ts";
import { checkExec, childEnv, spawnChecked } from "../sandbox.ts";
import { renderArgv } from "../template.ts";

export async function runCli(prep: Prepared, cmd: Extract<PackCommand, { tier: "cli" }>, input: TierInput, opts: RunOptions): Promise<TierOutput> {
  const bin = checkExec(prep.guard, cmd.exec, prep.manifest.dir);
  if (cmd.exec.startsWith("./")) assertUnchanged(prep, bin);
  const home = prep.p.home;
  const argv = renderArgv(cmd.args, scopeOf(prep, input), (kind, value) => {
    const full = expandPath(value, { home, packDir: prep.manifest.dir });
    if (kind === "read") return checkRead(prep.guard, full);
    const target = checkWrite(prep.guard, full);
    mkdirSync(dirname(target), { recursive: true }); // inside the grant: the program may expect its folder
    return target;
  });
  const r = await spawnChecked(bin, argv, {
    env: childEnv(prep.guard),
    input: cmd.stdin === "input" ? input.text : "",
    timeoutMs: cmd.timeoutMs,
    signal: opts.signal,
  });
  if (!cmd.okCodes.includes(r.code)) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split("\n", 1)[0] ?? "";
    throw new UserError(`${cmd.exec} exited with code ${r.code}${detail ? `: ${detail}` : ""}`, { data: { code: r.code } });
  }
  return { output: r.stdout.replace(/\n$/, ""), data: { code: r.code, argv: [cmd.exec, ...argv] } };
}
