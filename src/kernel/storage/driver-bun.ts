import { Database } from "bun:sqlite";
import type { Driver, OpenOptions, RunResult, SqlParams, Statement } from "./types.ts";

// bun:sqlite wants named keys without their prefix only in strict mode; get() returns null, not undefined.
export function openDriver(path: string, opts: OpenOptions = {}): Driver {
  const readonly = opts.readonly ?? false;
  const db = readonly
    ? new Database(path, { readonly: true, strict: true })
    : new Database(path, { create: opts.create ?? true, readwrite: true, strict: true });
  const cache = new Map<string, Statement<any>>();
  const statements: ReturnType<Database["prepare"]>[] = [];
  const driver: Driver = {
    name: "bun:sqlite",
    path,
    exec(sql) {
      db.exec(sql);
    },
    prepare<Row>(sql: string): Statement<Row> {
      const cached = cache.get(sql);
      if (cached) return cached as Statement<Row>;
      const st = db.prepare(sql);
      statements.push(st);
      const wrapped: Statement<Row> = {
        run(...params: SqlParams): RunResult {
          const r = st.run(...(params as any[]));
          return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
        },
        get(...params: SqlParams) {
          const row = st.get(...(params as any[]));
          return (row ?? undefined) as Row | undefined;
        },
        all(...params: SqlParams) {
          return st.all(...(params as any[])) as Row[];
        },
        iterate(...params: SqlParams) {
          return st.iterate(...(params as any[])) as IterableIterator<Row>;
        },
      };
      cache.set(sql, wrapped);
      return wrapped;
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
    loadExtension(file) {
      db.loadExtension(file);
    },
    close() {
      // Finalize cached statements first, so the connection really closes now (and checkpoints the WAL).
      for (const st of statements) st.finalize();
      statements.length = 0;
      cache.clear();
      db.close(false);
    },
  };
  return driver;
}
