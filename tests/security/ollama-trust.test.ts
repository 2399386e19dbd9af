/**
 * An Ollama host that is not this machine is, for privacy, a cloud backend unless the user trusts it: the
 * context it gets leaves private items out and secrets are redacted, and `pai context` and `pai doctor` say so.
 * No traffic goes to any address but loopback: the "other machine" is the loopback server reached through its
 * IPv4-mapped IPv6 form, which pai does not take for this machine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pai, paiAsync } from "../helpers/cli.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { bodies, plantedHome, PRIVATE_MEM, PRIVATE_TELOS, SECRETS, SHARED_GOAL } from "./helpers.ts";

let ollama: FakeServer;
beforeAll(async () => {
  ollama = await startFakeOllama({ reply: "noted" });
});
afterAll(async () => {
  await ollama.close();
});

const port = () => new URL(ollama.url).port;
const mapped = () => `http://[::ffff:127.0.0.1]:${port()}`;

describe("an Ollama host that is not this machine", () => {
  it("gets the cloud context from pai context, with a notice; ollama.trusted makes it local again", () => {
    const { home } = plantedHome();
    const env = { OLLAMA_HOST: "http://10.255.255.1:11434" };
    const r = pai(["context", "--json"], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(PRIVATE_TELOS);
    expect(r.stdout).not.toContain(PRIVATE_MEM);
    expect(r.stdout).toContain(SHARED_GOAL);
    expect(JSON.parse(r.stdout).audience).toBe("cloud");
    expect(r.stderr).toContain("Ollama at http://10.255.255.1:11434 is not this machine, so it gets the cloud context");
    expect(pai(["config", "set", "ollama.trusted", "true"], { home }).code).toBe(0);
    const t = pai(["context", "--json"], { home, env });
    expect(JSON.parse(t.stdout).audience).toBe("local");
    expect(t.stdout).toContain(PRIVATE_TELOS);
    expect(t.stderr).toContain("ollama.trusted is set");
  });

  it("every loopback form stays local", () => {
    const { home } = plantedHome();
    for (const host of ["http://127.0.0.2:11434", "http://[::1]:11434", "http://localhost:11434", "127.0.0.1:11434", ":11434"]) {
      const r = pai(["context", "--json"], { home, env: { OLLAMA_HOST: host } });
      expect(JSON.parse(r.stdout).audience, host).toBe("local");
      expect(r.stderr, host).not.toContain("not this machine");
    }
  });

  it("pai ask sends it no private item and no secret, and pai doctor names it", async () => {
    const { home } = plantedHome();
    const env = { OLLAMA_HOST: mapped() };
    expect(pai(["remember", `the deploy token is ${SECRETS.github}`], { home }).code).toBe(0);
    const before = ollama.requests.length;
    const r = await paiAsync(["ask", `what is ${SHARED_GOAL}? also ${SECRETS.aws}`], { home, env });
    expect(r.code, r.stderr).toBe(0);
    const text = bodies({ ...ollama, requests: ollama.requests.slice(before) });
    expect(text).toContain(SHARED_GOAL);
    for (const needle of [PRIVATE_TELOS, PRIVATE_MEM, SECRETS.github, SECRETS.aws]) expect(text).not.toContain(needle);
    const d = pai(["doctor", "--json"], { home, env });
    const check = JSON.parse(d.stdout).checks.find((c: { name: string }) => c.name === "ollama");
    expect(check.message ?? check.detail ?? JSON.stringify(check)).toMatch(/not this machine, so it counts as cloud/);
  });
});
