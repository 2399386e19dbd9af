import type { Command } from "commander";
import { UsageError } from "../../kernel/errors.ts";
import { examples, note, print } from "../output.ts";

/** Opens an address in the user's browser (xdg-open, or open on macOS); says so when it cannot. */
function openInBrowser(url: string): void {
  const opener = process.platform === "darwin" ? "open" : "xdg-open";
  void import("node:child_process").then(({ spawn }) => {
    try {
      spawn(opener, [url], { stdio: "ignore", detached: true }).on("error", () => note(`could not run ${opener}: open the address by hand`)).unref();
    } catch {
      note(`could not run ${opener}: open the address by hand`);
    }
  });
}

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
    const { requireUser, paths } = await import("../../kernel/paths.ts");
    // A daemon serving the dashboard (daemon.serve: true) gives its address, with a fresh one-time key.
    const { daemonDashboard } = await import("../../web/handoff.ts");
    const served = daemonDashboard(requireUser(paths()));
    if (served) {
      print(served);
      note("The daemon serves the dashboard: open this address (it holds a one-time key).");
      if (opts.open) openInBrowser(served);
      return;
    }
    const { Secrets } = await import("../../kernel/secrets.ts");
    const { startDashboard } = await import("../../web/server.ts");
    const home = openHome({ cache: "large" });
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
    if (opts.open) openInBrowser(dash.url);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await dash.stop();
    home.close();
  });
}
