import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { DoctorReport } from "../../src/admin/doctor.ts";
import { openDatabase } from "../../src/app/db.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

const servers: Server[] = [];
afterEach(() => {
  while (servers.length) servers.pop()!.close();
});

/** A loopback server speaking Ollama's /api/version and /api/tags with the given models pulled. */
async function ollamaWith(models: string[]): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === "/api/version") return res.writeHead(200, { "content-type": "application/json" }).end('{"version":"0.12.6"}');
    if (req.url === "/api/tags") {
      const body = { models: models.map((m) => ({ name: m, model: m, modified_at: "2026-01-01T00:00:00Z", size: 1, digest: "x", details: {} })) };
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    }
    res.writeHead(404).end("404 page not found");
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const check = (r: DoctorReport, name: string) => r.checks.find((c) => c.name === name)!;

async function doctor(home: string, env: Record<string, string> = {}, args: string[] = []) {
  const r = await paiAsync(["doctor", "--json", ...args], { home, env: { OLLAMA_HOST: "http://127.0.0.1:9", ...env } });
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport };
}

/** A home with `n` memory items imported. */
function homeWithItems(n: number): string {
  const home = initHome(tmpDir());
  const file = join(tmpDir(), "items.jsonl");
  writeFileSync(file, Array.from({ length: n }, (_, i) => `${JSON.stringify({ content: `marathon training note number ${i} in Lyon`, kind: "note" })}\n`).join(""));
  const r = pai(["memory", "import", file], { home });
  if (r.code !== 0) throw new Error(r.stderr);
  return home;
}

describe("pai doctor: models, daemon, packs, programs", () => {
  it("names the configured models Ollama has not pulled (a warning), and says so when all are", async () => {
    const home = initHome(tmpDir());
    const some = await doctor(home, { OLLAMA_HOST: await ollamaWith(["llama3.2:latest"]) });
    expect(some.code).toBe(0);
    expect(check(some.report, "models")).toMatchObject({ status: "warn", detail: expect.stringContaining("nomic-embed-text (embed)"), fix: "ollama pull nomic-embed-text" });
    const all = await doctor(home, { OLLAMA_HOST: await ollamaWith(["llama3.2:latest", "nomic-embed-text:latest"]) });
    expect(check(all.report, "models")).toMatchObject({ status: "ok", detail: "pulled: llama3.2, nomic-embed-text" });
    const none = await doctor(home);
    expect(check(none.report, "models")).toMatchObject({ status: "warn", detail: expect.stringMatching(/not reachable/), fix: "ollama serve" });
    const text = pai(["doctor"], { home, env: { OLLAMA_HOST: "http://127.0.0.1:9" } });
    expect(text.stdout).toMatch(/^warn\s+models: /m);
    expect(text.stdout).toMatch(/^ok\s+daemon: not running/m);
  });

  it("reports a stale daemon lease and a socket left behind", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    const db = openDatabase(p.db);
    db.prepare("INSERT OR REPLACE INTO daemon_state (key, value, updated_at) VALUES ('lease', ?, ?)").run(JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: "2026-01-01T00:00:00Z" }), "2026-01-01T00:00:00Z");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    mkdirSync(p.run, { recursive: true });
    writeFileSync(join(p.run, "pai.sock"), "");
    const { report } = await doctor(home);
    expect(check(report, "daemon")).toMatchObject({ status: "warn", detail: expect.stringMatching(/stale lease names pid 4206649, which is gone; stale socket/) });
  });

  it("verifies installed packs and finds the programs they run on PATH", async () => {
    const home = initHome(tmpDir());
    const inst = pai(["pack", "install", "notes-search", "--yes"], { home });
    expect(inst.code).toBe(0);
    const bin = tmpDir();
    const fine = await doctor(home, { PATH: `${bin}:${process.env.PATH}` });
    expect(check(fine.report, "packs")).toMatchObject({ status: "ok", detail: "1 installed, every file as installed" });
    // Without rg on PATH (only this folder and the one that holds git and sh): a warning naming it and its commands.
    const nothing = await doctor(home, { PATH: bin });
    expect(check(nothing.report, "programs")).toMatchObject({ status: "warn", detail: expect.stringMatching(/^not on PATH: rg \(notes-search:/) });
    writeFileSync(join(bin, "rg"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const found = await doctor(home, { PATH: bin });
    expect(check(found.report, "programs")).toMatchObject({ status: "ok", detail: expect.stringContaining("rg") });
    // A file of the pack changed since install: the packs check fails with the way back.
    const manifest = join(paths(home).packs, "notes-search", "pack.json");
    appendFileSync(manifest, "\n");
    const changed = await doctor(home);
    expect(changed.code).toBe(1);
    expect(check(changed.report, "packs")).toMatchObject({ status: "fail", detail: expect.stringContaining("notes-search (pack.json modified)"), fix: expect.stringContaining("pai pack update notes-search") });
  });
});

describe("pai doctor: the default check finds damage to the user's data; --full also the derived data", () => {
  it("a damaged page of memory_items' b-tree fails the default check; the file is not touched", async () => {
    const home = homeWithItems(3000);
    const file = paths(home).db;
    const db = openDatabase(file);
    const pageSize = db.prepare<{ page_size: number }>("PRAGMA page_size").get()!.page_size;
    const leaf = db.prepare<{ pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'memory_items' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 5").get()!.pageno;
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const bytes = readFileSync(file);
    bytes.fill(0xff, (leaf - 1) * pageSize, (leaf - 1) * pageSize + 12); // the page's header: no valid b-tree page type
    writeFileSync(file, bytes);
    const { code, report } = await doctor(home);
    expect(code).toBe(1);
    expect(report.integrity).toBe("quick_check");
    expect(check(report, "database")).toMatchObject({ status: "fail", detail: expect.stringContaining(`${file} is corrupt`) });
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it("a damaged full-text index passes the default check (it says what it covers) and fails --full", async () => {
    const home = homeWithItems(200);
    const file = paths(home).db;
    const db = openDatabase(file);
    const pageSize = db.prepare<{ page_size: number }>("PRAGMA page_size").get()!.page_size;
    const page = db.prepare<{ pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'memory_fts_data' ORDER BY pageno DESC LIMIT 1").get()!.pageno;
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const bytes = readFileSync(file);
    bytes.fill(0xff, (page - 1) * pageSize, (page - 1) * pageSize + 12); // a page of the full-text index only
    writeFileSync(file, bytes);
    const quick = await doctor(home);
    expect(quick.code).toBe(0);
    expect(check(quick.report, "database")).toMatchObject({ status: "ok", detail: expect.stringMatching(/integrity ok \(quick check of the \d+ tables holding your data; 'pai doctor --full' also checks the full-text index/) });
    const full = await doctor(home, {}, ["--full"]);
    expect(full.code).toBe(1);
    expect(full.report.integrity).toBe("integrity_check");
    expect(check(full.report, "database")).toMatchObject({ status: "fail", detail: expect.stringContaining(`${file} is corrupt`) });
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
});
