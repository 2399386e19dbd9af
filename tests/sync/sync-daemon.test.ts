/** The daemon syncs memory when another device's files change in the sync folder (it runs `pai sync now`). */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initHome, pai } from "../helpers/cli.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { waitFor } from "../automation/helpers.ts";

const started: string[] = [];
afterEach(() => {
  while (started.length) pai(["daemon", "stop"], { home: started.pop()! });
});

describe("the daemon and the sync folder", { timeout: 60_000 }, () => {
  it("applies what another device published, without a command", async () => {
    const dir = tmpDir("pai-sync-daemon-");
    const folder = join(dir, "folder");
    const [a, b] = [initHome(join(dir, "a")), initHome(join(dir, "b"))];
    const key = JSON.parse(pai(["sync", "init", "--folder", folder, "--json"], { home: a }).stdout).key as string;
    expect(pai(["sync", "init", "--folder", folder, "--key", key], { home: b }).code).toBe(0);
    const env = { OLLAMA_HOST: "http://127.0.0.1:9" };
    expect(pai(["daemon", "start", "--json"], { home: b, env }).code).toBe(0);
    started.push(b);
    expect(pai(["remember", "The bike lock code is on the fridge note"], { home: a }).code).toBe(0);
    expect(pai(["sync", "now"], { home: a }).code).toBe(0);
    await waitFor(() => pai(["memory", "search", "fridge"], { home: b }).stdout.includes("bike lock code"), "the daemon to apply it", 30_000);
  });
});
