import BetterSqlite3 from "better-sqlite3";
import { SETTING_ONLY, type Driver, type OpenOptions, type RunResult, type SqlParams, type Statement } from "./types.ts";

export function openDriver(path: string, opts: OpenOptions = {}): Driver {
  const readonly = opts.readonly ?? false;
  const db = new BetterSqlite3(path, { readonly, fileMustExist: readonly || opts.create === false });
  const cache = new Map<string, Statement<any>>();
  // Set by anything that may write; total_changes() adds rows changed by a statement read with get/all.
  let wrote = false;
  const driver: Driver = {
    name: "better-sqlite3",
    path,
    exec(sql) {
      if (!wrote && !SETTING_ONLY.test(sql)) wrote = true;
      db.exec(sql);
    },
    prepare<Row>(sql: string): Statement<Row> {
      const cached = cache.get(sql);
      if (cached) return cached as Statement<Row>;
      const st = db.prepare(sql);
      const returnsRows = st.reader;
      const wrapped: Statement<Row> = {
        run(...params: SqlParams): RunResult {
          wrote = true;
          const r = st.run(...(params as any[]));
          return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
        },
        get(...params: SqlParams) {
          if (!returnsRows) {
            st.run(...(params as any[]));
            return undefined;
          }
          return st.get(...(params as any[])) as Row | undefined;
        },
        all(...params: SqlParams) {
          if (!returnsRows) {
            st.run(...(params as any[]));
            return [];
          }
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
      wrote = true;
      return db.transaction(fn).immediate();
    },
    loadExtension(file) {
      db.loadExtension(file);
    },
    wrote() {
      if (wrote) return true;
      const st = db.prepare("SELECT total_changes() AS n");
      const n = (st.get() as { n: number } | null)?.n ?? 0;
      
      return n > 0;
    },
    close() {
      cache.clear();
      db.close();
    },
  };
  return driver;
}
