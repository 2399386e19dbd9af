/** Real git repositories in temporary folders: an upstream, a clone of it as the install, and a rich user/. */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "../helpers/cli.ts";

export const BUN = join(ROOT, "node_modules", "bun", "bin", "bun.exe");

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

export function write(root: string, rel: string, content: string | Uint8Array): void {
  const f = join(root, rel);
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(f, content);
}

export function commit(repo: string, message: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) write(repo, rel, content);
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", message);
  return git(repo, "rev-parse", "HEAD").trim();
}

export const head = (repo: string): string => git(repo, "rev-parse", "HEAD").trim();

/** An upstream repository laid out like an install, and a clone of it. */
export function makeInstall(root: string): { upstream: string; install: string } {
  const upstream = join(root, "upstream");
  mkdirSync(upstream);
  git(upstream, "init", "-q", "-b", "main");
  commit(upstream, "Initial install", {
    "package.json": '{ "name": "pai", "version": "0.1.0" }\n',
    "src/cli/main.ts": "export {};\n",
    "system/templates/telos/goals.md": "---\ntitle: Goals\n---\n",
    "system/prompts/answer.md": "Answer well.\n",
    "user/README.md": "# user/\n",
    "user/.gitignore": "*\n!.gitignore\n!README.md\n",
  });
  const install = join(root, "install");
  git(root, "clone", "-q", upstream, install);
  return { upstream, install };
}

/** Fills user/ the way a real user would: Telos edits, overrides, a database with data, odd bytes and names. */
export function richUser(install: string): void {
  const u = join(install, "user");
  write(u, "telos/goals.md", "---\ntitle: Goals\nupdated: 2026-01-01\nvisibility: private\n---\n- G1: run a marathon (supports: M1)\n");
  write(u, "telos/mission.md", "---\ntitle: Mission\n---\n- M1: live well\n");
  write(u, "preferences.md", "Short answers, please.\n");
  write(u, "config.json", '{ "user": { "name": "Ada" } }\n');
  write(u, "overrides/prompts/answer.md", "My own answer prompt.\n");
  write(u, "overrides/templates/telos/goals.md", "---\ntitle: My goals template\n---\n");
  write(u, "odd bytes ünïcödé.bin", Uint8Array.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x0d, 0x1b]));
  write(u, "logs/calls.log", "a\nb\n");
  // A tracked file under user/ edited by the user: still theirs, never touched.
  write(u, "README.md", "# user/\n\nMy notes about my setup.\n");
  // The database is written by another process, as pai would, so no connection of this one lingers on it.
  const script = `import { openDatabase } from ${JSON.stringify(join(ROOT, "src/app/db.ts"))};
    const db = openDatabase(${JSON.stringify(join(u, "pai.db"))});
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run("lived-in", "Lyon");
    db.close();`;
  const r = spawnSync(BUN, ["-e", script], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`could not fill the database: ${r.stderr}`);
}

/** Every path under a folder with its type, size, content hash and mtime. */
export function treeHash(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(full);
      if (st.isDirectory()) {
        h.update(`d ${r}\n`);
        walk(full, r);
      } else {
        h.update(`f ${r} ${st.size} ${st.mtimeMs} ${createHash("sha256").update(readFileSync(full)).digest("hex")}\n`);
      }
    }
  };
  walk(dir, "");
  return h.digest("hex");
}
