/**
 * `pai init`: creates user/ from system/templates/ (through user/overrides/ when the user has one). It only
 * adds what is missing; nothing the user wrote is ever overwritten.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { TELOS_FILES, systemFile, type Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { setConfigValue } from "../config/index.ts";
import { splitFrontMatter } from "../kernel/frontmatter.ts";

export interface InitResult {
  home: string;
  created: string[];
  kept: string[];
  name?: string;
}

export interface InitOptions {
  paths: Paths;
  /** Opens (creating and migrating) pai's database at a path; the app gives it. */
  openDatabase: (file: string) => Database;
  name?: string;
  today?: string;
}

export function initUser(opts: InitOptions): InitResult {
  const p = opts.paths;
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const created: string[] = [];
  const kept: string[] = [];
  const rel = (f: string) => relative(p.home, f);

  for (const dir of [p.user, p.telos, p.overrides, p.packs, p.jobs, p.logs]) {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      if (dir !== p.user) created.push(`${rel(dir)}/`);
    }
  }
  const userReadme = join(p.user, "README.md");
  if (!existsSync(userReadme) && existsSync(join(p.install, "user", "README.md")) && p.user !== join(p.install, "user")) {
    copyFileSync(join(p.install, "user", "README.md"), userReadme);
    created.push(rel(userReadme));
  }
  const templates: [string, string][] = [...TELOS_FILES.map((f): [string, string] => [`telos/${f}.md`, join(p.telos, `${f}.md`)]), ["preferences.md", p.preferences]];
  // Every template needed is read first: one whose front matter is not YAML (`---js`) is refused before any is written.
  const texts = new Map<string, string>();
  for (const [template, target] of templates) {
    if (existsSync(target)) continue;
    const file = systemFile(`templates/${template}`, p);
    const text = readFileSync(file, "utf8");
    splitFrontMatter(text, file);
    texts.set(template, text);
  }
  for (const [template, target] of templates) {
    const text = texts.get(template);
    if (text === undefined) {
      kept.push(rel(target));
      continue;
    }
    writeFileSync(target, text.replace(/^updated: .*$/m, `updated: ${today}`), { flag: "wx" });
    created.push(rel(target));
  }

  if (existsSync(p.config)) kept.push(rel(p.config));
  else {
    writeFileSync(p.config, readFileSync(systemFile("templates/config.json", p), "utf8"), { flag: "wx" });
    created.push(rel(p.config));
  }
  if (opts.name !== undefined) setConfigValue("user.name", opts.name, p.config);

  const dbExisted = existsSync(p.db);
  const db = opts.openDatabase(p.db);
  db.close();
  (dbExisted ? kept : created).push(rel(p.db));
  return { home: p.home, created, kept, name: opts.name };
}
