/**
 * Who may talk to `pai serve`: the browser of this local user, and nothing else.
 *
 * - It listens on loopback only (server.ts); a request whose Host is not this server's loopback address and port
 *   is refused (DNS rebinding), and so is one whose Origin is another site's.
 * - A random token is made per start and handed to the browser once, in the fragment of the URL the command
 *   prints or opens (a fragment is never sent to a server, so it is in no request line and no log). The page
 *   exchanges it, by a POST, for a session cookie (HttpOnly, SameSite=Strict) and drops it from the address bar
 *   and the history (history.replaceState). Every other request needs the cookie.
 * - Every write is a POST carrying the session's CSRF token in a header (X-CSRF-Token); no endpoint takes a
 *   URL or a host from the query string.
 */
const COOKIE = "pai_session";

/** 32 random bytes, hex. */
export function randomToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}

/** Constant-time comparison of two strings. */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export interface Session {
  id: string;
  csrf: string;
}

export class Gate {
  /** The one-time token of this start: exchanged once for a session, then useless. */
  private token: string | undefined = randomToken();

  /**
   * `renew`: after each exchange a new one-time token is made and handed to it (the daemon's dashboard, which
   * `pai serve` gives out one sign-in at a time); without it, the token of the start is the only one.
   */
  constructor(private readonly renew?: (token: string) => void) {}
  private readonly sessions = new Map<string, Session>();
  /** host:port values a request may name (set once the server knows its port). */
  private hosts = new Set<string>();
  private origins = new Set<string>();

  /** The token to put in the URL the user opens (once). */
  startToken(): string {
    return this.token ?? "";
  }

  listening(port: number): void {
    this.hosts = new Set([`127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`]);
    this.origins = new Set([...this.hosts].map((h) => `http://${h}`));
  }

  /** A refusal for a request from anywhere but this user's browser on this machine, or undefined. */
  refuse(req: Request): Response | undefined {
    const host = req.headers.get("host") ?? "";
    if (!this.hosts.has(host)) return text(421, "pai serve answers only on its loopback address (wrong Host header)");
    const origin = req.headers.get("origin");
    if (origin !== null && !this.origins.has(origin)) return text(403, "cross-site request refused (Origin is not this dashboard)");
    // A browser says where a request comes from: another site's is refused even without an Origin header.
    const site = req.headers.get("sec-fetch-site");
    if (site !== null && site !== "same-origin" && site !== "none") return text(403, "cross-site request refused");
    return undefined;
  }

  /** Exchanges the start token for a session (once); the Set-Cookie value, or undefined. */
  exchange(offered: string): { session: Session; cookie: string } | undefined {
    if (!this.token || !sameSecret(offered, this.token)) return undefined;
    this.token = undefined;
    if (this.renew) {
      this.token = randomToken();
      this.renew(this.token);
    }
    const session = { id: randomToken(), csrf: randomToken() };
    this.sessions.set(session.id, session);
    return { session, cookie: `${COOKIE}=${session.id}; HttpOnly; SameSite=Strict; Path=/` };
  }

  /** The session a request's cookie names, or undefined. */
  session(req: Request): Session | undefined {
    const cookie = req.headers.get("cookie") ?? "";
    for (const part of cookie.split(";")) {
      const [k, v] = part.trim().split("=", 2);
      if (k !== COOKIE || !v) continue;
      for (const s of this.sessions.values()) if (sameSecret(v, s.id)) return s;
    }
    return undefined;
  }

  /** Whether a write carries its session's CSRF token. */
  csrfOk(req: Request, s: Session): boolean {
    return sameSecret(req.headers.get("x-csrf-token") ?? "", s.csrf);
  }
}

export function text(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS } });
}

/**
 * Headers on every answer: no framing, no sniffing, scripts only from this server (no inline script), no referrer
 * sent anywhere. Inline styles are allowed: the chart and graph libraries set them, and a style runs nothing.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};
