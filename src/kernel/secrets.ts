/**
 * The secret values one process handles (mail passwords, the webhook token, a pack's declared secrets), as a
 * value handed down from the composition root: whatever writes to the audit trail, memory, a log or a cloud
 * request redacts with it. Known credential shapes are caught by `redactSecrets` (redact.ts) as well.
 */
import { redactDeep as redactDeepWith, redactSecrets } from "./redact.ts";

const SENSITIVE_KEY = /^(password|pass|token|secret|apiKey|authorization)$/i;

export class Secrets {
  readonly #known = new Set<string>();

  /** Adds a secret value (at least 4 characters) so it never appears in what is written. */
  add(value: string | undefined): void {
    if (value && value.length >= 4) this.#known.add(value);
  }

  /** The text with every known value and every credential-shaped string replaced. */
  redact(text: string): string {
    return redactSecrets(text, this.#known).text;
  }

  /** Redacts every string inside a JSON-like value; values of password/token/secret keys are masked whole. */
  redactDeep<T>(value: T): T {
    return redactDeepWith(value, { known: this.#known, sensitiveKey: SENSITIVE_KEY });
  }

  get size(): number {
    return this.#known.size;
  }
}
