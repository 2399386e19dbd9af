/**
 * Read-only commands answered by a running daemon over its socket (src/automation/daemon/resident.ts,
 * src/cli/resident.ts): the same bytes, streams and exit code as in the command's own process (PAI_NO_RESIDENT=1),
 * the daemon really used (its request count in 'pai daemon status --json'), never a daemon of another version,
 * an owner-only socket, a quick fallback from a stale one, and no writing command sent to it.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { residentEligible } from "../../src/cli/resident.ts";
import { pai, ROOT, type RunResult } from "../helpers/cli.ts";
import { waitFor } from "./helpers.ts";

// Same environment for the daemon and every client (the daemon answers only when what pai reads is the same);
// no Ollama (a closed port), so that `context --query` never waits for one.
const ENV = { OLLAMA_HOST: "http://127.0.0.1:9" };
const started: number[] = [];
const homes: string[] = [];

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "pai-res-"));
  homes.push(home);
  const r = pai(["init", "--name", "Ada"], { home, env: ENV });
  if (r.code !== 0) throw new Error(`pai init failed: ${r.stderr}`);
  return home;
}

function run(home: string, args: string[], env: Record<string, string | undefined> = {}): RunResult {
  return pai(args, { home, env: { ...ENV, ...env } });
}

function start(home: string): number {
  const r = run(home, ["daemon", "start", "--json"]);
  if (r.code !== 0) throw new Error(`daemon start failed: ${r.stderr}`);
  const pid = JSON.parse(r.stdout).pid as number;
  started.push(pid);
  return pid;
}

function requests(home: string): number | null {
  return JSON.parse(run(home, ["daemon", "status", "--json"]).stdout).resident_requests;
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
}

afterAll(() => {
  while (started.length) kill(started.pop()!);
  while (homes.length) rmSync(homes.pop()!, { recursive: true, force: true });
});

describe("read-only commands through the daemon", () => {
  let home = "";
  beforeAll(() => {
    home = newHome();
    writeFileSync(join(home, "user", "telos", "goals.md"), "# Goals\n\n- Ship the Lyon move before June\n- Run a marathon\n");
    for (const text of ["I moved to Lyon in March", "Lyon office opens at 9", "Prefer tea over coffee", "Marathon training on Sundays"]) {
      const r = run(home, ["remember", text]);
      if (r.code !== 0) throw new Error(`remember failed: ${r.stderr}`);
    }
    start(home);
  }, 60_000);

  it("prints the same stdout, stderr and exit code as in its own process, for every command, and the daemon answered each", () => {
    const cases: string[][] = [
      ["memory", "search", "lyon"],
      ["memory", "search", "lyon", "--json"],
      ["memory", "search", "lyon", "--limit", "1", "--kind", "note"],
      ["memory", "search", "nothing-matches-this"],
      ["memory", "search", "lyon", "--tier", "lukewarm"],
      ["memory", "search", "lyon", "--bogus"],
      ["memory", "list"],
      ["memory", "list", "--json"],
      ["memory", "list", "--limit", "2", "--pinned"],
      ["memory", "show", "1", "--incognito"],
      ["memory", "show", "2", "--json", "--incognito"],
      ["memory", "show", "999999"],
      ["memory", "show", "abc"],
      ["memory", "stats"],
      ["memory", "stats", "--json"],
      ["context"],
      ["context", "--query", "lyon"],
      ["context", "--query", "lyon", "--for", "cloud", "--budget", "300"],
      ["context", "--explain", "--query", "marathon"],
      ["context", "--for", "nowhere"],
      ["status"],
      ["status", "--json"],
      ["telos", "list"],
      ["telos", "list", "--json"],
      ["telos", "show", "goals"],
      ["telos", "show", "no-such-file"],
      ["telos", "check"],
      ["telos", "check", "--json"],
    ];
    let before = requests(home)!;
    expect(before).toBe(0);
    const codes = new Set<number>();
    for (const args of cases) {
      const resident = run(home, args);
      const after = requests(home)!;
      expect(after, `${args.join(" ")} was answered by the daemon`).toBe(before + 1);
      before = after;
      const local = run(home, args, { PAI_NO_RESIDENT: "1" });
      expect(requests(home), `${args.join(" ")} with PAI_NO_RESIDENT=1 ran in its own process`).toBe(before);
      expect({ args, ...resident }).toEqual({ args, ...local });
      codes.add(resident.code);
    }
    // The cases cover success, a user error, a usage error: not all the same path.
    expect([...codes].sort()).toEqual(expect.arrayContaining([0, 1, 2]));
    // What one request asked (--json, --limit, --kind, --for, a bad flag, its variables) never carries over to the
    // next one of the same command in the daemon.
    for (const args of [["memory", "search", "lyon"], ["memory", "list"], ["memory", "stats"], ["context", "--query", "lyon"], ["context"], ["status"], ["telos", "list"], ["telos", "check"]]) {
      expect({ args, ...run(home, args) }).toEqual({ args, ...run(home, args, { PAI_NO_RESIDENT: "1" }) });
    }
    expect(requests(home)).toBe(before + 8);
    // The variables that change output are the client's: NO_COLOR unset and TERM=dumb give the same bytes too.
    const plain = run(home, ["memory", "list"], { NO_COLOR: undefined, TERM: "dumb" });
    expect(plain).toEqual(run(home, ["memory", "list"], { NO_COLOR: undefined, TERM: "dumb", PAI_NO_RESIDENT: "1" }));
  }, 120_000);

  it("reads config.json again once it changed: an edit counts at the next request, rewritten or edited in place", () => {
    const file = join(home, "user", "config.json");
    const original = readFileSync(file, "utf8");
    try {
      const before = requests(home)!;
      expect(run(home, ["context"]).stderr).toContain("/2000 tokens");
      expect(run(home, ["config", "set", "context.budget", "300"]).code).toBe(0);
      const rewritten = run(home, ["context"]);
      expect(rewritten.stderr).toContain("/300 tokens");
      expect(rewritten).toEqual(run(home, ["context"], { PAI_NO_RESIDENT: "1" }));
      // The same file written over in place (same inode).
      const json = JSON.parse(readFileSync(file, "utf8"));
      json.context.budget = 400;
      writeFileSync(file, JSON.stringify(json, null, 2));
      expect(run(home, ["context"]).stderr).toContain("/400 tokens");
      expect(requests(home)).toBe(before + 3);
    } finally {
      writeFileSync(file, original);
    }
    expect(run(home, ["context"]).stderr).toContain("/2000 tokens");
  });

  it("puts the socket in an owner-only folder (0700) and makes it owner-only (0600)", () => {
    const sock = join(home, "user", "run", "pai.sock");
    expect(statSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, "user", "run")).mode & 0o777).toBe(0o700);
  });

  it("never sends a writing command to the daemon", () => {
    for (const args of [["remember", "x"], ["memory", "edit", "1", "y"], ["memory", "forget", "1"], ["memory", "pin", "1"], ["memory", "import", "f"], ["memory", "export"], ["memory", "embed"], ["telos", "edit", "goals"], ["config", "set", "a", "b"], ["ask", "q"], ["memory"], ["memory", "search", "-"], ["status", "--help"], ["context", "-h"]]) {
      expect(residentEligible(args), args.join(" ")).toBe(false);
    }
    const before = requests(home)!;
    expect(run(home, ["remember", "Lyon has two rivers"]).code).toBe(0);
    expect(run(home, ["memory", "pin", "1"]).code).toBe(0);
    expect(requests(home)).toBe(before);
    // What was written is seen through the daemon.
    expect(run(home, ["memory", "search", "rivers"]).stdout).toContain("Lyon has two rivers");
    expect(requests(home)).toBe(before + 1);
  });

  it("does not use a daemon of another version: the other install's client runs the command itself", () => {
    const copy = mkdtempSync(join(tmpdir(), "pai-other-"));
    homes.push(copy);
    cpSync(join(ROOT, "src"), join(copy, "src"), { recursive: true });
    cpSync(join(ROOT, "bin"), join(copy, "bin"), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    writeFileSync(join(copy, "package.json"), JSON.stringify({ ...pkg, version: `${pkg.version}-other` }));
    for (const d of ["node_modules", "system", "packs"]) symlinkSync(join(ROOT, d), join(copy, d));
    const before = requests(home)!;
    const otherBin = (args: string[]) => {
      const r = spawnSync(join(copy, "bin", "pai"), args, {
        env: { ...process.env, ...ENV, NO_COLOR: "1", PAI_DEBUG: "", PAI_HOME: home },
        encoding: "utf8",
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const r = otherBin(["memory", "search", "lyon"]);
    expect(r.code).toBe(0);
    expect(r).toEqual(run(home, ["memory", "search", "lyon"], { PAI_NO_RESIDENT: "1" }));
    expect(requests(home)).toBe(before);
  });
});

describe("a stale socket", () => {
  afterEach(() => {
    while (started.length) kill(started.pop()!);
  });

  it("left by a daemon killed with SIGKILL: the command runs in its own process, and the next daemon replaces the socket", async () => {
    const home = newHome();
    run(home, ["remember", "I moved to Lyon in March"]);
    const pid = start(home);
    const sock = join(home, "user", "run", "pai.sock");
    expect(run(home, ["memory", "search", "lyon"]).code).toBe(0);
    kill(pid);
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, "the daemon to die");
    expect(existsSync(sock)).toBe(true);
    const stale = run(home, ["memory", "search", "lyon"]);
    expect(stale).toEqual(run(home, ["memory", "search", "lyon"], { PAI_NO_RESIDENT: "1" }));
    expect(stale.stdout).toContain("Lyon");
    start(home);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(requests(home)).toBe(0);
    expect(run(home, ["memory", "search", "lyon"])).toEqual(stale);
    expect(requests(home)).toBe(1);
  }, 60_000);
});
