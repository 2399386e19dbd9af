/**
 * Context recall benchmark: a simulated year of daily use in a fresh PAI_HOME, through the code paths of the
 * CLI, and whether what the user told pai reaches the context a model would be sent.
 *
 * The home is initialised by the real CLI (`pai init`, `pai pack install journal --yes`); the rest runs in
 * this process through the functions the commands call: `remember` as `pai remember` does (150 durable facts
 * and preferences, scripts/data/context-recall-facts.ts, told at random moments of the year), `ask()` as
 * `pai ask` does (3–8 ordinary questions a day, answered by a loopback Ollama with 300–2,000 characters),
 * each exchange then learned from by `learnPending` as the background `pai learn` does (extraction requests
 * get an empty list, so learning neither helps nor hurts), `runPackCommand` as `pai run`
 * does (journal:write and journal:today a few times a day), `runJobNow` as `pai jobs run` does (a job that
 * remembers and one that runs journal:today), and `edit` as `pai memory edit` does (six facts corrected).
 * The clock is simulated: Date is replaced in this process, so every "now" of pai's code is the year's.
 *
 * Every --every days (default 30) and on the last day, for every fact told so far, a question whose answer is
 * that fact (worded differently) is put to assembleContext at the default budget, for a local and for a cloud
 * audience, on a copy of the database (probing touches nothing the year goes on with). A fact is recalled
 * when its memory item is in the context. Private facts count for local only; for cloud, a private fact in the
 * context is a leak. Printed: recall per checkpoint, overall, by the fact's age and by area and kind; the share
 * of the budget spent on episodes and on actions; whether every context kept to the budget; the run time.
 * Target: recall ≥ 95 % at every checkpoint, within the budget.
 *
 *   npx bun scripts/bench-context-recall.ts
 *   npx bun scripts/bench-context-recall.ts --days 120 --every 15 --seed 7
 *   npx bun scripts/bench-context-recall.ts --misses          # also list the last checkpoint's misses
 *   npx bun scripts/bench-context-recall.ts --embed-from http://127.0.0.1:11434 [--embed-model nomic-embed-text]
 *
 * Without --embed-from, search is lexical (the loopback model has no embeddings). With it, embedding requests go
 * to that real Ollama (answers still come from the loopback model), the backlog is embedded before every
 * checkpoint as the daemon would, and the context's search ranks by meaning too.
 */
import { spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FACTS, type RecallFact } from "./data/context-recall-facts.ts";

const wallStart = performance.now();
const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
/** Days simulated (365: a year). Fewer days scale the run down; the output says so. */
const DAYS = Math.max(1, Math.min(730, arg("--days", 365)));
/** Days between checkpoints. */
const EVERY = Math.max(1, arg("--every", 30));
const SEED = arg("--seed", 42);
const KEEP = args.includes("--keep");
/** --misses: list the facts missed at the last checkpoint, with their questions. */
const SHOW_MISSES = args.includes("--misses");
/** --embed-from URL: a real Ollama that embeds (its model pulled); --embed-model: which model. */
const EMBED_FROM = args.includes("--embed-from") ? args[args.indexOf("--embed-from") + 1]!.replace(/\/+$/, "") : undefined;
const EMBED_MODEL = args.includes("--embed-model") ? args[args.indexOf("--embed-model") + 1]! : "nomic-embed-text";

const ROOT = resolve(import.meta.dir, "..");
const DAY_MS = 86_400_000;
/** The simulated year starts on a Monday at 07:00 UTC. */
const START = Date.parse("2027-01-04T07:00:00.000Z");

// ---- deterministic randomness ------------------------------------------------------------------------------
let seed = SEED >>> 0 || 1;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 4294967296);
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;

// ---- a fresh home, initialised by the real CLI --------------------------------------------------------------
const home = mkdtempSync(join(tmpdir(), "pai-bench-recall-"));
process.env.PAI_HOME = home;
function cli(...argv: string[]): void {
  const r = spawnSync(join(ROOT, "node_modules/.bin/bun"), [join(ROOT, "src/cli/main.ts"), ...argv], {
    cwd: ROOT,
    env: { ...process.env, PAI_HOME: home, NO_COLOR: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.status !== 0) throw new Error(`pai ${argv.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
}
cli("init", "--name", "Ada");
cli("pack", "install", "journal", "--yes");
if (EMBED_FROM) cli("config", "set", "ollama.embedModel", EMBED_MODEL);

// ---- a loopback Ollama --------------------------------------------------------------------------------------
const SENTENCES = [
  "Start with the part that matters most this week and leave the rest for later.",
  "A simple way to do it is to split the work into three short steps and check each one before moving on.",
  "If you have twenty minutes, the quickest option is to prepare everything the evening before.",
  "Most people find that the second approach is easier to keep up over several months.",
  "The main trade-off is time against cost: the faster route is usually the more expensive one.",
  "You could also ask someone who has done it before; a short conversation often saves an afternoon.",
  "Keep a note of what worked so that next time you can repeat it without thinking.",
  "For the recipe, brown the onions slowly, add the rice, then the stock a ladle at a time.",
  "In TypeScript, a discriminated union makes the compiler check that every case is handled.",
  "The train is usually the better choice for short trips: no security queue and you arrive in the centre.",
  "A good rule of thumb is to review it once a week and adjust rather than plan everything up front.",
  "Sleep, water and a short walk will do more for your focus than another cup of coffee.",
  "When the error only appears in production, compare the environment variables and the versions first.",
  "Break the article into sections with clear headings and put the conclusion at the top.",
  "The museum is closed on Mondays, so Tuesday morning is the quietest time to go.",
  "Interest compounds, so starting small and early beats starting large and late.",
  "Write the test first: it tells you when you are done and stops the change from growing.",
  "Ask for the decision in writing so that nobody has to remember who agreed to what.",
  "Stretch for five minutes before and after; it is the part people skip and regret.",
  "A checklist on paper by the door is the simplest reminder that actually works.",
];
function answerText(): string {
  const target = int(300, 2000);
  let out = "";
  while (out.length < target) {
    const para = Array.from({ length: int(2, 5) }, () => pick(SENTENCES)).join(" ");
    out += (out ? "\n\n" : "") + para;
  }
  return out.slice(0, target).trimEnd();
}

async function body(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const t = Buffer.concat(chunks).toString("utf8");
  try {
    return t ? JSON.parse(t) : undefined;
  } catch {
    return undefined;
  }
}
function json(res: ServerResponse, status: number, data: unknown): void {
  const t = JSON.stringify(data);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(t) });
  res.end(t);
}
/** Learning's requests (extraction and the add/update decision) ask for JSON: they get an empty list. */
function isJsonRequest(b: any): boolean {
  const system = (b?.messages ?? []).filter((m: any) => m.role === "system").map((m: any) => String(m.content)).join("\n");
  return b?.format !== undefined || /extract durable facts|Answer with JSON only/i.test(system);
}
function replyFor(b: any): string {
  if (!isJsonRequest(b)) return answerText();
  const system = (b?.messages ?? []).map((m: any) => String(m.content)).join("\n");
  return /"decisions"/.test(system) ? '{"decisions": []}' : '{"items": []}';
}
const modelCalls = { answer: 0, json: 0 };
const server = createServer(async (req, res) => {
  const path = (req.url ?? "/").split("?")[0]!;
  const b = req.method === "POST" ? await body(req) : undefined;
  if (req.method === "GET" && path === "/api/version") return json(res, 200, { version: "0.12.6" });
  if (req.method === "GET" && path === "/api/tags") return json(res, 200, { models: [{ name: "llama3.2:latest", model: "llama3.2:latest" }, { name: "nomic-embed-text:latest", model: "nomic-embed-text:latest" }] });
  if (EMBED_FROM && (path === "/api/embed" || path === "/api/show")) {
    const r = await fetch(`${EMBED_FROM}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
    res.writeHead(r.status, { "content-type": "application/json" });
    return res.end(await r.text());
  }
  if (path === "/api/embed") {
    const input: string[] = Array.isArray(b?.input) ? b.input : [String(b?.input ?? "")];
    return json(res, 200, { model: b?.model, embeddings: input.map(() => Array.from({ length: 8 }, (_, i) => (i === 0 ? 1 : 0))) });
  }
  if (path !== "/api/chat") return json(res, 404, { error: "not found" });
  if (isJsonRequest(b)) modelCalls.json++;
  else modelCalls.answer++;
  const content = replyFor(b);
  const at = new Date().toISOString();
  const final = { model: b.model, created_at: at, message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: Math.ceil(JSON.stringify(b.messages ?? []).length / 4), eval_count: Math.ceil(content.length / 4) };
  if (b.stream === false) return json(res, 200, { ...final, message: { role: "assistant", content } });
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  for (let i = 0; i < content.length; i += 120) res.write(`${JSON.stringify({ model: b.model, created_at: at, message: { role: "assistant", content: content.slice(i, i + 120) }, done: false })}\n`);
  res.end(`${JSON.stringify(final)}\n`);
});
await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
const port = (server.address() as { port: number }).port;
process.env.OLLAMA_HOST = `http://127.0.0.1:${port}`;

// ---- the simulated clock: every Date of this process reads it -----------------------------------------------
const RealDate = Date;
let simNow = START;
class SimDate extends RealDate {
  constructor(...a: unknown[]) {
    if (a.length === 0) super(simNow);
    else super(...(a as [string]));
  }
  static override now(): number {
    return simNow;
  }
}
globalThis.Date = SimDate as DateConstructor;

const { withHome } = await import("../src/app/home.ts");
const { openDatabase } = await import("../src/app/db.ts");
const { openMemory } = await import("../src/memory/index.ts");
const { ask } = await import("../src/conversation/ask.ts");
const { learnPending } = await import("../src/conversation/learner.ts");
const { embedBacklog } = await import("../src/context/embed.ts");
const { assembleContext, renderItem } = await import("../src/context/index.ts");
const { runPackCommand } = await import("../src/packs/index.ts");
const { addJob, runJobNow } = await import("../src/automation/jobs/index.ts");
const { Secrets } = await import("../src/kernel/secrets.ts");

// ---- the year's events --------------------------------------------------------------------------------------
const QUESTIONS = [
  "How do I make a good mushroom risotto?",
  "Explain the difference between TCP and UDP.",
  "What should I focus on this week?",
  "Give me three ideas for a rainy Sunday afternoon.",
  "How do I undo the last git commit but keep the changes?",
  "What's a good stretching routine after a long run?",
  "Can you summarise the main causes of the French Revolution?",
  "How long should I boil an egg for a runny yolk?",
  "Write a polite reply declining a meeting invitation.",
  "What is the best way to learn kanji?",
  "How do I set up a cron job that runs every weekday at 8?",
  "What are good questions to ask in a job interview as the interviewer?",
  "How can I make my sourdough starter more active?",
  "Suggest a weekend itinerary for Turin.",
  "What's the difference between an index fund and an ETF?",
  "How do I remove a red wine stain from a shirt?",
  "Explain idempotency keys in HTTP APIs.",
  "How many minutes of exercise a week are recommended?",
  "What should I pack for a three-day hiking trip?",
  "Help me plan a birthday dinner for six people.",
  "How do Postgres logical replication slots work?",
  "What are some good science fiction novels from the last five years?",
  "How do I write a good commit message?",
  "How can I fall asleep faster?",
  "What's a fair way to split chores in a shared flat?",
  "Explain the CAP theorem in simple terms.",
  "What should I check before buying a second-hand bike?",
  "Draft a short agenda for a one-hour planning meeting.",
  "How do I repot a plant without hurting the roots?",
  "What is a good warm-up before bouldering?",
  "How do I keep a to-do list from growing forever?",
  "What are the symptoms of burnout?",
  "Recommend a simple vegetarian curry.",
  "How do I read a Kubernetes pod's logs from the previous crash?",
  "What's the etiquette for tipping in Japan?",
  "How should I prepare for a conference talk?",
  "What's the quickest way to learn basic Italian phrases?",
  "How do I negotiate a raise?",
  "Write a haiku about autumn rain.",
  "What's the difference between baking soda and baking powder?",
];
const JOURNAL = [
  "Long day; fixed the flaky integration test and went for a walk.",
  "Quiet morning, good focus on the migration plan.",
  "Dinner with friends, too much dessert.",
  "Rainy; stayed in and read.",
  "Reviewed three pull requests and cleared the inbox.",
  "Felt tired, went to bed early.",
  "Tried a new bread recipe, it came out dense.",
  "Great run along the river.",
];

type Ev = { at: number; order: number; type: "fact" | "ask" | "write" | "today" | "job-remember" | "job-pack" | "correct"; fact?: number; text?: string };
const events: Ev[] = [];
let order = 0;
const dayStart = (d: number) => START - 7 * 3_600_000 + d * DAY_MS; // midnight UTC of day d
const at = (d: number, h0: number, h1: number) => dayStart(d) + Math.floor((h0 + rnd() * (h1 - h0)) * 3_600_000);
// Facts: told on days drawn at random over the year.
const toldDay = FACTS.map(() => Math.floor(rnd() * DAYS));
FACTS.forEach((f, i) => events.push({ at: at(toldDay[i]!, 8, 22), order: order++, type: "fact", fact: i }));
// Corrections: some time after the fact was told.
FACTS.forEach((f, i) => {
  if (!f.correction) return;
  const d = Math.min(DAYS - 1, toldDay[i]! + int(10, 90));
  if (d > toldDay[i]!) events.push({ at: at(d, 8, 22), order: order++, type: "correct", fact: i });
});
for (let d = 0; d < DAYS; d++) {
  for (let k = int(3, 8); k > 0; k--) events.push({ at: at(d, 7, 23), order: order++, type: "ask", text: pick(QUESTIONS) });
  for (let k = int(1, 2); k > 0; k--) events.push({ at: at(d, 18, 23), order: order++, type: "write", text: pick(JOURNAL) });
  if (rnd() < 0.6) events.push({ at: at(d, 7, 10), order: order++, type: "today" });
  for (let k = int(1, 3); k > 0; k--) events.push({ at: at(d, 6, 22), order: order++, type: "job-remember" });
  events.push({ at: at(d, 6, 8), order: order++, type: "job-pack" });
}
events.sort((a, b) => a.at - b.at || a.order - b.order);
const checkpoints: number[] = [];
for (let d = EVERY; d < DAYS; d += EVERY) checkpoints.push(d);
checkpoints.push(DAYS);

// ---- measuring ----------------------------------------------------------------------------------------------
interface Probe {
  day: number;
  fact: number;
  ageDays: number;
  local: boolean;
  cloud?: boolean; // shareable facts only
  leaked?: boolean; // private facts: in the cloud context
  /** Local misses: whether memory search ranked the fact among its first 12 hits for the question. */
  searchFound?: boolean;
}
interface Spend {
  tokens: number;
  episode: number;
  action: number;
  over: boolean;
}
const probes: Probe[] = [];
const spends: { local: Spend[]; cloud: Spend[] } = { local: [], cloud: [] };
const perCheckpoint: { day: number; told: number; local: number; localN: number; cloud: number; cloudN: number; leaks: number; maxTokens: number; hot: number; items: number }[] = [];
const memId: (number | undefined)[] = FACTS.map(() => undefined);
const toldAt: number[] = FACTS.map(() => 0);
let probeMs = 0;
let probeCount = 0;

async function checkpoint(day: number, h: { db: any; config: any; paths: any }): Promise<void> {
  const t0 = performance.now();
  // Probe a copy: assembling a context touches what it matched, and probing must not change the year.
  const copy = join(home, `probe-${day}.db`);
  h.db.exec(`VACUUM INTO '${copy}'`);
  const db = openDatabase(copy);
  const config = { ...h.config, memory: { ...h.config.memory, incognito: true } };
  const mem = openMemory(db, config);
  const kindOf = new Map<number, string>();
  const kind = (id: number) => {
    if (!kindOf.has(id)) kindOf.set(id, mem.get(id)?.kind ?? "?");
    return kindOf.get(id)!;
  };
  const row = { day, told: 0, local: 0, localN: 0, cloud: 0, cloudN: 0, leaks: 0, maxTokens: 0, hot: mem.hot().length, items: mem.stats().total };
  for (let i = 0; i < FACTS.length; i++) {
    const id = memId[i];
    if (id === undefined) continue;
    const f = FACTS[i]!;
    row.told++;
    const p: Probe = { day, fact: i, ageDays: (simNow - toldAt[i]!) / DAY_MS, local: false };
    for (const audience of ["local", "cloud"] as const) {
      const ctx = await assembleContext({ query: f.question, audience, db, config, paths: h.paths });
      probeCount++;
      const spend: Spend = { tokens: ctx.tokens, episode: 0, action: 0, over: ctx.tokens > ctx.budget };
      for (const s of ctx.sections) {
        for (const it of s.items) {
          if (it.memoryId === undefined) continue;
          const k = kind(it.memoryId);
          const chars = renderItem(it).length + 1;
          if (k === "episode") spend.episode += chars / 4 / ctx.budget;
          if (k === "action") spend.action += chars / 4 / ctx.budget;
        }
      }
      spends[audience].push(spend);
      row.maxTokens = Math.max(row.maxTokens, ctx.tokens);
      const inCtx = ctx.memoryIds.includes(id);
      if (audience === "local") {
        p.local = inCtx;
        row.localN++;
        if (inCtx) row.local++;
        else p.searchFound = mem.search(f.question, { limit: 12 }).some((hit) => hit.id === id);
      } else if (f.private) {
        p.leaked = inCtx;
        if (inCtx) row.leaks++;
      } else {
        p.cloud = inCtx;
        row.cloudN++;
        if (inCtx) row.cloud++;
      }
    }
    probes.push(p);
  }
  db.close();
  rmSync(copy, { force: true });
  for (const ext of ["-wal", "-shm"]) rmSync(copy + ext, { force: true });
  perCheckpoint.push(row);
  probeMs += performance.now() - t0;
  printRow(row);
}

function printRow(r: (typeof perCheckpoint)[number]): void {
  console.log(
    `  ${String(r.day).padStart(3)}  ${String(r.told).padStart(4)}  ${String(r.items).padStart(5)}  ${String(r.hot).padStart(3)}   ${pct(r.local, r.localN)} (${String(r.local).padStart(3)}/${String(r.localN).padEnd(3)})   ${pct(r.cloud, r.cloudN)} (${String(r.cloud).padStart(3)}/${String(r.cloudN).padEnd(3)})   ${String(r.leaks).padStart(3)}               ${r.maxTokens}`,
  );
}

// ---- the year ------------------------------------------------------------------------------------------------
const counts = { facts: 0, asks: 0, packRuns: 0, jobFirings: 0, corrections: 0, learned: 0, errors: 0 };
const errors = new Map<string, number>();
const err = (what: string, e: unknown) => {
  counts.errors++;
  const key = `${what}: ${(e as Error)?.message ?? String(e)}`.slice(0, 160);
  errors.set(key, (errors.get(key) ?? 0) + 1);
};
let finalStats: { total: number; byKind: Record<string, number>; hot: number } | undefined;
const pct = (a: number, n: number) => (n ? `${((100 * a) / n).toFixed(1)} %`.padStart(7) : "    —  ");
const scaled = DAYS !== 365 ? ` (scaled: ${DAYS} days instead of 365)` : "";
console.log(`pai context recall benchmark — ${DAYS} simulated days${scaled}, seed ${SEED}, checkpoint every ${EVERY} days, default budget`);
console.log(`  search: ${EMBED_FROM ? `words and meaning (${EMBED_MODEL} at ${EMBED_FROM})` : "words only (no embedding model)"}`);
console.log("  day  told  items  hot   local recall        cloud recall        private in cloud  max tokens");
const cpuStart = process.cpuUsage();
const simStart = performance.now();
await withHome(async (h) => {
  const secrets = new Secrets();
  addJob(h, secrets, "inbox-check", { manual: true, action: "remember", text: "Checked the inbox: nothing urgent" } as never);
  addJob(h, secrets, "morning-journal", { manual: true, action: "pack", command: "journal:today" } as never);
  const mem = openMemory(h.db, h.config);
  let next = 0;
  for (const ev of events) {
    const day = Math.floor((ev.at - dayStart(0)) / DAY_MS);
    while (next < checkpoints.length && day >= checkpoints[next]!) {
      simNow = dayStart(checkpoints[next]!) - 60_000; // the evening before the checkpoint day: all of it done
      if (EMBED_FROM) await embedBacklog({ db: h.db, config: h.config });
      await checkpoint(checkpoints[next]!, h);
      next++;
    }
    simNow = ev.at;
    try {
      switch (ev.type) {
        case "fact": {
          const f = FACTS[ev.fact!]!;
          const r = mem.remember({ content: f.text, kind: f.kind, pinned: false, visibility: f.private ? "private" : "shareable", source: "pai remember" });
          memId[ev.fact!] = r.item.id;
          toldAt[ev.fact!] = simNow;
          counts.facts++;
          break;
        }
        case "correct": {
          const f = FACTS[ev.fact!]!;
          const id = memId[ev.fact!];
          if (id === undefined) break;
          memId[ev.fact!] = mem.edit(id, f.correction!).id;
          counts.corrections++;
          break;
        }
        case "ask": {
          const r = await ask(ev.text!, { paths: h.paths, config: h.config, db: h.db });
          counts.asks++;
          if (r.learning === "pending") counts.learned += (await learnPending({ db: h.db, config: h.config })).learnedIds.length;
          break;
        }
        case "write":
        case "today": {
          const r = await runPackCommand(
            { pack: "journal", command: ev.type },
            ev.type === "write" ? { args: [], text: ev.text } : { args: [] },
            { paths: h.paths, config: h.config, db: h.db, origin: "cli" },
          );
          if (!r.ok) throw r.error ?? new Error("pack run failed");
          counts.packRuns++;
          break;
        }
        case "job-remember":
        case "job-pack": {
          const r = await runJobNow(h, secrets, ev.type === "job-remember" ? "inbox-check" : "morning-journal");
          if (r.status !== "ok") throw new Error(`job ${r.status}${r.error ? `: ${r.error}` : ""}`);
          counts.jobFirings++;
          break;
        }
      }
    } catch (e) {
      err(ev.type, e);
    }
  }
  while (next < checkpoints.length) {
    simNow = dayStart(checkpoints[next]!) - 60_000;
    if (EMBED_FROM) await embedBacklog({ db: h.db, config: h.config });
    await checkpoint(checkpoints[next]!, h);
    next++;
  }
  const st = openMemory(h.db, h.config).stats();
  finalStats = { total: st.total, byKind: st.byKind as Record<string, number>, hot: st.byTier.hot };
});
const simS = (performance.now() - simStart - probeMs) / 1000;
globalThis.Date = RealDate;
server.close();

// ---- report --------------------------------------------------------------------------------------------------
const rate = (ps: Probe[], key: "local" | "cloud") => {
  const xs = ps.filter((p) => p[key] !== undefined);
  return { hit: xs.filter((p) => p[key]).length, n: xs.length };
};
const line = (label: string, ps: Probe[]) => {
  const l = rate(ps, "local");
  const c = rate(ps, "cloud");
  const leaks = ps.filter((p) => p.leaked).length;
  const priv = ps.filter((p) => p.leaked !== undefined).length;
  return `  ${label.padEnd(22)} local ${pct(l.hit, l.n)} (${String(l.hit).padStart(4)}/${String(l.n).padEnd(4)})   cloud ${pct(c.hit, c.n)} (${String(c.hit).padStart(4)}/${String(c.n).padEnd(4)})   private in cloud ${leaks}/${priv}`;
};
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);

console.log(
  `  the year: ${counts.facts} facts told, ${counts.asks} questions asked, ${counts.packRuns} pack runs, ${counts.jobFirings} job firings, ${counts.corrections} corrections; ` +
    `model calls ${modelCalls.answer} answers + ${modelCalls.json} learning (${counts.learned} items learned)`,
);
if (finalStats) console.log(`  memory at the end: ${finalStats.total} items (${Object.entries(finalStats.byKind).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(", ")}), hot ${finalStats.hot}`);
if (counts.errors) {
  console.log(`  ${counts.errors} event(s) failed:`);
  for (const [k, n] of errors) console.log(`    ${n} × ${k}`);
}
console.log("");
console.log("  recall overall (every fact at every checkpoint):");
console.log(line("all", probes));
console.log("  by the fact's age:");
const ages: [string, number, number][] = [["< 1 week", 0, 7], ["1 week – 1 month", 7, 30], ["1 – 3 months", 30, 91], ["3 months or more", 91, Infinity]];
for (const [label, lo, hi] of ages) console.log(line(label, probes.filter((p) => p.ageDays >= lo && p.ageDays < hi)));
console.log("  by area and kind:");
for (const area of ["people", "health", "places", "work", "habits"] as RecallFact["area"][]) console.log(line(area, probes.filter((p) => FACTS[p.fact]!.area === area)));
for (const kind of ["fact", "preference"] as const) console.log(line(kind, probes.filter((p) => FACTS[p.fact]!.kind === kind)));
console.log(line("corrected facts", probes.filter((p) => FACTS[p.fact]!.correction)));
const misses = probes.filter((p) => !p.local);
const found = misses.filter((p) => p.searchFound).length;
console.log(
  `  local misses: ${misses.length}; ${misses.length - found} not among memory search's first 12 hits for the question, ` +
    `${found} among them but left out of the context`,
);
if (SHOW_MISSES) {
  const last = probes.filter((p) => p.day === DAYS && !p.local);
  console.log(`  missed on day ${DAYS} (local):`);
  for (const p of last) console.log(`    ${p.searchFound ? "matched" : "unmatched"}  ${FACTS[p.fact]!.question}  →  ${FACTS[p.fact]!.text}`);
}
console.log("");
const worst = perCheckpoint.reduce((w, r) => Math.min(w, r.localN ? r.local / r.localN : 1, r.cloudN ? r.cloud / r.cloudN : 1), 1);
for (const audience of ["local", "cloud"] as const) {
  const s = spends[audience];
  console.log(
    `  ${audience.padEnd(5)} budget spent on episodes ${(100 * mean(s.map((x) => x.episode))).toFixed(1)} % (max ${(100 * max(s.map((x) => x.episode))).toFixed(1)} %), ` +
      `on actions ${(100 * mean(s.map((x) => x.action))).toFixed(1)} % (max ${(100 * max(s.map((x) => x.action))).toFixed(1)} %); ` +
      `tokens median ${[...s.map((x) => x.tokens)].sort((a, b) => a - b)[Math.floor(s.length / 2)] ?? 0}, max ${max(s.map((x) => x.tokens))}; over budget ${s.filter((x) => x.over).length}/${s.length}`,
  );
}
const overAll = [...spends.local, ...spends.cloud].filter((x) => x.over).length;
console.log(
  `  worst checkpoint recall ${(100 * worst).toFixed(1)} %  ${worst >= 0.95 ? "✓" : "✗"} ≥ 95 % at every checkpoint;  ${overAll === 0 ? "✓ budget respected" : `✗ ${overAll} contexts over budget`}`,
);
const totalS = (performance.now() - wallStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
console.log(`  run time ${totalS.toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (the year ${simS.toFixed(1)} s, ${probeCount} probe contexts ${(probeMs / 1000).toFixed(1)} s, set-up ${(totalS - simS - probeMs / 1000).toFixed(1)} s)`);
if (KEEP) console.log(`  home kept at ${home}`);
else rmSync(home, { recursive: true, force: true });
