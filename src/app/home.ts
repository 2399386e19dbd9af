/**
 * The composition root. A command opens its home once: the paths under PAI_HOME, the config, and one
 * database connection, each made the first time it is asked for and handed down from there. Nothing below
 * src/app/ opens a database or reads the config on its own.
 */
import type { Config } from "../config/schema.ts";
import { loadConfig } from "../config/read.ts";
import { fileStamp } from "../kernel/fs.ts";
import { paths as homePaths, requireUser, type Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { openDatabase } from "./db.ts";

export interface Home {
  readonly paths: Paths;
  /** The user's config, read on first use. */
  readonly config: Config;
  /** The user's database, opened (and migrated) on first use; closed when the home is. */
  readonly db: Database;
  /**
   * A connection that writes, for the rare write of a command that otherwise only reads (HomeOptions.readsOnly):
   * the log of an embed model's call made for a query. It is `db` itself when that one writes.
   */
  readonly writer: Database;
}

export interface HomeOptions {
  /** PAI_HOME to use instead of the environment's. */
  home?: string;
  /** Paths already resolved (a test, the daemon). */
  paths?: Paths;
  /** false: do not require an initialised user/ (init, doctor). Default true. */
  user?: boolean;
  /**
   * The database's page cache: "small" (default) for a one-shot command; "large" for a process that stays
   * (the daemon, chat, the dashboard) or a bulk import, where the indexes' pages stay warm across many queries.
   */
  cache?: "small" | "large";
  /**
   * The command only reads: `db` is opened read-only when the database is up to date (one connection, nothing
   * written or checkpointed; see OpenOptions.readsOnly), and `writer` opens a second connection if a write comes.
   */
  readsOnly?: boolean;
}

export interface OpenHome extends Home {
  close(): void;
}

/** The home a long-lived process lends to the commands it runs (lendHome). */
let lent: Home | undefined;

/**
 * Runs fn with `home` lent to every openHome() of the same PAI_HOME: its database connection (warm page cache,
 * vectors held in memory) instead of a new one, never closed by the borrower. The config is read again whenever
 * config.json changed, so an edit counts at once. The daemon lends its home to the read-only
 * commands it answers on its socket (cli/resident-run.ts); they run one at a time.
 */
export async function lendHome<T>(home: Home, fn: () => Promise<T>): Promise<T> {
  const previous = lent;
  lent = home;
  try {
    return await fn();
  } finally {
    lent = previous;
  }
}

/** Opens a home lazily: nothing is read or opened until a field is used. */
export function openHome(opts: HomeOptions = {}): OpenHome {
  const p = opts.paths ?? homePaths(opts.home);
  if (opts.user !== false) requireUser(p);
  if (lent && lent.paths.home === p.home) return borrowed(lent, p);
  let config: Config | undefined;
  let db: Database | undefined;
  let writer: Database | undefined;
  const home: OpenHome = {
    paths: p,
    get config() {
      return (config ??= loadConfig(p.config));
    },
    get db() {
      return (db ??= openDatabase(requireUser(p).db, { cache: opts.cache, readsOnly: opts.readsOnly }));
    },
    get writer() {
      if (!opts.readsOnly) return home.db;
      return (writer ??= openDatabase(requireUser(p).db, { cache: opts.cache }));
    },
    close() {
      const [d, w] = [db, writer];
      db = writer = undefined;
      try {
        w?.close();
      } finally {
        d?.close();
      }
    },
  };
  return home;
}

/**
 * The config the lent home's borrowers read, with the stamp of config.json when it was read (fileStamp): read again
 * only when the file changed, so an edit counts at once and an unchanged file is not parsed per command. A file that
 * cannot be stat'ed (none yet) is never kept.
 */
let lentConfig: { file: string; stamp: string; config: Config } | undefined;

function lentConfigOf(file: string): Config {
  // Stamped before reading: a write during the read changes the stamp, so the next borrower reads again.
  const stamp = fileStamp(file);
  if (stamp !== undefined && lentConfig?.file === file && lentConfig.stamp === stamp) return lentConfig.config;
  const config = loadConfig(file);
  lentConfig = stamp === undefined ? undefined : { file, stamp, config };
  return config;
}

function borrowed(owner: Home, p: Paths): OpenHome {
  let config: Config | undefined;
  return {
    paths: p,
    get config() {
      return (config ??= lentConfigOf(p.config));
    },
    get db() {
      requireUser(p);
      return owner.db;
    },
    get writer() {
      requireUser(p);
      return owner.writer;
    },
    close() {},
  };
}

/** Runs fn with a home, and always closes what it opened. */
export async function withHome<T>(fn: (home: Home) => T | Promise<T>, opts: HomeOptions = {}): Promise<T> {
  const home = openHome(opts);
  try {
    return await fn(home);
  } finally {
    home.close();
  }
}
