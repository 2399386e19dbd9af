/** telos: progress check-ins into learned.md (with stable L-ids) and a list of goals with their check-ins. */
import type { PackContext } from "../../src/packs/types.ts";

const itemRe = /^- ([A-Z])(\d+):\s*(.*)$/;

function items(text: string, prefix: string): { id: string; n: number; text: string }[] {
  const out: { id: string; n: number; text: string }[] = [];
  for (const line of text.split("\n")) {
    const m = itemRe.exec(line.trim());
    if (m && m[1] === prefix) out.push({ id: `${m[1]}${m[2]}`, n: Number(m[2]), text: m[3]! });
  }
  return out;
}

export async function checkin(ctx: PackContext) {
  const text = ctx.text.trim();
  if (!text) throw new Error("nothing to record: say what progress you made");
  const file = `${ctx.paths.user}/telos/learned.md`;
  const current = (await ctx.fs.exists(file)) ? await ctx.fs.readText(file) : "---\ntitle: Learned\nvisibility: shareable\n---\n\n# Learned\n";
  const next = Math.max(0, ...items(current, "L").map((i) => i.n)) + 1;
  const goal = ctx.vars.goal?.toUpperCase();
  if (goal && !/^G\d+$/.test(goal)) throw new Error(`goal must be a goal id like G1, got '${ctx.vars.goal}'`);
  if (goal) {
    const goalsFile = `${ctx.paths.user}/telos/goals.md`;
    const known = (await ctx.fs.exists(goalsFile)) ? items(await ctx.fs.readText(goalsFile), "G").map((g) => g.id) : [];
    if (!known.includes(goal)) throw new Error(`no goal ${goal} in goals.md (goals: ${known.join(", ") || "none"})`);
  }
  const id = `L${next}`;
  const line = `- ${id}: ${ctx.today} — ${text}${goal ? ` (supports: ${goal})` : ""}`;
  const updated = current.replace(/^updated: .*$/m, `updated: ${ctx.today}`);
  await ctx.fs.writeText(file, `${updated.replace(/\s*$/, "")}\n${line}\n`);
  const memoryId = await ctx.remember(`Progress check-in ${ctx.today}${goal ? ` on ${goal}` : ""}: ${text}`, "event");
  return { output: `Recorded ${id} in learned.md${goal ? ` for ${goal}` : ""}.`, data: { id, goal: goal ?? null, file, memoryId: memoryId ?? null } };
}

export async function goals(ctx: PackContext) {
  const dir = `${ctx.paths.user}/telos`;
  const goalsText = (await ctx.fs.exists(`${dir}/goals.md`)) ? await ctx.fs.readText(`${dir}/goals.md`) : "";
  const learned = (await ctx.fs.exists(`${dir}/learned.md`)) ? await ctx.fs.readText(`${dir}/learned.md`) : "";
  const list = items(goalsText, "G").map((g) => ({
    ...g,
    checkins: items(learned, "L").filter((l) => new RegExp(`\\b${g.id}\\b`).test(l.text)).map((l) => `${l.id}: ${l.text}`),
  }));
  if (!list.length) return { output: "No goals yet: add them to user/telos/goals.md as '- G1: …'.", data: [] };
  const lines = list.flatMap((g) => [`${g.id}: ${g.text}`, ...g.checkins.map((c) => `  ${c}`)]);
  return { output: lines.join("\n"), data: list.map(({ id, text, checkins }) => ({ id, text, checkins })) };
}
