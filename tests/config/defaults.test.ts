// Every config default is written once (src/config/defaults.ts); the schema's fields take theirs from there.
import { describe, expect, it } from "vitest";
import { CONFIG_DEFAULTS } from "../../src/config/defaults.ts";
import { configDefaults, configKeys, listConfig } from "../../src/config/index.ts";
import { configSchema } from "../../src/config/schema.ts";
import { join } from "node:path";
import { tmpDir } from "../helpers/tmp.ts";

const at = (obj: unknown, key: string): unknown => key.split(".").reduce<any>((o, k) => o?.[k], obj);

describe("config defaults", () => {
  it("an empty config, a config without a section and the defaults object agree", () => {
    expect(configSchema.parse({})).toEqual(CONFIG_DEFAULTS);
    expect(configDefaults()).toEqual(CONFIG_DEFAULTS);
    expect(configSchema.parse({ daemon: {} }).daemon).toEqual(CONFIG_DEFAULTS.daemon);
    expect(configSchema.parse({ daemon: { webhook: { port: 9 } } }).daemon).toEqual({ ...CONFIG_DEFAULTS.daemon, webhook: { ...CONFIG_DEFAULTS.daemon.webhook, port: 9 } });
  });

  it("each key's listed default is the defaults object's value", () => {
    for (const leaf of configKeys()) expect(leaf.defaultValue, leaf.key).toEqual(at(CONFIG_DEFAULTS, leaf.key));
    const entries = listConfig(join(tmpDir(), "config.json"));
    for (const e of entries) expect(e.value, e.key).toEqual(e.default);
  });

  it("a copy of the defaults is never shared", () => {
    const a = configDefaults();
    a.packs.settings.x = { y: 1 };
    expect(configDefaults().packs.settings).toEqual({});
    expect(configSchema.parse({}).packs.settings).toEqual({});
  });
});
