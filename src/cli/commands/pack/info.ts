import type { Command } from "commander";
import { examples, print, printData, style, verbatim, withJson } from "../../output.ts";

export function register(group: Command): void {
  const cmd = group
    .command("info <pack>")
    .description("commands, tiers, triggers, permissions, settings, source and integrity of a pack (installed, built-in or a folder)");
  withJson(cmd);
  examples(cmd, ["pai pack info notify", "pai pack info ./my-pack", "pai pack info journal --json"]);
  cmd.action(async (spec: string, opts: { json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { packInfo } = await import("../../../packs/info.ts");
    const info = await withHome((home) => packInfo(spec, home));
    if (opts.json) return printData({ ...info, settings: info.settings.map((s) => ({ ...s, value: verbatim(s.value), default: verbatim(s.default) })) });
    print(`${style.bold(info.name)} ${info.version}  ${info.installed ? style.green("installed") : style.dim("not installed")}`);
    print(info.description);
    if (info.source) print(`source: ${info.source.type} ${info.source.location}${info.source.commit ? ` @ ${info.source.commit}` : ""}`);
    if (info.integrity) print(`integrity: ${info.integrity.ok ? style.green("ok") : style.red(`changed (${[...info.integrity.modified.map((f) => `modified ${f}`), ...info.integrity.missing.map((f) => `missing ${f}`), ...info.integrity.added.map((f) => `added ${f}`)].join(", ")})`)} (${info.integrity.files} files)`);
    print("");
    for (const c of info.commands) {
      print(`${style.bold(`${info.name}:${c.name}`)}  [${c.tier}]  ${c.description}`);
      const t = c.triggers;
      if (t.names.length) print(`  names:    ${t.names.join(", ")}`);
      if (t.patterns.length) print(`  patterns: ${t.patterns.join("  ")}`);
      if (t.examples.length) print(`  examples: ${t.examples.map((e) => `"${e}"`).join(", ")}`);
      const by = c.changesDeclared ? "" : style.dim(" (from its permissions)");
      print(`  ${c.changes ? "changes things: each run is remembered as an action" : "read-only: runs are recorded, not remembered"}${by}`);
      const now = c.effective;
      const shown = [
        ...(now.network.length ? [`network: ${now.network.join(", ")}`] : []),
        ...(now.read.length ? [`read: ${now.read.join(", ")}`] : []),
        ...(now.write.length ? [`write: ${now.write.join(", ")}`] : []),
        ...(now.env.length ? [`secrets: ${now.env.join(", ")}`] : []),
        ...(now.exec.length ? [`run: ${now.exec.join(", ")}`] : []),
      ];
      if (c.permissions.length) for (const p of shown) print(`  ${style.yellow(p)}`);
      else print(`  ${style.dim("no permissions")}`);
    }
    if (info.settings.length) {
      print("");
      print("settings (pai pack config):");
      for (const s of info.settings) print(`  ${s.key} = ${JSON.stringify(s.value)}${s.set ? "" : style.dim(" (default)")}  ${style.dim(s.description)}`);
    }
    if (info.recentRuns.length) {
      print("");
      print("recent runs:");
      for (const r of info.recentRuns) print(`  ${r.startedAt}  ${r.command} (${r.tier}, ${r.origin})  ${r.outcome === "ok" ? style.green("ok") : style.red(r.outcome)}${r.error ? `  ${style.dim(r.error)}` : ""}`);
    }
    if (info.hooks.length) {
      print("");
      print("hooks:");
      for (const h of info.hooks) print(`  ${h.event}${h.cron ? ` ${h.cron}` : ""}${h.paths ? ` ${h.paths.join(", ")}` : ""} → ${h.command}`);
    }
  });
}
