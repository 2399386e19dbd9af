/**
 * What a model call is estimated to cost: prices per million tokens, by backend and model, from
 * system/prices.json, with the user's user/overrides/prices.json laid over it model by model (an entry there
 * replaces the system's entry of the same backend and model; every other entry stays). A model takes its own
 * entry, else the longest entry its name starts with (a dated id takes its family's price), else its backend's
 * "*". Ollama's "*" is 0: a local model costs nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../kernel/errors.ts";
import { installDir } from "../kernel/paths.ts";
import { amount, object, onlyKeys, optionalText, ShapeError } from "./shape.ts";

export interface Price {
  /** US dollars per million input tokens. */
  input: number;
  /** US dollars per million output tokens. */
  output: number;
}

/** Prices by backend, then by model name (or "*"). */
export type PriceTable = Record<string, Record<string, Price>>;

/** The models of a prices file, checked; throws ShapeError. */
function parsePrices(raw: unknown): PriceTable {
  const doc = object(raw, "");
  onlyKeys(doc, "", ["about", "checked", "source", "models"]);
  for (const k of ["about", "checked", "source"]) optionalText(doc[k], k);
  if (doc.models === undefined) throw new ShapeError('models: required: {"anthropic": {"model": {"input": 3, "output": 15}}}');
  const table: PriceTable = {};
  for (const [backend, models] of Object.entries(object(doc.models, "models"))) {
    table[backend] = {};
    for (const [model, p] of Object.entries(object(models, `models.${backend}`))) {
      const path = `models.${backend}.${model}`;
      const o = object(p, path);
      onlyKeys(o, path, ["input", "output"]);
      table[backend][model] = { input: amount(o.input, `${path}.input`), output: amount(o.output, `${path}.output`) };
    }
  }
  return table;
}

export const SYSTEM_PRICES = join(installDir, "system", "prices.json");

/** The user's override of the prices, under the user/ folder that holds the database. */
export function userPricesFile(userDir: string): string {
  return join(userDir, "overrides", "prices.json");
}

function readPrices(file: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${file} is not valid JSON (${(err as Error).message.split("\n", 1)[0]})`, {
      hint: 'fix it: {"models": {"anthropic": {"claude-sonnet-4-6": {"input": 3, "output": 15}}}}',
    });
  }
  try {
    return parsePrices(raw);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    throw new UserError(`${file}: ${err.message}`, {
      hint: 'each price is {"input": dollars, "output": dollars} per million tokens, under "models" then the backend',
    });
  }
}

/** The system's prices with the user's laid over them, model by model. */
export function loadPrices(userDir?: string, systemFile: string = SYSTEM_PRICES): PriceTable {
  const table: PriceTable = {};
  const lay = (t: PriceTable) => {
    for (const [backend, models] of Object.entries(t)) table[backend] = { ...(table[backend] ?? {}), ...models };
  };
  if (existsSync(systemFile)) lay(readPrices(systemFile));
  const user = userDir ? userPricesFile(userDir) : undefined;
  if (user && existsSync(user)) lay(readPrices(user));
  return table;
}

/** The price of a model: its own entry, the longest entry it starts with, else its backend's "*". */
export function priceOf(table: PriceTable, backend: string, model: string): (Price & { entry: string }) | undefined {
  const models = table[backend];
  if (!models) return undefined;
  if (models[model]) return { ...models[model], entry: model };
  let best: string | undefined;
  for (const name of Object.keys(models)) {
    if (name !== "*" && model.startsWith(name) && (!best || name.length > best.length)) best = name;
  }
  if (best) return { ...models[best]!, entry: best };
  return models["*"] ? { ...models["*"], entry: "*" } : undefined;
}

/** Estimated US dollars of a call; undefined when no price is known for it. */
export function costOf(table: PriceTable, backend: string, model: string, inputTokens: number, outputTokens: number): number | undefined {
  const p = priceOf(table, backend, model);
  if (!p) return undefined;
  return (inputTokens * p.input + outputTokens * p.output) / 1_000_000;
}
