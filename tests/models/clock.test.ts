// The date line every model request carries: its wording, and that it reaches Ollama and Anthropic through
// the real CLI, in the machine's time zone (TZ).
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { configSchema } from "../../src/config/schema.ts";
import { openDatabase } from "../../src/app/db.ts";
import { getBackend, todayLine, type Purpose } from "../../src/models/index.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** The date line as it reads at `d` in `zone`, built with Intl independently of pai's code. */
function expectedLine(d: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "longOffset",
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : parts.timeZoneName!.replace("GMT", "");
  return `Today is ${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} ${zone} (UTC${offset}).`;
}

/** The system prompt text of a request body, whichever API it was sent to. */
function systemOf(body: any): string {
  if (typeof body.system === "string") return body.system;
  if (Array.isArray(body.system)) return body.system.map((b: any) => b.text).join("");
  const first = body.messages?.[0];
  return first?.role === "system" ? first.content : "";
}

describe("todayLine", () => {
  it("names the weekday, date, time, zone and offset", () => {
    expect(todayLine(new Date(2026, 11, 4, 21, 40))).toMatch(/^Today is Friday 4 December 2026, 21:40 \S+ \(UTC[+-]\d\d:\d\d\)\.$/);
    expect(todayLine(new Date(2027, 0, 1, 7, 5))).toMatch(/^Today is Friday 1 January 2027, 07:05 /);
  });
});

describe("getBackend", () => {
  it("adds the date line for every purpose, to a request with or without a system prompt, on both backends", async () => {
    const o = await startFakeOllama({ reply: "{}" });
    const a = await startFakeAnthropic({ reply: "{}" });
    servers.push(o, a);
    const db = openDatabase(join(tmpDir(), "pai.db"));
    const config = configSchema.parse({ backend: { retries: 0 } });
    const now = new Date(2026, 11, 4, 21, 40);
    const env = { OLLAMA_HOST: o.url, ANTHROPIC_BASE_URL: a.url, ANTHROPIC_API_KEY: "test-key" };
    const purposes: Purpose[] = ["answer", "extract", "consolidate", "prompt", "skill", "route", "job"];
    for (const backend of ["ollama", "anthropic"] as const) {
      for (const purpose of purposes) {
        const b = getBackend({ purpose, backend, config, db, env, now: () => now });
        for (const system of [undefined, "Extract facts."]) {
          for await (const _ of b.chat({ purpose, system, json: purpose === "extract", messages: [{ role: "user", content: "hi" }] })) void _;
        }
      }
    }
    const sent = [...o.requests.filter((q) => q.path === "/api/chat"), ...a.requests.filter((q) => q.path === "/v1/messages")].map((q) => systemOf(q.body));
    expect(sent).toHaveLength(2 * purposes.length * 2);
    // The date line follows the caller's system prompt; a backend may add its own text after it (Anthropic's
    // JSON-only instruction for a structured answer).
    for (const [i, system] of sent.entries()) expect(system.startsWith(i % 2 === 0 ? todayLine(now) : `Extract facts.\n\n${todayLine(now)}`), system).toBe(true);
    db.close();
  });
});

describe("every model request carries the date (real CLI, loopback servers)", () => {
  const zone = "Pacific/Auckland";

  it("pai ask: the Ollama and the Anthropic requests end their system prompt with today's date in TZ", async () => {
    const home = initHome(tmpDir());
    writeFileSync(paths(home).config, JSON.stringify({ backend: { retries: 0 }, memory: { incognito: true } }));
    const o = await startFakeOllama({ reply: "Noted." });
    const a = await startFakeAnthropic({ reply: "Noted." });
    servers.push(o, a);
    const env = { TZ: zone, OLLAMA_HOST: o.url, ANTHROPIC_BASE_URL: a.url, ANTHROPIC_API_KEY: "test-key" };

    for (const [backend, server, path] of [["ollama", o, "/api/chat"], ["anthropic", a, "/v1/messages"]] as const) {
      const before = expectedLine(new Date(), zone);
      const r = await paiAsync(["ask", "--backend", backend, "--no-packs", "what day is it?"], { home, env });
      const after = expectedLine(new Date(), zone);
      expect(r.code, r.stderr).toBe(0);
      const chats = server.requests.filter((q) => q.path === path);
      expect(chats.length).toBeGreaterThan(0);
      for (const q of chats) {
        const system = systemOf(q.body);
        const last = system.split("\n").at(-1);
        expect([before, after]).toContain(last);
        // The user's Telos and instructions still come first.
        expect(system.length).toBeGreaterThan(last!.length + 2);
      }
    }
  });
});
