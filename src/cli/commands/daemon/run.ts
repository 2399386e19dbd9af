import type { Command } from "commander";

export function register(group: Command): void {
  group
    .command("run")
    .description("run the daemon in the foreground (for a service manager); SIGTERM stops it")
    .action(async () => {
      const { runForeground } = await import("../../../daemon/index.ts");
      await runForeground();
    });
}
