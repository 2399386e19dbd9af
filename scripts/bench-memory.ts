/**
 * Memory benchmark: synthetic stores of 10k, 100k and 1M items (varied text from word lists, dates spread
 * over three years) in temporary files. For each size it prints the import rate through the same code path
 * as `pai memory import` (a JSON Lines file read line by line, validated, committed in batches), search
 * latency p50/p95 over 200 varied queries in-process, the time of a full `maintain` (nothing to move, and
 * 30 days later, a year later, and after memory.warmWindowDays changes so that nearly every item changes
 * tier), and database bytes per item. Only hot is stored: "moved" counts the moves into and out of hot that
 * maintain writes; items that turn warm or cold by time or by the window are counted apart (nothing is
 * written for them). It also prints the time of `stats` (what `pai memory stats` reads) in-process.
 *
 *   npx bun scripts/bench-memory.ts                      # 10k, 100k, 1M
 *   npx bun scripts/bench-memory.ts --sizes 10000,100000
 *   npx bun scripts/bench-memory.ts --sizes 100000 --shuffle-dates   # dates in random order
 *   npx bun scripts/bench-memory.ts --no-vectors         # without the vector part
 *   npx bun scripts/bench-memory.ts --import-only --repeat 3   # only import beside the bare insert loop (medians)
 *
 * Vectors: every item then gets a 768-dimension random unit vector (`--dim N` for another size) through
 * setEmbeddings in batches of 1000 (vectors/s printed), and hybrid search (the same queries, each with the
 * vector of a random item moved a little: its planted near neighbour) is timed with sqlite-vec loaded and,
 * up to 100k items, with it off (PAI_SQLITE_VEC=off: the JavaScript popcount); "found" counts the queries
 * whose planted neighbour is among the 10 results (with query words, the fusion decides; without, the
 * vector search alone). A connection keeps the sign bits in memory from its second vector search on: the
 * first search with a vector after the writes is timed apart.
 *
 * Import is set beside a bare bun:sqlite insert loop writing the same rows (read back from the imported
 * store: content, dates, thread, session, the turn each follows, the sync id) into a fresh database migrated by
 * pai: one transaction, a prepared INSERT into memory_items, one into memory_tiers (each item's tier row) and one
 * into memory_fts (the same three columns pai indexes), nothing else, then the write-ahead log copied back into
 * the database (as the import ends); the rows are made ready before the clock starts. Target: import within 1.2×
 * of it. Each import and each bare loop starts from a collected heap with only its own data alive (the bare loop's
 * rows are read again before each loop and let go after it), so neither pays for collecting the other's; and each
 * writes into a database migrated and closed before its clock starts (so neither copies the schema's log back).
 */
import { mkdtempSync, rmSync, statSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema } from "../src/config/schema.ts";
import { openMemory, type MemoryStore } from "../src/memory/index.ts";
import { importJsonlFile } from "../src/memory/io/jsonl.ts";
import { openDatabase, type Database } from "../src/app/db.ts";
import { CACHE_KIB, MMAP_BYTES } from "../src/kernel/storage/types.ts";
import { Database as BunDatabase } from "bun:sqlite";
import { dateWords } from "../src/memory/text.ts";

const args = process.argv.slice(2);
const sizesArg = args.includes("--sizes") ? args[args.indexOf("--sizes") + 1]! : "10000,100000,1000000";
/** --keep: leave the temporary stores in place (their paths are printed) for further experiments. */
const keep = args.includes("--keep");
const shuffleDates = args.includes("--shuffle-dates");
const vectors = !args.includes("--no-vectors");
/** --import-only: only the import rate beside the bare insert loop. */
const importOnly = args.includes("--import-only");
/** --batch N: items per committed batch of the import (default: the import's own). */
const batchSize = args.includes("--batch") ? Number(args[args.indexOf("--batch") + 1]) || undefined : undefined;
const repeat = args.includes("--repeat") ? Math.max(1, Number(args[args.indexOf("--repeat") + 1]) || 1) : 1;
const dim = args.includes("--dim") ? Number(args[args.indexOf("--dim") + 1]) : 768;
const sizes = sizesArg.split(",").map((s) => Number(s.trim())).filter((n) => n > 0);

// ---- a deterministic generator of varied, realistic text ------------------------------------------
let seed = 42;
function rnd(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
}
/** Zipf-like pick: early entries are much more frequent. */
function pick<T>(list: readonly T[], skew = 1.2): T {
  const i = Math.floor(list.length * Math.pow(rnd(), skew * 2));
  return list[Math.min(i, list.length - 1)]!;
}
const W = {
  people: "Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Yusuf Zoe Amara Bruno Chloe Diego Elena Farid Greta Hiro Ingrid Jonas Kenji Leila Marco Nadia Omar Priya Quentin Rosa Sven Tomas Uma Vera Wen Xavier Yara Zara mum dad grandma sister brother boss landlord dentist doctor".split(" "),
  places: "Lyon Paris Berlin Lisbon Tokyo Kyoto Oslo Madrid Rome Prague Vienna Dublin Montreal Boston Seattle Austin Nairobi Cairo Lima Sydney Melbourne Seoul Taipei Hanoi Bangkok Istanbul Athens Zurich Geneva Amsterdam Brussels Copenhagen Helsinki Warsaw Budapest Porto Seville Valencia Marseille Bordeaux Nantes Grenoble Annecy Chamonix office gym library cafe park airport station market garden".split(" "),
  verbs: "met called visited bought fixed finished started booked cancelled planned discussed reviewed wrote read cooked painted cleaned moved signed paid ordered returned repaired tested deployed migrated refactored debugged learned practised ran hiked swam climbed watched listened shipped released drafted sketched measured planted harvested baked renewed upgraded installed configured backed".split(" "),
  things: "report invoice passport contract budget presentation garden kitchen bicycle laptop server database backup lease mortgage insurance vaccine appointment recipe sourdough marathon guitar piano violin novel article podcast newsletter roadmap prototype dashboard pipeline cluster migration certificate visa ticket flight hotel apartment car tyres boiler roof window fence painting sculpture camera lens drone telescope chessboard puzzle quilt scarf jacket boots tent kayak".split(" "),
  adjectives: "new old quarterly annual urgent late early broken shiny expensive cheap long short difficult easy important boring exciting red blue green small large final draft second first weekly monthly private shared remote local".split(" "),
  topics: "taxes health fitness travel family work finance cooking music reading writing gardening photography programming security privacy climbing cycling running chess astronomy history languages japanese spanish german french rust typescript python kubernetes postgres sqlite linux networking design marketing hiring onboarding".split(" "),
  feelings: "happy tired stressed relieved excited worried proud annoyed calm curious grateful bored".split(" "),
  prefs: "prefers likes dislikes avoids loves hates wants".split(" "),
};
const TEMPLATES: (() => string)[] = [
  () => `${pick(W.verbs)} the ${pick(W.adjectives)} ${pick(W.things)} with ${pick(W.people)} in ${pick(W.places)}`,
  () => `${pick(W.people)} ${pick(W.prefs)} ${pick(W.topics)} and asked about the ${pick(W.things)}`,
  () => `Note on ${pick(W.topics)}: the ${pick(W.things)} needs a ${pick(W.adjectives)} ${pick(W.things)} before ${pick(W.places)}`,
  () => `Felt ${pick(W.feelings)} after ${pick(W.verbs)} the ${pick(W.things)}; ${pick(W.people)} ${pick(W.verbs)} the ${pick(W.things)} too`,
  () => `Trip to ${pick(W.places)} with ${pick(W.people)}: ${pick(W.verbs)} a ${pick(W.adjectives)} ${pick(W.things)} and talked about ${pick(W.topics)}`,
  () => `I ${pick(W.prefs)} ${pick(W.adjectives)} ${pick(W.things)} for ${pick(W.topics)}, not the ${pick(W.adjectives)} one`,
  () => `Reminder: ${pick(W.people)} said the ${pick(W.things)} in ${pick(W.places)} is ${pick(W.adjectives)}; ${pick(W.verbs)} it by ${1 + Math.floor(rnd() * 28)} ${pick(["March", "April", "May", "June", "July"])}`,
  () => `Learned ${pick(W.topics)} from ${pick(W.people)}: ${pick(W.verbs)} the ${pick(W.things)}, ${pick(W.verbs)} the ${pick(W.things)}, then ${pick(W.verbs)} the ${pick(W.adjectives)} ${pick(W.things)} (${Math.floor(rnd() * 1000)} steps)`,
];
const KINDS = ["fact", "preference", "event", "episode", "note", "action"];
const THREE_YEARS = 3 * 365 * 86_400_000;

/**
 * Item i of n: dates run forward over three years with a day of jitter, in the order an export or a
 * conversation log lists them (`--shuffle-dates` draws every date at random instead: the worst case for the
 * date indexes).
 */
function line(now: number, i: number, n: number): string {
  const text = pick(TEMPLATES, 0.5)();
  const offset = shuffleDates ? rnd() * THREE_YEARS : ((n - i) / n) * THREE_YEARS + rnd() * 86_400_000;
  const created = new Date(now - Math.floor(offset)).toISOString();
  const o: Record<string, unknown> = { content: `${text} #${i % 9973}`, created_at: created, kind: KINDS[Math.floor(rnd() * KINDS.length)] };
  if (rnd() < 0.3) o.source = `chat:${Math.floor(rnd() * 50000)}`;
  if (rnd() < 0.5) o.visibility = "shareable";
  return JSON.stringify(o);
}

function queries(n: number): string[] {
  const out: string[] = [];
  const shapes: (() => string)[] = [
    () => pick(W.places),
    () => `${pick(W.people)} ${pick(W.things)}`,
    () => `what did I ${pick(W.verbs)} in ${pick(W.places)}?`,
    () => `${pick(W.adjectives)} ${pick(W.things)} ${pick(W.topics)}`,
    () => `when did ${pick(W.people)} talk about ${pick(W.topics)}`,
    () => `"${pick(W.things)}" NEAR(${pick(W.places)}) col:${pick(W.topics)} *`,
    () => `${pick(W.things)}`,
    () => `does ${pick(W.people)} like ${pick(W.topics)} or ${pick(W.topics)}?`,
  ];
  for (let i = 0; i < n; i++) out.push(shapes[i % shapes.length]!());
  return out;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A random unit vector (Gaussian-ish components from the sum of uniforms), as plain numbers. */
function unitVector(): number[] {
  const v = new Array<number>(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    const x = rnd() + rnd() + rnd() - 1.5;
    v[i] = x;
    n += x * x;
  }
  n = Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] = v[i]! / n;
  return v;
}

/** Vectors for every item, then hybrid search with a query vector (see the header); returns the lines to print. */
function vectorBench(db: Database, store: MemoryStore, path: string, qs: string[]): string[] {
  const ids = db.prepare<{ id: number }>("SELECT id FROM memory_items ORDER BY id").all().map((r) => r.id);
  const planted: { id: number; vector: number[] }[] = [];
  const plantAt = new Set(Array.from({ length: qs.length }, () => ids[Math.floor(Math.random() * ids.length)]!));
  let writeMs = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000).map((id) => ({ id, vector: unitVector(), model: "bench-embed" }));
    for (const b of batch) if (plantAt.has(b.id)) planted.push({ id: b.id, vector: b.vector.map((x) => x + 0.5 * (rnd() - 0.5) / Math.sqrt(dim)) });
    const s = performance.now();
    store.setEmbeddings(batch);
    writeMs += performance.now() - s;
  }
  const rate = Math.round(ids.length / (writeMs / 1000));
  const timed = (st: MemoryStore, rounds: number, n: number, words = true) => {
    const p50s: number[] = [];
    const p95s: number[] = [];
    let found = 0;
    for (let round = 0; round < rounds; round++) {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = planted[i % planted.length]!;
        const s = performance.now();
        const hits = st.search(words ? qs[i % qs.length]! : "", { limit: 10, queryEmbedding: p.vector, embeddingModel: "bench-embed" });
        times.push(performance.now() - s);
        if (round === 0 && hits.some((h) => h.id === p.id)) found++;
      }
      times.sort((a, b) => a - b);
      p50s.push(pct(times, 50));
      p95s.push(pct(times, 95));
    }
    return `p50 ${median(p50s).toFixed(2)} ms, p95 ${median(p95s).toFixed(2)} ms (planted neighbour found in ${found}/${n})`;
  };
  const status = store.vectorStatus();
  const first = performance.now();
  store.search(qs[0]!, { limit: 10, queryEmbedding: planted[0]!.vector, embeddingModel: "bench-embed" });
  const firstMs = performance.now() - first;
  const second = performance.now();
  store.search(qs[1]!, { limit: 10, queryEmbedding: planted[1 % planted.length]!.vector, embeddingModel: "bench-embed" });
  const secondMs = performance.now() - second;
  for (let i = 0; i < 10; i++) store.search(qs[i]!, { limit: 10, queryEmbedding: planted[i % planted.length]!.vector });
  const out = [
    `vectors: ${dim} dims, setEmbeddings ${rate.toLocaleString("en")} vectors/s (${(writeMs / 1000).toFixed(1)} s)`,
    `first hybrid search with a vector ${firstMs.toFixed(1)} ms (sign bits scanned in SQL), second ${secondMs.toFixed(1)} ms (sign bits read into memory)`,
    `hybrid search (${status.available ? "sqlite-vec" : status.notice}) ${timed(store, 3, Math.min(200, planted.length))}`,
    `vector search alone (no query words) ${timed(store, 1, Math.min(200, planted.length), false)}`,
  ];
  if (ids.length <= 100_000) {
    const before = process.env.PAI_SQLITE_VEC;
    process.env.PAI_SQLITE_VEC = "off";
    const other = openDatabase(path);
    try {
      const off = openMemory(other, configSchema.parse({}));
      out.push(`hybrid search (JS popcount, PAI_SQLITE_VEC=off) ${timed(off, 1, Math.min(50, planted.length))}`);
    } finally {
      other.close();
      if (before === undefined) delete process.env.PAI_SQLITE_VEC;
      else process.env.PAI_SQLITE_VEC = before;
    }
  }
  return out;
}

/** The rows of an imported store, as the bare loop inserts them (see the header). */
type BareRow = unknown[];

function bareRows(db: Database): BareRow[] {
  return db
    .prepare<Record<string, any>>(
      `SELECT m.content, m.kind, m.created_at, m.recorded_at, m.active_at, m.importance, m.pinned, m.visibility, m.source, m.redacted, m.meta, m.hash, m.thread, m.session, m.follows, p.content AS around, m.gid, t.hot
       FROM memory_items m LEFT JOIN memory_items p ON p.id = m.follows JOIN memory_tiers t ON t.item_id = m.id ORDER BY m.id`,
    )
    .all()
    .map((r) => [r.content, r.kind, r.created_at, r.recorded_at, r.active_at, r.importance, r.pinned, r.visibility, r.source, r.redacted, r.meta, r.hash, r.thread, r.session, r.follows, dateWords(r.created_at), r.around, r.gid, r.hot]);
}

/** CPU seconds (user + system) of this process since `from`: less moved than wall time by other processes. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

/** Seconds (wall and CPU) a bare bun:sqlite loop takes to insert `rows` into a fresh pai database at `path`. */
function bareLoop(rows: BareRow[], path: string): { wall: number; cpu: number } {
  openDatabase(path).close();
  const db = new BunDatabase(path);
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // The page cache the import has (a "large" one, as `pai memory import` opens its home with), and its memory map.
    db.exec(`PRAGMA cache_size = -${CACHE_KIB.large}`);
    db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
    const ins = db.prepare(
      `INSERT INTO memory_items (content, kind, created_at, recorded_at, active_at, importance, pinned, visibility, source, redacted, meta, hash, thread, session, follows, gid)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const tier = db.prepare("INSERT INTO memory_tiers (item_id, hot, active_at, pinned, current, kind) VALUES (?, ?, ?, ?, 1, ?)");
    const fts = db.prepare("INSERT INTO memory_fts (rowid, content, context, around) VALUES (?, ?, ?, ?)");
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    db.transaction(() => {
      for (const r of rows as any[][]) {
        const { lastInsertRowid } = ins.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[17]);
        tier.run(lastInsertRowid, r[18], r[4], r[6], r[1]);
        fts.run(lastInsertRowid, r[0], r[15], r[16]);
      }
    })();
    // The log copied back into the database, as the import does when it ends.
    db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    return { wall: (performance.now() - t0) / 1000, cpu: cpuSince(c0) };
  } finally {
    db.close();
  }
}

async function run(size: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pai-bench-mem-"));
  try {
    const now = Date.now();
    const file = join(dir, "items.jsonl");
    seed = 42 + size;
    await new Promise<void>((res, rej) => {
      const ws = createWriteStream(file);
      ws.on("error", rej);
      let i = 0;
      const write = () => {
        let ok = true;
        while (i < size && ok) {
          let chunk = "";
          for (let j = 0; j < 1000 && i < size; j++, i++) chunk += `${line(now, i, size)}\n`;
          ok = ws.write(chunk);
        }
        if (i < size) ws.once("drain", write);
        else ws.end(res);
      };
      write();
    });
    const config = configSchema.parse({});
    // The page cache of `pai memory import` (and of the daemon, whose search this also times).
    // A home's database is migrated long before an import into it: migrated and closed (which copies the schema's
    // log back) before the clock starts, as the bare loop's is.
    openDatabase(join(dir, "pai.db")).close();
    const db = openDatabase(join(dir, "pai.db"), { cache: "large" });
    const store = openMemory(db, config);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await importJsonlFile(store, file, { batchSize });
    const importS = (performance.now() - t0) / 1000;
    const importCpu = [cpuSince(c0)];
    const rate = Math.round(r.committed / importS);
    // The bare loop, and with --repeat N (import-only) more imports into fresh files, alternating with the
    // bare loop: the medians are printed (a shared machine is noisy). Each is timed with only its own data alive:
    // the bare loop's rows are read before it and let go after it, so the import's collector never walks them.
    let rows = bareRows(db);
    const count = rows.length;
    const imports = [importS];
    const bares: number[] = [];
    const bareCpu: number[] = [];
    for (let k = 0; k < (importOnly ? repeat : 1); k++) {
      if (k > 0) {
        rows = [];
        Bun.gc(true);
        const again = join(dir, `again-${k}.db`);
        openDatabase(again).close();
        const other = openDatabase(again, { cache: "large" });
        const t = performance.now();
        const c = process.cpuUsage();
        await importJsonlFile(openMemory(other, config), file, { batchSize });
        imports.push((performance.now() - t) / 1000);
        importCpu.push(cpuSince(c));
        other.close();
        for (const ext of ["", "-wal", "-shm"]) rmSync(again + ext, { force: true });
        rows = bareRows(db);
      }
      Bun.gc(true);
      const b = bareLoop(rows, join(dir, "bare.db"));
      bares.push(b.wall);
      bareCpu.push(b.cpu);
      for (const ext of ["", "-wal", "-shm"]) rmSync(join(dir, `bare.db${ext}`), { force: true });
    }
    const bareS = median(bares);
    const bareRate = Math.round(count / bareS);
    rows = [];
    if (importOnly) {
      const mid = median(imports);
      console.log(
        `${size.toLocaleString("en")} items: import ${Math.round(r.committed / mid).toLocaleString("en")} items/s (${mid.toFixed(2)} s, ${r.merged} merged); bare bun:sqlite insert loop ${bareRate.toLocaleString("en")} items/s (${bareS.toFixed(2)} s): import takes ${(mid / bareS).toFixed(2)}× as long (target ≤ 1.2×); CPU ${median(importCpu).toFixed(2)} s vs ${median(bareCpu).toFixed(2)} s: ${(median(importCpu) / median(bareCpu)).toFixed(2)}×${repeat > 1 ? `; medians of ${repeat}` : ""}`,
      );
      db.close();
      return;
    }

    // Search: 200 varied queries, 3 rounds; p50/p95 of each round, median over rounds.
    const qs = queries(200);
    for (const q of qs.slice(0, 20)) store.search(q, { limit: 10 });
    const p50s: number[] = [];
    const p95s: number[] = [];
    let empty = 0;
    for (let round = 0; round < 3; round++) {
      const times: number[] = [];
      for (const q of qs) {
        const s = performance.now();
        const hits = store.search(q, { limit: 10 });
        times.push(performance.now() - s);
        if (round === 0 && !hits.length) empty++;
      }
      times.sort((a, b) => a - b);
      p50s.push(pct(times, 50));
      p95s.push(pct(times, 95));
    }
    const vectorLines = vectors ? vectorBench(db, store, join(dir, "pai.db"), qs) : [];
    // The bounded re-tier that runs after every write, as if 30 days had passed since the import: ten calls.
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    const ahead = openMemory(db, config, { now: () => new Date(now + 30 * 86_400_000) });
    const retierMs: number[] = [];
    let retierMoved = 0;
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      retierMoved += ahead.retier();
      retierMs.push(performance.now() - s);
    }
    // Maintain: a full re-tier with nothing to move, then as if 30 days had passed (everything is re-checked).
    const idle: number[] = [];
    const first = store.maintain();
    for (let i = 0; i < 3; i++) idle.push(store.maintain().ms);
    const later = store.maintain({ now: new Date(now + 30 * 86_400_000) });
    const movedLater = sum(later.moved);
    const cooledLater = later.byTier.cold - first.byTier.cold;
    // A year later: a third of the store turns cold (derived from time: nothing written for it).
    const year = store.maintain({ now: new Date(now + 365 * 86_400_000) });
    const movedYear = sum(year.moved);
    const cooledYear = year.byTier.cold - later.byTier.cold;
    // The warm window widened to ten years (memory.warmWindowDays), then back: nearly every item changes tier.
    const wide = openMemory(db, configSchema.parse({ memory: { warmWindowDays: 3650 } }), { now: () => new Date(now + 365 * 86_400_000) });
    const widened = wide.maintain();
    const narrowed = store.maintain({ now: new Date(now + 365 * 86_400_000) });
    const movedWide = sum(widened.moved);
    const movedNarrow = sum(narrowed.moved);
    const warmedWide = year.byTier.cold - widened.byTier.cold;
    const cooledNarrow = narrowed.byTier.cold - widened.byTier.cold;
    // `pai memory stats` in-process: read from the maintained counts, so flat from 10k to 1M.
    const statsMs: number[] = [];
    for (let i = 0; i < 21; i++) {
      const s = performance.now();
      store.stats();
      statsMs.push(performance.now() - s);
    }
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const bytes = statSync(join(dir, "pai.db")).size;
    db.close();
    console.log(
      [
        `${size.toLocaleString("en")} items:`,
        `import ${rate.toLocaleString("en")} items/s (${importS.toFixed(1)} s, ${r.merged} merged); bare bun:sqlite insert loop ${bareRate.toLocaleString("en")} items/s (${bareS.toFixed(1)} s): import takes ${(importS / bareS).toFixed(2)}× as long (target ≤ 1.2×; CPU time ${(importCpu[0]! / bareCpu[0]!).toFixed(2)}×)`,
        `search p50 ${median(p50s).toFixed(2)} ms, p95 ${median(p95s).toFixed(2)} ms (${empty}/200 queries without results)`,
        `bounded re-tier 30 days on: first call ${retierMs[0]!.toFixed(1)} ms, median of 10 ${median(retierMs).toFixed(2)} ms (${retierMoved} moved in 10 calls)`,
        `maintain ${median(idle)} ms (nothing to move), ${later.ms} ms 30 days later (${movedLater} in or out of hot, ${cooledLater} turned cold), ${year.ms} ms a year later (${movedYear} in or out of hot, ${cooledYear} turned cold)`,
        `maintain after memory.warmWindowDays 90 → 3650: ${widened.ms} ms (${movedWide} in or out of hot, ${warmedWide} cold → warm); back to 90: ${narrowed.ms} ms (${movedNarrow} in or out of hot, ${cooledNarrow} warm → cold)`,
        ...vectorLines,
        `stats (memory stats in-process): first call ${statsMs[0]!.toFixed(2)} ms, median of 21 ${median(statsMs).toFixed(2)} ms`,
        `${Math.round(bytes / size)} bytes/item (${(bytes / 1048576).toFixed(0)} MB)`,
      ].join("\n  "),
    );
  } finally {
    if (keep) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

for (const size of sizes) await run(size);
