/**
 * Learning the user can see, through the real CLI: the prompt returns when the answer ends, a learner learns
 * in the background, the next command tells what was learned with the id to forget it, a failed extraction
 * is a notice, and an exchange whose learner was killed is learned from by a later one.
 */
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { ask } from "../../src/conversation/ask.ts";
import { EXTRACTED_JSON_SCHEMA } from "../../src/conversation/learn.ts";
import { learningNotices, learnPending, noticeLine } from "../../src/conversation/learner.ts";
import { processAlive, queued } from "../../src/conversation/pending.ts";
import { openMemory } from "../../src/memory/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const FACT = "The user is allergic to penicillin.";
// Ten words: with a delay between streamed words, the extraction takes ten times as long as a one-word answer.
const EXTRACTION = JSON.stringify({ items: [{ content: FACT, kind: "fact" }] }).replace(/,/g, ", ").replace(/:/g, ": ");

const isExtraction = (body: any) => JSON.stringify(body?.messages?.[0] ?? "").includes("You extract durable facts");
const reply = (extract: string) => (body: any) => (isExtraction(body) ? extract : "Noted.");

function home() {
  const h = initHome(tmpDir());
  const p = paths(h);
  writeFileSync(p.config, JSON.stringify({ backend: { retries: 0, backoffMs: 1 } }));
  return p;
}

/** The home's learned items and learning queue, read from its database. */
function inspect(p: ReturnType<typeof paths>) {
  const db = openDatabase(p.db);
  try {
    const learned = openMemory(db, loadConfig(p.config))
      .list({})
      .filter((m) => m.source === "learned");
    return { learned, queue: queued(db) };
  } finally {
    db.close();
  }
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 25_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("learning in the background", () => {
  it("pai ask returns before a slow extraction ends; the next pai ask tells what was learned, with the id, once", async () => {
    const p = home();
    // 300 ms a word: the answer takes 0.3 s, the extraction 3 s.
    const s = await startFakeOllama({ reply: reply(EXTRACTION), chunkDelayMs: 300 });
    servers.push(s);
    const env = { OLLAMA_HOST: s.url };

    const first = await paiAsync(["ask", "I am allergic to penicillin"], { home: p.home, env });
    const returnedAt = Date.now();
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("Noted.\n");
    expect(first.stderr).toBe("");
    // The command has returned, and the exchange is queued, not yet learned from.
    const now = inspect(p);
    expect(now.learned).toEqual([]);
    expect(now.queue).toHaveLength(1);
    expect(now.queue[0]!.state).toBe("pending");

    // The background learner learns from it afterwards.
    const [item] = await until("the learned item", () => {
      const l = inspect(p).learned;
      return l.length ? l : undefined;
    });
    expect(item!.content).toBe(FACT);
    expect(Date.parse(item!.createdAt)).toBeGreaterThan(returnedAt);
    const extraction = s.requests.find((q) => q.path === "/api/chat" && isExtraction(q.body))!.body;
    expect(extraction.format).toEqual(EXTRACTED_JSON_SCHEMA);
    expect(extraction.format.properties.items.items.required).toEqual(["content", "kind"]);

    const second = await paiAsync(["ask", "thanks"], { home: p.home, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe("Noted.\n");
    expect(second.stderr).toBe(`pai: learned mem:${item!.id} "${FACT}" — undo: pai memory forget ${item!.id}\n`);
    const third = await paiAsync(["ask", "--incognito", "and now?"], { home: p.home, env });
    expect(third.stderr).not.toContain("learned mem:");
  });

  it("a failed extraction is a notice, not an error, and the exchange stays stored", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: reply("I think the user likes climbing.") });
    servers.push(s);
    const env = { OLLAMA_HOST: s.url };
    const first = await paiAsync(["ask", "I love climbing"], { home: p.home, env });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe("");
    const learn = await paiAsync(["learn"], { home: p.home, env });
    expect(learn.code).toBe(0);
    expect(learn.stderr).toBe("");
    const db = openDatabase(p.db);
    const episode = openMemory(db, loadConfig(p.config)).list({ kind: "episode" })[0]!;
    db.close();
    expect(episode.content).toBe("Q: I love climbing\nA: Noted.");
    expect(learn.stdout).toBe(`nothing learned from "I love climbing" (the model's answer was not valid JSON); the exchange stays stored as mem:${episode.id}\n`);
    expect(inspect(p)).toEqual({ learned: [], queue: [] });
  });

  it("an exchange whose learner is killed stays queued, and a later command learns from it", async () => {
    const p = home();
    // 1.5 s a word: the extraction would take 15 s; the learner is killed while it waits.
    const slow = await startFakeOllama({ reply: reply(EXTRACTION), chunkDelayMs: 1500 });
    servers.push(slow);
    const first = await paiAsync(["ask", "I am allergic to penicillin"], { home: p.home, env: { OLLAMA_HOST: slow.url } });
    expect(first.code).toBe(0);
    await until("the extraction request", () => slow.requests.some((q) => q.path === "/api/chat" && isExtraction(q.body)));
    const pid = inspect(p).queue[0]!.claimedBy!;
    expect(processAlive(pid)).toBe(true);
    process.kill(pid, "SIGKILL");
    await until("the learner's end", () => !processAlive(pid));
    expect(inspect(p).queue.map((r) => r.state)).toEqual(["pending"]);
    expect(inspect(p).learned).toEqual([]);

    // Like a real model, the fact comes only from the exchange that states it (the two may be learned in either order).
    const fast = await startFakeOllama({
      reply: (body: any) => (isExtraction(body) ? (JSON.stringify(body.messages).includes("I am allergic to penicillin") ? EXTRACTION : '{"items": []}') : "Noted."),
    });
    servers.push(fast);
    const env = { OLLAMA_HOST: fast.url };
    const next = await paiAsync(["ask", "what should I avoid?"], { home: p.home, env });
    expect(next.code).toBe(0);
    const learn = await paiAsync(["learn"], { home: p.home, env });
    expect(learn.code).toBe(0);
    const [item] = inspect(p).learned;
    expect(item!.content).toBe(FACT);
    const db = openDatabase(p.db);
    const firstEpisode = openMemory(db, loadConfig(p.config)).list({ kind: "episode" }).find((e) => e.content.startsWith("Q: I am allergic"))!;
    db.close();
    expect(item!.derivedFrom).toEqual([firstEpisode.id]);
    expect(learn.stdout).toContain(`learned mem:${item!.id} "${FACT}" — undo: pai memory forget ${item!.id}\n`);
    expect(inspect(p).queue).toEqual([]);
  });

  it("an exchange whose extraction cannot reach the model is tried three times, then told once and kept", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: reply(EXTRACTION) });
    servers.push(s);
    const db = openDatabase(p.db);
    const config = loadConfig(p.config);
    const r = await ask("I am allergic to penicillin", { paths: p, db, config, env: { OLLAMA_HOST: s.url } });
    const dead = { OLLAMA_HOST: "http://127.0.0.1:9" };
    for (const attempt of [1, 2]) {
      await learnPending({ db, config, env: dead });
      expect(queued(db).map((q) => [q.state, q.attempts])).toEqual([["pending", attempt]]);
      expect(learningNotices(db, config)).toEqual([]); // nothing to tell yet: it will be tried again
    }
    await learnPending({ db, config, env: dead });
    const lines = learningNotices(db, config).map(noticeLine);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nothing learned from "I am allergic to penicillin" \(cannot reach Ollama at http:\/\/127\.0\.0\.1:9.*; tried 3 times\); the exchange stays stored as mem:\d+$/);
    expect(lines[0]).toContain(`mem:${r.episodeId}`);
    expect(queued(db)).toEqual([]);
    expect(openMemory(db, config).get(r.episodeId!)!.kind).toBe("episode");
    db.close();
  });

  it("pai learn with nothing queued says so; a bad --wait is a usage error", async () => {
    const p = home();
    const none = await paiAsync(["learn"], { home: p.home });
    expect(none).toEqual({ code: 0, stdout: "nothing new learned\n", stderr: "" });
    expect(JSON.parse((await paiAsync(["learn", "--json"], { home: p.home })).stdout)).toEqual({ notices: [], pending: 0 });
    const bad = await paiAsync(["learn", "--wait", "soon"], { home: p.home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("pai: invalid --wait 'soon' — give a number of seconds, e.g. --wait 30\n");
  });

  it("pai chat tells what was learned from an earlier session", async () => {
    const p = home();
    const s = await startFakeOllama({ reply: reply(EXTRACTION) });
    servers.push(s);
    const env = { OLLAMA_HOST: s.url };
    const first = await paiAsync(["chat"], { home: p.home, env, input: "I am allergic to penicillin\n" });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe("");
    const [item] = await until("the learned item", () => {
      const l = inspect(p).learned;
      return l.length ? l : undefined;
    });
    const second = await paiAsync(["chat"], { home: p.home, env, input: "hello\n" });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(`pai: learned mem:${item!.id} "${FACT}" — undo: pai memory forget ${item!.id}\n`);
  });
});
