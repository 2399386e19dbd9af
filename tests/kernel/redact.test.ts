import { describe, expect, it } from "vitest";
import { builtInExpressionsMatching, redactSecrets, rulesMatching } from "../../src/kernel/redact.ts";

// Real-looking samples (built from parts so no scanner mistakes this file for a leak).
const j = (...parts: string[]) => parts.join("");
const SAMPLES: [string, string, string][] = [
  ["aws_access_key", j("my key AKIA", "Z7QXK3M2P4R6T8VW"), "AKIAZ7QXK3M2P4R6T8VW"],
  ["aws_secret_key", j("aws_secret_access_key = ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"), "wJalrXUtnFEMI"],
  ["github_token", j("token ghp_", "16C7e42F292c6912E7710c838347Ae178B4a"), "16C7e42F292c6912E7710c838347Ae178B4a"],
  ["github_token", j("github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"), "11ABCDEFG0123456789"],
  ["gitlab_token", j("GITLAB=glpat-", "x9Yz8Wv7Ut6Sr5Qp4On3"), "x9Yz8Wv7Ut6Sr5Qp4On3"],
  ["slack_token", j("xoxb-", "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"), "AbCdEfGhIjKlMnOpQrStUvWx"],
  ["slack_webhook", j("https://hooks.slack.com/services/", "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"), "T00000000/B00000000"],
  ["openai_key", j("OPENAI_API_KEY is sk-proj-", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90"), "Ab12Cd34Ef56Gh78"],
  ["openai_key", j("use sk-", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv12"), "Ab12Cd34Ef56Gh78"],
  ["anthropic_key", j("sk-ant-api03-", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEf"), "AbCdEfGhIjKlMnOpQrSt"],
  ["google_api_key", j("maps key AIza", "SyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"), "SyDdI0hCZtE6vySjMm"],
  ["stripe_key", j("sk_live_", "4eC39HqLyjWDarjtT1zdp7dc"), "4eC39HqLyjWDarjtT1zdp7dc"],
  ["stripe_key", j("rk_test_", "51H8aBcDeFgHiJkLmNoPqRsT"), "51H8aBcDeFgHiJkLmNoPqRsT"],
  [
    "jwt",
    j("Authorization: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ", ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
  ],
  [
    "private_key",
    j("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n", "-----END RSA PRIVATE KEY-----"),
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
  ],
  ["private_key", j("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n", "-----END OPENSSH PRIVATE KEY-----"), "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"],
  ["bearer_token", j("curl -H 'Authorization: Bearer ", "9f8e7d6c5b4a39281706f5e4d3c2b1a0AbCdEf'"), "9f8e7d6c5b4a39281706f5e4d3c2b1a0"],
  ["password", "password=hunter2", "hunter2"],
  ["password", 'db passwd: "c0rrect horse"', "c0rrect horse"],
  ["password", "PGPASSWORD=s3cr3t-Value psql", "s3cr3t-Value"],
  ["secret", "secret=Zx81!aQ-r", "Zx81!aQ-r"],
  ["secret", '{"api_key": "12ab34cd56ef78gh90"}', "12ab34cd56ef78gh90"],
  ["secret", "token=abc123def456", "abc123def456"],
  ["url_password", "postgres://admin:Sup3rS3cret@db.example.com:5432/app", "Sup3rS3cret"],
  ["url_password", "https://user:pa55word@example.org/path", "pa55word"],
  ["generic_secret", "the webhook signing secret is 8f3b9c2d7e1a4f6b0c5d8e2f7a1b3c9d", "8f3b9c2d7e1a4f6b0c5d8e2f7a1b3c9d"],
  ["generic_secret", "my encryption key: Qm9vbGVhbkZsYWcxMjM0NTY3ODkwYWJjZA", "Qm9vbGVhbkZsYWcxMjM0NTY3ODkwYWJjZA"],
  ["npm_token", j("//registry.npmjs.org/:_authToken=npm_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"), "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"],
];

describe("redactSecrets", () => {
  for (const [kind, text, secret] of SAMPLES) {
    it(`redacts ${kind}: ${text.slice(0, 40).replace(/\n/g, " ")}…`, () => {
      const r = redactSecrets(text);
      expect(r.redacted).toBe(true);
      expect(r.text).not.toContain(secret);
      expect(r.text).toMatch(/\[REDACTED:[a-z_]+\]/);
      expect(r.kinds.length).toBeGreaterThan(0);
    });
  }

  it("names the kind it found and keeps the words around it", () => {
    const r = redactSecrets("Call me at noon. password=hunter2 and that is all");
    expect(r).toEqual({ text: "Call me at noon. password=[REDACTED:password] and that is all", redacted: true, kinds: ["password"] });
    const u = redactSecrets("postgres://admin:Sup3rS3cret@db.example.com:5432/app");
    expect(u.text).toBe("postgres://admin:[REDACTED:url_password]@db.example.com:5432/app");
    const k = redactSecrets(j("keys: AKIA", "Z7QXK3M2P4R6T8VW and ghp_", "16C7e42F292c6912E7710c838347Ae178B4a"));
    expect(k.kinds).toEqual(["aws_access_key", "github_token"]);
  });

  it("is idempotent", () => {
    for (const [, text] of SAMPLES) {
      const once = redactSecrets(text).text;
      expect(redactSecrets(once).text).toBe(once);
    }
  });

  const PROSE = [
    "I moved to Lyon in March 2023 and started at the new office on 2023-04-01.",
    "The meeting is at 10:30 on Tuesday, 12 March 2024; bring the quarterly report.",
    "My password manager reminded me to change my password next week.",
    "I forgot my password again, so I reset it through the email link.",
    "The secret to good bread is a long, slow proof.",
    "Secret: be kind to yourself.",
    "The key to success is persistence, and the key ingredient is time.",
    "She is the bearer of good news about the token economy lecture.",
    "Token: a small coin used on the old Paris metro.",
    "We used token ring networks in the nineties; the API key rotation policy is monthly.",
    "Pass the salt, please. The mountain pass was closed.",
    "Visit https://example.com/docs/getting-started?lang=en#install for details.",
    "Email me at ada.lovelace@example.org or call +33 4 72 00 00 00.",
    "Skating with sk-8 friends at the skate park, then sk-learn tutorials.",
    "The function returned 1234567890123456789012345 after the long computation.",
    "Order #A1B2C3 shipped; tracking is in the app.",
    "Released version 2.14.3 of the library with 120 fixes.",
    "The cafe's wifi network is called CoffeeHouse-Guest.",
    "passwords should be long; tokens expire after an hour; secrets belong in a vault.",
    "ssh into the server and run the backup at 03:00.",
  ];
  for (const text of PROSE) {
    it(`leaves ordinary prose alone: ${text.slice(0, 50)}`, () => {
      expect(redactSecrets(text)).toEqual({ text, redacted: false, kinds: [] });
    });
  }

  it("handles empty and unicode text", () => {
    expect(redactSecrets("")).toEqual({ text: "", redacted: false, kinds: [] });
    expect(redactSecrets("東京で会いましょう 🙂").redacted).toBe(false);
  });
});

describe("the keyword scan of the rules", () => {
  it("finds the rules whose keywords a text holds, as a plain search of its lower case does: the automaton, and the search of each keyword a process's first texts get", () => {
    const { keywords, builtInKeywords } = rulesMatching("");
    const all = [...new Set([...keywords.values(), ...builtInKeywords].flat())];
    expect(all.length).toBeGreaterThan(100);
    // Texts made of keywords, their pieces, upper case, other characters and characters that are not ASCII (the
    // Kelvin sign's lower case is "k"; "İ" lower-cases to two characters), from a fixed seed.
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const pieces = [...all, ...all.map((k) => k.slice(0, Math.max(1, k.length - 1))), " ", "-", "_", "x", "Q", "é", "\u212A", "İ", "日本", "\n", "🙂"];
    for (let t = 0; t < 2000; t++) {
      let text = "";
      for (let p = 0, n = 1 + rnd(6); p < n; p++) {
        const piece = pieces[rnd(pieces.length)]!;
        text += rnd(3) === 0 ? piece.toUpperCase() : piece;
      }
      const low = text.toLowerCase();
      const naive = [...keywords].filter(([, ks]) => ks.some((k) => low.includes(k))).map(([id]) => id).sort();
      const naiveBuiltIn = builtInKeywords.flatMap((ks, i) => (ks.some((k) => low.includes(k)) ? [i] : []));
      for (const how of ["automaton", "hand"] as const) {
        const found = rulesMatching(text, how);
        expect([...found.ids].sort(), JSON.stringify(text)).toEqual(naive);
        expect(found.builtIn, JSON.stringify(text)).toEqual(naiveBuiltIn);
      }
    }
  });

  it("finds a keyword of every built-in rule whose expression matches: a rule is tried only on a text holding one", () => {
    // The samples, in prose, in upper and lower case, and the texts that only look like secrets.
    const texts = SAMPLES.flatMap(([, text]) => [text, `before ${text} after`, text.toUpperCase(), text.toLowerCase()]);
    texts.push(
      ...["ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA"].map((p) => j(p, "Z7QXK3M2P4R6T8VW")),
      j("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nAAAAB3NzaC1yc2E\n", "---- END SSH2 ENCRYPTED PRIVATE KEY ----"),
      j("PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\nAAAA\n", "Private-MAC: 0123"),
      ...["glptt-", "gldt-", "glrt-", "glcbt-", "glimt-", "glsoat-", "glft-", "gloas-"].map((p) => j(p, "x9Yz8Wv7Ut6Sr5Qp4On3Mm")),
      ...["gho_", "ghu_", "ghs_", "ghr_"].map((p) => j(p, "16C7e42F292c6912E7710c838347Ae178B4a")),
      ...["shpat_", "shpca_", "shppa_"].map((p) => j(p, "0123456789abcdef0123456789abcdef")),
      ...["hvb.", "hvr."].map((p) => j(p, "CAESIJ0123456789abcdefghijklmn")),
      ...["doo_v1_", "dor_v1_"].map((p) => j(p, "0123456789abcdef".repeat(4))),
      j("pk_test_", "4eC39HqLyjWDarjtT1zdp7dc"),
      "PASSPHRASE: open-sesame-42 and pwd=Zx81!aQ-r",
      j("https://discord.com/api/webhooks/", "123456/abcDEF_-"),
      j("ya29.", "a0AfH6SMBx9Yz8Wv7Ut6Sr5Qp4On3"),
      j("whsec_", "0123456789abcdefghijABCD"),
      j("hf_", "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"),
      j("SG.", "abcdefghij0123456789AB.", "abcdefghij0123456789ABCDEFGHIJabcdefghij012"),
      j("pypi-AgEIcHlwaS5vcmc", "x".repeat(60)),
      j("dckr_pat_", "2YotnFZFEjr1zCsicMWpAA9xQz1"),
      j("dapi", "0123456789abcdef0123456789abcdef"),
      j("shpss_", "0123456789abcdef0123456789abcdef"),
      j("hvs.", "CAESIJ0123456789abcdefghijklmn"),
      j("AGE-SECRET-KEY-1", "Q".repeat(58)),
      j("123456789:AA", "Fq7JnKQ3pV8s2Xw9Zr4Tb6Yc1Ud5Ee0Hh"),
      j("AWS_SECRET_KEY: ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKE"),
      j("dop_v1_", "0123456789abcdef".repeat(4)),
      "Token abcdefghijklmnop.qrstuvwx",
      j("Authorization: Basic ", "dXNlcjpwYXNzd29yZA=="),
      "PWD=Zx81!aQ-r client_secret: q8s7d6f5g4h3j2k1 credentials -> Qm9vbGVhbkZsYWcxMjM0NTY3ODkwYWJjZA",
      "redis://:pw0rd@cache.local and ftp://anon:x@host",
    );
    for (const text of texts) {
      const found = rulesMatching(text).builtIn;
      for (const i of builtInExpressionsMatching(text)) expect(found, `rule ${i} on ${JSON.stringify(text)}`).toContain(i);
    }
    // The samples' own rules are among those matched, so the loop above checked each of them.
    const matched = new Set(texts.flatMap((t) => builtInExpressionsMatching(t)));
    expect([...rulesMatching("").builtInKeywords.keys()].filter((i) => !matched.has(i))).toEqual([]);
  });
});
