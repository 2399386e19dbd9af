import type { Command } from "commander";
import { UsageError } from "../../kernel/errors.ts";
import type { Audience } from "../../kernel/privacy.ts";
import { examples } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("mcp")
    .description("serve memory, Telos and context to an MCP client over stdio (tools: memory_search, remember, memory_forget, telos_get, context)")
    .option("--client <kind>", "whether the client counts as local (sees private items) or cloud (default: config mcp.clientIs, cloud)");
  examples(cmd, [
    "pai mcp                      started by an MCP client; private items stay out",
    "pai mcp --client local       for a client backed by a local model",
    "pai integrate claude-code    registers 'pai mcp' in Claude Code",
  ]);
  cmd.action(async (opts: { client?: string }) => {
    if (opts.client !== undefined && opts.client !== "local" && opts.client !== "cloud") {
      throw new UsageError(`--client must be local or cloud (got '${opts.client}')`, { hint: "pai mcp --client cloud" });
    }
    const { withHome } = await import("../../app/home.ts");
    const { serveStdio } = await import("../../interop/mcp.ts");
    await withHome(async (home) => {
      const audience = (opts.client as Audience | undefined) ?? home.config.mcp.clientIs;
      await serveStdio({ audience, paths: home.paths, config: home.config, db: home.db });
    });
  });
}
