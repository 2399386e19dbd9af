/**
 * `pai serve`: the dashboard, on loopback only (127.0.0.1 and ::1, never another interface), for the browser of
 * the user who started it (security.ts). Pages are rendered here from the same code the CLI runs, on the home
 * the command (or the daemon) has open, so a page never disagrees with a command.
 */
import type { Home } from "../app/home.ts";
import type { Secrets } from "../kernel/secrets.ts";
import { asset } from "./assets.ts";
import { problem, type Handler, type WebContext } from "./context.ts";
import { signIn } from "./html.ts";
import { daemonPage, approvalAction, pauseAction, verifyApi, approvalsApi } from "./pages/daemon.ts";
import { itemAction, itemPage, searchApi, searchPage, timeline, timelineApi } from "./pages/memory.ts";
import { callPage, modelsPage } from "./pages/models.ts";
import { overviewPage } from "./pages/overview.ts";
import { telosApi, telosPage } from "./pages/telos.ts";
import { Gate, SECURITY_HEADERS, text } from "./security.ts";

type Route = [method: "GET" | "POST", pattern: RegExp, handler: (ctx: WebContext, m: RegExpExecArray) => Response | Promise<Response>];

const ROUTES: Route[] = [
  ["GET", /^\/$/, (c) => overviewPage(c)],
  ["GET", /^\/telos$/, (c) => telosPage(c)],
  ["GET", /^\/memory$/, (c) => searchPage(c)],
  ["GET", /^\/memory\/(\d+)$/, (c, m) => itemPage({ ...c, param: m[1] })],
  ["GET", /^\/daemon$/, (c) => daemonPage(c)],
  ["GET", /^\/models$/, (c) => modelsPage(c)],
  ["GET", /^\/models\/call\/(\d+)$/, (c, m) => callPage({ ...c, param: m[1] })],
  ["GET", /^\/api\/telos$/, (c) => telosApi(c)],
  ["GET", /^\/api\/memory\/search$/, (c) => searchApi(c)],
  ["GET", /^\/api\/memory\/timeline$/, (c) => timelineApi(c)],
  ["GET", /^\/api\/approvals$/, (c) => approvalsApi(c)],
  ["GET", /^\/api\/audit\/verify$/, (c) => verifyApi(c)],
  ["POST", /^\/api\/memory\/(\d+)\/(edit|pin|unpin|private|shareable|forget)$/, (c, m) => itemAction({ ...c, param: m[1] }, m[2]!)],
  ["POST", /^\/api\/approvals\/(\d+)\/(approve|deny)$/, (c, m) => approvalAction({ ...c, param: m[1] }, m[2]!)],
  ["POST", /^\/api\/daemon\/(pause|resume)$/, (c, m) => pauseAction(c, m[1] === "pause")],
];

export interface Dashboard {
  /** The address to open, with the one-time key in its fragment. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface ServeOptions {
  port?: number;
  /** A new one-time key after each sign-in, handed to this (the daemon's dashboard: see handoff.ts). */
  renewKey?: (url: string) => void;
  /** Called with each request's method, path and status (never the query or the fragment). */
  log?: (line: string) => void;
}

/** Starts the dashboard on `home` (kept open by the caller while it runs). */
export function startDashboard(home: Home, secrets: Secrets, opts: ServeOptions = {}): Dashboard {
  let port = 0;
  const address = (token: string) => `http://127.0.0.1:${port}/#token=${token}`;
  const gate = new Gate(opts.renewKey && ((token) => opts.renewKey!(address(token))));
  const handle: Handler = async (ctx) => {
    const { req, url } = ctx;
    for (const [method, pattern, handler] of ROUTES) {
      const m = pattern.exec(url.pathname);
      if (!m) continue;
      if (req.method !== method) return text(405, `${url.pathname} takes ${method}`);
      if (method === "POST" && !gate.csrfOk(req, ctx.session)) return problem(403, "this request lacks the page's CSRF token: reload the page");
      return handler(ctx, m);
    }
    return text(404, `nothing at ${url.pathname}`);
  };
  const fetch = async (req: Request): Promise<Response> => {
    const refused = gate.refuse(req);
    if (refused) return refused;
    const url = new URL(req.url);
    const file = req.method === "GET" ? asset(url.pathname) : undefined;
    if (file) return file;
    if (url.pathname === "/session" && req.method === "POST") {
      const offered = ((await req.json().catch(() => ({}))) as { token?: unknown }).token;
      const made = typeof offered === "string" ? gate.exchange(offered) : undefined;
      if (!made) return problem(403, "this key was already used or is not this server's: start 'pai serve' again");
      return new Response(JSON.stringify({ ok: true }), { headers: { "content-type": "application/json", "set-cookie": made.cookie } });
    }
    const session = gate.session(req);
    if (!session) return req.method === "GET" && !url.pathname.startsWith("/api/") ? new Response(signIn(), { headers: { "content-type": "text/html; charset=utf-8" } }) : problem(401, "sign in first: open the address 'pai serve' printed");
    try {
      return await handle({ home, secrets, session, url, req });
    } catch (err) {
      return problem(500, (err as Error).message);
    }
  };
  const withHeaders = async (req: Request): Promise<Response> => {
    const t0 = performance.now();
    const res = await fetch(req);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) {
      // An asset keeps its own caching; everything else is never cached.
      if (k === "cache-control" && res.headers.has(k)) continue;
      res.headers.set(k, v);
    }
    opts.log?.(`${req.method} ${new URL(req.url).pathname} ${res.status} ${(performance.now() - t0).toFixed(1)}ms`);
    return res;
  };
  // Loopback only: IPv4 first (its port is the one shown); IPv6 on the same port when the machine has it.
  const v4 = Bun.serve({ hostname: "127.0.0.1", port: opts.port ?? 0, fetch: withHeaders });
  port = v4.port!;
  let v6: ReturnType<typeof Bun.serve> | undefined;
  try {
    v6 = Bun.serve({ hostname: "::1", port, fetch: withHeaders });
  } catch {
    // No IPv6 loopback here: 127.0.0.1 alone.
  }
  gate.listening(port);
  // The memory chart's one pass over the store is made now, not on the first visit to the page (not in the daemon,
  // whose triggers it would hold up for as long).
  if (!opts.renewKey) setTimeout(() => {
    try {
      timeline(home.db);
    } catch {}
  }, 0);
  opts.renewKey?.(address(gate.startToken()));
  return {
    url: address(gate.startToken()),
    port,
    async stop() {
      await Promise.all([v4.stop(true), v6?.stop(true)]);
    },
  };
}

