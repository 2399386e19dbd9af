/** journal: one Markdown note per day; entries are appended with the time. */
import type { PackContext } from "../../src/packs/types.ts";

function folder(ctx: PackContext): string {
  return ctx.paths.expand(String(ctx.config.folder ?? "$PAI_HOME/user/journal"));
}

function dayOf(ctx: PackContext): string {
  const d = ctx.vars.date ?? ctx.today;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`date must be YYYY-MM-DD, got '${d}'`);
  return d;
}

export async function write(ctx: PackContext) {
  const text = ctx.text.trim();
  if (!text) throw new Error("nothing to write: give the entry's text");
  const day = dayOf(ctx);
  const file = `${folder(ctx)}/${day}.md`;
  const time = ctx.vars.time ?? new Date().toTimeString().slice(0, 5);
  const exists = await ctx.fs.exists(file);
  const head = exists ? "" : `---\ndate: ${day}\n---\n\n# ${day}\n`;
  await ctx.fs.appendText(file, `${head}\n## ${time}\n\n${text}\n`);
  return { output: `Added to ${file}`, data: { file, date: day, time } };
}

export async function show(ctx: PackContext) {
  const day = dayOf(ctx);
  const file = `${folder(ctx)}/${day}.md`;
  if (!(await ctx.fs.exists(file))) return { output: `No journal note for ${day}.`, data: { file, date: day, exists: false } };
  const text = await ctx.fs.readText(file);
  return { output: text.trim(), data: { file, date: day, exists: true } };
}
