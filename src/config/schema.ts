/**
 * The configuration schema: descriptions and validation of user/config.json, each field with its default
 * (the values are in defaults.ts). A section left out is `{}` run through its fields (`.prefault({})`), so
 * every default is written once. Keys are addressed with dots (`memory.hotWindowDays`). Each concern owns a
 * section.
 */
import * as z from "zod";
import { CONFIG_DEFAULTS as D } from "./defaults.ts";

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
        name: z.string().default(D.user.name).describe("Your name, as pai addresses you"),
      })
      .strict()
      .prefault({}),

    backend: z
      .object({
        default: backendName.default(D.backend.default).describe("Model backend used unless a command says otherwise"),
        timeoutMs: z.number().int().positive().default(D.backend.timeoutMs).describe("Timeout of one model call, in milliseconds"),
        retries: z.number().int().min(0).max(10).default(D.backend.retries).describe("Retries on 429 and 5xx answers, with backoff"),
        backoffMs: z.number().int().min(0).max(60_000).default(D.backend.backoffMs).describe("First retry delay in milliseconds (doubles each retry)"),
      })
      .strict()
      .prefault({}),

    ollama: z
      .object({
        host: z.string().url("must be a URL such as http://127.0.0.1:11434").default(D.ollama.host).describe("Ollama's address (OLLAMA_HOST overrides it)"),
        model: z.string().min(1).default(D.ollama.model).describe("Default Ollama model"),
        embedModel: z.string().min(1).default(D.ollama.embedModel).describe("Ollama model for embeddings"),
        trusted: z
          .boolean()
          .default(D.ollama.trusted)
          .describe("Treat an Ollama host that is not this machine as local (it then receives private items)"),
      })
      .strict()
      .prefault({}),

    anthropic: z
      .object({
        model: z.string().min(1).default(D.anthropic.model).describe("Default Anthropic model"),
        baseUrl: z.string().url("must be a URL such as https://api.anthropic.com").optional().describe("API base URL (ANTHROPIC_BASE_URL overrides it)"),
        maxTokens: z.number().int().positive().default(D.anthropic.maxTokens).describe("Maximum tokens of one answer"),
      })
      .strict()
      .prefault({}),

    models: z
      .object({
        answer: modelChoice.default(D.models.answer).describe("Model for answering (ask, chat)"),
        extract: modelChoice.default(D.models.extract).describe("Model for learning facts from exchanges"),
        embed: modelChoice.default(D.models.embed).describe("Model for embeddings"),
      })
      .strict()
      .prefault({}),

    context: z
      .object({
        budget: z.number().int().min(100).max(1_000_000).default(D.context.budget).describe("Token budget of the user's context (tokens estimated as characters / 4)"),
        shareName: z.boolean().default(D.context.shareName).describe("Include your name (user.name) in context sent to cloud models; false keeps it local"),
      })
      .strict()
      .prefault({}),

    memory: z
      .object({
        incognito: z.boolean().default(D.memory.incognito).describe("Store nothing (every command behaves as with --incognito)"),
        hotWindowDays: z.number().positive().default(D.memory.hotWindowDays).describe("Items used or created within this many days are hot"),
        hotCap: z.number().int().min(0).default(D.memory.hotCap).describe("At most this many hot items (pinned ones always are)"),
        warmWindowDays: z.number().positive().default(D.memory.warmWindowDays).describe("Items used or created within this many days are warm; older ones cold"),
        embeddings: z
          .enum(["auto", "off"])
          .default(D.memory.embeddings)
          .describe('Embed memories with the embed model (ollama.embedModel, models.embed) after each write, so search also finds them by meaning; "off" keeps search lexical and sends nothing to embed'),
      })
      .strict()
      .prefault({}),

    learning: z
      .object({
        enabled: z.boolean().default(D.learning.enabled).describe("Learn facts and preferences from each exchange"),
        cloud: z.boolean().default(D.learning.cloud).describe("Also learn when the answering backend is a cloud one"),
      })
      .strict()
      .prefault({}),

    packs: z
      .object({
        settings: z.record(z.string(), z.record(z.string(), z.unknown())).default(D.packs.settings).describe("Per-pack configuration values, by pack name"),
      })
      .strict()
      .prefault({}),

    daemon: z
      .object({
        webhook: z
          .object({
            enabled: z.boolean().default(D.daemon.webhook.enabled).describe("Listen for local webhooks (127.0.0.1 only, token required)"),
            port: z.number().int().min(0).max(65535).default(D.daemon.webhook.port).describe("Port of the local webhook listener (0: any free port)"),
            maxBodyBytes: z.number().int().positive().default(D.daemon.webhook.maxBodyBytes).describe("Largest webhook body accepted"),
            tokenEnv: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (letters, digits and _, not starting with a digit)")
              .default(D.daemon.webhook.tokenEnv)
              .describe("Environment variable holding the webhook token (else user/run/webhook.token is generated)"),
          })
          .strict()
          .prefault({}),
        graceMs: z.number().int().min(0).max(600_000).default(D.daemon.graceMs).describe("On stop, how long a running action may finish before it is abandoned"),
        logMaxBytes: z
          .number()
          .int()
          .min(0)
          .default(D.daemon.logMaxBytes)
          .describe("Size at which user/logs/daemon.log is rotated to daemon.log.1 (0: never rotate)"),
        logKeep: z.number().int().min(0).max(100).default(D.daemon.logKeep).describe("How many rotated daemon logs to keep (daemon.log.1 is the newest; older ones are deleted)"),
        watchMaxDepth: z.number().int().min(0).max(64).default(D.daemon.watchMaxDepth).describe("How many levels of subfolders below a watched folder are watched (deeper ones are not, and 'pai jobs list' says so)"),
        serve: z.boolean().default(D.daemon.serve).describe("Serve the dashboard ('pai serve') while the daemon runs, on loopback only, sharing its open database"),
        servePort: z.number().int().min(0).max(65535).default(D.daemon.servePort).describe("Port of the daemon's dashboard (0: any free port)"),
        watchMaxEntries: z
          .number()
          .int()
          .positive()
          .default(D.daemon.watchMaxEntries)
          .describe("How many files and folders the file triggers watch in all (past it the rest are not, and 'pai jobs list' says so)"),
      })
      .strict()
      .prefault({}),

    mcp: z
      .object({
        clientIs: z.enum(["local", "cloud"]).default(D.mcp.clientIs).describe("Whether MCP clients count as local (see private items) or cloud"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
