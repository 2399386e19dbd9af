import type { Command } from "commander";
import { UsageError } from "../../../kernel/errors.ts";
import { paths, requireUser } from "../../../kernel/paths.ts";
import { examples, note, print, printData, style, table, verbatim, withJson } from "../../output.ts";
import { registerEdit } from "./edit.ts";

/** The value the rest of pai uses: the environment's where a variable overrides the key (as the model code reads it). */
async function effective(key: string, value: unknown, env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const { ENV_OVERRIDES } = await import("../../../config/origins.ts");
  const variable = ENV_OVERRIDES[key];
  const set = variable ? env[variable]?.trim() : undefined;
  if (!set) return value;
  if (key === "ollama.host") return (await import("../../../models/audience.ts")).ollamaHost(value as string | undefined, env);
  return set;
}

export function register(program: Command): void {
  const group = program.command("config").description("get, set and list configuration (user/config.json)");
  group.hook("preAction", () => {
    requireUser();
  });
  examples(group, ["pai config list", "pai config get backend.default", "pai config get ollama.host --show-origin", "pai config set backend.default anthropic", "pai config set memory.hotCap 100", "pai config edit", "pai config path"]);

  const get = withJson(
    group
      .command("get <key>")
      .description("print the value pai uses (the environment's where a variable overrides the file, else the file's, else the default)")
      .option("--show-origin", "also say where it comes from: file:PATH:LINE, env:VARIABLE or default"),
  );
  examples(get, ["pai config get backend.default", "pai config get memory.hotCap --json", "pai config get ollama.host --show-origin"]);
  get.action(async (key: string, opts: { json?: boolean; showOrigin?: boolean }) => {
    const { getConfigValue, readRawConfig } = await import("../../../config/index.ts");
    const file = paths().config;
    const value = await effective(key, getConfigValue(key, file));
    const { originOf, originText } = await import("../../../config/origins.ts");
    const origin = originOf(key, readRawConfig(file), file);
    // A key with no value and no default is null in JSON (the key stays in the shape) and an empty line in text.
    if (opts.json) return printData({ key, value: verbatim(value ?? null), ...(opts.showOrigin ? { origin: originText(origin) } : {}) });
    const text = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
    print(opts.showOrigin ? `${originText(origin)}\t${text}` : text);
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
    const { ENV_OVERRIDES } = await import("../../../config/origins.ts");
    const variable = ENV_OVERRIDES[key];
    if (variable && process.env[variable]?.trim()) note(`${variable} is set in this environment and overrides it (${variable}=${process.env[variable]!.trim()})`);
  });

  const list = withJson(group.command("list").description("every key with the value pai uses, where it comes from, and its description"));
  examples(list, ["pai config list", "pai config list --json"]);
  list.action(async (opts: { json?: boolean }) => {
    const { listConfig, readRawConfig } = await import("../../../config/index.ts");
    const { originOf, originText } = await import("../../../config/origins.ts");
    const file = paths().config;
    const raw = readRawConfig(file);
    const entries = await Promise.all(
      listConfig(file).map(async (e) => ({ ...e, value: await effective(e.key, e.value), origin: originOf(e.key, raw, file) })),
    );
    if (opts.json) {
      return printData(entries.map((e) => ({ ...e, value: verbatim(e.value ?? null), default: verbatim(e.default ?? null), origin: originText(e.origin) })));
    }
    const where = (o: (typeof entries)[number]["origin"]) => (o.source === "environment" ? style.bold(`env ${o.variable}`) : o.source === "file" ? "file" : style.dim("default"));
    print(
      table(
        [
          ["KEY", "VALUE", "FROM", "DESCRIPTION"],
          ...entries.map((e) => [e.origin.source !== "default" ? style.bold(e.key) : e.key, JSON.stringify(e.value) ?? style.dim("(unset)"), where(e.origin), style.dim(e.description)]),
        ],
        { columns: ["key", "wrap", "key", "cut"] },
      ),
    );
  });

  registerEdit(group);

  const path = withJson(group.command("path").description("print the config file's path"));
  examples(path, ["pai config path", "$EDITOR \"$(pai config path)\""]);
  path.action(async (opts: { json?: boolean }) => {
    const file = paths().config;
    if (opts.json) return printData({ path: file });
    print(file);
  });
}
