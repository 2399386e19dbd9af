/**
 * LoCoMo retrieval benchmark (../shared/bench/locomo-dev.json; see its README for the format and metric).
 * For each conversation: a fresh store; every turn imported as one memory through the same code path as
 * `pai memory import` (a JSON Lines file: content = speaker, text and photo caption; created_at = the
 * session's date; source = the dia_id; with `--plain` no kind, else kind episode); then every question with
 * evidence is searched and recall@5 and recall@10 are computed per category, per conversation and overall,
 * beside plain BM25 with the Porter stemmer over the same memories (FTS5's bm25 on the text alone).
 *
 * Then leave-one-conversation-out: for each conversation, the ranking settings (search.ts RANKING) that do best
 * on the other conversations, from a grid around the stated defaults, scored on the one left out.
 *
 *   npx bun scripts/bench-locomo.ts [--data PATH] [--plain] [--no-loo] [--verbose]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { configSchema } from "../src/config/schema.ts";
import { openMemory, type MemoryItem, type MemoryStore } from "../src/memory/index.ts";
import { RANKING } from "../src/memory/search.ts";
import { matchExpression, queryTerms } from "../src/memory/text.ts";
import { importJsonlFile } from "../src/memory/io/jsonl.ts";
import { openDatabase } from "../src/app/db.ts";

const args = process.argv.slice(2);
const dataPath = args.includes("--data")
  ? resolve(args[args.indexOf("--data") + 1]!)
  : resolve(import.meta.dirname, "../../shared/bench/locomo-dev.json");
const verbose = args.includes("--verbose");
const plain = args.includes("--plain");
const loo = !args.includes("--no-loo");
if (!existsSync(dataPath)) {
  console.error(`bench-locomo: ${dataPath} not found — pass --data PATH`);
  process.exit(3);
}

interface Turn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}
interface Qa {
  question: string;
  evidence?: string[];
  category: number;
}
interface Sample {
  sample_id: string;
  conversation: Record<string, unknown>;
  qa: Qa[];
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** "1:56 pm on 8 May, 2023" → ISO 8601 (UTC). */
function sessionDate(text: string): string {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(text);
  if (!m) throw new Error(`unparsed session date: ${text}`);
  let h = Number(m[1]) % 12;
  if (m[3]!.toLowerCase() === "pm") h += 12;
  const month = MONTHS.indexOf(m[5]!.toLowerCase());
  return new Date(Date.UTC(Number(m[6]), month, Number(m[4]), h, Number(m[2]))).toISOString();
}

/** Evidence ids as the README says: split on ';', normalise "D:11:26" and "D30:05". */
function evidenceIds(ev: string[]): string[] {
  const out: string[] = [];
  for (const e of ev) {
    for (const part of e.split(";")) {
      const m = /D:?(\d+):0*(\d+)/.exec(part.trim());
      if (m) out.push(`D${Number(m[1])}:${Number(m[2])}`);
    }
  }
  return [...new Set(out)];
}

const data = JSON.parse(readFileSync(dataPath, "utf8")) as Sample[];
const config = configSchema.parse({});
const NAMES: Record<number, string> = { 1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial" };
type Tally = { n: number; r5: number; r10: number };
const tally = (): Tally => ({ n: 0, r5: 0, r10: 0 });
const add = (t: Tally, r5: number, r10: number) => {
  t.n++;
  t.r5 += r5;
  t.r10 += r10;
};
const f3 = (x: number) => x.toFixed(3);

interface Conv {
  id: string;
  store: MemoryStore;
  close: () => void;
  questions: { q: string; ev: string[]; cat: number }[];
}

/** Imports one conversation into a fresh store. */
async function openConv(sample: Sample): Promise<Conv> {
  const dir = mkdtempSync(join(tmpdir(), "pai-locomo-"));
  const conv = sample.conversation;
  const lines: string[] = [];
  for (let s = 1; conv[`session_${s}`] !== undefined || conv[`session_${s + 1}`] !== undefined; s++) {
    const turns = conv[`session_${s}`] as Turn[] | undefined;
    if (!turns) continue;
    const date = sessionDate(String(conv[`session_${s}_date_time`]));
    for (const t of turns) {
      const caption = t.blip_caption ? ` [shares a photo: ${t.blip_caption}]` : "";
      lines.push(JSON.stringify({ content: `${t.speaker}: ${t.text}${caption}`, created_at: date, source: t.dia_id, ...(plain ? {} : { kind: "episode" }) }));
    }
  }
  const file = join(dir, "turns.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  const db = openDatabase(join(dir, "pai.db"));
  const store = openMemory(db, config);
  await importJsonlFile(store, file, {});
  db.exec(`CREATE VIRTUAL TABLE bench_plain USING fts5(content, tokenize = 'porter unicode61 remove_diacritics 2');
           INSERT INTO bench_plain (rowid, content) SELECT id, content FROM memory_items;`);
  const questions = sample.qa.map((qa) => ({ q: qa.question, ev: evidenceIds(qa.evidence ?? []), cat: qa.category })).filter((x) => x.ev.length);
  return {
    id: sample.sample_id,
    store,
    questions,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sourcesOf = (m: MemoryItem): string[] => [m.source ?? "", ...((m.meta.alsoFrom as string[] | undefined) ?? [])];

/** Recall@5 and @10 of a ranked list of sources. */
function recall(ranked: string[][], ev: string[]): [number, number] {
  const rankOf = new Map<string, number>();
  ranked.forEach((srcs, i) => {
    for (const s of srcs) if (!rankOf.has(s)) rankOf.set(s, i);
  });
  return [ev.filter((e) => (rankOf.get(e) ?? 99) < 5).length / ev.length, ev.filter((e) => (rankOf.get(e) ?? 99) < 10).length / ev.length];
}

/** Plain BM25 (Porter stemmer, the text alone, in an index of its own) over the same memories. */
function bm25Plain(store: MemoryStore, q: string): string[][] {
  const terms = queryTerms(q);
  if (!terms.length) return [];
  return store.db
    .prepare<{ source: string }>(
      "SELECT m.source FROM bench_plain JOIN memory_items m ON m.id = bench_plain.rowid WHERE bench_plain MATCH ? ORDER BY bm25(bench_plain) LIMIT 10",
    )
    .all(matchExpression(terms))
    .map((r) => [r.source]);
}

/** Runs every question of a conversation with the current RANKING: per-question [r5, r10, category]. */
function runConv(c: Conv, timings?: number[]): [number, number, number][] {
  return c.questions.map(({ q, ev, cat }) => {
    const t0 = performance.now();
    const hits = c.store.search(q, { limit: 10 });
    timings?.push(performance.now() - t0);
    const [r5, r10] = recall(hits.map(sourcesOf), ev);
    if (verbose && r10 < 1) console.log(`miss ${c.id} c${cat} r10=${r10.toFixed(2)} ${q} → ${ev.join(",")}`);
    return [r5, r10, cat];
  });
}

const convs: Conv[] = [];
for (const sample of data) convs.push(await openConv(sample));
try {
  const defaults = { ...RANKING };
  const perCat = new Map<number, Tally>();
  const all = tally();
  const base = tally();
  const timings: number[] = [];
  const rows: string[] = [];
  const diffs: number[] = [];
  for (const c of convs) {
    const t = tally();
    const b = tally();
    const res = runConv(c, timings);
    res.forEach(([r5, r10, cat], i) => {
      add(t, r5, r10);
      add(all, r5, r10);
      const pc = perCat.get(cat) ?? tally();
      add(pc, r5, r10);
      perCat.set(cat, pc);
      const [b5, b10] = recall(bm25Plain(c.store, c.questions[i]!.q), c.questions[i]!.ev);
      add(b, b5, b10);
      add(base, b5, b10);
      diffs.push(r10 - b10);
    });
    rows.push(`${c.id.padEnd(10)} ${String(t.n).padStart(4)}   ${f3(t.r5 / t.n)}   ${f3(t.r10 / t.n)}   ${f3(b.r5 / b.n)}   ${f3(b.r10 / b.n)}`);
  }
  console.log(`LoCoMo retrieval (${data.length} conversations, ${all.n} questions with evidence; turns imported ${plain ? "without a kind" : "as episodes"})`);
  console.log("category          n     R@5    R@10");
  for (const [cat, c] of [...perCat.entries()].sort((a, b) => a[0] - b[0])) {
    console.log(`${`${cat} ${NAMES[cat] ?? ""}`.padEnd(16)} ${String(c.n).padStart(4)}   ${f3(c.r5 / c.n)}   ${f3(c.r10 / c.n)}`);
  }
  console.log(`${"overall".padEnd(16)} ${String(all.n).padStart(4)}   ${f3(all.r5 / all.n)}   ${f3(all.r10 / all.n)}`);
  console.log("\nconversation   n   pai R@5  R@10   BM25+Porter R@5  R@10");
  for (const r of rows) console.log(r);
  console.log(`${"all".padEnd(10)} ${String(all.n).padStart(4)}   ${f3(all.r5 / all.n)}   ${f3(all.r10 / all.n)}   ${f3(base.r5 / base.n)}   ${f3(base.r10 / base.n)}`);
  const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const sd = Math.sqrt(diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / (diffs.length - 1));
  const half = (1.96 * sd) / Math.sqrt(diffs.length);
  console.log(`paired R@10 difference pai − BM25+Porter: ${mean >= 0 ? "+" : ""}${f3(mean)} (95% CI ${f3(mean - half)} … ${f3(mean + half)})`);
  timings.sort((a, b) => a - b);
  console.log(`search p50 ${timings[Math.floor(timings.length / 2)]!.toFixed(2)} ms`);

  if (loo) {
    // The grid: each setting at its default, off, and half and twice the default.
    const grid: (typeof RANKING)[] = [];
    for (const aroundWeight of [0, defaults.aroundWeight / 2, defaults.aroundWeight, defaults.aroundWeight * 2])
      for (const sessionShare of [0, defaults.sessionShare / 2, defaults.sessionShare, defaults.sessionShare * 2])
        for (const neighbourShare of [0, defaults.neighbourShare / 2, defaults.neighbourShare, defaults.neighbourShare * 2])
          grid.push({ ...defaults, aroundWeight, sessionShare, neighbourShare });
    // score[g][c] = summed R@10 of conversation c under setting g
    const score = grid.map((g) => {
      Object.assign(RANKING, g);
      return convs.map((c) => runConv(c).reduce((a, r) => a + r[1], 0));
    });
    Object.assign(RANKING, defaults);
    const n = convs.map((c) => c.questions.length);
    console.log(`\nleave-one-conversation-out over ${grid.length} settings (aroundWeight × sessionShare × neighbourShare)`);
    console.log("held out     chosen on the others (around, session, neighbour)   held-out R@10   default R@10");
    const d = grid.findIndex((g) => g.aroundWeight === defaults.aroundWeight && g.sessionShare === defaults.sessionShare && g.neighbourShare === defaults.neighbourShare);
    let looSum = 0;
    convs.forEach((c, i) => {
      let best = 0;
      let bestScore = -1;
      grid.forEach((_, g) => {
        const s = score[g]!.reduce((a, v, j) => (j === i ? a : a + v), 0) / n.reduce((a, v, j) => (j === i ? a : a + v), 0);
        if (s > bestScore + 1e-12) {
          bestScore = s;
          best = g;
        }
      });
      looSum += score[best]![i]!;
      const g = grid[best]!;
      console.log(
        `${c.id.padEnd(12)} ${`${g.aroundWeight.toFixed(2)}, ${g.sessionShare.toFixed(3)}, ${g.neighbourShare.toFixed(2)}`.padEnd(52)} ${f3(score[best]![i]! / n[i]!)}           ${f3(score[d]![i]! / n[i]!)}`,
      );
    });
    const total = n.reduce((a, b) => a + b, 0);
    console.log(`${"all".padEnd(12)} ${"".padEnd(52)} ${f3(looSum / total)}           ${f3(score[d]!.reduce((a, b) => a + b, 0) / total)}`);
  }
} finally {
  for (const c of convs) c.close();
}
