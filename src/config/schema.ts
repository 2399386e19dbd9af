/**
 * The configuration schema: the single source of truth for defaults, descriptions and validation of
 * user/config.json. Keys are addressed with dots (`memory.hotWindowDays`). Each concern owns a section.
 */
import * as z from "zod";

const backendName = z.enum(["ollama", "anthropic"]);

/** A model choice for one purpose. */
const modelChoice = z
  .object({
    backend: backendName.optional().describe("Backend for this purpose (default: backend.default)"),
    model: z.string().min(1).optional().describe("Model name for this purpose (default: the backend's default model)"),
  })
  .strict();

export const configSchema = z
  .object({
    user: z
      .object({
        name: z.string().default("").describe("Your name, as pai addresses you"),
      })
      .strict()
      .default({ name: "" }),

    backend: z
      .object({
        default: backendName.default("ollama").describe("Model backend used unless a command says otherwise"),
        timeoutMs: z.number().int().positive().default(120_000).describe("Timeout of one model call, in milliseconds"),
        retries: z.number().int().min(0).max(10).default(3).describe("Retries on 429 and 5xx answers, with backoff"),
        backoffMs: z.number().int().min(0).max(60_000).default(500).describe("First retry delay in milliseconds (doubles each retry)"),
      })
      .strict()
      .default({ default: "ollama", timeoutMs: 120_000, retries: 3, backoffMs: 500 }),

    ollama: z
      .object({
        host: z.string().url().default("http://127.0.0.1:11434").describe("Ollama's address (OLLAMA_HOST overrides it)"),
        model: z.string().min(1).default("llama3.2").describe("Default Ollama model"),
        embedModel: z.string().min(1).default("nomic-embed-text").describe("Ollama model for embeddings"),
        trusted: z
          .boolean()
          .default(false)
          .describe("Treat an Ollama host that is not this machine as local (it then receives private items)"),
      })
      .strict()
      .default({ host: "http://127.0.0.1:11434", model: "llama3.2", embedModel: "nomic-embed-text", trusted: false }),

    anthropic: z
      .object({
        model: z.string().min(1).default("claude-sonnet-4-6").describe("Default Anthropic model"),
        baseUrl: z.string().url().optional().describe("API base URL (ANTHROPIC_BASE_URL overrides it)"),
        maxTokens: z.number().int().positive().default(4096).describe("Maximum tokens of one answer"),
      })
      .strict()
      .default({ model: "claude-sonnet-4-6", maxTokens: 4096 }),

    models: z
      .object({
        answer: modelChoice.default({}).describe("Model for answering (ask, chat)"),
        extract: modelChoice.default({}).describe("Model for learning facts from exchanges"),
        embed: modelChoice.default({}).describe("Model for embeddings"),
      })
      .strict()
      .default({ answer: {}, extract: {}, embed: {} }),

    context: z
      .object({
        budget: z.number().int().min(100).max(1_000_000).default(2000).describe("Token budget of the user's context (tokens estimated as characters / 4)"),
        shareName: z.boolean().default(true).describe("Include your name (user.name) in context sent to cloud models; false keeps it local"),
      })
      .strict()
      .default({ budget: 2000, shareName: true }),

    memory: z
      .object({
        incognito: z.boolean().default(false).describe("Store nothing (every command behaves as with --incognito)"),
        hotWindowDays: z.number().positive().default(7).describe("Items used or created within this many days are hot"),
        hotCap: z.number().int().min(0).default(50).describe("At most this many hot items (pinned ones always are)"),
        warmWindowDays: z.number().positive().default(90).describe("Items used or created within this many days are warm; older ones cold"),
      })
      .strict()
      .default({ incognito: false, hotWindowDays: 7, hotCap: 50, warmWindowDays: 90 }),

    learning: z
      .object({
        enabled: z.boolean().default(true).describe("Learn facts and preferences from each exchange"),
        cloud: z.boolean().default(false).describe("Also learn when the answering backend is a cloud one"),
      })
      .strict()
      .default({ enabled: true, cloud: false }),

    packs: z
      .object({
        settings: z.record(z.string(), z.record(z.string(), z.unknown())).default({}).describe("Per-pack configuration values, by pack name"),
      })
      .strict()
      .default({ settings: {} }),

    daemon: z
      .object({
        webhook: z
          .object({
            enabled: z.boolean().default(false).describe("Listen for local webhooks (127.0.0.1 only, token required)"),
            port: z.number().int().min(0).max(65535).default(8787).describe("Port of the local webhook listener (0: any free port)"),
            maxBodyBytes: z.number().int().positive().default(65536).describe("Largest webhook body accepted"),
            tokenEnv: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
              .default("PAI_WEBHOOK_TOKEN")
              .describe("Environment variable holding the webhook token (else user/run/webhook.token is generated)"),
          })
          .strict()
          .default({ enabled: false, port: 8787, maxBodyBytes: 65536, tokenEnv: "PAI_WEBHOOK_TOKEN" }),
        graceMs: z.number().int().min(0).max(600_000).default(10_000).describe("On stop, how long a running action may finish before it is abandoned"),
        logMaxBytes: z
          .number()
          .int()
          .min(0)
          .default(5_000_000)
          .describe("Size at which user/logs/daemon.log is rotated to daemon.log.1 (0: never rotate)"),
        logKeep: z.number().int().min(0).max(100).default(3).describe("How many rotated daemon logs to keep (daemon.log.1 is the newest; older ones are deleted)"),
        watchMaxDepth: z.number().int().min(0).max(64).default(8).describe("How many levels of subfolders below a watched folder are watched (deeper ones are not, and 'pai jobs list' says so)"),
        watchMaxEntries: z
          .number()
          .int()
          .positive()
          .default(10_000)
          .describe("How many files and folders the file triggers watch in all (past it the rest are not, and 'pai jobs list' says so)"),
      })
      .strict()
      .default({
        webhook: { enabled: false, port: 8787, maxBodyBytes: 65536, tokenEnv: "PAI_WEBHOOK_TOKEN" },
        graceMs: 10_000,
        logMaxBytes: 5_000_000,
        logKeep: 3,
        watchMaxDepth: 8,
        watchMaxEntries: 10_000,
      }),

    mcp: z
      .object({
        clientIs: z.enum(["local", "cloud"]).default("cloud").describe("Whether MCP clients count as local (see private items) or cloud"),
      })
      .strict()
      .default({ clientIs: "cloud" }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
