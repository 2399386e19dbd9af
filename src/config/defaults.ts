/**
 * The default of every config key, written once. The schema (schema.ts) gives each field its default from
 * here and each section parses `{}` through its fields, so `configSchema.parse({})` equals this object. It is a
 * plain object that imports nothing, so a fast path (`pai status`) reads a default without loading zod;
 * `configDefaults()` (index.ts) is a typed copy.
 */
export const CONFIG_DEFAULTS = {
  user: { name: "" },
  backend: { default: "ollama", timeoutMs: 120_000, retries: 3, backoffMs: 500 },
  ollama: { host: "http://127.0.0.1:11434", model: "llama3.2", embedModel: "nomic-embed-text", trusted: false },
  anthropic: { model: "claude-sonnet-4-6", maxTokens: 4096 },
  models: { answer: {}, extract: {}, embed: {} },
  context: { budget: 2000, shareName: true },
  memory: { incognito: false, hotWindowDays: 7, hotCap: 50, warmWindowDays: 90, embeddings: "auto" },
  learning: { enabled: true, cloud: false },
  packs: { settings: {} },
  daemon: {
    webhook: { enabled: false, port: 8787, maxBodyBytes: 65536, tokenEnv: "PAI_WEBHOOK_TOKEN" },
    graceMs: 10_000,
    logMaxBytes: 5_000_000,
    logKeep: 3,
    watchMaxDepth: 8,
    watchMaxEntries: 10_000,
    serve: false,
    servePort: 0,
  },
  mcp: { clientIs: "cloud" },
} as const;
