/**
 * Secrets a pack declared leave none of its runs: output, data and errors are redacted at the source, so a job
 * firing, the audit trail, memory, the run records and the logs never hold them, and a skill's tool that prints
 * its own token does not hand it to a cloud model. Credential shapes that used to slip through (URL passwords
 * with an empty user, an e-mail user or unencoded @ / # ?; SSH2 and PuTTY keys) are redacted too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/app/db.ts";
import { waitFor } from "../automation/helpers.ts";
import { pai, paiAsync } from "../helpers/cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeOllama, type FakeServer } from "../helpers/fake-ollama.ts";
import { makePack } from "../packs/helpers.ts";
import { bodies, dbText, logsText, plantedHome, serverEnv } from "./helpers.ts";

// A value with no recognisable shape: only the declared secret's own value can catch it.
const TOKEN = "plainvalue-zq81x-kestrel";

function leakyPack(): string {
  return makePack(
    {
      name: "leaky",
      version: "1.0.0",
      description: "prints its token",
      commands: {
        show: { tier: "code", description: "show", module: "m.ts", export: "show", permissions: { env: ["LEAKY_TOKEN"] } },
        fail: { tier: "code", description: "fail", module: "m.ts", export: "fail", permissions: { env: ["LEAKY_TOKEN"] } },
        echo: { tier: "cli", description: "echo", exec: "sh", args: ["-c", "echo token=$LEAKY_TOKEN"], permissions: { exec: ["sh"], env: ["LEAKY_TOKEN"] } },
        encoded: {
          tier: "cli",
          description: "prints the token encoded",
          exec: "sh",
          args: ["-c", 'printf "%s" "$LEAKY_TOKEN" | base64'],
          permissions: { exec: ["sh"], env: ["LEAKY_TOKEN"] },
        },
        recall: { tier: "prompt", description: "recall", prompt: "prompts/recall.md", permissions: { env: ["LEAKY_TOKEN"] } },
        agent: { tier: "skill", description: "agent", skill: "skills/agent" },
      },
    },
    {
      "m.ts": `export function show(ctx: any) { return { output: "the token is " + ctx.env.LEAKY_TOKEN, data: { token: ctx.env.LEAKY_TOKEN } }; }
export function fail(ctx: any) { throw new Error("failed with " + ctx.env.LEAKY_TOKEN); }\n`,
      "prompts/recall.md": "Say what you know about {{input}}.\n",
      "skills/agent/SKILL.md": "---\nname: agent\ndescription: uses the tools\nallowed-tools: show echo\n---\nCall the show tool, then answer.\n",
    },
  );
}

let anthropic: FakeServer;
beforeAll(async () => {
  let step = 0;
  anthropic = await startFakeAnthropic({
    reply: () => (step++ % 2 === 0 ? { toolCalls: [{ name: "show", arguments: {} }, { name: "echo", arguments: {} }] } : "done"),
  });
});
afterAll(async () => {
  await anthropic.close();
});

describe("a pack's declared secrets leave none of its runs", () => {
  it("as a job: firings, audit, memory, pack runs and logs hold no secret", async () => {
    const { home, p } = plantedHome();
    const env = { LEAKY_TOKEN: TOKEN };
    expect(pai(["pack", "install", leakyPack(), "--yes"], { home }).code).toBe(0);
    for (const cmd of ["show", "fail", "echo", "encoded"]) {
      const add = pai(["jobs", "add", `leak-${cmd}`, "--manual", "--action", "pack", "--command", `leaky:${cmd}`], { home });
      expect(add.code, add.stderr).toBe(0);
      const run = await paiAsync(["jobs", "run", `leak-${cmd}`], { home, env });
      expect(run.stdout + run.stderr, cmd).not.toContain(TOKEN);
      const direct = await paiAsync(["run", "leaky:" + cmd, "--json"], { home, env });
      expect(direct.stdout + direct.stderr, cmd).not.toContain(TOKEN);
    }
    expect(pai(["audit", "--json"], { home }).stdout).not.toContain(TOKEN);
    expect(pai(["memory", "list", "--json"], { home }).stdout).not.toContain(TOKEN);
    for (const form of [TOKEN, Buffer.from(TOKEN).toString("base64")]) {
      expect(dbText(p)).not.toContain(form);
      expect(logsText(p)).not.toContain(form);
    }
    // The redaction really happened (the test is not vacuous).
    expect(dbText(p)).toContain("the token is [REDACTED:secret]");
  });

  it("a skill's tools: the cloud model never receives a tool's own token", async () => {
    const { home } = plantedHome();
    expect(pai(["pack", "install", leakyPack(), "--yes"], { home }).code).toBe(0);
    const before = anthropic.requests.length;
    const r = await paiAsync(["run", "leaky:agent", "do it", "--backend", "anthropic"], { home, env: { ...serverEnv(anthropic), LEAKY_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    const sent = bodies({ ...anthropic, requests: anthropic.requests.slice(before) });
    expect(sent).toContain("tool_result");
    expect(sent).toContain("[REDACTED:secret]");
    expect(sent).not.toContain(TOKEN);
  });
});

describe("a pack's declared secrets, run by the real daemon", { timeout: 90_000 }, () => {
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  });

  it("every tier as a scheduled job: job_firings, the audit trail, memory, pack_runs and daemon.log hold no secret", async () => {
    // The local model quotes what it is given: the prompt command's answer and the skill's answer carry the token
    // unless it was redacted before.
    const ollama = await startFakeOllama({
      reply: (body: any) => {
        if (!body.tools?.length) return `Your token is ${TOKEN}.`;
        const last = body.messages.at(-1);
        return last?.role === "tool" ? `The tool said: ${last.content} (${TOKEN})` : { toolCalls: [{ name: "show", arguments: {} }] };
      },
    });
    try {
      const { home, p } = plantedHome();
      expect(pai(["pack", "install", leakyPack(), "--yes"], { home }).code).toBe(0);
      const cmds = ["show", "fail", "echo", "encoded", "recall", "agent"];
      for (const cmd of cmds) {
        const add = pai(["jobs", "add", `leak-${cmd}`, "--cron", "* * * * * *", "--action", "pack", "--command", `leaky:${cmd}`, "--text", "my accounts"], { home });
        expect(add.code, add.stderr).toBe(0);
      }
      const env = { ...serverEnv(undefined, ollama), LEAKY_TOKEN: TOKEN };
      const r = pai(["daemon", "start", "--json"], { home, env });
      expect(r.code, r.stderr).toBe(0);
      started.push(JSON.parse(r.stdout).pid as number);
      const finished = (job: string) => {
        const db = openDatabase(p.db);
        try {
          return db.prepare<{ n: number }>("SELECT count(*) AS n FROM job_firings WHERE job = ? AND finished_at IS NOT NULL").get(job)!.n;
        } finally {
          db.close();
        }
      };
      await waitFor(() => cmds.every((c) => finished(`leak-${c}`) >= 1), "every job to fire once");
      expect((await paiAsync(["daemon", "stop"], { home })).code).toBe(0);

      const firings = JSON.stringify(
        (() => {
          const db = openDatabase(p.db);
          try {
            return db.prepare<any>("SELECT * FROM job_firings").all();
          } finally {
            db.close();
          }
        })(),
      );
      // The jobs did run, and what they printed is there, redacted.
      expect(firings).toContain("[REDACTED:secret]");
      expect(firings).not.toContain(TOKEN);
      expect(pai(["audit", "--json"], { home }).stdout).not.toContain(TOKEN);
      expect(pai(["memory", "list", "--json"], { home }).stdout).not.toContain(TOKEN);
      const log = readFileSync(join(p.logs, "daemon.log"), "utf8");
      expect(log).toContain("leak-show");
      for (const form of [TOKEN, Buffer.from(TOKEN).toString("base64")]) {
        expect(dbText(p)).not.toContain(form);
        expect(logsText(p)).not.toContain(form);
      }
      expect(dbText(p)).toContain("Your token is [REDACTED:secret]");
      expect(dbText(p)).toContain("The tool said: the token is [REDACTED:secret]");
    } finally {
      await ollama.close();
    }
  });
});

describe("a skill's request to a cloud model", () => {
  it("holds none of its tools' secrets: not in the user's request, the model's own text or its tool input", async () => {
    // The model quotes the token back (text and tool input): the next request must not carry it.
    let step = 0;
    const cloud = await startFakeAnthropic({
      reply: () => (step++ === 0 ? { content: `Checking ${TOKEN} now.`, toolCalls: [{ name: "echo", arguments: { text: TOKEN } }] } : `Done with ${TOKEN}.`),
    });
    try {
      const { home, p } = plantedHome();
      expect(pai(["pack", "install", leakyPack(), "--yes"], { home }).code).toBe(0);
      const r = await paiAsync(["run", "leaky:agent", `deploy with ${TOKEN} please`, "--backend", "anthropic"], {
        home,
        env: { ...serverEnv(cloud), LEAKY_TOKEN: TOKEN },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(cloud.requests.length).toBe(2);
      const sent = bodies(cloud);
      expect(sent).toContain("deploy with [REDACTED:secret] please");
      expect(sent).toContain("Checking [REDACTED:secret] now.");
      expect(sent).not.toContain(TOKEN);
      // What the skill shows, returns and stores holds its tools' secrets redacted too.
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
      expect(dbText(p)).not.toContain(TOKEN);
    } finally {
      await cloud.close();
    }
  });
});

describe("a prompt command's answer", () => {
  it("quoting a declared secret is redacted before a job firing, memory or the run record keeps it", async () => {
    const ollama = await startFakeOllama({ reply: `Your token is ${TOKEN}.` });
    try {
      const { home, p } = plantedHome();
      const env = { ...serverEnv(undefined, ollama), LEAKY_TOKEN: TOKEN };
      expect(pai(["pack", "install", leakyPack(), "--yes"], { home }).code).toBe(0);
      expect(pai(["jobs", "add", "leak-recall", "--manual", "--action", "pack", "--command", "leaky:recall", "--text", "my accounts"], { home }).code).toBe(0);
      const run = await paiAsync(["jobs", "run", "leak-recall"], { home, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(TOKEN);
      expect(pai(["audit", "--json"], { home }).stdout).not.toContain(TOKEN);
      expect(pai(["memory", "list", "--json"], { home }).stdout).not.toContain(TOKEN);
      expect(dbText(p)).not.toContain(TOKEN);
      expect(logsText(p)).not.toContain(TOKEN);
      expect(dbText(p)).toContain("Your token is [REDACTED:secret]");
    } finally {
      await ollama.close();
    }
  });
});

describe("credential shapes that used to slip through", () => {
  const cases: [string, string][] = [
    ["redis://:hunter2pw@cache.internal:6379/0", "hunter2pw"],
    ["imaps://ada@example.com:s3cretpw@mail.example.com:993", "s3cretpw"],
    ["postgres://user:p@ss/w#rd?x@db:5432/app", "p@ss/w#rd?x"],
    ["amqps://:tok3nvalue@broker", "tok3nvalue"],
    ["postgres://user:p@ss/w#rd@db:5432/x", "p@ss/w#rd"],
    // A shape only the vendored gitleaks rules know (system/secret-patterns.json).
    ["deploy with lin_api_a8Kf02Lz9QmXv71bNc3RtYp5WsDe6Hg4Jk0Ui8Oa today", "lin_api_a8Kf02Lz9QmXv71bNc3RtYp5WsDe6Hg4Jk0Ui8Oa"],
    ["---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\r\nComment: k\r\nP2/56wAAAi4AAAA3aWYtbW9kbntzaWdue3JzY\r\n---- END SSH2 ENCRYPTED PRIVATE KEY ----", "P2/56wAAAi4AAAA3aWYtbW9kbntzaWdue3JzY"],
    ["PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1\nPrivate-Lines: 1\nAAAAIPrivPartQzx9\nPrivate-MAC: 0123abcd", "AAAAIPrivPartQzx9"],
  ];
  it.each(cases)("%j is stored redacted", (text, secret) => {
    const { home } = plantedHome();
    const r = pai(["remember", `note: ${text}`], { home });
    expect(r.code, r.stderr).toBe(0);
    const list = pai(["memory", "list", "--json"], { home }).stdout;
    expect(list).toContain("[REDACTED:");
    expect(list).not.toContain(secret);
  });
});
