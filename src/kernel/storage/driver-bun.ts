import { Database } from "bun:sqlite";
import { SETTING_ONLY, type Driver, type OpenOptions, type RunResult, type SqlParams, type Statement } from "./types.ts";

// bun:sqlite wants named keys without their prefix only in strict mode; get() returns null, not undefined.
export function openDriver(path: string, opts: OpenOptions = {}): Driver {
  const readonly = opts.readonly ?? false;
  const db = readonly
    ? new Database(path, { readonly: true, strict: true })
    : new Database(path, { create: opts.create ?? true, readwrite: true, strict: true });
  const cache = new Map<string, Statement<any>>();
  // Set by anything that may write; total_changes() adds rows changed by a statement read with get/all.
  let wrote = false;
  const statements: ReturnType<Database["prepare"]>[] = [];
  const driver: Driver = {
    name: "bun:sqlite",
    path,
    exec(sql) {
      if (!wrote && !SETTING_ONLY.test(sql)) wrote = true;
      db.exec(sql);
    },
    prepare<Row>(sql: string): Statement<Row> {
      const cached = cache.get(sql);
      if (cached) return cached as Statement<Row>;
      const st = db.prepare(sql);
      statements.push(st);
      const wrapped: Statement<Row> = {
        run(...params: SqlParams): RunResult {
          wrote = true;
          // Not in safe-integer mode: bun:sqlite's own result already holds both as numbers.
          return st.run(...(params as any[])) as RunResult;
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
      st.finalize();
      return n > 0;
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
