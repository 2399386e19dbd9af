/** codegen's file tools: paths are relative to the `root` setting and may not leave it. */
import type { PackContext } from "../../src/packs/types.ts";

function under(ctx: PackContext, rel: string): string {
  const root = ctx.paths.expand(String(ctx.config.root ?? "~/code"));
  const clean = rel.trim().replace(/^\.\/+/, "");
  if (!clean || clean.startsWith("/") || clean.startsWith("~") || clean.split("/").includes("..")) {
    throw new Error(`'${rel}' must be a path relative to the code root (${root}), without '..'`);
  }
  return `${root}/${clean}`;
}

export async function writeFile(ctx: PackContext) {
  const rel = ctx.vars.path ?? ctx.args[0];
  if (!rel) throw new Error("vars.path is required (the file's path relative to the code root)");
  const file = under(ctx, rel);
  if ((await ctx.fs.exists(file)) && ctx.vars.overwrite !== "true") {
    throw new Error(`${rel} exists already; pass vars.overwrite=true to replace it`);
  }
  const content = ctx.text.endsWith("\n") ? ctx.text : `${ctx.text}\n`;
  await ctx.fs.mkdir(file.slice(0, file.lastIndexOf("/")));
  await ctx.fs.writeText(file, content);
  return { output: `wrote ${rel} (${content.length} bytes)`, data: { file } };
}

export async function listFiles(ctx: PackContext) {
  const rel = (ctx.vars.path ?? ctx.text ?? "").trim() || ".";
  const dir = rel === "." ? ctx.paths.expand(String(ctx.config.root ?? "~/code")) : under(ctx, rel);
  const out: string[] = [];
  const walk = async (d: string, prefix: string, depth: number) => {
    for (const name of await ctx.fs.list(d)) {
      if (name === "node_modules" || name === ".git") continue;
      const sub = `${d}/${name}`;
      const kids = depth < 4 ? await ctx.fs.list(sub) : [];
      if (kids.length) await walk(sub, `${prefix}${name}/`, depth + 1);
      else out.push(`${prefix}${name}`);
    }
  };
  if (await ctx.fs.exists(dir)) await walk(dir, "", 0);
  return { output: out.length ? out.join("\n") : "(empty)", data: { files: out } };
}
