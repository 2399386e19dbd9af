/**
 * LoCoMo retrieval benchmark (../shared/bench/locomo-dev.json; see its README for the format and metric).
 * For each conversation: a fresh store; every turn imported as one memory through the same code path as
 * `pai memory import` (a JSON Lines file: content = speaker, text and photo caption; created_at = the
 * session's date; source = the dia_id); then every question with evidence is searched and recall@5 and
 * recall@10 are computed per category and overall.
 *
 *   npx bun scripts/bench-locomo.ts [--data PATH] [--verbose]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { configSchema } from "../src/config/schema.ts";
import { openMemory, type MemoryItem } from "../src/memory/index.ts";
import { importJsonlFile } from "../src/memory/io/jsonl.ts";
import { openDatabase } from "../src/app/db.ts";

const args = process.argv.slice(2);
const dataPath = args.includes("--data")
  ? resolve(args[args.indexOf("--data") + 1]!)
  : resolve(import.meta.dirname, "../../shared/bench/locomo-dev.json");
const verbose = args.includes("--verbose");
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
const perCat = new Map<number, { n: number; r5: number; r10: number }>();
const all = { n: 0, r5: 0, r10: 0 };
const timings: number[] = [];

for (const sample of data) {
  const dir = mkdtempSync(join(tmpdir(), "pai-locomo-"));
  try {
    const conv = sample.conversation;
    const lines: string[] = [];
    for (let s = 1; conv[`session_${s}`] !== undefined || conv[`session_${s + 1}`] !== undefined; s++) {
      const turns = conv[`session_${s}`] as Turn[] | undefined;
      if (!turns) continue;
      const date = sessionDate(String(conv[`session_${s}_date_time`]));
      for (const t of turns) {
        const caption = t.blip_caption ? ` [shares a photo: ${t.blip_caption}]` : "";
        lines.push(JSON.stringify({ content: `${t.speaker}: ${t.text}${caption}`, created_at: date, source: t.dia_id, kind: "episode" }));
      }
    }
    const file = join(dir, "turns.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const db = openDatabase(join(dir, "pai.db"));
    const store = openMemory(db, config);
    await importJsonlFile(store, file, {});
    const sourcesOf = (m: MemoryItem): string[] => [m.source ?? "", ...((m.meta.alsoFrom as string[] | undefined) ?? [])];
    for (const qa of sample.qa) {
      const ev = evidenceIds(qa.evidence ?? []);
      if (!ev.length) continue;
      const t0 = performance.now();
      const hits = store.search(qa.question, { limit: 10 });
      timings.push(performance.now() - t0);
      const rankOf = new Map<string, number>();
      hits.forEach((h, i) => {
        for (const s of sourcesOf(h)) if (!rankOf.has(s)) rankOf.set(s, i);
      });
      const r5 = ev.filter((e) => (rankOf.get(e) ?? 99) < 5).length / ev.length;
      const r10 = ev.filter((e) => (rankOf.get(e) ?? 99) < 10).length / ev.length;
      const c = perCat.get(qa.category) ?? { n: 0, r5: 0, r10: 0 };
      c.n++;
      c.r5 += r5;
      c.r10 += r10;
      perCat.set(qa.category, c);
      all.n++;
      all.r5 += r5;
      all.r10 += r10;
      if (verbose && r10 < 1) console.log(`miss ${sample.sample_id} c${qa.category} r10=${r10.toFixed(2)} ${qa.question} → ${ev.join(",")}`);
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NAMES: Record<number, string> = { 1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial" };
console.log(`LoCoMo retrieval (${data.length} conversations, ${all.n} questions with evidence)`);
console.log("category          n     R@5    R@10");
for (const [cat, c] of [...perCat.entries()].sort((a, b) => a[0] - b[0])) {
  console.log(`${`${cat} ${NAMES[cat] ?? ""}`.padEnd(16)} ${String(c.n).padStart(4)}   ${(c.r5 / c.n).toFixed(3)}   ${(c.r10 / c.n).toFixed(3)}`);
}
console.log(`${"overall".padEnd(16)} ${String(all.n).padStart(4)}   ${(all.r5 / all.n).toFixed(3)}   ${(all.r10 / all.n).toFixed(3)}`);
timings.sort((a, b) => a - b);
console.log(`search p50 ${timings[Math.floor(timings.length / 2)]!.toFixed(2)} ms`);
