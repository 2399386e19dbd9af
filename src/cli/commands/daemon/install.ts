import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { installService } from "../../../automation/daemon/service.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { examples, print, printData, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("install")
    .description("write a systemd user unit (a launchd agent on macOS) and user/daemon.env with the backend variables this shell has; enables nothing")
    .option("--dir <dir>", "write the file into this folder instead")
    .option("--platform <platform>", "linux or darwin (default: this machine's)");
  withJson(cmd);
  examples(cmd, ["pai daemon install", "pai daemon install --dir /tmp/units"]);
  cmd.action(async (opts: { json?: boolean; dir?: string; platform?: string }) => {
    if (opts.platform && !["linux", "darwin"].includes(opts.platform)) throw new UsageError(`unknown platform '${opts.platform}'`, { hint: "linux or darwin" });
    const r = await withHome((home) => installService(home, { dir: opts.dir, platform: opts.platform as NodeJS.Platform | undefined }));
    if (opts.json) return printData(r);
    for (const f of r.files) print(`Wrote ${f}`);
    const names = r.environment.names;
    print(`Wrote ${r.environment.file} (owner-only), which the service reads: ${names.length ? names.join(", ") : "no variables"}, as this shell has ${names.length === 1 ? "it" : "them"} (edit it to change them, then restart the daemon)`);
    print("Nothing was enabled. To run the daemon at login:");
    for (const c of r.enable) print(`  ${c}`);
  });
}
