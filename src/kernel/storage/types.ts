/** The one storage interface pai uses, implemented by bun:sqlite (under Bun) and better-sqlite3 (under Node). */
export type SqlValue = string | number | bigint | null | Uint8Array;
/** Positional values, or one object of named values (`@name` / `:name` / `$name` in SQL, plain keys here). */
export type SqlParams = SqlValue[] | [Record<string, SqlValue | undefined>];

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

export interface Statement<Row = Record<string, unknown>> {
  run(...params: SqlParams): RunResult;
  /** The first row, or undefined (never null) when there is none. */
  get(...params: SqlParams): Row | undefined;
  all(...params: SqlParams): Row[];
  /** Rows one at a time, for large results. */
  iterate(...params: SqlParams): IterableIterator<Row>;
}

export interface Driver {
  readonly name: "bun:sqlite" | "better-sqlite3";
  readonly path: string;
  exec(sql: string): void;
  prepare<Row = Record<string, unknown>>(sql: string): Statement<Row>;
  /** Runs fn in a transaction (BEGIN IMMEDIATE), committing on return and rolling back on throw. */
  transaction<T>(fn: () => T): T;
  /** Loads a SQLite extension (a shared library) into this connection; throws when the platform forbids it. */
  loadExtension(path: string): void;
  /** Whether this connection may have written anything (a run, a transaction, a statement other than a setting). */
  wrote(): boolean;
  close(): void;
}

export interface OpenOptions {
  readonly?: boolean;
  /**
   * The caller only reads: an existing database that needs no migration is opened read-only, on the one
   * connection that examined it (nothing can be written, nothing is checkpointed when it closes). A new
   * database, or one an older pai wrote, is opened for writing as usual, to be created or migrated.
   */
  readsOnly?: boolean;
  /** Create the file if missing (default true unless readonly). */
  create?: boolean;
  /**
   * The page cache: "small" (the default, 4 MiB) for a one-shot command, "large" (64 MiB) for a process that
   * stays (the daemon, chat, the dashboard) or a bulk import. Pages are allocated only as they are used.
   */
  cache?: "small" | "large";
}

/** PRAGMA cache_size for each OpenOptions.cache (negative: KiB). */
export const CACHE_KIB = { small: 4096, large: 65536 } as const;

/** PRAGMA mmap_size: how much of the file is read through a memory map (address space, not memory). */
export const MMAP_BYTES = 1 << 30;

/** Statements run through exec() that only set this connection's behaviour, so never write the file. */
export const SETTING_ONLY = /^\s*PRAGMA\s+(busy_timeout|foreign_keys|cache_size|synchronous|temp_store|mmap_size|query_only|wal_autocheckpoint)\s*(=\s*[-\w']+\s*)?;?\s*$/i;
