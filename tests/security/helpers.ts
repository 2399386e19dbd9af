/**
 * Helpers for the end-to-end privacy and security tests: a PAI_HOME with a private Telos file, a private
 * memory and a shareable goal, each carrying a unique marker; well-known secret shapes; and scanners that
 * read every text column of every table of user/pai.db and every file under user/logs.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { paths, type Paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { initHome, pai } from "../helpers/cli.ts";
import type { FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** In a private Telos file (narratives.md is private in the template). */
export const PRIVATE_TELOS = "ZEBRAPRIVATETELOS7731";
/** In a private memory. */
export const PRIVATE_MEM = "QUOKKAPRIVATEMEMORY4419";
/** In a shareable goal: it must reach the cloud (so the tests are not vacuous). */
export const SHARED_GOAL = "PELICANSHAREDGOAL2208";

export const SECRETS = {
  anthropic: "sk-ant-api03-Xq7vR2mK9pL4tN8wZ3cF6hJ1bD5gS0aE2yU7iO4eT9rW3qP6zX8cV1nM5kL2jH4gF7dS9a-AbCdEfGhAA",
  github: "ghp_R7tY2uI9oP3aS6dF1gH8jK4lZ0xC5vB2nM7q",
  aws: "AKIAQ3EGXRT7MNB2VK4P",
  pemBody: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7pZx9yHq3Lw2mT",
};
export const PEM = `-----BEGIN PRIVATE KEY-----\n${SECRETS.pemBody}\nq8Nd3KfWv0sR1uYt6EoPaXc4Lb9Gh2Jm5Zn7Qr\n-----END PRIVATE KEY-----`;
/** Every secret, as one text a user might paste. */
export const SECRET_TEXT = `my anthropic key ${SECRETS.anthropic}, github ${SECRETS.github}, aws ${SECRETS.aws} and this key:\n${PEM}`;
export const ALL_SECRETS = Object.values(SECRETS);

/** The environment pointing pai at the loopback servers. */
export function serverEnv(anthropic?: FakeServer, ollama?: FakeServer): Record<string, string> {
  return {
    ANTHROPIC_API_KEY: "test-key-not-secret",
    ...(anthropic ? { ANTHROPIC_BASE_URL: anthropic.url } : {}),
    OLLAMA_HOST: ollama?.url ?? "http://127.0.0.1:9",
  };
}

/** A PAI_HOME with the markers planted (through the real CLI) and the given config merged in. */
export function plantedHome(config: Record<string, unknown> = {}): { home: string; p: Paths } {
  const home = initHome(tmpDir("pai-sec-"));
  const p = paths(home);
  writeFileSync(
    join(p.telos, "narratives.md"),
    `---\ntitle: Narratives\nupdated: 2026-01-01\nvisibility: private\n---\n\n# Narratives\n\n- N1: The story I tell nobody: ${PRIVATE_TELOS}\n`,
  );
  writeFileSync(
    join(p.telos, "goals.md"),
    `---\ntitle: Goals\nupdated: 2026-01-01\nvisibility: shareable\n---\n\n# Goals\n\n- G1: Finish the ${SHARED_GOAL} project\n`,
  );
  const base = JSON.parse(readFileSync(p.config, "utf8"));
  writeFileSync(p.config, JSON.stringify({ ...base, backend: { retries: 0, backoffMs: 1 }, ...config }, null, 2));
  const r = pai(["remember", "--private", `The door code of the cellar is ${PRIVATE_MEM}`], { home });
  if (r.code !== 0) throw new Error(`pai remember failed: ${r.stderr}`);
  return { home, p };
}

/** Every text value of every table of user/pai.db, as "table.column: value" lines. */
export function dbText(p: Paths): string {
  if (!existsSync(p.db)) return "";
  const db = openDatabase(p.db);
  try {
    const tables = db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    const out: string[] = [];
    for (const { name } of tables) {
      let rows: Record<string, unknown>[];
      try {
        rows = db.prepare<Record<string, unknown>>(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all();
      } catch {
        continue; // FTS internals that cannot be read directly
      }
      for (const row of rows) {
        for (const [col, v] of Object.entries(row)) {
          if (typeof v === "string") out.push(`${name}.${col}: ${v}`);
          else if (v instanceof Uint8Array) out.push(`${name}.${col}: ${Buffer.from(v).toString("latin1")}`);
        }
      }
    }
    return out.join("\n");
  } finally {
    db.close();
  }
}

/** The content of every file under user/logs. */
export function logsText(p: Paths): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir)) {
      const f = join(dir, e);
      if (statSync(f).isDirectory()) walk(f);
      else out.push(`${f}:\n${readFileSync(f, "latin1")}`);
    }
  };
  walk(p.logs);
  return out.join("\n");
}

/** Every request body a fake server received, as one text. */
export function bodies(s: FakeServer, path?: string): string {
  return s.requests
    .filter((r) => !path || r.path === path)
    .map((r) => (typeof r.body === "string" ? r.body : JSON.stringify(r.body ?? "")))
    .join("\n");
}

/** Asserts that none of `needles` occurs in `text`, naming the first that does and where. */
export function expectAbsent(text: string, needles: string[], where: string): void {
  for (const n of needles) {
    const at = text.indexOf(n);
    if (at >= 0) {
      const around = text.slice(Math.max(0, at - 200), at + n.length + 40);
      expect.fail(`${where} holds '${n.slice(0, 24)}…': …${around}…`);
    }
  }
}

/** The secrets appear nowhere in the database or the logs. */
export function expectNoSecretsStored(p: Paths): void {
  expectAbsent(dbText(p), ALL_SECRETS, "user/pai.db");
  expectAbsent(logsText(p), ALL_SECRETS, "user/logs");
}

/** A fake model reply that echoes what it was sent (so a leak through an answer is visible). */
export function echo(prefix: string) {
  return (body: any) => `${prefix} ${JSON.stringify(body.system ?? "")} ${JSON.stringify(body.messages ?? [])}`.slice(0, 4000);
}
