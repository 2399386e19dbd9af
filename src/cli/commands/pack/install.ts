import type { Command } from "commander";
import { examples, note, print, printData, style, withJson } from "../../output.ts";
import { confirmPermissions, readableConfig } from "./confirm.ts";

export function register(group: Command): void {
  const cmd = group
    .command("install <pack>")
    .description("install a built-in pack by name, a local folder, or a git URL (URL#ref pins a branch, tag or commit)")
    .option("-y, --yes", "grant the permissions the pack declares without asking");
  withJson(cmd);
  examples(cmd, ["pai pack install journal", "pai pack install notify --yes", "pai pack install ../my-pack", "pai pack install file:///srv/git/pack.git#main"]);
  cmd.action(async (spec: string, opts: { yes?: boolean; json?: boolean }) => {
    const { withHome } = await import("../../../app/home.ts");
    const { installPack } = await import("../../../packs/index.ts");
    const r = await withHome((home) =>
      installPack(spec, {
        paths: home.paths,
        config: readableConfig(home),
        yes: opts.yes,
        confirm: process.stdin.isTTY ? (m, summary) => confirmPermissions(`Install ${m.name} ${m.version}?`, summary) : undefined,
      }),
    );
    if (opts.json) return printData(r);
    print(`Installed ${style.bold(r.name)} ${r.version} (${r.files} files) from ${r.source.type} ${r.source.location}${r.source.commit ? ` @ ${r.source.commit.slice(0, 12)}` : ""}`);
    const perms = r.permissions.filter((p) => p.described.length);
    if (perms.length) {
      note("Granted:");
      for (const p of perms) note(`  ${p.command}: ${p.described.join("; ")}`);
    }
    note(`Try: pai pack info ${r.name}`);
  });
}
