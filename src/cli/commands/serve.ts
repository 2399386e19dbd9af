import type { Command } from "commander";
import { UsageError } from "../../kernel/errors.ts";
import { examples, note, print } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("serve")
    .description("a local dashboard in your browser: the Telos as a graph, memory, the daemon, model calls (loopback only, a one-time key)")
    .option("--port <n>", "the port (default: any free one)")
    .option("--open", "open the address in your browser");
  examples(cmd, ["pai serve", "pai serve --port 8765 --open"]);
  cmd.action(async (opts: { port?: string; open?: boolean }) => {
    const port = opts.port === undefined ? 0 : Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number (0-65535), not '${opts.port}'`);
    const { openHome } = await import("../../app/home.ts");
    const { Secrets } = await import("../../kernel/secrets.ts");
    const { startDashboard } = await import("../../web/server.ts");
    const home = openHome({ cache: "large" } as never);
    let dash;
    try {
      dash = startDashboard(home, new Secrets(), { port });
    } catch (err) {
      home.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new UsageError(`port ${port} is in use`, { hint: "choose another with --port, or leave it out for any free one" });
      throw err;
    }
    print(dash.url);
    note(`Open this address (it holds a one-time key; the page keeps a session cookie instead). Ctrl-C stops the dashboard.`);
    if (opts.open) {
      const { spawn } = await import("node:child_process");
      const opener = process.platform === "darwin" ? "open" : "xdg-open";
      try {
        spawn(opener, [dash.url], { stdio: "ignore", detached: true }).on("error", () => note(`could not run ${opener}: open the address by hand`)).unref();
      } catch {}
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await dash.stop();
    home.close();
  });
}
