/** The config's keys and their checks, generated from schema.ts by `bun scripts/gen-config.ts`: do not edit. */
import type { ShapeNode } from "./read.ts";

export const CONFIG_SHAPE: ShapeNode["fields"] = {
  user: { t: "object", fields: {
    name: {"t":"string"},
  } },
  backend: { t: "object", fields: {
    default: {"t":"enum","values":["ollama","anthropic"]},
    timeoutMs: {"t":"number","int":true,"above":0},
    retries: {"t":"number","int":true,"min":0,"max":10},
    backoffMs: {"t":"number","int":true,"min":0,"max":60000},
  } },
  ollama: { t: "object", fields: {
    host: {"t":"string","url":true},
    model: {"t":"string","minLength":1},
    embedModel: {"t":"string","minLength":1},
    trusted: {"t":"boolean"},
  } },
  anthropic: { t: "object", fields: {
    model: {"t":"string","minLength":1},
    baseUrl: {"t":"string","url":true,"optional":true},
    maxTokens: {"t":"number","int":true,"above":0},
  } },
  models: { t: "object", fields: {
    answer: { t: "object", fields: {
      backend: {"t":"enum","values":["ollama","anthropic"],"optional":true},
      model: {"t":"string","minLength":1,"optional":true},
    } },
    extract: { t: "object", fields: {
      backend: {"t":"enum","values":["ollama","anthropic"],"optional":true},
      model: {"t":"string","minLength":1,"optional":true},
    } },
    embed: { t: "object", fields: {
      backend: {"t":"enum","values":["ollama","anthropic"],"optional":true},
      model: {"t":"string","minLength":1,"optional":true},
    } },
  } },
  context: { t: "object", fields: {
    budget: {"t":"number","int":true,"min":100,"max":1000000},
    shareName: {"t":"boolean"},
  } },
  memory: { t: "object", fields: {
    incognito: {"t":"boolean"},
    hotWindowDays: {"t":"number","above":0},
    hotCap: {"t":"number","int":true,"min":0},
    warmWindowDays: {"t":"number","above":0},
    embeddings: {"t":"enum","values":["auto","off"]},
  } },
  learning: { t: "object", fields: {
    enabled: {"t":"boolean"},
    cloud: {"t":"boolean"},
  } },
  packs: { t: "object", fields: {
    settings: {"t":"records"},
  } },
  daemon: { t: "object", fields: {
    webhook: { t: "object", fields: {
      enabled: {"t":"boolean"},
      port: {"t":"number","int":true,"min":0,"max":65535},
      maxBodyBytes: {"t":"number","int":true,"above":0},
      tokenEnv: {"t":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"},
    } },
    graceMs: {"t":"number","int":true,"min":0,"max":600000},
    logMaxBytes: {"t":"number","int":true,"min":0},
    logKeep: {"t":"number","int":true,"min":0,"max":100},
    watchMaxDepth: {"t":"number","int":true,"min":0,"max":64},
    serve: {"t":"boolean"},
    servePort: {"t":"number","int":true,"min":0,"max":65535},
    watchMaxEntries: {"t":"number","int":true,"above":0},
  } },
  mcp: { t: "object", fields: {
    clientIs: {"t":"enum","values":["local","cloud"]},
  } },
};
