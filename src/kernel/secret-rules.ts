/**
 * The built-in redaction rules (redact.ts applies them, then gitleaks' rules): well-known credential formats, key-like
 * assignments (`password=…`, `token: …`) and long high-entropy strings that follow a key-like word. Each rule names
 * the words every match of it holds, so that it is tried only on a text holding one. The list favours precision on
 * ordinary prose: a sentence that merely mentions a password, a token or a key is left alone.
 */

type Replacer = (match: string, ...groups: string[]) => string | null;

export interface Rule {
  kind: string;
  /**
   * Words at least one of which every match holds, compared without case: the rule is tried only on a text that holds
   * one (found with the vendored rules' keywords in one pass: keywords.ts). ASCII, lower case.
   */
  keywords: string[];
  re: RegExp;
  /** Returns the replacement, or null to keep the match as it is. Default: the whole match is replaced. */
  replace?: Replacer;
}

export const tag = (kind: string): string => `[REDACTED:${kind}]`;

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A value that looks like a machine-made secret rather than a word. */
function looksSecret(v: string): boolean {
  if (v.length < 16) return false;
  if (/^[0-9a-f]{32,}$/i.test(v)) return true; // hex digests / keys
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(v)).length;
  return classes >= 2 && /[0-9]/.test(v) && entropy(v) >= 3.5;
}

/** A value assigned to `password` / `token` / … that is plausibly the secret itself, not prose. */
function plausibleValue(v: string, strongKey: boolean): boolean {
  const bare = v.replace(/^["']|["']$/g, "");
  if (!bare || bare.startsWith("[REDACTED:")) return false;
  if (/^(null|none|true|false|undefined|\*+|x+|\.\.\.|<[^>]*>|\$\{?[A-Z_][A-Z0-9_]*\}?)$/i.test(bare)) return false;
  if (strongKey) return bare.length >= 3;
  // Weaker keys ("secret", "token") after a colon: only values that do not read as a word.
  return bare.length >= 8 && (/[0-9]/.test(bare) || /[^A-Za-z]/.test(bare)) && !/^[A-Za-z]+[.,!?]$/.test(bare);
}

const KEYWORD_STRONG = "password|passwd|passphrase|pwd";
const KEYWORD_WEAK =
  "secret|token|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key";

export const RULES: Rule[] = [
  {
    kind: "private_key",
    keywords: ["-----begin"],
    re: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  {
    kind: "private_key",
    keywords: ["---- begin ssh2"],
    // SSH2 (RFC 4716 / SSH.com) private keys.
    re: /---- BEGIN SSH2 ((?:ENCRYPTED )?)PRIVATE KEY ----[\s\S]*?(?:---- END SSH2 \1PRIVATE KEY ----|$)/g,
  },
  {
    kind: "private_key",
    keywords: ["putty-user-key-file-"],
    // PuTTY .ppk files, versions 2 and 3: from the header to the MAC line.
    re: /PuTTY-User-Key-File-\d+:[\s\S]*?(?:Private-MAC:[^\r\n]*|$)/g,
  },
  { kind: "anthropic_key", keywords: ["sk-ant-"], re: /\bsk-ant-(?:api|admin)?\d*-?[A-Za-z0-9_-]{20,}/g },
  { kind: "openai_key", keywords: ["sk-"], re: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}(?:T3BlbkFJ[A-Za-z0-9_-]+)?/g },
  { kind: "aws_access_key", keywords: ["akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa", "anva", "aroa", "apka"], re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}\b/g },
  {
    kind: "aws_secret_key",
    keywords: ["secret"],
    re: /\b(aws_?secret(?:_?access)?_?key\b["']?\s*[:=]\s*["']?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    replace: (_m, pre) => `${pre}${tag("aws_secret_key")}`,
  },
  { kind: "github_token", keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: "gitlab_token", keywords: ["glpat-", "glptt-", "gldt-", "glrt-", "glcbt-", "glimt-", "glsoat-", "glft-", "gloas-"], re: /\bgl(?:pat|ptt|dt|rt|cbt|imt|soat|ft|oas)-[A-Za-z0-9_-]{20,}/g },
  { kind: "slack_token", keywords: ["xox"], re: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  { kind: "slack_webhook", keywords: ["hooks.slack.com"], re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g },
  { kind: "discord_webhook", keywords: ["discord"], re: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+/g },
  { kind: "google_api_key", keywords: ["aiza"], re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: "google_oauth_token", keywords: ["ya29."], re: /\bya29\.[0-9A-Za-z_-]{20,}/g },
  { kind: "stripe_key", keywords: ["_live_", "_test_"], re: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}\b/g },
  { kind: "stripe_webhook_secret", keywords: ["whsec_"], re: /\bwhsec_[0-9A-Za-z]{24,}\b/g },
  { kind: "npm_token", keywords: ["npm_"], re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: "huggingface_token", keywords: ["hf_"], re: /\bhf_[A-Za-z]{34}\b/g },
  { kind: "sendgrid_key", keywords: ["sg."], re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g },
  { kind: "pypi_token", keywords: ["pypi-"], re: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g },
  { kind: "docker_token", keywords: ["dckr_pat_"], re: /\bdckr_pat_[A-Za-z0-9_-]{27,}/g },
  { kind: "databricks_token", keywords: ["dapi"], re: /\bdapi[0-9a-f]{32}(?:-\d)?\b/g },
  { kind: "shopify_token", keywords: ["shpat_", "shpca_", "shppa_", "shpss_"], re: /\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b/g },
  { kind: "vault_token", keywords: ["hvs.", "hvb.", "hvr."], re: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g },
  { kind: "age_secret_key", keywords: ["age-secret-key-1"], re: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/g },
  { kind: "telegram_bot_token", keywords: [":aa"], re: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g },
  { kind: "digitalocean_token", keywords: ["doo_v1_", "dop_v1_", "dor_v1_"], re: /\bdo[opr]_v1_[0-9a-f]{64}\b/g },
  { kind: "jwt", keywords: ["eyj"], re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    kind: "url_password",
    keywords: ["://"],
    // scheme://user:password@host. The user may be empty (redis://:pw@host) or hold an @ (an e-mail address);
    // the password may hold unencoded @ / # ?: it runs to the last @ that is followed by a host.
    re: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:/?#]{0,128}):(\S{1,512})@([^\s@/?#]+)/gi,
    replace: (m, scheme, user, pass, host) => (pass.startsWith("[REDACTED") ? null : `${scheme}${user}:${tag("url_password")}@${host}`),
  },
  {
    kind: "bearer_token",
    keywords: ["bearer", "token"],
    re: /\b(Bearer|Token)(\s+)([A-Za-z0-9._~+/-]{16,}=*)/g,
    replace: (m, word, sp, tok) => (looksSecret(tok) || /\./.test(tok) ? `${word}${sp}${tag("bearer_token")}` : null),
  },
  {
    kind: "basic_auth",
    keywords: ["authorization"],
    re: /\b(Authorization:\s*Basic\s+)([A-Za-z0-9+/]{8,}={0,2})/gi,
    replace: (_m, pre) => `${pre}${tag("basic_auth")}`,
  },
  {
    kind: "password",
    keywords: ["pass", "pwd"],
    // password=…, "password": "…", passwd: …, PWD=…
    re: new RegExp(`\\b((?:[A-Za-z0-9]+[_-]?)?(?:${KEYWORD_STRONG}))(["']?\\s*[:=]\\s*)("[^"\\n]*"|'[^'\\n]*'|[^\\s,;&"']+)`, "gi"),
    replace: (m, key, sep, value) => (plausibleValue(value, true) ? `${key}${sep}${tag("password")}` : null),
  },
  {
    kind: "secret",
    keywords: ["secret", "token", "key"],
    re: new RegExp(`\\b((?:[A-Za-z0-9]+[_-])*(?:${KEYWORD_WEAK}))(["']?\\s*)([:=])(\\s*)("[^"\\n]*"|'[^'\\n]*'|[^\\s,;&"']+)`, "gi"),
    replace: (m, key, q, op, sp, value) =>
      plausibleValue(value, op === "=" && !/\s/.test(q + sp)) ? `${key}${q}${op}${sp}${tag("secret")}` : null,
  },
  {
    kind: "generic_secret",
    keywords: ["key", "token", "secret", "credential", "pass"],
    // A long high-entropy string shortly after a key-like word: "my API key is 3f9a…", "credential → AbC…".
    re: /\b((?:api|access|auth|secret|private|client|signing|encryption|session)?[ _-]?(?:key|token|secret|credential|credentials|password|passcode)s?\b[^A-Za-z0-9\n]{0,4}(?:is|was|=|:|->|→)?[^A-Za-z0-9\n]{0,4})([A-Za-z0-9+/_=-]{20,})/gi,
    replace: (m, pre, value) => (looksSecret(value) && !value.startsWith("REDACTED") ? `${pre}${tag("generic_secret")}` : null),
  },
];
