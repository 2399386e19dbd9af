/**
 * Redaction of everything the daemon writes to the audit log and to memory. The memory module's
 * `redactSecrets` does the work; on top of it, values of secrets the daemon itself handles (mail
 * passwords, the webhook token) are registered here and masked wherever they appear.
 */
import { redactSecrets } from "../memory/redact.ts";

const known = new Set<string>();

/** Registers a secret value (at least 4 characters) so it never appears in what is written. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) known.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join("[REDACTED:secret]");
  return redactSecrets(out).text;
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = /^(password|pass|token|secret|apiKey|authorization)$/i.test(k) && typeof v === "string" ? "[REDACTED:secret]" : redactDeep(v);
    }
    return out as T;
  }
  return value;
}
