/**
 * Regenerates system/secret-patterns.json from gitleaks' default rules (config/gitleaks.toml, MIT licence).
 *
 *   bun scripts/update-secret-patterns.ts --git /path/to/gitleaks/.git      (reads HEAD:config/gitleaks.toml)
 *   bun scripts/update-secret-patterns.ts --toml gitleaks.toml --commit <sha>
 *
 * Each rule's Go regular expression is translated to a JavaScript RegExp (a leading `(?i)` / `(?s)` becomes a
 * flag, a case-insensitive part makes the whole pattern case-insensitive, `\A` `\z` become `^` `$`, POSIX
 * classes are spelled out). A rule that does not translate, or does not
 * compile here, is skipped and counted. Rules that match file paths only are skipped too.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Rules left out on purpose: the built-in key=value rules cover them with a precision tuned for prose. */
const EXCLUDED: Record<string, string> = {
  "generic-api-key": "the built-in key-like assignment rules cover it, tuned for ordinary prose",
};

interface GoRule {
  id: string;
  regex?: string;
  secretGroup?: number;
  entropy?: number;
  keywords?: string[];
  allowlists?: { regexes?: string[]; regexTarget?: string; stopwords?: string[]; condition?: string; paths?: string[] }[];
}

export interface VendoredRule {
  id: string;
  source: string;
  flags: string;
  keywords: string[];
  secretGroup?: number;
  entropy?: number;
  allow?: { source: string; flags: string; target: "secret" | "match" }[];
  stopwords?: string[];
}

const POSIX: Record<string, string> = {
  alnum: "a-zA-Z0-9",
  alpha: "a-zA-Z",
  digit: "0-9",
  lower: "a-z",
  upper: "A-Z",
  space: "\\s",
  xdigit: "0-9a-fA-F",
  punct: "!-\\/:-@\\[-`{-~",
  word: "\\w",
};

/** A Go RE2 pattern as a JavaScript source and flags, or the reason it cannot be. */
export function translate(go: string): { source: string; flags: string } | { unsupported: string } {
  let src = go;
  let flags = "";
  for (;;) {
    const m = /^\(\?([is]+)\)/.exec(src);
    if (!m) break;
    for (const f of m[1]!) if (!flags.includes(f)) flags += f;
    src = src.slice(m[0].length);
  }
  // JavaScript engines do not all read flags set inside a pattern: a case-insensitive part makes the whole
  // pattern case-insensitive, and a case-sensitive part is read under the pattern's flags. The translated
  // pattern then matches everything the original did, and possibly a little more.
  if (/\(\?i\)|\(\?i:/.test(src)) {
    if (!flags.includes("i")) flags += "i";
    src = src.replace(/\(\?i\)/g, "").replace(/\(\?i:/g, "(?:");
  }
  src = src.replace(/\(\?-i:/g, "(?:");
  if (/\(\?[a-zA-Z-]+[:)]/.test(src)) return { unsupported: "a flag JavaScript cannot set inside a pattern" };
  if (/\\[pP]\{|\\x\{|\\Q|\\E|\(\?P</.test(src)) return { unsupported: "an escape JavaScript reads differently" };
  src = src.replace(/\\A/g, "^").replace(/\\z/g, "$");
  src = src.replace(/\[:(\^?)([a-z]+):\]/g, (all, neg: string, name: string) => {
    const cls = POSIX[name];
    if (!cls || neg) throw new Error(`posix:${name}`);
    return cls;
  });
  return { source: src, flags };
}

function compiles(source: string, flags: string): boolean {
  try {
    new RegExp(source, flags + "g");
    return true;
  } catch {
    return false;
  }
}

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  let toml: string;
  let commit: string;
  const gitDir = opt("--git");
  if (gitDir) {
    toml = execFileSync("git", ["--git-dir", gitDir, "show", "HEAD:config/gitleaks.toml"], { encoding: "utf8", maxBuffer: 64 << 20 });
    commit = execFileSync("git", ["--git-dir", gitDir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } else {
    const file = opt("--toml");
    commit = opt("--commit") ?? "";
    if (!file || !/^[0-9a-f]{40}$/.test(commit)) {
      process.stderr.write("usage: bun scripts/update-secret-patterns.ts --git DIR | --toml FILE --commit SHA\n");
      process.exit(2);
    }
    toml = readFileSync(file, "utf8");
  }
  const parsed = Bun.TOML.parse(toml) as { rules: GoRule[] };
  const rules: VendoredRule[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const r of parsed.rules) {
    if (EXCLUDED[r.id]) {
      skipped.push({ id: r.id, reason: EXCLUDED[r.id]! });
      continue;
    }
    if (!r.regex) {
      skipped.push({ id: r.id, reason: "matches file paths only" });
      continue;
    }
    let t: ReturnType<typeof translate>;
    try {
      t = translate(r.regex);
    } catch (e) {
      t = { unsupported: `a POSIX class JavaScript lacks (${(e as Error).message})` };
    }
    if ("unsupported" in t) {
      skipped.push({ id: r.id, reason: t.unsupported });
      continue;
    }
    if (!compiles(t.source, t.flags)) {
      skipped.push({ id: r.id, reason: "does not compile as a JavaScript RegExp" });
      continue;
    }
    const rule: VendoredRule = { id: r.id, source: t.source, flags: t.flags, keywords: (r.keywords ?? []).map((k) => k.toLowerCase()) };
    if (r.secretGroup) rule.secretGroup = r.secretGroup;
    if (r.entropy) rule.entropy = r.entropy;
    const allow: NonNullable<VendoredRule["allow"]> = [];
    const stop: string[] = [];
    for (const a of r.allowlists ?? []) {
      if (a.condition === "AND" || a.paths) continue; // path-based allowlists do not apply to text
      for (const re of a.regexes ?? []) {
        try {
          const x = translate(re);
          if (!("unsupported" in x) && compiles(x.source, x.flags)) allow.push({ ...x, target: a.regexTarget === "match" ? "match" : "secret" });
        } catch {
          /* an allowlist entry that does not translate is left out: the rule then redacts a little more */
        }
      }
      for (const w of a.stopwords ?? []) stop.push(w.toLowerCase());
    }
    if (allow.length) rule.allow = allow;
    if (stop.length) rule.stopwords = stop;
    rules.push(rule);
  }
  const out = {
    source: "https://github.com/gitleaks/gitleaks/blob/" + commit + "/config/gitleaks.toml",
    licence: "MIT (gitleaks authors)",
    commit,
    generatedBy: "scripts/update-secret-patterns.ts",
    translated: rules.length,
    skipped: skipped.length,
    skippedRules: skipped,
    rules,
  };
  const target = join(import.meta.dir, "..", "system", "secret-patterns.json");
  writeFileSync(target, JSON.stringify(out, null, 1) + "\n");
  process.stdout.write(`${rules.length} rules translated, ${skipped.length} skipped -> ${target}\n`);
}

if (import.meta.main) main();
