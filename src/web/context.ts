/** What a page handler gets: the open home (the same code as the CLI reads and writes through it), the session, the request. */
import type { Home } from "../app/home.ts";
import type { Secrets } from "../kernel/secrets.ts";
import type { Session } from "./security.ts";

export interface WebContext {
  home: Home;
  secrets: Secrets;
  session: Session;
  url: URL;
  req: Request;
  /** The path's parameter (/memory/42 → "42"). */
  param?: string;
}

export type Handler = (ctx: WebContext) => Response | Promise<Response>;

export function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

export function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

/** A failure a page shows as one line, with its status. */
export function problem(status: number, message: string): Response {
  return json({ error: message }, status);
}

/** The JSON body of a POST, or undefined when it is not an object. */
export async function body(req: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const v = (await req.json()) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
