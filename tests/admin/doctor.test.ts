import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkDatabase, checkOllama, checkRuntime, compareVersions, ollamaBaseUrl, runDoctor, type DoctorReport } from "../../src/admin/doctor.ts";
import { allMigrations, latestSchemaVersion, migrate, openDatabase } from "../../src/app/db.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, pai, paiAsync } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { commit, git, makeInstall, write } from "./repo.ts";

const servers: Server[] = [];
afterEach(() => {
  while (servers.length) servers.pop()!.close();
});

/** A loopback server speaking Ollama's /api/version. */
async function fakeOllama(handler?: (url: string) => { status: number; body: string } | "hang"): Promise<string> {
  const server = createServer((req, res) => {
    const r = handler ? handler(req.url ?? "") : req.url === "/api/version" ? { status: 200, body: '{"version":"0.12.3"}' } : { status: 404, body: "404 page not found" };
    if (r === "hang") return;
    res.writeHead(r.status, { "content-type": "application/json" }).end(r.body);
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}

const check = (r: DoctorReport, name: string) => r.checks.find((c) => c.name === name)!;

/** The bytes of a small database with data, its WAL checkpointed into the main file. */
function databaseBytes(): Buffer {
  const file = join(tmpDir(), "src.db");
  const db = openDatabase(file);
  for (let i = 0; i < 400; i++) db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(`k${i}`, "x".repeat(200));
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  return readFileSync(file);
}

describe("pai doctor", () => {
  it("a fresh home: every line ok|warn|fail with a fix when not ok; exit 0; --json has the stable shape", async () => {
    const home = initHome(tmpDir());
    const ollama = await fakeOllama();
    // Asynchronous: the loopback server in this process must be able to answer.
    const r = await paiAsync(["doctor"], { home, env: { OLLAMA_HOST: ollama, ANTHROPIC_API_KEY: "" } });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    for (const name of ["runtime", "home", "config", "database", "telos", "install", "ollama", "anthropic"]) {
      expect(lines.some((l) => new RegExp(`^(ok|warn|fail)\\s+${name}: `).test(l))).toBe(true);
    }
    expect(r.stdout).toMatch(/^ok\s+runtime: pai \d+\.\d+\.\d+, Bun \d+\.\d+\.\d+, SQLite 3\.\d+/m);
    expect(r.stdout).toMatch(/^ok\s+database: .*pai\.db: integrity ok/m);
    expect(r.stdout).toMatch(/^ok\s+ollama: reachable at http:\/\/127\.0\.0\.1:\d+ \(Ollama 0\.12\.3\)/m);
    expect(r.stdout).toMatch(/^warn\s+anthropic: ANTHROPIC_API_KEY is not set.*\n\s+fix: export ANTHROPIC_API_KEY/m);

    const j = await paiAsync(["doctor", "--json"], { home, env: { OLLAMA_HOST: ollama } });
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(c.status === "ok" ? ["detail", "name", "status"] : expect.arrayContaining(["detail", "name", "status"]));
      expect(["ok", "warn", "fail"]).toContain(c.status);
      if (c.status !== "ok") expect(c.fix).toBeTruthy();
    }
  });

  it("no user/: fails the home check with 'pai init', exit 1", () => {
    const home = tmpDir();
    const r = pai(["doctor"], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fail\s+home: no user\/ folder in .*\n\s+fix: run 'pai init'/m);
    expect(existsSync(join(home, "user"))).toBe(false);
  });

  it("a database file that is not SQLite: fails naming the path, exit 1, bytes unchanged", () => {
    const home = initHome(tmpDir());
    const db = paths(home).db;
    const bytes = Buffer.from("these are my notes, not a database\n\xff\x00");
    writeFileSync(db, bytes);
    const r = pai(["doctor"], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`fail  database: ${db} is not a SQLite database`);
    expect(r.stdout).toMatch(/fix: nothing was changed; move the file aside/);
    expect(readFileSync(db).equals(bytes)).toBe(true);
    expect(readdirSync(join(home, "user")).filter((f) => f.startsWith("pai.db"))).toEqual(["pai.db"]);
  });

  it("a corrupt database: fails naming the path, never migrates or rewrites it, leaves no files beside it", () => {
    const home = initHome(tmpDir());
    const db = paths(home).db;
    const bytes = databaseBytes();
    expect(bytes.length).toBeGreaterThan(8192);
    for (let i = 4096 + 16; i < bytes.length - 100; i += 7) bytes[i] = (i * 31) & 0xff; // scramble every page after the first
    writeFileSync(db, bytes);
    const r = pai(["doctor", "--json"], { home });
    expect(r.code).toBe(1);
    const c = check(JSON.parse(r.stdout), "database");
    expect(c.status).toBe("fail");
    expect(c.detail).toContain(db);
    expect(c.detail).toMatch(/corrupt|malformed/);
    expect(c.fix).toMatch(/move the file aside/);
    expect(readFileSync(db).equals(bytes)).toBe(true);
    expect(readdirSync(join(home, "user")).filter((f) => f.startsWith("pai.db"))).toEqual(["pai.db"]);
  });

  it("a damaged first page is reported as corrupt too, bytes unchanged", () => {
    const home = initHome(tmpDir());
    const db = paths(home).db;
    const bytes = databaseBytes();
    bytes.fill(0xaa, 100, 4096);
    writeFileSync(db, bytes);
    const r = pai(["doctor"], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`fail  database: ${db.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is (corrupt|damaged)`));
    expect(readFileSync(db).equals(bytes)).toBe(true);
  });

  it("an older database is reported, not migrated: its bytes stay as they were", () => {
    const home = initHome(tmpDir());
    const src = join(tmpDir(), "old.db");
    const old = openDatabase(src, { migrate: false });
    migrate(old, allMigrations().filter((m) => m.version === 1));
    old.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    old.close();
    const bytes = readFileSync(src);
    const db = paths(home).db;
    writeFileSync(db, bytes);
    const r = pai(["doctor", "--json"], { home });
    const c = check(JSON.parse(r.stdout), "database");
    expect(c.status).toBe("ok");
    expect(c.detail).toMatch(/schema 1 \(migrates to \d+ on next use\)/);
    expect(readFileSync(db).equals(bytes)).toBe(true);
  });

  it("checks a database that is in use (WAL present) in place, read-only", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    writeFileSync(`${p.db}-wal`, "");
    const before = readFileSync(p.db);
    const c = await checkDatabase(p, latestSchemaVersion());
    expect(c.status).toBe("ok");
    expect(readFileSync(p.db).equals(before)).toBe(true);
  });

  it("a database left with a WAL and no WAL index (pai was killed): checks side by side wait for each other, none says corrupt", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    const live = join(tmpDir(), "live.db");
    const db = openDatabase(live);
    db.exec("PRAGMA wal_autocheckpoint = 0");
    for (let i = 0; i < 300; i++) db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(`k${i}`, "x".repeat(300));
    // Copied while the writer still has it open: the main file and a WAL with the rows, no -shm.
    writeFileSync(p.db, readFileSync(live));
    writeFileSync(`${p.db}-wal`, readFileSync(`${live}-wal`));
    db.close();
    const checks = await Promise.all(Array.from({ length: 6 }, () => checkDatabase(p, latestSchemaVersion())));
    expect(checks.map((c) => `${c.status} ${c.detail.includes("integrity ok")}`)).toEqual(Array(6).fill("ok true"));
  });

  it("runs quick_check by default and the full integrity_check with --full: an index entry without its row fails only the full one", () => {
    const home = initHome(tmpDir());
    const file = paths(home).db;
    // An index entry pointing at a row that does not exist (its rowid byte set to 0): every page and row is
    // sound, only the comparison of each index with its table finds it.
    const db = openDatabase(file);
    for (let i = 0; i < 200; i++) db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(`k${i}`, `v${String((i * 7919) % 200).padStart(3, "0")}`);
    db.exec("CREATE INDEX meta_value ON meta (value)");
    const rowid = db.prepare<{ id: number }>("SELECT rowid AS id FROM meta WHERE value = 'v057'").get()!.id;
    expect(rowid).toBeLessThan(128);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const bytes = readFileSync(file);
    // The index record: header (3 bytes: its size, text of 4 characters, an 8-bit integer), "v057", the rowid.
    const entry = Buffer.from([3, 13 + 2 * 4, 1, ...Buffer.from("v057"), rowid]);
    const at = bytes.indexOf(entry);
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(entry, at + 1)).toBe(-1);
    bytes[at + entry.length - 1] = 0;
    writeFileSync(file, bytes);

    const quick = pai(["doctor", "--json"], { home });
    expect(quick.code).toBe(0);
    const qr = JSON.parse(quick.stdout) as DoctorReport;
    expect(qr.integrity).toBe("quick_check");
    expect(check(qr, "database")).toMatchObject({ status: "ok", detail: expect.stringContaining("integrity ok (quick check of the") });

    const full = pai(["doctor", "--full", "--json"], { home });
    expect(full.code).toBe(1);
    const fr = JSON.parse(full.stdout) as DoctorReport;
    expect(fr.integrity).toBe("integrity_check");
    expect(check(fr, "database").status).toBe("fail");
    expect(check(fr, "database").detail).toMatch(/is corrupt: .*meta_value/);
    expect(pai(["doctor", "--full"], { home }).stdout).toMatch(/^fail\s+database: .* is corrupt: /m);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it("an invalid config fails the config check with the file and key; the file is unchanged", () => {
    const home = initHome(tmpDir());
    const file = paths(home).config;
    const text = '{ "memory": { "hotCap": "lots" } }\n';
    writeFileSync(file, text);
    const r = pai(["doctor"], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fail\s+config: .*config\.json: memory\.hotCap must be a number, got 'lots' \(allowed: an integer\)$/m);
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("Telos problems fail the telos check with file:line", () => {
    const home = initHome(tmpDir());
    const goals = join(home, "user", "telos", "goals.md");
    writeFileSync(goals, "---\ntitle: Goals\nupdated: 2026-01-01\nvisibility: private\n---\n- G1: one\n- G1: the same ID again\n");
    const r = pai(["doctor", "--json"], { home });
    expect(r.code).toBe(1);
    const c = check(JSON.parse(r.stdout), "telos");
    expect(c.status).toBe("fail");
    expect(c.detail).toMatch(/user\/telos\/goals\.md:\d+: /);
    expect(c.fix).toMatch(/pai telos check/);
  });

  it("Ollama unreachable or silent is a warn with 'ollama serve', not a fail", async () => {
    const home = initHome(tmpDir());
    const p = paths(home);
    const closed = await closedPort();
    // Deadlines that only an answer or a refusal ends are long, for a busy machine; the silent server gets a short one.
    const down = await checkOllama(p, { OLLAMA_HOST: closed }, 5000);
    expect(down).toMatchObject({ status: "warn", fix: "ollama serve" });
    expect(down.detail).toContain(closed);
    const silent = await fakeOllama(() => "hang");
    const hung = await checkOllama(p, { OLLAMA_HOST: silent }, 200);
    expect(hung.status).toBe("warn");
    expect(hung.detail).toMatch(/no answer within 200 ms/);
    const wrong = await fakeOllama(() => ({ status: 500, body: "oops" }));
    expect((await checkOllama(p, { OLLAMA_HOST: wrong }, 5000)).detail).toMatch(/HTTP 500/);

    const r = pai(["doctor"], { home, env: { OLLAMA_HOST: closed } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warn\s+ollama: .*\n\s+fix: ollama serve$/m);
  });

  it("uses config ollama.host when OLLAMA_HOST is unset", async () => {
    const home = initHome(tmpDir());
    const ollama = await fakeOllama();
    expect(pai(["config", "set", "ollama.host", ollama], { home }).code).toBe(0);
    const c = await checkOllama(paths(home), {}, 5000);
    expect(c.status).toBe("ok");
    expect(c.detail).toContain(ollama);
  });

  it("warns about a Bun older than the one package.json asks for", async () => {
    expect(compareVersions("1.4.5", "1.4.5")).toBe(0);
    expect(compareVersions("1.10.0", "1.9.9")).toBeGreaterThan(0);
    expect(compareVersions("1.3.9", "1.4.0")).toBeLessThan(0);
    const old = await checkRuntime("1.0.0");
    expect(old.status).toBe("warn");
    expect(old.detail).toMatch(/^Bun 1\.0\.0 is older than the \d+\.\d+\.\d+ pai is tested with/);
    expect(old.fix).toMatch(/npm install/);
    expect((await checkRuntime("99.0.0")).status).toBe("ok");
  });

  it("normalises OLLAMA_HOST the way Ollama reads it", () => {
    expect(ollamaBaseUrl("127.0.0.1")).toBe("http://127.0.0.1:11434");
    expect(ollamaBaseUrl("localhost:8080")).toBe("http://localhost:8080");
    expect(ollamaBaseUrl("http://gpu-box:11434/")).toBe("http://gpu-box:11434");
    expect(ollamaBaseUrl("https://ollama.example.com")).toBe("https://ollama.example.com");
  });

  it("reports that ANTHROPIC_API_KEY is set without ever printing it", () => {
    const home = initHome(tmpDir());
    const key = "sk-ant-test-SECRET-1234567890";
    const r = pai(["doctor", "--json"], { home, env: { ANTHROPIC_API_KEY: key } });
    expect(check(JSON.parse(r.stdout), "anthropic").status).toBe("ok");
    expect(r.stdout + r.stderr).not.toContain("SECRET");
  });

  it("reports the install's git state: local edits, behind upstream, clean, not a checkout", async () => {
    const home = initHome(tmpDir());
    const { upstream, install } = makeInstall(tmpDir());
    const state = async () => check(await runDoctor({ paths: paths(home), latestSchema: latestSchemaVersion(), installDir: install, env: { OLLAMA_HOST: await closedPort() }, timeoutMs: 200 }), "install");

    expect(await state()).toMatchObject({ status: "ok" });
    expect((await state()).detail).toMatch(/on main, clean, up to date with origin\/main/);

    commit(upstream, "New prompt", { "system/prompts/new.md": "new\n" });
    git(install, "fetch", "-q");
    const behind = await state();
    expect(behind).toMatchObject({ status: "warn", fix: "run 'pai upgrade'" });
    expect(behind.detail).toMatch(/1 commit\(s\) behind origin\/main/);

    write(install, "system/prompts/answer.md", "edited\n");
    const edited = await state();
    expect(edited.status).toBe("warn");
    expect(edited.detail).toMatch(/local edits \(system\/prompts\/answer\.md\)/);

    const notGit = check(await runDoctor({ paths: paths(home), latestSchema: latestSchemaVersion(), installDir: tmpDir(), env: {}, timeoutMs: 200 }), "install");
    expect(notGit.status).toBe("warn");
    expect(notGit.detail).toMatch(/not a git checkout/);
  });
});
