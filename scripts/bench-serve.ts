/**
 * `pai serve` at scale: a store of ITEMS memories (`pai memory import` of generated JSONL, default 100k), a small
 * Telos, a pending approval; then each page's load in headless Chromium (navigation → DOMContentLoaded, load, and
 * the chart data the page fetches: "interactive" is the latest of these), the median of RUNS loads after one
 * warm-up, and the API's latency p50/p95 from this process (with the session's cookie).
 *
 * Targets: every page interactive ≤ 300 ms, API p95 ≤ 50 ms.
 *
 *   bun scripts/bench-serve.ts [--items N] [--runs N] [--json]
 *   bun scripts/bench-serve.ts --screenshots docs/dashboard   (a realistic small home, 1280×800 pictures)
 *
 * Needs Chromium (/usr/bin/chromium, or PAI_CHROMIUM).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "puppeteer-core";
import { openDatabase } from "../src/app/db.ts";
import { fireJob } from "../src/automation/jobs/fire.ts";
import { getJob } from "../src/automation/jobs/store.ts";
import { loadConfig } from "../src/config/index.ts";
import { paths } from "../src/kernel/paths.ts";
import { Secrets } from "../src/kernel/secrets.ts";
import { recordCall } from "../src/models/calllog.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchBrowser, signIn, startServe } from "../tests/helpers/browser.ts";
import { writeDemoTelos } from "../tests/web/telos-fixture.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BUN = existsSync(join(ROOT, "node_modules/bun/bin/bun.exe")) ? join(ROOT, "node_modules/bun/bin/bun.exe") : process.execPath;
const MAIN = join(ROOT, "src/cli/main.ts");

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) || dflt : dflt;
};
const shotsAt = args.includes("--screenshots") ? resolve(args[args.indexOf("--screenshots") + 1] ?? "docs/dashboard") : undefined;
const ITEMS = shotsAt ? 200 : flag("--items", 100_000);
const RUNS = Math.max(3, flag("--runs", 7));
const API_RUNS = Math.max(20, flag("--api-runs", 100));
const asJson = args.includes("--json");

if (!HAVE_CHROMIUM) {
  console.error(`bench-serve: no Chromium at ${CHROMIUM} — install it (apt-get install chromium) or set PAI_CHROMIUM`);
  process.exit(2);
}

const home = mkdtempSync(join(tmpdir(), "pai-bench-serve-"));
const env: NodeJS.ProcessEnv = { ...process.env, PAI_HOME: home, PAI_NO_RESIDENT: "1", NO_COLOR: "1", PAI_DEBUG: "", OLLAMA_HOST: "http://127.0.0.1:9" };

function must(argv: string[]): string {
  const r = spawnSync(BUN, [MAIN, ...argv], { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pai ${argv.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

let seed = 42;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 4294967296);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
const WORDS = "Lyon Paris Berlin Lisbon Tokyo report invoice passport contract budget garden kitchen bicycle laptop server backup lease marathon guitar piano novel roadmap prototype dashboard pipeline visa ticket flight hotel met called visited bought fixed finished started booked planned discussed reviewed wrote read cooked Alice Bob Carol Dave Erin Frank Grace taxes health travel family work finance cooking music".split(" ");
const KINDS = ["fact", "preference", "event", "episode", "note", "action"] as const;

/** What a person might have told pai over a few months, for the pictures: a template and what fills its blank. */
const REAL: [string, string[]][] = [
  ["Booked the train to {} for the conference", ["Lyon", "Berlin", "Lisbon", "Paris"]],
  ["Prefers {} in the afternoon", ["green tea", "a short walk", "no meetings", "deep work"]],
  ["Ran {} along the canal, felt strong", ["8 km", "12 km", "15 km", "18 km", "21 km"]],
  ["Beta tester {} reported a sync conflict on two phones", ["Grace", "Frank", "Erin"]],
  ["Dentist appointment moved to {}", ["Thursday 9:30", "Monday 14:00"]],
  ["Finished reading '{}' and wrote a note on it", ["The Overstory", "Deep Work", "Piranesi", "The Dispossessed", "A Psalm for the Wild-Built"]],
  ["{} suggested batching email to twice a day", ["Alice", "Bob"]],
  ["Offline sync: chose {}", ["CRDTs over last-write-wins", "SQLite on the phone", "a weekly schema freeze"]],
  ["Passport renewal due before the {} trip", ["Tokyo", "Lisbon"]],
  ["Call with {} about the field-notes pricing page", ["Bob", "Carol", "Dave"]],
  ["Weekly review: {}", ["two evenings lost to email again", "sync shipped to the beta", "long run done, plan on track", "read 80 pages"]],
  ["Bought {}", ["new running shoes, size 43", "a notebook for the reading log", "a bike light"]],
  ["Lives in Lyon, near the {}", ["Croix-Rousse market"]],
  ["Allergic to {}", ["penicillin"]],
  ["Birthday dinner for {} at the Italian place", ["Carol", "Alice"]],
  ["Idea: {}", ["export notes as GPX tracks", "a bird-call recogniser offline", "monthly reading digest"]],
];
const TAILS = ["", "", ", in the weekly review", ", after work", ", on the weekend", ", with Alice", ", before the trip", ", Sunday morning", ", from the beta notes"];
const realLine = () => {
  const [t, fills] = pick(REAL);
  return `${t.replace("{}", pick(fills))}${pick(TAILS)}`;
};

function buildStore(n: number, monthsBack: number): void {
  const file = join(home, "items.jsonl");
  const now = Date.now();
  let out = "";
  for (let i = 0; i < n; i++) {
    const content = shotsAt
      ? realLine()
      : `${Array.from({ length: 8 + Math.floor(rnd() * 8) }, () => WORDS[Math.floor(WORDS.length * rnd() ** 2)]!).join(" ")} #${i}`;
    const line: Record<string, unknown> = { content, created_at: new Date(now - Math.floor(rnd() ** 1.5 * monthsBack * 30 * 86_400_000)).toISOString(), kind: pick(KINDS) };
    line.visibility = rnd() < 0.15 ? "private" : "shareable";
    if (rnd() < 0.03) line.pinned = true;
    out += `${JSON.stringify(line)}\n`;
  }
  writeFileSync(file, out);
  must(["memory", "import", file]);
}

/** Jobs with firings, one approval waiting, model calls over the last weeks. */
async function buildDaemonAndModels(): Promise<void> {
  must(["jobs", "add", "morning-review", "--cron", "0 7 * * *", "--tz", "Europe/Paris", "--action", "remember", "--text", "morning review"]);
  must(["jobs", "add", "weekly-plan", "--cron", "0 18 * * 0", "--tz", "Europe/Paris", "--action", "remember", "--text", "plan the week"]);
  must(["jobs", "add", "share-notes", "--webhook", "--text", "share the beta notes with {{body}}", "--approval"]);
  for (let i = 0; i < 3; i++) must(["jobs", "run", "morning-review"]);
  must(["jobs", "run", "weekly-plan"]);
  const p = paths(home);
  const db = openDatabase(p.db);
  try {
    await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "share-notes"), { trigger: "webhook", key: "b1", vars: { body: "Grace" } });
    const day = 86_400_000;
    for (let d = 20; d >= 0; d--) {
      for (let k = 0; k < 1 + Math.floor(rnd() * 5); k++) {
        const cloud = rnd() < 0.4;
        const inTok = 400 + Math.floor(rnd() * 3000);
        const outTok = 50 + Math.floor(rnd() * 600);
        recordCall(db, {
          at: new Date(Date.now() - d * day - Math.floor(rnd() * 8 * 3600_000)).toISOString(),
          backend: cloud ? "anthropic" : "ollama",
          model: cloud ? "claude-sonnet-4-5" : "llama3.2",
          purpose: pick(["chat", "chat", "ask", "extract", "summarize"]),
          kind: "chat",
          inputTokens: inTok,
          outputTokens: outTok,
          latencyMs: 300 + Math.floor(rnd() * 4000),
          outcome: rnd() < 0.05 ? "error" : "ok",
          attempt: 1,
          error: null,
          exchangeId: null,
          cost: cloud ? (inTok * 3 + outTok * 15) / 1e6 : 0,
          job: rnd() < 0.2 ? "morning-review" : null,
          pack: null,
        });
      }
    }
  } finally {
    db.close();
  }
}

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

interface Load {
  dcl: number;
  load: number;
  data: number;
  interactive: number;
}

/** One load of `path`: the navigation's timings, and when the data the page fetches for its charts had arrived. */
async function loadOnce(page: Page, origin: string, path: string, fetches: string[]): Promise<Load> {
  await page.goto(`${origin}${path}`, { waitUntil: "load" });
  if (fetches.length) {
    await page.waitForFunction((names: string[]) => names.every((n) => (performance as any).getEntriesByType("resource").some((e: any) => e.name.includes(n) && e.responseEnd > 0)), { timeout: 10_000 }, fetches);
  }
  return page.evaluate((names: string[]) => {
    // The project's types know no DOM: the browser's timing entries are read untyped.
    const perf = performance as any;
    const nav = perf.getEntriesByType("navigation")[0];
    const res: any[] = perf.getEntriesByType("resource").filter((e: any) => names.some((n) => e.name.includes(n)));
    const data: number = Math.max(0, ...res.map((r) => r.responseEnd as number));
    return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, data, interactive: Math.max(nav.loadEventEnd, data) };
  }, fetches);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  must(["init", "--name", "Ada"]);
  writeDemoTelos(home);
  buildStore(ITEMS, shotsAt ? 8 : 36);
  await buildDaemonAndModels();
  const built = performance.now() - t0;
  const served = await startServe(home);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await signIn(page, served.url);
    const someId = JSON.parse(must(["memory", "search", shotsAt ? "Croix-Rousse" : "Lyon", "--json", "--limit", "1"]))[0]?.id ?? 1;
    const firstCall = 1;
    const PAGES: [name: string, path: string, fetches: string[]][] = [
      ["overview", "/", []],
      ["telos", "/telos", []],
      ["memory", "/memory", ["/api/memory/timeline"]],
      ["memory search", "/memory?q=Lyon+passport", ["/api/memory/timeline"]],
      ["memory-item", `/memory/${someId}`, []],
      ["daemon", "/daemon", []],
      ["models", "/models", []],
      ["models call", `/models/call/${firstCall}`, []],
    ];

    if (shotsAt) {
      mkdirSync(shotsAt, { recursive: true });
      // An item with a correction, so its page shows what it replaces.
      const edited = /#(\d+)/.exec(must(["memory", "edit", String(someId), "Lives in Lyon since March, near the Croix-Rousse market"]))?.[1] ?? someId;
      const shots: Record<string, string> = { overview: "/", telos: "/telos", memory: "/memory?q=Lyon", "memory-item": `/memory/${edited}`, daemon: "/daemon", models: "/models" };
      for (const [name, path] of Object.entries(shots)) {
        await page.goto(`${served.origin}${path}`, { waitUntil: "load" });
        await page.waitForNetworkIdle({ idleTime: 200, timeout: 5000 });
        if (name === "telos") await page.evaluate(() => (globalThis as any).paiGraph?.$("#P2").emit("tap"));
        const file = join(shotsAt, `${name}.png`);
        await page.screenshot({ path: file as `${string}.png`, type: "png" });
        console.log(`${file}`);
      }
      return;
    }

    const rows: { page: string; first: number; dcl: number; load: number; data: number; interactive: number; met: boolean }[] = [];
    for (const [name, path, fetches] of PAGES) {
      const first = await loadOnce(page, served.origin, path, fetches);
      const runs: Load[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await loadOnce(page, served.origin, path, fetches));
      const m = (k: keyof Load) => median(runs.map((r) => r[k]));
      rows.push({ page: name, first: first.interactive, dcl: m("dcl"), load: m("load"), data: m("data"), interactive: m("interactive"), met: m("interactive") <= 300 });
    }

    const cookie = (await browser.cookies()).filter((c) => c.name === "pai_session").map((c) => `${c.name}=${c.value}`).join("; ");
    const APIS = ["/api/memory/search?q=Lyon+passport", "/api/memory/search?q=marathon+Grace+kitchen", "/api/memory/timeline", "/api/telos", "/api/approvals"];
    const apis: { api: string; p50: number; p95: number; met: boolean }[] = [];
    for (const api of APIS) {
      const times: number[] = [];
      for (let i = 0; i < API_RUNS + 3; i++) {
        const s = performance.now();
        const r = await fetch(`${served.origin}${api}`, { headers: { cookie } });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`${api}: ${r.status}`);
        if (i >= 3) times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      apis.push({ api, p50: quantile(times, 0.5), p95: quantile(times, 0.95), met: quantile(times, 0.95) <= 50 });
    }

    if (asJson) {
      console.log(JSON.stringify({ items: ITEMS, runs: RUNS, apiRuns: API_RUNS, pages: rows, apis }, null, 2));
      return;
    }
    const f = (n: number) => n.toFixed(0).padStart(6);
    console.log(`pai serve, ${ITEMS.toLocaleString("en")} memories (built in ${(built / 1000).toFixed(1)} s); pages: median of ${RUNS} loads after one (first shown), ms from navigation start`);
    console.log(`${"page".padEnd(15)} ${"first".padStart(6)} ${"DCL".padStart(6)} ${"load".padStart(6)} ${"data".padStart(6)} ${"ready".padStart(6)}  target ≤ 300`);
    for (const r of rows) console.log(`${r.page.padEnd(15)} ${f(r.first)} ${f(r.dcl)} ${f(r.load)} ${r.data ? f(r.data) : "     —"} ${f(r.interactive)}  ${r.met ? "met" : "MISSED"}`);
    console.log(`\nAPI, ${API_RUNS} sequential requests each after 3, ms`);
    console.log(`${"request".padEnd(44)} ${"p50".padStart(6)} ${"p95".padStart(6)}  target p95 ≤ 50`);
    for (const a of apis) console.log(`${a.api.padEnd(44)} ${a.p50.toFixed(1).padStart(6)} ${a.p95.toFixed(1).padStart(6)}  ${a.met ? "met" : "MISSED"}`);
  } finally {
    await browser.close();
    await served.stop();
  }
}

try {
  await main();
} finally {
  rmSync(home, { recursive: true, force: true });
}
