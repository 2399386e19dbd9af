/**
 * A process's first texts are searched for the vendored rules' keywords one keyword at a time, later ones (and long
 * ones) with the automaton (redact.ts): the redaction is the same either way. Its own file, so that this module's
 * state is fresh (no other test has redacted in this process yet).
 */
import { describe, expect, it } from "vitest";
import { keywordAutomatonBuilt, redactSecrets } from "../../src/kernel/redact.ts";

const j = (...parts: string[]) => parts.join("");
// Secrets only gitleaks' rules know, in prose, and texts that hold their keywords without a secret.
const TEXTS = [
  j("deploy with lin_api_", "a8Kf02Lz9QmXv71bNc3RtYp5WsDe6Hg4Jk0Ui8Oa today"),
  j("the shopify token is shpat_", "0123456789abcdef0123456789abcdef"),
  j("DOCKER: dckr_pat_", "2YotnFZFEjr1zCsicMWpAA9xQz1"),
  j("hf_", "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh is the hugging face one"),
  "lin_api is a prefix, and so is SHPAT_ written in capitals",
  "I ran 5 km this morning, then a meeting about the linear roadmap",
  "Kelvin \u212A and İstanbul and 日本, nothing secret",
];

describe("the first texts a process redacts", () => {
  it("are redacted without the automaton, exactly as they are once it is built", () => {
    expect(keywordAutomatonBuilt()).toBe(false);
    const first = TEXTS.map((t) => redactSecrets(t));
    expect(keywordAutomatonBuilt()).toBe(false);
    expect(first.filter((r) => r.redacted).length).toBeGreaterThanOrEqual(3);
    for (const [i, r] of first.entries()) if (r.redacted) expect(r.text, TEXTS[i]).toContain("[REDACTED:");
    // Enough texts that the automaton is built, then the same texts again.
    for (let i = 0; i < 80; i++) redactSecrets(`filler note ${i} about the garden`);
    expect(keywordAutomatonBuilt()).toBe(true);
    expect(TEXTS.map((t) => redactSecrets(t))).toEqual(first);
  });
});
