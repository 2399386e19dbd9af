// `pai memory maintain --consolidate`: cold memories summarised per month by the local model; sources stay.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe("pai memory maintain --consolidate", () => {
  it("writes one summary per cold month that derives from its sources", async () => {
    const home = initHome(tmpDir());
    const file = join(home, "old.jsonl");
    const lines = [
      { content: "Met Camille at the climbing gym in Lyon", created_at: "2023-03-04T10:00:00Z", kind: "event" },
      { content: "Started the pottery class on Thursdays", created_at: "2023-03-12T10:00:00Z", kind: "event" },
      { content: "Decided to learn Italian before the summer trip", created_at: "2023-03-20T10:00:00Z", kind: "fact" },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
    expect(pai(["memory", "import", file], { home }).code).toBe(0);
    const ollama = await startFakeOllama({ reply: "In March 2023 the user met Camille, began pottery and chose to learn Italian." });
    closers.push(() => ollama.close());
    const r = await paiAsync(["memory", "maintain", "--consolidate", "--json"], { home, env: { OLLAMA_HOST: ollama.url } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summaries).toBe(1);
    const chat = ollama.requests.find((q) => q.path === "/api/chat")!;
    expect(JSON.stringify(chat.body)).toContain("pottery");

    const found = JSON.parse(pai(["memory", "search", "Camille pottery Italian", "--json"], { home }).stdout) as { id: number; content: string }[];
    const summary = found.find((m) => m.content.startsWith("In March 2023"))!;
    expect(summary).toBeDefined();
    // The sources are still there and searchable.
    expect(found.some((m) => m.content.includes("climbing gym"))).toBe(true);
    const shown = pai(["memory", "show", String(summary.id), "--json"], { home });
    expect(JSON.parse(shown.stdout).derived_from).toHaveLength(3);

    // A second run finds nothing new to summarise.
    const again = await paiAsync(["memory", "maintain", "--consolidate", "--json"], { home, env: { OLLAMA_HOST: ollama.url } });
    expect(JSON.parse(again.stdout).summaries).toBe(0);
  });

  it("a month with a single cold memory is left alone, and the notice says why", async () => {
    const home = initHome(tmpDir());
    const file = join(home, "one.jsonl");
    writeFileSync(file, `${JSON.stringify({ content: "Visited Kyoto", created_at: "2023-05-02T10:00:00Z", kind: "event" })}\n`);
    expect(pai(["memory", "import", file], { home }).code).toBe(0);
    const ollama = await startFakeOllama({ reply: "A summary." });
    closers.push(() => ollama.close());
    const r = await paiAsync(["memory", "maintain", "--consolidate"], { home, env: { OLLAMA_HOST: ollama.url } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cold 1/);
    expect(r.stderr).toBe("pai: nothing to consolidate — a month is summarised once it holds two or more cold memories not summarised yet\n");
    expect(ollama.requests.filter((q) => q.path === "/api/chat")).toHaveLength(0);
  });

  it("refuses a cloud backend: cold memories stay on the machine", () => {
    const home = initHome(tmpDir());
    const r = pai(["memory", "maintain", "--consolidate", "--backend", "anthropic"], { home, env: { ANTHROPIC_API_KEY: "test" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pai: consolidation runs on a local model only/);
  });
});
