/**
 * `pai telos edit FILE`: opens the file in $VISUAL or $EDITOR (split into a command and its arguments, spawned
 * without a shell, with the terminal inherited), then checks it.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { EnvironmentError, UserError } from "../kernel/errors.ts";
import { ignoringInterrupt } from "../kernel/interrupt.ts";
import { systemFile, type Paths } from "../kernel/paths.ts";
import { splitFrontMatter } from "../kernel/frontmatter.ts";
import { checkReport, type CheckReport } from "./commands.ts";
import { TELOS_NAMES, resolveTelosName, telosPath } from "./index.ts";

/** Splits an editor setting like `code --wait` or `"/opt/My Editor/ed" -n` into words (quotes and backslashes). */
export function splitCommand(s: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < s.length && /["\\$`]/.test(s[i + 1]!)) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new UserError(`unbalanced quote in the editor setting '${s}'`, { hint: "fix $VISUAL or $EDITOR" });
  if (inWord) words.push(cur);
  return words;
}

export interface EditResult extends CheckReport {
  file: string;
  editor: string;
  created: boolean;
}

export function editTelos(input: string, p: Paths, env: NodeJS.ProcessEnv = process.env): EditResult {
  const name = resolveTelosName(input);
  if (!name) {
    throw new UserError(`unknown Telos file '${input}'`, { hint: `use one of: ${TELOS_NAMES.join(", ")}` });
  }
  const setting = (env.VISUAL?.trim() || env.EDITOR?.trim() || "vi").trim();
  const words = splitCommand(setting);
  if (words.length === 0) throw new UserError("the editor setting is empty", { hint: "set $EDITOR, e.g. EDITOR=nano" });
  const path = telosPath(name, p);
  let created = false;
  if (!existsSync(path)) {
    const template = systemFile(name === "preferences" ? "templates/preferences.md" : `templates/telos/${name}.md`, p);
    // A template whose front matter is not YAML (`---js`) is refused, not copied.
    splitFrontMatter(readFileSync(template, "utf8"), template);
    mkdirSync(dirname(path), { recursive: true });
    copyFileSync(template, path);
    created = true;
  }
  const [cmd, ...args] = words;
  // Ctrl-C while the editor runs is the editor's business (vi and nano take it as a key): pai waits for the
  // editor either way and reports how it ended, as git does, instead of dying with it.
  const r = ignoringInterrupt(() => spawnSync(cmd!, [...args, path], { stdio: "inherit" }));
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new EnvironmentError(`cannot start the editor '${cmd}' (${code ?? r.error.message})`, {
      hint: "set $EDITOR (or $VISUAL) to an installed editor, e.g. EDITOR=nano",
    });
  }
  if (r.status !== 0) {
    const how = r.signal === "SIGINT" ? "was stopped with Ctrl-C" : r.status === null ? `exited with signal ${r.signal}` : `exited with status ${r.status}`;
    throw new UserError(`the editor '${cmd}' ${how}`, {
      hint: `the file is as the editor left it; run 'pai telos check' to check it`,
    });
  }
  const file = relative(p.home, path).split("\\").join("/");
  return { ...checkReport(p, file), file, editor: setting, created };
}
