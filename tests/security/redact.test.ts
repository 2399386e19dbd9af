/** The redactor on the credential shapes the privacy tests plant and a few more, and on prose it must leave alone. */
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../src/kernel/redact.ts";
import { ALL_SECRETS, SECRET_TEXT } from "./helpers.ts";

const rep = (c: string, n: number) => c.repeat(Math.ceil(n / c.length)).slice(0, n);

const TOKENS: Record<string, string> = {
  pypi_token: `pypi-AgEIcHlwaS5vcmc${rep("Xy7_kQ2-Lm9", 60)}`,
  docker_token: `dckr_pat_${rep("aB3dE5fG7hJ9kL", 27)}`,
  databricks_token: `dapi${rep("0a1b2c3d4e5f6789", 32)}`,
  shopify_token: `shpat_${rep("abcdef0123456789", 32)}`,
  vault_token: `hvs.${rep("CAESIJx9Zq3T", 90)}`,
  age_secret_key: `AGE-SECRET-KEY-1${rep("QZ7XK2M9P4R8T6W3", 58)}`,
  telegram_bot_token: `1234567890:AA${rep("Hk3_Lm9-Pq2Rs5Tv8", 33)}`,
  digitalocean_token: `dop_v1_${rep("9f8e7d6c5b4a3210", 64)}`,
};

describe("redactSecrets", () => {
  it("replaces each planted secret, in one text and alone", () => {
    const all = redactSecrets(SECRET_TEXT);
    for (const s of ALL_SECRETS) expect(all.text).not.toContain(s);
    expect(all.kinds).toEqual(expect.arrayContaining(["anthropic_key", "github_token", "aws_access_key", "private_key"]));
  });

  it.each(Object.entries(TOKENS))("recognises a %s", (kind, token) => {
    const r = redactSecrets(`the value is ${token} for the deploy`);
    expect(r.text).toBe(`the value is [REDACTED:${kind}] for the deploy`);
  });

  it("applies a vendored rule whose keyword is written in another case, or stands among other keywords", () => {
    // gitleaks' keyword for this rule is "q~"; the secret has "Q~", and no built-in rule knows the shape.
    const azure = redactSecrets("AZURE client secret abc1Q~abcdefghijklmnopqrstuvwxyzABCDE end");
    expect(azure.text).toBe("AZURE client secret [REDACTED:azure-ad-client-secret] end");
    // Several keywords, overlapping ("sk" inside "sk_live"), in one text: each rule still runs.
    const both = redactSecrets(`keys: ${TOKENS.pypi_token} and xoxb-${rep("1234567890", 12)}-${rep("aBcDeFgHiJ", 24)} and abc1Q~abcdefghijklmnopqrstuvwxyzABCDE`);
    expect(both.text).not.toContain("abcdefghijklmnopqrstuvwxyzABCDE");
    expect(both.text).not.toContain("AgEIcHlwaS5vcmc");
    expect(both.text).not.toContain("aBcDeFgHiJ");
  });

  it("leaves ordinary prose alone", () => {
    for (const text of [
      "I shipped the shape of the dapi module to Shopify today.",
      "The meeting is at 10:30 with AA from accounting.",
      "My password manager is 1Password; the token economy talk was great.",
      "Vault hvs is a word I made up; age is just a number.",
      "Do you know the doctor at do_v1 street?",
    ]) {
      const r = redactSecrets(text);
      expect(r.text).toBe(text);
      expect(r.redacted).toBe(false);
    }
  });
});
