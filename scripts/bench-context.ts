/**
 * Context assembly benchmark: a 100k-item memory store (inserted through the memory module's rememberMany)
 * and a full Telos (ten files of items plus preferences) in a temporary PAI_HOME. For 200 varied questions,
 * three rounds each, for a local and a cloud audience, it prints the time of assembling the context (p50, p95:
 * the median over rounds) and the size of the context in tokens (min / median / max) against the budget.
 * Assembling is what comes before the model's request (assembleContextFirst); warming the memories the context
 * used (recordUse) comes after it, as `pai ask` and chat do, and is timed apart, then both together. The median
 * of each shape of question is printed too. Target: assembly p50 ≤ 10 ms at 100k items within the budget (each
 * line says whether it is met).
 *
 *   npx bun scripts/bench-context.ts
 *   npx bun scripts/bench-context.ts --items 20000 --budget 4000
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const ITEMS = arg("--items", 100_000);
const QUESTIONS = Math.max(100, arg("--questions", 200));
const ROUNDS = 3;
/** The target of context assembly's p50 at 100k items, in ms. */
const TARGET_MS = 10;

const home = mkdtempSync(join(tmpdir(), "pai-bench-ctx-"));
process.env.PAI_HOME = home;

const { paths } = await import("../src/kernel/paths.ts");
const { initUser } = await import("../src/admin/init.ts");
const { loadConfig } = await import("../src/config/index.ts");
const { openDatabase } = await import("../src/app/db.ts");
const { openMemory } = await import("../src/memory/index.ts");
const { assembleContextFirst } = await import("../src/context/index.ts");

// ---- deterministic, varied text -------------------------------------------------------------------
let seed = 7;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 4294967296);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.pow(rnd(), 1.6) * xs.length)]!;
const W = {
  people: "Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Marie Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Yusuf Zoe Amara Bruno Chloe Diego Elena Farid Greta Hiro Ingrid mum dad sister boss landlord dentist".split(" "),
  places: "Lyon Paris Berlin Lisbon Tokyo Kyoto Oslo Madrid Rome Prague Vienna Dublin Montreal Boston Seattle Nairobi Lima Sydney Seoul Hanoi Athens Zurich Geneva Amsterdam Porto Seville Marseille Bordeaux Grenoble Annecy office gym library cafe park station market garden".split(" "),
  verbs: "met called visited bought fixed finished started booked cancelled planned discussed reviewed wrote read cooked painted moved signed paid ordered repaired tested deployed migrated learned practised ran hiked climbed shipped drafted planted baked renewed installed".split(" "),
  things: "report invoice passport contract budget presentation garden kitchen bicycle laptop server database backup lease mortgage insurance appointment recipe sourdough marathon guitar piano novel article podcast roadmap prototype dashboard pipeline cluster certificate visa ticket flight hotel apartment boiler roof camera telescope kayak tent".split(" "),
  topics: "taxes health fitness travel family work finance cooking music reading writing gardening photography programming security privacy climbing cycling running chess astronomy history languages japanese rust typescript kubernetes postgres sqlite linux design hiring".split(" "),
  adj: "new old quarterly annual urgent late early broken expensive cheap long short difficult important exciting final draft weekly monthly remote local".split(" "),
};
const templates = [
  () => `${pick(W.verbs)} the ${pick(W.adj)} ${pick(W.things)} with ${pick(W.people)} in ${pick(W.places)}`,
  () => `${pick(W.people)} likes ${pick(W.topics)} and asked about the ${pick(W.things)}`,
  () => `Note on ${pick(W.topics)}: the ${pick(W.things)} needs a ${pick(W.adj)} ${pick(W.things)} before ${pick(W.places)}`,
  () => `Trip to ${pick(W.places)} with ${pick(W.people)}: ${pick(W.verbs)} a ${pick(W.adj)} ${pick(W.things)} and talked about ${pick(W.topics)}`,
  () => `I prefer ${pick(W.adj)} ${pick(W.things)} for ${pick(W.topics)}, not the ${pick(W.adj)} one`,
  () => `Q: what about the ${pick(W.things)} in ${pick(W.places)}?\nA: ${pick(W.people)} ${pick(W.verbs)} it; next step is the ${pick(W.adj)} ${pick(W.things)}`,
];
const KINDS = ["fact", "preference", "event", "episode", "note", "action"] as const;

// ---- a full Telos -----------------------------------------------------------------------------------
const p = paths(home);
initUser({ name: "Ada", paths: p, openDatabase });
const FILES: [string, string, string][] = [
  ["mission", "M", "shareable"],
  ["goals", "G", "private"],
  ["projects", "P", "shareable"],
  ["beliefs", "B", "private"],
  ["models", "MO", "shareable"],
  ["strategies", "S", "shareable"],
  ["narratives", "N", "private"],
  ["learned", "L", "shareable"],
  ["challenges", "C", "private"],
  ["ideas", "I", "shareable"],
];
for (const [name, prefix, vis] of FILES) {
  const n = name === "mission" ? 3 : 15;
  const lines = Array.from({ length: n }, (_, i) => {
    const link = prefix === "G" ? " (supports: M1)" : prefix === "P" ? ` (serves: G${1 + (i % 15)})` : "";
    return `- ${prefix}${i + 1}: ${templates[i % templates.length]!().replace(/\n/g, " ")} — about ${pick(W.topics)} and ${pick(W.topics)}${link}`;
  });
  writeFileSync(join(p.telos, `${name}.md`), `---\ntitle: ${name}\nupdated: 2026-01-01\nvisibility: ${vis}\n---\n\n# ${name}\n\n${lines.join("\n")}\n`);
}
writeFileSync(
  p.preferences,
  `---\ntitle: Preferences\nupdated: 2026-01-01\nvisibility: shareable\n---\n\n${Array.from({ length: 12 }, () => `- I prefer ${pick(W.adj)} answers about ${pick(W.topics)}`).join("\n")}\n`,
);

// ---- 100k memories ----------------------------------------------------------------------------------
const config = loadConfig(p.config);
const db = openDatabase(p.db);
const mem = openMemory(db, config);
const now = Date.now();
const t0 = performance.now();
for (let i = 0; i < ITEMS; i += 5000) {
  const batch = Array.from({ length: Math.min(5000, ITEMS - i) }, (_, j) => ({
    content: `${templates[(i + j) % templates.length]!()} #${i + j}`,
    kind: KINDS[Math.floor(rnd() * KINDS.length)]!,
    createdAt: new Date(now - Math.floor(rnd() * 3 * 365 * 86_400_000)),
    visibility: rnd() < 0.5 ? ("shareable" as const) : ("private" as const),
    pinned: i + j < 10,
  }));
  mem.rememberMany(batch, { dedup: false });
}
const insertS = (performance.now() - t0) / 1000;
mem.maintain();
const stats = mem.stats();

const shapes: [string, () => string][] = [
  ["this week", () => `what should I focus on this week about ${pick(W.topics)}?`],
  ["did in place", () => `what did I ${pick(W.verbs)} in ${pick(W.places)}?`],
  ["when did", () => `when did ${pick(W.people)} talk about the ${pick(W.things)}`],
  ["one word", () => `${pick(W.places)}`],
  ["plan", () => `help me plan the ${pick(W.adj)} ${pick(W.things)} for ${pick(W.topics)}`],
  ["or", () => `does ${pick(W.people)} like ${pick(W.topics)} or ${pick(W.topics)}?`],
  ["no match", () => `summarise my projects`],
  ["syntax", () => `"${pick(W.things)}" and (${pick(W.places)}) -- ${pick(W.topics)}*`],
];
const questions = Array.from({ length: QUESTIONS }, (_, i) => shapes[i % shapes.length]![1]());

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * q) / 100))]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`pai context benchmark — ${stats.total} memories (hot ${stats.byTier.hot}, warm ${stats.byTier.warm}, cold ${stats.byTier.cold}), full Telos, budget ${config.context.budget} tokens`);
console.log(`  inserted ${ITEMS} items through rememberMany in ${insertS.toFixed(1)} s`);
for (const audience of ["local", "cloud"] as const) {
  for (const q of questions.slice(0, 10)) (await assembleContextFirst({ query: q, audience, db, config, paths: p })).recordUse();
  const p50s: number[] = [];
  const p95s: number[] = [];
  const useP50s: number[] = [];
  const bothP50s: number[] = [];
  const byShape: number[][] = shapes.map(() => []);
  const tokens: number[] = [];
  let over = 0;
  let memIds = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const times: number[] = [];
    const uses: number[] = [];
    const both: number[] = [];
    for (const [i, q] of questions.entries()) {
      const s = performance.now();
      const { context: ctx, recordUse } = await assembleContextFirst({ query: q, audience, db, config, paths: p });
      const assembled = performance.now();
      recordUse();
      const e = performance.now();
      times.push(assembled - s);
      uses.push(e - assembled);
      both.push(e - s);
      byShape[i % shapes.length]!.push(assembled - s);
      if (round === 0) {
        tokens.push(ctx.tokens);
        memIds += ctx.memoryIds.length;
        if (ctx.tokens > config.context.budget) over++;
      }
    }
    for (const xs of [times, uses, both]) xs.sort((a, b) => a - b);
    p50s.push(pct(times, 50));
    p95s.push(pct(times, 95));
    useP50s.push(pct(uses, 50));
    bothP50s.push(pct(both, 50));
  }
  tokens.sort((a, b) => a - b);
  const p50 = median(p50s);
  console.log(
    `  ${audience.padEnd(5)}  p50 ${p50.toFixed(2)} ms  p95 ${median(p95s).toFixed(2)} ms  (${QUESTIONS} questions × ${ROUNDS} rounds)  ` +
      `tokens min ${tokens[0]} / median ${median(tokens)} / max ${tokens[tokens.length - 1]}  over budget: ${over}  ` +
      `memories per context ${(memIds / QUESTIONS).toFixed(1)}  ${p50 <= TARGET_MS ? `✓ p50 ≤ ${TARGET_MS} ms` : `✗ p50 > ${TARGET_MS} ms`} (target ${TARGET_MS} ms at 100k)`,
  );
  console.log(`         after the request: warming the used memories p50 ${median(useP50s).toFixed(2)} ms; assembly and warming together p50 ${median(bothP50s).toFixed(2)} ms`);
  console.log(`         assembly by shape of question (median): ${shapes.map(([name], i) => `${name} ${median(byShape[i]!).toFixed(1)}`).join(", ")}`);
}
db.close();
rmSync(home, { recursive: true, force: true });
