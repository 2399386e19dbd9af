import type { Command } from "commander";
import { examples, print, printJson, style, table, withJson } from "../../output.ts";

export function register(program: Command): void {
  const group = program.command("config").description("get, set and list configuration (user/config.json)");
  group.hook("preAction", async () => {
    const { requireUser } = await import("../../../paths.ts");
    requireUser();
  });
  examples(group, ["pai config list", "pai config get backend.default", "pai config set backend.default anthropic", "pai config set memory.hotCap 100", "pai config path"]);

  withJson(group.command("get <key>").description("print one value")).action(async (key: string, opts: { json?: boolean }) => {
    const { getConfigValue } = await import("../../../config/index.ts");
    const value = getConfigValue(key);
    if (opts.json) return printJson({ key, value });
    print(typeof value === "string" ? value : JSON.stringify(value));
  });

  withJson(
    group
      .command("set <key> [value]")
      .description("set a value (validated against the schema)")
      .option("--unset", "remove the key so its default applies"),
  ).action(async (key: string, value: string | undefined, opts: { json?: boolean; unset?: boolean }) => {
    const { setConfigValue, getConfigValue } = await import("../../../config/index.ts");
    const { UsageError } = await import("../../../errors.ts");
    if (value === undefined && !opts.unset) throw new UsageError("missing value", { hint: `pai config set ${key} VALUE (or --unset)` });
    setConfigValue(key, opts.unset ? undefined : value);
    const now = getConfigValue(key);
    if (opts.json) return printJson({ key, value: now });
    print(`${key} = ${JSON.stringify(now)}`);
  });

  withJson(group.command("list").description("every key with its value, default and description")).action(
    async (opts: { json?: boolean }) => {
      const { listConfig } = await import("../../../config/index.ts");
      const entries = listConfig();
      if (opts.json) return printJson(entries);
      print(
        table([
          ["KEY", "VALUE", "DESCRIPTION"],
          ...entries.map((e) => [e.set ? style.bold(e.key) : e.key, JSON.stringify(e.value) ?? style.dim("(unset)"), style.dim(e.description)]),
        ]),
      );
    },
  );

  withJson(group.command("path").description("print the config file's path")).action(async (opts: { json?: boolean }) => {
    const { paths } = await import("../../../paths.ts");
    const file = paths().config;
    if (opts.json) return printJson({ path: file });
    print(file);
  });
}
