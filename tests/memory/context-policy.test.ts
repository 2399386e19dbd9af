/**
 * The context policy against the real CLI: what the user told pai reaches the context even after many long
 * exchanges and a flood of bookkeeping, episodes enter condensed, and `pai context --explain` says why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

/**
 * An answer of ordinary length (about 1,200 characters, some shorter, as real answers vary) about the
 * question, mentioning nothing remembered.
 */
function longAnswer(question: string): string {
  const size = 1200 - (question.length % 5) * 150;
  const lines = [
    `Here is a careful answer to "${question}".`,
    "First, think about what matters most this week and write it down in one sentence.",
    "Second, block two hours in the morning for the hardest task, before messages and meetings start.",
    "Third, keep a short list of the small tasks and batch them in the afternoon when energy is lower.",
    "Fourth, review the list on Friday, move what did not happen, and drop what no longer matters.",
    "Fifth, protect the evenings: rest is part of the work, and a tired mind makes slow decisions.",
  ];
  let text = lines.join(" ");
  while (text.length < size) text += " " + lines.slice(1).join(" ");
  return text.slice(0, size);
}

let ollama: FakeServer;
beforeAll(async () => {
  ollama = await startFakeOllama({
    reply: (body: any) => {
      // Learning asks for JSON: nothing to learn from these answers.
      if (body?.format) return JSON.stringify({ items: [] });
      const last = [...(body?.messages ?? [])].reverse().find((m: any) => m.role === "user");
      return longAnswer(String(last?.content ?? ""));
    },
  });
});
afterAll(async () => {
  await ollama.close();
});

const QUESTIONS = [
  "how should I plan my week?",
  "what is a good way to start the morning?",
  "how do I keep a reading habit?",
  "what should I cook on a busy evening?",
  "how can I sleep better?",
  "how do I prepare for a long meeting?",
  "how do I say no to extra work politely?",
  "what is a good stretch after running?",
  "how do I write a clear email?",
  "how should I split a big project?",
  "what makes a good weekly review?",
  "how do I keep my desk tidy?",
];

function contextFor(home: string, query: string, extra: string[] = []) {
  const r = pai(["context", "--query", query, "--json", ...extra], { home });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe("the context keeps what the user told pai", () => {
  it("facts survive many long exchanges: 'who is Dario?' and 'what am I allergic to?' still bring them", async () => {
    const home = initHome(tmpDir());
    const env = { OLLAMA_HOST: ollama.url };
    expect(pai(["remember", "My partner Dario works as a nurse at the Lyon hospital"], { home }).code).toBe(0);
    expect(pai(["remember", "I am allergic to penicillin"], { home }).code).toBe(0);
    for (const q of QUESTIONS) {
      const r = await paiAsync(["ask", "--backend", "ollama", "--no-packs", q], { home, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(500);
    }
    const episodes = JSON.parse(pai(["memory", "list", "--kind", "episode", "--json"], { home }).stdout);
    expect(episodes.length).toBe(QUESTIONS.length);

    const dario = contextFor(home, "who is Dario?");
    expect(dario.text).toContain("My partner Dario works as a nurse at the Lyon hospital");
    expect(dario.tokens).toBeLessThanOrEqual(dario.budget);
    const allergy = contextFor(home, "what am I allergic to?");
    expect(allergy.text).toContain("I am allergic to penicillin");
    // With a small budget the facts still come before the exchanges.
    const small = contextFor(home, "who is Dario?", ["--budget", "300"]);
    expect(small.text).toContain("Dario works as a nurse");
    expect(small.tokens).toBeLessThanOrEqual(300);

    // Exchanges enter condensed: the question and a short gist, never the whole 1,200-character answer.
    const plain = contextFor(home, "how should I plan my week?");
    expect(plain.tokens).toBeLessThanOrEqual(plain.budget);
    const lines: string[] = plain.text.split("\n").filter((l: string) => l.includes("Q: "));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.length).toBeLessThan(600);
    expect(plain.text).not.toContain(longAnswer("how should I plan my week?"));
    // No kind takes the budget: exchanges stay within their share.
    const episodeChars = lines.reduce((n, l) => n + l.length + 1, 0);
    expect(episodeChars).toBeLessThanOrEqual(plain.budget * 4 * 0.25);
  }, 120_000);
});
