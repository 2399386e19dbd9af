/**
 * The local webhook listener: off unless daemon.webhook.enabled; binds 127.0.0.1 only; requires the token in
 * a header (`Authorization: Bearer …` or `X-Pai-Token: …`), compared in constant time; a token in the URL is
 * refused even when it is right; bodies over daemon.webhook.maxBodyBytes get 413.
 * POST /hooks/<job> fires the job named <job> if its trigger is a webhook.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Config } from "../config/index.ts";
import type { Paths } from "../paths.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { registerSecret } from "../audit/redact.ts";

export function webhookTokenFile(p: Paths): string {
  return join(p.run, "webhook.token");
}

/** The token: from the environment variable named by daemon.webhook.tokenEnv, else user/run/webhook.token (created, mode 0600). */
export function webhookToken(p: Paths, config: Config, env: NodeJS.ProcessEnv = process.env): { token: string; source: string } {
  const name = config.daemon.webhook.tokenEnv;
  const fromEnv = name ? env[name]?.trim() : undefined;
  if (fromEnv) {
    registerSecret(fromEnv);
    return { token: fromEnv, source: `$${name}` };
  }
  const file = webhookTokenFile(p);
  if (!existsSync(file)) {
    mkdirSync(p.run, { recursive: true });
    writeFileAtomic(file, `${randomBytes(32).toString("hex")}\n`);
  }
  chmodSync(file, 0o600);
  const token = readFileSync(file, "utf8").trim();
  registerSecret(token);
  return { token, source: file };
}

export function tokenMatches(given: string, expected: string): boolean {
  // Hash both so the comparison is over equal lengths and takes the same time whatever is given.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

export interface WebhookHandler {
  (job: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
}

const URL_TOKEN_PARAMS = /^(token|access_token|pai_token|auth|key|api_key)$/i;

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), connection: "close" });
  res.end(text);
}

function headerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === "string") {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const x = req.headers["x-pai-token"];
  return typeof x === "string" ? x.trim() : undefined;
}

export async function startWebhookServer(opts: {
  port: number;
  maxBodyBytes: number;
  token: string;
  handler: WebhookHandler;
  onEvent?: (kind: string, detail: Record<string, unknown>) => void;
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const refuse = (status: number, error: string) => {
      opts.onEvent?.("refused", { status, error, path: url.pathname });
      req.resume();
      send(res, status, { error });
    };
    for (const [k, v] of url.searchParams) {
      if (URL_TOKEN_PARAMS.test(k) || (v && tokenMatches(v, opts.token))) {
        return refuse(400, "a token in the URL is never accepted: send it in the Authorization or X-Pai-Token header");
      }
    }
    const given = headerToken(req);
    if (!given || !tokenMatches(given, opts.token)) return refuse(401, "missing or wrong token");
    const m = /^\/hooks\/([A-Za-z0-9._-]{1,64})\/?$/.exec(url.pathname);
    if (!m) return refuse(404, "not found: POST /hooks/<job>");
    if (req.method !== "POST") return refuse(405, "use POST");
    const declared = Number(req.headers["content-length"] ?? "0");
    if (Number.isFinite(declared) && declared > opts.maxBodyBytes) return refuse(413, `body larger than ${opts.maxBodyBytes} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > opts.maxBodyBytes) {
        tooBig = true;
        chunks.length = 0;
        refuse(413, `body larger than ${opts.maxBodyBytes} bytes`);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (tooBig) return;
      const headers: Record<string, string> = {};
      const ct = req.headers["content-type"];
      if (typeof ct === "string") headers["content-type"] = ct;
      opts
        .handler(m[1]!, Buffer.concat(chunks).toString("utf8"), headers)
        .then((r) => send(res, r.status, r.body))
        .catch((err) => send(res, 500, { error: (err as Error).message }));
    });
    req.on("error", () => {});
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(opts.port, "127.0.0.1", () => {
      server.off("error", rej);
      res();
    });
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections?.();
      }),
  };
}
