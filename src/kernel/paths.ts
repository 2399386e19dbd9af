/**
 * Where things live. The install directory holds src/, system/ and packs/; PAI_HOME (default: the install
 * directory) holds user/. Every command resolves paths through here so PAI_HOME is always honoured.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EnvironmentError } from "./errors.ts";

/** The install: the folder with package.json, src/, system/, packs/. */
// A file URL's path, decoded (node:url would cost every command a couple of milliseconds to load).
export const installDir: string = resolve(dirname(decodeURIComponent(new URL(import.meta.url).pathname)), "../..");

export const TELOS_FILES = [
  "mission",
  "goals",
  "projects",
  "beliefs",
  "models",
  "strategies",
  "narratives",
  "learned",
  "challenges",
  "ideas",
] as const;
export type TelosFile = (typeof TELOS_FILES)[number];

export interface Paths {
  home: string;
  user: string;
  telos: string;
  preferences: string;
  config: string;
  db: string;
  overrides: string;
  packs: string;
  jobs: string;
  logs: string;
  run: string;
  system: string;
  builtinPacks: string;
  install: string;
}

export function paiHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PAI_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : installDir;
}

export function paths(home: string = paiHome()): Paths {
  const user = join(home, "user");
  return {
    home,
    user,
    telos: join(user, "telos"),
    preferences: join(user, "preferences.md"),
    config: join(user, "config.json"),
    db: join(user, "pai.db"),
    overrides: join(user, "overrides"),
    packs: join(user, "packs"),
    jobs: join(user, "jobs"),
    logs: join(user, "logs"),
    run: join(user, "run"),
    system: join(installDir, "system"),
    builtinPacks: join(installDir, "packs"),
    install: installDir,
  };
}

/** Throws the "run pai init" error when PAI_HOME has no user/ folder. */
export function requireUser(p: Paths = paths()): Paths {
  if (!existsSync(p.user)) {
    throw new EnvironmentError(`no user/ folder in ${p.home}`, {
      hint: "run 'pai init' to create it (or set PAI_HOME to the folder that holds your user/)",
    });
  }
  return p;
}

/**
 * A file from system/, unless the user overrides it: user/overrides/<relative> replaces system/<relative>.
 * `relative` is relative to system/, e.g. "prompts/answer.md".
 */
export function systemFile(relative: string, p: Paths): string {
  const override = join(p.overrides, relative);
  return existsSync(override) ? override : join(p.system, relative);
}
