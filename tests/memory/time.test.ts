// Time phrases in a request and the window of time they name (local time), and the store's window query.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { openMemory } from "../../src/memory/index.ts";
import { namedDays, timeWindow } from "../../src/memory/time.ts";
import { itemsOfWindow } from "../../src/memory/named.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

// Saturday 21 November 2026, 09:30 local time.
const NOW = new Date(2026, 10, 21, 9, 30);
const local = (y: number, m: number, d: number, h = 0) => new Date(y, m - 1, d, h).getTime();

function win(q: string, now = NOW) {
  const w = timeWindow(q, now);
  return w && { from: w.from.getTime(), to: w.to.getTime(), phrase: w.phrase, rest: w.rest };
}

describe("timeWindow", () => {
  it("names the window of common phrases", () => {
    expect(win("what did you do overnight?")).toMatchObject({ from: local(2026, 11, 20, 18), to: NOW.getTime(), phrase: "overnight", rest: "what did you do" });
    expect(win("What happened last night")).toMatchObject({ from: local(2026, 11, 20, 18), to: NOW.getTime() });
    expect(win("what happened yesterday?")).toMatchObject({ from: local(2026, 11, 20), to: local(2026, 11, 21) });
    expect(win("anything today")).toMatchObject({ from: local(2026, 11, 21), to: NOW.getTime() });
    expect(win("what did I do this morning")).toMatchObject({ from: local(2026, 11, 21), to: NOW.getTime() });
    // Weeks start on Monday: the 16th.
    expect(win("what happened this week")).toMatchObject({ from: local(2026, 11, 16), to: NOW.getTime() });
    expect(win("what happened last week")).toMatchObject({ from: local(2026, 11, 9), to: local(2026, 11, 16) });
    expect(win("emails since Monday")).toMatchObject({ from: local(2026, 11, 16), to: NOW.getTime(), rest: "emails" });
    expect(win("what did Bob say on Thursday")).toMatchObject({ from: local(2026, 11, 19), to: local(2026, 11, 20), rest: "what did bob say" });
    expect(win("what happened on 2026-11-20?")).toMatchObject({ from: local(2026, 11, 20), to: local(2026, 11, 21) });
    expect(win("notes from 3 November")).toMatchObject({ from: local(2026, 11, 3), to: local(2026, 11, 4) });
    expect(win("since 2026-11-01")).toMatchObject({ from: local(2026, 11, 1), to: NOW.getTime() });
    expect(win("in the last 3 hours")).toMatchObject({ from: NOW.getTime() - 3 * 3_600_000, to: NOW.getTime() });
    expect(win("over the past two days")).toMatchObject({ from: NOW.getTime() - 2 * 86_400_000 });
    expect(win("what happened last month")).toMatchObject({ from: local(2026, 10, 1), to: local(2026, 11, 1) });
    // A date later than today without a year is last year's.
    expect(win("on 20 December")).toMatchObject({ from: local(2025, 12, 20) });
  });

  it("names nothing when there is no time phrase, or an impossible date", () => {
    expect(win("where is the bike lock?")).toBeUndefined();
    expect(win("the tonight show")).toBeUndefined();
    expect(win("on 2026-02-31")).toBeUndefined();
    expect(win("")).toBeUndefined();
  });

  it("names windows ahead: tomorrow, the day after, next week, this weekend, upcoming, in N days, next month, on Monday", () => {
    // NOW is Saturday 21 November 2026, 09:30.
    expect(win("what's on tomorrow?")).toMatchObject({ from: local(2026, 11, 22), to: local(2026, 11, 23), phrase: "tomorrow", rest: "what s on" });
    expect(timeWindow("what's on tomorrow?", NOW)!.ahead).toBe(true);
    expect(timeWindow("what happened yesterday?", NOW)!.ahead).toBe(false);
    expect(win("what's on the day after tomorrow?")).toMatchObject({ from: local(2026, 11, 23), to: local(2026, 11, 24) });
    expect(win("anything tomorrow morning")).toMatchObject({ from: local(2026, 11, 22), to: local(2026, 11, 22, 12) });
    expect(win("plans for tomorrow evening")).toMatchObject({ from: local(2026, 11, 22, 17), to: local(2026, 11, 23) });
    expect(win("what am I doing tonight")).toMatchObject({ from: local(2026, 11, 21, 17), to: local(2026, 11, 22) });
    // Weeks start on Monday: next week is Monday 23 to Monday 30.
    expect(win("what do I have next week?")).toMatchObject({ from: local(2026, 11, 23), to: local(2026, 11, 30) });
    // On Saturday, this weekend is today and tomorrow; on a Wednesday it is the coming one.
    expect(win("what is planned this weekend")).toMatchObject({ from: local(2026, 11, 21), to: local(2026, 11, 23) });
    expect(win("what is planned this weekend", new Date(2026, 10, 18, 12))).toMatchObject({ from: local(2026, 11, 21), to: local(2026, 11, 23) });
    expect(win("what did I do this weekend", new Date(2026, 10, 24, 12))).toMatchObject({ from: local(2026, 11, 21), to: local(2026, 11, 23) });
    expect(win("anything next weekend")).toMatchObject({ from: local(2026, 11, 28), to: local(2026, 11, 30) });
    // Upcoming: from now to the end of the seventh day ahead.
    expect(win("anything upcoming?")).toMatchObject({ from: NOW.getTime(), to: local(2026, 11, 29) });
    expect(win("what is coming up")).toMatchObject({ from: NOW.getTime(), to: local(2026, 11, 29) });
    expect(win("what is coming up in the next few days?")).toMatchObject({ from: NOW.getTime(), to: NOW.getTime() + 3 * 86_400_000, phrase: "in the next few days" });
    expect(win("over the next 2 weeks")).toMatchObject({ from: NOW.getTime(), to: NOW.getTime() + 14 * 86_400_000 });
    // In N days: that day; in N weeks: that week.
    expect(win("what is due in 3 days")).toMatchObject({ from: local(2026, 11, 24), to: local(2026, 11, 25) });
    expect(win("in two days")).toMatchObject({ from: local(2026, 11, 23), to: local(2026, 11, 24) });
    expect(win("in 2 weeks")).toMatchObject({ from: local(2026, 11, 30), to: local(2026, 12, 7) });
    expect(win("next month")).toMatchObject({ from: local(2026, 12, 1), to: local(2027, 1, 1) });
    // A weekday: the coming one when asked about what is ahead, the last one otherwise.
    expect(win("what do I have on Monday?")).toMatchObject({ from: local(2026, 11, 23), to: local(2026, 11, 24) });
    expect(win("next Friday")).toMatchObject({ from: local(2026, 11, 27), to: local(2026, 11, 28) });
    expect(win("anything due this Saturday")).toMatchObject({ from: local(2026, 11, 21), to: local(2026, 11, 22) });
    expect(win("anything due this Tuesday")).toMatchObject({ from: local(2026, 11, 24), to: local(2026, 11, 25) });
    // "Plan my week" at the weekend is next week; on a weekday, the rest of this one.
    expect(win("plan my week")).toMatchObject({ from: local(2026, 11, 23), to: local(2026, 11, 30) });
    expect(win("plan my week", new Date(2026, 10, 18, 12))).toMatchObject({ from: local(2026, 11, 18, 12), to: local(2026, 11, 23) });
    expect(win("what is on my calendar")).toMatchObject({ from: NOW.getTime(), to: local(2026, 11, 29) });
    expect(win("what did I do on Monday?")).toMatchObject({ from: local(2026, 11, 16), to: local(2026, 11, 17) });
    // A date without a year asked about ahead is the next one; today's whole day when asked what is on.
    expect(win("what's on on 10 December?")).toMatchObject({ from: local(2026, 12, 10), to: local(2026, 12, 11) });
    expect(win("what is planned on 3 January?")).toMatchObject({ from: local(2027, 1, 3) });
    expect(win("what's on today?")).toMatchObject({ from: local(2026, 11, 21), to: local(2026, 11, 22) });
    // This week and this month, asked about what is ahead, run to their end.
    expect(win("what should I focus on this week?")).toMatchObject({ from: local(2026, 11, 16), to: local(2026, 11, 23) });
    expect(win("what is planned this month")).toMatchObject({ from: local(2026, 11, 1), to: local(2026, 12, 1) });
  });

  it("overnight asked in the afternoon still means the night before, not the morning's work", () => {
    const w = win("what did you do overnight", new Date(2026, 10, 21, 15, 0))!;
    expect(w.from).toBe(local(2026, 11, 20, 18));
    expect(w.to).toBe(local(2026, 11, 21, 12));
  });
});

describe("between", () => {
  it("returns current items of the window, actions and events first, the cloud audience only shareable ones", () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const store = openMemory(db, configSchema.parse({}));
    const t = (h: number) => new Date(Date.UTC(2026, 10, 21, h)).toISOString();
    const note = store.remember({ content: "a note at two", kind: "note", createdAt: t(2), visibility: "shareable" }).item;
    const act = store.remember({ content: "ran the backup job", kind: "action", createdAt: t(1), visibility: "shareable" }).item;
    const priv = store.remember({ content: "a private event", kind: "event", createdAt: t(3) }).item;
    store.remember({ content: "before the window", kind: "action", createdAt: t(0) });
    store.remember({ content: "after the window", kind: "action", createdAt: t(5) });
    const old = store.remember({ content: "an old version", kind: "event", createdAt: t(2) }).item;
    // A correction keeps the item's date and kind: the new version is an event of the window.
    const newer = store.edit(old.id, "a newer version");
    const ids = store.between(t(1), t(5)).map((m) => m.id);
    expect(ids.slice(0, 3)).toEqual([priv.id, newer.id, act.id]);
    expect(ids).toContain(note.id);
    expect(ids).not.toContain(old.id);
    expect(store.between(t(1), t(5), { audience: "cloud" }).map((m) => m.id)).toEqual([act.id, note.id]);
    expect(store.between(t(1), t(5), { limit: 1 }).map((m) => m.id)).toEqual([priv.id]);
    db.close();
  });
});

describe("pai context with a time phrase", () => {
  it("offers what the daemon did overnight, actions first, and leaves older items out", () => {
    const h = initHome(tmpDir());
    const now = new Date();
    const w = timeWindow("what did you do overnight?", now)!;
    const inside = (ms: number) => new Date(Math.min(w.from.getTime() + ms, now.getTime() - 60_000)).toISOString();
    const lines = [
      { content: "Archived 12 newsletters from the inbox", kind: "action", created_at: inside(3_600_000), source: "job:mail-triage" },
      { content: "Renewed the TLS certificate of the home server", kind: "action", created_at: inside(2 * 3_600_000), source: "job:certs" },
      { content: "A thought about gardening in spring", kind: "note", created_at: inside(90 * 60_000) },
      { content: "Sent the weekly report to the team", kind: "action", created_at: new Date(w.from.getTime() - 3 * 86_400_000).toISOString(), source: "job:report" },
    ];
    const file = join(tmpDir(), "items.jsonl");
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    expect(pai(["memory", "import", file], { home: h }).code).toBe(0);
    const r = pai(["context", "--json", "--query", "what did you do overnight?"], { home: h });
    expect(r.code).toBe(0);
    const ctx = JSON.parse(r.stdout);
    const window = ctx.sections.find((s: any) => /overnight/.test(s.title));
    expect(window).toBeTruthy();
    const texts: string[] = window.items.map((i: any) => i.text);
    expect(texts[0]).toMatch(/\(action, .*\) Renewed the TLS certificate/);
    expect(texts[1]).toMatch(/\(action, .*\) Archived 12 newsletters/);
    expect(texts[2]).toMatch(/gardening/);
    expect(texts.join("\n")).not.toMatch(/weekly report/);
    // Each is in the context once.
    const all: string[] = ctx.sections.flatMap((s: any) => s.items.map((i: any) => i.text));
    expect(all.filter((t) => /TLS certificate/.test(t))).toHaveLength(1);
    // Without a time phrase, no window section.
    const plain = JSON.parse(pai(["context", "--json", "--query", "certificate"], { home: h }).stdout);
    expect(plain.sections.some((s: any) => /What happened/.test(s.title))).toBe(false);
  });
});

describe("pai ask with a time phrase", () => {
  it("hands the model the night's actions, marked by id, when asked what it did overnight", async () => {
    const h = initHome(tmpDir());
    const cfgPath = join(h, "user", "config.json");
    let cfg: Record<string, unknown> = {};
    try {
      cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
    } catch {}
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, backend: { retries: 1, backoffMs: 1 } }));
    const now = new Date();
    const w = timeWindow("overnight", now)!;
    const at = new Date(Math.min(w.from.getTime() + 3_600_000, now.getTime() - 60_000)).toISOString();
    const file = join(tmpDir(), "items.jsonl");
    writeFileSync(file, `${JSON.stringify({ content: "Pruned 3 GB of old backups on the NAS", kind: "action", created_at: at, source: "job:prune" })}\n`);
    expect(pai(["memory", "import", file], { home: h }).code).toBe(0);
    const s = await startFakeOllama({ reply: "I pruned old backups." });
    try {
      const r = await paiAsync(["ask", "--no-packs", "what did you do overnight?"], { home: h, env: { OLLAMA_HOST: s.url } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("I pruned old backups.");
      const chat = s.requests.find((q) => q.path === "/api/chat")!.body;
      expect(chat.messages[0].content).toMatch(/\[mem:\d+\] \(action, [^)]*\) Pruned 3 GB of old backups/);
    } finally {
      await s.close();
    }
  });
});

describe("the days an item names", () => {
  // Friday 4 December 2026, 10:00 local time.
  const TOLD = new Date(2026, 11, 4, 10);
  const days = (text: string, told = TOLD) => namedDays(text, told).map((d) => d.getTime());

  it("reads dates, tomorrow, in N days and weekdays against when the item was told", () => {
    expect(days("Dentist appointment on 10 December")).toEqual([local(2026, 12, 10)]);
    expect(days("Dentist appointment on December 10th at 3pm")).toEqual([local(2026, 12, 10)]);
    expect(days("Flight to Oslo 2027-01-15")).toEqual([local(2027, 1, 15)]);
    expect(days("Lunch with Bob tomorrow")).toEqual([local(2026, 12, 5)]);
    expect(days("the plumber comes the day after tomorrow")).toEqual([local(2026, 12, 6)]);
    expect(days("Call Mum on Friday")).toEqual([local(2026, 12, 11)]);
    expect(days("the parcel arrives in 3 days")).toEqual([local(2026, 12, 7)]);
    // A date without a year just past is this year's, not next year's.
    expect(days("I went to Lyon on 3 March", new Date(2026, 2, 5))).toEqual([local(2026, 3, 3)]);
    expect(days("I like tomatoes")).toEqual([]);
  });

  it("a window ahead brings the items naming its days, first, whenever they were told; cloud gets only shareable ones", () => {
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const store = openMemory(db, configSchema.parse({}));
    const told = (d: number, h = 10) => new Date(2026, 11, d, h).toISOString();
    const dentist = store.remember({ content: "Dentist appointment on 10 December", kind: "event", createdAt: told(1), visibility: "shareable" }).item;
    const lunch = store.remember({ content: "Lunch with Bob tomorrow", kind: "event", createdAt: told(9) }).item;
    const other = store.remember({ content: "Haircut on 12 December", kind: "event", createdAt: told(1) }).item;
    const toldThen = store.remember({ content: "Bought a new kettle", kind: "note", createdAt: told(10, 8), visibility: "shareable" }).item;
    const old = store.remember({ content: "Vet on 10 December", kind: "event", createdAt: told(2) }).item;
    store.edit(old.id, "Vet on 11 December");
    // Every way of writing the day: month and day in either order, an ordinal, a short month, an ISO date, a weekday.
    const forms = ["Flight to Oslo on December 10th", "Renew the passport by dec 10", "Tax form due 2026-12-10", "Call the bank on Thursday"].map(
      (content) => store.remember({ content, kind: "event", createdAt: told(7) }).item.id,
    );
    // The same words about other days are read exactly and left out.
    const near = ["10 people came on 1 December", "December 2026: 10 invoices", "2026-12-01 had 10 visitors", "Thursday 3 December was quiet"].map(
      (content) => store.remember({ content, kind: "note", createdAt: told(4) }).item.id,
    );
    // Asked on Wednesday 9 December: tomorrow is the 10th.
    const w = timeWindow("what's on tomorrow?", new Date(2026, 11, 9, 18))!;
    const ids = itemsOfWindow(db, store, w).map((m) => m.id);
    expect(ids.slice(0, 6).sort()).toEqual([dentist.id, lunch.id, ...forms].sort());
    expect(ids).toContain(toldThen.id);
    expect(ids).not.toContain(other.id);
    expect(ids).not.toContain(old.id);
    for (const id of near) expect(ids).not.toContain(id);
    expect(itemsOfWindow(db, store, w, { audience: "cloud" }).map((m) => m.id)).toEqual([dentist.id, toldThen.id]);
    db.close();
  });
});

describe("pai context with a time ahead", () => {
  const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const dayName = (d: Date) => `${d.getDate()} ${MONTH_NAMES[d.getMonth()]}`;

  it("an appointment the user told pai about is offered when asked what is coming up or what is on that day", () => {
    const h = initHome(tmpDir());
    const now = new Date();
    const inTwo = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 2);
    const inTen = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 10);
    expect(pai(["remember", `Dentist appointment on ${dayName(inTwo)}`], { home: h }).code).toBe(0);
    expect(pai(["remember", `Car service on ${dayName(inTen)}`], { home: h }).code).toBe(0);
    const planned = (query: string) => {
      const r = pai(["context", "--json", "--query", query], { home: h });
      expect(r.code, r.stderr).toBe(0);
      const section = JSON.parse(r.stdout).sections.find((s: any) => /^What is planned/.test(s.title));
      return (section?.items ?? []).map((i: any) => i.text).join("\n");
    };
    const soon = planned("what is coming up in the next few days?");
    expect(soon).toContain("Dentist appointment on");
    expect(soon).not.toContain("Car service");
    expect(planned("what's on the day after tomorrow?")).toContain("Dentist appointment on");
    expect(planned("what's on tomorrow?")).not.toContain("Dentist appointment on");
  });
});

describe("pai ask about what is ahead", () => {
  it("the model gets today's date and the appointment told for the day after tomorrow", async () => {
    const h = initHome(tmpDir());
    const now = new Date();
    const inTwo = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 2);
    const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    expect(pai(["remember", `Dentist appointment on ${inTwo.getDate()} ${months[inTwo.getMonth()]}`], { home: h }).code).toBe(0);
    const s = await startFakeOllama({ reply: "You see the dentist." });
    try {
      const r = await paiAsync(["ask", "--no-packs", "--incognito", "what's on the day after tomorrow?"], { home: h, env: { OLLAMA_HOST: s.url } });
      expect(r.code, r.stderr).toBe(0);
      const system: string = s.requests.find((q) => q.path === "/api/chat")!.body.messages[0].content;
      expect(system).toMatch(/What is planned the day after tomorrow \(/);
      expect(system).toMatch(/\[mem:\d+\] \([^)]*\) Dentist appointment on/);
      expect(system.split("\n").at(-1)).toMatch(new RegExp(`^Today is \\w+ ${now.getDate()} ${months[now.getMonth()]} ${now.getFullYear()}, \\d\\d:\\d\\d `));
    } finally {
      await s.close();
    }
  });
});
