import type { Command } from "commander";
import { UsageError } from "../../../kernel/errors.ts";
import { paths, requireUser } from "../../../kernel/paths.ts";
import { examples, print, printData, style, table, verbatim, withJson } from "../../output.ts";

export function register(program: Command): void {
  const group = program.command("config").description("get, set and list configuration (user/config.json)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai config list", "pai config get backend.default", "pai config set backend.default anthropic", "pai config set memory.hotCap 100", "pai config path"]);

  const get = withJson(group.command("get <key>").description("print one value (its default when unset)"));
  examples(get, ["pai config get backend.default", "pai config get memory.hotCap --json"]);
  get.action(async (key: string, opts: { json?: boolean }) => {
    const { getConfigValue } = await import("../../../config/index.ts");
    const value = getConfigValue(key, paths().config);
    // A key with no value and no default is null in JSON (the key stays in the shape) and an empty line in text.
    if (opts.json) return printData({ key, value: verbatim(value ?? null) });
    print(value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value));
  });

  const set = withJson(
    group
      .command("set <key> [value]")
      .description("set a value (validated against the schema)")
      .option("--unset", "remove the key so its default applies"),
  );
  examples(set, ["pai config set backend.default anthropic", "pai config set memory.hotCap 100", "pai config set memory.hotCap --unset"]);
  set.action(async (key: string, value: string | undefined, opts: { json?: boolean; unset?: boolean }) => {
    const { setConfigValue, getConfigValue } = await import("../../../config/index.ts");
    if (value === undefined && !opts.unset) throw new UsageError("missing value", { hint: `pai config set ${key} VALUE (or --unset)` });
    const file = paths().config;
    setConfigValue(key, opts.unset ? undefined : value, file);
    const now = getConfigValue(key, file);
    if (opts.json) return printData({ key, value: verbatim(now ?? null) });
    print(`${key} = ${now === undefined ? "(unset)" : JSON.stringify(now)}`);
  });

  const list = withJson(group.command("list").description("every key with its value, default and description"));
  examples(list, ["pai config list", "pai config list --json"]);
  list.action(
    async (opts: { json?: boolean }) => {
      const { listConfig } = await import("../../../config/index.ts");
      const entries = listConfig(paths().config);
      if (opts.json) return printData(entries.map((e) => ({ ...e, value: verbatim(e.value ?? null), default: verbatim(e.default ?? null) })));
      print(
        table([
          ["KEY", "VALUE", "DESCRIPTION"],
          ...entries.map((e) => [e.set ? style.bold(e.key) : e.key, JSON.stringify(e.value) ?? style.dim("(unset)"), style.dim(e.description)]),
        ], { columns: ["key", "wrap", "cut"] }),
      );
    },
  );

  const path = withJson(group.command("path").description("print the config file's path"));
  examples(path, ["pai config path", "$EDITOR \"$(pai config path)\""]);
  path.action(async (opts: { json?: boolean }) => {
    const file = paths().config;
    if (opts.json) return printData({ path: file });
    print(file);
  });
}
