/** git-digest: what changed in the user's repositories since a date, through the granted `git` only. */
import type { PackContext } from "../../src/packs/types.ts";

interface Commit {
  hash: string;
  author: string;
  date: string;
  subject: string;
  files: number;
}

async function isRepo(ctx: PackContext, dir: string): Promise<boolean> {
  return (await ctx.fs.exists(`${dir}/.git`)) || (await ctx.fs.exists(`${dir}/HEAD`)) && (await ctx.fs.exists(`${dir}/objects`));
}

async function repositories(ctx: PackContext): Promise<string[]> {
  const roots = (Array.isArray(ctx.config.repos) ? ctx.config.repos : [ctx.config.repos]).filter(Boolean).map((r) => ctx.paths.expand(String(r)));
  const out: string[] = [];
  for (const root of roots) {
    if (!(await ctx.fs.exists(root))) continue;
    if (await isRepo(ctx, root)) {
      out.push(root);
      continue;
    }
    for (const name of await ctx.fs.list(root)) {
      if (name.startsWith(".")) continue;
      const sub = `${root}/${name}`;
      if (await isRepo(ctx, sub)) out.push(sub);
    }
  }
  return out;
}

export async function digest(ctx: PackContext) {
  const since = (ctx.vars.since ?? ctx.args.join(" ")).trim() || "7 days ago";
  if (since.startsWith("-")) throw new Error(`'${since}' is not a date`);
  const max = Number(ctx.config.maxCommits ?? 200);
  const repos = await repositories(ctx);
  const report: { repo: string; commits: Commit[] }[] = [];
  for (const repo of repos) {
    const r = await ctx.exec("git", ["-C", repo, "log", `--since=${since}`, `--max-count=${max}`, "--no-color", "--date=short", "--shortstat", "--pretty=format:\x1e%h\x1f%an\x1f%ad\x1f%s"]);
    if (r.code !== 0) {
      if (/does not have any commits/.test(r.stderr)) continue;
      throw new Error(`git log failed in ${repo}: ${r.stderr.trim().split("\n")[0]}`);
    }
    const commits: Commit[] = [];
    for (const chunk of r.stdout.split("\x1e")) {
      if (!chunk.trim()) continue;
      const [head, ...rest] = chunk.split("\n");
      const [hash, author, date, subject] = head!.split("\x1f") as [string, string, string, string];
      const stat = /(\d+) files? changed/.exec(rest.join(" "));
      commits.push({ hash, author, date, subject, files: stat ? Number(stat[1]) : 0 });
    }
    if (commits.length) report.push({ repo, commits });
  }
  if (!report.length) {
    return { output: `No commits since ${since} in ${repos.length} repositor${repos.length === 1 ? "y" : "ies"}.`, data: { since, repos: repos.length, report } };
  }
  const lines: string[] = [`# Changes since ${since}`];
  for (const { repo, commits } of report) {
    const authors = [...new Set(commits.map((c) => c.author))];
    lines.push("", `## ${repo.split("/").pop()} (${commits.length} commit${commits.length === 1 ? "" : "s"}, ${authors.join(", ")})`, "");
    for (const c of commits) lines.push(`- ${c.date} ${c.hash} ${c.subject}${c.files ? ` (${c.files} file${c.files === 1 ? "" : "s"})` : ""}`);
  }
  return { output: lines.join("\n"), data: { since, repos: repos.length, report } };
}
