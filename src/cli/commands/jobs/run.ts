import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { runJobNow } from "../../../automation/jobs/index.ts";
import { withInterrupt } from "../../../kernel/interrupt.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, withJson } from "../../output.ts";
import { safeText } from "../../../kernel/terminal.ts";

export function register(group: Command): void {
  const cmd = withJson(
    group.command("run <name>").description("fire a job once now, in this process (audited; rate limit applies; no approval wait)"),
  );
  examples(cmd, ["pai jobs run nightly", "pai jobs run nightly --json"]);
  cmd.action(async (name: string, opts: { json?: boolean }) => {
    const r = await withHome((home) => withInterrupt((signal) => runJobNow(home, new Secrets(), name, { signal })));
    // With --json the outcome is on stdout and a failure is still one line on stderr.
    if (opts.json) printData(r);
    if (r.status === "ok") {
      if (!opts.json) print(r.output ?? "done");
    } else if (r.status === "rate_limited") process.stderr.write(safeText(`pai: ${name} was not run: its rate limit is reached — see 'pai audit --job ${name}'\n`, { keepStyle: true }));
    else if (r.status === "error") process.stderr.write(safeText(`pai: ${name} failed: ${r.error} — see 'pai audit --job ${name}'\n`, { keepStyle: true }));
    else process.stderr.write(safeText(`pai: ${name}: ${r.status}\n`, { keepStyle: true }));
    if (r.status !== "ok") process.exitCode = 1;
  });
}
