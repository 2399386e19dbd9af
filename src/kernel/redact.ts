/**
 * Secret redaction: applied before anything is stored in memory, before a request leaves for a cloud model,
 * and in the audit log. A careful list of patterns for well-known credential formats, plus key-like
 * assignments (`password=…`, `token: …`) and long high-entropy strings that follow a key-like word.
 * Each match is replaced by `[REDACTED:<kind>]`. The list favours precision on ordinary prose: a sentence
 * that merely mentions a password, a token or a key is left alone.
 */

import { readFileSync } from "node:fs";
import { keywordAutomaton, listsWithKeywordsIn, type KeywordAutomaton } from "./keywords.ts";

export interface RedactResult {
  text: string;
  redacted: boolean;
  /** The kinds found, each once, in order of first appearance. */
  kinds: string[];
}

type Replacer = (match: string, ...groups: string[]) => string | null;

interface Rule {
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

const tag = (kind: string): string => `[REDACTED:${kind}]`;

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

const RULES: Rule[] = [
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

interface VendoredRule {
  id: string;
  source: string;
  flags: string;
  /** Compiled the first time the rule is tried (compiledRule); null when this engine cannot compile it. */
  re?: RegExp | null;
  keywords: string[];
  secretGroup?: number;
  entropy?: number;
  allowSources?: { source: string; flags: string; target: "secret" | "match" }[];
  allow?: { re: RegExp; target: "secret" | "match" }[];
  stopwords?: string[];
}

let vendored: VendoredRule[] | undefined;

/**
 * gitleaks' rules (system/secret-patterns.json, generated by scripts/update-secret-patterns.ts), read on first use;
 * each rule's expressions are compiled when a text first holds one of its keywords. A missing or unreadable file
 * leaves the built-in rules alone at work.
 */
function vendoredRules(): VendoredRule[] {
  if (vendored) return vendored;
  vendored = [];
  let file: { rules?: { id: string; source: string; flags: string; keywords?: string[]; secretGroup?: number; entropy?: number; allow?: { source: string; flags: string; target: "secret" | "match" }[]; stopwords?: string[] }[] };
  try {
    file = JSON.parse(readFileSync(decodeURIComponent(new URL("../../system/secret-patterns.json", import.meta.url).pathname), "utf8"));
  } catch {
    return vendored;
  }
  for (const r of file.rules ?? []) {
    vendored.push({
      id: r.id,
      source: r.source,
      flags: r.flags,
      keywords: (r.keywords ?? []).map((k) => k.toLowerCase()),
      secretGroup: r.secretGroup,
      entropy: r.entropy,
      allowSources: r.allow,
      stopwords: r.stopwords,
    });
  }
  return vendored;
}

/** The rule's expression, compiled on first use with its allowlist; null when one does not compile here (the rule is never applied). */
function compiledRule(r: VendoredRule): RegExp | null {
  if (r.re === undefined) {
    try {
      r.allow = r.allowSources?.map((a) => ({ re: new RegExp(a.source, a.flags), target: a.target }));
      r.re = new RegExp(r.source, r.flags + "g");
    } catch {
      r.re = null;
    }
  }
  return r.re;
}

let automaton: KeywordAutomaton | undefined;
let alwaysTried: VendoredRule[] | undefined;

/**
 * Every rule's keywords, searched for in one pass: list i is vendored rule i's, then list `builtIn + j` built-in
 * rule j's.
 */
let lists: { all: string[][]; builtIn: number } | undefined;
function keywordLists(): { all: string[][]; builtIn: number } {
  if (!lists) {
    const rules = vendoredRules();
    lists = { all: [...rules.map((r) => r.keywords), ...RULES.map((r) => r.keywords)], builtIn: rules.length };
  }
  return lists;
}

/** The automaton of every rule's keywords (keywords.ts), built on first use. */
const ruleAutomaton = () => (automaton ??= keywordAutomaton(keywordLists().all));

/**
 * The rules one of whose keywords occurs in `text`, as the automaton finds them, or (`hand`) as the search of each
 * keyword in turn does (for tests): the vendored rules' ids, and the built-in rules' indexes; and every rule's keywords.
 */
export function rulesMatching(text: string, how: "automaton" | "hand" = "automaton"): { ids: string[]; builtIn: number[]; keywords: Map<string, string[]>; builtInKeywords: string[][] } {
  const rules = vendoredRules();
  const { all, builtIn } = keywordLists();
  const found = [...(how === "hand" ? handScan(text, all) : listsWithKeywordsIn(text, ruleAutomaton()))].sort((x, y) => x - y);
  return {
    ids: found.filter((i) => i < builtIn).map((i) => rules[i]!.id),
    builtIn: found.filter((i) => i >= builtIn).map((i) => i - builtIn),
    keywords: new Map(rules.map((r) => [r.id, r.keywords])),
    builtInKeywords: RULES.map((r) => r.keywords),
  };
}

/** The indexes of the built-in rules whose expression matches `text`, each tried whatever its keywords (for tests). */
export function builtInExpressionsMatching(text: string): number[] {
  return RULES.flatMap((r, i) => {
    r.re.lastIndex = 0;
    const hit = r.re.test(text);
    r.re.lastIndex = 0;
    return hit ? [i] : [];
  });
}

/** Whether this process has built the automaton of the rules' keywords (for tests). */
export const keywordAutomatonBuilt = () => automaton !== undefined;

/**
 * The first texts a process redacts are searched for each keyword in turn (handScan): building the automaton takes
 * 4–8 ms of code not yet compiled, where a one-shot command (`pai remember`) redacts a few short texts. From the
 * HAND_SCANS-th text on (an import, the daemon), or for a longer text, the automaton is built and used.
 */
const HAND_SCANS = 64;
const HAND_SCAN_CHARS = 4096;
let handScans = 0;

/** The indexes of the keyword lists (keywordLists) one of whose keywords occurs in `text` (the same either way). */
function listsIn(text: string): ReadonlySet<number> {
  if (automaton || handScans >= HAND_SCANS || text.length > HAND_SCAN_CHARS) return listsWithKeywordsIn(text, ruleAutomaton());
  handScans++;
  return handScan(text, keywordLists().all);
}

/**
 * What the automaton finds, by searching the text's lower case for each keyword: the automaton reads the text as
 * its lower case, and never finds a keyword with a character that is not ASCII (such a rule is tried on every text:
 * alwaysTried).
 */
function handScan(text: string, all: string[][]): ReadonlySet<number> {
  const low = text.toLowerCase();
  let found: Set<number> | undefined;
  for (let i = 0; i < all.length; i++) {
    for (const k of all[i]!) {
      if (k && low.includes(k) && !notAscii(k)) {
        (found ??= new Set()).add(i);
        break;
      }
    }
  }
  return found ?? NO_RULES;
}

const NO_RULES: ReadonlySet<number> = new Set();

/** A keyword with a character that is not ASCII: the automaton never finds it (keywords.ts). */
const notAscii = (k: string) => /[^\0-\x7f]/.test(k);

/** Applies the vendored rules whose keywords occur in the text (`present`: listsIn), and those without any. */
function redactVendored(text: string, kinds: string[], present: ReadonlySet<number>): string {
  const rules = vendoredRules();
  if (!rules.length) return text;
  // Most text holds no keyword: only the rules without keywords (if any) can then match. A rule with a keyword
  // the automaton cannot hold (not ASCII) is tried on every text.
  alwaysTried ??= rules.filter((r) => !r.keywords.length || r.keywords.some(notAscii));
  let candidates = alwaysTried;
  let at: Set<VendoredRule> | undefined;
  for (const i of present) if (i < rules.length) (at ??= new Set(alwaysTried)).add(rules[i]!);
  if (at) {
    // In the file's order, as every rule is applied to the text the ones before it left.
    candidates = at.size === 1 ? [...at] : rules.filter((r) => at.has(r));
  }
  let out = text;
  for (const r of candidates) {
    const re = compiledRule(r);
    if (!re) continue;
    re.lastIndex = 0;
    out = out.replace(re, (match: string, ...rest: unknown[]) => {
      const end = rest.findIndex((x) => typeof x === "number");
      const groups = rest.slice(0, end < 0 ? 0 : end).map((g) => (g === undefined ? "" : String(g)));
      const secret = r.secretGroup ? groups[r.secretGroup - 1] : (groups.find((g) => g) ?? match);
      if (!secret || secret.includes("[REDACTED")) return match;
      if (r.entropy && entropy(secret) < r.entropy) return match;
      const low = secret.toLowerCase();
      if (r.stopwords?.some((w) => low.includes(w))) return match;
      if (r.allow?.some((a) => a.re.test(a.target === "match" ? match : secret))) return match;
      if (!kinds.includes(r.id)) kinds.push(r.id);
      const at = match.indexOf(secret);
      return match.slice(0, at) + tag(r.id) + match.slice(at + secret.length);
    });
  }
  return out;
}

/**
 * A known secret as written, and as it reads once URL-encoded, escaped in a JSON string or base64-encoded on
 * its own, so a command that prints it in one of these forms does not leak it either. Longest first.
 */
export function secretForms(s: string): string[] {
  if (!s) return [];
  const forms = new Set<string>([s]);
  try {
    forms.add(encodeURIComponent(s));
  } catch {
    /* a lone surrogate has no URL form */
  }
  forms.add(JSON.stringify(s).slice(1, -1));
  if (s.length >= 6) {
    const b64 = Buffer.from(s, "utf8").toString("base64");
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ""));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Replaces secrets in `text` with `[REDACTED:<kind>]`: known credential shapes, and the exact values of
 * `known` secrets (e.g. a pack's declared environment secrets, the daemon's mail password) anywhere they appear.
 */
export function redactSecrets(text: string, known: Iterable<string> = []): RedactResult {
  const kinds: string[] = [];
  let out = text;
  for (const s of known) {
    for (const form of secretForms(s)) {
      if (out.includes(form)) {
        out = out.split(form).join(tag("secret"));
        if (!kinds.includes("secret")) kinds.push("secret");
      }
    }
  }
  if (!out) return { text: out, redacted: kinds.length > 0, kinds };
  // One search for every rule's keywords; most prose holds none, and is then tried against no rule that has some.
  let present = listsIn(out);
  if (present.size) {
    const before = out;
    out = redactBuiltIn(out, kinds, present);
    // What the built-in rules wrote may hold keywords of vendored rules (a tag names its kind): searched again.
    if (out !== before) present = listsIn(out);
  }
  out = redactVendored(out, kinds, present);
  return { text: out, redacted: kinds.length > 0, kinds };
}

/**
 * The built-in rules, in order, each on what the ones before it left: those whose keywords the text holds
 * (`present`: listsIn), and once one has replaced something, every rule after it (a tag it wrote names its kind,
 * which may hold a later rule's keyword).
 */
function redactBuiltIn(text: string, kinds: string[], present: ReadonlySet<number>): string {
  const from = keywordLists().builtIn;
  let out = text;
  for (let i = 0; i < RULES.length; i++) {
    if (out === text && !present.has(from + i)) continue;
    const rule = RULES[i]!;
    rule.re.lastIndex = 0;
    if (!rule.re.test(out)) continue;
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, (match: string, ...rest: unknown[]) => {
      const groups = rest.slice(0, -2).map((g) => (g === undefined ? "" : String(g)));
      const replacement = rule.replace ? rule.replace(match, ...groups) : tag(rule.kind);
      if (replacement === null || replacement === match) return match;
      if (!kinds.includes(rule.kind)) kinds.push(rule.kind);
      return replacement;
    });
  }
  return out;
}

/**
 * Redacts every string inside a JSON-like value. With `sensitiveKey`, a string under a key that matches it
 * (password, token, …) is replaced whole.
 */
export function redactDeep<T>(value: T, opts: { known?: Iterable<string>; sensitiveKey?: RegExp } = {}): T {
  if (typeof value === "string") return redactSecrets(value, opts.known).text as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, opts)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = opts.sensitiveKey?.test(k) && typeof v === "string" ? tag("secret") : redactDeep(v, opts);
    }
    return out as T;
  }
  return value;
}
