import type { Command } from "commander";
import { examples, print, printData, style, table, terminalColumns, withJson } from "../output.ts";

export function register(program: Command): void {
  const cmd = program
    .command("models")
    .description("list the models each backend offers, whether it answers, and which model serves each purpose")
    .option("--backend <name>", "only this backend (ollama | anthropic)");
  withJson(cmd);
  examples(cmd, ["pai models", "pai models --backend ollama", "pai models --json"]);
  cmd.action(async (opts: { backend?: string; json?: boolean }) => {
    const { openHome } = await import("../../app/home.ts");
    const { parseBackendName } = await import("../../models/index.ts");
    const { modelsReport } = await import("../../models/report.ts");
    // Works before 'pai init' too: the config is then the defaults.
    const config = openHome({ user: false }).config;
    const report = await modelsReport(config, { backends: opts.backend ? [parseBackendName(opts.backend)] : undefined });
    if (opts.json) return printData(report);
    print(`Default backend: ${report.default}`);
    for (const [purpose, r] of Object.entries(report.inUse)) print(`  ${purpose.padEnd(8)} ${r.backend} / ${r.model}`);
    for (const b of report.backends) {
      print("");
      print(`${style.bold(b.name)} (${b.audience}) — ${b.ok ? style.green("ok") : style.red("unavailable")}: ${b.detail}`);
      if (b.error) print(`  ${style.red(b.error)}`);
      if (!b.models.length) continue;
      const used = new Set(Object.values(report.inUse).filter((r) => r.backend === b.name).map((r) => r.model));
      const isUsed = (name: string) => used.has(name) || used.has(name.replace(/:latest$/, ""));
      print(
        table(
          b.models.map((m) => [
            isUsed(m.name) ? style.green("*") : " ",
            m.name,
            m.sizeBytes ? `${(m.sizeBytes / 1e9).toFixed(1)} GB` : "",
            m.embedding ? "embedding" : (m.family ?? ""),
          ]),
          { columns: [undefined, "key", undefined, "cut"] },
          Math.max(0, terminalColumns() - 2),
        )
          .split("\n")
          .map((l) => `  ${l}`)
          .join("\n"),
      );
    }
  });
}
