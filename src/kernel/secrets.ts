/**
 * Redaction of everything the daemon writes to the audit log and to memory. The memory module's
 * `redactSecrets` does the work; on top of it, values of secrets the daemon itself handles (mail
 * passwords, the webhook token) are registered here and masked wherever they appear.
 */
import { redactDeep as redactDeepWith, redactSecrets } from "./redact.ts";

const known = new Set<string>();

/** Registers a secret value (at least 4 characters) so it never appears in what is written. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) known.add(value);
}

export function redact(text: string): string {
  return redactSecrets(text, known).text;
}

/** Redacts every string inside a JSON-like value; values of password/token/secret keys are masked whole. */
export function redactDeep<T>(value: T): T {
  return redactDeepWith(value, { known, sensitiveKey: /^(password|pass|token|secret|apiKey|authorization)$/i });
}
