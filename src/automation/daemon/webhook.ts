/**
 * The local webhook listener: off unless daemon.webhook.enabled; binds 127.0.0.1 only; requires the token in
 * a header (`Authorization: Bearer …` or `X-Pai-Token: …`), compared in constant time; a token in the URL is
 * refused even when it is right; bodies over daemon.webhook.maxBodyBytes get 413.
 * POST /hooks/<job> fires the job named <job> if its trigger is a webhook.
 *
 * Before the token is even looked at: each client address has a token bucket (and all of them together a
 * larger one), and a request past it gets 429; a Host header that is not a loopback name with the listener's
 * port gets 421 and an Origin header that is not the listener's own 403 (a web page in a browser, even
 * through DNS rebinding, cannot call it). Refusals are counted (RefusalTally), never recorded one by one, and
 * what is kept of a refused request is its status, its method and a bounded, sanitised path.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Config } from "../../config/index.ts";
import type { Paths } from "../../kernel/paths.ts";
import { writeFileAtomic } from "../../kernel/fs.ts";

export function webhookTokenFile(p: Paths): string {
  return join(p.run, "webhook.token");
}

/** The token (a secret: the caller adds it to its Secrets): from the environment variable named by daemon.webhook.tokenEnv, else user/run/webhook.token (created, mode 0600). */
export function webhookToken(p: Paths, config: Config, env: NodeJS.ProcessEnv = process.env): { token: string; source: string } {
  const name = config.daemon.webhook.tokenEnv;
  const fromEnv = name ? env[name]?.trim() : undefined;
  if (fromEnv) {
    return { token: fromEnv, source: `$${name}` };
  }
  const file = webhookTokenFile(p);
  if (!existsSync(file)) {
    mkdirSync(p.run, { recursive: true });
    writeFileAtomic(file, `${randomBytes(32).toString("hex")}\n`);
  }
  chmodSync(file, 0o600);
  const token = readFileSync(file, "utf8").trim();
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

/** What is kept of a refused request: no text chosen by the caller beyond a bounded, sanitised method and path. */
export interface Refusal {
  status: number;
  error: string;
  method: string;
  path: string;
}

export const MAX_REFUSAL_PATH = 64;
/** How much of a refused request's body is read (and dropped) past daemon.webhook.maxBodyBytes before the connection is cut. */
const DRAIN_SLACK = 1 << 20;

export function sanitiseMethod(method: string | undefined): string {
  return method && /^[A-Z]{1,10}$/.test(method) ? method : "OTHER";
}

export function sanitisePath(path: string): string {
  const clean = path.replace(/[^A-Za-z0-9._~\/-]/g, "_");
  return clean.length > MAX_REFUSAL_PATH ? `${clean.slice(0, MAX_REFUSAL_PATH)}…` : clean;
}

/**
 * Refused requests, counted between two flushes by (status, method, path); past MAX_KINDS distinct ones, by
 * status alone. add() says whether this refusal is one of the first few of the period (worth a log line).
 */
export class RefusalTally {
  static readonly MAX_KINDS = 20;
  static readonly LOGGED_PER_PERIOD = 5;
  private kinds = new Map<string, { status: number; method: string; path: string; count: number }>();
  private count = 0;
  private since: string | undefined;

  add(r: Refusal): boolean {
    this.since ??= new Date().toISOString();
    this.count++;
    let key = `${r.status} ${r.method} ${r.path}`;
    let kind = { status: r.status, method: r.method, path: r.path };
    if (!this.kinds.has(key) && this.kinds.size >= RefusalTally.MAX_KINDS) {
      key = `${r.status} * *`;
      kind = { status: r.status, method: "*", path: "*" };
    }
    const k = this.kinds.get(key);
    if (k) k.count++;
    else this.kinds.set(key, { ...kind, count: 1 });
    return this.count <= RefusalTally.LOGGED_PER_PERIOD;
  }

  /** The refusals since the last flush (undefined when there were none), and a fresh count. */
  flush(): { count: number; since: string; until: string; refused: { status: number; method: string; path: string; count: number }[] } | undefined {
    if (!this.count) return undefined;
    const out = { count: this.count, since: this.since!, until: new Date().toISOString(), refused: [...this.kinds.values()] };
    this.kinds.clear();
    this.count = 0;
    this.since = undefined;
    return out;
  }
}

/** Token buckets: `burst` requests at once, refilled at `perSecond`; one per client address and one for them all. */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private all: { tokens: number; at: number };
  static readonly MAX_ADDRESSES = 1024;

  constructor(
    private burst = 60,
    private perSecond = 2,
    private totalBurst = 240,
    private totalPerSecond = 10,
  ) {
    this.all = { tokens: totalBurst, at: Date.now() };
  }

  private refill(b: { tokens: number; at: number }, burst: number, rate: number, now: number): void {
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
  }

  /** Takes a token for the address; false when its bucket (or the shared one) is empty. */
  take(address: string, now = Date.now()): boolean {
    let b = this.buckets.get(address);
    if (!b) {
      if (this.buckets.size >= RateLimiter.MAX_ADDRESSES) {
        for (const [a, old] of this.buckets) {
          this.refill(old, this.burst, this.perSecond, now);
          if (old.tokens >= this.burst) this.buckets.delete(a);
        }
        if (this.buckets.size >= RateLimiter.MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value!);
      }
      b = { tokens: this.burst, at: now };
      this.buckets.set(address, b);
    }
    this.refill(b, this.burst, this.perSecond, now);
    this.refill(this.all, this.totalBurst, this.totalPerSecond, now);
    if (b.tokens < 1 || this.all.tokens < 1) return false;
    b.tokens--;
    this.all.tokens--;
    return true;
  }
}

/** The Host values that name this listener: a loopback name or address, with its port. */
function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  const names = ["127.0.0.1", "localhost", "[::1]"];
  return names.some((n) => h === `${n}:${port}` || (port === 80 && h === n));
}

/** An Origin header, when there is one, must be the listener's own. */
function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  const o = origin.trim().toLowerCase();
  return ["127.0.0.1", "localhost", "[::1]"].some((n) => o === `http://${n}:${port}` || (port === 80 && o === `http://${n}`));
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
  onRefused?: (r: Refusal) => void;
  limiter?: RateLimiter;
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const limiter = opts.limiter ?? new RateLimiter();
  let port = opts.port;
  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://127.0.0.1");
    } catch {
      url = new URL("http://127.0.0.1/?");
    }
    const refuse = (status: number, error: string, headers: Record<string, string> = {}) => {
      opts.onRefused?.({ status, error, method: sanitiseMethod(req.method), path: sanitisePath(url.pathname) });
      // The body of a refused request is read and dropped (answering before it is read would reset the
      // connection under the client), up to DRAIN_SLACK past the largest body accepted; past that the connection is cut.
      let drained = 0;
      let answered = false;
      const answer = () => {
        if (answered) return;
        answered = true;
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        send(res, status, { error });
      };
      req.on("data", (c: Buffer) => {
        drained += c.length;
        if (drained > opts.maxBodyBytes + DRAIN_SLACK) req.destroy();
      });
      req.on("end", answer);
      if (req.readableEnded) answer();
    };
    if (!limiter.take(req.socket.remoteAddress ?? "?")) return refuse(429, "too many requests: slow down", { "retry-after": "5" });
    if (!hostAllowed(req.headers.host, port)) return refuse(421, `the Host header must be 127.0.0.1:${port} or localhost:${port}`);
    if (!originAllowed(req.headers.origin, port)) return refuse(403, "requests from a web page are refused");
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
  port = typeof addr === "object" && addr ? addr.port : opts.port;
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
