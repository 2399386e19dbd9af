/** Helpers for the pack tests: a real PAI_HOME, packs written to real folders, and the run records. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { initUser } from "../../src/admin/init.ts";
import { withHome } from "../../src/app/home.ts";
import { ask } from "../../src/conversation/ask.ts";
import { parseBackendName } from "../../src/models/index.ts";
import { dispatch, installPack, runPackCommand, type DispatchOptions, type RunInput, type RunOptions } from "../../src/packs/index.ts";
import { paths, type Paths } from "../../src/kernel/paths.ts";
import { openDatabase } from "../../src/app/db.ts";
import { tmpDir } from "../helpers/tmp.ts";

/** A fresh PAI_HOME with user/ initialised (through the library, not the CLI, for speed). */
export function home(): Paths {
  const p = paths(tmpDir("pai-packs-"));
  initUser({ name: "Ada", paths: p, openDatabase });
  return p;
}

/** Writes files (path → content; objects are written as JSON) into a folder. */
export function writeTree(dir: string, files: Record<string, string | object>): string {
  for (const [rel, content] of Object.entries(files)) {
    const f = join(dir, rel);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
  return dir;
}

/** A pack folder from a manifest and its files. */
export function makePack(manifest: object, files: Record<string, string | object> = {}, dir = tmpDir("pai-pack-src-")): string {
  return writeTree(dir, { "pack.json": manifest, ...files });
}

export async function install(p: Paths, spec: string): Promise<void> {
  await installPack(spec, { yes: true, paths: p });
}

/** runPackCommand with the home of `opts.paths` opened around it (its config and database), as the CLI does. */
export function runIn(ref: { pack: string; command: string }, input: RunInput, opts: Omit<RunOptions, "config" | "db">) {
  return withHome((h) => runPackCommand(ref, input, { config: h.config, db: h.db, ...opts }), { paths: opts.paths });
}

/** dispatch with the home of `opts.paths` opened around it; with no match, pai's own ask answers (source "do"). */
export function dispatchIn(request: string, opts: Omit<DispatchOptions, "config" | "db" | "answer">) {
  return withHome(
    (h) =>
      dispatch(request, {
        config: h.config,
        db: h.db,
        answer: async (question, o) =>
          (
            await ask(question, {
              paths: h.paths,
              config: h.config,
              db: h.db,
              backend: o.backend ? parseBackendName(o.backend) : undefined,
              model: o.model,
              incognito: o.incognito,
              onText: o.onText,
              signal: o.signal,
              source: "do",
            })
          ).answer,
        ...opts,
      }),
    { paths: opts.paths },
  );
}

export function runs(p: Paths): Record<string, unknown>[] {
  const db = openDatabase(p.db);
  try {
    return db.prepare("SELECT * FROM pack_runs ORDER BY id").all();
  } finally {
    db.close();
  }
}

export function memories(p: Paths): { id: number; content: string; kind: string; source: string | null }[] {
  const db = openDatabase(p.db);
  try {
    return db.prepare<{ id: number; content: string; kind: string; source: string | null }>("SELECT id, content, kind, source FROM memory_items ORDER BY id").all();
  } finally {
    db.close();
  }
}

/** Sets pack settings in the user's config.json. */
export function setSettings(p: Paths, pack: string, values: Record<string, unknown>): void {
  const raw = JSON.parse(readFileSync(p.config, "utf8"));
  raw.packs ??= {};
  raw.packs.settings ??= {};
  raw.packs.settings[pack] = { ...(raw.packs.settings[pack] ?? {}), ...values };
  writeFileSync(p.config, JSON.stringify(raw, null, 2));
}
