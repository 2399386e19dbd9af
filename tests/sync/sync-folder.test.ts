/**
 * pai sync between two and three PAI_HOMEs sharing one plain folder (what a sync engine would replicate), through
 * the real CLI: remember and find, offline writes converging, concurrent edit and pin, forget everywhere (not in
 * any database file nor readable in the folder), private text never in clear, a corrupt line skipped and reported.
 */
import { appendFileSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initHome, pai, type RunResult } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

/** n devices (PAI_HOMEs) joined to one folder. */
function devices(n: number) {
  const dir = tmpDir("pai-sync-");
  const folder = join(dir, "folder");
  const homes = Array.from({ length: n }, (_, i) => initHome(join(dir, `home-${i}`)));
  const run = (i: number, args: string[]) => pai(args, { home: homes[i], env: { PAI_SYNC_KEY: undefined } });
  const first = JSON.parse(ok(run(0, ["sync", "init", "--folder", folder, "--json"]), "sync init").stdout) as { key: string; device: string };
  for (let i = 1; i < n; i++) ok(run(i, ["sync", "init", "--folder", folder, "--key", first.key]), `sync init ${i}`);
  const d = {
    dir,
    folder,
    homes,
    key: first.key,
    run,
    remember: (i: number, text: string, ...flags: string[]) => Number(/#(\d+)/.exec(ok(run(i, ["remember", text, ...flags]), "remember").stdout)![1]),
    now: (i: number) => ok(run(i, ["sync", "now"]), `sync now ${i}`),
    /** Two rounds on every device: what one publishes, the others apply. */
    all() {
      for (let round = 0; round < 2; round++) for (let i = 0; i < n; i++) d.now(i);
    },
    items: (i: number) =>
      JSON.parse(ok(run(i, ["memory", "list", "--json", "--include-superseded"]), "memory list").stdout) as { id: number; content: string; pinned: boolean; superseded_by?: number | null }[],
    finds: (i: number, q: string) => ok(run(i, ["memory", "search", q]), "search").stdout,
  };
  return d;
}

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (statSync(p).isFile()) out.push(p);
  }
  return out;
}

const holds = (file: string, text: string) => readFileSync(file).includes(Buffer.from(text));

describe("pai sync through a shared folder", { timeout: 120_000 }, () => {
  it("remembered on one device is found on the two others", () => {
    const d = devices(3);
    d.remember(0, "The boat is moored at Port Saint-Louis");
    d.all();
    for (const i of [1, 2]) expect(d.finds(i, "moored")).toContain("Port Saint-Louis");
    const st = JSON.parse(ok(d.run(1, ["sync", "status", "--json"]), "status").stdout);
    expect(st.devices).toHaveLength(2);
    expect(st.pending).toBe(0);
    expect(st.applied).toBeGreaterThan(0);
  });

  it("both write offline, both converge, nothing lost", () => {
    const d = devices(2);
    for (let k = 0; k < 5; k++) {
      d.remember(0, `Laptop note number ${k} about the garden shed`);
      d.remember(1, `Server note number ${k} about the cellar door`);
    }
    d.now(0);
    d.now(1);
    d.all();
    for (const i of [0, 1]) {
      const texts = d.items(i).map((x) => x.content);
      for (let k = 0; k < 5; k++) {
        expect(texts).toContain(`Laptop note number ${k} about the garden shed`);
        expect(texts).toContain(`Server note number ${k} about the cellar door`);
      }
      expect(texts.length).toBe(10);
    }
  });

  it("an edit on one device while the other pins keeps both changes", () => {
    const d = devices(2);
    d.remember(0, "The dentist appointment is on Tuesday");
    d.all();
    const on0 = d.items(0)[0]!.id;
    const on1 = d.items(1)[0]!.id;
    ok(d.run(0, ["memory", "edit", String(on0), "The dentist appointment is on Thursday"]), "edit");
    ok(d.run(1, ["memory", "pin", String(on1)]), "pin");
    d.all();
    for (const i of [0, 1]) {
      const current = d.items(i).filter((x) => x.content.includes("dentist") && !x.superseded_by);
      expect(current.map((x) => x.content)).toEqual(["The dentist appointment is on Thursday"]);
      expect(current[0]!.pinned).toBe(true);
    }
  });

  it("forget on one device: gone everywhere, in no database file, unreadable in the folder", () => {
    const d = devices(3);
    const secret = "My locker combination is 4417 at the swimming pool";
    d.remember(0, secret);
    d.remember(0, "Something else to keep around here");
    d.all();
    expect(d.finds(2, "locker")).toContain("4417");
    const id = d.items(1).find((x) => x.content === secret)!.id;
    ok(d.run(1, ["memory", "forget", String(id), "--yes"]), "forget");
    d.all();
    for (let i = 0; i < 3; i++) {
      expect(d.items(i).map((x) => x.content)).not.toContain(secret);
      for (const f of filesUnder(join(d.homes[i]!, "user"))) expect(holds(f, "locker combination"), f).toBe(false);
    }
    for (const f of filesUnder(d.folder)) expect(holds(f, "locker combination"), f).toBe(false);
    // Its key is gone from every keys file (two items were made, one key is left), so its sealed text can no
    // longer be opened anywhere.
    const keyLines = filesUnder(d.folder)
      .filter((f) => f.endsWith("keys.jsonl"))
      .flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean));
    expect(keyLines).toHaveLength(1);
    const st = JSON.parse(ok(d.run(2, ["sync", "status", "--json"]), "status").stdout);
    expect(st.tombstones).toBe(1);
    // Forgotten for good: a device that joins later does not get it back.
    const late = initHome(join(d.dir, "home-late"));
    ok(pai(["sync", "init", "--folder", d.folder, "--key", d.key], { home: late }), "late init");
    expect(pai(["memory", "list", "--json", "--include-superseded"], { home: late }).stdout).not.toContain("locker");
    expect(pai(["memory", "list", "--json", "--include-superseded"], { home: late }).stdout).toContain("Something else");
  });

  it("a private item's text is never in clear in the folder", () => {
    const d = devices(2);
    d.remember(0, "My private diary says the blue door is unlocked", "--private");
    d.all();
    expect(d.finds(1, "diary")).toContain("blue door");
    for (const f of filesUnder(d.folder)) {
      expect(holds(f, "diary"), f).toBe(false);
      expect(holds(f, "blue door"), f).toBe(false);
    }
  });

  it("a corrupt line is skipped and reported; the lines after it are applied", () => {
    const d = devices(2);
    d.remember(0, "First note before the damage");
    d.now(0);
    const dev0 = JSON.parse(ok(d.run(0, ["sync", "status", "--json"]), "status").stdout).device as string;
    const file = join(d.folder, "devices", dev0, "ops-0001.jsonl");
    appendFileSync(file, '{"op_id":"0","device":"' + dev0 + '","clock":9,"type":"cre\n');
    d.remember(0, "Second note after the damage");
    d.now(0);
    const r = d.now(1);
    expect(r.stderr).toMatch(/skipped a line of .*ops-0001\.jsonl.*not a JSON line/);
    expect(r.stdout).toContain("1 line(s) skipped");
    const texts = d.items(1).map((x) => x.content);
    expect(texts).toContain("First note before the damage");
    expect(texts).toContain("Second note after the damage");
    const st = JSON.parse(ok(d.run(1, ["sync", "status", "--json"]), "status").stdout);
    expect(st.skipped).toBe(1);
    // Applying again changes nothing and reports nothing new.
    expect(d.now(1).stdout).toContain("applied 0");
  });

  it("a change to an item whose creation has not arrived yet waits, then applies once it has", () => {
    const d = devices(3);
    d.remember(0, "The spare key is under the blue flowerpot");
    d.now(0);
    d.now(1);
    ok(d.run(1, ["memory", "pin", String(d.items(1)[0]!.id)]), "pin");
    d.now(1);
    // Device 0's files have not reached device 2 yet (the sync engine is still carrying them).
    const dev0 = JSON.parse(ok(d.run(0, ["sync", "status", "--json"]), "status").stdout).device as string;
    const dir0 = join(d.folder, "devices", dev0);
    renameSync(dir0, `${dir0}.away`);
    const first = JSON.parse(ok(d.run(2, ["sync", "now", "--json"]), "sync now").stdout);
    expect(first.waiting).toBe(1);
    expect(d.items(2)).toEqual([]);
    renameSync(`${dir0}.away`, dir0);
    const second = JSON.parse(ok(d.run(2, ["sync", "now", "--json"]), "sync now").stdout);
    expect(second.waiting).toBe(0);
    const items = d.items(2);
    expect(items.map((x) => [x.content, x.pinned])).toEqual([["The spare key is under the blue flowerpot", true]]);
  });

  it("refuses a wrong key, data intact", () => {
    const d = devices(1);
    const other = initHome(join(d.dir, "home-x"));
    const r = pai(["sync", "init", "--folder", d.folder, "--key", "A".repeat(43)], { home: other });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^pai: this key is not the key of that sync folder/);
    const none = pai(["sync", "init", "--folder", d.folder], { home: other, env: { PAI_SYNC_KEY: undefined } });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("needs its key");
  });
});
