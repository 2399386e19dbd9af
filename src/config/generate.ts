/**
 * Writes the config's shape (shape.ts) from the schema: each key with the checks the fast reader applies, so
 * the common config.json is read without loading zod. A key whose checks it does not know is marked "zod":
 * a file that sets it is read by the schema itself. `bun scripts/gen-config.ts` rewrites shape.ts; a test
 * fails when it is stale.
 */
import type { z } from "zod";
import { configSchema } from "./schema.ts";
import type { ShapeLeaf, ShapeNode } from "./read.ts";

function leaf(s: z.ZodType): ShapeLeaf | ShapeNode {
  let def: any = (s as any)._zod.def;
  let optional = false;
  while (["default", "optional", "prefault"].includes(def.type)) {
    if (def.type === "optional") optional = true;
    def = def.innerType._zod.def;
  }
  const out: ShapeLeaf = { t: "zod" };
  const checks: any[] = (def.checks ?? []).map((c: any) => c._zod.def);
  switch (def.type) {
    case "object":
      return { t: "object", fields: Object.fromEntries(Object.entries(def.shape).map(([k, v]) => [k, leaf(v as z.ZodType)])) };
    case "boolean":
      out.t = "boolean";
      break;
    case "enum":
      out.t = "enum";
      out.values = Object.values(def.entries) as string[];
      break;
    case "record":
      // Only the record of records (packs.settings) is known: each value a JSON object.
      if (def.valueType?._zod?.def?.type === "record" && def.valueType._zod.def.valueType?._zod?.def?.type === "unknown") out.t = "records";
      break;
    case "number":
      out.t = "number";
      for (const c of checks) {
        if (c.check === "number_format" && c.format === "safeint") out.int = true;
        else if (c.check === "greater_than") c.inclusive ? (out.min = c.value) : (out.above = c.value);
        else if (c.check === "less_than") c.inclusive ? (out.max = c.value) : (out.below = c.value);
        else return { t: "zod" };
      }
      break;
    case "string":
      out.t = "string";
      for (const c of checks) {
        if (c.check === "min_length") out.minLength = c.minimum;
        else if (c.check === "string_format" && c.format === "url") out.url = true;
        else if (c.check === "string_format" && c.format === "regex") out.pattern = c.pattern.source;
        else return { t: "zod" };
      }
      break;
  }
  if (optional) out.optional = true;
  return out;
}

/** The text of shape.ts. */
export function shapeSource(): string {
  const shape = (leaf(configSchema) as ShapeNode).fields;
  return [
    "/** The config's keys and their checks, generated from schema.ts by `bun scripts/gen-config.ts`: do not edit. */",
    'import type { ShapeNode } from "./read.ts";',
    "",
    `export const CONFIG_SHAPE: ShapeNode["fields"] = ${fields(shape, "")};`,
    "",
  ].join("\n");
}

/** An object's fields, one key to a line (a nested object's own fields indented below it). */
function fields(f: ShapeNode["fields"], indent: string): string {
  const lines = Object.entries(f).map(([k, v]) =>
    v.t === "object" ? `${indent}  ${name(k)}: { t: "object", fields: ${fields(v.fields, `${indent}  `)} },` : `${indent}  ${name(k)}: ${JSON.stringify(v)},`,
  );
  return `{\n${lines.join("\n")}\n${indent}}`;
}

const name = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
