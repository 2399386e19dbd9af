/** notify (ntfy, Discord), voice (ElevenLabs) and research against loopback servers speaking their HTTP APIs. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeOllama, type FakeServer } from "../../helpers/fake-ollama.ts";
import { home, install, memories, runIn, runs, setSettings, writeTree } from "../helpers.ts";
import { tmpDir } from "../../helpers/tmp.ts";

interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

const servers: Server[] = [];
const fakes: FakeServer[] = [];
const savedEnv = { ...process.env };
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const f of fakes.splice(0)) await f.close();
  for (const k of ["NTFY_TOKEN", "DISCORD_WEBHOOK_URL", "ELEVENLABS_API_KEY", "OLLAMA_HOST"]) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

async function serve(handler: (hit: Hit, res: import("node:http").ServerResponse) => void): Promise<{ url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const hit = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
    hits.push(hit);
    handler(hit, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

/** ntfy's publish API: POST /<topic> with the message as body; answers the message as JSON. */
const ntfyServer = () =>
  serve((hit, res) => {
    const topic = hit.url.slice(1);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: "hWc3aK7kLx2B", time: 1767225600, expires: 1767268800, event: "message", topic, message: hit.body.toString() }));
  });

/** Discord's execute-webhook API: POST /api/webhooks/<id>/<token> with JSON; 204 No Content. */
const discordServer = () =>
  serve((hit, res) => {
    if (!/^\/api\/webhooks\/\d+\/[\w-]+$/.test(hit.url)) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ message: "Unknown Webhook", code: 10015 }));
    }
    res.writeHead(204);
    res.end();
  });

describe("notify", () => {
  it("publishes to ntfy with title, priority, tags and the token; the token is never stored", async () => {
    const p = home();
    await install(p, "notify");
    const ntfy = await ntfyServer();
    setSettings(p, "notify", { server: ntfy.url, topic: "ada-alerts" });
    process.env.NTFY_TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2";
    const r = await runIn({ pack: "notify", command: "send" }, { text: "backup finished", vars: { title: "Backup", priority: "4", tags: "floppy_disk" } }, { paths: p, origin: "daemon:backup" });
    expect(r).toMatchObject({ ok: true, output: "Sent via ntfy hWc3aK7kLx2B." });
    expect(ntfy.hits).toHaveLength(1);
    const hit = ntfy.hits[0]!;
    expect([hit.method, hit.url, hit.body.toString()]).toEqual(["POST", "/ada-alerts", "backup finished"]);
    expect(hit.headers).toMatchObject({ title: "Backup", priority: "4", tags: "floppy_disk", authorization: "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2" });
    expect(JSON.stringify([runs(p), memories(p)])).not.toContain("tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2");
  });

  it("posts to a Discord webhook on the granted host; a webhook on any other host is refused before any request", async () => {
    const p = home();
    await install(p, "notify");
    const discord = await discordServer();
    setSettings(p, "notify", { channels: ["discord"], discordApi: discord.url });
    process.env.DISCORD_WEBHOOK_URL = `${discord.url}/api/webhooks/123456/abcDEF-token`;
    const r = await runIn({ pack: "notify", command: "send" }, { text: "deploy done", vars: { title: "CI" } }, { paths: p });
    expect(r.output).toBe("Sent via discord.");
    expect(JSON.parse(discord.hits[0]!.body.toString())).toEqual({ content: "**CI**\ndeploy done", username: "pai", allowed_mentions: { parse: [] } });
    expect(discord.hits[0]!.headers["content-type"]).toBe("application/json");

    const rogue = await discordServer();
    process.env.DISCORD_WEBHOOK_URL = `${rogue.url}/api/webhooks/1/x`;
    const refused = await runIn({ pack: "notify", command: "send" }, { text: "leak?" }, { paths: p });
    expect(refused.outcome).toBe("refused");
    expect(refused.output).toMatch(/^notify:send may not reach 127\.0\.0\.1:\d+: the host is not among those it declared and was granted$/);
    expect(rogue.hits).toEqual([]);
  });

  it("without a topic it says how to set one", async () => {
    const p = home();
    await install(p, "notify");
    const r = await runIn({ pack: "notify", command: "send" }, { text: "x" }, { paths: p });
    expect(r.output).toMatch(/no ntfy topic: set one with 'pai pack config notify topic YOUR-TOPIC'/);
  });
});

describe("voice with ElevenLabs", () => {
  it("uses the text-to-speech API when a key is set and writes the MP3 it returns", async () => {
    const p = home();
    await install(p, "voice");
    const audio = Buffer.concat([Buffer.from("ID3\x04\x00\x00\x00\x00\x00\x00", "latin1"), Buffer.alloc(2048, 0xfb)]);
    const eleven = await serve((hit, res) => {
      if (hit.headers["xi-api-key"] !== "el-key-0123456789") {
        res.writeHead(401, { "content-type": "application/json" });
        return res.end(JSON.stringify({ detail: { status: "invalid_api_key", message: "Invalid API key" } }));
      }
      res.writeHead(200, { "content-type": "audio/mpeg" });
      res.end(audio);
    });
    setSettings(p, "voice", { elevenlabsApi: eleven.url, play: false });
    process.env.ELEVENLABS_API_KEY = "el-key-0123456789";
    const r = await runIn({ pack: "voice", command: "say" }, { text: "Good morning, Ada" }, { paths: p });
    expect(r.ok).toBe(true);
    const data = r.data as { engine: string; file: string; bytes: number };
    expect(data).toMatchObject({ engine: "elevenlabs", bytes: audio.length });
    expect(readFileSync(data.file).equals(audio)).toBe(true);
    const hit = eleven.hits[0]!;
    expect(hit.url).toBe("/v1/text-to-speech/21m00Tcm4TlvDq8EXCPM?output_format=mp3_44100_128");
    expect(JSON.parse(hit.body.toString())).toEqual({ text: "Good morning, Ada", model_id: "eleven_multilingual_v2" });
    process.env.ELEVENLABS_API_KEY = "wrong-key-000000";
    const bad = await runIn({ pack: "voice", command: "say" }, { text: "x" }, { paths: p });
    expect(bad.output).toMatch(/ElevenLabs answered HTTP 401/);
    expect(JSON.stringify(runs(p))).not.toContain("el-key-0123456789");
  });
});

describe("research", () => {
  it("fetches a page, gives its text to the model with the prompt, and stores the summary in memory", async () => {
    const p = home();
    await install(p, "research");
    const site = await serve((_hit, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><head><style>body{}</style><script>var x=1</script></head><body><h1>Lyon</h1><p>Lyon is a city in France &amp; known for food.</p></body></html>");
    });
    const model = await startFakeOllama({ reply: "SUMMARY: Lyon is a French city known for its food." });
    fakes.push(model);
    process.env.OLLAMA_HOST = model.url;
    const r = await runIn({ pack: "research", command: "summarize" }, { text: `${site.url}/wiki/Lyon` }, { paths: p });
    expect(r).toMatchObject({ ok: true, tier: "prompt", output: "SUMMARY: Lyon is a French city known for its food." });
    const sent = JSON.stringify(model.requests.find((q) => q.path === "/api/chat")!.body.messages);
    expect(sent).toContain("Lyon is a city in France & known for food.");
    expect(sent).toContain(`SOURCE (${site.url}/wiki/Lyon)`);
    expect(sent).not.toContain("<script>");
    expect(sent).not.toContain("var x=1");
    const mem = memories(p).find((m) => m.id === r.memoryId)!;
    expect(mem).toMatchObject({ kind: "action", source: "pack:research:summarize" });
    expect(mem.content).toContain("Lyon is a French city known for its food.");
  });

  it("reads a file in its folders; hosts can be narrowed, and then others are refused", async () => {
    const p = home();
    await install(p, "research");
    const dir = writeTree(tmpDir(), { "paper.txt": "Bun starts fast." });
    const model = await startFakeOllama({ reply: "ok" });
    fakes.push(model);
    process.env.OLLAMA_HOST = model.url;
    setSettings(p, "research", { folders: [dir], hosts: ["en.wikipedia.org"] });
    const r = await runIn({ pack: "research", command: "summarize" }, { text: `${dir}/paper.txt` }, { paths: p });
    expect(r.ok).toBe(true);
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain("Bun starts fast.");
    const outside = await runIn({ pack: "research", command: "summarize" }, { text: "/etc/hostname" }, { paths: p });
    expect(outside.outcome).toBe("refused");
    const site = await serve((_h, res) => res.end("x"));
    const refused = await runIn({ pack: "research", command: "summarize" }, { text: `${site.url}/` }, { paths: p });
    expect(refused.outcome).toBe("refused");
    expect(site.hits).toEqual([]);
  });
});
