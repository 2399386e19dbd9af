/**
 * Who a backend is, for privacy: "local" (may see private Telos files and memories) or "cloud". Decided here
 * only, with no model SDK loaded, so commands that only need the answer (context, doctor) stay cheap.
 */
import type { Config } from "../config/index.ts";
import type { Audience, BackendName } from "./types.ts";

export const DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434";

/** The host to use: OLLAMA_HOST, else the configured one, normalised to a URL. */
export function ollamaHost(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  let h = env.OLLAMA_HOST?.trim() || configured || DEFAULT_OLLAMA_HOST;
  if (h.startsWith(":")) h = `127.0.0.1${h}`;
  if (!h.includes("://")) h = `http://${h}`;
  try {
    const u = new URL(h);
    if (u.hostname === "0.0.0.0") u.hostname = "127.0.0.1";
    if (!u.port && !/^[a-z]+:\/\/[^/]+:\d+/.test(h)) u.port = h.startsWith("https") ? "443" : "11434";
    return u.toString().replace(/\/$/, "");
  } catch {
    return h;
  }
}

/**
 * Whether an Ollama address is this machine: 127.0.0.0/8, ::1 or the name `localhost` (no name is looked up,
 * so any other name counts as another machine). Anything else is another machine, and for privacy it is
 * treated like a cloud backend unless the user trusts it.
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith("[")) host = host.slice(1, -1);
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return !!m && Number(m[1]) === 127 && m.slice(2).every((x) => Number(x) <= 255);
}

/** Who an Ollama host is for privacy: "local" for this machine or a host the user trusts, else "cloud". */
export function ollamaAudience(host: string, trusted: boolean): Audience {
  return trusted || isLoopbackUrl(host) ? "local" : "cloud";
}

/**
 * Anthropic is cloud; Ollama is local when its address (OLLAMA_HOST, else ollama.host) is this machine or the
 * user set ollama.trusted, and cloud otherwise.
 */
export function backendAudience(name: BackendName, config: Config, env: NodeJS.ProcessEnv = process.env): Audience {
  if (name === "anthropic") return "cloud";
  return ollamaAudience(ollamaHost(config.ollama.host, env), config.ollama.trusted === true);
}
