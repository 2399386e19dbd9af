/**
 * `pai serve` in a real browser (headless Chromium), used as a person would: sign in with the printed address,
 * open every page, search, correct, pin, make private, forget, approve, look at the Telos graph. What the page
 * did is then checked through the CLI, in the same home.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/app/db.ts";
import { fireJob } from "../../src/automation/jobs/fire.ts";
import { getJob } from "../../src/automation/jobs/store.ts";
import { loadConfig } from "../../src/config/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { Secrets } from "../../src/kernel/secrets.ts";
import { recordCall } from "../../src/models/calllog.ts";
import { HAVE_CHROMIUM, CHROMIUM, launchBrowser, open, outputDir, pictureStats, signIn, startServe, watch, type Served, type Troubles } from "../helpers/browser.ts";
import { initHome, pai } from "../helpers/cli.ts";
import { writeDemoTelos } from "./telos-fixture.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

if (!HAVE_CHROMIUM) console.warn(`dashboard browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set PAI_CHROMIUM)`);

const json = (home: string, args: string[]) => {
  const r = pai([...args, "--json"], { home });
  if (r.code !== 0) throw new Error(`pai ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const rememberId = (home: string, text: string) => Number(/#(\d+)/.exec(pai(["remember", text], { home }).stdout)![1]);

describe.skipIf(!HAVE_CHROMIUM)("pai serve in a browser", { timeout: 60_000 }, () => {
  let home: string;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let troubles: Troubles;
  let approvalId: number;
  let callId: number;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    home = initHome(mkdtempSync(join(tmpdir(), "pai-dashboard-")));
    writeDemoTelos(home);
    ids.heron = rememberId(home, "The blue heron nests by the river near the old mill");
    ids.fix = rememberId(home, "The dentist appointment is on a Tuesday");
    ids.gone = rememberId(home, "The spare key is under the marmalade pot");
    expect(pai(["jobs", "add", "gated", "--webhook", "--text", "approved note {{body}}", "--approval"], { home }).code).toBe(0);
    const p = paths(home);
    const db = openDatabase(p.db);
    try {
      const fired = await fireJob({ db, config: loadConfig(p.config), paths: p, secrets: new Secrets() }, getJob(p, "gated"), { trigger: "webhook", key: "w1", vars: { body: "kingfisher" } });
      expect(fired.status).toBe("waiting_approval");
      approvalId = fired.approvalId!;
      callId = recordCall(db, {
        at: new Date().toISOString(), backend: "ollama", model: "llama3.2", purpose: "chat", kind: "chat", inputTokens: 120, outputTokens: 40,
        latencyMs: 900, outcome: "ok", attempt: 1, error: null, exchangeId: null, cost: 0, job: null, pack: null,
      });
    } finally {
      db.close();
    }
    [served, browser] = await Promise.all([startServe(home), launchBrowser()]);
    page = await browser.newPage();
    troubles = watch(page);
    await signIn(page, served.url);
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("signs in with the printed key, which then leaves the address bar and the history", async () => {
    expect(page.url()).toBe(`${served.origin}/`);
    expect(await page.evaluate("location.href")).not.toContain("token=");
    expect(await page.$eval("h1", (h) => h.textContent)).toBe("Ada's pai");
    // The entry the key was in was replaced, not added to: going back leaves the dashboard (the tab's blank page).
    await page.goBack();
    expect(page.url()).not.toContain("token=");
    expect(page.url()).not.toContain(served.origin);
    await page.goForward();
    expect(page.url()).toBe(`${served.origin}/`);
    expect(troubles.list).toEqual([]);
  });

  it("every page loads with no console error and no failed request, and looks like something", async () => {
    const dir = outputDir();
    const pages: [string, string, string][] = [
      ["overview", "/", "Ada's pai"],
      ["telos", "/telos", "Telos"],
      ["memory", "/memory", "Memory"],
      ["memory-search", "/memory?q=heron", "Memory"],
      ["memory-item", `/memory/${ids.heron}`, `Memory #${ids.heron}`],
      ["daemon", "/daemon", "Daemon"],
      ["models", "/models", "Models"],
      ["models-call", `/models/call/${callId}`, `Call #${callId}`],
    ];
    for (const [name, path, title] of pages) {
      troubles.clear();
      await open(page, served.origin, path);
      // Charts draw after their data comes: wait for the network to settle.
      await page.waitForNetworkIdle({ idleTime: 100, timeout: 5000 });
      expect(await page.$eval("h1", (h) => h.textContent), path).toBe(title);
      expect(troubles.list, path).toEqual([]);
      const png = await page.screenshot({ type: "png" });
      writeFileSync(join(dir, `dashboard-${name}.png`), png);
      const look = await pictureStats(page, png);
      expect(look.colours, `${path}: distinct colours`).toBeGreaterThan(8);
      expect(look.stddev, `${path}: brightness spread`).toBeGreaterThan(5);
    }
  });

  it("a search finds a remembered item, with its kind, tier, visibility and score", async () => {
    await open(page, served.origin, "/memory");
    await page.type('input[name="q"]', "heron river");
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form.search button")]);
    const rows = await page.$$eval("table.results tbody tr", (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td: any) => String(td.textContent).trim())));
    const row = rows.find((r) => r[0] === `#${ids.heron}`);
    expect(row).toBeDefined();
    expect(row!.slice(1, 5)).toEqual(["The blue heron nests by the river near the old mill", "note", "hot", "shareable"]);
    expect(Number(row![5])).toBeGreaterThan(0);
    expect(await page.$eval('input[name="q"]', (i) => (i as any).value)).toBe("heron river");
  });

  it("a correction, a pin and 'private' made on the page are what the CLI shows", async () => {
    await open(page, served.origin, `/memory/${ids.fix}`);
    await page.$eval("textarea#content", (t) => ((t as any).value = ""));
    await page.type("textarea#content", "The dentist appointment is on a Thursday");
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click('button[data-action="edit"]')]);
    const newId = Number(/\/memory\/(\d+)$/.exec(page.url())![1]);
    expect(newId).not.toBe(ids.fix);
    expect(json(home, ["memory", "show", String(ids.fix)]).superseded_by).toBe(newId);
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click('button[data-action="pin"]')]);
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click('button[data-action="private"]')]);
    const shown = json(home, ["memory", "show", String(newId)]);
    expect(shown).toMatchObject({ content: "The dentist appointment is on a Thursday", pinned: true, visibility: "private", supersedes: ids.fix });
    expect(await page.$eval('button[data-action="shareable"]', (b) => b.textContent)).toBe("Make shareable");
    const audit = json(home, ["audit"]).filter((e: any) => e.type === "dashboard").map((e: any) => e.data.action);
    expect(audit).toEqual(expect.arrayContaining(["memory.edit", "memory.pin", "memory.private"]));
  });

  it("forget on the page, once confirmed, removes the item from the CLI's search", async () => {
    expect(json(home, ["memory", "search", "marmalade"]).map((h: any) => h.id)).toContain(ids.gone);
    await open(page, served.origin, `/memory/${ids.gone}`);
    const asked: string[] = [];
    page.once("dialog", (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click('button[data-action="forget"]')]);
    expect(asked).toEqual([`Forget #${ids.gone} everywhere? This cannot be undone.`]);
    expect(page.url()).toBe(`${served.origin}/memory?forgotten=${ids.gone}`);
    expect(json(home, ["memory", "search", "marmalade"])).toEqual([]);
    expect(pai(["memory", "show", String(ids.gone)], { home }).code).not.toBe(0);
  });

  it("approve on the page runs the action exactly once; a second approve is refused", async () => {
    await open(page, served.origin, "/daemon");
    const card = `article.approval[data-id="${approvalId}"]`;
    expect(await page.$eval(`${card} dl`, (d) => d.textContent)).toContain("approved note kingfisher");
    page.once("dialog", (d) => void d.accept());
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(`${card} button[data-post$="/approve"]`)]);
    expect(await page.$(card)).toBeNull();
    expect(await page.$eval("main", (m) => m.textContent)).toContain("Nothing is waiting.");
    const made = json(home, ["memory", "search", "approved note kingfisher"]).filter((h: any) => h.content === "approved note kingfisher");
    expect(made).toHaveLength(1);
    const decisions = json(home, ["audit", "--job", "gated"]).filter((e: any) => e.type === "approval").map((e: any) => e.data.decision);
    expect(decisions).toEqual(["approved"]);
    // The same POST again, from the page's own script context with its CSRF token: refused, nothing run.
    const again: { status: number; body: any } = await page.evaluate(async (id) => {
      const csrf = (globalThis as any).document.querySelector('meta[name="csrf-token"]')!.getAttribute("content")!;
      const r = await fetch(`/api/approvals/${id}/approve`, { method: "POST", headers: { "x-csrf-token": csrf } });
      return { status: r.status, body: await r.json() };
    }, approvalId);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/already approved/);
    expect(json(home, ["memory", "search", "approved note kingfisher"]).filter((h: any) => h.content === "approved note kingfisher")).toHaveLength(1);
  });

  it("the Telos graph shows the items and the links of the files", async () => {
    await open(page, served.origin, "/telos");
    await page.waitForFunction(() => !!(globalThis as any).paiGraph);
    const g = await page.evaluate(() => {
      const cy = (globalThis as any).paiGraph;
      return { nodes: cy.nodes().map((n: any) => n.id()).sort(), edges: cy.edges().map((e: any) => e.id()).sort(), inactive: cy.nodes(".inactive").map((n: any) => n.id()) };
    });
    expect(g.edges).toEqual(["C1-blocks-P2", "G1-supports-M1", "G2-supports-M1", "G3-supports-M1", "P1-supports-G1", "P2-supports-G1", "P3-supports-G2", "P4-supports-G3"]);
    expect(g.nodes).toEqual(expect.arrayContaining(["M1", "G1", "G2", "G3", "P1", "P2", "P3", "P4", "B1", "C1"]));
    expect(g.inactive).toEqual(["P4"]);
    // Clicking an item shows its text, file and line.
    await page.evaluate(() => (globalThis as any).paiGraph.$("#P2").emit("tap"));
    const detail = await page.$eval("#detail", (d) => (d as any).textContent as string);
    expect(detail).toContain("projects.md");
    expect(detail).toContain("C1 blocks P2");
  });
});
