/**
 * A loopback server speaking Anthropic's Messages API: POST /v1/messages with real SSE events
 * (message_start, content_block_start/delta/stop with text_delta and input_json_delta, message_delta with
 * usage, message_stop, ping, error) and the non-streaming JSON; error bodies for 4xx/5xx/529; GET /v1/models.
 * Tests set ANTHROPIC_BASE_URL=url and ANTHROPIC_API_KEY=test-key.
 */
import { createServer, type ServerResponse } from "node:http";
import { readBody, splitChunks, type FakeReply, type FakeServer } from "./fake-ollama.ts";
import { listenLoopback } from "./loopback.ts";

export interface FakeAnthropicOptions {
  reply?: FakeReply | ((body: any) => FakeReply);
  /** HTTP status of each request in turn (the last one repeats), e.g. [429, 200]; or one status for all. */
  status?: number | number[];
  /** The error type in error bodies (default: the one Anthropic uses for the status). With status 200, an
   *  `error` event of this type is sent in the middle of the stream. */
  errorType?: string;
  /** The API key the server accepts (default: any non-empty key). */
  apiKey?: string;
  chunkDelayMs?: number;
  chunkChars?: number;
  models?: string[];
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const id = (prefix: string) => `${prefix}_01${(++seq).toString(36).padStart(22, "0")}`;

function sendJson(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(data);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "request-id": id("req"), ...headers });
  res.end(text);
}

function errorBody(type: string, message: string) {
  return { type: "error", error: { type, message }, request_id: id("req") };
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeServer> {
  const requests: FakeServer["requests"] = [];
  const statuses = opts.status === undefined ? [200] : Array.isArray(opts.status) ? opts.status : [opts.status];
  let n = 0;
  const models = opts.models ?? ["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"];

  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const body = req.method === "POST" ? await readBody(req) : undefined;
    requests.push({ path, body, headers: req.headers });
    const status = statuses[Math.min(n++, statuses.length - 1)]!;
    // The key arrives as x-api-key, or as a bearer token from newer SDKs.
    const auth = req.headers.authorization;
    const key = req.headers["x-api-key"] ?? (typeof auth === "string" ? auth.replace(/^Bearer\s+/i, "") : undefined);
    if (!key || (opts.apiKey !== undefined && key !== opts.apiKey)) {
      return sendJson(res, 401, errorBody("authentication_error", "invalid x-api-key"));
    }
    if (status !== 200) {
      const type = opts.errorType ?? ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
      const headers: Record<string, string> = status === 429 ? { "retry-after": "0" } : {};
      const message = status === 529 ? "Overloaded" : status === 429 ? "Number of request tokens has exceeded your per-minute rate limit" : `error ${status}`;
      return sendJson(res, status, errorBody(type, message), headers);
    }

    if (req.method === "GET" && path === "/v1/models") {
      const data = models.map((m, i) => ({ type: "model", id: m, display_name: m.replace(/^claude-/, "Claude ").replace(/-/g, " "), created_at: `2025-0${(i % 9) + 1}-01T00:00:00Z` }));
      return sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null });
    }
    if (req.method !== "POST" || path !== "/v1/messages") return sendJson(res, 404, errorBody("not_found_error", `${path} not found`));
    if (!body || typeof body !== "object" || !body.model || !Array.isArray(body.messages) || !body.max_tokens) {
      return sendJson(res, 400, errorBody("invalid_request_error", "model, messages and max_tokens are required"));
    }

    const r = typeof opts.reply === "function" ? opts.reply(body) : (opts.reply ?? "Hello from the cloud model.");
    const reply = typeof r === "string" ? { content: r } : r;
    const text = reply.content ?? "";
    const tools = (reply.toolCalls ?? []).map((c) => ({ type: "tool_use", id: id("toolu"), name: c.name, input: c.arguments }));
    const inputTokens = Math.ceil((JSON.stringify(body.messages).length + JSON.stringify(body.system ?? "").length) / 4);
    const outputTokens = Math.max(1, splitChunks(text).length + tools.length * 5);
    const stopReason = tools.length ? "tool_use" : "end_turn";
    const msgId = id("msg");

    if (!body.stream) {
      const content = [...(text ? [{ type: "text", text }] : []), ...tools];
      return sendJson(res, 200, {
        id: msgId,
        type: "message",
        role: "assistant",
        model: body.model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
      });
    }

    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "request-id": id("req") });
    const send = (event: string, data: unknown) => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send("message_start", {
      type: "message_start",
      message: {
        id: msgId,
        type: "message",
        role: "assistant",
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    });
    let index = 0;
    if (text) {
      send("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
      send("ping", { type: "ping" });
      const chunks = splitChunks(text, opts.chunkChars);
      for (let i = 0; i < chunks.length; i++) {
        if (res.destroyed) return;
        send("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: chunks[i] } });
        if (opts.errorType && i === Math.floor(chunks.length / 2)) {
          send("error", { type: "error", error: { type: opts.errorType, message: opts.errorType === "overloaded_error" ? "Overloaded" : opts.errorType } });
          res.end();
          return;
        }
        if (opts.chunkDelayMs) await sleep(opts.chunkDelayMs);
      }
      send("content_block_stop", { type: "content_block_stop", index });
      index++;
    }
    for (const t of tools) {
      send("content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: t.id, name: t.name, input: {} } });
      const json = JSON.stringify(t.input);
      send("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } });
      for (let i = 0; i < json.length; i += 7) {
        send("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: json.slice(i, i + 7) } });
      }
      send("content_block_stop", { type: "content_block_stop", index });
      index++;
    }
    send("message_delta", { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
    send("message_stop", { type: "message_stop" });
    res.end();
  });
  const { url, close } = await listenLoopback(server);
  return { url, requests, close };
}
