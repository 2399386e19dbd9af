/**
 * The chat screen while a long answer streams, on a terminal model of 80x24 (tests/chat/terminal.ts): what
 * it writes to the terminal per streamed chunk (bytes, p50/p95), how often it clears the screen (should be
 * never), and the CPU time per chunk. The answer comes from a stand-in session (no model, no database): this
 * measures the screen only. Run: npx bun scripts/bench-chat-screen.ts [--words N] [--runs N]
 */
import { createElement } from "react";
import { render } from "ink";
import { ChatScreen } from "../src/conversation/chat/screen.tsx";
import type { ChatSession } from "../src/conversation/chat/session.ts";
import { FakeStdin, FakeTerminal } from "../tests/conversation/terminal.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const WORDS = arg("words", 1500);
const RUNS = arg("runs", 5);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function once() {
  const words = Array.from({ length: WORDS }, (_, i) => (i % 97 === 96 ? `word${i}\n\n` : `word${i} `));
  const perChunk: number[] = [];
  const term = new FakeTerminal(80, 24);
  let bytes = 0;
  const write = term.write;
  term.write = (d: string | Uint8Array, cb?: unknown) => {
    bytes += typeof d === "string" ? Buffer.byteLength(d) : d.length;
    return write(d, cb);
  };
  let streamed = false;
  const session = {
    status: async () => ({ backend: "ollama", model: "llama3.2", memories: 10, hot: 3, incognito: false, turns: 0 }),
    command: async () => ({ output: "" }),
    send: async (_text: string, opts: { onText?: (t: string) => void }) => {
      for (const w of words) {
        const before = bytes;
        opts.onText?.(w);
        await new Promise((r) => setTimeout(r, 1)); // let Ink render what it will
        perChunk.push(bytes - before);
      }
      streamed = true;
      return { answer: words.join(""), interrupted: false, memoryIds: [], usage: { inputTokens: 0, outputTokens: 0 } };
    },
  } as unknown as ChatSession;
  const stdin = new FakeStdin();
  const app = render(createElement(ChatScreen, { session }), { stdout: term as any, stdin: stdin as any, exitOnCtrlC: false, patchConsole: false });
  await new Promise((r) => setTimeout(r, 50));
  const cpu0 = process.cpuUsage();
  stdin.write("go\r");
  while (!streamed) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  const cpu = process.cpuUsage(cpu0);
  app.unmount();
  const shown = term.text().match(/word\d+/g) ?? [];
  const intact = shown.length === WORDS && shown.every((w, i) => w === `word${i}`);
  return { perChunk, clears: term.clears.length, cpuMsPerChunk: (cpu.user + cpu.system) / 1000 / WORDS, intact };
}

const runs = [];
for (let r = 0; r < RUNS; r++) runs.push(await once());
const all = runs.flatMap((r) => r.perChunk);
const cpu = runs.map((r) => r.cpuMsPerChunk);
console.log(`chat screen, ${WORDS}-word answer streamed one word per chunk on an 80x24 terminal, ${RUNS} runs`);
console.log(`bytes written per chunk: p50 ${pct(all, 50)}, p95 ${pct(all, 95)}, max ${Math.max(...all)}`);
console.log(`screen clears during the stream: ${runs.map((r) => r.clears).join(", ")}`);
console.log(`CPU per chunk (ms): median ${pct(cpu, 50).toFixed(3)} over runs`);
console.log(`transcript intact (every word once, in order): ${runs.every((r) => r.intact) ? "yes" : "NO"}`);
process.exit(0);
