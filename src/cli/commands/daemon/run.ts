import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { runForeground } from "../../../automation/daemon/foreground.ts";
import { installDir } from "../../../kernel/paths.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { installFingerprint } from "../../resident.ts";
import { answerResident } from "../../resident-run.ts";
import { examples } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group.command("run").description("run the daemon in the foreground (for a service manager); SIGTERM stops it");
  examples(cmd, ["pai daemon run", "PAI_HOME=~/work-profile pai daemon run"]);
  // The daemon's process opens its home once, for as long as it runs; every secret it reads joins one Secrets value.
  // Read-only commands sent to its socket are answered by the code it was started with (its fingerprint).
  cmd.action(async () => {
    const fingerprint = await installFingerprint(installDir);
    await withHome((h) => {
      const secrets = new Secrets();
      // daemon.serve: the dashboard shares the daemon's open home; 'pai serve' hands out its address (web/handoff.ts).
      const dashboard = h.config.daemon.serve
        ? async () => {
            const [{ startDashboard }, { writeHandoff, clearHandoff }] = await Promise.all([import("../../../web/server.ts"), import("../../../web/handoff.ts")]);
            const d = startDashboard(h, secrets, { port: h.config.daemon.servePort, renewKey: (url) => writeHandoff(h.paths, url) });
            return {
              async stop() {
                clearHandoff(h.paths);
                await d.stop();
              },
            };
          }
        : undefined;
      return runForeground(h, secrets, { resident: (req, sink) => answerResident(req, sink, h), fingerprint, dashboard });
    }, { cache: "large" });
  });
}
