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
  close(): void;
}

export interface OpenOptions {
  readonly?: boolean;
  /** Create the file if missing (default true unless readonly). */
  create?: boolean;
}
